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
      if (get().view === 'history' && settledAny(batch)) get().refreshHistorySoon();
    },
    replaceQueue: (list) => set({ queue: replaceQueue(list) }),
    mergeQueue: (items) => set((s) => ({ queue: addMissing(s.queue, items) })),
    uploadAction: async (action, id) => {
      const answer = await api[action](id);
      if (!answer.ok) get().notify('error', answer.error.message);
    },
    queueAction: async (action) => {
      const answer = await api[action]();
      if (!answer.ok) get().notify('error', answer.error.message);
    },
  });
