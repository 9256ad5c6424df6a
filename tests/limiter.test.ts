import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter } from '../electron/engine/limiter';
import { MAX_REQUESTS_IN_FLIGHT, MiB, SMALL_REQUESTS_PER_PART } from '../shared/parts';

const PART = 8 * MiB;

/** Lets every request the limiter granted see it (its promise settles). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The queue's limiter: limit × 8 MiB in flight, 8 small requests per part, at most 128. */
function queueLimiter(max = 8, recoverAfter = 20) {
  return new AdaptiveLimiter(max, {
    recoverAfter,
    requestsPerPart: SMALL_REQUESTS_PER_PART,
    maxRequests: MAX_REQUESTS_IN_FLIGHT,
  });
}

/** Acquires `bytes` of a part-sized request; the flag says whether it was let through. */
function request(limiter: AdaptiveLimiter, bytes: number, signal?: AbortSignal) {
  const entry = { granted: false, release: () => undefined as void };
  const done = limiter.acquire(signal, bytes / PART).then((release) => {
    entry.granted = true;
    entry.release = release;
  });
  return Object.assign(entry, { done });
}

describe('the limit on what is in flight', () => {
  it('lets small files go eight to a part, up to the sockets’ worth', async () => {
    const limiter = queueLimiter(8);
    expect(limiter.requestLimit).toBe(64);
    const small = Array.from({ length: 65 }, () => request(limiter, 256 * 1024));
    await settle();
    expect(small.filter((r) => r.granted)).toHaveLength(64);
    expect(limiter.inFlight).toEqual({ requests: 64, parts: 2 });
    small[0]?.release();
    await settle();
    expect(small[64]?.granted).toBe(true);
    expect(queueLimiter(64).requestLimit).toBe(MAX_REQUESTS_IN_FLIGHT);
  });

  it('holds the bytes in flight to the limit × the part size', async () => {
    const limiter = queueLimiter(2);
    const halves = Array.from({ length: 5 }, () => request(limiter, PART / 2));
    await settle();
    expect(halves.map((r) => r.granted)).toEqual([true, true, true, true, false]);
    // A request over a part weighs one part: it fits any limit.
    const one = queueLimiter(1);
    const big = request(one, 2 * PART);
    await settle();
    expect(big.granted).toBe(true);
  });

  it('counts by requests alone where every request is a part, as before', async () => {
    const limiter = new AdaptiveLimiter(2);
    expect(limiter.requestLimit).toBe(2);
    const tiny = Array.from({ length: 3 }, () => request(limiter, 1));
    await settle();
    expect(tiny.map((r) => r.granted)).toEqual([true, true, false]);
  });

  it('does not starve a part behind small files that keep coming', async () => {
    const limiter = queueLimiter(1); // 8 requests, one part's worth
    const small = Array.from({ length: 4 }, () => request(limiter, PART / 8));
    const part = request(limiter, PART);
    await settle();
    expect(part.granted).toBe(false);
    // More small files keep coming, each of which would fit: none overtakes the part.
    const later = [];
    for (const one of small) {
      later.push(request(limiter, PART / 8));
      await settle();
      expect(later.some((r) => r.granted)).toBe(false);
      one.release();
      await settle();
    }
    expect(part.granted).toBe(true);
    expect(later.some((r) => r.granted)).toBe(false);
    part.release();
    await settle();
    expect(later.every((r) => r.granted)).toBe(true);
  });

  it('lets the requests behind a part go when the part’s wait is aborted', async () => {
    const limiter = queueLimiter(1);
    const half = request(limiter, PART / 2);
    const controller = new AbortController();
    const part = request(limiter, PART, controller.signal);
    const quarter = request(limiter, PART / 4);
    await settle();
    expect([half.granted, part.granted, quarter.granted]).toEqual([true, false, false]);
    controller.abort();
    await expect(part.done).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(quarter.granted).toBe(true);
  });

  it('halves the small requests allowed on SlowDown, and grows them back', async () => {
    const limiter = queueLimiter(8, 3);
    limiter.slowDown();
    expect([limiter.limit, limiter.requestLimit]).toEqual([4, 32]);
    limiter.slowDown();
    limiter.slowDown();
    limiter.slowDown();
    expect([limiter.limit, limiter.requestLimit]).toEqual([1, 8]);
    const small = Array.from({ length: 9 }, () => request(limiter, 1024));
    await settle();
    expect(small.filter((r) => r.granted)).toHaveLength(8);
    for (let i = 0; i < 3; i++) limiter.succeeded();
    await settle();
    expect([limiter.limit, limiter.requestLimit]).toEqual([2, 16]);
    expect(small[8]?.granted).toBe(true);
    limiter.setMax(16);
    expect(limiter.limit).toBe(2); // still held back by SlowDown
  });

  type Op =
    | { kind: 'acquire'; bytes: number }
    | { kind: 'release'; pick: number }
    | { kind: 'abort'; pick: number }
    | { kind: 'slowDown' }
    | { kind: 'succeeded'; times: number }
    | { kind: 'setMax'; max: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          fc.constant(PART),
          fc.integer({ min: 0, max: PART / 8 }),
          fc.integer({ min: 0, max: 2 * PART }),
        )
        .map((bytes) => ({ kind: 'acquire' as const, bytes })),
    },
    { weight: 3, arbitrary: fc.nat().map((pick) => ({ kind: 'release' as const, pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'abort' as const, pick })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'slowDown' as const }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 12 })
        .map((times) => ({ kind: 'succeeded' as const, times })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 12 }).map((max) => ({ kind: 'setMax' as const, max })),
    },
  );

  it('never lets more than the allowed requests or bytes through, in turn, and starves none', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          max: fc.integer({ min: 1, max: 12 }),
          requestsPerPart: fc.integer({ min: 1, max: 8 }),
          maxRequests: fc.integer({ min: 1, max: 40 }),
          recoverAfter: fc.integer({ min: 1, max: 5 }),
        }),
        fc.array(op, { maxLength: 80 }),
        async (options, ops) => {
          const limiter = new AdaptiveLimiter(options.max, options);
          // The limit as the note says it moves: halved by SlowDown, back by one per run of successes.
          let max = options.max;
          let limit = options.max;
          let streak = 0;
          const allowed = () =>
            Math.max(1, Math.min(limit * options.requestsPerPart, options.maxRequests));

          interface Entry {
            seq: number;
            bytes: number;
            controller: AbortController;
            release: (() => void) | null;
            aborted: boolean;
          }
          const held: Entry[] = [];
          const broken: string[] = [];
          const waiting: Entry[] = [];
          let seq = 0;
          let lastGranted = -1;
          const acquire = (bytes: number) => {
            const entry: Entry = {
              seq: seq++,
              bytes,
              controller: new AbortController(),
              release: null,
              aborted: false,
            };
            waiting.push(entry);
            limiter.acquire(entry.controller.signal, bytes / PART).then(
              (release) => {
                entry.release = release;
                waiting.splice(waiting.indexOf(entry), 1);
                held.push(entry);
                // What was let through fits what is allowed now.
                const bytesInFlight = held.reduce((sum, e) => sum + Math.min(e.bytes, PART), 0);
                if (held.length > limiter.requestLimit) broken.push('requests over the limit');
                if (bytesInFlight > limiter.limit * PART) broken.push('bytes over the limit');
                // In turn: none overtakes a request that waits before it.
                if (entry.seq < lastGranted) broken.push('a request overtook one before it');
                lastGranted = entry.seq;
              },
              () => {
                entry.aborted = true;
                waiting.splice(waiting.indexOf(entry), 1);
              },
            );
          };
          const release = (entry: Entry) => {
            held.splice(held.indexOf(entry), 1);
            entry.release?.();
          };

          for (const step of ops) {
            switch (step.kind) {
              case 'acquire':
                acquire(step.bytes);
                break;
              case 'release': {
                const entry = held[step.pick % Math.max(1, held.length)];
                if (entry) release(entry);
                break;
              }
              case 'abort':
                waiting[step.pick % Math.max(1, waiting.length)]?.controller.abort();
                break;
              case 'slowDown':
                limiter.slowDown();
                streak = 0;
                limit = Math.max(1, Math.floor(limit / 2));
                break;
              case 'succeeded':
                for (let i = 0; i < step.times; i++) {
                  limiter.succeeded();
                  if (limit < max && ++streak >= options.recoverAfter) {
                    streak = 0;
                    limit++;
                  }
                }
                break;
              case 'setMax':
                limiter.setMax(step.max);
                limit = limit >= max ? step.max : Math.min(Math.max(limit, 1), step.max);
                max = step.max;
                break;
            }
            await settle();
            expect(broken).toEqual([]);
            expect(limiter.inFlight.requests).toBe(held.length);
            expect(limiter.limit).toBe(limit);
            expect(limiter.requestLimit).toBe(allowed());
            // Something waits only behind something in flight, whose end lets it on.
            if (waiting.length > 0) expect(held.length).toBeGreaterThan(0);
          }
          // Everything in flight ends: everything waiting goes, in turn.
          while (held.length > 0) {
            release(held[0] as Entry);
            await settle();
          }
          expect(broken).toEqual([]);
          expect(waiting).toHaveLength(0);
          expect(limiter.inFlight).toEqual({ requests: 0, parts: 0 });
        },
      ),
      { numRuns: 300 },
    );
  });
});
