import { etaSeconds, formatBytes, formatDuration, formatSpeed } from '../../../shared/format';
import type { ProgressBatch, QueueList } from '../../../shared/ipc';
import { isActive, isFinal, isUnfinished, startEvent } from '../../../shared/lifecycle';
import { formatRate } from '../../../shared/rate';
import type { SkipReason, UploadProgress, UploadStatus } from '../../../shared/types';

/** The queue view: main's truth, replaced (never mutated) one batch at a time. */
export interface QueueState {
  items: Readonly<Record<string, UploadProgress>>;
  /**
   * Row order: unfinished uploads first, then the rest, each in the order they
   * were added. Sorted only when rows join or the queue is replaced, so a row
   * does not jump away while it is being watched; new uploads never land
   * below hundreds of finished ones.
   */
  order: readonly string[];
}

function unfinishedFirst(
  items: Readonly<Record<string, UploadProgress>>,
  ids: readonly string[],
): string[] {
  const unfinished = (id: string) => {
    const item = items[id];
    return item !== undefined && isUnfinished(item.status);
  };
  return [...ids.filter(unfinished), ...ids.filter((id) => !unfinished(id))];
}

/** What the Upload tab's count says: uploads not yet settled, not every row. */
export function unfinishedCount(state: QueueState): number {
  let count = 0;
  for (const id of state.order) {
    const item = state.items[id];
    if (item && isUnfinished(item.status)) count++;
  }
  return count;
}

export const EMPTY_QUEUE: QueueState = { items: {}, order: [] };

/** Applies one coalesced batch; rows not yet known (added elsewhere) join the unfinished ones. */
export function applyProgressBatch(state: QueueState, batch: ProgressBatch): QueueState {
  if (batch.items.length === 0) return state;
  const items = { ...state.items };
  const added: string[] = [];
  for (const progress of batch.items) {
    if (!(progress.id in items)) added.push(progress.id);
    items[progress.id] = progress;
  }
  return {
    items,
    order: added.length > 0 ? unfinishedFirst(items, [...state.order, ...added]) : state.order,
  };
}

/**
 * Rows an answer from main just created (uploads:add). Only rows not yet
 * known are taken: a progress batch may already have moved them further
 * (events and answers travel separately).
 */
export function addMissing(state: QueueState, items: readonly UploadProgress[]): QueueState {
  const fresh = items.filter((p) => !(p.id in state.items));
  return fresh.length === 0 ? state : applyProgressBatch(state, { items: fresh });
}

/** The whole list from main (after uploads were added or cleared). */
export function replaceQueue(list: QueueList): QueueState {
  const items: Record<string, UploadProgress> = {};
  for (const progress of list.items) items[progress.id] = progress;
  return {
    items,
    order: unfinishedFirst(
      items,
      list.items.map((p) => p.id),
    ),
  };
}

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

export function queueTotals(state: QueueState): QueueTotals {
  const totals: QueueTotals = {
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
  };
  for (const id of state.order) {
    const p = state.items[id];
    if (!p) continue;
    totals.files++;
    if (p.status === 'cancelled') {
      totals.cancelled++;
      continue;
    }
    if (p.status === 'skipped') {
      totals.skipped++;
      continue;
    }
    totals.totalBytes += p.size;
    totals.uploadedBytes += p.status === 'done' ? p.size : p.uploadedBytes;
    if (p.status === 'done') totals.done++;
    else if (p.status === 'failed') totals.failed++;
    else if (p.status === 'paused') totals.paused++;
    else {
      totals.active++;
      totals.speed += p.speed;
      totals.remainingBytes += p.size - p.uploadedBytes;
      totals.heldTo ??= p.heldTo;
    }
  }
  return totals;
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
  const available = {
    pauseAll: false,
    resumeAll: false,
    retryAll: false,
    clearFinished: false,
    cancelAll: false,
  };
  for (const id of state.order) {
    const status = state.items[id]?.status;
    if (!status) continue;
    if (isActive(status)) available.pauseAll = true;
    if (startEvent(status) === 'resume') available.resumeAll = true;
    if (startEvent(status) === 'retry') available.retryAll = true;
    if (isFinal(status)) available.clearFinished = true;
    else available.cancelAll = true;
  }
  return available;
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
