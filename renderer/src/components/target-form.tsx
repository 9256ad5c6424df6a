import { useId } from 'react';
import { useApp, useAppStore } from '../state/store';
import { destinationLabel, validateTarget, type TargetField } from '../state/target.logic';
import { AlertIcon, CheckIcon } from './icons';

const FIELDS: ReadonlyArray<{
  field: TargetField;
  label: string;
  placeholder: string;
  hint?: string;
  wide?: boolean;
}> = [
  { field: 'bucket', label: 'Bucket', placeholder: 'center-submissions', wide: true },
  {
    field: 'prefix',
    label: 'Folder in the bucket',
    placeholder: 'lab-name/study',
    hint: 'Keys at the bucket root are skipped by the sync job.',
    wide: true,
  },
  { field: 'endpoint', label: 'Endpoint', placeholder: 'Amazon S3', wide: true },
  { field: 'region', label: 'Region', placeholder: 'us-east-1' },
  { field: 'awsProfile', label: 'AWS profile', placeholder: 'default' },
];

/** Where the batch goes, with a "Check access" that asks main to reach the bucket. */
export function TargetForm() {
  const id = useId();
  const target = useApp((s) => s.target);
  const check = useApp((s) => s.targetCheck);
  const store = useAppStore();
  const { errors, target: valid } = validateTarget(target);
  const touched = (field: TargetField) => target[field].trim() !== '';

  return (
    <form
      className="target-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void store.getState().checkAccess();
      }}
    >
      <h2 id={`${id}-title`} className="card-title">
        Target
      </h2>
      <div className="field-grid">
        {FIELDS.map(({ field, label, placeholder, hint, wide }) => {
          const error = touched(field) || field === 'region' ? errors[field] : undefined;
          const describedBy = [
            error ? `${id}-${field}-error` : '',
            hint ? `${id}-${field}-hint` : '',
          ]
            .filter(Boolean)
            .join(' ');
          return (
            <div key={field} className={`field ${wide ? 'field-wide' : ''}`}>
              <label htmlFor={`${id}-${field}`}>{label}</label>
              <input
                id={`${id}-${field}`}
                name={field}
                value={target[field]}
                placeholder={placeholder}
                spellCheck={false}
                autoComplete="off"
                aria-invalid={error ? true : undefined}
                aria-describedby={describedBy || undefined}
                onChange={(event) => store.getState().setTargetField(field, event.target.value)}
              />
              {error ? (
                <p id={`${id}-${field}-error`} className="field-error">
                  {error}
                </p>
              ) : hint ? (
                <p id={`${id}-${field}-hint`} className="field-hint">
                  {hint}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
      <p className="destination" aria-label="Destination">
        <span className="muted">Uploads go to</span> <code>{destinationLabel(target)}</code>
      </p>
      <div className="row-actions">
        <button type="submit" className="button" disabled={!valid || check.status === 'checking'}>
          {check.status === 'checking' ? 'Checking…' : 'Check access'}
        </button>
        <div className="check-result" role="status" aria-live="polite">
          {check.status === 'ok' && check.result && (
            <span className="ok-text">
              <CheckIcon /> Bucket “{check.result.bucket}” is reachable.
            </span>
          )}
          {check.status === 'failed' && check.error && (
            <span className="error-text">
              <AlertIcon /> {check.error.message}
            </span>
          )}
        </div>
      </div>
      {check.status === 'ok' &&
        check.result?.warnings.map((warning) => (
          <p key={warning.code} className="callout callout-warning" role="alert">
            <AlertIcon /> {warning.message}
          </p>
        ))}
    </form>
  );
}
