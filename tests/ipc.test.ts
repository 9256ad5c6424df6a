import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectAclCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketOwnershipControlsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Events, IpcResult, RequestChannel } from '../shared/ipc';
import { MiB } from '../shared/parts';
import { CENTER_PROFILE, profileToJson } from '../shared/profile';
import {
  createAppCore,
  type AppCore,
  type AppCoreOptions,
  type AppHasher,
} from '../electron/app/core';
import { HashPool } from '../electron/engine/hash-pool';
import type { Hasher, UploadQueue } from '../electron/engine/queue';
import type { Store } from '../electron/engine/store';
import type { IpcHandlers } from '../electron/ipc/handlers';
import type { ChosenPaths } from '../electron/ipc/chosen-paths';
import { SettingsFile } from '../electron/ipc/settings-file';
import { HASH_WORKER } from './helpers/build';
import { gatedHasher, moveTo, writeStatus } from './helpers/engine';
import { testKeychain, type TestKeychain } from './helpers/keychain';
import { createBucket, startMoto, TEST_CREDENTIALS, testClient, type Moto } from './helpers/moto';

const PART = 5 * MiB;
const [GRANTEE_A] = CENTER_PROFILE.fullControlIds;

let moto: Moto;
let pool: HashPool;
let dir: string;
let core: AppCore | null;
let store: Store;
let queue: UploadQueue;
let handlers: IpcHandlers;
let events: Array<{ channel: keyof Events; payload: unknown }>;
/** Files uploads:plan started hashing early. */
let prefetched: string[];
let chosen: string[];
let allowed: ChosenPaths;
let chosenJson: string | null;
let savedTo: string | null;
let keychain: TestKeychain;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  await createBucket(moto.endpoint, 'lab-bucket');
  await createBucket(moto.endpoint, 'owner-enforced');
  await testClient(moto.endpoint).send(
    new PutBucketOwnershipControlsCommand({
      Bucket: 'owner-enforced',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    }),
  );
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await moto?.stop();
});

/** The shared pool, recording what uploads:plan starts hashing early. */
function recording(hasher: Hasher = pool): AppHasher {
  return {
    threads: pool.threads,
    hashFile: (...args) => hasher.hashFile(...args),
    hashRange: (...args) => hasher.hashRange(...args),
    prefetch: (paths, options) => {
      prefetched = [...paths];
      pool.prefetch(paths, options);
    },
  };
}

/** The app as main builds it, over this test's folder; again after a restart. */
async function build(options: Partial<AppCoreOptions> = {}) {
  await core?.dispose();
  core = await createAppCore({
    dataDir: dir,
    secrets: keychain,
    version: 'test',
    hasher: recording(),
    partSizeMiB: PART / MiB,
    partConcurrency: 2,
    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
    preflightRetry: { maxAttempts: 1, baseDelayMs: 20, maxDelayMs: 50 },
    targetTimeoutMs: 10_000,
    openPaths: async () => chosen,
    openJsonFile: async () => chosenJson,
    savePath: async (name) => savedTo && join(savedTo, name),
    broadcast: (channel, payload) => events.push({ channel, payload }),
    openFolder: async () => '',
    copyText: () => undefined,
    ...options,
  });
  ({ store, queue, handlers, chosen: allowed } = core);
  allowed.allow([dir]);
  core.restoreSession();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-ipc-'));
  keychain = testKeychain();
  core = null;
  events = [];
  prefetched = [];
  chosen = [];
  chosenJson = null;
  savedTo = dir;
  await build();
});

afterEach(async () => {
  await core?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, size: number, seed = 1): Promise<string> {
  const path = join(dir, name);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  await writeFile(path, bytes);
  return path;
}

function target(bucket = 'lab-bucket') {
  return { bucket, endpoint: moto.endpoint, region: 'us-east-1', awsProfile: null };
}

function value<T>(result: IpcResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function until(check: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function planAndAdd(paths: string[], prefix = 'center', bucket = 'lab-bucket') {
  const plan = value(await handlers['uploads:plan']({ paths, prefix }));
  return value(
    await handlers['uploads:add']({
      planId: plan.planId,
      target: target(bucket),
      acceptWarnings: false,
    }),
  );
}

describe('the contract at the boundary', () => {
  it('names the field a person typed wrong, not the schema ("Invalid credentials:saveKeys request: secretAccessKey: Too small…")', async () => {
    const answer = await handlers['credentials:saveKeys']({
      name: 'lab',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'short',
    });
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'BadRequest',
        message: 'Labdrop could not use the secret access key: check it and try again.',
      },
    });
  });

  it('answers bad arguments with a BadRequest value, never a throw', async () => {
    const bad: Array<[RequestChannel, unknown]> = [
      ['uploads:plan', undefined],
      ['uploads:plan', { paths: ['relative/file.txt'], prefix: '' }],
      ['uploads:plan', { paths: [], prefix: '' }],
      ['uploads:plan', { paths: ['/tmp/a\0b'], prefix: '' }],
      ['uploads:plan', { paths: ['/tmp/a'], prefix: '', extra: true }],
      ['uploads:add', { planId: 'x', target: { bucket: 'a', region: 'us-east-1' } }],
      [
        'uploads:add',
        { planId: 'x', target: { ...target(), endpoint: 'file:///etc' }, acceptWarnings: true },
      ],
      ['uploads:pause', { id: 42 }],
      ['uploads:pauseAll', { surprise: 1 }],
      ['history:query', { status: 'exploded' }],
      ['history:query', { limit: 100_000 }],
      ['history:query', { after: { createdAt: 1, rowid: '1 OR 1' } }],
      ['history:export', { format: 'xlsx', filter: {} }],
      ['settings:set', { partConcurrency: 0 }],
      ['credentials:saveKeys', { name: 'lab', accessKeyId: 'AKIAEXAMPLE' }],
      ['credentials:summary', { profile: 'has spaces' }],
      ['targets:check', { target: target() }],
      ['targets:listFolders', { target: target(), prefix: 7 }],
      ['targets:add', { bucket: 'lab-bucket', region: 'us-east-1', synapseId: 'folder-1' }],
      ['targets:remove', {}],
      ['profiles:exportJson', { name: '' }],
      ['settings:set', { partSizeMiB: 1 }],
      ['dialog:openFiles', { kind: 'anything' }],
      ['targets:check', 'lab-bucket'],
    ];
    for (const [channel, arg] of bad) {
      const result = await handlers[channel](arg);
      expect(result, `${channel} ${JSON.stringify(arg)}`).toMatchObject({
        ok: false,
        error: { code: 'BadRequest' },
      });
      // A sentence for a person: never zod's text or the channel's name.
      if (!result.ok) {
        expect(result.error.message).toMatch(
          /^Labdrop could not use .+: check (it|them) and try again\.$/,
        );
        expect(result.error.message).not.toMatch(/too small|too big|expected|invalid|:saveKeys/i);
        expect(result.error.message).not.toContain(channel);
      }
    }
  });

  it('accepts Windows and UNC paths as absolute', async () => {
    allowed.allow(['C:\\data\\run1.fastq', '\\\\lab-nas\\share\\run2.fastq']);
    const result = await handlers['uploads:plan']({
      paths: ['C:\\data\\run1.fastq', '\\\\lab-nas\\share\\run2.fastq'],
      prefix: 'center',
    });
    // They pass validation; on Linux they then do not exist, which the plan says.
    expect(value(result).problems).toHaveLength(2);
  });

  it('names unknown uploads and plans', async () => {
    expect(await handlers['uploads:pause']({ id: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'UnknownUpload' },
    });
    expect(
      await handlers['uploads:add']({ planId: 'stale', target: target(), acceptWarnings: true }),
    ).toMatchObject({ ok: false, error: { code: 'UnknownPlan' } });
  });

  it('returns only absolute paths from the open dialog', async () => {
    chosen = ['/data/a.fastq', 'relative.txt'];
    expect(value(await handlers['dialog:openFiles']({ kind: 'files' }))).toEqual(['/data/a.fastq']);
  });
});

