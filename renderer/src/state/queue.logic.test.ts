import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUnfinished, UPLOAD_STATUSES } from '../../../shared/lifecycle';
import type { UploadProgress } from '../../../shared/types';
import {
  addMissing,
  applyProgressBatch,
  baseName,
  bulkAvailability,
  cancelNeedsConfirm,
  EMPTY_QUEUE,
  heldLine,
  itemAt,
  itemOf,
  queueTotals,
  replaceQueue,
  RowIndex,
  rowView,
  settledAny,
  unfinishedCount,
} from './queue.logic';

function p(id: string, patch: Partial<UploadProgress> = {}): UploadProgress {
  return {
    id,
    localPath: `/data/run/${id}.fastq`,
    bucket: 'lab-bucket',
    key: `center/${id}.fastq`,
    size: 1000,
    status: 'uploading',
    hashedBytes: 1000,
    uploadedBytes: 0,
    speed: 0,
    heldTo: null,
    error: null,
    skipped: null,
    ...patch,
  };
}

describe('the queue order and count', () => {
  it('puts new uploads above finished ones, not below 300 done rows', () => {
    const done = Array.from({ length: 300 }, (_, i) => p(`d${i}`, { status: 'done' }));
    const start = replaceQueue({ items: done });
    const next = addMissing(start, [p('new-1', { status: 'queued' }), p('new-2')]);
    expect(next.order.slice(0, 2)).toEqual(['new-1', 'new-2']);
    expect(next.order).toHaveLength(302);
    // A row that finishes keeps its place until rows are added or the queue is replaced.
    const finished = applyProgressBatch(next, { items: [p('new-1', { status: 'done' })] });
    expect(finished.order.slice(0, 2)).toEqual(['new-1', 'new-2']);
  });

  it('lists unfinished uploads first when main sends the whole queue', () => {
    const state = replaceQueue({
      items: [
        p('a', { status: 'done' }),
        p('b', { status: 'paused' }),
        p('c', { status: 'failed' }),
        p('d'),
      ],
    });
    expect(state.order).toEqual(['b', 'd', 'a', 'c']);
  });

  it('counts only unfinished uploads for the Upload tab ("Upload 304" with all done said 304)', () => {
    const state = replaceQueue({
      items: [
        ...Array.from({ length: 303 }, (_, i) => p(`d${i}`, { status: 'done' })),
        p('f', { status: 'failed' }),
      ],
    });
    expect(unfinishedCount(state)).toBe(0);
    expect(unfinishedCount(addMissing(state, [p('n', { status: 'queued' })]))).toBe(1);
  });
});

describe('cancelNeedsConfirm', () => {
  const MiB = 1024 * 1024;
  it('asks before cancelling a large file, or one far along, never a small fresh one', () => {
    expect(cancelNeedsConfirm(p('big', { size: 200 * MiB }))).toBe(true);
    expect(cancelNeedsConfirm(p('far', { size: 40 * MiB, uploadedBytes: 30 * MiB }))).toBe(true);
    expect(cancelNeedsConfirm(p('fresh', { size: 40 * MiB, uploadedBytes: MiB }))).toBe(false);
    expect(cancelNeedsConfirm(p('tiny', { size: 2000, uploadedBytes: 1500 }))).toBe(false);
    expect(cancelNeedsConfirm(p('done', { size: 200 * MiB, status: 'done' }))).toBe(false);
  });
});

describe('bulkAvailability', () => {
  it('offers only the toolbar actions that have something to act on', () => {
    const allDone = replaceQueue({
      items: [p('a', { status: 'done' }), p('b', { status: 'done' })],
    });
    expect(bulkAvailability(allDone)).toEqual({
      pauseAll: false,
      resumeAll: false,
      retryAll: false,
      clearFinished: true,
      cancelAll: false,
    });
    expect(bulkAvailability(EMPTY_QUEUE)).toEqual({
      pauseAll: false,
      resumeAll: false,
      retryAll: false,
      clearFinished: false,
      cancelAll: false,
    });
    const mixed = replaceQueue({
      items: [p('a'), p('b', { status: 'paused' }), p('c', { status: 'failed' })],
    });
    expect(bulkAvailability(mixed)).toEqual({
      pauseAll: true,
      resumeAll: true,
      retryAll: true,
      clearFinished: false,
      cancelAll: true,
    });
  });
});

