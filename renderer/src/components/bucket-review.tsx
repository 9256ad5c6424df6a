import { useId } from 'react';
import {
  differenceText,
  isReplaced,
  reviewLines,
  type ReviewLine,
} from '../state/bucket-review.logic';
import { useApp, useAppStore } from '../state/store';
import { AlertIcon } from './icons';

/**
 * What the bucket already has at the planned keys: new files, files already
 * there (skipped), files whose key holds other bytes (kept unless replaced,
 * one by one or all), and files already in the queue (added once). A review
 * that fails holds nothing back: main compares again as it adds.
 */
export function BucketReview({ busy }: { busy: boolean }) {
  const id = useId();
  const bucket = useApp((s) => s.plan.bucket);
  // The add or "Check access" failed for the same reason (a bucket that does not exist): said once.
  const addError = useApp((s) => s.plan.error?.message ?? null);
  const checkError = useApp((s) =>
    s.targetCheck.status === 'done' ? (s.targetCheck.result?.problem?.message ?? null) : null,
  );
  if (bucket.status === 'idle') return null;
  const review = bucket.summary;

  return (
    <div className="bucket-review" aria-live="polite" data-testid="bucket-review">
      {bucket.status === 'reviewing' && (
        <p className="muted review-busy">Comparing with the bucket…</p>
      )}
      {bucket.status === 'failed' &&
        bucket.error &&
        bucket.error.message !== addError &&
        bucket.error.message !== checkError && (
          <p className="callout callout-error">
            <AlertIcon />
            <span>
              Labdrop could not compare these files with the bucket: {bucket.error.message} Upload
              compares them again before sending anything.
            </span>
          </p>
        )}
      {bucket.status === 'done' && review && (
        <>
          <h3 id={`${id}-title`} className="review-title">
            Compared with the bucket
          </h3>
          <ul className="review-groups" aria-labelledby={`${id}-title`}>
            {reviewLines(review, bucket.replace).map((line) => (
              <li key={line.kind} className={`review-group review-${line.kind}`}>
                <span className="review-text">{line.text}</span>
                {line.kind === 'different' && <DifferentFiles line={line} busy={busy} />}
              </li>
            ))}
          </ul>
          {review.note && <p className="muted review-note">{review.note}</p>}
        </>
      )}
    </div>
  );
}

function DifferentFiles({ line, busy }: { line: ReviewLine; busy: boolean }) {
  const id = useId();
  const store = useAppStore();
  const bucket = useApp((s) => s.plan.bucket);
  const review = bucket.summary;
  if (!review) return null;
  const listed = review.differentFiles;
  const more = line.count - listed.length;

  return (
    <div className="review-choices">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={bucket.replace === 'all'}
          disabled={busy}
          onChange={(event) => store.getState().setReplaceAll(event.target.checked)}
        />
        Replace all {line.count.toLocaleString('en-US')}
      </label>
      <ul className="review-files" aria-label="Files that differ from the bucket">
        {listed.map((file, i) => (
          <li key={file.key}>
            <label className="checkbox review-replace">
              <input
                type="checkbox"
                checked={isReplaced(bucket.replace, file.key)}
                disabled={busy}
                aria-describedby={`${id}-${i}`}
                onChange={(event) => store.getState().setReplace(file.key, event.target.checked)}
              />
              Replace<span className="visually-hidden"> {file.key}</span>
            </label>
            <div className="review-file">
              <code className="plan-key" title={file.key}>
                {file.key}
              </code>
              <span className="muted" id={`${id}-${i}`}>
                {differenceText(file)}
              </span>
            </div>
          </li>
        ))}
        {more > 0 && (
          <li className="muted">
            …and {more.toLocaleString('en-US')} more (“Replace all” replaces them too)
          </li>
        )}
      </ul>
    </div>
  );
}
