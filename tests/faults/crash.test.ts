import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB } from '../../shared/parts';
import { Store } from '../../electron/engine/store';
import { cliEnv, startCli, type Run } from '../helpers/cli';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  testClient,
  uploadPartRequests,
  type Moto,
  type RecordingProxy,
} from '../helpers/moto';
import { readObject, writeTestFile } from '../helpers/objects';
import { recordFault } from './report';

const BUCKET = 'crash-bucket';
const TRIALS = Number(process.env.FAULT_TRIALS ?? 12);

let moto: Moto;
let proxy: RecordingProxy;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  await createBucket(moto.endpoint, BUCKET);
});

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

interface Trial {
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  files: Array<{ path: string; key: string }>;
}

async function newTrial(name: string): Promise<Trial> {
  const dir = await mkdtemp(join(tmpdir(), `labdrop-${name}-`));
  const home = join(dir, 'home');
  const study = join(dir, name);
  const sizes = [1024, 3 * 5 * MiB - 11, 8 * 5 * MiB + 5];
  const files = [];
  for (const [i, size] of sizes.entries()) {
    const path = await writeTestFile(study, `file-${i}.bin`, size, i + name.length);
    files.push({ path, key: `${name}/${name}/file-${i}.bin` });
  }
  return { dir, home, env: cliEnv(dir, home), files };
}

function upload(trial: Trial, name: string, endpoint = proxy.endpoint, prefix = name) {
  return startCli(
    [
      'upload',
      join(trial.dir, name),
      '--bucket',
      BUCKET,
      '--endpoint',
      endpoint,
      '--prefix',
      prefix,
      '--part-size',
      '5',
      '--concurrency',
      '2',
    ],
    { env: trial.env },
  );
}

function resume(trial: Trial): Promise<Run> {
  return startCli(['resume', '--all'], { env: trial.env }).done;
}

