import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MiB } from '../shared/parts';
import { Store } from '../electron/engine/store';
import { CLI } from './helpers/build';
import { cliEnv, startCli, type Run } from './helpers/cli';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  testClient,
  uploadPartRequests,
  type Moto,
  type RecordingProxy,
} from './helpers/moto';

let moto: Moto;
let proxy: RecordingProxy;
let dir: string;
let home: string;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  await createBucket(moto.endpoint, 'cli-bucket');
});

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-cli-'));
  home = join(dir, 'home');
  proxy.requests.length = 0;
  proxy.bytesPerSecond = null;
  proxy.intercept = null;
  return () => rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string | undefined> = {}) {
  return cliEnv(dir, home, extra);
}

function start(args: string[], options: SpawnOptions & { env?: NodeJS.ProcessEnv } = {}) {
  return startCli(args, { ...options, env: options.env ?? env() });
}

function labdrop(args: string[], options: SpawnOptions & { env?: NodeJS.ProcessEnv } = {}) {
  return start(args, options).done;
}

function upload(paths: string[], extra: string[] = []) {
  return labdrop([
    'upload',
    ...paths,
    '--bucket',
    'cli-bucket',
    '--endpoint',
    proxy.endpoint,
    ...extra,
  ]);
}

/** `labdrop upload` of one file through the proxy, one 5 MiB part at a time (tests slow it down). */
function slowUpload(path: string, prefix: string): string[] {
  return [
    'upload',
    path,
    '--bucket',
    'cli-bucket',
    '--endpoint',
    proxy.endpoint,
    '--prefix',
    prefix,
    '--part-size',
    '5',
    '--concurrency',
    '1',
  ];
}

async function file(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  const buf = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) buf.writeUInt32LE((i * 2654435761 + size) >>> 0, i);
  await writeFile(path, buf);
  return path;
}

function historyRows(): Promise<Array<Record<string, unknown>>> {
  return labdrop(['history', '--json']).then((r) => JSON.parse(r.stdout));
}

/** The ID of the one upload recorded, once `count` of its parts are in the bucket. */
async function waitForParts(count: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const store = Store.open(join(home, 'labdrop.db'));
      try {
        const [record] = store.query();
        if (record && store.completedParts(record.id).length >= count) return record.id;
      } finally {
        store.close();
      }
    } catch {
      // the database is not there yet
    }
    if (Date.now() > deadline) throw new Error('the upload made no progress');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An upload's status as the database has it. */
function statusOf(id: string): string | undefined {
  const store = Store.open(join(home, 'labdrop.db'));
  try {
    return store.getUpload(id)?.status;
  } finally {
    store.close();
  }
}

