import type { StateCreator } from 'zustand/vanilla';
import type { IpcError, LabdropApi } from '../../../shared/ipc';
import type { UploadRecord } from '../../../shared/types';
import { historyFilter, type StatusFilter } from './history.logic';
import type { AppState } from './store';

export interface HistoryState {
  rows: UploadRecord[];
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
  refreshHistory(): Promise<void>;
  /** Refreshes at most every half second while uploads settle. */
  refreshHistorySoon(): void;
  selectHistory(id: string | null): void;
  /** Opens History on one upload's details (from a queue row). */
  showInHistory(id: string): void;
  exportHistory(format: 'csv' | 'json'): Promise<void>;
}

const SEARCH_DELAY_MS = 200;
const REFRESH_DELAY_MS = 500;

export const createHistorySlice =
  (api: LabdropApi): StateCreator<AppState, [], [], HistorySlice> =>
  (set, get) => {
    let generation = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = (ms: number) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        void get().refreshHistory();
      }, ms);
    };
    const patch = (p: Partial<HistoryState>) => set((s) => ({ history: { ...s.history, ...p } }));

    return {
      history: {
        rows: [],
        search: '',
        status: 'all',
        selectedId: null,
        loading: false,
        error: null,
        exporting: false,
      },
      setHistorySearch: (search) => {
        patch({ search });
        later(SEARCH_DELAY_MS);
      },
      setHistoryStatus: (status) => {
        patch({ status });
        void get().refreshHistory();
      },
      refreshHistory: async () => {
        const mine = ++generation;
        const { search, status } = get().history;
        patch({ loading: true });
        const answer = await api.queryHistory(historyFilter(search, status));
        if (mine !== generation) return;
        patch(
          answer.ok
            ? { rows: answer.value, loading: false, error: null }
            : { loading: false, error: answer.error },
        );
      },
      refreshHistorySoon: () => {
        if (!timer) later(REFRESH_DELAY_MS);
      },
      selectHistory: (id) => patch({ selectedId: id }),
      showInHistory: (id) => {
        patch({ search: '', status: 'all', selectedId: id });
        get().setView('history');
      },
      exportHistory: async (format) => {
        const { search, status } = get().history;
        patch({ exporting: true });
        const answer = await api.exportHistory(format, historyFilter(search, status, null));
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
