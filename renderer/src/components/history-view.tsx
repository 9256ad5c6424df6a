import { useEffect, useId, useMemo, useRef } from 'react';
import { formatBytes } from '../../../shared/format';
import type { UploadRecord } from '../../../shared/types';
import {
  countLine,
  formatTime,
  LOAD_MORE_WITHIN,
  recordDetails,
  STATUS_FILTERS,
  type StatusFilter,
} from '../state/history.logic';
import { PHASE_LABELS, baseName } from '../state/queue.logic';
import { useApp, useAppStore } from '../state/store';
import { CloseIcon, DownloadIcon } from './icons';
import { VirtualList } from './virtual-list';

const ROW_HEIGHT = 52;

function HistoryHeader() {
  return (
    <div role="row" aria-rowindex={1} className="history-grid vtable-header">
      <span role="columnheader">File</span>
      <span role="columnheader">Status</span>
      <span role="columnheader" className="num">
        Size
      </span>
      <span role="columnheader">Bucket</span>
      <span role="columnheader">Finished</span>
    </div>
  );
}

function HistoryRow({ record, selected }: { record: UploadRecord; selected: boolean }) {
  const store = useAppStore();
  const name = baseName(record.localPath);
  return (
    <div className="history-grid" data-testid="history-row" data-status={record.status}>
      <span role="gridcell" className="cell-name">
        <button
          type="button"
          className="link-button file-name"
          aria-pressed={selected}
          aria-label={`${name}, ${PHASE_LABELS[record.status]}: show details`}
          onClick={(event) => {
            event.stopPropagation();
            store.getState().selectHistory(record.id);
          }}
        >
          {name}
        </button>
        <span
          className={record.lastError && record.status === 'failed' ? 'file-error' : 'file-key'}
          title={record.lastError?.message ?? record.key}
        >
          {record.lastError && record.status === 'failed' ? record.lastError.message : record.key}
        </span>
      </span>
      <span role="gridcell">
        <span className={`badge badge-${record.status}`}>{PHASE_LABELS[record.status]}</span>
      </span>
      <span role="gridcell" className="num">
        {formatBytes(record.size)}
      </span>
      <span role="gridcell" className="ellipsis" title={record.bucket}>
        {record.bucket}
      </span>
      <span role="gridcell" className="muted">
        {formatTime(record.finishedAt)}
      </span>
    </div>
  );
}

function Details({ record }: { record: UploadRecord }) {
  const store = useAppStore();
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [record.id]);
  const lines = recordDetails(record);
  return (
    <aside
      className="card details"
      aria-labelledby={`${id}-title`}
      data-testid="history-details"
      onKeyDown={(event) => {
        if (event.key === 'Escape') store.getState().selectHistory(null);
      }}
    >
      <div className="card-head">
        <h2 id={`${id}-title`} className="card-title" tabIndex={-1} ref={heading}>
          {baseName(record.localPath)}
        </h2>
        <button
          type="button"
          className="icon-button"
          aria-label="Close details"
          onClick={() => store.getState().selectHistory(null)}
        >
          <CloseIcon />
        </button>
      </div>
      <p>
        <span className={`badge badge-${record.status}`}>{PHASE_LABELS[record.status]}</span>
      </p>
      {record.lastError && (
        <div className="callout callout-error" role="alert">
          <div>
            <strong>{record.lastError.code}</strong>
            <p>{record.lastError.message}</p>
          </div>
        </div>
      )}
      <dl className="detail-list">
        {lines.map((line, index) => (
          <div key={`${line.label}-${index}`} className="detail-line">
            <dt>{line.label}</dt>
            <dd>{line.code ? <code className="selectable">{line.value}</code> : line.value}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}

/** Every upload, newest first: search, filter by status, details, export. */
export function HistoryView() {
  const id = useId();
  const store = useAppStore();
  const history = useApp((s) => s.history);
  const selected = useMemo(
    () => history.rows.find((r) => r.id === history.selectedId) ?? null,
    [history.rows, history.selectedId],
  );

  return (
    <div className={`history-view ${selected ? 'with-details' : ''}`}>
      <section className="card history-card" aria-labelledby={`${id}-title`}>
        <div className="card-head">
          <h2 id={`${id}-title`} className="card-title">
            History
          </h2>
          <div className="toolbar">
            <input
              type="search"
              className="search"
              placeholder="Search file, bucket or key"
              aria-label="Search history"
              value={history.search}
              onChange={(event) => store.getState().setHistorySearch(event.target.value)}
            />
            <select
              aria-label="Filter by status"
              value={history.status}
              onChange={(event) =>
                store.getState().setHistoryStatus(event.target.value as StatusFilter)
              }
            >
              {STATUS_FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button button-small"
              disabled={history.exporting}
              onClick={() => void store.getState().exportHistory('csv')}
            >
              <DownloadIcon /> Export CSV
            </button>
            <button
              type="button"
              className="button button-small"
              disabled={history.exporting}
              onClick={() => void store.getState().exportHistory('json')}
            >
              <DownloadIcon /> Export JSON
            </button>
          </div>
        </div>
        <p className="muted count-line" role="status" aria-live="polite">
          {history.loading && history.rows.length === 0
            ? 'Loading…'
            : countLine(history.total, history.rows.length, history.filtered)}
        </p>
        {history.error && (
          <p className="callout callout-error" role="alert">
            {history.error.message}
          </p>
        )}
        <VirtualList
          label="Upload history"
          count={history.rows.length}
          rowHeight={ROW_HEIGHT}
          rowKey={(index) => history.rows[index]?.id ?? String(index)}
          isSelected={(index) => history.rows[index]?.id === history.selectedId}
          onRowActivate={(index) => store.getState().selectHistory(history.rows[index]?.id ?? null)}
          renderRow={(index) => {
            const record = history.rows[index];
            return record ? (
              <HistoryRow record={record} selected={record.id === history.selectedId} />
            ) : null;
          }}
          header={<HistoryHeader />}
          className="history-table"
          onNearEnd={{
            within: LOAD_MORE_WITHIN,
            load: () => void store.getState().loadMoreHistory(),
          }}
          empty={
            <p className="empty">
              {history.search || history.status !== 'all'
                ? 'Nothing matches.'
                : 'Nothing uploaded yet.'}
            </p>
          }
        />
      </section>
      {selected && <Details record={selected} />}
    </div>
  );
}
