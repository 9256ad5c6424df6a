import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { formatBytes } from '../../shared/format';
import { MiB } from '../../shared/parts';
import type { UploadProgress, UploadRecord, UploadStatus } from '../../shared/types';
import { appHome } from '../engine/app-home';
import { startDemoEndpoint, writeDemoFiles } from '../engine/demo';
import { classifyError } from '../engine/errors';
import type { HashPool } from '../engine/hash-pool';
import { historyToCsv, historyToJson } from '../engine/history-export';
import type { Target } from '../engine/queue';
import { createS3Client, regionFromEnv } from '../engine/s3-client';
import { planUpload, type Plan } from '../engine/scan';
import { createServices, type ServiceOptions, type Services } from '../engine/services';
import { Store, UNFINISHED_STATUSES } from '../engine/store';
import { CredentialService } from '../services/credentials';
import { ProfileStore } from '../services/profiles';
import { resolveUploadTarget, runTargetCommand } from '../services/target-commands';
import { parseCommand, USAGE, UsageError, type Command } from './args';
import { LiveBlock, logLine, screen } from './terminal-view';

declare const __LABDROP_VERSION__: string;

/**
 * Exit codes: 0 all uploaded and verified; 1 a file or the target failed, or
 * an upload was cancelled; 2 bad input; 130 paused (Ctrl-C, SIGTERM, SIGHUP,
 * `labdrop pause`) or stopped at the prompt.
 */
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** What pauses a running upload, as Ctrl-C does: `kill`, a closed terminal or SSH session. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How often a log (no terminal) hears how far each long upload is; tests set LABDROP_PROGRESS_MS. */
const LOG_PROGRESS_MS = 30_000;

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Runs one command and returns its exit code. An upload uses `hasher` when
 * given (see entry.ts: it may already be hashing the files).
 */