/** stdout of a --json run: JSON lines and nothing else. */
function jsonLines(run: Run): Array<Record<string, unknown>> {
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Starts labdrop on a terminal of its own (util-linux `script`); `keys` are typed at its question. */
function startOnTerminal(args: string[], keys = ''): { child: ChildProcess; done: Promise<Run> } {
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: env() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const asked = stdout.includes('[y/N]');
    stdout += chunk.toString();
    if (!asked && stdout.includes('[y/N]')) child.stdin.write(keys);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Refuses PUTs to keys under `prefix` as S3 does a write the credentials may not make. */
function denyWrites(prefix: string) {
  proxy.intercept = (r) =>
    r.method === 'PUT' && r.url.startsWith(`/cli-bucket/${prefix}/`)
      ? {
          status: 403,
          body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        }
      : null;
}

async function expectObject(key: string, localPath: string) {
  const local = await readFile(localPath);
  const client = testClient(moto.endpoint);
  const head = await client.send(new HeadObjectCommand({ Bucket: 'cli-bucket', Key: key }));
  expect(head.Metadata?.['content-md5']).toBe(createHash('md5').update(local).digest('base64'));
  const body = await client.send(new GetObjectCommand({ Bucket: 'cli-bucket', Key: key }));
  const remote = Buffer.from(
    await (body.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  expect(remote.equals(local)).toBe(true);
}

describe('labdrop upload against a strict S3', () => {
  it('a bare 403 (no error code) names the request and the permission, and exits 1', async () => {
    const path = await file('bare/denied.txt', 1000);
    proxy.intercept = (r) =>
      r.method === 'PUT' && r.url.startsWith('/cli-bucket/bare/')
        ? { status: 403, body: '' }
        : null;
    const run = await upload([path], ['--prefix', 'bare']);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(
      /Access denied writing "bare\/denied\.txt" in .*cli-bucket.* \(PutObject, HTTP 403\): these credentials lack s3:PutObject/,
    );
    expect(run.stdout + run.stderr).not.toMatch(/Unknown/);
  });

  it('an upload the credentials may not read back ends done, and the history says how it was verified', async () => {
    const path = await file('blind/sample.txt', 2000);
    proxy.intercept = (r) =>
      r.method === 'HEAD' && r.url.startsWith('/cli-bucket/blind/')
        ? { status: 403, body: '' }
        : null;
    const run = await upload([path], ['--prefix', 'blind']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 of 1 file uploaded and verified');
    const history = await labdrop(['history', '--search', 'blind/sample']);
    // A single PUT: its answer's ETag is the file's MD5, so it is not read back at all.
    expect(history.stdout).toContain(
      "verified from S3's answer to the upload: its ETag is the file's MD5",
    );
  });
});

describe('labdrop upload', () => {
  it('uploads a folder, exits 0, and the history has every file', async () => {
    await file('study/a.txt', 1000);
    await file('study/reads/b.fastq', 6 * MiB);
    const run = await upload([join(dir, 'study')], ['--prefix', 'lab-7', '--part-size', '5']);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.stderr).not.toContain('Warning'); // e.g. the AWS SDK's about Node.js versions
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 of 2 files uploaded and verified');
    await expectObject('lab-7/study/a.txt', join(dir, 'study/a.txt'));
    await expectObject('lab-7/study/reads/b.fastq', join(dir, 'study/reads/b.fastq'));

    const rows = await historyRows();
    expect(rows.map((r) => r.key).sort()).toEqual([
      'lab-7/study/a.txt',
      'lab-7/study/reads/b.fastq',
    ]);
    for (const row of rows) {
      expect(row.status).toBe('done');
      expect(row.grants).toContain(
        'id=d9df08ac799f2859d42a588b415111314cf66d0ffd072195f33b921db966b440',
      );
      expect(row.md5_base64).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    }
    const csv = (await labdrop(['history', '--csv', '--search', 'fastq'])).stdout
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toMatch(/^id,local_path,size,md5_hex,md5_base64,bucket,key/);
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('lab-7/study/reads/b.fastq');
  });

  it('uploads to a saved target and labels the history with its Synapse folder', async () => {
    const added = await labdrop([
      'targets',
      'add',
      'lab-7',
      '--bucket',
      'cli-bucket',
      '--endpoint',
      proxy.endpoint,
      '--prefix',
      'saved',
      '--synapse',
      'syn4242',
    ]);
    expect(added.code).toBe(0);
    const path = await file('sample.csv', 64);
    const run = await labdrop(['upload', path, '--target', 'lab-7']);
    expect(run.code).toBe(0);
    await expectObject('saved/sample.csv', path);
    const [row] = await historyRows();
    expect(row).toMatchObject({ key: 'saved/sample.csv', synapse_id: 'syn4242', status: 'done' });
  });

  it('streams JSON lines with --json', async () => {
    const path = await file('one.bin', 10);
    const run = await upload([path], ['--prefix', 'json', '--json']);
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((e) => e.type === 'status').map((e) => e.status)).toContain('done');
    expect(events.at(-1)).toMatchObject({ type: 'summary', files: 1, done: 1, exitCode: 0 });
  });

  it('refuses keys the sync job would skip unless --yes', async () => {
    const path = await file('reads.txt', 10);
    const refused = await upload([path], ['--prefix', '2024-runs']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"2024-runs/reads.txt" starts with a digit');
    expect(refused.stderr).toContain('--yes');
    expect(await historyRows()).toEqual([]);
    const accepted = await upload([path], ['--prefix', '2024-runs', '--yes']);
    expect(accepted.code).toBe(0);
    await expectObject('2024-runs/reads.txt', path);
  });

  it('warns about a name Windows cannot hold, and uploads it with --yes', async () => {
    const path = await file('share/aux.txt', 10);
    const refused = await upload([path], ['--prefix', 'center']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'warning: "center/aux.txt": Windows cannot save a file or folder named "aux.txt"',
    );
    expect(await historyRows()).toEqual([]);
    const accepted = await upload([path], ['--prefix', 'center', '--yes']);
    expect(accepted.code).toBe(0);
    await expectObject('center/aux.txt', path);
  });

  it('a folder uploaded again: identical files skipped (exit 0), a different one kept (exit 1) until --replace', async () => {
    const a = await file('study/a.txt', 1000);
    const b = await file('study/b.txt', 2000);
    const folder = join(a, '..');
    expect((await upload([folder], ['--prefix', 'again'])).code).toBe(0);
    proxy.requests.length = 0;

    const same = await upload([folder], ['--prefix', 'again', '--json']);
    expect(same.code).toBe(0);
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(jsonLines(same).at(-1)).toMatchObject({ files: 2, done: 0, identical: 2, kept: 0 });
    expect((await historyRows()).filter((r) => r.status === 'skipped')).toHaveLength(2);

    await appendFile(b, 'changed');
    const c = await file('study/c.txt', 500);
    const kept = await upload([folder], ['--prefix', 'again']);
    expect(kept.stdout).toContain('1 new, 1 already in the bucket (skipped), 1 different');
    expect(kept.stderr).toContain('run the same command again with --replace');
    expect(kept.code).toBe(1);
    await expectObject('again/study/c.txt', c);

    const replaced = await upload([folder], ['--prefix', 'again', '--replace']);
    expect(replaced.code).toBe(0);
    await expectObject('again/study/b.txt', b);
  });

  it('renames keys Synapse refuses with --rename-for-synapse, never the file', async () => {
    const path = await file('café #1.txt', 10);
    const refused = await upload([path], ['--prefix', 'names']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Synapse refuses');
    const renamed = await upload([path], ['--prefix', 'names', '--rename-for-synapse']);
    expect(renamed.stderr).toContain('renamed for Synapse: names/café #1.txt → names/cafe _1.txt');
    expect(renamed.code).toBe(0);
    await expectObject('names/cafe _1.txt', path);
  });

  it.skipIf(!hasScript)('Ctrl-C at the question exits 130, Ctrl-D answers no', async () => {
    const path = await file('reads.txt', 10);
    const args = ['upload', path, '--bucket', 'cli-bucket', '--endpoint', proxy.endpoint];
    const interrupted = await startOnTerminal([...args, '--prefix', '2024-runs'], '\x03').done;
    expect(interrupted.stdout).toContain('Upload anyway? [y/N]');
    expect(interrupted.stdout).toContain('Nothing was uploaded.');
    expect(interrupted.stdout).not.toContain('Aborted');
    expect(interrupted.code).toBe(130);
    const ended = await startOnTerminal([...args, '--prefix', '2024-runs'], '\x04').done;
    expect(ended.stdout).toContain('Nothing was uploaded.');
    expect(ended.code).toBe(2);
    expect(await historyRows()).toEqual([]);
  });

  it('names a failed file with its ID; `resume --all` says it failed and how to retry it', async () => {
    const path = await file('denied.txt', 100);
    denyWrites('denied');
    const run = await upload([path], ['--prefix', 'denied']);
    expect(run.code).toBe(1);
    const [row] = await historyRows();
    expect(row).toMatchObject({ status: 'failed', key: 'denied/denied.txt' });
    const id = String(row?.id).slice(0, 8);
    expect(run.stderr).toContain(`failed: ${id} ${path}`);
    expect(run.stderr).toContain(`\`labdrop resume ${id}\` retries`);

    const all = await labdrop(['resume', '--all']);
    expect(all.stdout).not.toContain('Nothing to resume');
    expect(all.stderr).toMatch(
      new RegExp(`failed: ${id} .* → s3://cli-bucket/denied/denied\\.txt: .*denied`, 'i'),
    );
    expect(all.stderr).toContain(`\`labdrop resume ${id}\` retries`);
    expect(all.code).toBe(1);
    const json = await labdrop(['resume', '--all', '--json']);
    expect(jsonLines(json)).toMatchObject([
      { type: 'status', status: 'failed', key: 'denied/denied.txt' },
      { type: 'summary', files: 1, done: 0, failed: 1, exitCode: 1 },
    ]);
    expect(json.code).toBe(1);

    proxy.intercept = null;
    const retried = await labdrop(['resume', id]);
    expect(retried.code).toBe(0);
    await expectObject('denied/denied.txt', path);
    const nothing = await labdrop(['resume', '--all', '--json']);
    expect(jsonLines(nothing)).toEqual([
      {
        type: 'summary',
        files: 0,
        done: 0,
        identical: 0,
        kept: 0,
        failed: 0,
        cancelled: 0,
        exitCode: 0,
      },
    ]);
    expect(nothing.stderr).toContain('Nothing to resume: every upload is finished.');
    expect(nothing.code).toBe(0);
    const finished = await labdrop(['resume', id, '--json']);
    expect(jsonLines(finished)).toMatchObject([
      { type: 'status', status: 'done' },
      { type: 'summary', files: 1, done: 1, exitCode: 0 },
    ]);
    expect(finished.stderr).toContain('denied/denied.txt is already uploaded and verified.');
    expect(finished.code).toBe(0);
  });

  it('without a terminal, logs now and then how far a long upload is', async () => {
    const path = await file('slow.bin', 4 * 5 * MiB);
    proxy.bytesPerSecond = 10 * MiB; // about 2 s
    const run = await labdrop(slowUpload(path, 'slow'), {
      env: env({ LABDROP_PROGRESS_MS: '300' }),
    });
    expect(run.code).toBe(0);
    const progress = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('uploading s3://cli-bucket/slow/slow.bin: '));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (const line of progress) expect(line).toMatch(/: \d+% of 20\.0 MiB, .+\/s, ETA /);
  });

  it('holds an upload to --max-rate and says so', async () => {
    const path = await file('limited.bin', 3 * MiB);
    const started = Date.now();
    const run = await labdrop(
      [
        'upload',
        path,
        '--bucket',
        'cli-bucket',
        '--endpoint',
        proxy.endpoint,
        '--prefix',
        'limited',
        '--max-rate',
        '1.5MB/s',
      ],
      { env: env({ LABDROP_PROGRESS_MS: '300' }) },
    );
    expect(run.code).toBe(0);
    // 3 MiB at 1.5 MB/s is 2.1 s; the limit starts from the first byte.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(run.stdout).toMatch(
      /uploading s3:\/\/cli-bucket\/limited\/limited\.bin: .*, held to 1\.5 MB\/s by --max-rate/,
    );
    const head = await testClient(moto.endpoint).send(
      new HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'limited/limited.bin' }),
    );
    expect(head.ContentLength).toBe(3 * MiB);
  });
});

describe('bad input: a clear message, non-zero exit, nothing half-done', () => {
  async function expectNothingRecorded() {
    expect(await historyRows()).toEqual([]);
    const uploads = await testClient(moto.endpoint).send(
      new ListMultipartUploadsCommand({ Bucket: 'cli-bucket' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  }

  it('an option the command does not read', async () => {
    const resume = await labdrop(['resume', '--all', '--concurrency', '1']);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('--concurrency does not apply to `labdrop resume`');
    const list = await labdrop(['targets', 'list', '--bucket', 'cli-bucket']);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('--bucket does not apply to `labdrop targets list`');
    await expectNothingRecorded();
  });

  it('a missing file', async () => {
    const good = await file('good.txt', 10);
    const run = await upload([good, join(dir, 'nope.fastq')], ['--prefix', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(dir, 'nope.fastq')} does not exist`);
    expect(run.stderr).toContain('Nothing was uploaded');
    await expectNothingRecorded();
  });

  it('two files that would get one key, or keys that differ only in case', async () => {
    await file('share/run1/a/b.txt', 10);
    await file('share/run1/a\\b.txt', 11);
    await file('share/run1/Sample.txt', 12);
    await file('share/run1/sample.txt', 13);
    const run = await upload([join(dir, 'share/run1')], ['--prefix', 'center']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `labdrop: ${join(dir, 'share/run1/a/b.txt')} and ${join(dir, 'share/run1/a\\b.txt')} would both be uploaded as "center/run1/a/b.txt" (a "\\" in a name is a folder separator in a key). Rename one of them, or upload them to different folders.`,
    );
    expect(run.stderr).toContain(
      `labdrop: ${join(dir, 'share/run1/Sample.txt')} and ${join(dir, 'share/run1/sample.txt')} would be uploaded as "center/run1/Sample.txt" and "center/run1/sample.txt", which differ only in upper and lower case`,
    );
    expect(run.stderr).toContain('Nothing was uploaded');
    await expectNothingRecorded();
  });

  it('an unreadable file', async () => {
    const path = await file('secret.txt', 10);
    await chmod(path, 0o000);
    // root reads anything: run the tool as nobody, in folders nobody may use.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    await chmod(dir, 0o777);
    const run = await labdrop(
      ['upload', path, '--bucket', 'cli-bucket', '--endpoint', proxy.endpoint, '--prefix', 'x'],
      asNobody,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path} cannot be read: permission denied`);
    await expectNothingRecorded();
  });

  it('an unknown bucket', async () => {
    const path = await file('a.txt', 10);
    const run = await labdrop([
      'upload',
      path,
      '--bucket',
      'no-such-bucket',
      '--endpoint',
      proxy.endpoint,
      '--prefix',
      'x',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('The bucket "no-such-bucket" does not exist');
    await expectNothingRecorded();
  });

  it('an unreachable endpoint', async () => {
    const path = await file('a.txt', 10);
    const run = await labdrop([
      'upload',
      path,
      '--bucket',
      'cli-bucket',
      '--endpoint',
      'http://127.0.0.1:9',
      '--prefix',
      'x',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Could not reach http://127.0.0.1:9');
    await expectNothingRecorded();
  });

  it('no credentials', async () => {
    const path = await file('a.txt', 10);
    const run = await labdrop(
      ['upload', path, '--bucket', 'cli-bucket', '--endpoint', proxy.endpoint, '--prefix', 'x'],
      {
        env: env({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }),
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No AWS credentials were found');
    await expectNothingRecorded();
  });

  it('a bad option', async () => {
    const run = await labdrop(['upload', 'x', '--bucket', 'b', '--concurrency', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--concurrency must be a whole number');
  });

  it('a bandwidth limit it cannot read', async () => {
    const run = await labdrop(['upload', 'x', '--bucket', 'b', '--max-rate', '40 megs']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--max-rate: "40 megs" is not a bandwidth limit: write a number and a unit, e.g. 40MB/s',
    );
  });
});

describe('crash, resume and cancel', () => {
  it('finishes with `labdrop resume` after SIGKILL, re-sending no completed part', async () => {
    const path = await file('big.bin', 16 * 5 * MiB + 3);
    const { child, done } = start(slowUpload(path, 'crash'));
    const id = await waitForParts(4);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');

    const store = Store.open(join(home, 'labdrop.db'));
    const recorded = store.completedParts(id).map((p) => p.partNumber);
    store.close();
    const sentBefore = uploadPartRequests(proxy.requests).length;

    const run = await labdrop(['resume', '--all']);
    expect(run.code).toBe(0);
    await expectObject('crash/big.bin', path);
    const resent = uploadPartRequests(proxy.requests)
      .slice(sentBefore)
      .map((r) => Number(new URL(r.url, 'http://x').searchParams.get('partNumber')));
    expect(resent.filter((n) => recorded.includes(n))).toEqual([]);
    // Every part went out: a part S3 finished just before the kill, but the
    // database had not recorded, is adopted on resume by its MD5, not re-sent.
    const sentFirst = uploadPartRequests(proxy.requests)
      .slice(0, sentBefore)
      .map((r) => Number(new URL(r.url, 'http://x').searchParams.get('partNumber')));
    expect(new Set([...sentFirst, ...resent]).size).toBe(17);
    const [row] = await historyRows();
    expect(row).toMatchObject({ status: 'done', key: 'crash/big.bin' });
  });

  it('cancel removes a paused upload from the bucket', async () => {
    const path = await file('cancel.bin', 12 * 5 * MiB);
    const { child, done } = start(slowUpload(path, 'cancel'));
    const id = await waitForParts(2);
    child.kill('SIGINT');
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('labdrop resume');

    const run = await labdrop(['cancel', id.slice(0, 8)]);
    expect(run.code).toBe(0);
    const client = testClient(moto.endpoint);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'cli-bucket' }));
    expect((uploads.Uploads ?? []).filter((u) => u.Key === 'cancel/cancel.bin')).toEqual([]);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'cli-bucket', Prefix: 'cancel/' }),
    );
    expect(listed.Contents ?? []).toEqual([]);
    const rows = await historyRows();
    expect(rows[0]).toMatchObject({ status: 'cancelled' });
  });

  it('SIGTERM and SIGHUP pause as Ctrl-C does: exit 130, and `labdrop resume` finishes', async () => {
    const path = await file('term.bin', 16 * 5 * MiB);
    proxy.bytesPerSecond = 10 * MiB; // about 8 s: time to stop it twice
    const first = start(slowUpload(path, 'term'));
    const id = await waitForParts(2);
    first.child.kill('SIGTERM');
    const terminated = await first.done;
    expect(terminated.stderr).toContain('labdrop resume --all');
    expect(terminated.code).toBe(130);
    expect(statusOf(id)).toBe('paused');

    const second = start(['resume', id.slice(0, 8)]);
    await waitForParts(4);
    second.child.kill('SIGHUP');
    const hungUp = await second.done;
    expect(hungUp.stderr).toContain('labdrop resume --all');
    expect(hungUp.code).toBe(130);
    expect(statusOf(id)).toBe('paused');

    proxy.bytesPerSecond = null;
    const run = await labdrop(['resume', '--all']);
    expect(run.code).toBe(0);
    await expectObject('term/term.bin', path);
  });

  it.skipIf(!hasScript)('closing its terminal pauses the upload for `labdrop resume`', async () => {
    const path = await file('hangup.bin', 16 * 5 * MiB);
    proxy.bytesPerSecond = 10 * MiB;
    const { child } = startOnTerminal(slowUpload(path, 'hangup'));
    const id = await waitForParts(2);
    // The terminal goes (a closed window, a dropped SSH session): SIGHUP, and
    // its writes fail from then on. The tool's own exit code goes nowhere.
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (statusOf(id) !== 'paused' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(statusOf(id)).toBe('paused');

    proxy.bytesPerSecond = null;
    const run = await labdrop(['resume', id.slice(0, 8)]);
    expect(run.code).toBe(0);
    await expectObject('hangup/hangup.bin', path);
  });
});

describe('two labdrop processes', () => {
  it('never work on the same upload; `labdrop pause` stops the one that is', async () => {
    const path = await file('shared.bin', 16 * 5 * MiB);
    proxy.bytesPerSecond = 10 * MiB; // about 8 s: time to look at it from a second process
    const { done } = start(slowUpload(path, 'shared'));
    const store = Store.open(join(home, 'labdrop.db'));
    try {
      let id: string | undefined;
      while (!(id = store.query()[0]?.id) || store.completedParts(id).length < 2) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const second = await labdrop(['resume', '--all']);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(
        'shared/shared.bin is being uploaded by another Labdrop process',
      );
      const secondJson = await labdrop(['resume', '--all', '--json']);
      expect(jsonLines(secondJson)).toMatchObject([{ type: 'summary', files: 0, exitCode: 0 }]);
      expect(secondJson.stderr).toContain('shared/shared.bin is being uploaded by another');

      const paused = await labdrop(['pause', id.slice(0, 8)]);
      expect(paused.code).toBe(0);
      const first = await done;
      expect(first.code).toBe(130);
      expect(store.getUpload(id)?.status).toBe('paused');
      const partsSoFar = store.completedParts(id).length;
      expect(partsSoFar).toBeLessThan(17);

      const resumed = await labdrop(['resume', id.slice(0, 8)]);
      expect(resumed.code).toBe(0);
      await expectObject('shared/shared.bin', path);
    } finally {
      store.close();
    }
  });

  it('an upload cancelled from another process: the uploader names it, removes it, exits 1', async () => {
    const path = await file('elsewhere.bin', 12 * 5 * MiB);
    proxy.bytesPerSecond = 10 * MiB;
    const { done } = start(slowUpload(path, 'elsewhere'));
    const id = await waitForParts(2);
    const cancel = await labdrop(['cancel', id.slice(0, 8)]);
    expect(cancel.stdout).toContain('the Labdrop process uploading it stops and removes its parts');
    expect(cancel.code).toBe(0);
    const uploader = await done;
    expect(uploader.stderr).toContain(`cancelled: ${id.slice(0, 8)} ${path}`);
    expect(uploader.code).toBe(1);
    expect(statusOf(id)).toBe('cancelled');
    const uploads = await testClient(moto.endpoint).send(
      new ListMultipartUploadsCommand({ Bucket: 'cli-bucket', Prefix: 'elsewhere/' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

describe('labdrop demo', () => {
  it('runs the whole flow against its own endpoint', async () => {
    const run = await labdrop(['demo']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 of 3 files uploaded and verified');
    expect(run.stdout).toMatch(/content-md5=[A-Za-z0-9+/]{22}==/);
    expect(run.stdout).toContain('x-amz-grant-full-control: id=d9df08ac');
  });

  it('with --json writes only JSON lines to stdout', async () => {
    const run = await labdrop(['demo', '--json']);
    expect(run.code).toBe(0);
    expect(jsonLines(run).at(-1)).toMatchObject({
      type: 'summary',
      files: 3,
      done: 3,
      exitCode: 0,
    });
    expect(run.stderr).toMatch(/content-md5=[A-Za-z0-9+/]{22}==/);
  });
});

describe('labdrop history', () => {
  it('--json hands a long history whole to a reader slower than the command', async () => {
    await mkdir(home, { recursive: true });
    const store = Store.open(join(home, 'labdrop.db'));
    try {
      for (let i = 0; i < 3000; i++) {
        store.createUpload({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          localPath: join(dir, `run/sample-${i}.fastq`),
          size: 1000 + i,
          mtimeMs: 0,
          bucket: 'cli-bucket',
          key: `history/sample-${i}.fastq`,
          endpoint: proxy.endpoint,
          region: 'us-east-1',
          awsProfile: null,
          submissionProfile: 'center',
          grants: 'id=d9df08ac799f2859d42a588b415111314cf66d0ffd072195f33b921db966b440',
          partSize: 8 * MiB,
        });
      }
    } finally {
      store.close();
    }
    const { child, done } = start(['history', '--json']);
    // The reader catches up only after the command is done writing.
    child.stdout?.pause();
    setTimeout(() => child.stdout?.resume(), 1000);
    const run = await done;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveLength(3000);

    // The table reads the history a page of 1,000 at a time, a search by the trigram index.
    const rowsOf = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('00000000'));
    const table = await labdrop(['history']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATUS +SIZE +FINISHED +OBJECT$/);
    const all = rowsOf(table.stdout);
    expect(all).toHaveLength(3000);
    expect(new Set(all).size).toBe(3000);
    const searched = rowsOf((await labdrop(['history', '--search', 'SAMPLE-1'])).stdout);
    // sample-1, -10 … -19, -100 … -199 and -1000 … -1999, newest first.
    expect(searched).toHaveLength(1111);
    expect(searched[0]).toContain('s3://cli-bucket/history/sample-1999.fastq');
    expect(searched.at(-1)).toContain('s3://cli-bucket/history/sample-1.fastq');
  });
});