describe('applyProgressBatch', () => {
  it('replaces the rows, keeps untouched rows as they were, and appends new rows in order', () => {
    const start = replaceQueue({ items: [p('a'), p('b')] });
    const next = applyProgressBatch(start, { items: [p('b', { uploadedBytes: 10 }), p('c')] });
    expect(next).not.toBe(start);
    expect(itemOf(next, 'a')).toBe(itemOf(start, 'a'));
    expect(itemOf(next, 'b')?.uploadedBytes).toBe(10);
    expect(next.order).toEqual(['a', 'b', 'c']);
    expect(itemOf(start, 'b')?.uploadedBytes).toBe(0); // never mutated
    expect(itemOf(next, 'nothing')).toBeUndefined();
  });

  it('copies only the chunks of rows a batch changes', () => {
    const start = replaceQueue({ items: Array.from({ length: 3000 }, (_, i) => p(`f${i}`)) });
    const next = applyProgressBatch(start, { items: [p('f2500', { uploadedBytes: 5 })] });
    expect(next.chunks.map((chunk, i) => chunk === start.chunks[i])).toEqual([true, true, false]);
    expect(next.index).toBe(start.index);
    expect(itemOf(next, 'f2500')?.uploadedBytes).toBe(5);
  });

  it('keeps the totals, the toolbar and the count as counting every row again would', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({
              id: fc.integer({ min: 0, max: 30 }),
              status: fc.constantFrom(...UPLOAD_STATUSES),
              size: fc.integer({ min: 0, max: 5000 }),
              uploaded: fc.integer({ min: 0, max: 5000 }),
              speed: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e9, noNaN: true })),
            }),
            { maxLength: 40 },
          ),
          { maxLength: 8 },
        ),
        (batches) => {
          let state = EMPTY_QUEUE;
          const rows = new Map<string, UploadProgress>();
          for (const batch of batches) {
            const items = batch.map((r) =>
              p(`f${r.id}`, {
                status: r.status,
                size: r.size,
                uploadedBytes: Math.min(r.uploaded, r.size),
                speed: r.speed,
              }),
            );
            state = applyProgressBatch(state, { items });
            for (const item of items) rows.set(item.id, item);
          }
          // From scratch: the same rows as one list.
          const fresh = replaceQueue({
            items: state.order.map((id) => rows.get(id) as UploadProgress),
          });
          for (const id of rows.keys()) expect(itemOf(state, id)).toBe(rows.get(id));
          const totals = queueTotals(state);
          const expected = queueTotals(fresh);
          expect({ ...totals, speed: 0 }).toEqual({ ...expected, speed: 0 });
          expect(totals.speed).toBeCloseTo(expected.speed, 0);
          expect(bulkAvailability(state)).toEqual(bulkAvailability(fresh));
          expect(unfinishedCount(state)).toBe(unfinishedCount(fresh));
          expect(unfinishedCount(state)).toBe(
            [...rows.values()].filter((r) => isUnfinished(r.status)).length,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the same order array when no row is new, and ignores an empty batch', () => {
    const start = replaceQueue({ items: [p('a')] });
    expect(applyProgressBatch(start, { items: [p('a', { speed: 5 })] }).order).toBe(start.order);
    expect(applyProgressBatch(start, { items: [] })).toBe(start);
  });

  it('applies a batch of 10,000 rows at once', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => p(`f${i}`, { status: 'queued' }));
    const state = applyProgressBatch(EMPTY_QUEUE, { items });
    expect(state.order).toHaveLength(10_000);
    expect(state.order[9999]).toBe('f9999');
  });
});

