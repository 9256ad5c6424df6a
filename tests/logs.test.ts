// Issue 17: the log a lab sends the center (labdrop.log), and the diagnostics.
// The real engine against moto, the fault proxy for a retry, and the built CLI.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadRecord } from '../shared/types';
import { createAppCore } from '../electron/app/core';
import { HashPool } from '../electron/engine/hash-pool';
import type { UploadQueue } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { openActivityLog, type ActivityLog } from '../electron/services/activity-log';
import { HASH_WORKER } from './helpers/build';
import { cliEnv, startCli } from './helpers/cli';
import { testKeychain } from './helpers/keychain';
import { gatedHasher, TEST_PART_SIZE, testQueue } from './helpers/engine';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy';
import { createBucket, startMoto, TEST_CREDENTIALS, testClient, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const BUCKET = 'log-bucket';
/** A line as labdrop.log has it: UTC time, level, which Labdrop and its process, the text. */
const LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(info|warn|error)\] +(app|cli)\[\d+\] (.*)$/;

let moto: Moto;
let faults: FaultProxy;
let pool: HashPool;
let dir: string;
let store: Store;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  faults = await startFaultProxy(moto.endpoint);
  await createBucket(moto.endpoint, BUCKET);
  pool = new HashPool({ threads: 1, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await faults?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-logs-'));
  store = Store.open(join(dir, 'labdrop.db'));
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

interface Line {
  at: string;
  level: string;
  text: string;
}

async function lines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = LINE.exec(line);
      if (!match) throw new Error(`not a log line: ${line}`);
      return { at: match[1] as string, level: match[2] as string, text: match[4] as string };
    });
}

async function uploadThrough(
  log: ActivityLog,
  queue: UploadQueue,
  path: string,
  endpoint: string,
): Promise<UploadRecord> {
  const stop = log.follow(queue);
  try {
    const [record] = await queue.add(await planUpload([path], 'logs'), {
      bucket: BUCKET,
      endpoint,
      region: 'us-east-1',
      awsProfile: null,
    });
    await queue.idle();
    return record as UploadRecord;
  } finally {
    stop();
    log.flush();
  }
}

