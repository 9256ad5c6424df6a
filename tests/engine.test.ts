import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SINGLE_PUT_MAX, SMALL_REQUESTS_PER_PART } from '../shared/parts';
import { CENTER_PROFILE } from '../shared/profile';
import type { UploadRecord } from '../shared/types';
import { crc32ToBase64 } from '../electron/engine/crc32';
import { HashPool } from '../electron/engine/hash-pool';
import type { Hasher, Target, UploadQueue } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { UploadSession } from '../electron/ipc/upload-session';
import { HASH_WORKER } from './helpers/build';
import { gatedHasher, TEST_PART_SIZE, testQueue, writeStatus } from './helpers/engine';
import { expectObjectMatches, writeTestFile } from './helpers/objects';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  TEST_CREDENTIALS,
  testClient,
  uploadPartRequests,
  type Moto,
  type RecordingProxy,
} from './helpers/moto';

const PART = TEST_PART_SIZE;
const [GRANTEE_A, GRANTEE_B] = CENTER_PROFILE.fullControlIds;

let moto: Moto;
let proxy: RecordingProxy;
let pool: HashPool;
let dir: string;
let store: Store;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  await createBucket(moto.endpoint, 'lab-bucket');
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-engine-'));
  store = Store.open(join(dir, 'state', 'labdrop.db'));
  proxy.requests.length = 0;
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function target(bucket = 'lab-bucket', endpoint = proxy.endpoint): Target {
  return { bucket, endpoint, region: 'us-east-1', awsProfile: null };
}

function queue(options: { hasher?: Hasher; partConcurrency?: number; db?: Store } = {}) {
  return testQueue(options.db ?? store, options.hasher ?? pool, {
    partConcurrency: options.partConcurrency ?? 4,
  });
}

async function file(name: string, size: number, seed = 1): Promise<string> {
  return writeTestFile(dir, name, size, seed);
}

async function upload(paths: string[], prefix = 'center', q = queue()): Promise<UploadRecord[]> {
  const plan = await planUpload(paths, prefix);
  const records = await q.add(plan, target());
  await q.idle();
  return records.map((r) => store.getUpload(r.id) as UploadRecord);
}

function expectObject(key: string, localPath: string) {
  return expectObjectMatches(moto.endpoint, 'lab-bucket', key, localPath);
}

/** moto keeps only the first grantee of a grant header, so check the header sent too. */
function expectGrantHeader(request: { headers: Record<string, unknown> } | undefined) {
  const header = String(request?.headers['x-amz-grant-full-control'] ?? '');
  expect(header).toContain(`id=${GRANTEE_A}`);
  expect(header).toContain(`id=${GRANTEE_B}`);
}

function requestsFor(method: string, key: string, query?: string) {
  return proxy.requests.filter(
    (r) =>
      r.method === method &&
      decodeURIComponent(r.url.split('?')[0] ?? '') === `/lab-bucket/${key}` &&
      (query === undefined || (r.url.split('?')[1] ?? '').includes(query)),
  );
}

