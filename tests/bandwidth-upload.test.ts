import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HashPool } from '../electron/engine/hash-pool';
import type { Target, UploadQueue } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { isActive } from '../shared/lifecycle';
import { MiB } from '../shared/parts';
import { MIN_RATE } from '../shared/rate';
import type { UploadProgress, UploadRecord } from '../shared/types';
import { HASH_WORKER } from './helpers/build';
import { testQueue } from './helpers/engine';
import { createBucket, startMoto, TEST_CREDENTIALS, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

let moto: Moto;
let pool: HashPool;
let dir: string;
let store: Store;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  await createBucket(moto.endpoint, 'lab-bucket');
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-bandwidth-'));
  store = Store.open(join(dir, 'state', 'labdrop.db'));
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const target = (): Target => ({
  bucket: 'lab-bucket',
  endpoint: moto.endpoint,
  region: 'us-east-1',
  awsProfile: null,
});

/** The file's upload as the window sees it, every 50 ms, from its first byte sent until it stops. */
async function watchUpload(queue: UploadQueue, id: string, onSample: (p: UploadProgress) => void) {
  const samples: Array<{ at: number; progress: UploadProgress }> = [];
  for (;;) {
    const progress = queue.progressOf(id);
    if (progress.uploadedBytes > 0 || progress.status !== 'hashing') {
      samples.push({ at: performance.now(), progress });
      onSample(progress);
    }
    if (!isActive(progress.status)) return samples;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the bandwidth limit', () => {
  it('holds an upload to the limit, shows it held, and the object is right', async () => {
    // Two parts (5 MiB and 1 MiB) and a single PUT, sent together under one limit.
    const big = await writeTestFile(dir, 'study/reads.fastq', 6 * MiB, 3);
    const small = await writeTestFile(dir, 'study/notes.txt', 1 * MiB, 4);
    const queue = testQueue(store, pool, { maxRate: 3_500_000, partSize: 5 * MiB });
    const plan = await planUpload([join(dir, 'study')], 'center');
    const started = performance.now();
    const records = await queue.add(plan, target());
    const held = new Set<number | null>();
    await Promise.all(
      records.map((record) =>
        watchUpload(queue, record.id, (p) => {
          if (p.status === 'uploading') held.add(p.heldTo);
        }),
      ),
    );
    await queue.idle();
    const seconds = (performance.now() - started) / 1000;
    // 7 MiB at 3.5 MB/s is 2.1 s; the bucket starts empty, so never less.
    expect(seconds).toBeGreaterThanOrEqual(2.09);
    expect(seconds).toBeLessThan(3.2);
    expect(held.has(3_500_000)).toBe(true);
    for (const record of records) {
      expect(store.getUpload(record.id)?.status).toBe('done');
      await expectObjectMatches(moto.endpoint, 'lab-bucket', record.key, record.localPath);
    }
    expect(records.map((r) => r.localPath).sort()).toEqual([small, big].sort());
  });

  it('applies a new limit to a running upload within a second', async () => {
    const path = await writeTestFile(dir, 'run/lane-1.fastq', 6 * MiB, 5);
    const queue = testQueue(store, pool, { maxRate: 4_000_000, partSize: 5 * MiB });
    const [record] = await queue.add(await planUpload([path], 'center'), target());
    const { id, key } = record as UploadRecord;
    let lowered: { at: number; bytes: number } | null = null;
    let lifted = 0;
    const samples = await watchUpload(queue, id, (p) => {
      if (!lowered && p.uploadedBytes >= 1 * MiB) {
        queue.setMaxRate(500_000);
        lowered = { at: performance.now(), bytes: p.uploadedBytes };
      } else if (lowered && !lifted && performance.now() - lowered.at >= 1_600) {
        queue.setMaxRate(null);
        lifted = performance.now();
      }
    });
    const at = (offset: number) => {
      const sample = samples.find((s) => s.at >= (lowered as { at: number }).at + offset);
      return sample?.progress ?? null;
    };
    // From half a second after the change on, the new limit: 500 KB a second
    // (one piece of a tenth of a second either way), not the 4 MB of before.
    const from = at(500);
    const to = at(1_500);
    expect(from && to).toBeTruthy();
    const moved = (to?.uploadedBytes ?? 0) - (from?.uploadedBytes ?? 0);
    expect(moved).toBeGreaterThan(350_000);
    expect(moved).toBeLessThan(650_000);
    expect(from?.heldTo).toBe(500_000);
    // Lifted, the rest (over 4 MB) goes at once, not at 500 KB/s (8 s more).
    const done = samples.at(-1) as { at: number; progress: UploadProgress };
    expect(done.progress.status).toBe('done');
    expect(done.at - lifted).toBeLessThan(1_000);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', key, path);
  });

  it('pauses an upload held back by the limit at once, and resumes it to the right object', async () => {
    // One PutObject, which a pause lets finish once its body is all sent: at
    // 1 MB/s that would be 12 s, but none of the object can be stored before.
    const path = await writeTestFile(dir, 'run/lane-3.fastq', 12 * MiB, 6);
    const queue = testQueue(store, pool, { maxRate: 1_000_000, partSize: 5 * MiB });
    const [record] = await queue.add(await planUpload([path], 'center'), target());
    const { id, key } = record as UploadRecord;
    let paused = 0;
    await watchUpload(queue, id, (p) => {
      if (p.uploadedBytes > 300_000 && !paused) {
        paused = performance.now();
        void queue.requestPause(id);
      }
    });
    await queue.idle();
    expect(store.getUpload(id)?.status).toBe('paused');
    expect(performance.now() - paused).toBeLessThan(1_000);
    queue.setMaxRate(null);
    queue.resume(id);
    await queue.idle();
    expect(store.getUpload(id)?.status).toBe('done');
    await expectObjectMatches(moto.endpoint, 'lab-bucket', key, path);
  });

  it('keeps the connection busy at the lowest limit: no idle timeout fires', async () => {
    // 30 KB at 10 KB/s is 3 s; a request silent for 0.6 s would be cut and retried.
    const path = await writeTestFile(dir, 'run/sheet.csv', 30_000, 8);
    const queue = testQueue(store, pool, { maxRate: MIN_RATE, idleTimeoutMs: 600 });
    const started = performance.now();
    const [record] = await queue.add(await planUpload([path], 'center'), target());
    await queue.idle();
    const { id, key } = record as UploadRecord;
    expect(store.getUpload(id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2_900);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', key, path);
  });

  it('paces parts too big to buffer, streamed from the file', async () => {
    // A 17 MiB part is streamed (over MAX_BUFFERED_PART); 18 MiB at 12 MB/s is 1.57 s.
    const path = await writeTestFile(dir, 'run/lane-4.fastq', 18 * MiB, 9);
    const queue = testQueue(store, pool, { maxRate: 12_000_000, partSize: 17 * MiB });
    const started = performance.now();
    const [record] = await queue.add(await planUpload([path], 'center'), target());
    await queue.idle();
    const { id, key } = record as UploadRecord;
    expect(store.getUpload(id)?.status).toBe('done');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_570);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', key, path);
  });
});
