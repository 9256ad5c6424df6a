import { isActive, type UploadStatus } from '../../shared/lifecycle';
import type { UploadProgress } from '../../shared/types';

export interface BatchSummary {
  total: number;
  done: number;
  failed: number;
  cancelled: number;
  paused: number;
}

interface Entry {
  status: UploadStatus;
  size: number;
  uploaded: number;
}

/**
 * Follows the current batch (every upload that ran since the queue was last
 * idle) for what the operating system shows: whether to keep the computer
 * awake, the taskbar progress, and a notification when the batch ends.
 */
export class BatchWatcher {
  private readonly batch = new Map<string, Entry>();
  /** How many of the batch's uploads are active: counted, not looked for, at 100,000 uploads. */
  private running = 0;

  get active(): boolean {
    return this.running > 0;
  }

  /** A status change; returns the batch's summary when this change ended it. */
  observe(progress: UploadProgress): BatchSummary | null {
    const wasActive = this.active;
    const before = this.batch.get(progress.id);
    if (before && isActive(before.status)) this.running--;
    if (isActive(progress.status)) this.running++;
    this.batch.set(progress.id, {
      status: progress.status,
      size: progress.size,
      uploaded: progress.uploadedBytes,
    });
    if (!wasActive || this.active) return null;
    const summary: BatchSummary = { total: 0, done: 0, failed: 0, cancelled: 0, paused: 0 };
    for (const { status } of this.batch.values()) {
      summary.total++;
      if (status === 'done') summary.done++;
      else if (status === 'failed') summary.failed++;
      else if (status === 'cancelled') summary.cancelled++;
      else if (status === 'paused') summary.paused++;
    }
    this.batch.clear();
    return summary;
  }

  /** Live byte counts from the queue's snapshot. */
  sample(snapshot: readonly UploadProgress[]): void {
    for (const progress of snapshot) {
      const entry = this.batch.get(progress.id);
      if (entry) entry.uploaded = progress.uploadedBytes;
    }
  }

  /** Share of the batch's bytes uploaded, for the taskbar; null when nothing runs. */
  fraction(): number | null {
    if (!this.active) return null;
    let size = 0;
    let uploaded = 0;
    for (const entry of this.batch.values()) {
      if (entry.status === 'cancelled') continue;
      size += entry.size;
      uploaded += entry.status === 'done' ? entry.size : entry.uploaded;
    }
    return size === 0 ? 0 : Math.min(1, uploaded / size);
  }
}

/** The notification for a finished batch; none when the user stopped it. */
export function batchNotice(summary: BatchSummary): { title: string; body: string } | null {
  const files = (n: number) => `${n} ${n === 1 ? 'file' : 'files'}`;
  if (summary.failed > 0) {
    return {
      title: 'Uploads need attention',
      body: `${summary.failed} of ${files(summary.total)} failed. Open Labdrop to see why and retry.`,
    };
  }
  if (summary.done > 0 && summary.paused === 0) {
    return {
      title: 'Upload finished',
      body: `${files(summary.done)} uploaded and verified.`,
    };
  }
  return null;
}

/**
 * Pauses what runs when the computer goes to sleep and resumes exactly that
 * when it wakes, leaving alone what the user paused.
 */
export class SuspendGuard {
  private paused: string[] = [];

  constructor(
    private readonly queue: {
      pauseAll(): Promise<string[]>;
      resumeMany(ids: readonly string[]): unknown;
    },
  ) {}

  async suspend(): Promise<void> {
    this.paused.push(...(await this.queue.pauseAll()));
  }

  resume(): void {
    const ids = this.paused;
    this.paused = [];
    this.queue.resumeMany(ids);
  }
}

/** Whether quitting now would stop uploads (and so should ask first). */
export function uploadsRunning(snapshot: readonly UploadProgress[]): boolean {
  return snapshot.some((p) => isActive(p.status));
}
