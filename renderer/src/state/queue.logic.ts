import { etaSeconds, formatBytes, formatDuration, formatSpeed } from '../../../shared/format';
import type { ProgressBatch, QueueList } from '../../../shared/ipc';
import { isActive, isFinal, isUnfinished, startEvent } from '../../../shared/lifecycle';
import { formatRate } from '../../../shared/rate';
import type { SkipReason, UploadProgress, UploadStatus } from '../../../shared/types';

/**
 * The queue view: main's truth, replaced (never mutated) one batch at a time.
 * A batch costs what it changes, not the queue's length: at 100,000 rows,
 * copying every row and counting them all again ten times a second took
 * longer than a frame. So the rows are kept in chunks (a batch copies only
 * those its rows are in) and the totals are tallied as rows change.
 */
export interface QueueState {
  /**
   * Row order: unfinished uploads first, then the rest, each in the order they
   * were added. Sorted only when rows join or the queue is replaced, so a row
   * does not jump away while it is being watched; new uploads never land
   * below hundreds of finished ones.
   */
  order: readonly string[];
  /** Each row's place in `order`; made again only when the order changes. */
  position: ReadonlyMap<string, number>;
  /** The rows in `order`'s order, CHUNK at a time (see itemOf). */
  chunks: ReadonlyArray<readonly UploadProgress[]>;
  /** What the totals line and the toolbar need, over every row. */
  tally: Tally;
}

/** Rows a chunk holds. */
const CHUNK = 1024;

export interface QueueTotals {
  files: number;
  done: number;
  failed: number;
  active: number;
  paused: number;
  cancelled: number;
  /** Not sent: the bucket has them, or has another version the user kept. */
  skipped: number;
  totalBytes: number;
  uploadedBytes: number;
  /** Bytes per second, all running files together. */
  speed: number;
  /** Bytes the files still running or waiting have left to send. */
  remainingBytes: number;
  /** The bandwidth limit (bytes per second) holding uploads back now, if one is. */
  heldTo: number | null;
}

interface Tally extends QueueTotals {
  /** Rows in an active status (pause all), paused (resume all), failed (retry all). */
  running: number;
  resumable: number;
  retryable: number;
  /** Rows done or cancelled (clear finished); the others can be cancelled. */
  settled: number;
  unfinished: number;
  /** Running rows the bandwidth limit holds back; `heldTo` is the limit they were last held to. */
  heldBack: number;
}

const NO_TALLY: Tally = {
  files: 0,
  done: 0,
  failed: 0,
  active: 0,
  paused: 0,
  cancelled: 0,
  skipped: 0,
  totalBytes: 0,
  uploadedBytes: 0,
  speed: 0,
  remainingBytes: 0,
  heldTo: null,
  running: 0,
  resumable: 0,
  retryable: 0,
  settled: 0,
  unfinished: 0,
  heldBack: 0,
};

/** Adds one row's part to `tally` (`sign` -1: takes it away). */
function count(tally: Tally, p: UploadProgress, sign: 1 | -1): void {
  tally.files += sign;
  if (isActive(p.status)) tally.running += sign;
  if (startEvent(p.status) === 'resume') tally.resumable += sign;
  if (startEvent(p.status) === 'retry') tally.retryable += sign;
  if (isFinal(p.status)) tally.settled += sign;
  if (isUnfinished(p.status)) tally.unfinished += sign;
  if (p.status === 'cancelled') {
    tally.cancelled += sign;
    return;
  }
  if (p.status === 'skipped') {
    tally.skipped += sign;
    return;
  }
  tally.totalBytes += sign * p.size;
  tally.uploadedBytes += sign * (p.status === 'done' ? p.size : p.uploadedBytes);
  if (p.status === 'done') tally.done += sign;
  else if (p.status === 'failed') tally.failed += sign;
  else if (p.status === 'paused') tally.paused += sign;
  else {
    tally.active += sign;
    tally.speed += sign * p.speed;
    tally.remainingBytes += sign * (p.size - p.uploadedBytes);
    if (typeof p.heldTo === 'number') {
      tally.heldBack += sign;
      // One limit for the process: the latest row held says what it is.
      if (sign === 1) tally.heldTo = p.heldTo;
    }
  }
}