describe('a queue of 100,000 rows', () => {
  /** The queue as the window shows it, made the slow, obvious way. */
  function model(rows: readonly UploadProgress[]): UploadProgress[] {
    return [
      ...rows.filter((r) => isUnfinished(r.status)),
      ...rows.filter((r) => !isUnfinished(r.status)),
    ];
  }

  const step = fc.oneof(
    // main's whole list: some of the ids seen before, some new
    fc.record({
      replace: fc.array(
        fc.record({
          id: fc.integer({ min: 0, max: 40 }),
          status: fc.constantFrom(...UPLOAD_STATUSES),
        }),
        { maxLength: 30 },
      ),
    }),
    // a batch: rows moving on, and rows added elsewhere
    fc.record({
      batch: fc.array(
        fc.record({
          id: fc.integer({ min: 0, max: 40 }),
          status: fc.constantFrom(...UPLOAD_STATUSES),
          size: fc.integer({ min: 0, max: 5000 }),
          uploaded: fc.integer({ min: 0, max: 5000 }),
          speed: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e9, noNaN: true })),
          heldTo: fc.option(fc.integer({ min: 1, max: 1e8 })),
        }),
        { maxLength: 30 },
      ),
    }),
    // rows an answer created
    fc.record({ add: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }) }),
  );

  it('tallies as counting every row again would, after any replaces and batches', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let state = EMPTY_QUEUE;
        let rows: UploadProgress[] = [];
        for (const s of steps) {
          if ('replace' in s) {
            const unique = new Map(s.replace.map((r) => [`f${r.id}`, r]));
            const items = [...unique].map(([id, r]) => p(id, { status: r.status }));
            state = replaceQueue({ items });
            rows = model(items);
          } else if ('batch' in s) {
            const items = s.batch.map((r) =>
              p(`f${r.id}`, {
                status: r.status,
                size: r.size,
                uploadedBytes: Math.min(r.uploaded, r.size),
                speed: r.speed,
                heldTo: r.heldTo,
              }),
            );
            state = applyProgressBatch(state, { items });
            const fresh = new Map<string, UploadProgress>();
            for (const item of items) {
              const at = rows.findIndex((r) => r.id === item.id);
              if (at >= 0) rows[at] = item;
              else fresh.set(item.id, item);
            }
            if (fresh.size > 0) rows = model([...rows, ...fresh.values()]);
          } else {
            const items = s.add.map((id) => p(`f${id}`, { status: 'queued' }));
            state = addMissing(state, items);
            const known = new Set(rows.map((r) => r.id));
            const fresh = new Map(items.filter((r) => !known.has(r.id)).map((r) => [r.id, r]));
            if (fresh.size > 0) rows = model([...rows, ...fresh.values()]);
          }
        }
        expect(state.order).toEqual(rows.map((r) => r.id));
        rows.forEach((row, at) => {
          expect(itemOf(state, row.id)).toBe(row);
          expect(itemAt(state, at, row.id)).toBe(row);
        });
        const fresh = replaceQueue({ items: rows });
        const totals = queueTotals(state);
        const expected = queueTotals(fresh);
        expect({ ...totals, speed: 0, heldTo: 0 }).toEqual({ ...expected, speed: 0, heldTo: 0 });
        expect(totals.speed).toBeCloseTo(expected.speed, 0);
        // The limit is the latest one a row was held to: both say one, or neither.
        expect(totals.heldTo === null).toBe(expected.heldTo === null);
        expect(bulkAvailability(state)).toEqual(bulkAvailability(fresh));
        expect(unfinishedCount(state)).toBe(rows.filter((r) => isUnfinished(r.status)).length);
      }),
      { numRuns: 300 },
    );
  });

  it('finds every row by id however much of the index was learnt, and no row that is not there', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { maxLength: 200 }),
        fc.array(fc.oneof(fc.integer({ min: -50, max: 600 }), fc.constant(Infinity))),
        fc.integer({ min: 0, max: 300 }),
        (ids, asks, atOnce) => {
          const order = ids.map((id) => `f${id}`);
          const index = new RowIndex(order, atOnce);
          for (const ask of asks) {
            // Infinity: a slice learnt between frames.
            if (ask === Infinity) index.learn(7);
            else
              expect(index.placeOf(`f${ask}`)).toBe(
                order.indexOf(`f${ask}`) >= 0 ? order.indexOf(`f${ask}`) : undefined,
              );
          }
          order.forEach((id, at) => expect(index.placeOf(id)).toBe(at));
          expect(index.complete).toBe(true);
        },
      ),
    );
  });

  it('is shown and changed without learning every id at once', () => {
    const items = Array.from({ length: 100_000 }, (_, i) =>
      p(`f${i}`, { status: i % 3 === 0 ? 'done' : 'queued' }),
    );
    const state = replaceQueue({ items });
    expect(state.index.complete).toBe(false);
    // What the rows on screen read, by their place.
    expect(itemAt(state, 0, 'f1')).toBe(items[1]);
    expect(itemAt(state, 0, 'f0')).toBeUndefined(); // done: below the unfinished ones
    expect(queueTotals(state)).toMatchObject({ files: 100_000, done: 33_334, active: 66_666 });
    // "Pause all", in the queue's order, and one row far down.
    const paused = state.order.map((id) => p(id, { status: 'paused' }));
    const next = applyProgressBatch(state, { items: paused.slice(0, 66_666) });
    expect(queueTotals(next)).toMatchObject({ paused: 66_666, active: 0, done: 33_334 });
    expect(itemOf(next, 'f99999')).toBe(items[99_999]);
    expect(next.index).toBe(state.index);
    expect(next.order).toBe(state.order);
  });

  it('reads a row on screen only where it is', () => {
    const state = replaceQueue({ items: [p('a'), p('b')] });
    expect(itemAt(state, 1, 'b')?.id).toBe('b');
    expect(itemAt(state, 0, 'b')).toBeUndefined();
    expect(itemAt(state, 5, 'b')).toBeUndefined();
  });
});

