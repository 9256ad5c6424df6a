import type { StateCreator } from 'zustand/vanilla';
import type { AppInfo } from '../../../shared/ipc';
import type { AppState } from './store';

export type View = 'upload' | 'history' | 'settings';

export interface Notice {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
}

export interface UiSlice {
  view: View;
  appInfo: AppInfo | null;
  /** The first load from main finished. */
  ready: boolean;
  /** A load failed so badly the window cannot work (shown instead of the views). */
  fatal: string | null;
  notices: Notice[];
  setView(view: View): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
}

/** Info and success notices go away by themselves; errors stay until dismissed. */
const NOTICE_MS = 6000;
const MAX_NOTICES = 4;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set, get) => {
  let nextId = 1;
  return {
    view: 'upload',
    appInfo: null,
    ready: false,
    fatal: null,
    notices: [],
    setView: (view) => {
      set({ view });
      if (view === 'history') void get().refreshHistory();
      if (view === 'settings') {
        void get().loadSettings();
        void get().loadCredentials();
        void get().loadProfiles();
      }
    },
    notify: (kind, text) => {
      const id = nextId++;
      set((s) => ({ notices: [...s.notices, { id, kind, text }].slice(-MAX_NOTICES) }));
      if (kind !== 'error') setTimeout(() => get().dismiss(id), NOTICE_MS);
    },
    dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  };
};
