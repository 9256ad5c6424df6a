// A model-based test of the upload lifecycle: random sequences of what users,
// other processes, crashes, vanishing files and a bad network do, run against
// the real queue, store and hash pool and a real S3 endpoint (moto), with
// invariants checked after every step and at the end of every sequence.
//
// `npm test` runs LABDROP_MODEL_RUNS sequences (default 200); `npm run
// test:faults` runs more. A failure prints fast-check's seed and path: replay
// it with LABDROP_MODEL_SEED=… LABDROP_MODEL_PATH=… npx vitest run tests/lifecycle.model.test.ts
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { canMove, isActive, isUnfinished, type UploadStatus } from '../shared/lifecycle';
import { SINGLE_PUT_MAX } from '../shared/parts';
import { CENTER_PROFILE, grantFullControlHeader } from '../shared/profile';
import type { UploadRecord } from '../shared/types';
import { HashPool } from '../electron/engine/hash-pool';
import type { Target, UploadQueue } from '../electron/engine/queue';
import { createS3Client } from '../electron/engine/s3-client';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { UploadLocks } from '../electron/engine/upload-lock';
import { UploadSession } from '../electron/ipc/upload-session';
import { HASH_WORKER } from './helpers/build';
import { testQueue } from './helpers/engine';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  testClient,
  TEST_CREDENTIALS,
  type Moto,
  type RecordingProxy,
} from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const RUNS = Number(process.env.LABDROP_MODEL_RUNS ?? 200);
const BUCKET = 'model';
const GRANTS = grantFullControlHeader(CENTER_PROFILE);

let moto: Moto;
let proxy: RecordingProxy;
let pool: HashPool;
let dir: string;
let store: Store;
let client: S3Client;
let check: S3Client;
let run = 0;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  await createBucket(moto.endpoint, BUCKET);
  proxy = await startRecordingProxy(moto.endpoint);
  // Parts take a while, as on a real link: steps land while multipart uploads are open.
  proxy.delay = (r) => (r.url.includes('partNumber=') ? 60 : 0);
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
  dir = await mkdtemp(join(tmpdir(), 'labdrop-model-'));
  store = Store.open(join(dir, 'labdrop.db'));
  // Every status the database ever takes, whoever writes it.
  store.withDatabase((db) =>
    db.exec(`
      CREATE TABLE moves (id TEXT, old TEXT, new TEXT);
      CREATE TRIGGER record_moves AFTER UPDATE OF status ON uploads
        WHEN old.status IS NOT new.status
        BEGIN INSERT INTO moves VALUES (new.id, old.status, new.status); END;
    `),
  );
  client = createS3Client({ endpoint: proxy.endpoint, region: 'us-east-1', awsProfile: null });
  check = testClient(moto.endpoint);
});

