import { describe, expect, it } from 'vitest';
import type { BucketReviewSummary, PlanSummary } from '../../../shared/ipc';
import type { UploadProgress } from '../../../shared/types';
import {
  addedMessage,
  differenceText,
  isReplaced,
  REPLACE_NONE,
  replaced,
  reviewKey,
  reviewLines,
  toggleReplace,
  toSend,
  uploadLabel,
} from './bucket-review.logic';

const MiB = 1024 * 1024;

const plan: PlanSummary = {
  planId: 'plan-1',
  prefix: 'center',
  fileCount: 10,
  totalBytes: 10 * MiB,
  files: [],
  problems: [],
  warnings: [],
  warningCount: 0,
  warningsFor: null,
  synapseNames: 0,
};

function different(key: string, size: number) {
  return {
    localPath: `/data/${key}`,
    key,
    size,
    objectSize: 10,
    objectModified: null,
    evidence: 'its size is 10 bytes',
  };
}

/** 3 new, 2 already there, 3 different (2 of them listed), 2 already queued. */
function review(patch: Partial<BucketReviewSummary> = {}): BucketReviewSummary {
  return {
    planId: 'plan-1',
    new: { count: 3, bytes: 3 * MiB },
    identical: { count: 2, bytes: 2 * MiB },
    different: { count: 3, bytes: 6 * MiB },
    queued: { count: 2, bytes: 2 * MiB },
    bytesToSend: 3 * MiB,
    note: null,
    differentFiles: [different('center/a', MiB), different('center/b', 2 * MiB)],
    ...patch,
  };
}

const progress = (id: string, patch: Partial<UploadProgress>): UploadProgress => ({
  id,
  localPath: `/data/${id}`,
  bucket: 'lab-bucket',
  key: `center/${id}`,
  size: 1,
  status: 'queued',
  hashedBytes: 0,
  uploadedBytes: 0,
  speed: 0,
  heldTo: null,
  error: null,
  skipped: null,
  ...patch,
});