describe('uploading through the handlers', () => {
  it('starts hashing the first files as soon as they are planned, and uploads them right', async () => {
    const paths = [
      await file('first.fastq', PART + 1, 1),
      await file('second.fastq', 4 * PART, 2),
      await file('third.fastq', 100, 3),
    ];
    const plan = value(await handlers['uploads:plan']({ paths, prefix: 'center' }));
    // As many as the pool hashes at once, in the plan's order.
    expect(prefetched).toEqual(plan.files.slice(0, pool.threads).map((f) => f.localPath));
    const added = value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: true,
      }),
    );
    await until(
      () => added.every((r) => store.getUpload(r.id)?.status === 'done'),
      'the uploads to finish',
    );
    for (const path of paths) {
      const record = added.find((r) => r.localPath === path);
      expect(store.getUpload(record?.id ?? '')?.md5Base64).toBe(
        createHash('md5')
          .update(await readFile(path))
          .digest('base64'),
      );
    }
  });

  it('stops hashing early the files of a plan the user put away', async () => {
    const path = await file('put-away.fastq', 4 * PART, 4);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: 'center' }));
    expect(prefetched).toEqual([path]);
    expect(value(await handlers['uploads:discardPlan']({ planId: plan.planId }))).toBeNull();
    expect(prefetched).toEqual([]);
    // The plan is gone: adding it now asks for the files again.
    expect(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'UnknownPlan' } });
  });

  it('goes on hashing early the added files still waiting in the queue when more are planned', async () => {
    // The queue hashes two files at a time; these two hold both turns until let go.
    // (Or until the test ends: afterEach pauses every upload.)
    const held = [await file('held-1.bin', PART, 11), await file('held-2.bin', PART, 12)];
    const { hasher, hashed: letGo } = gatedHasher(pool, (path) => held.includes(path));
    await build({ hasher: recording(hasher) });
    await planAndAdd(held);
    const waiting = await file('waiting.bin', 2 * PART, 13);
    const cancelled = await file('cancelled.bin', PART, 14);
    const [added, other] = await planAndAdd([waiting, cancelled]);
    const id = added?.id as string;
    expect(store.getUpload(id)?.status).toBe('queued');

    const later = await file('later.bin', PART, 15);
    const plan = value(await handlers['uploads:plan']({ paths: [later], prefix: 'center' }));
    expect(prefetched).toEqual([waiting, cancelled, later]);
    value(await handlers['uploads:discardPlan']({ planId: plan.planId }));
    expect(prefetched).toEqual([waiting, cancelled]);
    value(await handlers['uploads:cancel']({ id: other?.id as string }));
    expect(prefetched).toEqual([waiting]);

    letGo();
    await queue.idle();
    expect(store.getUpload(id)).toMatchObject({
      status: 'done',
      md5Base64: createHash('md5')
        .update(await readFile(waiting))
        .digest('base64'),
    });
    // Once the queue has it, a new plan no longer holds on to it.
    await handlers['uploads:plan']({ paths: [later], prefix: 'center' });
    expect(prefetched).toEqual([later]);
  });

  it('hashes nothing early for a plan with problems', async () => {
    const path = await file('fine.txt', 10);
    const result = await handlers['uploads:plan']({
      paths: [path, join(dir, 'missing.txt')],
      prefix: 'x',
    });
    expect(result.ok && result.value.problems.length > 0).toBe(true);
    expect(prefetched).toEqual([]);
  });

  it('plans, uploads with the center rules, and shows the result in the queue and history', async () => {
    const path = await file('sample.fastq', 2 * PART + 100);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: '/center/' }));
    expect(plan).toMatchObject({ fileCount: 1, totalBytes: 2 * PART + 100, warnings: [] });
    expect(plan.files[0]?.key).toBe('center/sample.fastq');

    const added = value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
      }),
    );
    expect(added).toHaveLength(1);
    const id = added[0]?.id as string;
    expect(events.at(-1)?.channel).toBe('uploads:changed');
    await queue.idle();

    const list = value(await handlers['uploads:list'](undefined));
    expect(list).toMatchObject([{ id, status: 'done', uploadedBytes: 2 * PART + 100 }]);

    const s3 = testClient(moto.endpoint);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'center/sample.fastq' }),
    );
    const md5 = createHash('md5').update(await readFile(path));
    expect(head.Metadata?.['content-md5']).toBe(md5.copy().digest('base64'));
    const acl = await s3.send(
      new GetObjectAclCommand({ Bucket: 'lab-bucket', Key: 'center/sample.fastq' }),
    );
    expect(acl.Grants?.map((g) => g.Grantee?.ID)).toContain(GRANTEE_A);

    const [row] = value(await handlers['history:query']({ search: 'SAMPLE.fastq' })).rows;
    expect(row).toMatchObject({ id, status: 'done', md5Hex: md5.digest('hex') });

    // The plan was used up: a second click cannot upload the batch twice.
    expect(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
      }),
    ).toMatchObject({ ok: false, error: { code: 'UnknownPlan' } });

    // The target is remembered for next time.
    const { settings } = value(await handlers['settings:get'](undefined));
    expect(settings.target).toEqual({
      bucket: 'lab-bucket',
      prefix: '/center/',
      endpoint: moto.endpoint,
      region: 'us-east-1',
      awsProfile: '',
      accelerate: false,
    });
  });

  it('asks for confirmation of keys the sync job skips', async () => {
    const path = await file('7-rootfile.txt', 10);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: '' }));
    expect(plan.warnings.map((w) => w.code)).toEqual(['bucket-root', 'leading-digit']);
    expect(plan.warningCount).toBe(2);
    expect(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
      }),
    ).toMatchObject({ ok: false, error: { code: 'WarningsNotAccepted' } });
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: true,
      }),
    );
    await queue.idle();
    expect(store.query()[0]).toMatchObject({ key: '7-rootfile.txt', status: 'done' });
  });

  it('reports uploads as added once they run, even if the last target cannot be remembered', async () => {
    // settings.json cannot be replaced: a folder stands where the file goes.
    await mkdir(join(dir, 'settings.json', 'in-the-way'), { recursive: true });
    const path = await file('kept.txt', 10);
    const added = await planAndAdd([path], 'remember');
    expect(added.map((p) => p.key)).toEqual(['remember/kept.txt']);
    expect(value(await handlers['uploads:list'](undefined)).map((p) => p.key)).toEqual([
      'remember/kept.txt',
    ]);
    await queue.idle();
    expect(store.query()).toMatchObject([{ key: 'remember/kept.txt', status: 'done' }]);
  });

  it('reports an unknown bucket, and keeps the plan for a corrected target', async () => {
    const path = await file('a.txt', 10);
    expect(
      value(
        await handlers['targets:check']({ target: target('no-such-bucket'), prefix: 'center' }),
      ),
    ).toMatchObject({
      ok: false,
      problem: {
        code: 'NoSuchBucket',
        message: expect.stringContaining('"no-such-bucket" does not exist'),
      },
    });
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: 'center' }));
    expect(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target('no-such-bucket'),
        acceptWarnings: false,
      }),
    ).toMatchObject({ ok: false, error: { code: 'NoSuchBucket' } });
    expect(store.query()).toEqual([]);
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
      }),
    );
    await queue.idle();
    expect(store.query()[0]?.status).toBe('done');
  });

  it('checks access with the access report, and explains a bucket with ACLs disabled', async () => {
    const report = value(await handlers['targets:check']({ target: target(), prefix: 'center' }));
    expect(report).toMatchObject({
      ok: true,
      target: { bucket: 'lab-bucket', prefix: 'center' },
      credentials: { profile: null, keyIdLast4: 'ting' },
      problem: null,
    });
    expect(report.steps.map((s) => [s.step, s.status])).toContainEqual(['write', 'ok']);
    const enforced = value(
      await handlers['targets:check']({ target: target('owner-enforced'), prefix: 'center' }),
    );
    expect(enforced).toMatchObject({
      ok: false,
      problem: {
        code: 'AccessControlListNotSupported',
        message: expect.stringContaining('Bucket owner preferred'),
      },
    });
    // The probe upload was aborted: nothing is left in the bucket.
    const parts = await testClient(moto.endpoint).send(
      new ListMultipartUploadsCommand({ Bucket: 'lab-bucket' }),
    );
    expect(parts.Uploads ?? []).toEqual([]);
  });

  it('pauses, resumes and cancels one file, and all files', async () => {
    await build({ partConcurrency: 1 });
    const big = await file('big.bin', 8 * PART, 3);
    const other = await file('other.bin', 8 * PART, 4);
    const [a] = await planAndAdd([big]);
    const idA = a?.id as string;
    await until(() => store.completedParts(idA).length >= 1, 'a first part');
    // With one part at a time, the second file waits behind the first.
    const [b] = await planAndAdd([other]);
    const idB = b?.id as string;

    value(await handlers['uploads:pauseAll'](undefined));
    expect(value(await handlers['uploads:list'](undefined)).map((p) => p.status)).toEqual([
      'paused',
      'paused',
    ]);
    const partsAtPause = store.completedParts(idA).length;

    value(await handlers['uploads:resume']({ id: idA }));
    await until(() => store.completedParts(idA).length > partsAtPause, 'another part');
    value(await handlers['uploads:pause']({ id: idA }));
    expect(store.getUpload(idA)?.status).toBe('paused');

    value(await handlers['uploads:resume']({ id: idA }));
    value(await handlers['uploads:cancel']({ id: idB }));
    await queue.idle();
    expect(store.getUpload(idA)?.status).toBe('done');
    expect(store.getUpload(idB)?.status).toBe('cancelled');
    const s3 = testClient(moto.endpoint);
    const keys = async (prefix: string) =>
      (
        await s3.send(new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: prefix }))
      ).Contents?.map((o) => o.Key) ?? [];
    expect(await keys('center/big.bin')).toEqual(['center/big.bin']);
    expect(await keys('center/other.bin')).toEqual([]);
    const multipart = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'lab-bucket' }));
    expect(multipart.Uploads ?? []).toEqual([]);

    value(await handlers['uploads:clearFinished'](undefined));
    expect(value(await handlers['uploads:list'](undefined))).toEqual([]);
    expect(store.query()).toHaveLength(2);
  });

  it('retries failed files and cancels everything on request', async () => {
    const path = await file('vanishing.txt', 100);
    const kept = await file('kept.txt', 100);
    const plan = value(await handlers['uploads:plan']({ paths: [path, kept], prefix: 'center' }));
    await rm(path);
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
      }),
    );
    await queue.idle();
    const [failed] = value(await handlers['uploads:list'](undefined));
    expect(failed).toMatchObject({
      status: 'failed',
      error: {
        code: 'FileMissing',
        message: expect.stringContaining('vanishing.txt no longer exists'),
      },
    });

    await file('vanishing.txt', 100);
    value(await handlers['uploads:retryAll'](undefined));
    await queue.idle();
    expect(store.getUpload(failed?.id as string)?.status).toBe('done');

    await build({ partConcurrency: 1 });
    const big = await file('cancel-me.bin', 6 * PART, 5);
    const [added] = await planAndAdd([big]);
    value(await handlers['uploads:cancelAll'](undefined));
    expect(store.getUpload(added?.id as string)?.status).toBe('cancelled');
  });

  it('carries on with uploads a crash cut short, and leaves paused ones for the user', async () => {
    await build({ partConcurrency: 1 });
    const crashed = await file('crashed.bin', 4 * PART, 6);
    const paused = await file('paused.bin', 4 * PART, 7);
    const [a, b] = await planAndAdd([crashed, paused]);
    await queue.pauseAll();
    moveTo(store, a?.id as string, 'uploading'); // as a crash leaves it

    await build();
    expect(value(await handlers['uploads:list'](undefined))).toMatchObject([
      { id: a?.id },
      { id: b?.id, status: 'paused' },
    ]);
    await queue.idle();
    expect(store.getUpload(a?.id as string)?.status).toBe('done');
    expect(store.getUpload(b?.id as string)?.status).toBe('paused');

    value(await handlers['uploads:resumeAll'](undefined));
    await queue.idle();
    expect(store.getUpload(b?.id as string)?.status).toBe('done');
  });

  it('says so when another Labdrop process owns an upload', async () => {
    const path = await file('owned.bin', 4 * PART, 8);
    const [added] = await planAndAdd([path]);
    const id = added?.id as string;
    await queue.pauseAll();
    // A terminal's `labdrop resume` (a live process: our parent) holds the lock.
    await writeFile(join(dir, 'locks', `${id}.lock`), String(process.ppid));
    expect(await handlers['uploads:resume']({ id })).toMatchObject({
      ok: false,
      error: { code: 'UploadBusy', message: expect.stringContaining(path) },
    });
  });

  it('tells the window when the session expires mid-upload, and resumes after sign-in', async () => {
    let signedIn = true;
    // Short-lived credentials, fetched again for every request.
    const session = async () => {
      if (!signedIn) {
        throw Object.assign(new Error('The SSO session has expired.'), {
          name: 'CredentialsProviderError',
        });
      }
      return {
        accessKeyId: 'testing',
        secretAccessKey: 'testing',
        expiration: new Date(Date.now() + 1000),
      };
    };
    await build({ partConcurrency: 1, credentialsFor: () => session });
    const path = await file('session.bin', 4 * PART, 9);
    const [added] = await planAndAdd([path]);
    const id = added?.id as string;
    await until(() => store.completedParts(id).length >= 1, 'a first part');
    signedIn = false;
    await queue.idle();

    expect(store.getUpload(id)?.status).toBe('paused');
    expect(events.find((e) => e.channel === 'uploads:attention')).toMatchObject({
      payload: { code: 'NoCredentials' },
    });
    signedIn = true;
    value(await handlers['uploads:resumeAll'](undefined));
    // Running again: the row no longer shows the sign-in error.
    expect(value(await handlers['uploads:list'](undefined))[0]).toMatchObject({ error: null });
    await queue.idle();
    expect(store.getUpload(id)?.status).toBe('done');
  });
});

