import { etaSeconds, formatBytes, formatDuration, formatSpeed } from '../../../shared/format';
import type { ProgressBatch, QueueList } from '../../../shared/ipc';
import {
  isActive,
  isFinal,
  isUnfinished,
  startEvent,
  UPLOAD_STATUSES,
} from '../../../shared/lifecycle';
import { formatRate } from '../../../shared/rate';
import type { SkipReason, UploadProgress, UploadStatus } from '../../../shared/types';

/**
 * The queue view: main's truth, replaced (never mutated) one batch at a time.
 * A batch costs what it changes, not the queue's length: at 100,000 rows,
 * copying every row and counting them all again ten times a second took
 * longer than a frame. So the rows are kept in chunks (a batch copies only
 * those its rows are in) and the totals are tallied as rows change.
 *
 * Note on 100,000 rows in a frame: a replace touches every row once (its
 * place, its tally) and builds nothing keyed by id, because a Map of
 * 100,000 ids alone takes longer than a frame (see RowIndex). The tally of
 * a row reads one table per status (KINDS), not the lifecycle's predicates.
 */
export interface QueueState {
  /**
   * Row order: unfinished uploads first, then the rest, each in the order they
   * were added. Sorted only when rows join or the queue is replaced, so a row
   * does not jump away while it is being watched; new uploads never land
   * below hundreds of finished ones.
   */
  order: readonly string[];
  /** Each row's place in `order` (see RowIndex); made again only when the order changes. */
  index: RowIndex;
  /** The rows in `order`'s order, CHUNK at a time (see rowAt). */
  chunks: ReadonlyArray<readonly UploadProgress[]>;
  /** What the totals line and the toolbar need, over every row. */
  tally: Tally;
}

/** Rows a chunk holds. */
const CHUNK = 1024;

/** Places a new index learns at once: a queue this long is indexed before it is shown. */
const INDEX_AT_ONCE = 4096;

/**
 * Each row's place in an order, for what names rows by id (batches, rows on
 * screen). It is a cache of that order, which never changes under it: it
 * learns places as they are asked for (the rows up to the one asked for),
 * and the rest a slice at a time between frames (learnSoon in
 * queue.slice.ts). Learning changes no answer, only how fast it comes, so
 * states that share an order share their index.
 */
export class RowIndex {
  private readonly places = new Map<string, number>();
  /** `order[0..known)` are in `places`. */
  private known = 0;

  constructor(
    private readonly order: readonly string[],
    atOnce = INDEX_AT_ONCE,
  ) {
    this.learn(atOnce);
  }

  get complete(): boolean {
    return this.known === this.order.length;
  }

  placeOf(id: string): number | undefined {
    const place = this.places.get(id);
    if (place !== undefined || this.complete) return place;
    while (this.known < this.order.length) {
      const at = this.known++;
      const next = this.order[at] as string;
      this.places.set(next, at);
      if (next === id) return at;
    }
    return undefined;
  }