/** Reads the state database as another process would, while the CLI writes it. */
function statuses(home: string): string[] {
  try {
    const db = new Database(join(home, 'labdrop.db'), { readonly: true, timeout: 2000 });
    try {
      return (db.prepare('SELECT status FROM uploads').all() as Array<{ status: string }>).map(
        (r) => r.status,
      );
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/** Files whose object has the right bytes and content-md5; the rest are corrupt or missing. */
async function check(trial: Trial): Promise<{ completed: number; corrupt: number }> {
  let completed = 0;
  let corrupt = 0;
  const client = testClient(moto.endpoint);
  for (const { path, key } of trial.files) {
    const local = await readFile(path);
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      const remote = await readObject(moto.endpoint, BUCKET, key);
      const md5 = createHash('md5').update(local).digest('base64');
      if (remote.equals(local) && head.Metadata?.['content-md5'] === md5) completed++;
      else corrupt++;
    } catch {
      // not there: counted as not completed
    }
  }
  return { completed, corrupt };
}

/** UploadPart requests beyond one per part, for this trial's keys. */
function partsResent(trial: Trial, from: number): number {
  const counts = new Map<string, number>();
  for (const r of uploadPartRequests(proxy.requests.slice(from))) {
    const path = decodeURIComponent(r.url.split('?')[0] ?? '');
    if (!trial.files.some((f) => path.endsWith(`/${f.key}`))) continue;
    const id = `${path}#${new URL(r.url, 'http://x').searchParams.get('partNumber')}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let resent = 0;
  for (const n of counts.values()) {
    expect(n).toBeLessThanOrEqual(2);
    resent += n - 1;
  }
  return resent;
}

describe('SIGKILL at random points, then `labdrop resume`', () => {
  it(`finishes every file in ${TRIALS} trials, completing nothing corrupt`, async () => {
    const phases = new Map<string, number>();
    let files = 0;
    let completed = 0;
    let corrupt = 0;
    let resent = 0;
    for (let t = 0; t < TRIALS; t++) {
      const name = `crash${t}`;
      const trial = await newTrial(name);
      const from = proxy.requests.length;
      const { child, done } = upload(trial, name);
      // Wait until the batch is recorded, then kill after a random delay that
      // lands while hashing, mid-part, or between completion and verification.
      while (statuses(trial.home).length < 3) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 600));
      const phase = [...new Set(statuses(trial.home))].sort().join('+');
      child.kill('SIGKILL');
      await done;
      phases.set(phase, (phases.get(phase) ?? 0) + 1);

      const run = await resume(trial);
      expect(run.stderr).not.toMatch(/failed/);
      expect([0]).toContain(run.code ?? -1);
      const result = await check(trial);
      expect(result).toEqual({ completed: 3, corrupt: 0 });

      // The history agrees with the bucket.
      const store = Store.open(join(trial.home, 'labdrop.db'));
      const rows = store.query();
      store.close();
      expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done']);

      files += 3;
      completed += result.completed;
      corrupt += result.corrupt;
      resent += partsResent(trial, from);
      await rm(trial.dir, { recursive: true, force: true });
    }
    recordFault({
      fault: 'CLI killed with SIGKILL at a random point, then `labdrop resume --all`',
      trials: TRIALS,
      files,
      filesCompleted: completed,
      corruptObjects: corrupt,
      partsResent: resent,
      notes: `states at the kill: ${[...phases].map(([p, n]) => `${p} ×${n}`).join(', ')}`,
    });
  });
});

describe('the S3 endpoint dies mid-part and comes back', () => {
  it('retries through the outage and completes with the right bytes', async () => {
    const name = 'outage';
    const trial = await newTrial(name);
    // A front end of its own that can be killed and restarted on the same port.
    let front = await startRecordingProxy(moto.endpoint);
    const port = Number(new URL(front.endpoint).port);
    const { done } = upload(trial, name, front.endpoint);
    const deadline = Date.now() + 30_000;
    while (uploadPartRequests(front.requests).length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await front.stop(); // connections reset; new ones refused
    await new Promise((r) => setTimeout(r, 2_000));
    front = await startRecordingProxy(moto.endpoint, port);
    const run = await done;
    await front.stop();
    expect(run.code).toBe(0);
    const result = await check(trial);
    expect(result).toEqual({ completed: 3, corrupt: 0 });
    recordFault({
      fault: 'S3 endpoint killed mid-part, back after 2 s (state kept)',
      trials: 1,
      files: 3,
      filesCompleted: result.completed,
      corruptObjects: result.corrupt,
      partsResent: 0,
      notes: 'retried with backoff; no file failed',
    });
    await rm(trial.dir, { recursive: true, force: true });
  });
});

describe('the state database cannot be written', () => {
  it('locked by another process: a clear error naming it, and nothing recorded is lost', async () => {
    const name = 'locked';
    const trial = await newTrial(name);
    expect((await upload(trial, name).done).code).toBe(0);
    const holder = new Database(join(trial.home, 'labdrop.db'));
    holder.exec('BEGIN EXCLUSIVE');
    const run = await upload(trial, name, proxy.endpoint, 'again').done;
    holder.exec('ROLLBACK');
    holder.close();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(join(trial.home, 'labdrop.db'));
    expect(run.stderr).toMatch(/locked|busy/i);
    expect(run.stderr).not.toMatch(/Upload of/);
    const after = await startCli(['history', '--json'], { env: trial.env }).done;
    expect(JSON.parse(after.stdout)).toHaveLength(3);
    recordFault({
      fault: 'State database locked by another process',
      trials: 1,
      files: 3,
      filesCompleted: 3,
      corruptObjects: 0,
      partsResent: 0,
      notes: 'clear error naming the database; the 3 recorded uploads intact',
    });
    await rm(trial.dir, { recursive: true, force: true });
  });

  it.skipIf(process.getuid?.() !== 0)(
    'disk full: a clear error, and the recorded state survives',
    async () => {
      const name = 'diskfull';
      const trial = await newTrial(name);
      await mkdir(trial.home, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', trial.home]);
      try {
        // Fill the disk with history until it is full, then upload.
        const first = await upload(trial, name).done;
        expect(first.code).toBe(0);
        execFileSync('sh', [
          '-c',
          `dd if=/dev/zero of=${join(trial.home, 'filler')} bs=4k 2>/dev/null || true`,
        ]);
        const run = await upload(trial, name, proxy.endpoint, 'again').done;
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(/disk is full|full/i);
        expect(run.stderr).toContain(trial.home);
        await rm(join(trial.home, 'filler'));
        const after = await startCli(['history', '--json'], { env: trial.env }).done;
        const rows = JSON.parse(after.stdout) as Array<{ key: string; status: string }>;
        expect(
          rows
            .filter((r) => r.status === 'done')
            .map((r) => r.key)
            .sort(),
        ).toEqual(trial.files.map((f) => f.key).sort());
        recordFault({
          fault: 'Disk full under the state database',
          trials: 1,
          files: 3,
          filesCompleted: 3,
          corruptObjects: 0,
          partsResent: 0,
          notes: 'clear error naming the folder; earlier history intact',
        });
      } finally {
        execFileSync('umount', [trial.home]);
        await rm(trial.dir, { recursive: true, force: true });
      }
    },
  );
});
