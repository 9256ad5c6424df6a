import { abortError } from './retry';

/**
 * Note on what is in flight (enforced here; queue.ts builds the limiters,
 * transfer.ts and upload-run.ts say what each request or file weighs).
 *
 * A limit is counted in parts, not in requests. A multipart part costs a
 * part-sized buffer and a share of the link; a small file's PutObject costs
 * a round trip and little memory. So a request weighs its bytes ÷ its file's
 * part size, at most one part: `limit` parts' worth of bytes (limit × part
 * size, the memory the part buffers take) are in flight at most, as when
 * every request counted one (a single PUT of up to 16 MiB over a smaller
 * part size still counts one part, as it did). Requests lighter than a part
 * go up to `requestsPerPart` for each part of the limit (and never above
 * `maxRequests`), so a drop of thousands of small files keeps many round
 * trips overlapped while eight big parts stay eight. SlowDown halves the
 * limit, and with it the requests allowed.
 *
 * Waiters go strictly in turn: one that does not fit yet holds back those
 * after it, so a part is never starved by small files that keep fitting in
 * front of it.
 */

/** A part's weight; lighter requests weigh their share of it, at least one. */
const PART = 1024;

export interface LimiterOptions {
  /** Successes in a row after which a limit held back by SlowDown grows by one (default 20). */
  recoverAfter?: number;
  /** Requests in flight allowed per part of the limit (default 1: a limit by count). */
  requestsPerPart?: number;
  /** Requests in flight allowed at most, whatever the limit (default no bound). */
  maxRequests?: number;
}

interface Waiter {
  weight: number;
  resolve: () => void;
}

/**
 * One global limit on what is in flight (see the note above). On SlowDown
 * the limit halves; it grows back by one after every `recoverAfter`
 * successes in a row.
 */
export class AdaptiveLimiter {
  /** Requests in flight. */
  private active = 0;
  /** Their weight, in 1/PART of a part. */
  private load = 0;
  private current: number;
  private streak = 0;
  private readonly recoverAfter: number;
  private readonly requestsPerPart: number;
  private readonly maxRequests: number;
  private readonly waiting: Waiter[] = [];

  constructor(
    private max: number,
    options: LimiterOptions = {},
  ) {
    this.current = max;
    this.recoverAfter = options.recoverAfter ?? 20;
    this.requestsPerPart = options.requestsPerPart ?? 1;
    this.maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
  }

  /** Parts in flight allowed now (the setting, or less after SlowDown). */
  get limit(): number {
    return this.current;
  }

  /** Requests in flight allowed now, whatever they weigh. */
  get requestLimit(): number {
    return Math.max(1, Math.min(this.current * this.requestsPerPart, this.maxRequests));
  }

  /** What is in flight now: requests, and their weight in parts. */
  get inFlight(): { requests: number; parts: number } {
    return { requests: this.active, parts: this.load / PART };
  }

  /** A new setting: a limit not held back by SlowDown moves to it at once. */
  setMax(max: number): void {
    const atMax = this.current >= this.max;
    this.max = max;
    this.current = atMax ? max : Math.min(Math.max(this.current, 1), max);
    this.drain();
  }

  /**
   * Waits for room for one request of `share` of a part (its bytes ÷ the
   * part size; 1, a whole part, when not said) and takes it; call the
   * function returned when the request is over.
   */
  async acquire(signal?: AbortSignal, share = 1): Promise<() => void> {
    signal?.throwIfAborted();
    // At most one part: a part-sized or bigger request fits in any limit (at least 1).
    const weight = Math.min(PART, Math.max(1, Math.ceil(share * PART)));
    if (this.waiting.length === 0 && this.fits(weight)) {
      this.take(weight);
    } else {
      // drain() counts this request in flight before it resolves.
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(abortError());
          // It may have held back lighter requests behind it.
          this.drain();
        };
        // The listener goes with the wait: a job's signal outlives thousands
        // of waits (every part, every retry of an outage).
        const entry: Waiter = {
          weight,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        this.waiting.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.load -= weight;
      this.drain();
    };
  }

  slowDown(): void {
    this.streak = 0;
    this.current = Math.max(1, Math.floor(this.current / 2));
  }

  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.streak >= this.recoverAfter) {
      this.streak = 0;
      this.current++;
      this.drain();
    }
  }

  private fits(weight: number): boolean {
    return this.active < this.requestLimit && this.load + weight <= this.current * PART;
  }

  private take(weight: number): void {
    this.active++;
    this.load += weight;
  }

  private drain(): void {
    // In turn: the first waiter that does not fit holds back the rest.
    while (this.waiting.length > 0 && this.fits((this.waiting[0] as Waiter).weight)) {
      const next = this.waiting.shift() as Waiter;
      this.take(next.weight);
      next.resolve();
    }
  }
}

/** `work` on every item, at most `limit` at once, results in order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
