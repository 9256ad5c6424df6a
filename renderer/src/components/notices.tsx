import { useApp, useAppStore } from '../state/store';
import { AlertIcon, CheckIcon, CloseIcon, InfoIcon } from './icons';

/** Short messages; errors are alerts and stay until dismissed. */
export function Notices() {
  const notices = useApp((s) => s.notices);
  const store = useAppStore();
  return (
    <div className="notices" aria-live="polite">
      {notices.map((notice) => (
        <div
          key={notice.id}
          className={`notice notice-${notice.kind}`}
          role={notice.kind === 'error' ? 'alert' : 'status'}
        >
          {notice.kind === 'error' ? (
            <AlertIcon />
          ) : notice.kind === 'success' ? (
            <CheckIcon />
          ) : (
            <InfoIcon />
          )}
          <span className="notice-text">{notice.text}</span>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => store.getState().dismiss(notice.id)}
          >
            <CloseIcon />
          </button>
        </div>
      ))}
    </div>
  );
}