/** The row of upload `id`, if the queue shows it. */
export function itemOf(state: QueueState, id: string): UploadProgress | undefined {
  const at = state.position.get(id);
  return at === undefined ? undefined : state.chunks[Math.floor(at / CHUNK)]?.[at % CHUNK];
}

/** The state for these rows, unfinished first (see `order`). */
function build(rows: ReadonlyMap<string, UploadProgress>, ids: readonly string[]): QueueState {
  const unfinished = (id: string) => {
    const item = rows.get(id);
    return item !== undefined && isUnfinished(item.status);
  };
  const order = [...ids.filter(unfinished), ...ids.filter((id) => !unfinished(id))];
  const position = new Map<string, number>();
  const chunks: UploadProgress[][] = [];
  const tally = { ...NO_TALLY };
  order.forEach((id, at) => {
    const row = rows.get(id) as UploadProgress;
    position.set(id, at);
    if (at % CHUNK === 0) chunks.push([]);
    chunks[chunks.length - 1]?.push(row);
    count(tally, row, 1);
  });
  return { order, position, chunks, tally };
}

/** What the Upload tab's count says: uploads not yet settled, not every row. */
export function unfinishedCount(state: QueueState): number {
  return state.tally.unfinished;
}

export const EMPTY_QUEUE: QueueState = build(new Map(), []);

/** Applies one coalesced batch; rows not yet known (added elsewhere) join the unfinished ones. */
export function applyProgressBatch(state: QueueState, batch: ProgressBatch): QueueState {
  if (batch.items.length === 0) return state;
  const fresh = new Map<string, UploadProgress>();
  const chunks = [...state.chunks];
  const copied = new Set<number>();
  const tally = { ...state.tally };
  for (const progress of batch.items) {
    const at = state.position.get(progress.id);
    if (at === undefined) {
      fresh.set(progress.id, progress);
      continue;
    }
    const c = Math.floor(at / CHUNK);
    if (!copied.has(c)) {
      chunks[c] = [...(chunks[c] ?? [])];
      copied.add(c);
    }
    const chunk = chunks[c] as UploadProgress[];
    count(tally, chunk[at % CHUNK] as UploadProgress, -1);
    count(tally, progress, 1);
    chunk[at % CHUNK] = progress;
  }
  // Sums of fractions taken away can leave a trace: nothing running moves at 0.
  if (tally.active === 0) tally.speed = 0;
  const next = { ...state, chunks, tally };
  if (fresh.size === 0) return next;
  const rows = new Map(next.order.map((id) => [id, itemOf(next, id) as UploadProgress]));
  for (const [id, progress] of fresh) rows.set(id, progress);
  return build(rows, [...state.order, ...fresh.keys()]);
}

/**
 * Rows an answer from main just created (uploads:add). Only rows not yet
 * known are taken: a progress batch may already have moved them further
 * (events and answers travel separately).
 */
export function addMissing(state: QueueState, items: readonly UploadProgress[]): QueueState {
  const fresh = items.filter((p) => !state.position.has(p.id));
  return fresh.length === 0 ? state : applyProgressBatch(state, { items: fresh });
}

/** The whole list from main (after uploads were added or cleared). */
export function replaceQueue(list: QueueList): QueueState {
  const rows = new Map<string, UploadProgress>();
  for (const progress of list.items) rows.set(progress.id, progress);
  return build(rows, [...rows.keys()]);
}

export function queueTotals(state: QueueState): QueueTotals {
  const { tally } = state;
  return {
    files: tally.files,
    done: tally.done,
    failed: tally.failed,
    active: tally.active,
    paused: tally.paused,
    cancelled: tally.cancelled,
    skipped: tally.skipped,
    totalBytes: tally.totalBytes,
    uploadedBytes: tally.uploadedBytes,
    speed: tally.speed,
    remainingBytes: tally.remainingBytes,
    heldTo: tally.heldBack > 0 ? tally.heldTo : null,
  };
}

/** The line above the queue while the bandwidth limit holds uploads back (see Settings). */
export function heldLine(totals: QueueTotals): string | null {
  return totals.heldTo === null
    ? null
    : `Held to ${formatRate(totals.heldTo)} by your bandwidth limit. Change it in Settings.`;
}

