import type { StateCreator } from 'zustand/vanilla';
import type {
  AccessReport,
  BucketList,
  FolderList,
  IpcError,
  LabdropApi,
  SavedTarget,
} from '../../../shared/ipc';
import { normalizePrefix } from '../../../shared/keys';
import type { AppState } from './store';
import {
  EMPTY_TARGET,
  formFromSaved,
  matchesSaved,
  savedTargetAt,
  splitS3Url,
  targetKey,
  validateTarget,
  type TargetField,
  type TargetForm,
} from './target.logic';

export interface TargetCheckState {
  /** `done`: main answered with a report (which may say uploads would fail). */
  status: 'idle' | 'checking' | 'done' | 'failed';
  /** The target and folder the result is for; an edit makes it stale. */
  key: string;
  result: AccessReport | null;
  error: IpcError | null;
}

export interface BucketsState {
  status: 'idle' | 'loading' | 'done';
  /** The endpoint, region and profile listed; an edit makes it stale. */
  key: string;
  list: BucketList | null;
  error: IpcError | null;
}

export interface FolderBrowserState {
  open: boolean;
  status: 'idle' | 'loading' | 'done' | 'failed';
  listing: FolderList | null;
  error: IpcError | null;
}

export interface TargetSlice {
  target: TargetForm;
  targetCheck: TargetCheckState;
  savedTargets: SavedTarget[];
  /** The saved target the form shows, until an edit makes it a different place. */
  savedTargetId: string | null;
  buckets: BucketsState;
  folders: FolderBrowserState;
  setTarget(form: TargetForm): void;
  setTargetField<F extends TargetField>(field: F, value: TargetForm[F]): void;
  checkAccess(): Promise<void>;
  /** Loads the saved targets and chooses the one at the form's place (the chosen one first). */
  loadSavedTargets(): Promise<void>;
  chooseSavedTarget(id: string | null): void;
  saveTarget(name: string, synapseId: string): Promise<boolean>;
  /** Renames a saved target or changes its Synapse folder (its place stays). */
  updateSavedTarget(id: string, name: string, synapseId: string): Promise<boolean>;
  removeSavedTarget(id: string): Promise<void>;
  loadBuckets(): Promise<void>;
  browseFolders(prefix?: string): Promise<void>;
  closeFolders(): void;
  createFolder(name: string): Promise<boolean>;
}

const FOLLOW_DELAY_MS = 300;
const IDLE: TargetCheckState = { status: 'idle', key: '', result: null, error: null };
const NO_BUCKETS: BucketsState = { status: 'idle', key: '', list: null, error: null };
const CLOSED: FolderBrowserState = { open: false, status: 'idle', listing: null, error: null };

