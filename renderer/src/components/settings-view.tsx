import { Fragment, useId, useState, type ChangeEvent } from 'react';
import type { CredentialChoice, SettingsView as SettingsAnswer } from '../../../shared/ipc';
import {
  MAX_PART_CONCURRENCY,
  MAX_PART_SIZE_MIB,
  MIN_PART_SIZE_MIB,
  SMALL_REQUESTS_PER_PART,
} from '../../../shared/parts';
import { formatRate, parseRate } from '../../../shared/rate';
import { keysInput, keysProblems, type KeysField, type KeysForm } from '../state/keys.logic';
import { useApp, useAppStore } from '../state/store';
import { AlertIcon } from './icons';

/** Concurrency, part size and bandwidth limit; keyed by the saved values, so a save resets the fields. */
function UploadSettings({ view }: { view: SettingsAnswer | null }) {
  const id = useId();
  const store = useAppStore();
  const saving = useApp((s) => s.settings.saving);
  const error = useApp((s) => s.settings.error);
  const [concurrency, setConcurrency] = useState(String(view?.settings.partConcurrency ?? ''));
  const [partSize, setPartSize] = useState(String(view?.settings.partSizeMiB ?? ''));
  const savedRate = view?.settings.maxRate;
  const [maxRate, setMaxRate] = useState(savedRate ? formatRate(savedRate) : 'off');
  const rate = parseRate(maxRate);
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
        if (concurrencyOk && partSizeOk && rate.ok) {
          void store.getState().saveSettings({
            partConcurrency: concurrencyValue,
            partSizeMiB: partSizeValue,
            maxRate: rate.rate,
          });
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
            1 to {MAX_PART_CONCURRENCY} parts at once across all files; small files go up to{' '}
            {SMALL_REQUESTS_PER_PART} per part. Applies at once.
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
        <div className="field">
          <label htmlFor={`${id}-max-rate`}>Bandwidth limit</label>
          <input
            id={`${id}-max-rate`}
            value={maxRate}
            spellCheck={false}
            aria-invalid={!rate.ok || undefined}
            aria-describedby={`${id}-max-rate-hint`}
            onChange={(event) => setMaxRate(event.target.value)}
          />
          <p id={`${id}-max-rate-hint`} className={rate.ok ? 'field-hint' : 'field-error'}>
            {rate.ok
              ? 'All uploads together, e.g. 40MB/s, 500KiB/s or 100Mbit/s; "off" for none. Applies at once.'
              : rate.message}
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
          disabled={!view || saving || !concurrencyOk || !partSizeOk || !rate.ok}
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

const KIND_LABELS: Record<CredentialChoice['kind'], string> = {
  keys: 'access keys in ~/.aws',
  sso: 'SSO sign-in',
  'assume-role': 'assumed role',
  process: 'credential process',
  'web-identity': 'web identity',
  other: 'AWS profile',
  'app-keys': 'keys stored by Labdrop',
  environment: 'environment variables',
  'default-chain': 'default AWS credentials',
};

/**
 * Access keys typed here go to main once (saveKeys) and are encrypted by the
 * system keychain; the fields are cleared at once, and nothing secret comes
 * back (see the note in renderer/src/state/credentials.slice.ts).
 */
const EMPTY_KEYS: KeysForm = {
  name: '',
  accessKeyId: '',
  secretAccessKey: '',
  sessionToken: '',
  region: '',
};

function StoreKeysForm({ problem }: { problem: string | null }) {
  const id = useId();
  const store = useAppStore();
  const saving = useApp((s) => s.credentials.saving);
  const error = useApp((s) => s.credentials.error);
  const [form, setForm] = useState<KeysForm>(EMPTY_KEYS);
  const problems = keysProblems(form);
  const valid = Object.keys(problems).length === 0;
  /** A field's problem once something is typed in it (empty ones just keep the button off). */
  const fieldProps = (field: KeysField) => {
    const shown = form[field].trim() !== '' ? problems[field] : undefined;
    return {
      id: `${id}-${field}`,
      value: form[field],
      spellCheck: false,
      'aria-invalid': shown ? true : undefined,
      'aria-describedby': shown ? `${id}-${field}-problem` : undefined,
      onChange: (event: ChangeEvent<HTMLInputElement>) =>
        setForm((f) => ({ ...f, [field]: event.target.value })),
    };
  };
  const fieldProblem = (field: KeysField) =>
    form[field].trim() !== '' && problems[field] ? (
      <p id={`${id}-${field}-problem`} className="field-error">
        {problems[field]}
      </p>
    ) : null;

  if (problem) {
    return (
      <p className="callout callout-warning" role="alert" data-testid="keys-refused">
        <AlertIcon /> {problem}
      </p>
    );
  }
  return (
    <form
      aria-labelledby={`${id}-title`}
      autoComplete="off"
      onSubmit={(event) => {
        event.preventDefault();
        if (!valid) return;
        void store
          .getState()
          .saveKeys(keysInput(form))
          .then((saved) => {
            // The secret leaves the window's memory whether or not main took it.
            setForm((f) => (saved ? EMPTY_KEYS : { ...f, secretAccessKey: '', sessionToken: '' }));
          });
      }}
    >
      <h3 id={`${id}-title`} className="subsection-title">
        Store access keys
      </h3>
      <div className="field-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input {...fieldProps('name')} placeholder="lab-uploader" />
          {fieldProblem('name')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-region`}>Region (optional)</label>
          <input {...fieldProps('region')} placeholder="us-east-1" />
          {fieldProblem('region')}
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-accessKeyId`}>Access key ID</label>
          <input {...fieldProps('accessKeyId')} placeholder="AKIA…" />
          {fieldProblem('accessKeyId')}
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-secretAccessKey`}>Secret access key</label>
          <input {...fieldProps('secretAccessKey')} type="password" autoComplete="new-password" />
          {fieldProblem('secretAccessKey')}
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-sessionToken`}>Session token (optional)</label>
          <input {...fieldProps('sessionToken')} type="password" autoComplete="new-password" />
          {fieldProblem('sessionToken')}
        </div>
      </div>
      {error && (
        <p className="callout callout-error" role="alert">
          <AlertIcon /> {error.message}
        </p>
      )}
      <div className="row-actions">
        <button type="submit" className="button button-primary" disabled={!valid || saving}>
          {saving ? 'Storing…' : 'Store keys'}
        </button>
        <span className="muted">Encrypted by the system keychain; never shown again.</span>
      </div>
    </form>
  );
}

/** Where credentials come from: ~/.aws profiles, the default chain, keys stored by Labdrop. */
function CredentialsPanel() {
  const id = useId();
  const store = useAppStore();
  const credentials = useApp((s) => s.credentials);
  const profile = useApp((s) => s.target.awsProfile.trim());

  return (
    <section className="card" aria-labelledby={`${id}-credentials`}>
      <h2 id={`${id}-credentials`} className="card-title">
        Credentials
      </h2>
      <p className="muted">
        The target's AWS profile chooses the credentials; uploads, checks and folder browsing all
        use them. Keys never reach this window: only a name, the last four characters of the key ID
        and the region.
      </p>
      <ul className="credential-list" aria-label="Credential choices">
        {credentials.choices.map((choice) => {
          const name = choice.name ?? '';
          const inUse = name === profile;
          return (
            <li key={`${choice.source}:${name}`} className="credential-row">
              <div className="credential-name">
                <strong>{choice.name ?? 'Default'}</strong>
                <span className="muted">
                  {[
                    KIND_LABELS[choice.kind],
                    choice.keyIdLast4 ? `key …${choice.keyIdLast4}` : null,
                    choice.region,
                  ]
                    .filter(Boolean)
                    .map((part, index) => (
                      <Fragment key={index}>
                        {index > 0 && ' · '}
                        <span className="nowrap">{part}</span>
                      </Fragment>
                    ))}
                </span>
              </div>
              {inUse ? (
                <span className="badge badge-in-use">In use</span>
              ) : (
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => store.getState().setTargetField('awsProfile', name)}
                >
                  Use for the target
                </button>
              )}
              {choice.source === 'app' && choice.name && (
                <button
                  type="button"
                  className="button button-small button-danger"
                  onClick={() => void store.getState().removeKeys(choice.name as string)}
                >
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {credentials.loaded && <StoreKeysForm problem={credentials.storageProblem} />}
    </section>
  );
}

/** Who gets full control and the checksum rule: the center's preset and imported ones. */
function ProfilesPanel() {
  const id = useId();
  const store = useAppStore();
  const profiles = useApp((s) => s.credentials.profiles);
  return (
    <section className="card" aria-labelledby={`${id}-profiles`}>
      <div className="card-head">
        <h2 id={`${id}-profiles`} className="card-title">
          Submission profiles
        </h2>
        <button
          type="button"
          className="button button-small"
          onClick={() => void store.getState().importProfile()}
        >
          Import…
        </button>
      </div>
      <ul className="profile-list" aria-label="Submission profiles">
        {profiles.map((profile) => (
          <li key={profile.name} className="profile-row">
            <div className="profile-name">
              <strong>
                {profile.builtIn ? 'Data coordinating center' : profile.name}
                {profile.isDefault ? ' (default)' : ''}
              </strong>
              <span className="muted">
                Full control for {profile.fullControlIds.length} canonical{' '}
                {profile.fullControlIds.length === 1 ? 'ID' : 'IDs'} · checksum in{' '}
                <code>x-amz-meta-{profile.md5MetadataKey}</code>
              </span>
              {profile.fullControlIds.map((grantee) => (
                <code key={grantee} className="selectable grantee">
                  {grantee}
                </code>
              ))}
            </div>
            <div className="profile-actions">
              <button
                type="button"
                className="button button-small"
                onClick={() => void store.getState().exportProfile(profile.name)}
              >
                Export…
              </button>
              {!profile.builtIn && (
                <button
                  type="button"
                  className="button button-small button-danger"
                  onClick={() => void store.getState().removeProfile(profile.name)}
                >
                  Remove
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The log and the diagnostics a lab sends the center when something goes wrong. */
function DiagnosticsPanel() {
  const id = useId();
  const store = useAppStore();
  const diagnostics = useApp((s) => s.settings.diagnostics);
  return (
    <section className="card" aria-labelledby={`${id}-diagnostics`}>
      <h2 id={`${id}-diagnostics`} className="card-title">
        Logs and diagnostics
      </h2>
      <p className="muted">
        When something goes wrong, send the center labdrop.log from the log folder and the
        diagnostics: versions, settings, targets and the last access check. Neither holds a key.
      </p>
      <div className="row-actions">
        <button
          type="button"
          className="button"
          onClick={() => void store.getState().openLogFolder()}
        >
          Open log folder
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void store.getState().copyDiagnostics()}
        >
          Copy diagnostics
        </button>
      </div>
      {diagnostics && (
        <details className="diagnostics">
          <summary>What was copied</summary>
          {/* It scrolls: a Tab stop, so the keyboard can read it all. */}
          <pre className="selectable" tabIndex={0} aria-label="Diagnostics copied">
            {diagnostics}
          </pre>
        </details>
      )}
    </section>
  );
}

/** Upload settings, credentials, the submission profiles, and the diagnostics. */
export function SettingsView() {
  const id = useId();
  const view = useApp((s) => s.settings.view);
  const info = useApp((s) => s.appInfo);

  return (
    <div className="settings-view">
      <UploadSettings key={view ? JSON.stringify(view.settings) : 'loading'} view={view} />
      <CredentialsPanel />
      <ProfilesPanel />
      <DiagnosticsPanel />
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
