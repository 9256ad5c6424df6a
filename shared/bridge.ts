import type {
  EventChannel,
  Events,
  FileLike,
  IpcResult,
  LabdropApi,
  RequestChannel,
  RequestOf,
  Responses,
} from './ipc';

/**
 * How the API reaches main: Electron's ipcRenderer in the preload, fetch and
 * Server-Sent Events in the end-to-end test host. Never exposed itself; the
 * page only sees the named methods built below.
 */
export interface BridgeTransport {
  invoke(channel: RequestChannel, arg: unknown): Promise<unknown>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
  pathForFile(file: FileLike): string;
}

/** Builds `window.labdrop` from a transport: one small API, the same in the app and the tests. */
export function createLabdropApi(transport: BridgeTransport): LabdropApi {
  const call = <C extends RequestChannel>(
    channel: C,
    arg?: RequestOf<C>,
  ): Promise<IpcResult<Responses[C]>> =>
    transport.invoke(channel, arg).then(
      (answer) => answer as IpcResult<Responses[C]>,
      (error: unknown) => ({
        ok: false,
        error: {
          code: 'BridgeFailed',
          message: `Labdrop's window lost contact with its main process (${String(
            (error as Error)?.message ?? error,
          )}). Restart Labdrop.`,
        },
      }),
    );
  const on =
    <E extends EventChannel>(channel: E) =>
    (listener: (payload: Events[E]) => void) =>
      transport.subscribe(channel, (payload) => listener(payload as Events[E]));

  return {
    appInfo: () => call('app:info'),
    pathForFile: (file) => transport.pathForFile(file),
    openFiles: (kind) => call('dialog:openFiles', { kind }),
    credentialChoices: () => call('credentials:choices'),
    credentialSummary: (profile) => call('credentials:summary', { profile }),
    credentialStorageProblem: () => call('credentials:storageProblem'),
    saveKeys: (input) => call('credentials:saveKeys', input),
    removeKeys: (name) => call('credentials:removeKeys', { name }),
    signedIn: (profile) => call('credentials:signedIn', { profile }),
    checkTarget: (target, prefix, submissionProfile) =>
      call('targets:check', { target, prefix, submissionProfile }),
    listBuckets: (source) => call('targets:listBuckets', { source }),
    listFolders: (target, prefix) => call('targets:listFolders', { target, prefix }),
    newFolder: (parent, name) => call('targets:newFolder', { parent, name }),
    listTargets: () => call('targets:list'),
    addTarget: (input) => call('targets:add', input),
    updateTarget: (id, patch) => call('targets:update', { id, patch }),
    removeTarget: (id) => call('targets:remove', { id }),
    markTargetUsed: (id) => call('targets:markUsed', { id }),
    listProfiles: () => call('profiles:list'),
    importProfile: (replace) => call('profiles:importJson', { replace }),
    exportProfile: (name) => call('profiles:exportJson', { name }),
    removeProfile: (name) => call('profiles:remove', { name }),
    planUpload: (paths, prefix, savedTargetId) =>
      call('uploads:plan', { paths, prefix, savedTargetId }),
    planWarnings: (planId, savedTargetId) => call('uploads:warnings', { planId, savedTargetId }),
    renameForSynapse: (planId, savedTargetId) =>
      call('uploads:renameForSynapse', { planId, savedTargetId }),
    reviewUpload: (planId, target, savedTargetId) =>
      call('uploads:review', { planId, target, savedTargetId }),
    discardPlan: (planId) => call('uploads:discardPlan', { planId }),
    addUploads: (planId, target, acceptWarnings, savedTargetId, skipProblems, replace) =>
      call('uploads:add', { planId, target, acceptWarnings, savedTargetId, skipProblems, replace }),
    listUploads: () => call('uploads:list'),
    pause: (id) => call('uploads:pause', { id }),
    resume: (id) => call('uploads:resume', { id }),
    cancel: (id) => call('uploads:cancel', { id }),
    retry: (id) => call('uploads:retry', { id }),
    uploadAgain: (id) => call('uploads:again', { id }),
    pauseAll: () => call('uploads:pauseAll'),
    resumeAll: () => call('uploads:resumeAll'),
    retryAll: () => call('uploads:retryAll'),
    cancelAll: () => call('uploads:cancelAll'),
    clearFinished: () => call('uploads:clearFinished'),
    queryHistory: (request) => call('history:query', request),
    exportHistory: (format, filter) => call('history:export', { format, filter }),
    getSettings: () => call('settings:get'),
    setSettings: (patch) => call('settings:set', patch),
    openLogFolder: () => call('logs:openFolder'),
    copyDiagnostics: () => call('diagnostics:copy'),
    onProgress: on('uploads:progress'),
    onQueueChanged: on('uploads:changed'),
    onAttention: on('uploads:attention'),
  };
}