export const createTargetSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], TargetSlice> =>
  (set, get) => {
    // The open folder browser follows the folder typed in the field (without
    // rewriting what is being typed, as choosing a folder in it does).
    let followTimer: ReturnType<typeof setTimeout> | null = null;
    const followSoon = (typed: string) => {
      const at = normalizePrefix(typed);
      if (at === get().folders.listing?.prefix) return;
      if (followTimer) clearTimeout(followTimer);
      followTimer = setTimeout(() => {
        followTimer = null;
        void (async () => {
          const { target } = validateTarget(get().target);
          if (!target) return;
          const answer = await api.listFolders(target, at);
          const still = get().folders.open && normalizePrefix(get().target.prefix) === at;
          if (answer.ok && still) {
            set({ folders: { open: true, status: 'done', listing: answer.value, error: null } });
          }
        })();
      }, FOLLOW_DELAY_MS);
    };
    const checkKey = (form: TargetForm) => targetKey(validateTarget(form).target, form.prefix);
    const sourceKey = (form: TargetForm) => {
      const { target } = validateTarget({
        ...form,
        bucket: form.bucket.trim() || 'any-bucket',
        accelerate: false,
      });
      return target ? JSON.stringify([target.endpoint, target.region, target.awsProfile]) : '';
    };
    const keepSaved = (form: TargetForm): string | null => {
      const saved = get().savedTargets.find((t) => t.id === get().savedTargetId);
      return saved && matchesSaved(form, saved) ? saved.id : null;
    };

    return {
      target: { ...EMPTY_TARGET },
      targetCheck: IDLE,
      savedTargets: [],
      savedTargetId: null,
      buckets: NO_BUCKETS,
      folders: CLOSED,

      setTarget: (form) =>
        set({ target: form, targetCheck: IDLE, savedTargetId: keepSaved(form), folders: CLOSED }),

      setTargetField: (field, value) => {
        // s3://bucket/folder pasted into Bucket fills both fields.
        const pasted = field === 'bucket' && typeof value === 'string' ? splitS3Url(value) : null;
        if (pasted && pasted.prefix !== '') get().setTargetField('prefix', pasted.prefix);
        const target = { ...get().target, [field]: pasted ? pasted.bucket : value };
        const stale = checkKey(target) !== get().targetCheck.key;
        const bucketsStale = sourceKey(target) !== get().buckets.key;
        set({
          target,
          savedTargetId: keepSaved(target),
          ...(stale ? { targetCheck: IDLE } : {}),
          ...(bucketsStale ? { buckets: NO_BUCKETS } : {}),
          ...(field !== 'prefix' ? { folders: CLOSED } : {}),
        });
        if (field === 'prefix') {
          get().replanSoon();
          if (get().folders.open) followSoon(target.prefix);
        }
      },

      checkAccess: async () => {
        const form = get().target;
        const { target } = validateTarget(form);
        if (!target) return;
        const key = checkKey(form);
        const saved = get().savedTargets.find((t) => t.id === get().savedTargetId);
        set({ targetCheck: { status: 'checking', key, result: null, error: null } });
        const answer = await api.checkTarget(target, form.prefix, saved?.submissionProfile);
        if (get().targetCheck.key !== key) return; // edited meanwhile
        set({
          targetCheck: answer.ok
            ? { status: 'done', key, result: answer.value, error: null }
            : { status: 'failed', key, result: null, error: answer.error },
        });
      },

      loadSavedTargets: async () => {
        const answer = await api.listTargets();
        if (!answer.ok) {
          get().notify('error', answer.error.message);
          return;
        }
        // At start the form holds the last place main remembers, not which saved
        // target that was (see savedTargetAt): without it the next upload would
        // record no Synapse folder and use the default submission profile.
        set((s) => ({
          savedTargets: answer.value,
          savedTargetId:
            answer.value.find((t) => t.id === s.savedTargetId && matchesSaved(s.target, t))?.id ??
            savedTargetAt(s.target, answer.value)?.id ??
            null,
        }));
      },

      chooseSavedTarget: (id) => {
        const saved = id ? get().savedTargets.find((t) => t.id === id) : undefined;
        if (!saved) {
          set({ savedTargetId: null });
          return;
        }
        get().setTarget(formFromSaved(saved));
        set({ savedTargetId: saved.id });
        get().replanSoon();
      },

      saveTarget: async (name, synapseId) => {
        const form = get().target;
        const { target } = validateTarget(form);
        if (!target) return false;
        const answer = await api.addTarget({
          ...target,
          name: name.trim() || null,
          prefix: normalizePrefix(form.prefix),
          synapseId: synapseId.trim() || null,
        });
        if (!answer.ok) {
          get().notify('error', answer.error.message);
          return false;
        }
        set((s) => ({
          savedTargets: [...s.savedTargets.filter((t) => t.id !== answer.value.id), answer.value],
          savedTargetId: answer.value.id,
        }));
        get().notify('success', `Saved the target “${answer.value.name}”.`);
        return true;
      },

      updateSavedTarget: async (id, name, synapseId) => {
        const answer = await api.updateTarget(id, {
          name: name.trim() || null,
          synapseId: synapseId.trim() || null,
        });
        if (!answer.ok) {
          get().notify('error', answer.error.message);
          return false;
        }
        set((s) => ({
          savedTargets: s.savedTargets.map((t) => (t.id === id ? answer.value : t)),
        }));
        get().notify('success', `Saved the target “${answer.value.name}”.`);
        return true;
      },

      removeSavedTarget: async (id) => {
        const name = get().savedTargets.find((t) => t.id === id)?.name;
        const answer = await api.removeTarget(id);
        if (!answer.ok) {
          get().notify('error', answer.error.message);
          return;
        }
        set((s) => ({
          savedTargets: s.savedTargets.filter((t) => t.id !== id),
          savedTargetId: s.savedTargetId === id ? null : s.savedTargetId,
        }));
        get().notify(
          'success',
          `Removed the saved target “${name ?? id}”. Its uploads stay in history.`,
        );
      },

      loadBuckets: async () => {
        const form = get().target;
        const key = sourceKey(form);
        const { target } = validateTarget({ ...form, bucket: 'any-bucket' });
        if (!target) return;
        set({ buckets: { status: 'loading', key, list: null, error: null } });
        const answer = await api.listBuckets({
          endpoint: target.endpoint,
          region: target.region,
          awsProfile: target.awsProfile,
        });
        if (get().buckets.key !== key) return;
        set({
          buckets: answer.ok
            ? { status: 'done', key, list: answer.value, error: null }
            : { status: 'done', key, list: null, error: answer.error },
        });
      },

      browseFolders: async (prefix) => {
        const { target } = validateTarget(get().target);
        if (!target) return;
        const at = normalizePrefix(prefix ?? get().target.prefix);
        set((s) => ({ folders: { ...s.folders, open: true, status: 'loading', error: null } }));
        const answer = await api.listFolders(target, at);
        if (!get().folders.open) return; // closed meanwhile
        set({
          folders: answer.ok
            ? { open: true, status: 'done', listing: answer.value, error: null }
            : { open: true, status: 'failed', listing: null, error: answer.error },
        });
        // A folder that does not exist yet is still a fine place to upload to.
        if (answer.ok) get().setTargetField('prefix', answer.value.prefix);
      },

      closeFolders: () => set({ folders: CLOSED }),

      createFolder: async (name) => {
        const parent = get().folders.listing?.prefix ?? normalizePrefix(get().target.prefix);
        const answer = await api.newFolder(parent, name);
        if (!answer.ok) {
          get().notify('error', answer.error.message);
          return false;
        }
        for (const warning of answer.value.warnings) get().notify('info', warning);
        // S3 has no empty folders: the new one exists once files are uploaded into it.
        set((s) => ({
          folders: {
            ...s.folders,
            listing: s.folders.listing
              ? {
                  ...s.folders.listing,
                  prefix: answer.value.prefix,
                  folders: [],
                  fileCount: 0,
                  truncated: false,
                }
              : null,
          },
        }));
        get().setTargetField('prefix', answer.value.prefix);
        return true;
      },
    };
  };
