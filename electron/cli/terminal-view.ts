import { etaSeconds, formatBytes, formatDuration, formatSpeed } from '../../shared/format';
import { isActive, type UploadStatus } from '../../shared/lifecycle';
import { formatRate } from '../../shared/rate';
import type { UploadProgress } from '../../shared/types';

const MARK: Record<UploadStatus, string> = {
  queued: '·',
  hashing: '#',
  uploading: '↑',
  verifying: '?',
  waiting: '~',
  done: '✓',
  skipped: '=',
  paused: '‖',
  failed: '✗',
  cancelled: '-',
};

/** Files at work (not waiting their turn): listed first. */
const atWork = (status: UploadStatus) => isActive(status) && status !== 'queued';

export interface Totals {
  files: number;
  bytes: number;
  uploadedBytes: number;
  speed: number;
  byStatus: Partial<Record<UploadStatus, number>>;
}

export function totals(files: readonly UploadProgress[]): Totals {
  const result: Totals = {
    files: files.length,
    bytes: 0,
    uploadedBytes: 0,
    speed: 0,
    byStatus: {},
  };
  for (const file of files) {
    result.bytes += file.size;
    result.uploadedBytes += file.uploadedBytes;
    result.speed += file.speed;
    result.byStatus[file.status] = (result.byStatus[file.status] ?? 0) + 1;
  }
  return result;
}

function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
}

function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `…${text.slice(text.length - width + 1)}`;
}

export function fileLine(file: UploadProgress, width: number): string {
  const name = fit(file.key, Math.max(20, width - 60));
  const size = formatBytes(file.size).padStart(10);
  switch (file.status) {
    case 'hashing': {
      const f = file.size > 0 ? file.hashedBytes / file.size : 1;
      return `${MARK.hashing} ${name} ${size} hashing   ${bar(f)} ${(f * 100).toFixed(0).padStart(3)}%`;
    }
    case 'uploading': {
      const f = file.size > 0 ? file.uploadedBytes / file.size : 1;
      const eta = formatDuration(etaSeconds(file.size - file.uploadedBytes, file.speed));
      return `${MARK.uploading} ${name} ${size} uploading ${bar(f)} ${(f * 100).toFixed(0).padStart(3)}% ${formatSpeed(file.speed)} ETA ${eta}`;
    }
    case 'failed':
      return `${MARK.failed} ${name} ${size} failed: ${file.error?.message ?? ''}`;
    case 'done':
      return `${MARK.done} ${name} ${size} uploaded and verified`;
    default:
      return `${MARK[file.status]} ${name} ${size} ${file.status}`;
  }
}

/** How far a file hashing or uploading is, as a line of a log (no terminal to redraw). */
export function logLine(file: UploadProgress): string {
  const hashing = file.status === 'hashing';
  const f = file.size > 0 ? (hashing ? file.hashedBytes : file.uploadedBytes) / file.size : 1;
  const far = `${file.status.padEnd(9)} s3://${file.bucket}/${file.key}: ${(f * 100).toFixed(0)}% of ${formatBytes(file.size)}`;
  if (hashing) return far;
  const eta = formatDuration(etaSeconds(file.size - file.uploadedBytes, file.speed));
  const held = file.heldTo === null ? '' : `, held to ${formatRate(file.heldTo)} by --max-rate`;
  return `${far}, ${formatSpeed(file.speed)}, ETA ${eta}${held}`;
}

export function totalLine(t: Totals): string {
  const counts = Object.entries(t.byStatus)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const f = t.bytes > 0 ? t.uploadedBytes / t.bytes : 1;
  const files = `Total: ${t.files} file${t.files === 1 ? '' : 's'}, ${formatBytes(t.bytes)} — ${counts}`;
  const moving = (Object.keys(t.byStatus) as UploadStatus[]).some(
    (status) => atWork(status) && (t.byStatus[status] ?? 0) > 0,
  );
  if (!moving) return files;
  const eta = formatDuration(etaSeconds(t.bytes - t.uploadedBytes, t.speed));
  return `${files} — ${(f * 100).toFixed(0)}% ${formatSpeed(t.speed)} ETA ${eta}`;
}

/**
 * The live screen: active files first, then the most recent others, cut to
 * the terminal's height, the batch total, and whether --max-rate holds them back.
 */
export function screen(files: readonly UploadProgress[], columns: number, rows: number): string[] {
  const active = files.filter((f) => atWork(f.status));
  const rest = files.filter((f) => !isActive(f.status));
  const heldTo = files.find((f) => f.heldTo !== null)?.heldTo;
  const held = heldTo ? [`Held to ${formatRate(heldTo)} by --max-rate.`] : [];
  const room = Math.max(1, rows - 2 - held.length);
  const shown = [...active, ...rest.slice(-Math.max(0, room - active.length))].slice(0, room);
  return [...shown.map((f) => fileLine(f, columns)), totalLine(totals(files)), ...held].map(
    (line) => (line.length > columns ? line.slice(0, columns - 1) : line),
  );
}

/** Redraws a block of lines in place on a terminal. */
export class LiveBlock {
  private height = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}

  draw(lines: string[]): void {
    const up = this.height > 0 ? `\x1b[${this.height}A\r` : '';
    this.out.write(`${up}\x1b[0J${lines.join('\n')}\n`);
    this.height = lines.length;
  }
}