afterAll(async () => {
  client?.destroy();
  store?.close();
  await pool?.close();
  await proxy?.stop();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface FileEntry {
  id: string;
  path: string;
  key: string;
  gone: boolean;
}

/** What the commands know: the files added so far. */
interface Model {
  files: FileEntry[];
}

interface World {
  prefix: string;
  folder: string;
  queue: UploadQueue;
  /** Set from a crash on: the dead queue's writes are lost. */
  crashed: { value: boolean };
  /** Requests recorded before the current queue started. */
  since: number;
  /** Keys whose multipart upload a crash may have orphaned (created, never recorded). */
  orphanable: Set<string>;
  /** Keys another writer got its own object into (see OtherWriter). */
  theirs: Set<string>;
}

/** The store as a queue sees it; after a crash, every write is lost, as a dead process's. */
function crashable(real: Store, crashed: { value: boolean }): Store {
  const writes = new Set(['transition', 'updateUpload', 'recordPart', 'clearParts', 'request']);
  return new Proxy(real, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (crashed.value && writes.has(String(prop))) {
        return (id: string) => target.getUpload(id);
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}

function startQueue(world: Omit<World, 'queue'> & { queue?: UploadQueue }): UploadQueue {
  const queue = testQueue(crashable(store, world.crashed), pool, {
    clientFor: () => client,
    locks: new UploadLocks(join(dir, 'locks')),
    partConcurrency: 2,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    preflightRetry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    networkProbe: { maxAttempts: Infinity, baseDelayMs: 5, maxDelayMs: 20 },
  });
  world.since = proxy.requests.length;
  return queue;
}

const target = (): Target => ({
  bucket: BUCKET,
  endpoint: proxy.endpoint,
  region: 'us-east-1',
  awsProfile: null,
});

const at = (m: Model, i: number) => m.files[i % m.files.length] as FileEntry;
const pathOf = (url: string) => decodeURIComponent(url.split('?')[0] ?? '').replace(/^\/+/, '');

/** After every step: no status was ever written outside the table, and no part stored and answered was sent again. */
function checkInvariants(world: World): void {
  const moves = store.withDatabase(
    (db) => db.prepare('SELECT old, new FROM moves').all() as { old: string; new: string }[],
  );
  for (const move of moves) {
    expect(canMove(move.old as UploadStatus, move.new as UploadStatus), JSON.stringify(move)).toBe(
      true,
    );
  }
  const sent = new Map<string, number>();
  for (const r of proxy.requests.slice(world.since)) {
    // A part the client gave up on (a pause) as the server stored it is sent
    // again in good faith; one it was told was stored is never sent again.
    if (r.method !== 'PUT' || !r.url.includes('partNumber=') || r.status !== 200) continue;
    if (!r.delivered) continue;
    const query = new URLSearchParams(r.url.split('?')[1]);
    const part = `${query.get('uploadId')}#${query.get('partNumber')}`;
    sent.set(part, (sent.get(part) ?? 0) + 1);
  }
  for (const [part, times] of sent) expect(times, `part ${part} sent ${times} times`).toBe(1);
}

abstract class Step implements fc.AsyncCommand<Model, World> {
  check(m: Readonly<Model>): boolean {
    return m.files.length > 0;
  }
  async run(m: Model, w: World): Promise<void> {
    await this.apply(m, w);
    checkInvariants(w);
  }
  abstract apply(m: Model, w: World): Promise<void>;
  abstract toString(): string;
}

class Add extends Step {
  constructor(readonly sizes: number[]) {
    super();
  }
  override check(): boolean {
    return true;
  }
  async apply(m: Model, w: World): Promise<void> {
    const paths: string[] = [];
    for (const size of this.sizes) {
      const n = m.files.length + paths.length;
      paths.push(await writeTestFile(w.folder, `f${n}.bin`, size, run * 100 + n));
    }
    const before = store.query().length;
    const records = await w.queue
      .add(await planUpload(paths, w.prefix), target())
      .catch((error: unknown) => {
        // The bucket could not be reached (faults): nothing may be recorded.
        expect(store.query().length, String(error)).toBe(before);
        return [];
      });
    for (const [i, record] of records.entries()) {
      m.files.push({ id: record.id, path: paths[i] as string, key: record.key, gone: false });
    }
  }
  toString() {
    return `add(${this.sizes.join(', ')})`;
  }
}

class Act extends Step {
  constructor(
    readonly what: 'pause' | 'resume' | 'cancel' | 'retry' | 'askPause' | 'askCancel',
    readonly i: number,
  ) {
    super();
  }
  async apply(m: Model, w: World): Promise<void> {
    const { id } = at(m, this.i);
    if (this.what === 'pause') await w.queue.requestPause(id);
    else if (this.what === 'resume') w.queue.resume(id);
    else if (this.what === 'retry') w.queue.retryUpload(id);
    // The cancel stands even when what it left cannot be removed now.
    else if (this.what === 'cancel') await w.queue.requestCancel(id).catch(() => undefined);
    // Another process (`labdrop pause ID` while this one uploads it).
    else if (!w.crashed.value) store.request(id, this.what === 'askPause' ? 'pause' : 'cancel');
  }
  toString() {
    return `${this.what}(${this.i})`;
  }
}

class All extends Step {
  constructor(readonly what: 'pauseAll' | 'resumeAll' | 'cancelAll') {
    super();
  }
  async apply(m: Model, w: World): Promise<void> {
    if (this.what === 'pauseAll') await w.queue.pauseAll();
    else if (this.what === 'resumeAll') w.queue.resumeAll();
    else {
      const cancels = m.files.map((f) => w.queue.requestCancel(f.id));
      await Promise.allSettled(cancels);
    }
  }
  toString() {
    return this.what;
  }
}

/** The process dies: its last writes are lost; a new queue starts over the same database. */
class Crash extends Step {
  async apply(_m: Model, w: World): Promise<void> {
    for (const record of store.unfinished()) {
      if (isActive(record.status)) w.orphanable.add(record.key);
    }
    w.crashed.value = true;
    // The dead process's requests in flight end; nothing it does reaches the database.
    await w.queue.pauseAll();
    await w.queue.idle();
    w.crashed = { value: false };
    w.queue = startQueue(w);
    new UploadSession(store, w.queue).restore();
  }
  toString() {
    return 'crash';
  }
}

class Vanish extends Step {
  constructor(
    readonly i: number,
    readonly back: boolean,
  ) {
    super();
  }
  async apply(m: Model): Promise<void> {
    const file = at(m, this.i);
    if (file.gone !== this.back) return;
    await (this.back
      ? rename(`${file.path}.away`, file.path)
      : rename(file.path, `${file.path}.away`));
    // Every upload of this file sees it go (dropped again: one file, several uploads).
    for (const f of m.files) if (f.path === file.path) f.gone = !this.back;
  }
  toString() {
    return `${this.back ? 'return' : 'vanish'}(${this.i})`;
  }
}

/**
 * File `i` dropped again onto the same folder: the review finds it in the
 * queue (the same upload), in the bucket (skipped), or not there (a new upload).
 */
class AddAgain extends Step {
  constructor(readonly i: number) {
    super();
  }
  async apply(m: Model, w: World): Promise<void> {
    const file = at(m, this.i);
    if (file.gone) return;
    const before = store.query().length;
    const records = await w.queue
      .add(await planUpload([file.path], w.prefix), target())
      .catch((error: unknown) => {
        expect(store.query().length, String(error)).toBe(before);
        return [];
      });
    for (const record of records) {
      if (m.files.some((f) => f.id === record.id)) continue;
      m.files.push({ id: record.id, path: file.path, key: record.key, gone: false });
    }
  }
  toString() {
    return `addAgain(${this.i})`;
  }
}

/** What another writer puts at a key. */
const THEIRS = 'written by someone else';

/**
 * Someone else writes file `i`'s key, as politely as Labdrop: only while
 * there is no object there (If-None-Match: *). Whoever writes first keeps
 * the key; the other is refused, and Labdrop says so rather than replace it.
 */
class OtherWriter extends Step {
  constructor(readonly i: number) {
    super();
  }
  async apply(m: Model, w: World): Promise<void> {
    const { key } = at(m, this.i);
    const written = await check
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: THEIRS, IfNoneMatch: '*' }))
      .then(
        () => true,
        () => false,
      );
    if (written) w.theirs.add(key);
  }
  toString() {
    return `otherWriter(${this.i})`;
  }
}

/** The next `count` requests get a 503 or a reset connection; the server never sees them. */
class Faults extends Step {
  constructor(
    readonly count: number,
    readonly kind: 'slow-down' | 'reset',
  ) {
    super();
  }
  override check(): boolean {
    return true;
  }
  async apply(): Promise<void> {
    let left = this.count;
    proxy.intercept = () => {
      if (left <= 0) return null;
      left--;
      return this.kind === 'reset'
        ? 'reset'
        : { status: 503, body: '<Error><Code>SlowDown</Code><Message>slow</Message></Error>' };
    };
  }
  toString() {
    return `faults(${this.count} ${this.kind})`;
  }
}

/** Waits (a second at most) until file `i` has a multipart upload open, or has settled. */
class WaitForParts extends Step {
  constructor(readonly i: number) {
    super();
  }
  async apply(m: Model): Promise<void> {
    const { id } = at(m, this.i);
    for (let t = 0; t < 100; t++) {
      const record = store.getUpload(id);
      if (!record || record.uploadId !== null || !isActive(record.status)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  toString() {
    return `waitForParts(${this.i})`;
  }
}

class Wait extends Step {
  constructor(readonly ms: number) {
    super();
  }
  override check(): boolean {
    return true;
  }
  async apply(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.ms));
  }
  toString() {
    return `wait(${this.ms})`;
  }
}

// Above SINGLE_PUT_MAX a file goes as a multipart upload (4 parts of TEST_PART_SIZE).
const size = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1_000, 70_000) },
  { weight: 1, arbitrary: fc.constant(SINGLE_PUT_MAX + 4096) },
);
const index = fc.nat(7);
const act = fc
  .tuple(fc.constantFrom('pause', 'resume', 'cancel', 'retry', 'askPause', 'askCancel'), index)
  .map(([what, i]) => new Act(what as Act['what'], i));
