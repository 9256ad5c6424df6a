import { unfinishedCount } from '../state/queue.logic';
import { useApp, useAppStore } from '../state/store';
import type { View } from '../state/ui.slice';
import { DropZone } from './drop-zone';
import { HistoryView } from './history-view';
import { AlertIcon, LogoMark } from './icons';
import { Notices } from './notices';
import { PlanReview } from './plan-review';
import { QueueView } from './queue-view';
import { SettingsView } from './settings-view';
import { TargetForm } from './target-form';

const VIEWS: ReadonlyArray<{ view: View; label: string }> = [
  { view: 'upload', label: 'Upload' },
  { view: 'history', label: 'History' },
  { view: 'settings', label: 'Settings' },
];

function DemoBanner() {
  const demo = useApp((s) => s.appInfo?.demo ?? null);
  const store = useAppStore();
  if (!demo) return null;
  return (
    <div className="demo-banner" role="note">
      <span>
        <strong>Demo mode.</strong> Uploads go to a local test endpoint ({demo.endpoint}), not to
        AWS.
      </span>
      <button
        type="button"
        className="button button-small"
        onClick={() => void store.getState().addPaths([demo.sampleFolder])}
      >
        Add the sample study
      </button>
    </div>
  );
}

/**
 * The queue paused itself because the credentials stopped working (an SSO
 * session or a role's hour ran out): sign in, then resume. No file failed.
 */
function SignInPrompt() {
  const reason = useApp((s) => s.credentials.signIn);
  const store = useAppStore();
  if (!reason) return null;
  return (
    <div className="callout callout-warning sign-in" role="alert" data-testid="sign-in">
      <AlertIcon />
      <div>
        <strong>Uploads are paused until you sign in again.</strong>
        <p>{reason.message}</p>
        <p className="muted">
          Sign in (for example run <code>aws sso login</code> in a terminal, or store new keys in
          Settings), then resume: only the parts not yet sent are uploaded.
        </p>
        <div className="row-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => void store.getState().signedInResume()}
          >
            Resume
          </button>
        </div>
      </div>
    </div>
  );
}

function UploadView() {
  return (
    <div className="upload-view">
      <div className="upload-side">
        <section className="card target-card">
          <TargetForm />
        </section>
        <section className="card drop-card" aria-label="Add files">
          <DropZone />
        </section>
      </div>
      <div className="upload-main">
        <PlanReview />
        <QueueView />
      </div>
    </div>
  );
}

export function App() {
  const ready = useApp((s) => s.ready);
  const fatal = useApp((s) => s.fatal);
  const view = useApp((s) => s.view);
  const unfinished = useApp((s) => unfinishedCount(s.queue));
  const store = useAppStore();

  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <LogoMark />
          <h1 className="brand-name">Labdrop</h1>
        </div>
        <nav aria-label="Sections" className="tabs">
          {VIEWS.map(({ view: v, label }) => (
            <button
              key={v}
              type="button"
              className="tab"
              aria-current={view === v ? 'page' : undefined}
              onClick={() => store.getState().setView(v)}
            >
              {label}
              {v === 'upload' && unfinished > 0 && (
                <span className="tab-count" aria-label={`${unfinished} unfinished`}>
                  {unfinished.toLocaleString('en-US')}
                </span>
              )}
            </button>
          ))}
        </nav>
      </header>
      <DemoBanner />
      <SignInPrompt />
      <main className="app-main" aria-busy={!ready}>
        {fatal ? (
          <p className="callout callout-error" role="alert">
            {fatal}
          </p>
        ) : view === 'upload' ? (
          <UploadView />
        ) : view === 'history' ? (
          <HistoryView />
        ) : (
          <SettingsView />
        )}
      </main>
      <Notices />
    </div>
  );
}
