import type { StateCreator } from 'zustand/vanilla';
import type {
  CredentialChoice,
  IpcError,
  LabdropApi,
  SaveKeysInput,
  SubmissionProfileView,
} from '../../../shared/ipc';
import type { AppState } from './store';
import { needsSignIn } from './target.logic';

/**
 * Settings' credentials and submission profiles, and the sign-in prompt.
 * Note on secrets: this slice never holds one. The keys form keeps what is
 * typed in its own component state and hands it to `saveKeys` once; main
 * answers with a summary (see electron/services/credentials.ts).
 */
export interface CredentialsState {
  choices: CredentialChoice[];
  /** Why keys cannot be stored encrypted here; the keys form is refused with it. */
  storageProblem: string | null;
  loaded: boolean;
  saving: boolean;
  error: IpcError | null;
  profiles: SubmissionProfileView[];
  /** The queue paused itself until the user signs in again. */
  signIn: IpcError | null;
}

export interface CredentialsSlice {
  credentials: CredentialsState;
  loadCredentials(): Promise<void>;
  saveKeys(input: SaveKeysInput): Promise<boolean>;
  removeKeys(name: string): Promise<void>;
  /** The queue needs attention: credentials problems become the sign-in prompt. */
  attention(reason: IpcError): void;
  /** After `aws sso login` (or new keys): forget cached credentials, then resume the queue. */
  signedInResume(): Promise<void>;
  loadProfiles(): Promise<void>;
  importProfile(): Promise<void>;
  exportProfile(name: string): Promise<void>;
  removeProfile(name: string): Promise<void>;
}

export const createCredentialsSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], CredentialsSlice> =>
  (set, get) => {
    const patch = (change: Partial<CredentialsState>) =>
      set((s) => ({ credentials: { ...s.credentials, ...change } }));
    return {
      credentials: {
        choices: [],
        storageProblem: null,
        loaded: false,
        saving: false,
        error: null,
        profiles: [],
        signIn: null,
      },

      loadCredentials: async () => {
        const [choices, problem] = await Promise.all([
          api.credentialChoices(),
          api.credentialStorageProblem(),
        ]);
        patch({
          choices: choices.ok ? choices.value : [],
          storageProblem: problem.ok ? problem.value : problem.error.message,
          loaded: true,
          error: !choices.ok ? choices.error : null,
        });
      },

      saveKeys: async (input) => {
        patch({ saving: true, error: null });
        const answer = await api.saveKeys(input);
        patch({ saving: false, error: answer.ok ? null : answer.error });
        if (!answer.ok) return false;
        get().notify(
          'success',
          `Stored the keys “${answer.value.name}” (key …${answer.value.keyIdLast4}), encrypted by the system keychain.`,
        );
        await get().loadCredentials();
        return true;
      },

      removeKeys: async (name) => {
        const answer = await api.removeKeys(name);
        if (!answer.ok) return void get().notify('error', answer.error.message);
        get().notify('info', `Removed the stored keys “${name}”.`);
        await get().loadCredentials();
      },

      attention: (reason) => {
        if (needsSignIn(reason)) patch({ signIn: reason });
        else get().notify('error', reason.message);
      },

      signedInResume: async () => {
        // Every profile: the paused uploads may use several.
        const signedIn = await api.signedIn();
        if (!signedIn.ok) return void get().notify('error', signedIn.error.message);
        patch({ signIn: null });
        const resumed = await api.resumeAll();
        if (!resumed.ok) get().notify('error', resumed.error.message);
      },

      loadProfiles: async () => {
        const answer = await api.listProfiles();
        if (answer.ok) patch({ profiles: answer.value });
        else get().notify('error', answer.error.message);
      },

      importProfile: async () => {
        const answer = await api.importProfile();
        if (!answer.ok) return void get().notify('error', answer.error.message);
        if (!answer.value) return; // dialog cancelled
        get().notify('success', `Imported the submission profile “${answer.value.name}”.`);
        await get().loadProfiles();
      },

      exportProfile: async (name) => {
        const answer = await api.exportProfile(name);
        if (!answer.ok) return void get().notify('error', answer.error.message);
        if (answer.value.path)
          get().notify('success', `Exported “${name}” to ${answer.value.path}.`);
      },

      removeProfile: async (name) => {
        const answer = await api.removeProfile(name);
        if (!answer.ok) return void get().notify('error', answer.error.message);
        get().notify('info', `Removed the submission profile “${name}”.`);
        await get().loadProfiles();
      },
    };
  };
