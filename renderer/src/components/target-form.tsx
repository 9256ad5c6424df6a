import { Fragment, useId, useState } from 'react';
import type { AccessReport, AccessStepName, SavedTarget } from '../../../shared/ipc';
import { useApp, useAppStore } from '../state/store';
import {
  accessVerdict,
  credentialParts,
  destinationLabel,
  folderLabel,
  parentFolder,
  validateTarget,
  type TextField,
} from '../state/target.logic';
import { AlertIcon, CheckIcon } from './icons';

const FIELDS: ReadonlyArray<{
  field: TextField;
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

/** Choose a saved target, or type a new one. */
function SavedTargetPicker() {
  const id = useId();
  const store = useAppStore();
  const saved = useApp((s) => s.savedTargets);
  const chosen = useApp((s) => s.savedTargetId);
  if (saved.length === 0) return null;
  const current = saved.find((t) => t.id === chosen);
  return (
    <div className="field field-wide">
      <label htmlFor={`${id}-saved`}>Saved target</label>
      <select
        id={`${id}-saved`}
        value={chosen ?? ''}
        onChange={(event) => store.getState().chooseSavedTarget(event.target.value || null)}
      >
        <option value="">New target (type it below)</option>
        {saved.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
            {t.synapseId ? ` · ${t.synapseId}` : ''}
          </option>
        ))}
      </select>
      {current && <SavedTargetActions key={current.id} target={current} />}
    </div>
  );
}

/** Rename the chosen saved target, change its Synapse folder, or remove it. */
function SavedTargetActions({ target }: { target: SavedTarget }) {
  const store = useAppStore();
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <TargetDetails
        label={`Edit target ${target.name}`}
        name={target.name}
        synapseId={target.synapseId ?? ''}
        submit="Save changes"
        onSubmit={async (name, synapseId) => {
          if (await store.getState().updateSavedTarget(target.id, name, synapseId)) {
            setEditing(false);
          }
        }}
        onCancel={() => setEditing(false)}
      />
    );
  }
  return (
    <div className="row-actions">
      <button type="button" className="button button-small" onClick={() => setEditing(true)}>
        Edit target…
      </button>
      <button
        type="button"
        className="button button-small"
        onClick={() => void store.getState().removeSavedTarget(target.id)}
      >
        Remove target
      </button>
    </div>
  );
}