describe('the bucket review in the window', () => {
  it('says each group with its count and bytes, and leaves out the empty ones', () => {
    expect(reviewLines(review(), REPLACE_NONE).map((line) => line.text)).toEqual([
      '3 new (3.00 MiB to send)',
      '2 already in the bucket — skipped',
      '3 different from the bucket — kept',
      '2 already in the queue — added once',
    ]);
    const none = { count: 0, bytes: 0 };
    const allThere = review({ new: none, different: none, queued: none, differentFiles: [] });
    expect(reviewLines(allThere, REPLACE_NONE)).toEqual([
      { kind: 'identical', count: 2, text: '2 already in the bucket — skipped' },
    ]);
  });

  it('counts what is replaced in what is sent, one file or all of them', () => {
    expect(toSend(review(), REPLACE_NONE)).toEqual({ count: 3, bytes: 3 * MiB });
    expect(replaced(review(), ['center/b'])).toEqual({ count: 1, bytes: 2 * MiB });
    expect(toSend(review(), ['center/b'])).toEqual({ count: 4, bytes: 5 * MiB });
    // "All" counts the different files the list leaves out, too.
    expect(toSend(review(), 'all')).toEqual({ count: 6, bytes: 9 * MiB });
    expect(reviewLines(review(), ['center/b'])[2]?.text).toBe(
      '3 different from the bucket — 1 replaced (2.00 MiB to send), 2 kept',
    );
    expect(reviewLines(review(), 'all')[2]?.text).toBe(
      '3 different from the bucket — replaced (6.00 MiB to send)',
    );
  });

  it('keeps one choice per file, and "all" while every different file is chosen', () => {
    const whole = review({
      different: { count: 2, bytes: 3 * MiB },
      differentFiles: [different('center/a', MiB), different('center/b', 2 * MiB)],
    });
    let choice = toggleReplace(REPLACE_NONE, 'center/a', true, whole);
    expect(choice).toEqual(['center/a']);
    expect(isReplaced(choice, 'center/a')).toBe(true);
    expect(isReplaced(choice, 'center/b')).toBe(false);
    choice = toggleReplace(choice, 'center/b', true, whole);
    expect(choice).toBe('all');
    choice = toggleReplace(choice, 'center/a', false, whole);
    expect(choice).toEqual(['center/b']);
    // A list cut short: clearing one under "all" leaves the others listed.
    expect(toggleReplace('all', 'center/a', false, review())).toEqual(['center/b']);
    expect(toggleReplace(['center/a'], 'center/a', true, review())).toEqual(['center/a']);
  });

  it('names the Upload button after what it sends, and what it records when nothing is sent', () => {
    expect(uploadLabel(plan, null, REPLACE_NONE)).toBe('Upload 10 files');
    expect(uploadLabel(plan, review(), REPLACE_NONE)).toBe('Upload 3 files');
    expect(uploadLabel(plan, review(), ['center/a'])).toBe('Upload 4 files');
    expect(uploadLabel(plan, review(), 'all')).toBe('Upload 6 files');
    const none = { count: 0, bytes: 0 };
    const nothingNew = review({ new: none, bytesToSend: 0 });
    expect(uploadLabel(plan, nothingNew, REPLACE_NONE)).toBe('Record 5 files as already there');
    expect(uploadLabel(plan, nothingNew, ['center/a'])).toBe('Upload 1 file');
    const onlyQueued = review({ new: none, identical: none, different: none, differentFiles: [] });
    expect(uploadLabel(plan, onlyQueued, REPLACE_NONE)).toBe('Keep the 2 queued uploads');
    expect(uploadLabel(plan, { ...onlyQueued, queued: { count: 1, bytes: 1 } }, 'all')).toBe(
      'Keep the queued upload',
    );
  });

  it('makes a review stale when the plan, the place or the saved target changes', () => {
    const target = { bucket: 'lab-bucket', endpoint: null, region: 'us-east-1', awsProfile: null };
    const key = reviewKey('plan-1', target, null);
    expect(reviewKey('plan-1', { ...target }, null)).toBe(key);
    expect(reviewKey('plan-2', target, null)).not.toBe(key);
    expect(reviewKey('plan-1', { ...target, bucket: 'other' }, null)).not.toBe(key);
    expect(reviewKey('plan-1', { ...target, awsProfile: 'lab' }, null)).not.toBe(key);
    expect(reviewKey('plan-1', target, 't-1')).not.toBe(key);
    expect(reviewKey('plan-1', null, null)).toBe('');
  });

  it('says how a different file and the object compare', () => {
    expect(
      differenceText({
        ...different('center/a', 2 * MiB),
        objectSize: MiB,
        objectModified: new Date(2026, 2, 1, 9, 30).getTime(),
      }),
    ).toBe(
      'This file 2.00 MiB; the object there 1.00 MiB, changed 2026-03-01 09:30:00 (its size is 10 bytes).',
    );
    expect(
      differenceText({ ...different('center/a', 5), objectSize: null, evidence: 'unreadable' }),
    ).toBe('This file 5 B; the object there (unreadable).');
  });

  it('tells what was added and what the bucket already had', () => {
    const sent = progress('a', {});
    const there = progress('b', { status: 'skipped', skipped: 'identical' });
    const kept = progress('c', { status: 'skipped', skipped: 'kept' });
    expect(addedMessage([sent])).toBe('Added 1 file to the queue.');
    expect(addedMessage([sent, there, kept])).toBe(
      'Added 1 file to the queue. Not sent: 1 already in the bucket, 1 whose version in the bucket was kept.',
    );
    expect(addedMessage([there, { ...there, id: 'd' }])).toBe(
      'Nothing to send. Recorded in the history: 2 already in the bucket.',
    );
  });
});