describe('uploads with the center rules', () => {
  it('uploads an empty file with one PUT carrying grants and content-md5', async () => {
    const path = await file('empty.dat', 0);
    const [record] = await upload([path]);
    expect(record?.status).toBe('done');
    expect(record?.md5Base64).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
    await expectObject('center/empty.dat', path);
    const puts = requestsFor('PUT', 'center/empty.dat');
    expect(puts).toHaveLength(1);
    expectGrantHeader(puts[0]);
    expect(puts[0]?.headers['x-amz-meta-content-md5']).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
  });

  it('uploads one byte, and exactly one part, as single PUTs', async () => {
    const one = await file('one.bin', 1);
    const exact = await file('exact.bin', PART, 2);
    const records = await upload([one, exact]);
    expect(records.map((r) => r.status)).toEqual(['done', 'done']);
    await expectObject('center/one.bin', one);
    await expectObject('center/exact.bin', exact);
    expect(uploadPartRequests(proxy.requests)).toHaveLength(0);
    for (const key of ['center/one.bin', 'center/exact.bin']) {
      expectGrantHeader(requestsFor('PUT', key)[0]);
    }
  });

  it('sends a file up to 16 MiB in one PUT, and one byte more as a multipart upload', async () => {
    const whole = await file('at-limit.bin', SINGLE_PUT_MAX, 3);
    const over = await file('plus-one.bin', SINGLE_PUT_MAX + 1, 3);
    const records = await upload([whole, over]);
    expect(records.map((r) => r.status)).toEqual(['done', 'done']);
    await expectObject('center/at-limit.bin', whole);
    await expectObject('center/plus-one.bin', over);
    expect(uploadPartRequests(proxy.requests, 'center/at-limit.bin')).toHaveLength(0);
    const [put] = requestsFor('PUT', 'center/at-limit.bin');
    expect(put?.headers['content-md5']).toBe(records[0]?.md5Base64);
    // 16 MiB + 1 byte in 5 MiB parts.
    expect(uploadPartRequests(proxy.requests, 'center/plus-one.bin')).toHaveLength(4);
  });

  it('uploads a multi-part file with grants and content-md5 on CreateMultipartUpload', async () => {
    const size = 5 * PART + 12345;
    const path = await file('big.bin', size, 4);
    const [record] = await upload([path]);
    expect(record?.status).toBe('done');
    const md5 = createHash('md5').update(await readFile(path));
    expect(record?.md5Hex).toBe(md5.copy().digest('hex'));
    expect(record?.md5Base64).toBe(md5.digest('base64'));
    expect(record?.grants).toContain(GRANTEE_B);
    expect(record?.etag).toMatch(/-6"?$/);
    await expectObject('center/big.bin', path);

    const create = requestsFor('POST', 'center/big.bin', 'uploads');
    expect(create).toHaveLength(1);
    expectGrantHeader(create[0]);
    expect(create[0]?.headers['x-amz-meta-content-md5']).toBe(record?.md5Base64);
    const parts = uploadPartRequests(proxy.requests, 'center/big.bin');
    expect(parts).toHaveLength(6);
  });

  it('has S3 check every part and the whole object by CRC32', async () => {
    const size = 4 * PART + 999;
    const path = await file('checked.bin', size, 11);
    const [record] = await upload([path]);
    expect(record?.status).toBe('done');
    const bytes = await readFile(path);
    const crc32Of = (data: Uint8Array) => crc32ToBase64(crc32(data));

    const [create] = requestsFor('POST', 'center/checked.bin', 'uploads');
    expect(create?.headers['x-amz-checksum-algorithm']).toBe('CRC32');
    expect(create?.headers['x-amz-checksum-type']).toBe('FULL_OBJECT');
    const parts = uploadPartRequests(proxy.requests, 'center/checked.bin');
    expect(parts).toHaveLength(5);
    for (const part of parts) {
      const n = Number(new URL(part.url, 'http://x').searchParams.get('partNumber'));
      const range = bytes.subarray((n - 1) * PART, Math.min(n * PART, size));
      expect(part.headers['x-amz-checksum-crc32']).toBe(crc32Of(range));
    }
    const [complete] = requestsFor('POST', 'center/checked.bin', 'uploadId');
    expect(complete?.headers['x-amz-checksum-crc32']).toBe(crc32Of(bytes));
    expect(complete?.headers['x-amz-checksum-type']).toBe('FULL_OBJECT');

    // What S3 (here moto, from the bytes it stored) reports for the object.
    const head = await testClient(moto.endpoint).send(
      new HeadObjectCommand({
        Bucket: 'lab-bucket',
        Key: 'center/checked.bin',
        ChecksumMode: 'ENABLED',
      }),
    );
    expect(head.ChecksumCRC32).toBe(crc32Of(bytes));
    expect(record?.crc32Base64).toBe(crc32Of(bytes));
  });

  it('follows links in a folder as the AWS CLI does, and stops on a broken or looping one', async () => {
    const study = join(dir, 'study');
    const raw = join(dir, 'raw');
    await mkdir(join(study, 'sub'), { recursive: true });
    await mkdir(raw);
    await writeFile(join(study, 'a.txt'), 'a');
    await writeFile(join(raw, 'r.txt'), 'r');
    await symlink(raw, join(study, 'rawdata'));
    await symlink(join(raw, 'r.txt'), join(study, 'r-link.txt'));
    const plan = await planUpload([study], 'center');
    expect(plan.problems).toEqual([]);
    expect(plan.files.map((f) => f.key)).toEqual([
      'center/study/a.txt',
      'center/study/r-link.txt',
      'center/study/rawdata/r.txt',
    ]);
    // A link named on its own is the folder it points to, under the link's name.
    const named = await planUpload([join(study, 'rawdata')], 'center');
    expect(named.files.map((f) => f.key)).toEqual(['center/rawdata/r.txt']);

    await symlink(join(dir, 'gone'), join(study, 'dangling'));
    await symlink(study, join(study, 'sub', 'loop'));
    expect((await planUpload([study], 'center')).problems).toEqual([
      `${join(study, 'dangling')} is a link to ${join(dir, 'gone')}, which does not exist. Remove the link, or put back what it points to.`,
      expect.stringContaining(`${join(study, 'sub', 'loop')} is a link back to a folder it is in`),
    ]);
  });

  it('names a file whose name S3 keys cannot carry on one line, saying to rename it', async () => {
    const study = join(dir, 'lines');
    await mkdir(study);
    await writeFile(join(study, 'a\nb.fastq'), 'x');
    const { problems } = await planUpload([study], 'center');
    expect(problems).toEqual([
      `${join(study, 'a\\u000ab.fastq')}: The key "center/lines/a\\u000ab.fastq" contains a control character (such as a line break): rename the file or folder.`,
    ]);
  });

  it('keeps a dropped folder name and odd file names in the keys', async () => {
    const names = [
      'a b.txt',
      'plus+sign.txt',
      'hash#1.txt',
      '100%.txt',
      'paren(1).txt',
      'ünï/çødé ✓.txt',
      'x/y/z.txt',
    ];
    for (const [i, name] of names.entries()) await file(join('study', name), 100 + i, i);
    const records = await upload([join(dir, 'study')], '/center/');
    expect(records.every((r) => r.status === 'done')).toBe(true);
    const listed = await testClient(moto.endpoint).send(
      new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'center/study/' }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      names.map((n) => `center/study/${n}`).sort(),
    );
    for (const name of names) await expectObject(`center/study/${name}`, join(dir, 'study', name));
  });
});