describe('the bucket review through the handlers', () => {
  const md5Of = async (path: string) =>
    createHash('md5')
      .update(await readFile(path))
      .digest('base64');
  const keyed = (prefix: string) =>
    new Map(
      store
        .query({ search: `${prefix}/` })
        .map((r) => [r.key, { status: r.status, verdict: r.bucketCheck?.verdict }]),
    );

  it('says what the bucket has, and adds the files as the user saw them, replacing only what they chose', async () => {
    const s3 = testClient(moto.endpoint);
    const same = await file('same.txt', 1000, 21);
    const changed = await file('changed.txt', 1000, 22);
    const kept = await file('kept.txt', 800, 23);
    const fresh = await file('fresh.txt', 500, 24);
    const put = (Key: string, Body: Buffer) =>
      s3.send(new PutObjectCommand({ Bucket: 'lab-bucket', Key, Body }));
    await put('reviewed/same.txt', await readFile(same));
    await put('reviewed/changed.txt', Buffer.alloc(1000, 7)); // the same size, other bytes
    await put('reviewed/kept.txt', Buffer.alloc(10, 7));

    const plan = value(
      await handlers['uploads:plan']({ paths: [same, changed, kept, fresh], prefix: 'reviewed' }),
    );
    const review = value(
      await handlers['uploads:review']({ planId: plan.planId, target: target() }),
    );
    expect(review).toMatchObject({
      planId: plan.planId,
      new: { count: 1, bytes: 500 },
      identical: { count: 1, bytes: 1000 },
      different: { count: 2, bytes: 1800 },
      queued: { count: 0, bytes: 0 },
      bytesToSend: 500,
      note: null,
    });
    expect(review.differentFiles).toEqual([
      {
        localPath: changed,
        key: 'reviewed/changed.txt',
        size: 1000,
        objectSize: 1000,
        objectModified: expect.any(Number),
        evidence: 'it has no content-md5 to compare',
      },
      {
        localPath: kept,
        key: 'reviewed/kept.txt',
        size: 800,
        objectSize: 10,
        objectModified: expect.any(Number),
        evidence: "its size is 10 bytes, the file's 800",
      },
    ]);
    // A review records nothing.
    expect(store.query({ search: 'reviewed/' })).toEqual([]);

    const reviewedBy = Date.now();
    const added = value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
        replace: ['reviewed/changed.txt'],
      }),
    );
    expect(added.map((p) => [p.key, p.skipped])).toEqual([
      ['reviewed/same.txt', 'identical'],
      ['reviewed/changed.txt', null],
      ['reviewed/kept.txt', 'kept'],
      ['reviewed/fresh.txt', null],
    ]);
    await queue.idle();
    expect(keyed('reviewed')).toEqual(
      new Map([
        ['reviewed/same.txt', { status: 'skipped', verdict: 'identical' }],
        ['reviewed/changed.txt', { status: 'done', verdict: 'replace' }],
        ['reviewed/kept.txt', { status: 'skipped', verdict: 'kept' }],
        ['reviewed/fresh.txt', { status: 'done', verdict: 'new' }],
      ]),
    );
    // Recorded as the review the user saw found them, not looked up again.
    for (const record of store.query({ search: 'reviewed/' })) {
      expect(record.bucketCheck?.checkedAt, record.key).toBeLessThanOrEqual(reviewedBy);
    }
    // In the bucket: the replaced object has the file's bytes; the kept one is untouched.
    const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: 'lab-bucket', Key }));
    expect((await head('reviewed/changed.txt')).Metadata?.['content-md5']).toBe(
      await md5Of(changed),
    );
    expect((await head('reviewed/kept.txt')).ContentLength).toBe(10);
    expect((await head('reviewed/fresh.txt')).Metadata?.['content-md5']).toBe(await md5Of(fresh));
  });

  it('reviews again as it adds when the review on hand was for another place, and replaces all when asked', async () => {
    const s3 = testClient(moto.endpoint);
    const a = await file('elsewhere-a.txt', 300, 31);
    const b = await file('elsewhere-b.txt', 400, 32);
    for (const Key of ['elsewhere/elsewhere-a.txt', 'elsewhere/elsewhere-b.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: 'lab-bucket', Key, Body: Buffer.alloc(5, 1) }));
    }
    const plan = value(await handlers['uploads:plan']({ paths: [a, b], prefix: 'elsewhere' }));
    // Reviewed in another bucket, which has none of them.
    expect(
      value(
        await handlers['uploads:review']({ planId: plan.planId, target: target('owner-enforced') }),
      ),
    ).toMatchObject({ new: { count: 2 }, different: { count: 0 } });
    const before = Date.now();
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
        replace: 'all',
      }),
    );
    await queue.idle();
    expect(keyed('elsewhere')).toEqual(
      new Map([
        ['elsewhere/elsewhere-a.txt', { status: 'done', verdict: 'replace' }],
        ['elsewhere/elsewhere-b.txt', { status: 'done', verdict: 'replace' }],
      ]),
    );
    for (const record of store.query({ search: 'elsewhere/' })) {
      expect(record.bucketCheck?.checkedAt, record.key).toBeGreaterThanOrEqual(before);
    }
    // Without a choice, a different object is kept: this time the bucket has the files.
    const again = value(await handlers['uploads:plan']({ paths: [a, b], prefix: 'elsewhere' }));
    expect(
      value(await handlers['uploads:review']({ planId: again.planId, target: target() })),
    ).toMatchObject({ new: { count: 0 }, identical: { count: 2, bytes: 700 }, bytesToSend: 0 });
    const recorded = value(
      await handlers['uploads:add']({
        planId: again.planId,
        target: target(),
        acceptWarnings: false,
      }),
    );
    expect(recorded.map((p) => [p.status, p.skipped])).toEqual([
      ['skipped', 'identical'],
      ['skipped', 'identical'],
    ]);
  });

  it('says a file already uploading is in the queue, and adds it once', async () => {
    const path = await file('queued-once.bin', PART, 41);
    const { hasher, hashed: letGo } = gatedHasher(pool, (p) => p === path);
    await build({ hasher: recording(hasher) });
    const [first] = await planAndAdd([path], 'queued-once');
    // Held before its hash: unfinished, in the queue.
    expect(store.getUpload(first?.id as string)?.status).toMatch(/^(queued|hashing)$/);

    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: 'queued-once' }));
    expect(
      value(await handlers['uploads:review']({ planId: plan.planId, target: target() })),
    ).toMatchObject({
      new: { count: 0 },
      queued: { count: 1, bytes: PART },
      bytesToSend: 0,
    });
    const added = value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
      }),
    );
    expect(added.map((p) => p.id)).toEqual([first?.id]);
    letGo();
    await queue.idle();
    expect(store.query({ search: 'queued-once/' })).toMatchObject([
      { id: first?.id, status: 'done' },
    ]);
  });

  it('answers a review of a plan it does not hold, or for a bad target, with a value', async () => {
    expect(await handlers['uploads:review']({ planId: 'stale', target: target() })).toMatchObject({
      ok: false,
      error: { code: 'UnknownPlan' },
    });
    const path = await file('nowhere.txt', 10);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: 'nowhere' }));
    expect(
      await handlers['uploads:review']({ planId: plan.planId, target: target('no-such-bucket') }),
    ).toMatchObject({ ok: false, error: { code: 'NoSuchBucket' } });
    expect(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
        replace: [''],
      }),
    ).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
  });
});

