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
  itemOf,
  queueTotals,
  replaceQueue,
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
    expect(next.position).toBe(start.position);
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
