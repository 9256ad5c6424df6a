import { abortError } from './retry';

/** Time, injectable so tests can run the bucket on a fake clock. */
export interface BucketClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: BucketClock = {
  // Date.now, as the queue's progress uses: a hold is shown against that clock.
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Bytes go out in pieces of at most a tenth of a second's worth: with every
 * part of every file taking turns, each request's socket still gets bytes
 * every few seconds at the lowest limit (MIN_RATE), well within S3's and the
 * client's idle timeouts. The bucket holds two pieces, so what a late timer
 * earned past the next piece is kept, not lost.
 */
const PIECE_SECONDS = 0.1;
const MIN_PIECE = 1024;
const BURST_PIECES = 2;

export interface Grant {
  /** Bytes that may go now (at least one, at most what was asked). */
  bytes: number;
  /** Whether the limit made the caller wait for them. */
  held: boolean;
}

interface Waiter {
  want: number;
  resolve: (grant: Grant) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * One bandwidth limit for the whole process, shared by every request body
 * (like rclone's --bwlimit): a token bucket filled at `rate` bytes a second,
 * holding at most a fifth of a second's worth, that starts empty so a limit
 * holds from the first byte. Waiters are served in turn. A new rate applies
 * at once, to the waiters too; null lifts the limit.
 */
export class TokenBucket {
  private tokens = 0;
  private last: number;
  private readonly waiting: Waiter[] = [];
  private timer: unknown = null;

  constructor(
    private rate: number | null,
    private readonly clock: BucketClock = realClock,
  ) {
    this.last = clock.now();
  }

  get limit(): number | null {
    return this.rate;
  }

  now(): number {
    return this.clock.now();
  }

  setRate(rate: number | null): void {
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.burst());
    this.serve();
  }

  /** Up to `want` bytes, once the limit allows them; rejects if `signal` fires first. */
  take(want: number, signal?: AbortSignal): Promise<Grant> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.waiting.length === 0) {
      const bytes = this.grantNow(want);
      if (bytes > 0) return Promise.resolve({ bytes, held: false });
    }
    return new Promise<Grant>((resolve, reject) => {
      const waiter: Waiter = {
        want,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(abortError());
          this.serve();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
      this.serve();
    });
  }

  private piece(): number {
    return this.rate === null
      ? Infinity
      : Math.floor(Math.max(MIN_PIECE, this.rate * PIECE_SECONDS));
  }

  private burst(): number {
    return this.piece() * BURST_PIECES;
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.rate !== null) {
      // Date.now may step back (a clock set by hand): never count negative time.
      const earned = (Math.max(0, now - this.last) * this.rate) / 1000;
      this.tokens = Math.min(this.burst(), this.tokens + earned);
    }
    this.last = now;
  }

  /** Bytes of `want` that may go now, taken from the bucket; 0 if not enough are there. */
  private grantNow(want: number): number {
    if (this.rate === null) return want;
    this.refill();
    const bytes = Math.min(want, this.piece());
    if (this.tokens < bytes) return 0;
    this.tokens -= bytes;
    return bytes;
  }

  /** Serves the waiters the bucket can, in turn, and sets the timer for the next. */
  private serve(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    let head = this.waiting[0];
    while (head) {
      const bytes = this.grantNow(head.want);
      if (bytes === 0) break;
      this.waiting.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve({ bytes, held: true });
      head = this.waiting[0];
    }
    if (!head || this.rate === null) return;
    const missing = Math.min(head.want, this.piece()) - this.tokens;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        this.serve();
      },
      Math.max(1, Math.ceil((missing * 1000) / this.rate)),
    );
  }
}
