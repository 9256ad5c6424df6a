// The log a lab sends to the center when something goes wrong: each upload's
// steps, retries and errors, and each access check, with timestamps and the
// upload's ID. The one module that knows the logging library; the engine only
// reports what it does (UploadQueue.onEvent).
import { statSync, renameSync } from 'node:fs';
import { EOL } from 'node:os';
import { join, parse } from 'node:path';
import electronLog from 'electron-log/node';
import type { UploadEvent } from '../../shared/lifecycle';
import type { AccessReport, AccessTarget } from '../../shared/targets';
import type { UploadRecord } from '../../shared/types';
import type { QueueEvent, UploadQueue } from '../engine/queue';
import { redactSecrets } from './service-error';

/** The log's folder inside the data folder (appHome(), or LABDROP_HOME). */
export const LOG_FOLDER = 'logs';
export const LOG_FILE = 'labdrop.log';
/** Past this size the log becomes labdrop.old.log (replacing the one before) and starts afresh. */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;

/** Which Labdrop wrote a line: the app and the command line share the file. */
export type LogSource = 'app' | 'cli';

export interface ActivityLogOptions {
  /** The data folder: the log goes to <home>/logs/labdrop.log. */
  home: string;
  source: LogSource;
  maxBytes?: number;
}

export interface ActivityLog {
  readonly path: string;
  readonly folder: string;
  /** Writes the queue's events from now on; returns the unsubscribe. */
  follow(queue: UploadQueue): () => void;
  /** A line for what "Check access" (or `labdrop check`) found. */
  accessChecked(report: AccessReport): void;
  /** A line of its own, e.g. that the app started. */
  note(text: string): void;
  /** Writes the lines not written yet (they go in one write at the end of each burst). */
  flush(): void;
}

// The library's default logger is never used; its console transport is how
// the library reports a log it cannot write, which would print into the
// command line's display. A log that cannot be written never stops an upload.
electronLog.transports.console.writeFn = () => undefined;

export function logFolder(home: string): string {
  return join(home, LOG_FOLDER);
}

export function openActivityLog(options: ActivityLogOptions): ActivityLog {
  const folder = logFolder(options.home);
  const path = join(folder, LOG_FILE);
  const maxBytes = options.maxBytes ?? MAX_LOG_BYTES;
  const logger = electronLog.create({ logId: `labdrop:${path}` });
  logger.transports.console.level = false;
  const file = logger.transports.file;
  file.resolvePathFn = () => path;
  file.maxSize = maxBytes;
  // Lines come formatted (see write below): a burst of them is one message.
  file.format = '{text}';
  file.archiveLogFn = (current) => {
    const at = current.toString();
    // The app and the command line append to the same file: the one that
    // finds it too large rotates it; the other, whose count of bytes is now
    // stale, must not rotate the fresh file over the archive.
    const size = statSync(at, { throwIfNoEntry: false })?.size ?? 0;
    if (size <= maxBytes) return;
    const { dir, name, ext } = parse(at);
    try {
      renameSync(at, join(dir, `${name}.old${ext}`));
    } catch {
      // Renamed by the other process meanwhile, or not allowed: carry on appending.
    }
  };
  // The last line of defence: every line is written without anything shaped
  // like a key, whatever an error message echoed.
  logger.hooks.push((message) => ({
    ...message,
    data: message.data.map((part) => (typeof part === 'string' ? redactSecrets(part) : part)),
  }));

  // Lines wait for the end of the burst that made them (100,000 files
  // added, or paused at once) and go to the file in one write: the library
  // opens and writes the file for every message.
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const lines = pending.join(EOL);
    pending = [];
    logger.info(lines);
  };
  const write = (level: 'info' | 'warn' | 'error', text: string) => {
    // An ISO time in UTC: the center reads it next to S3's own logs.
    const line = `${new Date().toISOString()} [${level}] ${options.source}[${process.pid}] ${text}`;
    const waiting = pending.push(line);
    if (waiting === 1) queueMicrotask(flush);
    // A burst of 100,000 lines goes a thousand at a time, not as one string of megabytes.
    else if (waiting >= 1_000) flush();
  };
  return {
    path,
    folder,
    flush,
    follow: (queue) => queue.onEvent((event) => writeEvent(write, event)),
    accessChecked: (report) => {
      const where = checkedPlace(report.target);
      if (report.ok) write('info', `access check ${where}: an upload will work`);
      else write('warn', `access check ${where}: ${problemText(report)}`);
    },
    note: (text) => write('info', text),
  };
}

/** Where an access check looked, and as whom: the log's line and the diagnostics say it alike. */
export function checkedPlace(target: AccessTarget): string {
  const at = target.endpoint ? ` at ${target.endpoint}` : '';
  return `s3://${target.bucket}/${target.prefix}${at} as ${target.awsProfile ?? 'the default credentials'}`;
}

type Write = (level: 'info' | 'warn' | 'error', text: string) => void;

/** Events that start a run of an upload: the line says what goes where. */
const STARTS: ReadonlySet<UploadEvent> = new Set(['resume', 'retry', 'recover', 'reconnect']);
function writeEvent(write: Write, event: QueueEvent): void {
  const { record } = event;
  const upload = `upload ${record.id}`;
  switch (event.type) {
    case 'added': {
      const check = record.bucketCheck;
      const found =
        record.status === 'skipped' && check ? ` (${check.verdict}: ${check.evidence})` : '';
      write('info', `${upload} added (${record.status}${found}): ${place(record)}`);
      return;
    }
    case 'retry': {
      const { failure, attempt, delayMs } = event;
      write(
        'warn',
        `${upload} retry after attempt ${attempt} in ${(delayMs / 1000).toFixed(1)} s: ${failure.code}: ${failure.message}`,
      );
      return;
    }
    case 'move': {
      const move = `${upload} ${event.from} -> ${record.status} (${event.event})`;
      // A run starts with no error: one here is what stopped the upload.
      const error = record.lastError;
      if (error) {
        const level = record.status === 'failed' ? 'error' : 'warn';
        write(level, `${move}: ${error.code}: ${error.message}`);
      } else if (STARTS.has(event.event)) {
        write('info', `${move}, attempt ${record.attempts + 1}: ${place(record)}`);
      } else if (event.event === 'upload') {
        write(
          'info',
          `${move}: MD5 ${record.md5Base64 ?? '?'} (base64), part size ${record.partSize}`,
        );
      } else if (record.status === 'done') {
        write(
          'info',
          `${move}: ETag ${record.etag ?? '?'}, verified by ${record.verification ?? '?'}, ${record.attempts} attempt(s)`,
        );
      } else write('info', move);
      return;
    }
  }
}

function place(record: UploadRecord): string {
  const at = record.endpoint ? ` at ${record.endpoint}` : '';
  return `${record.localPath} (${record.size} bytes) to s3://${record.bucket}/${record.key}${at}, region ${record.region}, profile ${record.awsProfile ?? 'default'}`;
}

function problemText(report: AccessReport): string {
  if (report.problem) return `${report.problem.code}: ${report.problem.message}`;
  const failed = report.steps.find((step) => step.status === 'failed');
  return failed ? `${failed.step}: ${failed.message}` : 'uploads would fail';
}
