import type { StateCreator } from 'zustand/vanilla';
import {
  HISTORY_PAGE_MAX,
  HISTORY_PAGE_SIZE,
  type IpcError,
  type LabdropApi,
} from '../../../shared/ipc';
import type { HistoryCursor, HistoryTotal, UploadRecord } from '../../../shared/types';
import { historyFilter, type StatusFilter } from './history.logic';
import type { AppState } from './store';

export interface HistoryState {
  /** The pages loaded so far, newest first. */
  rows: UploadRecord[];
  /** Where the next page starts; null when every matching upload is loaded. */
  next: HistoryCursor | null;
  /** How many uploads match, from the first page's answer. */
  total: HistoryTotal | null;
  /** A next page is on its way. */
  loadingMore: boolean;
  /** The rows loaded are those of a search or a status, not the whole history. */
  filtered: boolean;
  search: string;
  status: StatusFilter;
  selectedId: string | null;
  loading: boolean;
  error: IpcError | null;
  exporting: boolean;
}

export interface HistorySlice {
  history: HistoryState;
  setHistorySearch(search: string): void;
  setHistoryStatus(status: StatusFilter): void;
  /** The first page again, for new filters or on opening the view. */
  refreshHistory(): Promise<void>;
  /** Refreshes at most every half second while uploads settle, as many rows as are loaded. */
  refreshHistorySoon(): void;
  /** The next page, as the list scrolls near the end of those loaded. */
  loadMoreHistory(): Promise<void>;
  selectHistory(id: string | null): void;
  /** Opens History on one upload's details (from a queue row). */
  showInHistory(id: string): void;
  exportHistory(format: 'csv' | 'json'): Promise<void>;
}

const SEARCH_DELAY_MS = 200;
/** How far down the history "Show in history" looks for a queue row's upload (the view's old limit). */
const SEEK_ROWS = 10_000;
const REFRESH_DELAY_MS = 500;

export const createHistorySlice =
  (api: LabdropApi): StateCreator<AppState, [], [], HistorySlice> =>
  (set, get) => {
    // Answers to an older refresh (other filters) are dropped, and so is a
    // next page asked for before a refresh: it follows rows no longer shown.
    let generation = 0;
    /** The upload "Show in history" opened the view on: the first load reads on until it has it. */
    let seek: string | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = (ms: number, keep: boolean) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        void reload(keep);
      }, ms);
    };
    const patch = (p: Partial<HistoryState>) => set((s) => ({ history: { ...s.history, ...p } }));

    /**
     * The newest page, or (`keep`, while uploads settle) as many rows as the
     * list has loaded, so that it neither shrinks under the user's scroll
     * nor shows stale statuses; read a page at a time and shown at once.
     */
    const reload = async (keep: boolean) => {
      const mine = ++generation;
      const { search, status, rows: loaded } = get().history;
      const filter = historyFilter(search, status);
      const want = keep ? Math.max(HISTORY_PAGE_SIZE, loaded.length) : HISTORY_PAGE_SIZE;
      const sought = seek;
      seek = null;
      let found = sought === null;
      patch({ loading: true, loadingMore: false });
      const rows: UploadRecord[] = [];
      let next: HistoryCursor | null = null;
      let total: HistoryTotal | null = null;
      do {
        const limit = Math.min(HISTORY_PAGE_MAX, Math.max(HISTORY_PAGE_SIZE, want - rows.length));
        const answer = await api.queryHistory({
          ...filter,
          limit,
          ...(next ? { after: next } : {}),
        });
        if (mine !== generation) return;
        if (!answer.ok) {
          patch({ loading: false, error: answer.error });
          return;
        }
        rows.push(...answer.value.rows);
        next = answer.value.next;
        total ??= answer.value.total;
        found ||= answer.value.rows.some((row) => row.id === sought);
      } while (next !== null && (rows.length < want || (!found && rows.length < SEEK_ROWS)));
      const filtered = Object.keys(filter).length > 0;
      patch({ rows, next, total, filtered, loading: false, error: null });
    };

    return {
      history: {
        rows: [],
        next: null,
        total: null,
        loadingMore: false,
        filtered: false,
        search: '',
        status: 'all',
        selectedId: null,
        loading: false,
        error: null,
        exporting: false,
      },
      setHistorySearch: (search) => {
        patch({ search });
        later(SEARCH_DELAY_MS, false);
      },
      setHistoryStatus: (status) => {
        patch({ status });
        void get().refreshHistory();
      },
      refreshHistory: () => {
        if (timer) clearTimeout(timer);
        timer = null;
        return reload(false);
      },
      refreshHistorySoon: () => {
        if (!timer) later(REFRESH_DELAY_MS, true);
      },
      loadMoreHistory: async () => {
        const { next, loading, loadingMore, search, status } = get().history;
        if (next === null || loading || loadingMore) return;
        const mine = generation;
        patch({ loadingMore: true });
        const answer = await api.queryHistory({
          ...historyFilter(search, status),
          limit: HISTORY_PAGE_SIZE,
          after: next,
        });
        if (mine !== generation) return;
        patch(
          answer.ok
            ? {
                rows: [...get().history.rows, ...answer.value.rows],
                next: answer.value.next,
                loadingMore: false,
              }
            : { loadingMore: false, error: answer.error },
        );
      },
      selectHistory: (id) => patch({ selectedId: id }),
      showInHistory: (id) => {
        patch({ search: '', status: 'all', selectedId: id });
        seek = id;
        get().setView('history');
      },
      exportHistory: async (format) => {
        const { search, status } = get().history;
        patch({ exporting: true });
        const answer = await api.exportHistory(format, historyFilter(search, status));
        patch({ exporting: false });
        if (!answer.ok) get().notify('error', answer.error.message);
        else if (answer.value.path) {
          const rows = answer.value.rows;
          get().notify(
            'success',
            `Exported ${rows} ${rows === 1 ? 'row' : 'rows'} to ${answer.value.path}.`,
          );
        }
      },
    };
  };
