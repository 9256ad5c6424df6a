import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { formatBytes } from '../../shared/format';
import { MiB } from '../../shared/parts';
import type { UploadProgress, UploadRecord } from '../../shared/types';
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
import { LiveBlock, screen } from './terminal-view';

declare const __LABDROP_VERSION__: string;

/** Exit codes: 0 all uploaded and verified; 1 a file or the target failed; 2 bad input; 130 paused. */
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

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
  const answer = await rl.question('Upload anyway? [y/N] ');
  rl.close();
  if (/^y(es)?$/i.test(answer.trim())) return null;
  err('Nothing was uploaded.');
  return EXIT.usage;
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
  const services = cliServices();
  try {
    let ids: string[];
    if (idOrPrefix === null) {
      const unfinished = services.store.unfinished();
      ids = services.queue.resumeAll().map((r) => r.id);
      for (const record of unfinished.filter((r) => !ids.includes(r.id))) {
        out(`${record.key} is being uploaded by another Labdrop process; leaving it there.`);
      }
      if (ids.length === 0) {
        if (unfinished.length === 0) out('Nothing to resume: every upload is finished.');
        return EXIT.ok;
      }
    } else {
      const record = find(services.store, idOrPrefix);
      if (typeof record === 'string') {
        err(`labdrop: ${record}`);
        return EXIT.usage;
      }
      if (record.status === 'done' || record.status === 'cancelled') {
        out(
          `${record.key} is already ${record.status === 'done' ? 'uploaded and verified' : 'cancelled'}.`,
        );
        return record.status === 'done' ? EXIT.ok : EXIT.failed;
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
    return await watch(services, ids, json);
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

function printHistory(rows: UploadRecord[]): void {
  if (rows.length === 0) {
    out('No uploads yet.');
    return;
  }
  out(
    `${'ID'.padEnd(8)}  ${'STATUS'.padEnd(9)}  ${'SIZE'.padStart(10)}  ${'FINISHED'.padEnd(16)}  OBJECT`,
  );
  for (const row of rows) {
    const finished = row.finishedAt
      ? new Date(row.finishedAt).toISOString().slice(0, 16).replace('T', ' ')
      : '';
    out(
      `${row.id.slice(0, 8)}  ${row.status.padEnd(9)}  ${formatBytes(row.size).padStart(10)}  ${finished.padEnd(16)}  s3://${row.bucket}/${row.key}`,
    );
    if (row.md5Base64 && row.status === 'done')
      out(`${' '.repeat(10)}content-md5 ${row.md5Base64}  md5 ${row.md5Hex}`);
    if (row.lastError && row.status !== 'done') out(`${' '.repeat(10)}${row.lastError.message}`);
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
 * Shows progress until the batch settles. Ctrl-C pauses (state is in the
 * store) and `labdrop resume` picks up; a second Ctrl-C leaves at once.
 */
async function watch(services: Services, ids: string[], json: boolean): Promise<number> {
  const { queue } = services;
  const live = !json && process.stdout.isTTY ? new LiveBlock(process.stdout) : null;
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    err('\nPausing… the uploads are saved; run `labdrop resume --all` to continue.');
    void queue.pauseAll();
  };
  process.on('SIGINT', onSigint);
  const emit = (p: UploadProgress) => {
    if (json) out(JSON.stringify({ type: 'status', ...p }));
    else if (!live)
      out(
        `${p.status.padEnd(9)} s3://${p.bucket}/${p.key}${p.error ? `: ${p.error.message}` : ''}`,
      );
  };
  const unsubscribe = queue.onChange(emit);
  const unsubscribeAttention = queue.onAttention((reason) => err(`labdrop: ${reason.message}`));
  const files = () => ids.map((id) => queue.progressOf(id));

  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) queue.applyExternalRequests();
    if (live) live.draw(screen(files(), process.stdout.columns || 100, process.stdout.rows || 30));
    else if (json && ticks % 5 === 0) {
      out(JSON.stringify({ type: 'progress', files: queue.snapshot() }));
    }
  }, 200);
  try {
    await queue.idle();
  } finally {
    clearInterval(timer);
    unsubscribe();
    unsubscribeAttention();
    process.off('SIGINT', onSigint);
  }
  const final = files();
  if (live) live.draw(screen(final, process.stdout.columns || 100, process.stdout.rows || 30));
  return summarize(final, json);
}

function summarize(files: UploadProgress[], json: boolean): number {
  const done = files.filter((f) => f.status === 'done');
  const failed = files.filter((f) => f.status === 'failed');
  // Paused (Ctrl-C here, or `labdrop pause` elsewhere) and nothing failed: 130.
  const code =
    done.length === files.length ? EXIT.ok : failed.length > 0 ? EXIT.failed : EXIT.interrupted;
  if (json) {
    out(
      JSON.stringify({
        type: 'summary',
        files: files.length,
        done: done.length,
        failed: failed.length,
        exitCode: code,
      }),
    );
    return code;
  }
  const bytes = done.reduce((sum, f) => sum + f.size, 0);
  out(
    `${done.length} of ${files.length} file${files.length === 1 ? '' : 's'} uploaded and verified (${formatBytes(bytes)}).`,
  );
  for (const f of failed) err(`failed: ${f.localPath}: ${f.error?.message ?? 'unknown error'}`);
  const unfinished = files.filter(
    (f) => f.status !== 'done' && f.status !== 'failed' && f.status !== 'cancelled',
  );
  if (unfinished.length > 0)
    err(`${unfinished.length} paused: run \`labdrop resume --all\` to finish.`);
  if (failed.length > 0)
    err('Fix what is said above, then `labdrop resume <ID>` retries a failed file.');
  return code;
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
  try {
    out(
      `Demo endpoint: ${endpoint.endpoint}, bucket "${endpoint.bucket}" (s3rver, in this process).`,
    );
    const study = await writeDemoFiles(join(work, 'files'));
    const plan = await planUpload([study], 'demo');
    out(
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
    out('\nVerified in the bucket (HeadObject):');
    for (const record of records.filter((r) => services.store.getUpload(r.id)?.status === 'done')) {
      const head = await client.send(
        new HeadObjectCommand({ Bucket: endpoint.bucket, Key: record.key }),
      );
      out(
        `  s3://${endpoint.bucket}/${record.key}  ${formatBytes(head.ContentLength ?? 0)}  content-md5=${head.Metadata?.['content-md5']}`,
      );
    }
    out(`Grants sent with every object: x-amz-grant-full-control: ${records[0]?.grants}`);
    out('\nHistory of the demo:');
    printHistory(store.query());
    return code;
  } finally {
    await services.close();
    client.destroy();
    await endpoint.stop();
    await rm(work, { recursive: true, force: true });
  }
}
