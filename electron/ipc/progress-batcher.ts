import type { ProgressBatch } from '../../shared/ipc';
import type { UploadProgress } from '../../shared/types';

/** What the batcher reads: the engine's UploadQueue fits. */
export interface ProgressSource {
  /** Status changes, as they happen. */
  onChange(listener: (progress: UploadProgress) => void): () => void;
  /** Live byte counts and speeds of the uploads running now. */
  snapshot(): UploadProgress[];
}

/** Timers, injectable so tests can run the batcher on a fake clock. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface ProgressBatcherOptions {
  /** One batch per window at most this often while bytes move; default 100 ms. */
  intervalMs?: number;
  timers?: Timers;
  /** Each poll's snapshot, for others that want live byte counts (taskbar progress). */
  onPoll?: (snapshot: readonly UploadProgress[]) => void;
}

/**
 * A poll may cost at most a tenth of the time between polls: reading the
 * snapshot of ten thousand queued files takes the engine ~100 ms, and the
 * main process must stay responsive meanwhile.
 */
const MAX_POLL_SHARE = 0.1;

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

/**
 * Coalesces upload progress for one window (see the note in shared/ipc.ts):
 * while uploads run it polls the queue's snapshot every `intervalMs` and sends
 * what changed as one batch; a status change is sent at once (on the next turn
 * of the event loop, so the thousand "queued" changes of a big drop go as one
 * batch) unless a batch went less than `intervalMs` ago: then it waits for the
 * rest of that interval, so a window never gets more than ten batches a second.
 * When nothing runs it stops polling; when a poll is costly it polls less often.
 */
export class ProgressBatcher {
  private readonly pending = new Map<string, UploadProgress>();
  /** What the window last saw of each running upload, to send only changes. */
  private readonly sent = new Map<string, string>();
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private readonly onPoll: ((snapshot: readonly UploadProgress[]) => void) | undefined;
  private tick: unknown = null;
  private flushSoon: unknown = null;
  private lastSent = -Infinity;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly source: ProgressSource,
    private readonly send: (batch: ProgressBatch) => void,
    options: ProgressBatcherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.timers = options.timers ?? realTimers;
    this.onPoll = options.onPoll;
  }

  start(): this {
    if (this.unsubscribe) return this;
    this.unsubscribe = this.source.onChange((progress) => {
      this.pending.set(progress.id, progress);
      this.flushLater(0);
      this.ensureTicking();
    });
    // Uploads may already be running when a window (re)loads.
    this.ensureTicking();
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.tick !== null) this.timers.clearTimeout(this.tick);
    if (this.flushSoon !== null) this.timers.clearTimeout(this.flushSoon);
    this.tick = null;
    this.flushSoon = null;
    this.pending.clear();
    this.sent.clear();
  }

  private ensureTicking(delay = this.intervalMs): void {
    if (this.tick !== null || !this.unsubscribe) return;
    this.tick = this.timers.setTimeout(() => this.poll(), delay);
  }

  private poll(): void {
    this.tick = null;
    const started = this.timers.now();
    const live = this.source.snapshot();
    const cost = this.timers.now() - started;
    this.onPoll?.(live);
    const running = new Set<string>();
    for (const progress of live) {
      running.add(progress.id);
      if (this.sent.get(progress.id) !== signature(progress)) {
        this.pending.set(progress.id, progress);
      }
    }
    for (const id of this.sent.keys()) if (!running.has(id)) this.sent.delete(id);
    this.flush();
    if (live.length > 0) this.ensureTicking(Math.max(this.intervalMs, cost / MAX_POLL_SHARE));
  }

  private flushLater(ms: number): void {
    this.flushSoon ??= this.timers.setTimeout(() => {
      this.flushSoon = null;
      this.flush();
    }, ms);
  }

  /** Sends what is pending, but never two batches within `intervalMs`. */
  private flush(): void {
    if (this.pending.size === 0) return;
    const wait = this.lastSent + this.intervalMs - this.timers.now();
    if (wait > 0) return this.flushLater(wait);
    this.lastSent = this.timers.now();
    const items = [...this.pending.values()];
    this.pending.clear();
    for (const progress of items) this.sent.set(progress.id, signature(progress));
    this.send({ items });
  }
}

/** Everything the window shows of a row; speed rounded so noise alone sends nothing. */
function signature(p: UploadProgress): string {
  return `${p.status}|${p.hashedBytes}|${p.uploadedBytes}|${Math.round(p.speed / 1024)}|${p.heldTo}|${p.error?.code ?? ''}`;
}
