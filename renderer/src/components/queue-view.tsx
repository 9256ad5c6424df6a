import { memo, useId, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes, formatDuration, formatSpeed } from '../../../shared/format';
import type { UploadStatus } from '../../../shared/types';
import { secondsLeft } from '../state/eta.logic';
import {
  bulkAvailability,
  cancelNeedsConfirm,
  heldLine,
  itemAt,
  queueTotals,
  rowView,
} from '../state/queue.logic';
import type { QueueAction, UploadAction } from '../state/queue.slice';
import { useApp, useAppStore } from '../state/store';
import { CloseIcon, InfoIcon, PauseIcon, PlayIcon, RetryIcon } from './icons';
import { ProgressBar } from './progress-bar';
import { VirtualList } from './virtual-list';

const ROW_HEIGHT = 58;

const count = (n: number) => n.toLocaleString('en-US');

const TONES: Record<UploadStatus, 'normal' | 'done' | 'failed' | 'paused' | 'hashing'> = {
  queued: 'normal',
  hashing: 'hashing',
  uploading: 'normal',
  verifying: 'normal',
  waiting: 'paused',
  done: 'done',
  skipped: 'done',
  paused: 'paused',
  failed: 'failed',
  cancelled: 'paused',
};

function QueueHeader() {
  return (
    <div role="row" aria-rowindex={1} className="queue-grid vtable-header">
      <span role="columnheader">File</span>
      <span role="columnheader" className="num">
        Size
      </span>
      <span role="columnheader">Phase</span>
      <span role="columnheader">Progress</span>
      <span role="columnheader" className="num">
        Speed
      </span>
      <span role="columnheader" className="actions-col">
        <span className="visually-hidden">Actions</span>
      </span>
    </div>
  );
}

/**
 * One row; subscribes to its own upload only, so a batch re-renders just the
 * rows it changed. It reads its upload at its place in the list (`at`).
 */
const QueueRow = memo(function QueueRow({ id, at }: { id: string; at: number }) {
  const progress = useApp((s) => itemAt(s.queue, at, id));
  const store = useAppStore();
  const [confirming, setConfirming] = useState(false);
  if (!progress) return null;
  const view = rowView(progress);
  const act = (action: UploadAction) => void store.getState().uploadAction(action, id);
  const detail = progress.error?.message ?? progress.key;
  const asking = confirming && view.canCancel;
  return (
    <div
      className={`queue-grid status-${progress.status}`}
      data-testid="queue-row"
      data-status={progress.status}
    >
      <span role="gridcell" className="cell-name">
        <span className="file-name" title={progress.localPath}>
          {view.name}
        </span>
        {asking ? (
          // A big file, or one far along: a stray click must not throw that away.
          <span
            className="row-confirm"
            onKeyDown={(event) => {
              if (event.key === 'Escape') setConfirming(false);
            }}
          >
            <span>Cancel{view.percent !== '0%' ? ` (${view.percent} sent)` : ''}?</span>
            <button
              type="button"
              className="button button-small button-danger"
              aria-label={`Yes, cancel ${view.name}`}
              onClick={() => {
                setConfirming(false);
                act('cancel');
              }}
            >
              Yes
            </button>
            <button
              type="button"
              className="button button-small"
              aria-label={`No, keep ${view.name}`}
              autoFocus
              onClick={() => setConfirming(false)}
            >
              No
            </button>
          </span>
        ) : (
          <span className={progress.error ? 'file-error' : 'file-key'} title={detail}>
            {progress.error ? view.errorText : `s3://${progress.bucket}/${progress.key}`}
          </span>
        )}
      </span>
      <span role="gridcell" className="num">
        {view.size}
      </span>
      <span role="gridcell">
        <span className={`badge badge-${progress.status}`}>{view.phase}</span>
      </span>
      <span role="gridcell" className="cell-progress">
        <ProgressBar
          fraction={view.fraction}
          label={`${view.name}: ${view.phase}, ${view.percent}`}
          tone={TONES[progress.status]}
        />
        <span className="percent">{view.percent}</span>
      </span>
      <span role="gridcell" className="num cell-speed">
        <span>{view.speed}</span>
        {view.eta && <span className="muted">{view.eta} left</span>}
      </span>
      <span role="gridcell" className="actions-col">
        {view.canPause && (
          <button
            type="button"
            className="icon-button"
            aria-label={`Pause ${view.name}`}
            title="Pause"
            onClick={() => act('pause')}
          >
            <PauseIcon />
          </button>
        )}
        {view.canResume && (
          <button
            type="button"
            className="icon-button"
            aria-label={`Resume ${view.name}`}
            title="Resume"
            onClick={() => act('resume')}
          >
            <PlayIcon />
          </button>
        )}
        {view.canRetry && (
          <button
            type="button"
            className="icon-button"
            aria-label={`Retry ${view.name}`}
            title="Retry"
            onClick={() => act('retry')}
          >
            <RetryIcon />
          </button>
        )}
        {view.canUploadAgain && (
          <button
            type="button"
            className="icon-button"
            aria-label={`Upload ${view.name} again`}
            title="Upload again"
            onClick={() => act('uploadAgain')}
          >
            <RetryIcon />
          </button>
        )}
        {(progress.status === 'failed' || progress.status === 'done') && (
          <button
            type="button"
            className="icon-button"
            aria-label={`Details of ${view.name}`}
            title="Details"
            onClick={() => store.getState().showInHistory(id)}
          >
            <InfoIcon />
          </button>
        )}
        {view.canCancel && (
          <button
            type="button"
            className="icon-button danger"
            aria-label={`Cancel ${view.name}`}
            title="Cancel"
            onClick={() => (cancelNeedsConfirm(progress) ? setConfirming(true) : act('cancel'))}
          >
            <CloseIcon />
          </button>
        )}
      </span>
    </div>
  );
});