describe('addMissing', () => {
  it('adds rows an answer created without undoing a newer batch', () => {
    const start = replaceQueue({ items: [p('a', { status: 'failed' })] });
    const next = addMissing(start, [p('a', { status: 'queued' }), p('b', { status: 'queued' })]);
    expect(itemOf(next, 'a')?.status).toBe('failed');
    expect(next.order).toEqual(['b', 'a']); // the new, unfinished row above the failed one
    expect(addMissing(next, [p('b')])).toBe(next);
  });
});

describe('queueTotals', () => {
  it('counts files by phase and sums bytes, speed and time left', () => {
    const state = replaceQueue({
      items: [
        p('done', { status: 'done', uploadedBytes: 1000 }),
        p('up', { uploadedBytes: 500, speed: 100 }),
        p('hash', { status: 'hashing', hashedBytes: 200, speed: 0 }),
        p('failed', { status: 'failed', uploadedBytes: 300 }),
        p('paused', { status: 'paused', uploadedBytes: 100 }),
        p('gone', { status: 'cancelled', uploadedBytes: 900 }),
        // Already in the bucket: neither sent nor to send.
        p('there', { status: 'skipped', skipped: 'identical' }),
      ],
    });
    expect(queueTotals(state)).toEqual({
      files: 7,
      done: 1,
      failed: 1,
      active: 2,
      paused: 1,
      cancelled: 1,
      skipped: 1,
      totalBytes: 5000,
      uploadedBytes: 1900,
      speed: 100,
      remainingBytes: 1500, // 500 + 1000 bytes left to send
      heldTo: null,
    });
  });

  it('says when the bandwidth limit holds uploads back, and to what', () => {
    const running = (heldTo: number | null) =>
      queueTotals(
        replaceQueue({
          items: [p('a', { speed: 100 }), p('b', { heldTo }), p('c', { status: 'done' })],
        }),
      );
    expect(heldLine(running(40_000_000))).toBe(
      'Held to 40 MB/s by your bandwidth limit. Change it in Settings.',
    );
    expect(heldLine(running(null))).toBeNull();
    // Released by a batch: the line goes with the last row held back.
    const held = replaceQueue({ items: [p('b', { heldTo: 40_000_000 })] });
    const released = applyProgressBatch(held, { items: [p('b', { heldTo: null })] });
    expect(heldLine(queueTotals(released))).toBeNull();
  });

  it('has nothing left to send when nothing runs', () => {
    const paused = replaceQueue({ items: [p('a', { status: 'paused' })] });
    expect(queueTotals(paused).remainingBytes).toBe(0);
  });
});

