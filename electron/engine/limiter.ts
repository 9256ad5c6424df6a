import { abortError } from './retry';

/**
 * One global limit on parallel part requests. On SlowDown the limit halves;
 * it grows back by one after every `recoverAfter` successes in a row.
 */
export class AdaptiveLimiter {
  private active = 0;
  private current: number;
  private streak = 0;
  private readonly waiting: Array<{ resolve: () => void; signal?: AbortSignal }> = [];

  constructor(
    private max: number,
    private readonly recoverAfter = 20,
  ) {
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  /** A new setting: a limit not held back by SlowDown moves to it at once. */
  setMax(max: number): void {
    const atMax = this.current >= this.max;
    this.max = max;
    this.current = atMax ? max : Math.min(Math.max(this.current, 1), max);
    this.drain();
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.current && this.waiting.length === 0) {
      this.active++;
    } else {
      // drain() counts this request as active before it resolves.
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(abortError());
        };
        // The listener goes with the wait: a job's signal outlives thousands
        // of waits (every part, every retry of an outage).
        const entry = {
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          signal,
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

  private drain(): void {
    while (this.active < this.current && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next) {
        this.active++;
        next.resolve();
      }
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