function QueueTotalsLine() {
  const queue = useApp((s) => s.queue);
  const eta = useApp((s) => s.eta);
  const totals = useMemo(() => queueTotals(queue), [queue]);
  const left = secondsLeft(eta, totals.remainingBytes, totals.active);
  if (totals.files === 0) return null;
  const parts = [
    `${count(totals.files)} ${totals.files === 1 ? 'file' : 'files'}`,
    `${count(totals.done)} done`,
    ...(totals.active ? [`${count(totals.active)} in progress`] : []),
    ...(totals.paused ? [`${count(totals.paused)} paused`] : []),
    ...(totals.failed ? [`${count(totals.failed)} failed`] : []),
    ...(totals.cancelled ? [`${count(totals.cancelled)} cancelled`] : []),
    ...(totals.skipped ? [`${count(totals.skipped)} skipped`] : []),
  ];
  const held = heldLine(totals);
  const fraction =
    totals.totalBytes === 0 ? (totals.done > 0 ? 1 : 0) : totals.uploadedBytes / totals.totalBytes;
  return (
    <div className="totals" data-testid="queue-totals">
      <p className="totals-text">
        <span>{parts.join(' · ')}</span>
        <span className="muted">
          {formatBytes(totals.uploadedBytes)} of {formatBytes(totals.totalBytes)}
          {totals.active > 0 && totals.speed > 0 && (
            <>
              {' · '}
              {formatSpeed(totals.speed)}
              {left !== null && ` · ${formatDuration(left)} left`}
            </>
          )}
        </span>
      </p>
      {held && (
        <p className="muted" role="status" data-testid="bandwidth-held">
          {held}
        </p>
      )}
      <ProgressBar
        fraction={fraction}
        label="Batch progress"
        tone={
          totals.failed
            ? 'failed'
            : totals.active === 0 && totals.paused === 0 && totals.done > 0
              ? 'done'
              : 'normal'
        }
      />
    </div>
  );
}

const BULK: ReadonlyArray<{ action: QueueAction; label: string }> = [
  { action: 'pauseAll', label: 'Pause all' },
  { action: 'resumeAll', label: 'Resume all' },
  { action: 'retryAll', label: 'Retry failed' },
  { action: 'clearFinished', label: 'Clear finished' },
];

/** The queue: totals, actions for all, and one virtualized row per file. */
export function QueueView() {
  const id = useId();
  const store = useAppStore();
  const order = useApp((s) => s.queue.order);
  const available = useApp(useShallow((s) => bulkAvailability(s.queue)));
  const [confirmCancel, setConfirmCancel] = useState(false);
  const bulk = (action: QueueAction) => void store.getState().queueAction(action);

  return (
    <section className="card queue-card" aria-labelledby={`${id}-title`}>
      <div className="card-head">
        <h2 id={`${id}-title`} className="card-title">
          Queue
        </h2>
        <div className="toolbar" role="toolbar" aria-label="All files">
          {BULK.map(({ action, label }) => (
            <button
              key={action}
              type="button"
              className="button button-small"
              disabled={!available[action]}
              onClick={() => bulk(action)}
            >
              {label}
            </button>
          ))}
          {confirmCancel ? (
            <span className="confirm">
              <span>Cancel every unfinished upload?</span>
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => {
                  setConfirmCancel(false);
                  bulk('cancelAll');
                }}
              >
                Cancel all
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => setConfirmCancel(false)}
              >
                Keep
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="button button-small"
              disabled={!available.cancelAll}
              onClick={() => setConfirmCancel(true)}
            >
              Cancel all…
            </button>
          )}
        </div>
      </div>
      <QueueTotalsLine />
      <VirtualList
        label="Upload queue"
        count={order.length}
        rowHeight={ROW_HEIGHT}
        rowKey={(index) => order[index] ?? String(index)}
        renderRow={(index) => <QueueRow id={order[index] ?? ''} at={index} />}
        header={<QueueHeader />}
        className="queue-table"
        empty={<p className="empty">No uploads yet. Files you add appear here.</p>}
      />
    </section>
  );
}
