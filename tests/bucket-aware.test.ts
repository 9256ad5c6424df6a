// Uploads that know what the bucket already has (issue: "never twice, never by
// surprise"): the review against moto, skipped and kept files, replacements,
// conditional writes under a concurrent writer, and hashes reused from the
// history. Requests are counted at a recording proxy in front of moto.
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadRecord } from '../shared/types';
import { HashPool } from '../electron/engine/hash-pool';
import type { Hasher, Target } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { HASH_WORKER } from './helpers/build';
import { TEST_PART_SIZE, testQueue } from './helpers/engine';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  testClient,
  TEST_CREDENTIALS,
  uploadPartRequests,
  type Moto,
  type RecordedRequest,
  type RecordingProxy,
} from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const BUCKET = 'aware';
const BIG = 4 * TEST_PART_SIZE + 100;

let moto: Moto;
let proxy: RecordingProxy;
let pool: HashPool;
let dir: string;
let store: Store;
/** Files hashed whole, by path, across the test. */
let hashed: string[];

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  await createBucket(moto.endpoint, BUCKET);
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-aware-'));
  store = Store.open(join(dir, 'state', 'labdrop.db'));
  proxy.requests.length = 0;
  proxy.intercept = null;
  hashed = [];
});

afterEach(async () => {
  proxy.intercept = null;
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const counting: Hasher = {
  hashFile: (path, options) => {
    hashed.push(path);
    return pool.hashFile(path, options);
  },
  hashRange: (path, start, end, options) => pool.hashRange(path, start, end, options),
};

const target = (): Target => ({
  bucket: BUCKET,
  endpoint: proxy.endpoint,
  region: 'us-east-1',
  awsProfile: null,
});

const queue = () => testQueue(store, counting);

async function upload(
  paths: string[],
  prefix: string,
  replace?: Set<string> | 'all',
): Promise<UploadRecord[]> {
  const q = queue();
  const records = await q.add(await planUpload(paths, prefix), target(), undefined, { replace });
  await q.idle();
  return records.map((r) => store.getUpload(r.id) as UploadRecord);
}

const writes = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.method === 'PUT' && !r.url.includes('uploadId='));

async function folder(name: string, sizes: number[]): Promise<string[]> {
  return Promise.all(
    sizes.map((size, i) => writeTestFile(join(dir, name), `f${i}.bin`, size, i + 1)),
  );
}

describe('a folder dropped again', () => {
  it('unchanged: nothing is sent or hashed again, and the history says "already in the bucket"', async () => {
    const files = await folder('run-1', [1000, 70_000, BIG]);
    const first = await upload([join(dir, 'run-1')], 'again');
    expect(first.map((r) => r.status)).toEqual(['done', 'done', 'done']);
    const hashedFirst = hashed.length;
    proxy.requests.length = 0;

    const second = await upload([join(dir, 'run-1')], 'again');
    expect(writes(proxy.requests)).toEqual([]);
    expect(uploadPartRequests(proxy.requests)).toEqual([]);
    expect(hashed.length, 'the hashes in the history are used').toBe(hashedFirst);
    for (const [i, record] of second.entries()) {
      expect(record.status).toBe('skipped');
      expect(record.bucketCheck).toMatchObject({
        verdict: 'identical',
        etag: first[i]?.etag,
      });
      await expectObjectMatches(moto.endpoint, BUCKET, record.key, files[i] as string);
    }
    // Restarted, the history still says so.
    store.close();
    store = Store.open(join(dir, 'state', 'labdrop.db'));
    expect(store.getUpload(second[2]?.id as string)?.bucketCheck?.evidence).toMatch(/content-md5/);
  });

  it('one file added and one changed: only the new one is sent; the changed one is kept, then replaced when asked', async () => {
    const [, changed] = await folder('run-2', [1000, 2000]);
    await upload([join(dir, 'run-2')], 'mixed');
    await appendFile(changed as string, 'more');
    const [added] = await Promise.all([writeTestFile(join(dir, 'run-2'), 'f2.bin', 3000, 9)]);
    proxy.requests.length = 0;

    const second = await upload([join(dir, 'run-2')], 'mixed');
    expect(second.map((r) => [r.key, r.status, r.bucketCheck?.verdict])).toEqual([
      ['mixed/run-2/f0.bin', 'skipped', 'identical'],
      ['mixed/run-2/f1.bin', 'skipped', 'kept'],
      ['mixed/run-2/f2.bin', 'done', 'new'],
    ]);
    expect(writes(proxy.requests).map((r) => r.url.split('?')[0])).toEqual([
      `/${BUCKET}/mixed/run-2/f2.bin`,
    ]);
    // A new key is written only while there is still no object there.
    expect(writes(proxy.requests)[0]?.headers['if-none-match']).toBe('*');
    await expectObjectMatches(moto.endpoint, BUCKET, 'mixed/run-2/f2.bin', added);
    const kept = second[1] as UploadRecord;
    expect(kept.bucketCheck).toMatchObject({ size: 2000, evidence: expect.stringMatching(/size/) });
    const before = await head('mixed/run-2/f1.bin');

    proxy.requests.length = 0;
    const third = await upload([changed as string], 'mixed/run-2', new Set(['mixed/run-2/f1.bin']));
    expect(third[0]).toMatchObject({ status: 'done', bucketCheck: { verdict: 'replace' } });
    // Replaced only while it is still the version seen.
    expect(writes(proxy.requests)[0]?.headers['if-match']).toBe(before.ETag);
    await expectObjectMatches(moto.endpoint, BUCKET, 'mixed/run-2/f1.bin', changed as string);
  });
});

describe('a concurrent write between the review and the upload', () => {
  for (const [kind, size] of [
    ['a single PUT', 5000],
    ['a multipart upload', BIG],
  ] as const) {
    it(`${kind}: refused with "changed since you reviewed it", nothing of it left`, async () => {
      const [path] = await folder(`race-${size}`, [size]);
      const q = queue();
      const plan = await planUpload([path as string], `race-${size}`);
      const review = await q.review(plan, target());
      expect(review.files.map((f) => f.kind)).toEqual(['new']);
      // Someone else writes the key meanwhile.
      await testClient(moto.endpoint).send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `race-${size}/f0.bin`, Body: 'theirs' }),
      );
      const [record] = await q.add(plan, target(), undefined, { review });
      await q.idle();
      const after = store.getUpload(record?.id as string);
      expect(after?.status).toBe('failed');
      expect(after?.lastError?.code).toBe('ChangedSinceReview');
      expect(after?.lastError?.message).toContain(
        `s3://aware/race-${size}/f0.bin changed since you reviewed it`,
      );
      expect(after?.uploadId).toBeNull();
      expect((await head(`race-${size}/f0.bin`)).ContentLength).toBe('theirs'.length);
      const open = await testClient(moto.endpoint).send(
        new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `race-${size}/` }),
      );
      expect(open.Uploads ?? []).toEqual([]);
    });
  }

  it("a write S3 stored whose answer was lost is recognised as this upload's, not as a change", async () => {
    const [path] = await folder('lost', [5000]);
    let cut = false;
    proxy.intercept = (r) => {
      if (cut || r.method !== 'PUT') return null;
      cut = true;
      return 'lost';
    };
    const [record] = await upload([path as string], 'lost');
    expect(writes(proxy.requests)).toHaveLength(2);
    expect(record).toMatchObject({ status: 'done', lastError: null });
    await expectObjectMatches(moto.endpoint, BUCKET, 'lost/f0.bin', path as string);
  });
});