describe('labdrop.log', () => {
  it('shows a real upload step by step, with its ID and timestamps', async () => {
    const log = openActivityLog({ home: dir, source: 'app' });
    const path = await writeTestFile(dir, 'files/a.bin', 2 * TEST_PART_SIZE + 17, 3);
    const record = await uploadThrough(log, testQueue(store, pool), path, moto.endpoint);
    await expectObjectMatches(moto.endpoint, BUCKET, 'logs/a.bin', path);
    expect(log.path).toBe(join(dir, 'logs', 'labdrop.log'));

    const mine = (await lines(log.path)).filter((l) => l.text.startsWith(`upload ${record.id} `));
    const steps = mine.map((l) => l.text.slice(`upload ${record.id} `.length).split(/[:,]/)[0]);
    expect(steps).toEqual([
      'added (queued)',
      'queued -> queued (recover)',
      'queued -> hashing (hash)',
      'hashing -> uploading (upload)',
      'uploading -> verifying (verify)',
      'verifying -> done (finish)',
    ]);
    // What went where, once, at the start of the run.
    expect(mine[1]?.text).toContain(`${path} (${2 * TEST_PART_SIZE + 17} bytes)`);
    expect(mine[1]?.text).toContain(`s3://${BUCKET}/logs/a.bin at ${moto.endpoint}`);
    // The ETag the bucket has, for the center to match.
    const head = await testClient(moto.endpoint).send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'logs/a.bin' }),
    );
    expect(mine.at(-1)?.text).toContain(`ETag ${head.ETag}`);
    expect(mine[3]?.text).toContain(`MD5 ${head.Metadata?.['content-md5']} (base64)`);
    // Real times, in order, and recent.
    const times = mine.map((l) => Date.parse(l.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Date.now() - (times[0] as number)).toBeLessThan(60_000);
  });

  it('logs a retry: a connection reset part-way through a part', async () => {
    const log = openActivityLog({ home: dir, source: 'app' });
    const path = await writeTestFile(dir, 'files/b.bin', 2 * TEST_PART_SIZE + 5, 4);
    faults.faults = [{ kind: 'reset', afterBytes: 1024 * 1024 }];
    faults.applied = [];
    const record = await uploadThrough(log, testQueue(store, pool), path, faults.endpoint);
    expect(faults.applied).toHaveLength(1);
    expect(store.getUpload(record.id)?.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'logs/b.bin', path);

    const retries = (await lines(log.path)).filter((l) =>
      l.text.startsWith(`upload ${record.id} retry`),
    );
    expect(retries).toHaveLength(1);
    expect(retries[0]?.level).toBe('warn');
    expect(retries[0]?.text).toMatch(/retry after attempt 1 in \d+\.\d s: \w+: \S/);
  });

  it('logs why an upload failed, as an error', async () => {
    const log = openActivityLog({ home: dir, source: 'app' });
    const path = await writeTestFile(dir, 'files/gone.bin', 1000, 6);
    // The file goes away between the plan and its hashing.
    const gate = gatedHasher(pool);
    const queue = testQueue(store, gate.hasher);
    const stop = log.follow(queue);
    const [record] = await queue.add(await planUpload([path], 'logs'), {
      bucket: BUCKET,
      endpoint: moto.endpoint,
      region: 'us-east-1',
      awsProfile: null,
    });
    await rm(path);
    gate.hashed();
    await queue.idle();
    stop();
    log.flush();
    const failed = store.getUpload((record as UploadRecord).id);
    expect(failed?.status).toBe('failed');
    const last = (await lines(log.path)).at(-1);
    expect(last?.level).toBe('error');
    expect(last?.text).toBe(
      `upload ${failed?.id} hashing -> failed (fail): ${failed?.lastError?.code}: ${failed?.lastError?.message}`,
    );
  });

  it('rotates at the size limit into labdrop.old.log, losing no line between the two', async () => {
    const maxBytes = 4096;
    const log = openActivityLog({ home: dir, source: 'cli', maxBytes });
    // Each line a moment of its own: a burst of lines goes in one write.
    for (let i = 0; i < 200; i++) {
      log.note(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
      log.flush();
    }
    const old = join(dir, 'logs', 'labdrop.old.log');
    const current = await lines(log.path);
    const archived = await lines(old);
    expect((await stat(log.path)).size).toBeLessThanOrEqual(maxBytes + 200);
    expect((await stat(old)).size).toBeGreaterThan(maxBytes);
    const number = (l: Line | undefined) => Number(/line (\d+)/.exec(l?.text ?? '')?.[1]);
    expect(number(current.at(-1))).toBe(199);
    expect(number(current[0])).toBe(number(archived.at(-1)) + 1);
  });

  it('is not rotated again by a process whose count is stale (the app and the CLI share it)', async () => {
    const maxBytes = 4096;
    const log = openActivityLog({ home: dir, source: 'app', maxBytes });
    while (!existsSync(log.path) || (await stat(log.path)).size < maxBytes - 200) {
      log.note(`app line ${'y'.repeat(40)}`);
      log.flush();
    }
    // The other process rotates it and writes a line of its own.
    const old = join(dir, 'logs', 'labdrop.old.log');
    await rename(log.path, old);
    const archive = await readFile(old, 'utf8');
    await writeFile(log.path, 'the command line wrote this\n');
    for (let i = 0; i < 5; i++) log.note(`app goes on ${i}`);
    log.flush();
    expect(await readFile(old, 'utf8')).toBe(archive);
    const text = await readFile(log.path, 'utf8');
    expect(text).toContain('the command line wrote this');
    expect(text).toContain('app goes on 4');
  });
});