describe('rowView', () => {
  it('shows hashing progress, then upload progress, with speed and time left', () => {
    expect(rowView(p('a', { status: 'hashing', hashedBytes: 250, speed: 0 }))).toMatchObject({
      name: 'a.fastq',
      phase: 'Hashing',
      fraction: 0.25,
      percent: '25%',
      speed: '',
    });
    expect(rowView(p('a', { uploadedBytes: 500, speed: 250 }))).toMatchObject({
      phase: 'Uploading',
      fraction: 0.5,
      speed: '250 B/s',
      eta: '2s',
    });
    expect(rowView(p('a', { status: 'verifying' })).fraction).toBe(1);
    expect(rowView(p('a', { status: 'done', size: 0 })).percent).toBe('100%');
  });

  it('offers the actions that make sense in each phase', () => {
    const actions = (status: UploadProgress['status']) => {
      const { canPause, canResume, canCancel, canRetry } = rowView(p('a', { status }));
      return { canPause, canResume, canCancel, canRetry };
    };
    expect(actions('uploading')).toEqual({
      canPause: true,
      canResume: false,
      canCancel: true,
      canRetry: false,
    });
    expect(actions('paused')).toEqual({
      canPause: false,
      canResume: true,
      canCancel: true,
      canRetry: false,
    });
    expect(actions('failed')).toEqual({
      canPause: false,
      canResume: false,
      canCancel: true,
      canRetry: true,
    });
    expect(actions('done')).toEqual({
      canPause: false,
      canResume: false,
      canCancel: false,
      canRetry: false,
    });
  });
});

describe('errors in a row', () => {
  it('name the file instead of repeating its whole path', () => {
    const error = {
      code: 'FileMissing',
      message: '/data/run/a.fastq no longer exists. Put it back.',
    };
    expect(rowView(p('a', { status: 'failed', error })).errorText).toBe(
      'a.fastq no longer exists. Put it back.',
    );
    expect(rowView(p('a')).errorText).toBe('');
  });
});

describe('helpers', () => {
  it('names files on every platform', () => {
    expect(baseName('/data/run 1/reads.fastq')).toBe('reads.fastq');
    expect(baseName('C:\\Users\\lab\\reads.fastq')).toBe('reads.fastq');
    expect(baseName('/data/study/')).toBe('study');
  });

  it('knows when a batch settled something history shows', () => {
    expect(settledAny({ items: [p('a'), p('b', { status: 'paused' })] })).toBe(false);
    expect(settledAny({ items: [p('a', { status: 'done' })] })).toBe(true);
  });
});

describe('skipped rows', () => {
  it('say why the file was not sent', () => {
    const there = rowView(p('a', { status: 'skipped', skipped: 'identical' }));
    const kept = rowView(p('b', { status: 'skipped', skipped: 'kept' }));
    expect([there.phase, kept.phase]).toEqual(['Already in bucket', "Kept bucket's version"]);
    // All of it is in the bucket; of the kept one nothing was sent, nor is to be.
    expect([there.fraction, there.percent]).toEqual([1, '100%']);
    expect([kept.fraction, kept.percent]).toEqual([0, '']);
    expect([there.canCancel, there.canResume, there.canRetry]).toEqual([false, false, false]);
  });
});

describe('time left on a row', () => {
  it('is not shown under a second (a hashing file almost through its pass)', () => {
    const row = rowView(
      p('h', { status: 'hashing', size: 1000, hashedBytes: 600, speed: 180_000_000 }),
    );
    expect(row.eta).toBe('');
    expect(rowView(p('u', { uploadedBytes: 0, size: 5000, speed: 1000 })).eta).toBe('5s');
  });
});