// fc.commands picks among these evenly: what users do most comes more than once.
const steps = [
  fc.array(size, { minLength: 1, maxLength: 3 }).map((sizes) => new Add(sizes)),
  act,
  act,
  act,
  fc.constantFrom('pauseAll', 'resumeAll', 'cancelAll').map((what) => new All(what as All['what'])),
  fc.constant(new Crash()),
  fc.tuple(index, fc.boolean()).map(([i, back]) => new Vanish(i, back)),
  index.map((i) => new AddAgain(i)),
  index.map((i) => new AddAgain(i)),
  index.map((i) => new OtherWriter(i)),
  fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.constantFrom('slow-down', 'reset'))
    .map(([n, kind]) => new Faults(n, kind as Faults['kind'])),
  index.map((i) => new WaitForParts(i)),
  index.map((i) => new WaitForParts(i)),
  fc.integer({ min: 0, max: 100 }).map((ms) => new Wait(ms)),
];

/** Lets everything finish: files back, the network good, cancels done, what was paused resumed. */
async function settle(m: Model, w: World): Promise<UploadRecord[]> {
  proxy.intercept = null;
  for (const file of m.files) if (file.gone) await new Vanish(m.files.indexOf(file), true).apply(m);
  // A cancel moves its upload to cancelled first, then removes what it left:
  // wait for those removals (the faults may have made them fail: then
  // removeLeftovers takes them up again, as the app does when it starts).
  await w.queue.idle();
  await w.queue.removeLeftovers();
  for (let round = 0; round < 5; round++) {
    const open = m.files.filter((f) => isUnfinished(store.getUpload(f.id)?.status ?? 'done'));
    if (open.length === 0) break;
    for (const f of open) w.queue.resume(f.id);
    await w.queue.idle();
  }
  return m.files.map((f) => store.getUpload(f.id) as UploadRecord);
}

