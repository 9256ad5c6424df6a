import type {
  BucketReviewSummary,
  DifferentFileSummary,
  PlanSummary,
  TargetInput,
} from '../../../shared/ipc';
import { formatBytes } from '../../../shared/format';
import type { UploadProgress } from '../../../shared/types';
import { formatTime } from './history.logic';
import { targetKey } from './target.logic';

/**
 * Which objects the review found different the user chose to overwrite: all
 * of them, or these keys. The others are kept (main records them skipped).
 */
export type ReplaceChoice = 'all' | readonly string[];

export const REPLACE_NONE: ReplaceChoice = [];

/**
 * What a bucket review is for: the plan, the place and the saved target
 * (whose submission profile names the content-md5 main compares). An edit of
 * any of them makes the review on screen stale; '' when there is nothing to
 * review yet.
 */
export function reviewKey(
  planId: string,
  target: TargetInput | null,
  savedTargetId: string | null,
): string {
  return target ? JSON.stringify([planId, targetKey(target), savedTargetId]) : '';
}

export function isReplaced(choice: ReplaceChoice, key: string): boolean {
  return choice === 'all' || choice.includes(key);
}

/**
 * The choice after one file's "Replace" box changed. `review.differentFiles`
 * lists the first of the different files only: "all" stays "all" while every
 * one is chosen, and a box cleared under "all" leaves the listed others.
 */
export function toggleReplace(
  choice: ReplaceChoice,
  key: string,
  on: boolean,
  review: BucketReviewSummary,
): ReplaceChoice {
  const listed = review.differentFiles.map((f) => f.key);
  const before = choice === 'all' ? listed : choice;
  const after = on ? [...new Set([...before, key])] : before.filter((k) => k !== key);
  return after.length === review.different.count ? 'all' : after;
}

/** The different files to be replaced: how many, and the bytes they send. */
export function replaced(
  review: BucketReviewSummary,
  choice: ReplaceChoice,
): { count: number; bytes: number } {
  if (choice === 'all') return { ...review.different };
  const chosen = review.differentFiles.filter((f) => choice.includes(f.key));
  return { count: chosen.length, bytes: chosen.reduce((sum, f) => sum + f.size, 0) };
}

/** What the Upload button sends: the new files and the replaced ones. */
export function toSend(
  review: BucketReviewSummary,
  choice: ReplaceChoice,
): { count: number; bytes: number } {
  const replacing = replaced(review, choice);
  return {
    count: review.new.count + replacing.count,
    bytes: review.bytesToSend + replacing.bytes,
  };
}

export interface ReviewLine {
  kind: 'new' | 'identical' | 'different' | 'queued';
  count: number;
  text: string;
}

const count = (n: number) => n.toLocaleString('en-US');
const files = (n: number) => `${count(n)} ${n === 1 ? 'file' : 'files'}`;

/** The review's groups as the window says them, the empty ones left out. */
export function reviewLines(review: BucketReviewSummary, choice: ReplaceChoice): ReviewLine[] {
  const lines: ReviewLine[] = [];
  if (review.new.count > 0) {
    lines.push({
      kind: 'new',
      count: review.new.count,
      text: `${count(review.new.count)} new (${formatBytes(review.new.bytes)} to send)`,
    });
  }
  if (review.identical.count > 0) {
    lines.push({
      kind: 'identical',
      count: review.identical.count,
      text: `${count(review.identical.count)} already in the bucket — skipped`,
    });
  }
  if (review.different.count > 0) {
    const replacing = replaced(review, choice);
    const kept = review.different.count - replacing.count;
    const fate =
      replacing.count === 0
        ? 'kept'
        : kept === 0
          ? `replaced (${formatBytes(replacing.bytes)} to send)`
          : `${count(replacing.count)} replaced (${formatBytes(replacing.bytes)} to send), ${count(kept)} kept`;
    lines.push({
      kind: 'different',
      count: review.different.count,
      text: `${count(review.different.count)} different from the bucket — ${fate}`,
    });
  }
  if (review.queued.count > 0) {
    lines.push({
      kind: 'queued',
      count: review.queued.count,
      text: `${count(review.queued.count)} already in the queue — added once`,
    });
  }
  return lines;
}

/**
 * The Upload button's words: what it sends, once the review says so (before,
 * or when the review failed, every planned file, as main then reviews during
 * the add). With nothing to send it still records what the bucket has.
 */
export function uploadLabel(
  plan: PlanSummary,
  review: BucketReviewSummary | null,
  choice: ReplaceChoice,
): string {
  if (!review) return `Upload ${files(plan.fileCount)}`;
  const sending = toSend(review, choice).count;
  if (sending > 0) return `Upload ${files(sending)}`;
  const skipped = review.identical.count + review.different.count;
  if (skipped > 0) return `Record ${files(skipped)} as already there`;
  return review.queued.count === 1
    ? 'Keep the queued upload'
    : `Keep the ${count(review.queued.count)} queued uploads`;
}

/** What the notice says once main added the plan: what goes, and what the bucket has. */
export function addedMessage(items: readonly UploadProgress[]): string {
  const skipped = items.filter((p) => p.status === 'skipped');
  const sent = items.length - skipped.length;
  const there = skipped.filter((p) => p.skipped === 'identical').length;
  const kept = skipped.length - there;
  const reasons = [
    there > 0 ? `${count(there)} already in the bucket` : null,
    kept > 0 ? `${count(kept)} whose version in the bucket was kept` : null,
  ]
    .filter((r): r is string => r !== null)
    .join(', ');
  if (skipped.length === 0) return `Added ${files(sent)} to the queue.`;
  if (sent === 0) return `Nothing to send. Recorded in the history: ${reasons}.`;
  return `Added ${files(sent)} to the queue. Not sent: ${reasons}.`;
}

/** How a different file and the object at its key compare, in one line. */
export function differenceText(file: DifferentFileSummary): string {
  const object =
    file.objectSize === null
      ? 'the object there'
      : `the object there ${formatBytes(file.objectSize)}`;
  const changed =
    file.objectModified === null ? '' : `, changed ${formatTime(file.objectModified)}`;
  return `This file ${formatBytes(file.size)}; ${object}${changed} (${file.evidence}).`;
}