describe('keys for Synapse and the synced folders through the handlers', () => {
  const md5Of = async (path: string) =>
    createHash('md5')
      .update(await readFile(path))
      .digest('base64');

  it('renames the held plan’s keys for Synapse, never the files, compares the new keys and uploads there', async () => {
    const s3 = testClient(moto.endpoint);
    const cafe = await file('café #1.txt', 300, 31);
    const plain = await file('plain.txt', 200, 32);
    // Something else already sits at the key the file is renamed to.
    await s3.send(
      new PutObjectCommand({ Bucket: 'lab-bucket', Key: 'renamed/cafe _1.txt', Body: 'x' }),
    );
    const plan = value(await handlers['uploads:plan']({ paths: [cafe, plain], prefix: 'renamed' }));
    expect(plan).toMatchObject({ warningCount: 1, synapseNames: 1, warningsFor: null });
    expect(plan.warnings[0]).toMatchObject({ code: 'synapse-name', key: 'renamed/café #1.txt' });
    const before = value(
      await handlers['uploads:review']({ planId: plan.planId, target: target() }),
    );
    expect(before).toMatchObject({ new: { count: 2 }, different: { count: 0 } });

    const renamed = value(await handlers['uploads:renameForSynapse']({ planId: plan.planId }));
    expect(renamed.renames).toEqual([{ from: 'renamed/café #1.txt', to: 'renamed/cafe _1.txt' }]);
    expect(renamed.renameCount).toBe(1);
    const { summary } = renamed;
    expect(summary.planId).not.toBe(plan.planId);
    expect(summary.files.map((f) => [f.localPath, f.key])).toEqual([
      [cafe, 'renamed/cafe _1.txt'],
      [plain, 'renamed/plain.txt'],
    ]);
    expect(summary).toMatchObject({ warningCount: 0, synapseNames: 0, problems: [] });
    // The plan under its old keys, and what was compared for them, are gone.
    expect(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'UnknownPlan' } });
    const after = value(
      await handlers['uploads:review']({ planId: summary.planId, target: target() }),
    );
    expect(after).toMatchObject({ new: { count: 1 }, different: { count: 1 } });
    expect(after.differentFiles.map((f) => f.key)).toEqual(['renamed/cafe _1.txt']);

    value(
      await handlers['uploads:add']({
        planId: summary.planId,
        target: target(),
        acceptWarnings: false,
        replace: ['renamed/cafe _1.txt'],
      }),
    );
    await queue.idle();
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'renamed/cafe _1.txt' }),
    );
    expect(head.Metadata?.['content-md5']).toBe(await md5Of(cafe));
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'lab-bucket', Prefix: 'renamed/' }),
    );
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([
      'renamed/cafe _1.txt',
      'renamed/plain.txt',
    ]);
    // The file keeps its name.
    expect((await readFile(cafe)).length).toBe(300);
    expect(store.query({ search: 'renamed/' }).map((r) => [r.localPath, r.key])).toEqual(
      expect.arrayContaining([[cafe, 'renamed/cafe _1.txt']]),
    );
  });

  it('makes a rename that sends two files to one key a problem, the key a user chose keeping its file', async () => {
    const accented = await file('café.txt', 10, 33);
    const plain = await file('cafe.txt', 10, 34);
    const plan = value(
      await handlers['uploads:plan']({ paths: [accented, plain], prefix: 'collide' }),
    );
    const { summary, renames } = value(
      await handlers['uploads:renameForSynapse']({ planId: plan.planId }),
    );
    expect(renames).toEqual([]);
    expect(summary.files.map((f) => f.localPath)).toEqual([plain]);
    expect(summary.problems).toEqual([
      `${plain} and ${accented} would both be uploaded as "collide/cafe.txt". Rename one of them, or upload them to different folders.`,
    ]);
  });

  it('warns about keys outside the folders a saved target’s profile syncs, and adds them only as confirmed', async () => {
    chosenJson = join(dir, 'synced.json');
    await writeFile(
      chosenJson,
      profileToJson({
        name: 'synced',
        fullControlIds: [GRANTEE_A as string],
        md5MetadataKey: 'content-md5',
        syncedFolders: ['raw-data'],
      }),
    );
    value(await handlers['profiles:importJson']({}));
    const saved = value(
      await handlers['targets:add']({
        ...target(),
        prefix: 'results',
        submissionProfile: 'synced',
      }),
    );
    const path = await file('table.csv', 100);
    const add = (planId: string, acceptWarnings: boolean) =>
      handlers['uploads:add']({
        planId,
        target: target(),
        acceptWarnings,
        savedTargetId: saved.id,
      });

    // Planned before the saved target was chosen: the queue's profile syncs every folder.
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: 'results' }));
    expect(plan).toMatchObject({ warningCount: 0, warningsFor: null });
    expect(await add(plan.planId, false)).toMatchObject({
      ok: false,
      error: { code: 'WarningsNotAccepted' },
    });
    // Confirming is no answer to warnings the window was never shown.
    expect(await add(plan.planId, true)).toMatchObject({
      ok: false,
      error: { code: 'WarningsChanged' },
    });
    const warned = value(
      await handlers['uploads:warnings']({ planId: plan.planId, savedTargetId: saved.id }),
    );
    expect(warned).toMatchObject({ planId: plan.planId, warningsFor: saved.id, warningCount: 1 });
    expect(warned.warnings[0]).toMatchObject({ code: 'unsynced-folder', key: 'results/table.csv' });
    expect(warned.warnings[0]?.message).toContain('raw-data');
    // Planned for the saved target from the start: the same warnings.
    const direct = value(
      await handlers['uploads:plan']({ paths: [path], prefix: 'results', savedTargetId: saved.id }),
    );
    expect(direct.warnings).toEqual(warned.warnings);

    expect(await add(plan.planId, false)).toMatchObject({
      ok: false,
      error: { code: 'WarningsNotAccepted' },
    });
    value(await add(plan.planId, true));
    await queue.idle();
    expect(store.query({ search: 'results/' })).toMatchObject([
      { key: 'results/table.csv', status: 'done', submissionProfile: 'synced' },
    ]);
  });
});

