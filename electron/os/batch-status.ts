import type { BrowserWindow } from 'electron';
import type { UploadProgress } from '../../shared/types';
import type { UploadQueue } from '../engine/queue';
import { batchNotice, BatchWatcher } from '../ipc/batch-watcher';
import type { Notify } from './notifications';
import { keepAwake } from './power';

export interface BatchStatus {
  /** Live byte counts for the taskbar: give it the progress batcher's polls (one snapshot read, not two). */
  sample(snapshot: readonly UploadProgress[]): void;
  /** Stops following the queue, and lets the computer sleep. */
  stop(): void;
}

/**
 * The operating system's view of the batch: awake while it runs, taskbar
 * progress, a notification when it ends or needs the user. What to show is
 * decided by BatchWatcher (electron/ipc/batch-watcher.ts).
 */
export function followBatch(
  queue: Pick<UploadQueue, 'onChange' | 'onAttention'>,
  window: () => BrowserWindow | null,
  notify: Notify,
): BatchStatus {
  const watcher = new BatchWatcher();
  const awake = keepAwake();
  const unsubscribe = [
    queue.onChange((progress) => {
      const summary = watcher.observe(progress);
      const wasAwake = awake.on;
      awake.set(watcher.active);
      if (wasAwake && !awake.on) window()?.setProgressBar(-1);
      const notice = summary && batchNotice(summary);
      if (notice) notify(notice);
    }),
    queue.onAttention((reason) => notify({ title: 'Uploads paused', body: reason.message })),
  ];
  return {
    sample(snapshot) {
      watcher.sample(snapshot);
      if (watcher.active) window()?.setProgressBar(watcher.fraction() ?? -1);
    },
    stop() {
      for (const off of unsubscribe) off();
      awake.set(false);
    },
  };
}