describe('many small files', () => {
  it('keeps many more small files than parts in flight, never more bytes than the parts’ worth', async () => {
    const sizes = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % (64 * 1024)));
    const wells = await Promise.all(
      sizes.map((size, i) => file(`plate/well-${String(i).padStart(3, '0')}.tif`, size, i + 1)),
    );
    const scan = await file('plate/scan.bin', SINGLE_PUT_MAX + PART, 999);
    // Each answer a round trip away, as across a long link: only what is in flight at once overlaps them.
    proxy.delay = (request) => (request.method === 'PUT' ? 60 : 0);
    Object.assign(proxy.putsInFlight, { max: 0, maxBytes: 0 });
    proxy.partsInFlight.max = 0;
    let records: UploadRecord[];
    try {
      records = await upload([join(dir, 'plate')], 'center', queue({ partConcurrency: 4 }));
    } finally {
      proxy.delay = null;
    }
    expect(records.map((r) => r.status)).toEqual(records.map(() => 'done'));
    // Four parts' worth: up to 4 × 8 small files at once, but the big file's parts 4 at most.
    expect(proxy.putsInFlight.max).toBeGreaterThan(8);
    expect(proxy.putsInFlight.max).toBeLessThanOrEqual(4 * SMALL_REQUESTS_PER_PART);
    expect(proxy.partsInFlight.max).toBeLessThanOrEqual(4);
    expect(uploadPartRequests(proxy.requests, 'center/plate/scan.bin')).toHaveLength(5);
    expect(proxy.putsInFlight.maxBytes).toBeLessThanOrEqual(4 * PART);

    // Every small file is one PutObject with the center's rules, verified by its answer alone.
    const listed = await testClient(moto.endpoint).send(
      new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'center/plate/' }),
    );
    const stored = new Map((listed.Contents ?? []).map((o) => [o.Key, o.Size]));
    expect(stored.size).toBe(201);
    for (const [i, path] of wells.entries()) {
      const key = `center/plate/well-${String(i).padStart(3, '0')}.tif`;
      expect(stored.get(key)).toBe(sizes[i]);
      const puts = requestsFor('PUT', key);
      expect(puts).toHaveLength(1);
      expectGrantHeader(puts[0]);
      const record = records.find((r) => r.key === key);
      expect(puts[0]?.headers['x-amz-meta-content-md5']).toBe(record?.md5Base64);
      expect(record?.etag).toBe(`"${record?.md5Hex}"`);
      expect(requestsFor('HEAD', key)).toHaveLength(0);
      if (i % 40 === 0) await expectObject(key, path);
    }
    await expectObject('center/plate/scan.bin', scan);
  });
});