describe('credentials, targets and profiles through the handlers', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1';
  const KEY_ID = 'AKIAIOSFODNN7LABWXYZ';

  it('stores keys encrypted, answers only with a summary, and uploads with them', async () => {
    expect(value(await handlers['credentials:storageProblem'](undefined))).toBeNull();
    const saved = value(
      await handlers['credentials:saveKeys']({
        name: 'lab-keys',
        accessKeyId: KEY_ID,
        secretAccessKey: SECRET,
        region: 'us-east-1',
      }),
    );
    expect(saved).toMatchObject({ name: 'lab-keys', keyIdLast4: 'WXYZ', region: 'us-east-1' });
    expect(keychain.encrypted).toBe(1);

    const choices = value(await handlers['credentials:choices'](undefined));
    expect(choices).toContainEqual(
      expect.objectContaining({ name: 'lab-keys', source: 'app', keyIdLast4: 'WXYZ' }),
    );
    const summary = value(await handlers['credentials:summary']({ profile: 'lab-keys' }));
    expect(summary).toMatchObject({ profile: 'lab-keys', kind: 'app-keys', keyIdLast4: 'WXYZ' });

    // The window's check and the upload sign with the same stored keys.
    const withKeys = { ...target(), awsProfile: 'lab-keys' };
    const report = value(await handlers['targets:check']({ target: withKeys, prefix: 'center' }));
    expect(report).toMatchObject({
      ok: true,
      credentials: { kind: 'app-keys', keyIdLast4: 'WXYZ' },
    });
    const path = await file('with-keys.txt', 100);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: 'center' }));
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: withKeys,
        acceptWarnings: false,
      }),
    );
    await queue.idle();
    expect(store.query()[0]).toMatchObject({ status: 'done', awsProfile: 'lab-keys' });

    // No answer and no byte of the database carries the secret or the whole key ID.
    const answers = JSON.stringify([saved, choices, summary, report, store.query()]);
    expect(answers).not.toContain(SECRET);
    expect(answers).not.toContain(KEY_ID);
    const database = await readFile(join(dir, 'labdrop.db'));
    expect(database.includes(SECRET)).toBe(false);

    expect(value(await handlers['credentials:signedIn']({ profile: 'lab-keys' }))).toBeNull();
    expect(value(await handlers['credentials:removeKeys']({ name: 'lab-keys' }))).toBe(true);
    expect(value(await handlers['credentials:choices'](undefined))).not.toContainEqual(
      expect.objectContaining({ name: 'lab-keys' }),
    );
  });

  it('refuses to store keys where the keychain is plain text, and says why', async () => {
    await build({
      secrets: testKeychain({ backend: 'basic_text' }),
      credentials: { platform: 'linux' },
    });
    expect(value(await handlers['credentials:storageProblem'](undefined))).toMatch(/plain text/);
    const refused = await handlers['credentials:saveKeys']({
      name: 'lab-keys',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'KeychainUnavailable' } });
    expect(JSON.stringify(refused)).not.toContain(SECRET);
  });

  it('lists buckets and folders, and names a new folder', async () => {
    const s3 = testClient(moto.endpoint);
    for (const key of ['browse/study-1/r1.fastq', 'browse/study-2/r1.fastq', 'browse/top.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: 'lab-bucket', Key: key, Body: 'x' }));
    }
    const { endpoint, region, awsProfile } = target();
    const source = { endpoint, region, awsProfile };
    const buckets = value(await handlers['targets:listBuckets']({ source }));
    expect(buckets.allowed && buckets.buckets.map((b) => b.name)).toContain('lab-bucket');
    expect(
      value(await handlers['targets:listFolders']({ target: target(), prefix: 'browse' })),
    ).toMatchObject({
      bucket: 'lab-bucket',
      prefix: 'browse/',
      folders: ['browse/study-1/', 'browse/study-2/'],
      fileCount: 1,
    });
    expect(
      value(await handlers['targets:newFolder']({ parent: 'center/', name: 'run-3' })),
    ).toEqual({ prefix: 'center/run-3/', warnings: [] });
  });

  it('saves targets, and records the saved target’s Synapse folder with each upload', async () => {
    const saved = value(
      await handlers['targets:add']({
        name: 'Study one',
        ...target(),
        prefix: 'center/study-1',
        synapseId: 'syn123456',
      }),
    );
    expect(saved).toMatchObject({ prefix: 'center/study-1/', synapseId: 'syn123456' });
    expect(value(await handlers['targets:list'](undefined))).toEqual([saved]);
    const renamed = value(
      await handlers['targets:update']({ id: saved.id, patch: { name: 'Study 1' } }),
    );
    expect(renamed.name).toBe('Study 1');

    const path = await file('study.txt', 10);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: saved.prefix }));
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
        savedTargetId: saved.id,
      }),
    );
    await queue.idle();
    expect(store.query()[0]).toMatchObject({ status: 'done', synapseId: 'syn123456' });
    expect(value(await handlers['targets:list'](undefined))[0]?.lastUsedAt).not.toBeNull();

    expect(value(await handlers['targets:markUsed']({ id: saved.id }))).toBeNull();
    expect(await handlers['targets:markUsed']({ id: 'nope' })).toMatchObject({ ok: false });
    expect(value(await handlers['targets:remove']({ id: saved.id }))).toBe(true);
    expect(value(await handlers['targets:list'](undefined))).toEqual([]);
  });

  it('uploads through a saved target under that target’s submission profile', async () => {
    chosenJson = join(dir, 'other.json');
    const other = { name: 'other', fullControlIds: [GRANTEE_A as string], md5MetadataKey: 'md5' };
    await writeFile(chosenJson, profileToJson(other));
    value(await handlers['profiles:importJson']({}));
    const saved = value(
      await handlers['targets:add']({ ...target(), prefix: 'other', submissionProfile: 'other' }),
    );
    const path = await file('other.txt', 10);
    const plan = value(await handlers['uploads:plan']({ paths: [path], prefix: saved.prefix }));
    value(
      await handlers['uploads:add']({
        planId: plan.planId,
        target: target(),
        acceptWarnings: false,
        savedTargetId: saved.id,
      }),
    );
    await queue.idle();
    const [record] = store.query();
    expect(record).toMatchObject({
      status: 'done',
      submissionProfile: 'other',
      grants: `id=${GRANTEE_A}`,
    });
    const head = await testClient(moto.endpoint).send(
      new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'other/other.txt' }),
    );
    expect(head.Metadata).toEqual({ md5: record?.md5Base64 });
  });

  it('imports, exports and removes submission profiles through main’s dialogs', async () => {
    const profiles = value(await handlers['profiles:list'](undefined));
    expect(profiles).toEqual([
      expect.objectContaining({ name: 'center', builtIn: true, isDefault: true }),
    ]);
    chosenJson = join(dir, 'lab.json');
    await writeFile(
      chosenJson,
      profileToJson({ name: 'lab', fullControlIds: [GRANTEE_A as string], md5MetadataKey: 'md5' }),
    );
    expect(value(await handlers['profiles:importJson']({}))).toMatchObject({
      name: 'lab',
      builtIn: false,
    });
    const exported = value(await handlers['profiles:exportJson']({ name: 'lab' }));
    expect(exported.path).toBe(join(dir, 'lab.labdrop-profile.json'));
    expect(JSON.parse(await readFile(exported.path as string, 'utf8'))).toMatchObject({
      format: 'labdrop-submission-profile',
    });
    expect(await handlers['profiles:remove']({ name: 'center' })).toMatchObject({
      ok: false,
      error: { code: 'ProfileReadOnly' },
    });
    expect(value(await handlers['profiles:remove']({ name: 'lab' }))).toBe(true);

    await writeFile(chosenJson, '{"format":"something-else"}');
    expect(await handlers['profiles:importJson']({})).toMatchObject({
      ok: false,
      error: { code: 'BadProfile' },
    });
    chosenJson = null;
    expect(value(await handlers['profiles:importJson']({}))).toBeNull();
  });
});

