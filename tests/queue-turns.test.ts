// Uploads that wait their turn (UploadQueue's note): many files added start
// jobs only as there is room, pause all reaches those still waiting, and
// another Labdrop's queued uploads are left to it while it runs.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SMALL_REQUESTS_PER_PART } from '../shared/parts';
import { CENTER_PROFILE, grantFullControlHeader } from '../shared/profile';
import type { UploadRecord } from '../shared/types';
import { recordPlan } from '../electron/engine/enqueue';
import { HashPool } from '../electron/engine/hash-pool';
import type { Target, UploadQueue } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { UploadLocks } from '../electron/engine/upload-lock';
import { HASH_WORKER } from './helpers/build';
import { TEST_PART_SIZE, testQueue } from './helpers/engine';
import { createBucket, startMoto, TEST_CREDENTIALS, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const BUCKET = 'turns-bucket';
/** Two parts in flight (small files: 8 to a part) and one file hashed: room for 16 + 2 × 1 jobs. */
const ROOM = 2 * SMALL_REQUESTS_PER_PART + 2;

let moto: Moto;
let pool: HashPool;
let dir: string;
let store: Store;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  await createBucket(moto.endpoint, BUCKET);
  pool = new HashPool({ threads: 1, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-turns-'));
  store = Store.open(join(dir, 'labdrop.db'));
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const target = (): Target => ({
  bucket: BUCKET,
  endpoint: moto.endpoint,
  region: 'us-east-1',
  awsProfile: null,
});

function queue(pid = process.pid): UploadQueue {
  return testQueue(store, pool, {
    partConcurrency: 2,
    hashConcurrency: 1,
    locks: new UploadLocks(join(dir, 'locks'), pid),
  });
}

async function files(count: number, prefix: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => writeTestFile(dir, `${prefix}/f-${i}.bin`, 100 + i, i)),
  );
}

const statuses = (records: readonly UploadRecord[]) =>
  records.map((r) => store.getUpload(r.id)?.status);

describe('uploads waiting their turn', () => {
  it('run a few at a time, and every file arrives whole with its metadata and grants', async () => {
    const paths = await files(60, 'many');
    const q = queue();
    let most = 0;
    q.onChange(() => (most = Math.max(most, q.snapshot().length)));
    const records = await q.add(await planUpload([join(dir, 'many')], 'turns'), target());
    expect(records).toHaveLength(60);
    // Recorded at once, started as there is room.
    expect(q.snapshot().length).toBeLessThanOrEqual(ROOM);
    expect(statuses(records).filter((s) => s === 'queued').length).toBeGreaterThanOrEqual(
      60 - ROOM,
    );
    await q.idle();
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(ROOM);
    expect(new Set(statuses(records))).toEqual(new Set(['done']));
    for (const [i, path] of paths.entries()) {
      await expectObjectMatches(moto.endpoint, BUCKET, `turns/many/f-${i}.bin`, path);
    }
  });

  it('pause all pauses those still waiting, and says which; resuming them finishes all', async () => {
    await files(50, 'pause');
    const q = queue();
    const records = await q.add(await planUpload([join(dir, 'pause')], 'turns'), target());
    const paused = await q.pauseAll();
    await q.idle();
    const now = records.map((r) => store.getUpload(r.id) as UploadRecord);
    const stopped = now.filter((r) => r.status === 'paused').map((r) => r.id);
    // Every upload not finished was paused, and pauseAll named each of them.
    expect(now.every((r) => r.status === 'paused' || r.status === 'done')).toBe(true);
    expect(stopped.length).toBeGreaterThan(25);
    expect(new Set(paused)).toEqual(new Set(stopped));
    // Nothing started after the pause.
    expect(q.snapshot()).toEqual([]);

    expect(q.resumeMany(stopped)).toHaveLength(stopped.length);
    await q.idle();
    expect(new Set(statuses(records))).toEqual(new Set(['done']));
  });

  it('are left to the Labdrop that queued them while it runs, and taken up once it is gone', async () => {
    const paths = await files(6, 'other');
    const plan = await planUpload([join(dir, 'other')], 'turns');
    // What another Labdrop leaves while its uploads wait their turn there.
    const records = plan.files.map((file) =>
      store.createUpload({
        id: randomUUID(),
        localPath: file.localPath,
        size: file.size,
        mtimeMs: file.mtimeMs,
        bucket: BUCKET,
        key: file.key,
        endpoint: moto.endpoint,
        region: 'us-east-1',
        awsProfile: null,
        submissionProfile: CENTER_PROFILE.name,
        grants: grantFullControlHeader(CENTER_PROFILE),
        partSize: TEST_PART_SIZE,
      }),
    );
    const ids = records.map((r) => r.id);
    // A live process: our parent.
    store.markQueued(ids, { pid: process.ppid, at: Date.now() });
    const here = queue();
    expect(here.resumeAll()).toEqual([]);
    expect(here.resume(ids[0] as string)).toBe(false);
    await here.idle();
    expect(new Set(statuses(records))).toEqual(new Set(['queued']));

    // A process that is gone (no pid is above 2^22).
    store.markQueued(ids, { pid: 2 ** 22 + 17, at: Date.now() });
    expect(here.resumeAll().map((r) => r.id)).toEqual(ids);
    await here.idle();
    expect(new Set(statuses(records))).toEqual(new Set(['done']));
    for (const [i, record] of records.entries()) {
      await expectObjectMatches(moto.endpoint, BUCKET, record.key, paths[i] as string);
    }
  });

  it('are recorded all or none: a failure part-way through 5,000 files leaves no row', async () => {
    const check = {
      verdict: 'new' as const,
      etag: null,
      size: null,
      lastModified: null,
      contentMd5: null,
      evidence: 'no object there',
      checkedAt: Date.now(),
    };
    const planned = Array.from({ length: 5_000 }, (_, i) => ({
      localPath: join(dir, `gen/${i}.bin`),
      key: `turns/gen/${i}.bin`,
      size: i,
      mtimeMs: 1,
    }));
    // The review covers all but the last file: recording it fails, after two writes went in.
    const review = {
      files: planned.slice(0, -1).map(() => ({ kind: 'new' as const, md5: null, check })),
      note: null,
    };
    const place = {
      ...target(),
      encryption: null,
      profile: CENTER_PROFILE,
      partSize: TEST_PART_SIZE,
      createdAt: Date.now(),
    };
    const plan = { files: planned, problems: [], warnings: [] };
    await expect(recordPlan(store, plan, place, review, 'all')).rejects.toThrow(/does not cover/);
    expect(store.query({ search: 'turns/gen/' })).toEqual([]);
    // With the whole review, every file is there, once.
    review.files.push({ kind: 'new', md5: null, check });
    const { records } = await recordPlan(store, plan, place, review, 'all');
    expect(records.map((r) => r.key)).toEqual(planned.map((f) => f.key));
    expect(store.getUploads(records.map((r) => r.id))).toHaveLength(5_000);
  });

  it('added while pause all is asked are paused too', async () => {
    await files(10, 'late');
    const q = queue();
    const adding = q.add(await planUpload([join(dir, 'late')], 'turns'), target());
    // Asked while the add reads the bucket and records the files.
    await q.pauseAll();
    const records = await adding;
    await q.idle();
    expect(new Set(statuses(records))).toEqual(new Set(['paused']));
  });
});