describe('the review', () => {
  it('says which files are in the queue already, and adds them once', async () => {
    const [path] = await folder('twice', [BIG]);
    const q = queue();
    proxy.delay = (r) => (r.url.includes('partNumber=') ? 200 : 0);
    try {
      const [first] = await q.add(await planUpload([path as string], 'twice'), target());
      const review = await q.review(await planUpload([path as string], 'twice'), target());
      expect(review.files[0]).toMatchObject({ kind: 'queued', upload: { id: first?.id } });
      const [second] = await q.add(
        await planUpload([path as string], 'twice'),
        target(),
        undefined,
        {
          review,
        },
      );
      expect(second?.id).toBe(first?.id);
      await q.idle();
    } finally {
      proxy.delay = null;
    }
    expect(store.query().length).toBe(1);
  });

  it('does not hash a file whose key holds an object of another size', async () => {
    const [path] = await folder('sizes', [4000]);
    await testClient(moto.endpoint).send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'sizes/f0.bin', Body: 'short' }),
    );
    const review = await queue().review(await planUpload([path as string], 'sizes'), target());
    expect(review.files[0]).toMatchObject({ kind: 'different', check: { size: 5 } });
    expect(hashed).toEqual([]);
  });
});

describe('what the bucket says before anything is sent', () => {
  const asked = () => {
    const bucket = proxy.requests.filter(
      (r) => new URL(r.url, 'http://x').pathname.replace(/\/$/, '') === `/${BUCKET}`,
    );
    return {
      heads: bucket.filter((r) => r.method === 'HEAD').length,
      encryption: bucket.filter((r) => r.method === 'GET' && r.url.includes('encryption')).length,
    };
  };

  it('is asked once for a review and the add after it, and again a minute later', async () => {
    const [path] = await folder('asked', [1000]);
    let now = Date.parse('2026-12-01T09:00:00Z');
    const q = testQueue(store, counting, { now: () => now });
    const plan = await planUpload([path as string], 'asked');
    const review = await q.review(plan, target());
    const [record] = await q.add(plan, target(), undefined, { review });
    await q.idle();
    expect(asked()).toEqual({ heads: 1, encryption: 1 });
    expect(store.getUpload(record?.id as string)).toMatchObject({ status: 'done' });

    now += 59_000;
    await q.review(await planUpload([path as string], 'asked-again'), target());
    expect(asked()).toEqual({ heads: 1, encryption: 1 });
    now += 2_000;
    await q.review(await planUpload([path as string], 'asked-again'), target());
    expect(asked()).toEqual({ heads: 2, encryption: 2 });
  });

  it('is asked again after it could not be reached, and the upload then goes', async () => {
    const [path] = await folder('unreached', [1000]);
    const q = queue();
    const plan = await planUpload([path as string], 'unreached');
    proxy.intercept = (r) => (r.method === 'HEAD' ? 'reset' : null);
    await expect(q.review(plan, target())).rejects.toThrow();
    proxy.intercept = null;
    const [record] = await q.add(plan, target());
    await q.idle();
    expect(store.getUpload(record?.id as string)).toMatchObject({ status: 'done' });
    await expectObjectMatches(moto.endpoint, BUCKET, 'unreached/f0.bin', path as string);
  });

  it('is asked again when the encryption could not be read for a lost connection', async () => {
    const [path] = await folder('unread', [1000]);
    const q = queue();
    const plan = await planUpload([path as string], 'unread');
    proxy.intercept = (r) => (r.url.includes('encryption') ? 'reset' : null);
    await expect(q.add(plan, target())).rejects.toThrow();
    expect(store.query()).toEqual([]);
    proxy.intercept = null;
    const [record] = await q.add(plan, target());
    await q.idle();
    expect(store.getUpload(record?.id as string)).toMatchObject({ status: 'done' });
  });
});

describe('a bucket encrypted with SSE-KMS', () => {
  it('gets every file as a multipart upload, so its ETag is never taken for the MD5', async () => {
    await createBucket(moto.endpoint, 'aware-kms');
    await testClient(moto.endpoint).send(
      new PutBucketEncryptionCommand({
        Bucket: 'aware-kms',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    const [path] = await folder('kms', [1000]);
    const q = queue();
    const [added] = await q.add(await planUpload([path as string], 'kms'), {
      ...target(),
      bucket: 'aware-kms',
    });
    await q.idle();
    const record = store.getUpload(added?.id as string);
    expect(record).toMatchObject({ status: 'done', encryption: 'aws:kms' });
    expect(record?.etag).toMatch(/-1"$/);
    expect(writes(proxy.requests)).toEqual([]);
    expect(uploadPartRequests(proxy.requests)).toHaveLength(1);
    await expectObjectMatches(moto.endpoint, 'aware-kms', 'kms/f0.bin', path as string);
  });
});

function head(key: string) {
  return testClient(moto.endpoint).send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
}
