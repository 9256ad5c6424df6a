import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressBatch } from '../shared/ipc';
import type { UploadProgress, UploadStatus } from '../shared/types';
import { ProgressBatcher, type ProgressSource } from '../electron/ipc/progress-batcher';

/** A queue stand-in: status changes are pushed, byte counts are read from `live`. */
class FakeQueue implements ProgressSource {
  live: UploadProgress[] = [];
  private readonly listeners = new Set<(p: UploadProgress) => void>();
  onChange(listener: (p: UploadProgress) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  snapshot() {
    return this.live.map((p) => ({ ...p }));
  }
  get listenerCount() {
    return this.listeners.size;
  }
  setStatus(id: string, status: UploadStatus) {
    let progress = this.live.find((p) => p.id === id);
    if (!progress) {
      progress = item(id);
      this.live.push(progress);
    }
    progress.status = status;
    for (const listener of this.listeners) listener({ ...progress });
  }
  finish(id: string) {
    this.setStatus(id, 'done');
    this.live = this.live.filter((p) => p.id !== id);
  }
}

function item(id: string): UploadProgress {
  return {
    id,
    localPath: `/data/${id}`,
    bucket: 'lab-bucket',
    key: `center/${id}`,
    size: 1000,
    status: 'queued',
    hashedBytes: 0,
    uploadedBytes: 0,
    speed: 0,
    heldTo: null,
    error: null,
    skipped: null,
  };
}

let queue: FakeQueue;
let batches: ProgressBatch[];
let batcher: ProgressBatcher;

beforeEach(() => {
  vi.useFakeTimers();
  queue = new FakeQueue();
  batches = [];
  batcher = new ProgressBatcher(queue, (batch) => batches.push(batch)).start();
});

afterEach(() => {
  batcher.stop();
  vi.useRealTimers();
});

describe('ProgressBatcher', () => {
  it('sends a burst of status changes as one batch, at once', () => {
    for (let i = 0; i < 1000; i++) queue.setStatus(`f${i}`, 'queued');
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(0);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.items).toHaveLength(1000);
  });

  it('sends moving bytes about ten times a second, and only what changed', () => {
    queue.setStatus('a', 'uploading');
    queue.setStatus('b', 'uploading');
    vi.advanceTimersByTime(0);
    batches.length = 0;
    const a = queue.live[0] as UploadProgress;
    for (let ms = 0; ms < 1000; ms += 5) {
      a.uploadedBytes += 1; // bytes move every 5 ms; b does not move
      vi.advanceTimersByTime(5);
    }
    expect(batches.length).toBeGreaterThanOrEqual(9);
    expect(batches.length).toBeLessThanOrEqual(10);
    for (const batch of batches) expect(batch.items.map((p) => p.id)).toEqual(['a']);
    expect(batches.at(-1)?.items[0]?.uploadedBytes).toBeGreaterThan(180);
  });

  it('sends a status change at once, unless a batch went less than 100 ms ago', () => {
    queue.setStatus('a', 'uploading');
    vi.advanceTimersByTime(0);
    const first = batches.length;
    expect(first).toBeGreaterThan(0);
    vi.advanceTimersByTime(30);
    queue.setStatus('a', 'verifying');
    vi.advanceTimersByTime(0);
    expect(batches).toHaveLength(first); // 30 ms after the last batch: waits
    vi.advanceTimersByTime(70);
    expect(batches.at(-1)?.items).toMatchObject([{ id: 'a', status: 'verifying' }]);

    vi.advanceTimersByTime(500); // quiet: the next change goes at once
    const before = batches.length;
    queue.setStatus('a', 'done');
    vi.advanceTimersByTime(0);
    expect(batches).toHaveLength(before + 1);
  });

  it('never sends more than ten batches a second, however many files change', () => {
    const start = batches.length;
    for (let i = 0; i < 200; i++) {
      queue.setStatus(`f${i}`, 'uploading');
      vi.advanceTimersByTime(5);
      queue.setStatus(`f${i}`, 'done');
      vi.advanceTimersByTime(0);
    }
    // 200 × 5 ms = 1 s of status changes
    expect(batches.length - start).toBeLessThanOrEqual(11);
    vi.advanceTimersByTime(200);
    const statuses = new Map(batches.flatMap((b) => b.items).map((p) => [p.id, p.status]));
    expect([...statuses.entries()].filter(([, s]) => s === 'done')).toHaveLength(200);
  });

  it('sends nothing and stops polling when nothing runs', () => {
    queue.setStatus('a', 'uploading');
    queue.finish('a');
    vi.advanceTimersByTime(0);
    expect(batches.flatMap((b) => b.items).at(-1)).toMatchObject({ id: 'a', status: 'done' });
    vi.advanceTimersByTime(1000);
    const count = batches.length;
    vi.advanceTimersByTime(5000);
    expect(batches).toHaveLength(count);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('picks up uploads already running when a window starts listening', () => {
    batcher.stop();
    queue.live = [{ ...item('early'), status: 'uploading', uploadedBytes: 10 }];
    batcher = new ProgressBatcher(queue, (batch) => batches.push(batch)).start();
    vi.advanceTimersByTime(100);
    expect(batches.at(-1)?.items).toMatchObject([{ id: 'early', uploadedBytes: 10 }]);
  });

  it('polls less often when reading the snapshot is costly, and shares each poll', () => {
    batcher.stop();
    // A clock the snapshot itself moves: each read of the queue costs 50 ms.
    let clock = 0;
    const pending: Array<{ at: number; run: () => void }> = [];
    const timers = {
      now: () => clock,
      setTimeout: (run: () => void, ms: number) => {
        const timer = { at: clock + ms, run };
        pending.push(timer);
        return timer;
      },
      clearTimeout: (timer: unknown) => {
        pending.splice(pending.indexOf(timer as (typeof pending)[number]), 1);
      },
    };
    const costly: ProgressSource = {
      onChange: (listener) => queue.onChange(listener),
      snapshot: () => {
        clock += 50;
        return queue.snapshot();
      },
    };
    const polls: number[] = [];
    queue.live = [{ ...item('a'), status: 'uploading' }];
    batcher = new ProgressBatcher(costly, (b) => batches.push(b), {
      timers,
      onPoll: () => polls.push(clock),
    }).start();
    while (clock < 3000) {
      pending.sort((x, y) => x.at - y.at);
      const next = pending.shift();
      if (!next) break;
      clock = Math.max(clock, next.at);
      next.run();
    }
    // 50 ms of work at most every 500 ms: a tenth of the main thread.
    for (let i = 1; i < polls.length; i++) {
      expect((polls[i] as number) - (polls[i - 1] as number)).toBeGreaterThanOrEqual(500);
    }
    expect(polls.length).toBeGreaterThanOrEqual(5);
  });

  it('unsubscribes and cancels its timers on stop', () => {
    queue.setStatus('a', 'uploading');
    batcher.stop();
    expect(queue.listenerCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(0);
  });
});
