import { useId, useState } from 'react';
import {
  MAX_PART_CONCURRENCY,
  MAX_PART_SIZE_MIB,
  MIN_PART_SIZE_MIB,
  type SettingsView as SettingsAnswer,
} from '../../../shared/ipc';
import { useApp, useAppStore } from '../state/store';
import { AlertIcon } from './icons';

/** Concurrency and part size; keyed by the saved values, so a save resets the fields. */
function UploadSettings({ view }: { view: SettingsAnswer | null }) {
  const id = useId();
  const store = useAppStore();
  const saving = useApp((s) => s.settings.saving);
  const error = useApp((s) => s.settings.error);
  const [concurrency, setConcurrency] = useState(String(view?.settings.partConcurrency ?? ''));
  const [partSize, setPartSize] = useState(String(view?.settings.partSizeMiB ?? ''));
  const concurrencyValue = Number(concurrency);
  const partSizeValue = Number(partSize);
  const concurrencyOk =
    Number.isInteger(concurrencyValue) &&
    concurrencyValue >= 1 &&
    concurrencyValue <= MAX_PART_CONCURRENCY;
  const partSizeOk =
    Number.isInteger(partSizeValue) &&
    partSizeValue >= MIN_PART_SIZE_MIB &&
    partSizeValue <= MAX_PART_SIZE_MIB;

  return (
    <form
      className="card"
      aria-labelledby={`${id}-uploads`}
      onSubmit={(event) => {
        event.preventDefault();
        if (concurrencyOk && partSizeOk) {
          void store
            .getState()
            .saveSettings({ partConcurrency: concurrencyValue, partSizeMiB: partSizeValue });
        }
      }}
    >
      <h2 id={`${id}-uploads`} className="card-title">
        Uploads
      </h2>
      <div className="field-grid">
        <div className="field">
          <label htmlFor={`${id}-concurrency`}>Parallel part uploads</label>
          <input
            id={`${id}-concurrency`}
            type="number"
            min={1}
            max={MAX_PART_CONCURRENCY}
            value={concurrency}
            aria-invalid={!concurrencyOk || undefined}
            aria-describedby={`${id}-concurrency-hint`}
            onChange={(event) => setConcurrency(event.target.value)}
          />
          <p id={`${id}-concurrency-hint`} className={concurrencyOk ? 'field-hint' : 'field-error'}>
            1 to {MAX_PART_CONCURRENCY}, across all files. Applies at once.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-part-size`}>Part size (MiB)</label>
          <input
            id={`${id}-part-size`}
            type="number"
            min={MIN_PART_SIZE_MIB}
            max={MAX_PART_SIZE_MIB}
            value={partSize}
            aria-invalid={!partSizeOk || undefined}
            aria-describedby={`${id}-part-size-hint`}
            onChange={(event) => setPartSize(event.target.value)}
          />
          <p id={`${id}-part-size-hint`} className={partSizeOk ? 'field-hint' : 'field-error'}>
            {MIN_PART_SIZE_MIB} to {MAX_PART_SIZE_MIB}; grown for files that would need more than
            10,000 parts.
          </p>
        </div>
      </div>
      {view?.restartNeeded && (
        <p className="callout callout-info" role="status">
          <AlertIcon /> The new part size applies to uploads added after Labdrop restarts.
        </p>
      )}
      {error && (
        <p className="callout callout-error" role="alert">
          {error.message}
        </p>
      )}
      <div className="row-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={!view || saving || !concurrencyOk || !partSizeOk}
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

/** Upload settings, the submission profile in force, and where credentials come from. */
export function SettingsView() {
  const id = useId();
  const view = useApp((s) => s.settings.view);
  const info = useApp((s) => s.appInfo);

  return (
    <div className="settings-view">
      <UploadSettings key={view ? JSON.stringify(view.settings) : 'loading'} view={view} />

      <section className="card" aria-labelledby={`${id}-profile`}>
        <h2 id={`${id}-profile`} className="card-title">
          Submission profile
        </h2>
        {info && (
          <dl className="detail-list">
            <div className="detail-line">
              <dt>Profile</dt>
              <dd>
                {info.profile.name === 'center'
                  ? 'Data coordinating center (default)'
                  : info.profile.name}
              </dd>
            </div>
            {info.profile.fullControlIds.map((grantee, index) => (
              <div key={grantee} className="detail-line">
                <dt>{index === 0 ? 'Full control for' : ''}</dt>
                <dd>
                  <code className="selectable">{grantee}</code>
                </dd>
              </div>
            ))}
            <div className="detail-line">
              <dt>Checksum metadata</dt>
              <dd>
                <code>x-amz-meta-{info.profile.md5MetadataKey}</code>: base64 of the file's MD5
              </dd>
            </div>
          </dl>
        )}
      </section>

      <section className="card" aria-labelledby={`${id}-credentials`}>
        <h2 id={`${id}-credentials`} className="card-title">
          Credentials
        </h2>
        <p>
          Labdrop signs requests with the AWS profile named in the target, or with your default AWS
          credentials (environment variables, <code>~/.aws/credentials</code>, or an SSO login).
          Keys never reach this window.
        </p>
        <p className="muted">
          Managing keys and profiles inside Labdrop is coming in a later version.
        </p>
      </section>

      {info && (
        <section className="card" aria-labelledby={`${id}-about`}>
          <h2 id={`${id}-about`} className="card-title">
            About
          </h2>
          <p className="muted">
            Labdrop {info.version} on {info.platform}
            {info.demo ? ` · demo endpoint ${info.demo.endpoint}` : ''}
          </p>
        </section>
      )}
    </div>
  );
}