/** What happened to one upload: its moves and the requests for its key, for a failure's message. */
function trail(record: UploadRecord): string {
  const moves = store.withDatabase(
    (db) =>
      db.prepare('SELECT old, new FROM moves WHERE id = ?').all(record.id) as {
        old: string;
        new: string;
      }[],
  );
  const requests = proxy.requests
    .filter((r) => pathOf(r.url) === `${BUCKET}/${record.key}`)
    .map((r) => `${r.method} ${r.url.split('?')[1] ?? ''} ${r.status ?? 'cut'}`);
  return [`moves: ${moves.map((m) => `${m.old}>${m.new}`).join(' ')}`, ...requests].join('\n');
}

async function checkEnd(m: Model, w: World, records: UploadRecord[]): Promise<void> {
  for (const [i, record] of records.entries()) {
    const file = m.files[i] as FileEntry;
    const where = `${record.key}: ${record.status} ${JSON.stringify(record.lastError)}\n${trail(record)}`;
    expect(['done', 'skipped', 'cancelled', 'failed'], where).toContain(record.status);
    const theirs = async () => {
      const head = await check.send(new HeadObjectCommand({ Bucket: BUCKET, Key: record.key }));
      expect(head.ContentLength, `${where}: the other writer's object stays`).toBe(THEIRS.length);
    };
    if (record.status === 'skipped') {
      // The files never change: what the bucket had was this file, and stays,
      // or the other writer's, which is kept.
      if (record.bucketCheck?.verdict === 'kept') {
        expect(w.theirs.has(record.key), where).toBe(true);
        await theirs();
      } else {
        expect(record.bucketCheck?.verdict, where).toBe('identical');
        await expectObjectMatches(moto.endpoint, BUCKET, record.key, file.path);
      }
    }
    if (record.status === 'failed') expect(record.lastError?.message, where).toBeTruthy();
    if (record.lastError?.code === 'ChangedSinceReview') {
      // Refused because the other writer came first: never replaced, nothing of ours left.
      expect(w.theirs.has(record.key), where).toBe(true);
      await theirs();
    }
    if (record.status === 'done') {
      await expectObjectMatches(moto.endpoint, BUCKET, record.key, file.path);
      expect(record.grants).toBe(GRANTS);
      const creates = proxy.requests.filter(
        (r) =>
          (r.method === 'PUT' || r.method === 'POST') &&
          pathOf(r.url) === `${BUCKET}/${record.key}` &&
          !r.url.includes('partNumber=') &&
          !r.url.includes('uploadId='),
      );
      for (const r of creates) expect(r.headers['x-amz-grant-full-control'], where).toBe(GRANTS);
    }
    if (record.status === 'cancelled') {
      expect(record.uploadId, where).toBeNull();
      const head = await check
        .send(new HeadObjectCommand({ Bucket: BUCKET, Key: record.key }))
        .catch(() => null);
      // Unless a later upload (done, or skipped as already there) stands on it.
      const later = records.some(
        (other) =>
          other.key === record.key &&
          other.createdAt >= record.createdAt &&
          other.id !== record.id &&
          (other.status === 'done' || other.status === 'skipped'),
      );
      if (w.theirs.has(record.key) && head) await theirs();
      else if (!later) expect(head, `${where}: an object is left`).toBeNull();
      if (!w.orphanable.has(record.key)) {
        const open = await check.send(
          new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: record.key }),
        );
        // Another upload of the key (dropped again after the cancel) may keep its own.
        const others = new Set(records.map((other) => other.uploadId).filter(Boolean));
        const left = (open.Uploads ?? []).filter((u) => !others.has(u.UploadId ?? null));
        expect(left, `${where}: parts are left`).toEqual([]);
      }
    }
  }
}

