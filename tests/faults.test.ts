import { appendFile, mkdtemp, rename, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadRecord } from '../shared/types';
import { HashPool } from '../electron/engine/hash-pool';
import type { UploadQueue } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { HASH_WORKER } from './helpers/build';
import { TEST_PART_SIZE, testQueue } from './helpers/engine';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy';
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
import { expectObjectMatches, writeTestFile } from './helpers/objects';
import { recordFault } from './faults/report';

const BUCKET = 'fault-bucket';
const PART = TEST_PART_SIZE;

let moto: Moto;
let recorder: RecordingProxy;
let faults: FaultProxy;
let pool: HashPool;
let dir: string;
let store: Store;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  recorder = await startRecordingProxy(moto.endpoint);
  faults = await startFaultProxy(recorder.endpoint);
  await createBucket(moto.endpoint, BUCKET);
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await faults?.stop();
  await recorder?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-faults-'));
  store = Store.open(join(dir, 'labdrop.db'));
  recorder.requests.length = 0;
  recorder.intercept = null;
  recorder.partsInFlight.max = 0;
  faults.faults = [];
  faults.applied = [];
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function queue(options: Parameters<typeof testQueue>[2] = {}): UploadQueue {
  return testQueue(store, pool, {
    retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 300 },
    ...options,
  });
}

async function start(q: UploadQueue, path: string, prefix: string): Promise<string> {
  const [record] = await q.add(await planUpload([path], prefix), {
    bucket: BUCKET,
    endpoint: faults.endpoint,
    region: 'us-east-1',
    awsProfile: null,
  });
  return (record as UploadRecord).id;
}

async function waitForParts(id: string, count: number) {
  const deadline = Date.now() + 30_000;
  while (store.completedParts(id).length < count) {
    if (Date.now() > deadline) throw new Error('no progress');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One row of docs/reliability.md (written by `npm run test:faults`). */
function record(fault: string, parts: number, notes = 'retried; the object is right') {
  recordFault({
    fault,
    trials: 1,
    files: 1,
    filesCompleted: 1,
    corruptObjects: 0,
    partsResent: uploadPartRequests(recorder.requests).length - parts,
    notes,
  });
}

async function expectNothingIn(prefix: string) {
  const client = testClient(moto.endpoint);
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  expect(listed.Contents ?? []).toEqual([]);
  const uploads = await client.send(
    new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }),
  );
  expect(uploads.Uploads ?? []).toEqual([]);
}

describe('the network fails', () => {
  it('connections reset mid-part: parts are retried and the object is right', async () => {
    const path = await writeTestFile(dir, 'reset.bin', 4 * PART + 99, 11);
    faults.faults = [
      { kind: 'reset', afterBytes: 1024 * 1024 },
      { kind: 'reset', afterBytes: 3 * 1024 * 1024 },
      { kind: 'reset', afterBytes: 100 },
    ];
    const q = queue();
    const id = await start(q, path, 'reset');
    await q.idle();
    expect(store.getUpload(id)?.lastError).toBeNull();
    expect(store.getUpload(id)?.status).toBe('done');
    expect(faults.applied).toHaveLength(3);
    await expectObjectMatches(moto.endpoint, BUCKET, 'reset/reset.bin', path);
    record('Connections reset part-way through 3 part bodies', 5);
  });

  it('a stalled connection times out and is retried', async () => {
    const path = await writeTestFile(dir, 'stall.bin', 4 * PART + 1, 12);
    faults.faults = [{ kind: 'stall', afterBytes: 2 * 1024 * 1024 }];
    const q = queue({ idleTimeoutMs: 1_000 });
    const id = await start(q, path, 'stall');
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    expect(faults.applied).toHaveLength(1);
    await expectObjectMatches(moto.endpoint, BUCKET, 'stall/stall.bin', path);
    record('A connection stalls without closing (timed out after 1 s, retried)', 3);
  });

  it('SlowDown bursts: backs off, lowers the part concurrency, then completes', async () => {
    const path = await writeTestFile(dir, 'slow.bin', 12 * PART, 13);
    let refused = 0;
    recorder.intercept = (request) => {
      if (uploadPartRequests([request]).length === 0 || refused >= 6) return null;
      refused++;
      return {
        status: 503,
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      };
    };
    const q = queue({ partConcurrency: 4 });
    const id = await start(q, path, 'slow');
    // After the burst, watch how many parts are sent at once.
    while (refused < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    recorder.partsInFlight.max = 0;
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    expect(recorder.partsInFlight.max).toBeLessThan(4);
    await expectObjectMatches(moto.endpoint, BUCKET, 'slow/slow.bin', path);
    record('A burst of six 503 SlowDown answers', 12, 'part concurrency lowered, then completed');
  });

  it('the server loses the multipart upload: it starts over and completes', async () => {
    const path = await writeTestFile(dir, 'lost.bin', 8 * PART, 14);
    const q = queue({ partConcurrency: 1 });
    const id = await start(q, path, 'lost');
    await waitForParts(id, 2);
    const lost = store.getUpload(id)?.uploadId ?? '';
    await testClient(moto.endpoint).send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'lost/lost.bin', UploadId: lost }),
    );
    // moto answers parts of an aborted upload with a 500 page; S3 says NoSuchUpload.
    recorder.intercept = (request) =>
      request.url.includes(`uploadId=${encodeURIComponent(lost)}`)
        ? {
            status: 404,
            body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>',
          }
        : null;
    await q.idle();
    expect(store.getUpload(id)?.lastError).toBeNull();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'lost/lost.bin', path);
    record(
      'The server loses the multipart upload (NoSuchUpload)',
      8,
      'started over once, from the file',
    );
  });
});

