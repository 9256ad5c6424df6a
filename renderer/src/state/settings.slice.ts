import type { StateCreator } from 'zustand/vanilla';
import type { AppSettings, IpcError, LabdropApi, SettingsView } from '../../../shared/ipc';
import type { AppState } from './store';

export interface SettingsState {
  view: SettingsView | null;
  saving: boolean;
  error: IpcError | null;
  /** What "Copy diagnostics" last copied, shown for the user to see what they send. */
  diagnostics: string | null;
}

export interface SettingsSlice {
  settings: SettingsState;
  loadSettings(): Promise<void>;
  saveSettings(patch: Partial<AppSettings>): Promise<boolean>;
  openLogFolder(): Promise<void>;
  copyDiagnostics(): Promise<void>;
}

export const createSettingsSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], SettingsSlice> =>
  (set, get) => ({
    settings: { view: null, saving: false, error: null, diagnostics: null },
    loadSettings: async () => {
      const answer = await api.getSettings();
      set((s) => ({
        settings: answer.ok
          ? { ...s.settings, view: answer.value, error: null }
          : { ...s.settings, error: answer.error },
      }));
    },
    saveSettings: async (patch) => {
      set((s) => ({ settings: { ...s.settings, saving: true, error: null } }));
      const answer = await api.setSettings(patch);
      set((s) => ({
        settings: answer.ok
          ? { ...s.settings, view: answer.value, saving: false, error: null }
          : { ...s.settings, saving: false, error: answer.error },
      }));
      if (answer.ok) get().notify('success', 'Settings saved.');
      return answer.ok;
    },
    openLogFolder: async () => {
      const answer = await api.openLogFolder();
      if (answer.ok) get().notify('info', `Opened the log folder: ${answer.value}`);
      else get().notify('error', answer.error.message);
    },
    copyDiagnostics: async () => {
      const answer = await api.copyDiagnostics();
      if (!answer.ok) return get().notify('error', answer.error.message);
      set((s) => ({ settings: { ...s.settings, diagnostics: answer.value } }));
      get().notify(
        'success',
        'Diagnostics copied. Paste them into your message to the center, and attach labdrop.log.',
      );
    },
  });