/** Which of the toolbar's actions have something to act on. */
export interface BulkAvailability {
  pauseAll: boolean;
  resumeAll: boolean;
  retryAll: boolean;
  clearFinished: boolean;
  cancelAll: boolean;
}

export function bulkAvailability(state: QueueState): BulkAvailability {
  const { tally } = state;
  return {
    pauseAll: tally.running > 0,
    resumeAll: tally.resumable > 0,
    retryAll: tally.retryable > 0,
    clearFinished: tally.settled > 0,
    cancelAll: tally.files > tally.settled,
  };
}

export const PHASE_LABELS: Record<UploadStatus, string> = {
  queued: 'Queued',
  hashing: 'Hashing',
  uploading: 'Uploading',
  verifying: 'Verifying',
  waiting: 'Waiting for network',
  done: 'Done',
  skipped: 'Skipped',
  paused: 'Paused',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A skipped file's badge says why. */
const SKIP_LABELS: Partial<Record<SkipReason | 'none', string>> = {
  identical: 'Already in bucket',
  kept: "Kept bucket's version",
};

export interface RowView {
  name: string;
  /** The error in the row's second line, naming the file rather than its whole path. */
  errorText: string;
  phase: string;
  /** 0..1 of the current phase: hashing, then uploading. */
  fraction: number;
  percent: string;
  size: string;
  speed: string;
  eta: string;
  canPause: boolean;
  canResume: boolean;
  canCancel: boolean;
  canRetry: boolean;
  /** Cancelled: the same file to the same place, as a new upload. */
  canUploadAgain: boolean;
}

/** Everything a queue row shows, as text. */
export function rowView(p: UploadProgress): RowView {
  // The bucket has all of a file already there; nothing of one kept was sent, or is to be.
  const fraction =
    p.status === 'done' || p.status === 'verifying' || p.skipped === 'identical'
      ? 1
      : p.size === 0
        ? 0
        : p.status === 'hashing'
          ? p.hashedBytes / p.size
          : p.uploadedBytes / p.size;
  const moving = p.status === 'uploading' || p.status === 'hashing';
  const left = p.status === 'hashing' ? p.size - p.hashedBytes : p.size - p.uploadedBytes;
  const name = baseName(p.localPath);
  return {
    name,
    errorText: p.error ? p.error.message.replaceAll(p.localPath, name) : '',
    phase: SKIP_LABELS[p.skipped ?? 'none'] ?? PHASE_LABELS[p.status],
    fraction: Math.max(0, Math.min(1, fraction)),
    percent: p.skipped === 'kept' ? '' : `${Math.floor(Math.max(0, Math.min(1, fraction)) * 100)}%`,
    size: formatBytes(p.size),
    speed: moving && p.speed > 0 ? formatSpeed(p.speed) : '',
    // Under a second left says nothing: "0s left" on a row still at work reads as stuck.
    eta: moving && etaSeconds(left, p.speed) >= 1 ? formatDuration(etaSeconds(left, p.speed)) : '',
    canPause: isActive(p.status),
    canResume: p.status === 'paused',
    canCancel: !isFinal(p.status),
    canRetry: p.status === 'failed',
    canUploadAgain: p.status === 'cancelled',
  };
}

const MiB = 1024 * 1024;
/** A file this big, or this much of it sent, is not thrown away by one click. */
const CONFIRM_SIZE = 100 * MiB;
const CONFIRM_SENT = 16 * MiB;

/** Whether the row's × asks first: the file is large, or far along (half of it and more sent). */
export function cancelNeedsConfirm(p: UploadProgress): boolean {
  if (isFinal(p.status)) return false;
  const farAlong = p.uploadedBytes >= CONFIRM_SENT && p.uploadedBytes * 2 >= p.size;
  return p.size >= CONFIRM_SIZE || farAlong;
}

/** The last path segment, for POSIX and Windows paths alike. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut >= 0 ? trimmed.slice(cut + 1) : trimmed;
}

/** Whether a batch settled something history shows (to refresh it). */
export function settledAny(batch: ProgressBatch): boolean {
  return batch.items.some((p) => !isUnfinished(p.status));
}
