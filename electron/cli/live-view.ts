// What an upload shows while it runs, and what it says and returns once it
// settles. The terminal's drawing itself is terminal-view.ts.
import { formatBytes } from '../../shared/format';
import { isUnfinished } from '../../shared/lifecycle';
import type { UploadProgress, UploadStatus } from '../../shared/types';
import type { Services } from '../engine/services';
import { err, EXIT, out, plural } from './io';
import { LiveBlock, logLine, screen } from './terminal-view';

/** What pauses a running upload, as Ctrl-C does: `kill`, a closed terminal or SSH session. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How often a log (no terminal) hears how far each long upload is; tests set LABDROP_PROGRESS_MS. */
const LOG_PROGRESS_MS = 30_000;

/**
 * Shows progress until the batch settles. Ctrl-C (or SIGTERM, SIGHUP) pauses:
 * the state is in the store and `labdrop resume` picks up; a second one
 * leaves at once. `failedBefore`: uploads that failed earlier and are not
 * retried here, for the summary.
 */
export async function watch(
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
    ticks++;
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
 * 0 when every file is uploaded and verified, or already in the bucket; 1
 * when one failed, was cancelled (here that is from elsewhere, `labdrop
 * cancel` or the app: Ctrl-C only pauses) or differs from the bucket's
 * object, which was kept; else 130, paused (Ctrl-C here or `labdrop pause`
 * elsewhere).
 */
export function exitCode(files: UploadProgress[]): number {
  if (files.every((f) => f.status === 'done' || f.skipped === 'identical')) return EXIT.ok;
  return files.some(
    (f) => f.status === 'failed' || f.status === 'cancelled' || f.skipped === 'kept',
  )
    ? EXIT.failed
    : EXIT.interrupted;
}

/** The last line of `--json` output. */
export function summaryEvent(files: UploadProgress[]): void {
  const count = (status: UploadStatus) => files.filter((f) => f.status === status).length;
  out(
    JSON.stringify({
      type: 'summary',
      files: files.length,
      done: count('done'),
      identical: files.filter((f) => f.skipped === 'identical').length,
      kept: files.filter((f) => f.skipped === 'kept').length,
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
  const identical = files.filter((f) => f.skipped === 'identical').length;
  out(
    `${done.length} of ${plural(files.length, 'file')} uploaded and verified (${formatBytes(bytes)})${identical > 0 ? `; ${identical} already in the bucket, not sent again` : ''}.`,
  );
  reportStopped(files);
  return exitCode(files);
}

/** What did not finish, and how to go on: each failed or cancelled file with its ID. */
export function reportStopped(files: UploadProgress[]): void {
  const named = (f: UploadProgress) =>
    `${f.id.slice(0, 8)} ${f.localPath} → s3://${f.bucket}/${f.key}`;
  const failed = files.filter((f) => f.status === 'failed');
  for (const f of failed) err(`failed: ${named(f)}: ${f.error?.message ?? 'unknown error'}`);
  for (const f of files.filter((f) => f.status === 'cancelled')) {
    err(
      `cancelled: ${named(f)}${f.error ? `: ${f.error.message}` : ' (by `labdrop cancel` or the app)'}`,
    );
  }
  const kept = files.filter((f) => f.skipped === 'kept');
  for (const f of kept) err(`kept: ${named(f)}: the bucket's object differs from the file.`);
  if (kept.length > 0) {
    err(
      `${plural(kept.length, 'object')} in the bucket differ from your files and were kept. To replace them, run the same command again with --replace.`,
    );
  }
  const unfinished = files.filter((f) => isUnfinished(f.status));
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