describe('the same file dropped twice', () => {
  it('is uploaded once, by the upload already on its way', async () => {
    const q = queue({ partConcurrency: 1 });
    const path = await file('twice/big.bin', SINGLE_PUT_MAX + 1, 31);
    const [first] = await q.add(await planUpload([path], 'twice'), target());
    const [again] = await q.add(await planUpload([path], 'twice'), target());
    expect(again?.id).toBe(first?.id);
    await q.idle();
    expect(store.query({ search: 'twice/big.bin' })).toHaveLength(1);
    expect(requestsFor('POST', 'twice/big.bin', 'uploads')).toHaveLength(1);
    await expectObject('twice/big.bin', path);
  });
});

describe('a lost network', () => {
  it('waits instead of failing, and goes on by itself when the endpoint answers again', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const q = testQueue(store, pool, {
      partConcurrency: 2,
      networkProbe: { maxAttempts: Infinity, baseDelayMs: 50, maxDelayMs: 200 },
    });
    const paths = await Promise.all([
      file('outage/a.bin', SINGLE_PUT_MAX + 1, 21),
      file('outage/b.txt', 1000, 22),
      file('outage/c.txt', 2000, 23),
    ]);
    const records = await q.add(await planUpload(paths, 'outage'), target());
    // The endpoint goes down: every request's connection is cut.
    proxy.intercept = () => 'reset';
    await expect
      .poll(() => records.map((r) => store.getUpload(r.id)?.status), { timeout: 20_000 })
      .toEqual(['waiting', 'waiting', 'waiting']);
    expect(store.getUpload(records[0]?.id as string)?.lastError?.message).toMatch(
      /Could not reach/,
    );
    // Long enough for the probe to ask many times.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    proxy.intercept = null;
    await q.idle();
    process.off('warning', onWarning);
    for (const [i, record] of records.entries()) {
      expect(store.getUpload(record.id)?.status).toBe('done');
      await expectObject(record.key, paths[i] as string);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('a pause of an upload waiting for the network stands', async () => {
    const q = testQueue(store, pool, {
      networkProbe: { maxAttempts: Infinity, baseDelayMs: 50, maxDelayMs: 100 },
    });
    const path = await file('outage/paused.txt', 500, 24);
    proxy.intercept = (r) => (r.method === 'PUT' ? 'reset' : null);
    const [record] = await q.add(await planUpload([path], 'outage'), target());
    const id = (record as UploadRecord).id;
    await expect.poll(() => store.getUpload(id)?.status, { timeout: 20_000 }).toBe('waiting');
    await q.pauseAll();
    proxy.intercept = null;
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('paused');
  });
});

describe('pause, resume and cancel', () => {
  async function startBig(q: UploadQueue, parts = 10, name = 'resume.bin') {
    const path = await file(name, parts * PART - 7, 9);
    const [record] = await q.add(await planUpload([path], 'center'), target());
    if (!record) throw new Error('no record');
    return { path, id: record.id };
  }

  async function waitForParts(id: string, count: number) {
    const deadline = Date.now() + 30_000;
    while (store.completedParts(id).length < count) {
      if (Date.now() > deadline) throw new Error('parts did not complete');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('goes on with Content-MD5 parts for an upload begun before Labdrop sent CRC32s', async () => {
    const q = queue({ partConcurrency: 1 });
    const { path, id } = await startBig(q, 4, 'legacy.bin');
    await waitForParts(id, 1);
    await q.requestPause(id);
    // What an earlier Labdrop left: a multipart upload created without a checksum algorithm.
    const record = store.getUpload(id) as UploadRecord;
    const client = testClient(moto.endpoint);
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: 'lab-bucket',
        Key: 'center/legacy.bin',
        UploadId: record.uploadId ?? undefined,
      }),
    );
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: 'lab-bucket',
        Key: 'center/legacy.bin',
        GrantFullControl: record.grants,
        Metadata: { 'content-md5': record.md5Base64 as string },
      }),
    );
    store.clearParts(id);
    store.updateUpload(id, { uploadId: created.UploadId ?? null, partChecksum: null });
    const sentBefore = proxy.requests.length;

    q.resume(id);
    await q.idle();
    expect(store.getUpload(id)?.lastError).toBeNull();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObject('center/legacy.bin', path);
    const after = proxy.requests.slice(sentBefore);
    const parts = uploadPartRequests(after, 'center/legacy.bin');
    expect(parts).toHaveLength(4);
    for (const part of parts) {
      expect(part.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(part.headers['x-amz-checksum-crc32']).toBeUndefined();
    }
    expect(after.every((r) => r.headers['x-amz-checksum-type'] === undefined)).toBe(true);
  });

  it('resumes after a pause sending only the missing parts', async () => {
    const q = queue({ partConcurrency: 1 });
    const { path, id } = await startBig(q);
    await waitForParts(id, 3);
    await q.requestPause(id);
    expect(store.getUpload(id)?.status).toBe('paused');
    const before = store.completedParts(id).map((p) => p.partNumber);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const sentBefore = uploadPartRequests(proxy.requests).length;
    expect(sentBefore).toBeLessThanOrEqual(before.length + 1); // at most one aborted in flight

    q.resume(id);
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObject('center/resume.bin', path);
    const after = uploadPartRequests(proxy.requests).slice(sentBefore);
    const resent = after.map((r) =>
      Number(new URL(r.url, 'http://x').searchParams.get('partNumber')),
    );
    expect(resent.filter((n) => before.includes(n))).toEqual([]);
    // Each missing part is sent once. The part in flight at the pause (the
    // first missing one: one part at a time) may have reached S3 anyway, and
    // then the resume finds it (ListParts) instead; and the proxy may log its
    // cut-short attempt only after pause() has returned.
    const inFlight = Array.from({ length: 10 }, (_, i) => i + 1).find((n) => !before.includes(n));
    const others = resent.filter((n) => n !== inFlight);
    expect(new Set(others).size).toBe(others.length);
    expect(resent.length - others.length).toBeLessThanOrEqual(2);
    expect(new Set(resent).size).toBeGreaterThanOrEqual(10 - before.length - 1);
    expect(new Set(resent).size).toBeLessThanOrEqual(10 - before.length);
  });

  it('resumes after a restart from the state database alone', async () => {
    const dbPath = join(dir, 'state', 'labdrop.db');
    const q1 = queue({ partConcurrency: 1 });
    const { path, id } = await startBig(q1, 6, 'restart.bin');
    await waitForParts(id, 2);
    await q1.requestPause(id);
    store.close();

    store = Store.open(dbPath);
    const q2 = queue({ db: store });
    const resumed = q2.resumeAll();
    expect(resumed.map((r) => r.id)).toEqual([id]);
    await q2.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObject('center/restart.bin', path);
  });

  it('a resume keeps the submission profile the upload started with', async () => {
    const custom = {
      name: 'other-center',
      fullControlIds: ['0'.repeat(63) + '1'],
      md5MetadataKey: 'md5-base64',
    };
    const q1 = testQueue(store, pool, { profile: custom, partConcurrency: 1 });
    const { path, id } = await startBig(q1, 4, 'custom.bin');
    await waitForParts(id, 1);
    await q1.requestPause(id);

    const q2 = testQueue(store, pool, {
      profileNamed: (name) => (name === custom.name ? custom : undefined),
    });
    expect(q2.resume(id)).toBe(true);
    await q2.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    const head = await testClient(moto.endpoint).send(
      new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'center/custom.bin' }),
    );
    const md5 = createHash('md5')
      .update(await readFile(path))
      .digest('base64');
    expect(head.Metadata).toEqual({ 'md5-base64': md5 });
    const create = requestsFor('POST', 'center/custom.bin', 'uploads')[0];
    expect(create?.headers['x-amz-grant-full-control']).toBe(`id=${custom.fullControlIds[0]}`);
  });

  it('cancel aborts the multipart upload and leaves nothing in the bucket', async () => {
    const q = queue({ partConcurrency: 1 });
    const { id } = await startBig(q, 10, 'cancelled.bin');
    await waitForParts(id, 2);
    await q.requestCancel(id);
    expect(store.getUpload(id)?.status).toBe('cancelled');
    const client = testClient(moto.endpoint);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'lab-bucket' }));
    expect(uploads.Uploads ?? []).toEqual([]);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'center/cancelled.bin' }),
    );
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('shows what a paused upload had sent the moment it resumes', async () => {
    const q = queue({ partConcurrency: 1 });
    const { id } = await startBig(q, 8, 'progress.bin');
    await waitForParts(id, 3);
    await q.requestPause(id);
    const sent = store.getUpload(id)?.bytesUploaded ?? 0;
    expect(sent).toBeGreaterThanOrEqual(3 * PART);

    q.resume(id);
    // Before S3 has listed the parts again: not back to 0.
    expect(q.progressOf(id).uploadedBytes).toBe(sent);
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('done');
  });

  it('a resume asked while a pause is still stopping the upload is not lost', async () => {
    // CompleteMultipartUpload is not cut short by a pause; the answer is slow.
    proxy.delay = (r) => (r.method === 'POST' && r.url.includes('uploadId=') ? 400 : 0);
    try {
      const q = queue();
      const { path, id } = await startBig(q, 4, 'slow-complete.bin');
      while (!requestsFor('POST', 'center/slow-complete.bin', 'uploadId=').length) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const paused = q.requestPause(id);
      expect(q.resume(id)).toBe(true);
      await paused;
      await q.idle();
      expect(store.getUpload(id)?.status).toBe('done');
      await expectObject('center/slow-complete.bin', path);
    } finally {
      proxy.delay = null;
    }
  });

  it('a cancel after such a resume stands: the upload is not started again', async () => {
    proxy.delay = (r) => (r.method === 'POST' && r.url.includes('uploadId=') ? 400 : 0);
    try {
      const q = queue();
      const { id } = await startBig(q, 4, 'resume-cancel.bin');
      while (!requestsFor('POST', 'center/resume-cancel.bin', 'uploadId=').length) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const paused = q.requestPause(id);
      q.resume(id);
      await q.requestCancel(id);
      await paused;
      await q.idle();
      expect(store.getUpload(id)?.status).toBe('cancelled');
      const listed = await testClient(moto.endpoint).send(
        new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'center/resume-cancel.bin' }),
      );
      expect(listed.Contents ?? []).toEqual([]);
    } finally {
      proxy.delay = null;
    }
  });

  it('a pause asked from a terminal while the file is hashed stands', async () => {
    const { hasher, hashed } = gatedHasher(pool);
    const q = queue({ hasher });
    const path = await file('hashing.bin', 4 * PART, 13);
    const [record] = await q.add(await planUpload([path], 'center'), target());
    const id = (record as UploadRecord).id;
    await expect.poll(() => store.getUpload(id)?.status).toBe('hashing');
    store.request(id, 'pause'); // `labdrop pause ID`
    hashed();
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('paused');
    expect(requestsFor('POST', 'center/hashing.bin', 'uploads')).toEqual([]);
  });

  it('a pause asked from a terminal is not overwritten by the upload’s next step', async () => {
    const q = queue({ partConcurrency: 1 });
    const path = await file('asked.bin', 4 * PART, 12);
    const [record] = await q.add(await planUpload([path], 'center'), target());
    const id = (record as UploadRecord).id;
    // `labdrop pause ID` in a terminal, before this process next looks for such requests.
    store.request(id, 'pause');
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('paused');
    expect(requestsFor('POST', 'center/asked.bin', 'uploadId=')).toEqual([]);

    expect(q.resume(id)).toBe(true);
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObject('center/asked.bin', path);
  });

  it('a cancel asked from a terminal is not undone by quitting the app', async () => {
    const q = queue({ partConcurrency: 1 });
    const { id } = await startBig(q, 10, 'quit.bin');
    await waitForParts(id, 2);
    // `labdrop cancel ID` while the app uploads it; the app quits before its next look.
    store.request(id, 'cancel');
    await q.pauseAll();
    expect(store.getUpload(id)?.status).toBe('cancelled');
    // idle() includes removing the parts, which comes after the upload stopped.
    await q.idle();
    const open = await testClient(moto.endpoint).send(
      new ListMultipartUploadsCommand({ Bucket: 'lab-bucket' }),
    );
    expect((open.Uploads ?? []).filter((u) => u.Key === 'center/quit.bin')).toEqual([]);
    expect(q.resume(id)).toBe(false);
  });

  it('an object whose removal a crash cut short is removed at the next start', async () => {
    const path = await file('cut.bin', 1000, 16);
    const [record] = await upload([path], 'cut');
    // Cancelled, and the process died before the object was deleted: the record keeps its ETag.
    writeStatus(store, record?.id as string, 'cancelled');
    expect(store.getUpload(record?.id as string)?.etag).toBe(record?.etag);

    await queue().removeLeftovers();
    expect(store.getUpload(record?.id as string)).toMatchObject({ etag: null, lastError: null });
    const left = await testClient(moto.endpoint)
      .send(new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'cut/cut.bin' }))
      .catch(() => null);
    expect(left).toBeNull();
  });

  it('removing what a cancel left never deletes a later upload of the same bytes', async () => {
    const path = await file('same.bin', 4 * PART, 14);
    const [first] = await upload([path], 'same');
    // Its cancel, after S3 completed it (verifying), could not delete the object then.
    writeStatus(store, first?.id as string, 'cancelled', {
      lastError: { code: 'CancelIncomplete', message: 'Cancelled, but the whole object…' },
    });
    // Dropped again: the bucket has it, so the new row stands on that object.
    const [again] = await upload([path], 'same');
    expect(again).toMatchObject({ status: 'skipped', etag: null });
    expect(again?.bucketCheck).toMatchObject({ verdict: 'identical', etag: first?.etag });

    await queue().removeLeftovers();
    expect(store.getUpload(first?.id as string)?.lastError).toBeNull();
    await expectObject('same/same.bin', path);
  });

  it('keeps the bytes sent when verification fails, and starts from 0 when the changed file is retried', async () => {
    const q = queue();
    const path = await file('verify.bin', 4 * PART, 15);
    // A store that cannot answer HeadObject: the verification fails.
    proxy.intercept = (r) =>
      r.method === 'HEAD' && r.url.includes('verify.bin') ? { status: 501, body: '' } : null;
    try {
      const [record] = await q.add(await planUpload([path], 'center'), target());
      const id = (record as UploadRecord).id;
      await q.idle();
      expect(store.getUpload(id)).toMatchObject({ status: 'failed', bytesUploaded: 4 * PART });
      expect(q.progressOf(id).uploadedBytes).toBe(4 * PART);

      await appendFile(path, 'changed');
      proxy.intercept = null;
      const held = gatedHasher(pool);
      const retried = queue({ hasher: held.hasher });
      expect(retried.retryUpload(id)).toBe(true);
      await expect.poll(() => store.getUpload(id)?.status).toBe('hashing');
      expect(retried.progressOf(id).uploadedBytes).toBe(0);
      held.hashed();
      await retried.idle();
      expect(store.getUpload(id)?.status).toBe('done');
      await expectObject('center/verify.bin', path);
    } finally {
      proxy.intercept = null;
    }
  });

  it('a cancel that cannot reach the bucket stands, and the next start removes the parts', async () => {
    const q = queue({ partConcurrency: 1 });
    const { id } = await startBig(q, 10, 'unreachable.bin');
    await waitForParts(id, 2);
    proxy.intercept = (r) =>
      r.method === 'DELETE'
        ? {
            status: 503,
            body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please try again.</Message></Error>',
          }
        : null;
    try {
      await expect(q.requestCancel(id)).rejects.toThrow(
        /^Cancelled, but the parts it already sent stay in the bucket: .*Labdrop removes them when it next starts/,
      );
    } finally {
      proxy.intercept = null;
    }
    const record = store.getUpload(id) as UploadRecord;
    expect(record.status).toBe('cancelled');
    expect(record.lastError?.code).toBe('CancelIncomplete');
    // Cancelled means cancelled: nothing picks it up again.
    expect(q.resume(id)).toBe(false);
    expect(store.unfinished().map((r) => r.id)).not.toContain(id);
    const client = testClient(moto.endpoint);
    const open = async () =>
      (
        (await client.send(new ListMultipartUploadsCommand({ Bucket: 'lab-bucket' }))).Uploads ?? []
      ).filter((u) => u.Key === 'center/unreachable.bin');
    expect(await open()).toHaveLength(1);

    // The next start of the app.
    new UploadSession(store, queue()).restore();
    const deadline = Date.now() + 10_000;
    while ((await open()).length > 0) {
      if (Date.now() > deadline) throw new Error('the parts were not removed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect.poll(() => store.getUpload(id)?.lastError ?? null).toBeNull();
    expect(store.getUpload(id)).toMatchObject({ status: 'cancelled', uploadId: null });
    expect(store.completedParts(id)).toEqual([]);
  });
});