export async function run(argv: string[], hasher?: HashPool): Promise<number> {
  try {
    return await main(argv, hasher);
  } catch (error) {
    err(`labdrop: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}

async function main(argv: string[], hasher: HashPool | undefined): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`labdrop: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  switch (command.name) {
    case 'help':
      out(USAGE);
      return EXIT.ok;
    case 'version':
      out(__LABDROP_VERSION__);
      return EXIT.ok;
    case 'upload':
      return upload(command, hasher);
    case 'resume':
      return resume(command.id, command.json);
    case 'pause':
      return withStore((store) => pause(store, command.id));
    case 'cancel':
      return cancel(command.id);
    case 'history':
      return withStore((store) => history(store, command));
    case 'demo':
      return demo(command.json);
    case 'whoami':
    case 'check':
    case 'targets':
    case 'profiles':
      return withStore((store) => runTargetCommand(command, { out, err }, { store }));
  }
}

/**
 * The engine with the command line's credentials: the standard AWS chain,
 * refreshed ahead of expiry and explained when it fails (see
 * electron/services/credentials.ts).
 */
function cliServices(options: ServiceOptions = {}): Services {
  const store = options.store ?? Store.openDefault();
  return createServices({
    ...options,
    store,
    credentialsFor: new CredentialService({ store }).providerFor,
    profileNamed: (name) => new ProfileStore(store).get(name),
  });
}

async function withStore(fn: (store: Store) => number | Promise<number>): Promise<number> {
  const store = Store.openDefault();
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Refuses problems; asks (or needs --yes) before keys the sync job would skip. */
async function confirmPlan(plan: Plan, yes: boolean): Promise<number | null> {
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) err(`labdrop: ${problem}`);
    err('Nothing was uploaded.');
    return EXIT.usage;
  }
  if (plan.files.length === 0) {
    err('labdrop: there are no files to upload there. Nothing was uploaded.');
    return EXIT.usage;
  }
  if (plan.warnings.length === 0 || yes) {
    for (const warning of plan.warnings) err(`warning: ${warning.message}`);
    return null;
  }
  for (const warning of plan.warnings) err(`warning: ${warning.message}`);
  if (!process.stdin.isTTY) {
    err('Nothing was uploaded. Choose another --prefix, or re-run with --yes to upload anyway.');
    return EXIT.usage;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-C stops the command (130), Ctrl-D answers no (2): readline rejects
  // both the same way unless it is told about Ctrl-C.
  const interrupt = new AbortController();
  rl.on('SIGINT', () => interrupt.abort());
  let answer: string | null = null;
  try {
    answer = await rl.question('Upload anyway? [y/N] ', { signal: interrupt.signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    rl.close();
  }
  if (answer !== null && /^y(es)?$/i.test(answer.trim())) return null;
  // No answer leaves the cursor after the question.
  err(`${answer === null ? '\n' : ''}Nothing was uploaded.`);
  return interrupt.signal.aborted ? EXIT.interrupted : EXIT.usage;
}

async function upload(
  command: Extract<Command, { name: 'upload' }>,
  hasher: HashPool | undefined,
): Promise<number> {
  const store = Store.openDefault();
  // A saved target (--target) fills in what the flags leave out.
  const resolved = resolveUploadTarget(command, store);
  if ('problem' in resolved) {
    store.close();
    err(`labdrop: ${resolved.problem}`);
    return EXIT.usage;
  }
  const plan = await planUpload(command.paths, resolved.prefix);
  const refused = await confirmPlan(plan, command.yes);
  if (refused !== null) {
    store.close();
    return refused;
  }
  const target: Target = {
    bucket: resolved.bucket,
    endpoint: resolved.endpoint,
    region: resolved.region ?? regionFromEnv(),
    awsProfile: resolved.awsProfile ?? process.env.AWS_PROFILE ?? null,
    synapseId: resolved.synapseId,
  };
  const services = cliServices({
    store,
    hasher,
    profile: resolved.submissionProfile,
    partConcurrency: command.concurrency,
    partSize: command.partSizeMiB * MiB,
  });
  try {
    let records: UploadRecord[];
    try {
      records = await services.queue.add(plan, target);
    } catch (error) {
      err(`labdrop: ${classifyError(error, target).message}`);
      err('Nothing was uploaded.');
      return EXIT.failed;
    }
    return await watch(
      services,
      records.map((r) => r.id),
      command.json,
    );
  } finally {
    await services.close();
  }
}

async function resume(idOrPrefix: string | null, json: boolean): Promise<number> {
  // With --json, stdout carries only JSON lines: what is said to people goes to stderr.
  const say = json ? err : out;
  const services = cliServices();
  try {
    let ids: string[];
    let failedBefore: UploadProgress[] = [];
    if (idOrPrefix === null) {
      // --all finishes what was interrupted. A failed upload waits for its
      // problem to be fixed and `labdrop resume ID`, but is not passed over in silence.
      failedBefore = services.store
        .query({ status: 'failed' })
        .reverse()
        .map((r) => services.queue.progressOf(r.id));
      const unfinished = services.store.unfinished();
      ids = services.queue.resumeAll().map((r) => r.id);
      for (const record of unfinished.filter((r) => !ids.includes(r.id))) {
        say(`${record.key} is being uploaded by another Labdrop process; leaving it there.`);
      }
      if (json) for (const f of failedBefore) out(JSON.stringify({ type: 'status', ...f }));
      if (ids.length === 0) {
        if (failedBefore.length > 0) {
          err(`Nothing to resume, but ${plural(failedBefore.length, 'upload')} failed.`);
          if (json) summaryEvent(failedBefore);
          else reportStopped(failedBefore);
        } else {
          if (unfinished.length === 0) say('Nothing to resume: every upload is finished.');
          if (json) summaryEvent([]);
        }
        return exitCode(failedBefore);
      }
    } else {
      const record = find(services.store, idOrPrefix);
      if (typeof record === 'string') {
        err(`labdrop: ${record}`);
        return EXIT.usage;
      }
      if (record.status === 'done' || record.status === 'cancelled') {
        say(
          `${record.key} is already ${record.status === 'done' ? 'uploaded and verified' : 'cancelled'}.`,
        );
        const files = [services.queue.progressOf(record.id)];
        if (json) {
          out(JSON.stringify({ type: 'status', ...files[0] }));
          summaryEvent(files);
        }
        return exitCode(files);
      }
      const started =
        record.status === 'failed'
          ? services.queue.retryUpload(record.id)
          : services.queue.resume(record.id);
      if (!started) {
        err(`labdrop: ${record.key} is being uploaded by another Labdrop process.`);
        return EXIT.usage;
      }
      ids = [record.id];
    }
    return await watch(services, ids, json, failedBefore);
  } finally {
    await services.close();
  }
}

function pause(store: Store, idOrPrefix: string): number {
  const record = find(store, idOrPrefix);
  if (typeof record === 'string') {
    err(`labdrop: ${record}`);
    return EXIT.usage;
  }
  if (!UNFINISHED_STATUSES.includes(record.status)) {
    err(`labdrop: ${record.key} is ${record.status}; only unfinished uploads can be paused.`);
    return EXIT.usage;
  }
  // A labdrop process uploading it sees this within a second (applyExternalRequests).
  store.updateUpload(record.id, { status: 'paused' });
  out(`Paused ${record.key}. Run \`labdrop resume ${record.id.slice(0, 8)}\` to continue.`);
  return EXIT.ok;
}

async function cancel(idOrPrefix: string): Promise<number> {
  const services = cliServices({ hashThreads: 1 });
  try {
    const record = find(services.store, idOrPrefix);
    if (typeof record === 'string') {
      err(`labdrop: ${record}`);
      return EXIT.usage;
    }
    if (record.status === 'done') {
      err(
        `labdrop: ${record.key} is already uploaded; delete the object in the bucket if you must.`,
      );
      return EXIT.usage;
    }
    try {
      if ((await services.queue.cancel(record.id)) === 'requested') {
        out(
          `Cancelling ${record.key}: the Labdrop process uploading it stops and removes its parts.`,
        );
        return EXIT.ok;
      }
    } catch (error) {
      err(`labdrop: ${classifyError(error, record).message}`);
      return EXIT.failed;
    }
    out(`Cancelled ${record.key}; its parts were removed from s3://${record.bucket}.`);
    return EXIT.ok;
  } finally {
    await services.close();
  }
}

function history(store: Store, command: Extract<Command, { name: 'history' }>): number {
  const rows = store.query({
    ...(command.status ? { status: command.status } : {}),
    ...(command.search ? { search: command.search } : {}),
  });
  if (command.format === 'json') process.stdout.write(historyToJson(rows));
  else if (command.format === 'csv') process.stdout.write(historyToCsv(rows));
  else printHistory(rows);
  return EXIT.ok;
}

function printHistory(rows: UploadRecord[], say: (line: string) => void = out): void {
  if (rows.length === 0) {
    say('No uploads yet.');
    return;
  }
  say(
    `${'ID'.padEnd(8)}  ${'STATUS'.padEnd(9)}  ${'SIZE'.padStart(10)}  ${'FINISHED'.padEnd(16)}  OBJECT`,
  );
  for (const row of rows) {
    const finished = row.finishedAt
      ? new Date(row.finishedAt).toISOString().slice(0, 16).replace('T', ' ')
      : '';
    say(
      `${row.id.slice(0, 8)}  ${row.status.padEnd(9)}  ${formatBytes(row.size).padStart(10)}  ${finished.padEnd(16)}  s3://${row.bucket}/${row.key}`,
    );
    if (row.md5Base64 && row.status === 'done')
      say(`${' '.repeat(10)}content-md5 ${row.md5Base64}  md5 ${row.md5Hex}`);
    if (row.lastError && row.status !== 'done') say(`${' '.repeat(10)}${row.lastError.message}`);
  }
}

/** An upload by its full ID or a unique prefix of it; a string says why not. */
function find(store: Store, idOrPrefix: string): UploadRecord | string {
  const exact = store.getUpload(idOrPrefix);
  if (exact) return exact;
  const matches = store.query().filter((r) => r.id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0] as UploadRecord;
  return matches.length === 0
    ? `no upload has the ID "${idOrPrefix}"; \`labdrop history\` lists them.`
    : `"${idOrPrefix}" matches ${matches.length} uploads; give more characters.`;
}

/**
 * Shows progress until the batch settles. Ctrl-C (or SIGTERM, SIGHUP) pauses:
 * the state is in the store and `labdrop resume` picks up; a second one
 * leaves at once. `failedBefore`: uploads that failed earlier and are not
 * retried here, for the summary.
 */
async function watch(
  services: Services,
  ids: string[],
  json: boolean,
  failedBefore: UploadProgress[] = [],
): Promise<number> {
  const { queue } = services;
  const live = !json && process.stdout.isTTY ? new LiveBlock(process.stdout) : null;
  // Without a terminal (a CI log, nohup) a line per status change, and for a
  // file hashing or uploading a line now and then, shows it is alive.
  const logEvery = Number(process.env.LABDROP_PROGRESS_MS) || LOG_PROGRESS_MS;
  const lastLogged = new Map<string, number>();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(EXIT.interrupted);
    stopping = true;
    err(
      `\nPausing${signal === 'SIGINT' ? '' : ` (${signal})`}… the uploads are saved; run \`labdrop resume --all\` to continue.`,
    );
    void queue.pauseAll();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const emit = (p: UploadProgress) => {
    if (json) out(JSON.stringify({ type: 'status', ...p }));
    else if (!live) {
      out(
        `${p.status.padEnd(9)} s3://${p.bucket}/${p.key}${p.error ? `: ${p.error.message}` : ''}`,
      );
      if (p.status === 'hashing' || p.status === 'uploading') lastLogged.set(p.id, Date.now());
      else lastLogged.delete(p.id);
    }
  };
  const unsubscribe = queue.onChange(emit);
  const unsubscribeAttention = queue.onAttention((reason) => err(`labdrop: ${reason.message}`));
  const files = () => ids.map((id) => queue.progressOf(id));

  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) queue.applyExternalRequests();
    if (live) live.draw(screen(files(), process.stdout.columns || 100, process.stdout.rows || 30));
    else if (json) {
      if (ticks % 5 === 0) out(JSON.stringify({ type: 'progress', files: queue.snapshot() }));
    } else {
      const now = Date.now();
      for (const [id, at] of lastLogged) {
        if (now - at < logEvery) continue;
        lastLogged.set(id, now);
        out(logLine(queue.progressOf(id)));
      }
    }
  }, 200);
  try {
    await queue.idle();
  } finally {
    clearInterval(timer);
    unsubscribe();
    unsubscribeAttention();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
  const final = files();
  if (live) live.draw(screen(final, process.stdout.columns || 100, process.stdout.rows || 30));
  return summarize([...final, ...failedBefore], json);
}

/**
 * 0 when every file is uploaded and verified; 1 when one failed or was
 * cancelled (here that is from elsewhere, `labdrop cancel` or the app: Ctrl-C
 * only pauses); else 130, paused (Ctrl-C here or `labdrop pause` elsewhere).
 */
function exitCode(files: UploadProgress[]): number {
  if (files.every((f) => f.status === 'done')) return EXIT.ok;
  return files.some((f) => f.status === 'failed' || f.status === 'cancelled')
    ? EXIT.failed
    : EXIT.interrupted;
}

/** The last line of `--json` output. */
function summaryEvent(files: UploadProgress[]): void {
  const count = (status: UploadStatus) => files.filter((f) => f.status === status).length;
  out(
    JSON.stringify({
      type: 'summary',
      files: files.length,
      done: count('done'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      exitCode: exitCode(files),
    }),
  );
}

function summarize(files: UploadProgress[], json: boolean): number {
  if (json) {
    summaryEvent(files);
    return exitCode(files);
  }
  const done = files.filter((f) => f.status === 'done');
  const bytes = done.reduce((sum, f) => sum + f.size, 0);
  out(
    `${done.length} of ${plural(files.length, 'file')} uploaded and verified (${formatBytes(bytes)}).`,
  );
  reportStopped(files);
  return exitCode(files);
}

/** What did not finish, and how to go on: each failed or cancelled file with its ID. */
function reportStopped(files: UploadProgress[]): void {
  const named = (f: UploadProgress) =>
    `${f.id.slice(0, 8)} ${f.localPath} → s3://${f.bucket}/${f.key}`;
  const failed = files.filter((f) => f.status === 'failed');
  for (const f of failed) err(`failed: ${named(f)}: ${f.error?.message ?? 'unknown error'}`);
  for (const f of files.filter((f) => f.status === 'cancelled')) {
    err(
      `cancelled: ${named(f)}${f.error ? `: ${f.error.message}` : ' (by `labdrop cancel` or the app)'}`,
    );
  }
  const unfinished = files.filter((f) => UNFINISHED_STATUSES.includes(f.status));
  if (unfinished.length > 0)
    err(`${unfinished.length} paused: run \`labdrop resume --all\` to finish.`);
  if (failed.length === 1) {
    const id = (failed[0] as UploadProgress).id.slice(0, 8);
    err(
      `Fix what is said above, then \`labdrop resume ${id}\` retries it (\`labdrop cancel ${id}\` gives it up).`,
    );
  } else if (failed.length > 1) {
    err(
      'Fix what is said above, then `labdrop resume ID` retries a failed file (`labdrop cancel ID` gives it up).',
    );
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The whole flow against an in-process S3-compatible endpoint, no AWS account needed. */
async function demo(json: boolean): Promise<number> {
  const home = join(appHome(), 'demo');
  await mkdir(home, { recursive: true });
  const work = await mkdtemp(join(home, 'run-'));
  const endpoint = await startDemoEndpoint(join(work, 's3'));
  const store = Store.open(join(work, 'labdrop.db'));
  const client = createS3Client(
    { endpoint: endpoint.endpoint, region: 'us-east-1', awsProfile: null },
    { credentials: endpoint.credentials },
  );
  const services = createServices({ store, clientFor: () => client });
  // With --json, stdout carries only JSON lines: the tour goes to stderr.
  const say = json ? err : out;
  try {
    say(
      `Demo endpoint: ${endpoint.endpoint}, bucket "${endpoint.bucket}" (s3rver, in this process).`,
    );
    const study = await writeDemoFiles(join(work, 'files'));
    const plan = await planUpload([study], 'demo');
    say(
      `Uploading ${plan.files.length} files from ${study} to s3://${endpoint.bucket}/demo/ with the center's grants…`,
    );
    const records = await services.queue.add(plan, {
      bucket: endpoint.bucket,
      endpoint: endpoint.endpoint,
      region: 'us-east-1',
      awsProfile: null,
    });
    const code = await watch(
      services,
      records.map((r) => r.id),
      json,
    );
    say('\nVerified in the bucket (HeadObject):');
    for (const record of records.filter((r) => services.store.getUpload(r.id)?.status === 'done')) {
      const head = await client.send(
        new HeadObjectCommand({ Bucket: endpoint.bucket, Key: record.key }),
      );
      say(
        `  s3://${endpoint.bucket}/${record.key}  ${formatBytes(head.ContentLength ?? 0)}  content-md5=${head.Metadata?.['content-md5']}`,
      );
    }
    say(`Grants sent with every object: x-amz-grant-full-control: ${records[0]?.grants}`);
    say('\nHistory of the demo:');
    printHistory(store.query(), say);
    return code;
  } finally {
    await services.close();
    client.destroy();
    await endpoint.stop();
    await rm(work, { recursive: true, force: true });
  }
}