describe('Settings: Open log folder and Copy diagnostics', () => {
  it('open the log folder main writes, say why it would not open, and copy the diagnostics', async () => {
    const opened: string[] = [];
    const copied: string[] = [];
    let refusal = '';
    const core = await createAppCore({
      dataDir: join(dir, 'app'),
      secrets: testKeychain(),
      version: '9.9.9-test',
      hasher: pool,
      openPaths: async () => [],
      openJsonFile: async () => null,
      savePath: async () => null,
      broadcast: () => undefined,
      openFolder: async (path) => {
        opened.push(path);
        return refusal;
      },
      copyText: (text) => copied.push(text),
    });
    try {
      const folder = join(dir, 'app', 'logs');
      expect(await core.handlers['logs:openFolder'](undefined)).toEqual({
        ok: true,
        value: folder,
      });
      expect(opened).toEqual([folder]);
      // The app noted its start there.
      expect((await lines(core.log.path)).at(-1)?.text).toBe('Labdrop 9.9.9-test started');

      refusal = 'No application knows how to open it';
      expect(await core.handlers['logs:openFolder'](undefined)).toEqual({
        ok: false,
        error: {
          code: 'OpenFailed',
          message: `Labdrop could not open the log folder (${refusal}). Open ${folder} yourself.`,
        },
      });

      const answer = await core.handlers['diagnostics:copy'](undefined);
      expect(answer.ok && answer.value).toBe(copied[0]);
      expect(copied[0]).toContain('Labdrop     9.9.9-test (the app)');
      expect(copied[0]).toContain(`Log         ${core.log.path}`);
      expect(copied[0]).toContain('Last access check\n  (none yet)');
    } finally {
      await core.dispose();
    }
  });
});

describe('labdrop diagnose', () => {
  it('prints versions, settings, targets and the last access check, and no secret', async () => {
    const home = join(dir, 'home');
    await mkdir(home, { recursive: true });
    // A setting with a password in it (a proxy's), as a newer Labdrop might save.
    await writeFile(
      join(home, 'settings.json'),
      JSON.stringify({
        partConcurrency: 4,
        partSizeMiB: 16,
        proxy: 'http://lab:hunter2@proxy:3128',
      }),
    );
    const env = cliEnv(dir, home, { AWS_SESSION_TOKEN: 'planted-session-token-0123456789' });
    const labdrop = (args: string[]) => startCli(args, { env }).done;
    const added = await labdrop([
      'targets',
      'add',
      'lab-main',
      '--bucket',
      BUCKET,
      '--prefix',
      'study',
      '--endpoint',
      moto.endpoint,
    ]);
    expect(added.code).toBe(0);
    expect((await labdrop(['check', '--target', 'lab-main'])).code).toBe(0);
    const path = await writeTestFile(dir, 'files/c.txt', 1000, 5);
    expect((await labdrop(['upload', path, '--target', 'lab-main'])).code).toBe(0);

    const text = await labdrop(['diagnose']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Labdrop     0.1.0 (the command line)');
    expect(text.stdout).toContain(`Node        ${process.versions.node}`);
    expect(text.stdout).toContain(`Log         ${join(home, 'logs', 'labdrop.log')}`);
    expect(text.stdout).toContain('"partSizeMiB": 16');
    expect(text.stdout).toContain('http://lab:***@proxy:3128');
    expect(text.stdout).toContain(`lab-main: s3://${BUCKET}/study/ (endpoint ${moto.endpoint}`);
    expect(text.stdout).toMatch(
      new RegExp(
        `Z: s3://${BUCKET}/study/ at \\S+ as the default credentials: an upload will work`,
      ),
    );
    expect(text.stdout).toContain('Keys stored by Labdrop: none');
    expect(text.stdout).toContain('AWS_ACCESS_KEY_ID=set');

    const json = await labdrop(['diagnose', '--json']);
    const parsed = JSON.parse(json.stdout) as {
      versions: { labdrop: string; runningAs: string };
      targets: Array<{ name: string }>;
      lastAccessCheck: { report: { ok: boolean; target: { bucket: string } } };
    };
    expect(parsed.versions).toMatchObject({ labdrop: '0.1.0', runningAs: 'cli' });
    expect(parsed.targets.map((t) => t.name)).toEqual(['lab-main']);
    expect(parsed.lastAccessCheck.report).toMatchObject({ ok: true, target: { bucket: BUCKET } });

    // The command line's log: the check and the upload, each line from `cli`.
    const log = await lines(join(home, 'logs', 'labdrop.log'));
    expect(
      log.some((l) => /^access check s3:\/\/log-bucket\/study\/ .*will work$/.test(l.text)),
    ).toBe(true);
    expect(log.some((l) => /^upload [0-9a-f-]{36} verifying -> done/.test(l.text))).toBe(true);

    for (const output of [text.stdout, json.stdout, JSON.stringify(log)]) {
      expect(output).not.toContain('hunter2');
      expect(output).not.toContain('planted-session-token');
      expect(output).not.toContain(`=${TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY}`);
    }
  });
});