describe('cancel at the edges of an upload', () => {
  it('cancel while CreateMultipartUpload is answered leaves no upload open', async () => {
    proxy.delay = (r) => (r.method === 'POST' && r.url.includes('uploads') ? 400 : 0);
    try {
      const q = queue();
      const path = await file('edge.bin', 4 * PART, 21);
      const [record] = await q.add(await planUpload([path], 'edge'), target());
      const id = (record as UploadRecord).id;
      while (!requestsFor('POST', 'edge/edge.bin', 'uploads').length) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 150)); // S3 has it; the answer is on its way
      await q.requestCancel(id);
      expect(store.getUpload(id)?.status).toBe('cancelled');
      const client = testClient(moto.endpoint);
      const uploads = await client.send(
        new ListMultipartUploadsCommand({ Bucket: 'lab-bucket', Prefix: 'edge/' }),
      );
      expect(uploads.Uploads ?? []).toEqual([]);
    } finally {
      proxy.delay = null;
    }
  });

  it('cancel while CompleteMultipartUpload is answered leaves no object', async () => {
    proxy.delay = (r) => (r.method === 'POST' && r.url.includes('uploadId=') ? 400 : 0);
    try {
      const q = queue();
      const path = await file('late.bin', 4 * PART + 1, 22);
      const [record] = await q.add(await planUpload([path], 'late'), target());
      const id = (record as UploadRecord).id;
      while (!requestsFor('POST', 'late/late.bin', 'uploadId=').length) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
      await q.requestCancel(id);
      expect(store.getUpload(id)?.status).toBe('cancelled');
      const listed = await testClient(moto.endpoint).send(
        new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'late/' }),
      );
      expect(listed.Contents ?? []).toEqual([]);
    } finally {
      proxy.delay = null;
    }
  });
});

