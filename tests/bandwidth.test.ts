import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket, type BucketClock } from '../electron/engine/token-bucket';
import { formatRate, MAX_RATE, MIN_RATE, parseRate } from '../shared/rate';

describe('parseRate', () => {
  it('reads bytes in decimal and binary units, and bits spelled out', () => {
    const rate = (text: string) => {
      const parsed = parseRate(text);
      return parsed.ok ? parsed.rate : parsed.message;
    };
    expect(rate('40MB/s')).toBe(40_000_000);
    expect(rate('40 mb/s')).toBe(40_000_000);
    expect(rate('40MiB/s')).toBe(40 * 1024 * 1024);
    expect(rate('500KB/s')).toBe(500_000);
    expect(rate('1.5GB')).toBe(1_500_000_000);
    expect(rate('100Mbit/s')).toBe(12_500_000);
    expect(rate('100 Mbps')).toBe(12_500_000);
    expect(rate('750kbit/s')).toBe(93_750);
    expect(rate(' off ')).toBeNull();
    expect(rate('0')).toBeNull();
    expect(rate('0MB/s')).toBeNull();
  });

  it('says what it accepts when it cannot read the text', () => {
    for (const text of ['fast', '40', '40 MB per s', '-1MB/s', '40XB/s', '']) {
      const parsed = parseRate(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('e.g. 40MB/s, 500KiB/s or 100Mbit/s');
    }
    const low = parseRate('1KB/s');
    expect(low).toEqual({
      ok: false,
      message: `A bandwidth limit must be between 10 KB/s and 100 GB/s ("off" for none); "1KB/s" is not.`,
    });
  });

  it('reads back what it formats, in the unit that is exact', () => {
    expect(formatRate(40_000_000)).toBe('40 MB/s');
    expect(formatRate(40 * 1024 * 1024)).toBe('40 MiB/s');
    expect(formatRate(12_500_000)).toBe('12.5 MB/s');
    expect(formatRate(93_750)).toBe('93.75 KB/s');
    fc.assert(
      fc.property(fc.integer({ min: MIN_RATE, max: MAX_RATE }), (rate) => {
        const parsed = parseRate(formatRate(rate));
        // Two decimals of the unit: within half a hundredth of it.
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(Math.abs((parsed.rate as number) - rate) / rate).toBeLessThan(0.005);
      }),
    );
  });
});

/** A clock that moves only when told to, firing timers in order. */
class FakeClock implements BucketClock {
  private time = 0;
  private timers: Array<{ at: number; run: () => void; id: number }> = [];
  private nextId = 0;

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, run, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time on by `ms`, running each timer due on the way (and the promises it settles). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.run();
    }
    this.time = end;
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `streams` readers that always want `want` bytes more, counting what the bucket lets through. */
function readers(bucket: TokenBucket, streams: number, want: number) {
  const stop = new AbortController();
  const state = { bytes: 0, held: 0, grants: 0 };
  for (let i = 0; i < streams; i++) {
    void (async () => {
      for (;;) {
        const grant = await bucket.take(want, stop.signal).catch(() => null);
        if (!grant) return;
        expect(grant.bytes).toBeGreaterThan(0);
        expect(grant.bytes).toBeLessThanOrEqual(want);
        state.bytes += grant.bytes;
        state.grants++;
        if (grant.held) state.held++;
      }
    })();
  }
  return { state, stop: () => stop.abort() };
}

describe('TokenBucket', () => {
  it('lets readers through at the rate, starting empty, whatever their number', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000_000, clock);
    const { state, stop } = readers(bucket, 8, 1024 * 1024);
    await clock.advance(30_000);
    stop();
    // 30 s at 1 MB/s, give or take one piece (a tenth of a second).
    expect(state.bytes).toBeGreaterThanOrEqual(30_000_000 - 100_000);
    expect(state.bytes).toBeLessThanOrEqual(30_000_000);
    expect(state.held).toBe(state.grants);
  });

  it('follows a new rate at once, waiters included, and lets everything through when lifted', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(100_000, clock);
    const { state, stop } = readers(bucket, 4, 1024 * 1024);
    await clock.advance(2_000);
    const before = state.bytes;
    bucket.setRate(10_000_000);
    await clock.advance(1_000);
    expect(state.bytes - before).toBeGreaterThan(9_000_000);
    expect(state.bytes - before).toBeLessThanOrEqual(10_000_000 + 100_000);
    stop();
    bucket.setRate(100_000);
    const waiting = bucket.take(1024 * 1024);
    bucket.setRate(null);
    // No time passed, yet the waiter goes on, whole: no limit holds it.
    await expect(waiting).resolves.toEqual({ bytes: 1024 * 1024, held: true });
    await expect(bucket.take(1024 * 1024)).resolves.toEqual({ bytes: 1024 * 1024, held: false });
  });

  it('does not hold a reader while tokens are there, and drops a waiter whose request ended', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000_000, clock);
    await clock.advance(1_000);
    // The bucket kept a fifth of a second of the idle second, in pieces of a tenth.
    await expect(bucket.take(150_000)).resolves.toEqual({ bytes: 100_000, held: false });
    await expect(bucket.take(50_000)).resolves.toEqual({ bytes: 50_000, held: false });
    const ended = new AbortController();
    const waiting = bucket.take(100_000, ended.signal);
    const next = bucket.take(50_000);
    ended.abort();
    await expect(waiting).rejects.toThrow('aborted');
    await clock.advance(0);
    await expect(next).resolves.toEqual({ bytes: 50_000, held: true });
  });

  it('lets through what the rates allowed, never more, over any reads and rate changes', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2_000 }) }),
      fc.record({
        kind: fc.constant('rate' as const),
        rate: fc.integer({ min: MIN_RATE, max: 20_000_000 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MIN_RATE, max: 20_000_000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 64 * 1024, max: 4 * 1024 * 1024 }),
        fc.array(step, { maxLength: 10 }),
        async (initial, streams, want, steps) => {
          const clock = new FakeClock();
          const bucket = new TokenBucket(initial, clock);
          const { state, stop } = readers(bucket, streams, want);
          let allowed = 0;
          let rate = initial;
          // What may be lost at each rate change (the bucket is cut to the new
          // burst) and what the readers may not have had yet: one burst each.
          let slack = Math.max(1024, initial / 10);
          for (const s of steps) {
            if (s.kind === 'rate') {
              bucket.setRate(s.rate);
              slack += 2 * Math.max(1024, rate / 10, s.rate / 10);
              rate = s.rate;
            } else {
              await clock.advance(s.ms);
              allowed += (rate * s.ms) / 1000;
            }
            // It starts empty: not even a burst more than was earned.
            expect(state.bytes).toBeLessThanOrEqual(allowed + 1);
            expect(state.bytes).toBeGreaterThanOrEqual(allowed - slack - 1);
          }
          stop();
        },
      ),
      { numRuns: 60 },
    );
  });
});
