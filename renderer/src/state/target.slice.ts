import type { StateCreator } from 'zustand/vanilla';
import type { IpcError, LabdropApi, TargetCheck } from '../../../shared/ipc';
import type { AppState } from './store';
import {
  EMPTY_TARGET,
  targetKey,
  validateTarget,
  type TargetField,
  type TargetForm,
} from './target.logic';

export interface TargetCheckState {
  status: 'idle' | 'checking' | 'ok' | 'failed';
  /** The target the result is for; an edit makes it stale. */
  key: string;
  result: TargetCheck | null;
  error: IpcError | null;
}

export interface TargetSlice {
  target: TargetForm;
  targetCheck: TargetCheckState;
  setTarget(form: TargetForm): void;
  setTargetField(field: TargetField, value: string): void;
  checkAccess(): Promise<void>;
}

const IDLE: TargetCheckState = { status: 'idle', key: '', result: null, error: null };

export const createTargetSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], TargetSlice> =>
  (set, get) => ({
    target: { ...EMPTY_TARGET },
    targetCheck: IDLE,
    setTarget: (form) => set({ target: form, targetCheck: IDLE }),
    setTargetField: (field, value) => {
      const target = { ...get().target, [field]: value };
      const stale = targetKey(validateTarget(target).target) !== get().targetCheck.key;
      set({ target, ...(stale ? { targetCheck: IDLE } : {}) });
      if (field === 'prefix') get().replanSoon();
    },
    checkAccess: async () => {
      const { target } = validateTarget(get().target);
      if (!target) return;
      const key = targetKey(target);
      set({ targetCheck: { status: 'checking', key, result: null, error: null } });
      const answer = await api.checkTarget(target);
      if (get().targetCheck.key !== key) return; // edited meanwhile
      set({
        targetCheck: answer.ok
          ? { status: 'ok', key, result: answer.value, error: null }
          : { status: 'failed', key, result: null, error: answer.error },
      });
    },
  });