describe('history and settings', () => {
  it('exports what the filter selects as CSV or JSON, to the path the user chose', async () => {
    await planAndAdd([await file('one.txt', 10), await file('two.txt', 20)]);
    await queue.idle();
    const csv = value(
      await handlers['history:export']({ format: 'csv', filter: { search: 'one' } }),
    );
    expect(csv.rows).toBe(1);
    const text = await readFile(csv.path as string, 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^id,local_path,size,md5_hex,md5_base64,bucket,key/);
    expect(text).toContain('center/one.txt');
    expect(text).not.toContain('center/two.txt');

    const json = value(await handlers['history:export']({ format: 'json', filter: {} }));
    const rows = JSON.parse(await readFile(json.path as string, 'utf8')) as Array<{ key: string }>;
    expect(rows.map((r) => r.key).sort()).toEqual(['center/one.txt', 'center/two.txt']);

    savedTo = null;
    expect(value(await handlers['history:export']({ format: 'csv', filter: {} }))).toEqual({
      path: null,
      rows: 0,
    });
  });

  it('filters history by status and search', async () => {
    await planAndAdd([await file('keep.txt', 10), await file('drop.txt', 10)]);
    await queue.idle();
    const drop = store.query({ search: 'drop' })[0];
    writeStatus(store, drop?.id as string, 'failed');
    expect(
      value(await handlers['history:query']({ status: 'failed' })).rows.map((r) => r.key),
    ).toEqual(['center/drop.txt']);
    expect(value(await handlers['history:query']({ search: 'KEEP' })).rows).toHaveLength(1);
    // A page at a time: the next one from the cursor the first answered with.
    const first = value(await handlers['history:query']({ limit: 1 }));
    expect(first).toMatchObject({ total: { count: 2, exact: true } });
    expect(first.next).not.toBeNull();
    const second = value(
      await handlers['history:query']({ limit: 1, ...(first.next ? { after: first.next } : {}) }),
    );
    expect(second).toMatchObject({ next: null, total: null });
    expect([...first.rows, ...second.rows].map((r) => r.key)).toEqual(
      store.query().map((r) => r.key),
    );
  });

  it('saves settings, applies concurrency at once and the part size after a restart', async () => {
    // Started with the saved part size, as the app starts.
    await build({ partSizeMiB: undefined });
    expect(value(await handlers['settings:get'](undefined))).toEqual({
      settings: { partConcurrency: 8, partSizeMiB: 8, maxRate: null, target: null },
      restartNeeded: false,
    });
    const view = value(
      await handlers['settings:set']({ partConcurrency: 3, partSizeMiB: 16, maxRate: 40_000_000 }),
    );
    expect(view).toEqual({
      settings: { partConcurrency: 3, partSizeMiB: 16, maxRate: 40_000_000, target: null },
      restartNeeded: true,
    });
    expect(SettingsFile.open(join(dir, 'settings.json')).get()).toMatchObject({
      partConcurrency: 3,
      maxRate: 40_000_000,
    });
    // A limit under the lowest one is refused in words, and the saved one stays.
    const refused = await handlers['settings:set']({ maxRate: 1_000 });
    expect(refused).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('the bandwidth limit') },
    });
    expect(SettingsFile.open(join(dir, 'settings.json')).get().maxRate).toBe(40_000_000);
  });
});