describe('the source file changes mid-upload', () => {
  const cases = [
    { name: 'modified', change: (path: string) => appendFile(path, 'more'), code: 'FileChanged' },
    { name: 'truncated', change: (path: string) => truncate(path, PART), code: 'FileChanged' },
  ];
  for (const { name, change, code } of cases) {
    it(`${name}: that file fails clearly and nothing is completed or left behind`, async () => {
      const path = await writeTestFile(dir, `${name}.bin`, 8 * PART, 15);
      const q = queue({ partConcurrency: 1 });
      const id = await start(q, path, name);
      await waitForParts(id, 2);
      await change(path);
      await q.idle();
      const record = store.getUpload(id);
      expect(record?.status).toBe('failed');
      expect(record?.lastError?.code).toBe(code);
      expect(record?.lastError?.message).toContain(path);
      await expectNothingIn(`${name}/`);
      const parts = uploadPartRequests(recorder.requests).length;
      expect(parts).toBeLessThan(8);
      recordFault({
        fault: `The source file ${name} mid-upload`,
        trials: 1,
        files: 1,
        filesCompleted: 0,
        corruptObjects: 0,
        partsResent: 0,
        notes: `failed with ${code}; nothing completed, the parts aborted`,
      });
    });
  }

  it('moved away (a drive unmounted): fails clearly, keeps its parts, and Retry finishes it once it is back', async () => {
    const path = await writeTestFile(dir, 'away.bin', 8 * PART, 16);
    const q = queue({ partConcurrency: 1 });
    const id = await start(q, path, 'away');
    await waitForParts(id, 2);
    await rename(path, `${path}.away`);
    await q.idle();
    const record = store.getUpload(id);
    expect(record?.status).toBe('failed');
    expect(record?.lastError?.code).toBe('FileMissing');
    expect(record?.lastError?.message).toContain(path);
    const kept = store.completedParts(id).map((p) => p.partNumber);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    const sentBefore = uploadPartRequests(recorder.requests).length;

    await rename(`${path}.away`, path);
    expect(q.retryUpload(id)).toBe(true);
    await q.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'away/away.bin', path);
    const resent = uploadPartRequests(recorder.requests)
      .slice(sentBefore)
      .map((r) => Number(new URL(r.url, 'http://x').searchParams.get('partNumber')));
    expect(resent.filter((n) => kept.includes(n))).toEqual([]);
    recordFault({
      fault: 'The source file moved away mid-upload, then back',
      trials: 1,
      files: 1,
      filesCompleted: 1,
      corruptObjects: 0,
      partsResent: 0,
      notes: `failed with FileMissing, kept ${kept.length} of 8 parts; Retry sent only the other ${resent.length}`,
    });
  });
});
