import type { StateCreator } from 'zustand/vanilla';
import type { LabdropApi, ProgressBatch, QueueList } from '../../../shared/ipc';
import type { UploadProgress } from '../../../shared/types';
import {
  addMissing,
  applyProgressBatch,
  EMPTY_QUEUE,
  queueTotals,
  replaceQueue,
  settledAny,
  type QueueState,
  type RowIndex,
} from './queue.logic';
import { NO_ESTIMATE, observe, type EtaEstimate } from './eta.logic';
import type { AppState } from './store';

export type UploadAction = 'pause' | 'resume' | 'cancel' | 'retry' | 'uploadAgain';
export type QueueAction = 'pauseAll' | 'resumeAll' | 'cancelAll' | 'retryAll' | 'clearFinished';

export interface QueueSlice {
  queue: QueueState;
  /** The batch's smoothed pace, observed at each batch (eta.logic.ts). */
  eta: EtaEstimate;
  /** One coalesced batch from main, applied with one `set`. */
  applyBatch(batch: ProgressBatch): void;
  replaceQueue(list: QueueList): void;
  /** Rows main just created; never overwrites what a batch already said. */
  mergeQueue(items: UploadProgress[]): void;
  uploadAction(action: UploadAction, id: string): Promise<void>;
  queueAction(action: QueueAction): Promise<void>;
}

/** Places of the queue's index learnt at a time: well under a millisecond's work. */
const INDEX_STEP = 2048;
const learning = new WeakSet<RowIndex>();

/** Runs `work` when the window is idle (after a frame is painted), else soon. */
function whenIdle(work: (idle: () => boolean) => void): void {
  if (typeof requestIdleCallback === 'function') {
    requestIdleCallback((deadline) => work(() => deadline.timeRemaining() > 2));
  } else {
    setTimeout(() => work(() => false), 0);
  }
}

/**
 * A long queue's index is learnt while the window is idle once the queue is
 * shown (see RowIndex in queue.logic.ts), so that neither the replace nor the
 * first batch after it pays for all of it in one frame. No `set`: what the
 * state says is the same.
 */
function learnSoon(get: () => AppState): void {
  const { index } = get().queue;
  if (index.complete || learning.has(index)) return;
  learning.add(index);
  const step = (idle: () => boolean) => {
    // An index the queue no longer uses is not worth finishing.
    if (get().queue.index !== index) return;
    let complete = index.learn(INDEX_STEP);
    while (!complete && idle()) complete = index.learn(INDEX_STEP);
    if (!complete) whenIdle(step);
  };
  whenIdle(step);
}

export const createQueueSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], QueueSlice> =>
  (set, get) => ({
    queue: EMPTY_QUEUE,
    eta: NO_ESTIMATE,
    applyBatch: (batch) => {
      set((s) => {
        const queue = applyProgressBatch(s.queue, batch);
        const totals = queueTotals(queue);
        const eta = observe(
          s.eta,
          Date.now(),
          totals.uploadedBytes,
          totals.done,
          totals.active > 0,
        );
        return { queue, eta };
      });
      learnSoon(get);
      if (get().view === 'history' && settledAny(batch)) get().refreshHistorySoon();
    },
    replaceQueue: (list) => {
      set({ queue: replaceQueue(list) });
      learnSoon(get);
    },
    mergeQueue: (items) => {
      set((s) => ({ queue: addMissing(s.queue, items) }));
      learnSoon(get);
    },
    uploadAction: async (action, id) => {
      const answer = await api[action](id);
      if (!answer.ok) get().notify('error', answer.error.message);
    },
    queueAction: async (action) => {
      const answer = await api[action]();
      if (!answer.ok) get().notify('error', answer.error.message);
    },
  });
