import { isActive, isFinal } from '../../shared/lifecycle';
import type { UploadProgress, UploadRecord } from '../../shared/types';
import { recordProgress } from '../engine/progress';
import type { UploadQueue } from '../engine/queue';
import type { Store } from '../engine/store';

/**
 * The uploads the window's queue shows: those added since the app started,
 * plus those left unfinished by the last run. Uploads a crash cut short carry
 * on by themselves; those paused (by the user, or on quit) wait for Resume.
 * The engine's upload locks keep this off uploads a terminal is running.
 */
export class UploadSession {
  /** Insertion-ordered: the queue view's order. */
  private readonly ids = new Set<string>();

  constructor(
    private readonly store: Pick<Store, 'getUploads' | 'unfinished'>,
    private readonly queue: Pick<UploadQueue, 'snapshot' | 'resumeMany' | 'removeLeftovers'>,
  ) {}

  /** Also removes, in the background, what earlier cancels could not remove from the bucket. */
  restore(): void {
    const unfinished = this.store.unfinished();
    for (const record of unfinished) this.ids.add(record.id);
    this.queue.resumeMany(unfinished.filter((r) => isActive(r.status)).map((r) => r.id));
    void this.queue.removeLeftovers();
  }

  track(ids: readonly string[]): void {
    for (const id of ids) this.ids.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The ids of the uploads the window shows, in its order, without reading them. */
  tracked(): string[] {
    return [...this.ids];
  }

  records(): UploadRecord[] {
    const records = this.store.getUploads(this.tracked());
    if (records.length < this.ids.size) {
      // Gone from the database: gone from the view.
      this.ids.clear();
      for (const record of records) this.ids.add(record.id);
    }
    return records;
  }

  list(): UploadProgress[] {
    const live = new Map(this.queue.snapshot().map((p) => [p.id, p]));
    return this.records().map((record) => live.get(record.id) ?? recordProgress(record));
  }

  /** Drops finished rows (done, cancelled) from the view; they stay in history. */
  clearFinished(): void {
    for (const record of this.records()) {
      if (isFinal(record.status)) this.ids.delete(record.id);
    }
  }
}
