import { useId } from 'react';
import { formatBytes } from '../../../shared/format';
import { uploadLabel } from '../state/bucket-review.logic';
import {
  planFitsPrefix,
  renameLabel,
  renameText,
  warningsShown,
  warningTitle,
} from '../state/plan.logic';
import { useApp, useAppStore } from '../state/store';
import { destinationLabel, validateTarget } from '../state/target.logic';
import { BucketReview } from './bucket-review';
import { AlertIcon } from './icons';

const SHOWN_FILES = 200;

/** The planned batch, its warnings and problems, and the one button that starts it. */
export function PlanReview() {
  const id = useId();
  const store = useAppStore();
  const plan = useApp((s) => s.plan);
  const target = useApp((s) => s.target);
  const check = useApp((s) => s.targetCheck);
  const savedTargetId = useApp((s) => s.savedTargetId);
  const summary = plan.summary;
  if (!summary && !plan.error && plan.status !== 'planning') return null;

  const validTarget = validateTarget(target).target !== null;
  const warned = (summary?.warningCount ?? 0) > 0;
  const problems = summary?.problems.length ?? 0;
  const blocked = problems > 0 || summary?.fileCount === 0;
  // Planned for the folder before the last edit: the replan is on its way (see planFitsPrefix).
  const stale = summary !== null && !planFitsPrefix(summary, target.prefix);
  // The warnings for the saved target chosen (its synced folders) are on their way.
  const shown = summary === null || warningsShown(summary, savedTargetId);
  const ready =
    plan.status === 'ready' && !stale && shown && validTarget && (!warned || plan.acceptWarnings);
  const canStart = ready && !blocked;
  // One bad item (a link loop, an unreadable file) need not hold back the rest of a folder.
  const othersCount = problems > 0 ? (summary?.fileCount ?? 0) : 0;
  const adding = plan.status === 'adding';
  const renaming = plan.status === 'renaming';
  const rename = summary ? renameLabel(summary) : null;
  const renames = plan.renames;
  const moreRenames = renames ? renames.count - Math.min(renames.list.length, SHOWN_FILES) : 0;
  const waiting = plan.waiting.length;
  // What "Check access" found that stops uploads (e.g. ACLs disabled), repeated by the button.
  const targetProblem = check.status === 'done' ? (check.result?.problem ?? null) : null;

  return (
    <section
      className="card plan-card"
      aria-labelledby={`${id}-title`}
      aria-busy={plan.status === 'planning'}
    >
      <div className="card-head">
        <h2 id={`${id}-title`} className="card-title">
          Review before uploading
        </h2>
        {summary && (
          <p className="muted" data-testid="plan-summary">
            {summary.fileCount} {summary.fileCount === 1 ? 'file' : 'files'},{' '}
            {formatBytes(summary.totalBytes)} → <code>{destinationLabel(target)}</code>
          </p>
        )}
      </div>

      {summary && summary.files.length > 0 && (
        // Focusable: a list longer than its box scrolls, from the keyboard too.
        <ul className="plan-files" aria-label="Files and the keys they get" tabIndex={0}>
          {summary.files.slice(0, SHOWN_FILES).map((file) => (
            // Which file gets the key, on hover: it may not be plain from the key (a renamed name).
            <li key={file.key} title={file.localPath}>
              <code className="plan-key">{file.key}</code>
              <span className="muted">{formatBytes(file.size)}</span>
            </li>
          ))}
          {summary.fileCount > SHOWN_FILES && (
            <li className="muted">…and {summary.fileCount - SHOWN_FILES} more</li>
          )}
        </ul>
      )}

      {summary && summary.problems.length > 0 && (
        <div className="callout callout-error" role="alert">
          <AlertIcon />
          <div>
            <strong>These files cannot be uploaded:</strong>
            <ul>
              {summary.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        </div>
      )}

      {summary && renames && renames.count > 0 && (
        <div className="callout callout-info" data-testid="plan-renames">
          <div>
            <strong>
              Renamed for Synapse ({renames.count.toLocaleString('en-US')}{' '}
              {renames.count === 1 ? 'key' : 'keys'}):
            </strong>
            <ul aria-label="Keys renamed for Synapse" tabIndex={0}>
              {renames.list.slice(0, SHOWN_FILES).map((renamed) => (
                <li key={renamed.from}>
                  <code>{renameText(renamed)}</code>
                </li>
              ))}
              {moreRenames > 0 && (
                <li className="muted">…and {moreRenames.toLocaleString('en-US')} more</li>
              )}
            </ul>
          </div>
        </div>
      )}

      {targetProblem && (
        <p className="callout callout-warning">
          <AlertIcon /> {targetProblem.message}
        </p>
      )}

      {summary && warned && (
        <div className="callout callout-warning" data-testid="plan-warnings">
          <AlertIcon />
          <div>
            <strong>{warningTitle(summary)}</strong>
            <ul>
              {summary.warnings.map((warning) => (
                <li key={`${warning.code}:${warning.key}`}>{warning.message}</li>
              ))}
            </ul>
            {rename && (
              <p className="rename-offer">
                <button
                  type="button"
                  className="button button-small"
                  disabled={plan.status !== 'ready'}
                  onClick={() => void store.getState().renameForSynapse()}
                >
                  {renaming ? 'Renaming…' : rename}
                </button>
                <span className="muted">Only the keys change; your files keep their names.</span>
              </p>
            )}
            <label className="checkbox">
              <input
                type="checkbox"
                checked={plan.acceptWarnings}
                onChange={(event) => store.getState().setAcceptWarnings(event.target.checked)}
              />
              Upload anyway
            </label>
          </div>
        </div>
      )}

      <BucketReview busy={adding} />

      {plan.error && (
        <p className="callout callout-error" role="alert">
          <AlertIcon /> {plan.error.message}
        </p>
      )}

      <div className="row-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={!canStart}
          onClick={() => void store.getState().startUpload()}
        >
          {adding
            ? 'Starting…'
            : summary
              ? uploadLabel(
                  summary,
                  plan.bucket.status === 'done' ? plan.bucket.summary : null,
                  plan.bucket.replace,
                )
              : 'Upload'}
        </button>
        <button
          type="button"
          className="button"
          disabled={adding}
          onClick={() => store.getState().discardPlan()}
        >
          Clear
        </button>
        {problems > 0 && (
          <span className="muted" data-testid="plan-blocked">
            Not started: {problems} dropped {problems === 1 ? 'item' : 'items'} cannot be uploaded
            (see above).
          </span>
        )}
        {othersCount > 0 && (
          <button
            type="button"
            className="button"
            disabled={!ready}
            onClick={() => void store.getState().startUpload(true)}
          >
            Upload the other {othersCount} {othersCount === 1 ? 'file' : 'files'}
          </button>
        )}
        {!validTarget && summary && <span className="muted">Fill in the target first.</span>}
        {validTarget && stale && !adding && (
          <span className="muted">Updating the keys for the new folder…</span>
        )}
        {waiting > 0 && (
          <span className="muted" role="status">
            {waiting} more dropped {waiting === 1 ? 'item is' : 'items are'} reviewed once these are
            added.
          </span>
        )}
      </div>
    </section>
  );
}
