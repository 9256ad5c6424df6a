import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LabdropApi } from '../../../shared/ipc';
import { createCredentialsSlice, type CredentialsSlice } from './credentials.slice';
import { createHistorySlice, type HistorySlice } from './history.slice';
import { createPlanSlice, type PlanSlice } from './plan.slice';
import { createQueueSlice, type QueueSlice } from './queue.slice';
import { createSettingsSlice, type SettingsSlice } from './settings.slice';
import { createTargetSlice, type TargetSlice } from './target.slice';
import { createUiSlice, type UiSlice } from './ui.slice';

/**
 * The window's one store: a projection of main's truth (queue, history,
 * settings) plus what only the window knows (view, form, selection, notices).
 */
export type AppState = UiSlice &
  TargetSlice &
  PlanSlice &
  QueueSlice &
  HistorySlice &
  SettingsSlice &
  CredentialsSlice;

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: LabdropApi): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createUiSlice(...a),
    ...createTargetSlice(api)(...a),
    ...createPlanSlice(api)(...a),
    ...createQueueSlice(api)(...a),
    ...createHistorySlice(api)(...a),
    ...createSettingsSlice(api)(...a),
    ...createCredentialsSlice(api)(...a),
  }));
}

export const StoreContext = createContext<AppStore | null>(null);

/** Reads the store from the component tree (main.tsx provides it). */
export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside <StoreContext>');
  return useStore(store, selector);
}

/** The store itself, for actions in event handlers. */
export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext>');
  return store;
}