  /** Learns up to `count` more places; whether it knows them all now. */
  learn(count: number): boolean {
    const end = Math.min(this.order.length, this.known + count);
    for (let at = this.known; at < end; at++) this.places.set(this.order[at] as string, at);
    this.known = end;
    return this.complete;
  }
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

/** What the tally counts a status as: the lifecycle's predicates, asked once per status. */
interface Kind {
  running: boolean;
  resumable: boolean;
  retryable: boolean;
  settled: boolean;
  unfinished: boolean;
}

const KINDS = Object.fromEntries(
  UPLOAD_STATUSES.map((status): [UploadStatus, Kind] => [
    status,
    {
      running: isActive(status),
      resumable: startEvent(status) === 'resume',
      retryable: startEvent(status) === 'retry',
      settled: isFinal(status),
      unfinished: isUnfinished(status),
    },
  ]),
) as Record<UploadStatus, Kind>;

/** Adds one row's part to `tally` (`sign` -1: takes it away). */
function count(tally: Tally, p: UploadProgress, sign: 1 | -1): void {
  const kind = KINDS[p.status];
  tally.files += sign;
  if (kind.running) tally.running += sign;
  if (kind.resumable) tally.resumable += sign;
  if (kind.retryable) tally.retryable += sign;
  if (kind.settled) tally.settled += sign;
  if (kind.unfinished) tally.unfinished += sign;
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

/** The row at place `at` of the order. */
function rowAt(state: QueueState, at: number): UploadProgress | undefined {
  return state.chunks[Math.floor(at / CHUNK)]?.[at % CHUNK];
}

/** The row of upload `id`, if the queue shows it. */
export function itemOf(state: QueueState, id: string): UploadProgress | undefined {
  const at = state.index.placeOf(id);
  return at === undefined ? undefined : rowAt(state, at);
}

/**
 * The row at place `at`, if it is upload `id`'s: what a row on screen reads,
 * which knows its place. Not its row (the rows moved, or `id` is gone): the
 * list renders that place again with whatever row is there, so asking the
 * index (all of it, for an id that is gone) would buy nothing.
 */
export function itemAt(state: QueueState, at: number, id: string): UploadProgress | undefined {
  const row = rowAt(state, at);
  return row?.id === id ? row : undefined;
}

/**
 * The state for these rows (ids unique, as main's list and a batch's new
 * rows are), unfinished first (see `order`).
 */
function build(rows: readonly UploadProgress[]): QueueState {
  const tally = { ...NO_TALLY };
  const order: string[] = [];
  const chunks: UploadProgress[][] = [];
  let chunk: UploadProgress[] = [];
  const place = (row: UploadProgress) => {
    if (order.length % CHUNK === 0) chunks.push((chunk = []));
    chunk.push(row);
    order.push(row.id);
  };
  // Two passes and no copies between: at 100,000 rows each pass over them counts.
  for (const row of rows) {
    count(tally, row, 1);
    if (KINDS[row.status].unfinished) place(row);
  }
  if (order.length < rows.length) {
    for (const row of rows) if (!KINDS[row.status].unfinished) place(row);
  }
  return { order, index: new RowIndex(order), chunks, tally };
}

/** What the Upload tab's count says: uploads not yet settled, not every row. */
export function unfinishedCount(state: QueueState): number {
  return state.tally.unfinished;
}

export const EMPTY_QUEUE: QueueState = build([]);

/** Applies one coalesced batch; rows not yet known (added elsewhere) join the unfinished ones. */
export function applyProgressBatch(state: QueueState, batch: ProgressBatch): QueueState {
  if (batch.items.length === 0) return state;
  const fresh = new Map<string, UploadProgress>();
  const chunks = [...state.chunks];
  const copied = new Set<number>();
  const tally = { ...state.tally };
  let at: number | undefined = -1;
  for (const progress of batch.items) {
    // A long batch ("pause all") tends to name rows in the queue's order:
    // the row after the one before is tried first, then the index.
    at =
      at !== undefined && state.order[at + 1] === progress.id
        ? at + 1
        : state.index.placeOf(progress.id);
    if (at === undefined) {
      fresh.set(progress.id, progress);
      continue;
    }
    const c = Math.floor(at / CHUNK);
    if (!copied.has(c)) {
      chunks[c] = (chunks[c] ?? []).slice();
      copied.add(c);
    }
    const chunk = chunks[c] as UploadProgress[];
    count(tally, chunk[at % CHUNK] as UploadProgress, -1);
    count(tally, progress, 1);
    chunk[at % CHUNK] = progress;
  }
  // Sums of fractions taken away can leave a trace: nothing running moves at 0.
  if (tally.active === 0) tally.speed = 0;
  if (fresh.size === 0) return { ...state, chunks, tally };
  return build([...chunks.flat(), ...fresh.values()]);
}

/**
 * Rows an answer from main just created (uploads:add). Only rows not yet
 * known are taken: a progress batch may already have moved them further
 * (events and answers travel separately).
 */
export function addMissing(state: QueueState, items: readonly UploadProgress[]): QueueState {
  const fresh = items.filter((p) => state.index.placeOf(p.id) === undefined);
  return fresh.length === 0 ? state : applyProgressBatch(state, { items: fresh });
}

/** The whole list from main (after uploads were added or cleared); its ids are unique. */
export function replaceQueue(list: QueueList): QueueState {
  return build(list.items);
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