/** Empties the bucket for the next sequence. */
async function clearBucket(prefix: string): Promise<void> {
  const open = await check.send(
    new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }),
  );
  for (const u of open.Uploads ?? []) {
    await check.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key, UploadId: u.UploadId }),
    );
  }
  const listed = await check.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  for (const o of listed.Contents ?? []) {
    await check.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: o.Key }));
  }
}

it(`upload lifecycle: ${RUNS} random sequences against the real queue and moto`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(steps, { maxCommands: 14, size: '+1' }), async (commands) => {
      run++;
      const prefix = `run-${run}`;
      const folder = join(dir, prefix);
      await mkdir(folder, { recursive: true });
      const base = {
        prefix,
        folder,
        crashed: { value: false },
        since: 0,
        orphanable: new Set<string>(),
        theirs: new Set<string>(),
      };
      const world: World = { ...base, queue: startQueue(base) };
      const model: Model = { files: [] };
      try {
        await fc.asyncModelRun(() => ({ model, real: world }), commands);
        const records = await settle(model, world);
        checkInvariants(world);
        await checkEnd(model, world, records);
      } finally {
        proxy.intercept = null;
        await world.queue.pauseAll();
        await world.queue.idle();
        await clearBucket(prefix);
      }
    }),
    {
      numRuns: RUNS,
      ...(process.env.LABDROP_MODEL_SEED ? { seed: Number(process.env.LABDROP_MODEL_SEED) } : {}),
      ...(process.env.LABDROP_MODEL_PATH ? { path: process.env.LABDROP_MODEL_PATH } : {}),
      endOnFailure: true,
    },
  );
}, 1_200_000);