describe('the bucket’s region', () => {
  it('sends every request to the bucket’s own region, whatever region the target names', async () => {
    await testClient(moto.endpoint, 'us-west-2').send(
      new CreateBucketCommand({
        Bucket: 'west-bucket',
        CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
      }),
    );
    const path = await file('west.bin', 4 * PART + 5, 16);
    const q = queue();
    const [record] = await q.add(await planUpload([path], 'center'), target('west-bucket'));
    await q.idle();
    expect(store.getUpload((record as UploadRecord).id)).toMatchObject({
      status: 'done',
      region: 'us-west-2',
    });
    await expectObjectMatches(moto.endpoint, 'west-bucket', 'center/west.bin', path);
    const sent = proxy.requests.filter((r) => r.url.startsWith('/west-bucket/center/west.bin'));
    expect(sent.length).toBeGreaterThan(3);
    for (const request of sent) {
      expect(String(request.headers.authorization)).toContain('/us-west-2/s3/aws4_request');
    }
  });
});

describe('failures a user can act on', () => {
  it('refuses an unknown bucket before recording anything', async () => {
    const path = await file('a.txt', 10);
    const q = queue();
    await expect(
      q.add(await planUpload([path], 'center'), target('no-such-bucket')),
    ).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
    expect(store.query()).toEqual([]);
  });

  it('names an unreachable endpoint', async () => {
    const path = await file('a.txt', 10);
    const q = queue();
    await expect(
      q.add(await planUpload([path], 'center'), target('lab-bucket', 'http://127.0.0.1:9')),
    ).rejects.toThrow(/Could not reach http:\/\/127\.0\.0\.1:9/);
    expect(store.query()).toEqual([]);
  });

  it('refuses a plan with a missing file, naming it', async () => {
    const plan = await planUpload([join(dir, 'missing.fastq')], 'center');
    expect(plan.problems).toEqual([`${join(dir, 'missing.fastq')} does not exist.`]);
    await expect(queue().add(plan, target())).rejects.toThrow(/missing\.fastq does not exist/);
    expect(store.query()).toEqual([]);
  });

  it('fails a file that changes after it was hashed, completing nothing', async () => {
    const path = await file('changing.bin', 4 * PART, 5);
    const hasher: Hasher = {
      hashRange: (...args) => pool.hashRange(...args),
      hashFile: async (...args) => {
        const result = await pool.hashFile(...args);
        await appendFile(path, 'late data');
        return result;
      },
    };
    const [record] = await upload([path], 'center', queue({ hasher }));
    expect(record?.status).toBe('failed');
    expect(record?.lastError?.code).toBe('FileChanged');
    expect(record?.lastError?.message).toContain(path);
    const client = testClient(moto.endpoint);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'center/changing.bin' }),
    );
    expect(listed.Contents ?? []).toEqual([]);

    // A retry hashes the new version and uploads it whole.
    const q = queue();
    q.retryUpload(record?.id as string);
    await q.idle();
    expect(store.getUpload(record?.id as string)?.status).toBe('done');
    await expectObject('center/changing.bin', path);
  });

  it('warns about keys the sync job skips', async () => {
    const path = await file('2024-run.txt', 10);
    const plan = await planUpload([path], '');
    expect(plan.warnings.map((w) => w.code)).toEqual(['bucket-root', 'leading-digit']);
  });
});