/** The bucket list when the credentials may list buckets; otherwise the reason to type it. */
function BucketChoices({ listId }: { listId: string }) {
  const buckets = useApp((s) => s.buckets);
  const chosen = useApp((s) => s.target.bucket.trim());
  const store = useAppStore();
  if (buckets.status !== 'done') return null;
  if (buckets.error) return <p className="field-error">{buckets.error.message}</p>;
  if (!buckets.list) return null;
  if (!buckets.list.allowed) {
    return <p className="field-hint">{buckets.list.reason.message} Type the bucket name.</p>;
  }
  // A datalist shows only while the field is focused: the list is shown as well.
  const names = buckets.list.buckets.map((b) => b.name);
  return (
    <>
      <datalist id={listId}>
        {names.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      {names.length === 0 ? (
        <p className="field-hint">These credentials see no buckets. Type the bucket name.</p>
      ) : (
        <ul className="folder-list bucket-list" aria-label="Buckets">
          {names.map((name) => (
            <li key={name}>
              <button
                type="button"
                className="link-button"
                aria-pressed={name === chosen}
                onClick={() => store.getState().setTargetField('bucket', name)}
              >
                {name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Folders (common prefixes) of the bucket, one level at a time, with "New folder". */
function FolderBrowser() {
  const id = useId();
  const store = useAppStore();
  const folders = useApp((s) => s.folders);
  const [name, setName] = useState('');
  if (!folders.open) return null;
  const listing = folders.listing;
  const here = listing?.prefix ?? '';
  return (
    <div className="folder-browser" role="region" aria-label="Folders">
      <div className="folder-path">
        <button
          type="button"
          className="button button-small"
          disabled={!listing || here === ''}
          onClick={() => void store.getState().browseFolders(parentFolder(here))}
        >
          Up
        </button>
        <code>
          s3://{listing?.bucket ?? '…'}/{here}
        </code>
        <button
          type="button"
          className="icon-button folder-close"
          aria-label="Close folders"
          onClick={() => store.getState().closeFolders()}
        >
          ×
        </button>
      </div>
      {folders.status === 'loading' && <p className="muted">Listing…</p>}
      {folders.status === 'failed' && folders.error && (
        <p className="error-text">
          <AlertIcon /> {folders.error.message}
        </p>
      )}
      {listing && folders.status === 'done' && (
        <>
          <ul className="folder-list" aria-label="Sub-folders">
            {listing.folders.map((folder) => (
              <li key={folder}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void store.getState().browseFolders(folder)}
                >
                  {folderLabel(folder)}/
                </button>
              </li>
            ))}
            {listing.folders.length === 0 && <li className="muted">No sub-folders.</li>}
          </ul>
          <p className="muted">
            {listing.fileCount} {listing.fileCount === 1 ? 'file' : 'files'} here
            {listing.truncated ? ' (more not listed)' : ''}.
          </p>
        </>
      )}
      <div className="folder-new">
        <label htmlFor={`${id}-new`} className="visually-hidden">
          New folder name
        </label>
        <input
          id={`${id}-new`}
          value={name}
          placeholder="New folder name"
          spellCheck={false}
          autoComplete="off"
          onChange={(event) => setName(event.target.value)}
        />
        <button
          type="button"
          className="button button-small"
          disabled={name.trim() === ''}
          onClick={() =>
            void store
              .getState()
              .createFolder(name)
              .then((made) => made && setName(''))
          }
        >
          New folder
        </button>
      </div>
    </div>
  );
}

/**
 * A saved target's name and the Synapse folder it syncs into: what "Save as
 * target" asks for, and what "Edit" changes.
 */
function TargetDetails({
  label,
  name: initialName = '',
  synapseId: initialSynapse = '',
  submit,
  disabled = false,
  onSubmit,
  onCancel,
}: {
  label: string;
  name?: string;
  synapseId?: string;
  submit: string;
  disabled?: boolean;
  onSubmit: (name: string, synapseId: string) => Promise<void>;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState(initialName);
  const [synapse, setSynapse] = useState(initialSynapse);
  const synapseOk = synapse.trim() === '' || /^syn\d{1,12}$/.test(synapse.trim());
  return (
    <div className="save-target" role="group" aria-label={label}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Target name</label>
        <input
          id={`${id}-name`}
          value={name}
          placeholder="bucket/folder"
          autoComplete="off"
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-synapse`}>Synapse folder ID</label>
        <input
          id={`${id}-synapse`}
          value={synapse}
          placeholder="syn12345678 (optional)"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={!synapseOk || undefined}
          onChange={(event) => setSynapse(event.target.value)}
        />
        {!synapseOk && <p className="field-error">A Synapse folder ID looks like syn12345678.</p>}
      </div>
      <div className="row-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={disabled || !synapseOk}
          onClick={() => void onSubmit(name, synapse)}
        >
          {submit}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** "Save as target": the form's place under a name, with the Synapse folder it syncs into. */
function SaveTarget({ disabled }: { disabled: boolean }) {
  const store = useAppStore();
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className="button" disabled={disabled} onClick={() => setOpen(true)}>
        Save as target…
      </button>
    );
  }
  return (
    <TargetDetails
      label="Save as target"
      submit="Save target"
      disabled={disabled}
      onSubmit={async (name, synapseId) => {
        if (await store.getState().saveTarget(name, synapseId)) setOpen(false);
      }}
      onCancel={() => setOpen(false)}
    />
  );
}

const STEP_LABELS: Record<AccessReport['steps'][number]['step'], string> = {
  credentials: 'Credentials',
  network: 'Connection',
  identity: 'Signed in as',
  bucket: 'Bucket',
  ownership: 'ACLs',
  write: 'Upload with grants',
  acceleration: 'Transfer Acceleration',
  encryption: 'Encryption',
  conditional: 'Conditional writes',
  verify: 'Verification',
};

/** The check's steps the report lists; the others are said in the verdict or the warnings. */
const SHOWN_STEPS = new Set<AccessStepName>([
  'network',
  'ownership',
  'acceleration',
  'write',
  'verify',
]);

/** What "Check access" found: verdict, who, where, ACL state, and what to do. */
function AccessReportView({ report }: { report: AccessReport }) {
  return (
    <div
      className={`access-report ${report.ok ? 'access-ok' : 'access-failed'}`}
      data-testid="access-report"
    >
      <p className={report.ok ? 'ok-text' : 'error-text'}>
        {report.ok ? <CheckIcon /> : <AlertIcon />} {accessVerdict(report)}
      </p>
      <dl className="detail-list">
        {report.credentials && (
          <div className="detail-line">
            <dt>Credentials</dt>
            <dd>
              {credentialParts(report.credentials).map((part, index) => (
                <Fragment key={part}>
                  {index > 0 && ' · '}
                  <span className="nowrap">{part}</span>
                </Fragment>
              ))}
            </dd>
          </div>
        )}
        {report.identity?.arn && (
          <div className="detail-line">
            <dt>Identity</dt>
            <dd>
              <code className="selectable">{report.identity.arn}</code>
            </dd>
          </div>
        )}
        {report.bucketRegion && (
          <div className="detail-line">
            <dt>Bucket region</dt>
            <dd>{report.bucketRegion}</dd>
          </div>
        )}
        {report.steps
          .filter((s) => SHOWN_STEPS.has(s.step))
          .map((s) => (
            <div key={s.step} className="detail-line">
              <dt>{STEP_LABELS[s.step]}</dt>
              <dd className={s.status === 'failed' ? 'error-text' : undefined}>{s.message}</dd>
            </div>
          ))}
      </dl>
      {report.warnings.map((warning) => (
        <p key={warning} className="callout callout-warning">
          <AlertIcon /> {warning}
        </p>
      ))}
    </div>
  );
}

/**
 * Where the batch goes: a saved target or a typed one, with the bucket list
 * and folder browser where the credentials allow them, and "Check access",
 * which shows main's access report before anything is uploaded.
 */
export function TargetForm() {
  const id = useId();
  const target = useApp((s) => s.target);
  const check = useApp((s) => s.targetCheck);
  const buckets = useApp((s) => s.buckets);
  const store = useAppStore();
  const { errors, target: valid } = validateTarget(target);
  const touched = (field: TextField) => target[field].trim() !== '';
  const sourceValid =
    validateTarget({ ...target, bucket: 'any-bucket', accelerate: false }).target !== null;

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
        <SavedTargetPicker />
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
              <div className="field-row">
                <input
                  id={`${id}-${field}`}
                  name={field}
                  value={target[field]}
                  placeholder={placeholder}
                  spellCheck={false}
                  autoComplete="off"
                  list={field === 'bucket' ? `${id}-buckets` : undefined}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={describedBy || undefined}
                  onChange={(event) => store.getState().setTargetField(field, event.target.value)}
                />
                {field === 'bucket' && (
                  <button
                    type="button"
                    className="button button-small"
                    disabled={!sourceValid || buckets.status === 'loading'}
                    onClick={() => void store.getState().loadBuckets()}
                  >
                    {buckets.status === 'loading' ? 'Listing…' : 'List buckets'}
                  </button>
                )}
                {field === 'prefix' && (
                  <button
                    type="button"
                    className="button button-small"
                    disabled={!valid}
                    onClick={() => void store.getState().browseFolders()}
                  >
                    Browse…
                  </button>
                )}
              </div>
              {field === 'bucket' && <BucketChoices listId={`${id}-buckets`} />}
              {error ? (
                <p id={`${id}-${field}-error`} className="field-error">
                  {error}
                </p>
              ) : hint ? (
                <p id={`${id}-${field}-hint`} className="field-hint">
                  {hint}
                </p>
              ) : null}
              {field === 'prefix' && <FolderBrowser />}
            </div>
          );
        })}
        <div className="field field-wide">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={target.accelerate}
              aria-invalid={errors.accelerate ? true : undefined}
              aria-describedby={`${id}-accelerate-${errors.accelerate ? 'error' : 'hint'}`}
              onChange={(event) =>
                store.getState().setTargetField('accelerate', event.target.checked)
              }
            />
            Upload through S3 Transfer Acceleration
          </label>
          {errors.accelerate ? (
            <p id={`${id}-accelerate-error`} className="field-error">
              {errors.accelerate}
            </p>
          ) : (
            <p id={`${id}-accelerate-hint`} className="field-hint">
              AWS&apos;s edge network, for labs far from the bucket&apos;s region. The bucket must
              have it on: Check access says.
            </p>
          )}
        </div>
      </div>
      <p className="destination" aria-label="Destination">
        <span className="muted">Uploads go to</span> <code>{destinationLabel(target)}</code>
      </p>
      <div className="row-actions">
        <button type="submit" className="button" disabled={!valid || check.status === 'checking'}>
          {check.status === 'checking' ? 'Checking…' : 'Check access'}
        </button>
        <SaveTarget disabled={!valid} />
      </div>
      <div className="check-result" role="status" aria-live="polite">
        {check.status === 'done' && check.result && <AccessReportView report={check.result} />}
        {check.status === 'failed' && check.error && (
          <p className="error-text">
            <AlertIcon /> {check.error.message}
          </p>
        )}
      </div>
    </form>
  );
}
