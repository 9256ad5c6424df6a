import { afterEach, describe, expect, it, vi } from 'vitest';
import type {
  AccessReport,
  BucketReviewSummary,
  HistoryPageRequest,
  IpcError,
  IpcResult,
  LabdropApi,
  PlanSummary,
  ProgressBatch,
  QueueList,
  SavedTarget,
  SynapseRenames,
} from '../../../shared/ipc';
import type { HistoryPage, UploadProgress, UploadRecord } from '../../../shared/types';
import { connectBridge } from './connect';
import { createAppStore } from './store';

const ok = <T>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value });

function progress(id: string, patch: Partial<UploadProgress> = {}): UploadProgress {
  return {
    id,
    localPath: `/data/${id}`,
    bucket: 'lab-bucket',
    key: `center/${id}`,
    size: 100,
    status: 'queued',
    hashedBytes: 0,
    uploadedBytes: 0,
    speed: 0,
    heldTo: null,
    error: null,
    skipped: null,
    ...patch,
  };
}

function summary(patch: Partial<PlanSummary> = {}): PlanSummary {
  return {
    planId: 'plan-1',
    prefix: 'center',
    fileCount: 1,
    totalBytes: 100,
    files: [{ localPath: '/data/a', key: 'center/a', size: 100 }],
    problems: [],
    warnings: [],
    warningCount: 0,
    warningsFor: null,
    synapseNames: 0,
    ...patch,
  };
}

/** Main's review of the bucket: every planned file new, unless `patch` says otherwise. */
function bucketReview(patch: Partial<BucketReviewSummary> = {}): BucketReviewSummary {
  return {
    planId: 'plan-1',
    new: { count: 1, bytes: 100 },
    identical: { count: 0, bytes: 0 },
    different: { count: 0, bytes: 0 },
    queued: { count: 0, bytes: 0 },
    bytesToSend: 100,
    note: null,
    differentFiles: [],
    ...patch,
  };
}

function report(target: AccessReport['target']): AccessReport {
  return {
    ok: true,
    target,
    bucketRegion: target.region,
    credentials: {
      profile: null,
      kind: 'environment',
      keyIdLast4: 'MPLE',
      region: 'us-east-1',
      expiresAt: null,
    },
    identity: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/lab' },
    steps: [],
    problem: null,
    warnings: [],
  };
}

/** Main's settings, remembering `prefix` in lab-bucket as the last place uploaded to. */
function settingsAt(prefix: string) {
  return {
    settings: {
      partConcurrency: 8,
      partSizeMiB: 8,
      maxRate: null,
      target: { bucket: 'lab-bucket', prefix, endpoint: '', region: 'us-east-1', awsProfile: '' },
    },
    restartNeeded: false,
  };
}

const SAVED: SavedTarget = {
  id: 't-1',
  name: 'Study one',
  bucket: 'lab-bucket',
  prefix: 'center/study-1/',
  endpoint: null,
  region: 'us-east-1',
  awsProfile: null,
  synapseId: 'syn123',
  submissionProfile: 'center',
  kms: false,
  accelerate: false,
  createdAt: 1,
  lastUsedAt: null,
};

/** The bridge at its edge: a stand-in for main that records calls and pushes events. */
function fakeApi(overrides: Partial<LabdropApi> = {}) {
  const listeners: {
    progress?: (b: ProgressBatch) => void;
    changed?: (l: QueueList) => void;
    attention?: (e: IpcError) => void;
  } = {};
  const api: LabdropApi = {
    appInfo: () =>
      ok({
        version: '1.0.0',
        platform: 'linux',
        demo: null,
        profile: { name: 'center', fullControlIds: [], md5MetadataKey: 'content-md5' },
      }),
    pathForFile: (file) => `/data/${file.name}`,
    openFiles: () => ok(['/data/chosen']),
    checkTarget: vi.fn((target, prefix: string) => ok(report({ ...target, prefix }))),
    credentialChoices: () =>
      ok([{ name: null, source: 'default', kind: 'environment', region: null, keyIdLast4: null }]),
    credentialSummary: () =>
      ok({ profile: null, kind: 'environment', keyIdLast4: 'MPLE', region: null, expiresAt: null }),
    credentialStorageProblem: () => ok(null),
    saveKeys: vi.fn((input) =>
      ok({
        name: input.name,
        keyIdLast4: input.accessKeyId.slice(-4),
        region: null,
        createdAt: 1,
        updatedAt: 1,
      }),
    ),
    removeKeys: () => ok(true),
    signedIn: vi.fn(() => ok(null)),
    listBuckets: () => ok({ allowed: true, buckets: [{ name: 'lab-bucket', region: null }] }),
    listFolders: (target, prefix) =>
      ok({ bucket: target.bucket, prefix, folders: [], fileCount: 0, truncated: false }),
    newFolder: (parent, name) => ok({ prefix: `${parent}${name}/`, warnings: [] }),
    listTargets: () => ok([SAVED]),
    addTarget: vi.fn((input) => ok({ ...SAVED, id: 't-2', name: input.name ?? 'x' })),
    updateTarget: () => ok(SAVED),
    removeTarget: () => ok(true),
    markTargetUsed: () => ok(null),
    listProfiles: () => ok([]),
    importProfile: () => ok(null),
    exportProfile: () => ok({ path: null, rows: 0 }),
    removeProfile: () => ok(true),
    planUpload: vi.fn((_paths: string[], prefix: string, savedTargetId?: string | null) =>
      ok(summary({ prefix, warningsFor: savedTargetId ?? null })),
    ),
    planWarnings: vi.fn((planId: string, savedTargetId: string | null) =>
      ok(summary({ planId, warningsFor: savedTargetId })),
    ),
    renameForSynapse: vi.fn(() =>
      ok({ summary: summary({ planId: 'plan-2' }), renames: [], renameCount: 0 }),
    ),
    reviewUpload: vi.fn((planId: string) => ok(bucketReview({ planId }))),
    discardPlan: vi.fn(() => ok(null)),
    addUploads: vi.fn(() => ok([progress('a')])),
    listUploads: () => ok([]),
    pause: () => ok(null),
    resume: () => ok(null),
    cancel: () => ok(null),
    retry: () => ok(null),
    uploadAgain: () => ok([]),
    pauseAll: () => ok(null),
    resumeAll: vi.fn(() => ok(null)),
    retryAll: () => ok(null),
    cancelAll: () => ok(null),
    clearFinished: () => ok(null),
    queryHistory: vi.fn(() => ok({ rows: [], next: null, total: { count: 0, exact: true } })),
    exportHistory: () => ok({ path: '/tmp/x.csv', rows: 1 }),
    getSettings: () => ok(settingsAt('center')),
    setSettings: (patch) =>
      ok({
        settings: { partConcurrency: 8, partSizeMiB: 8, maxRate: null, target: null, ...patch },
        restartNeeded: false,
      }),
    openLogFolder: () => ok('/home/lab/.config/Labdrop/logs'),
    copyDiagnostics: () => ok('Labdrop diagnostics'),
    onProgress: (listener) => {
      listeners.progress = listener;
      return () => delete listeners.progress;
    },
    onQueueChanged: (listener) => {
      listeners.changed = listener;
      return () => delete listeners.changed;
    },
    onAttention: (listener) => {
      listeners.attention = listener;
      return () => delete listeners.attention;
    },
    ...overrides,
  };
  return { api, listeners };
}

async function connected(overrides: Partial<LabdropApi> = {}) {
  const { api, listeners } = fakeApi(overrides);
  const store = createAppStore(api);
  const disconnect = connectBridge(store, api);
  await vi.waitFor(() => expect(store.getState().ready).toBe(true));
  return { api, listeners, store, disconnect };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the window store', () => {
  it('loads main state once connected, and the last target into the form', async () => {
    const { store } = await connected({ listUploads: () => ok([progress('a'), progress('b')]) });
    expect(store.getState().queue.order).toEqual(['a', 'b']);
    expect(store.getState().target).toMatchObject({ bucket: 'lab-bucket', prefix: 'center' });
  });

  it('applies each progress batch with one set, and stops listening on disconnect', async () => {
    const { store, listeners, disconnect } = await connected();
    const sets = vi.fn();
    store.subscribe(sets);
    listeners.progress?.({ items: [progress('a', { status: 'uploading' }), progress('b')] });
    expect(sets).toHaveBeenCalledTimes(1);
    expect(store.getState().queue.order).toEqual(['a', 'b']);
    listeners.changed?.({ items: [progress('b')] });
    expect(store.getState().queue.order).toEqual(['b']);
    disconnect();
    expect(listeners.progress).toBeUndefined();
    expect(listeners.changed).toBeUndefined();
  });

  it('plans dropped files with the prefix, and uploads only after warnings are accepted', async () => {
    const warned = summary({
      warnings: [{ code: 'bucket-root', key: 'a', message: 'root' }],
      warningCount: 1,
    });
    const { api, store } = await connected({ planUpload: vi.fn(() => ok(warned)) });
    await store.getState().dropFiles([{ name: 'a' }]);
    expect(api.planUpload).toHaveBeenCalledWith(['/data/a'], 'center', null);
    expect(store.getState().plan.status).toBe('ready');

    await store.getState().startUpload();
    expect(api.addUploads).not.toHaveBeenCalled();
    expect(store.getState().plan.error?.code).toBe('WarningsNotAccepted');
    store.getState().setAcceptWarnings(true);
    await store.getState().startUpload();
    expect(api.addUploads).toHaveBeenLastCalledWith(
      'plan-1',
      {
        bucket: 'lab-bucket',
        endpoint: null,
        region: 'us-east-1',
        awsProfile: null,
        accelerate: false,
      },
      true,
      null,
      false, // skipProblems: only "Upload the other N files" leaves problems out
      [], // replace: nothing the review found different is overwritten unless chosen
    );
  });

  it('fills the form from a saved target, and uploads with it until an edit', async () => {
    const { api, store } = await connected();
    await vi.waitFor(() => expect(store.getState().savedTargets).toHaveLength(1));
    store.getState().chooseSavedTarget('t-1');
    expect(store.getState().target).toMatchObject({
      bucket: 'lab-bucket',
      prefix: 'center/study-1/',
    });
    await store.getState().addPaths(['/data/a']);
    await store.getState().startUpload();
    expect(vi.mocked(api.addUploads).mock.lastCall?.[3]).toBe('t-1');
    store.getState().setTargetField('prefix', 'center/study-2');
    expect(store.getState().savedTargetId).toBeNull();
  });

  it('chooses the saved target again whose place main remembers (after a restart)', async () => {
    const { api, store } = await connected({
      getSettings: () => ok(settingsAt('center/study-1/')),
    });
    await vi.waitFor(() => expect(store.getState().savedTargets).toHaveLength(1));
    expect(store.getState().savedTargetId).toBe('t-1');
    await store.getState().addPaths(['/data/a']);
    await store.getState().startUpload();
    expect(vi.mocked(api.addUploads).mock.lastCall?.[3]).toBe('t-1');
  });

  it('renames a saved target and changes its Synapse folder, then removes it', async () => {
    const { api, store } = await connected({
      updateTarget: vi.fn((id: string, patch) => ok({ ...SAVED, ...patch, id, name: 'Run 1b' })),
      removeTarget: vi.fn(() => ok(true)),
    });
    await vi.waitFor(() => expect(store.getState().savedTargets).toHaveLength(1));
    store.getState().chooseSavedTarget('t-1');
    expect(await store.getState().updateSavedTarget('t-1', ' Run 1b ', 'syn7')).toBe(true);
    expect(api.updateTarget).toHaveBeenLastCalledWith('t-1', { name: 'Run 1b', synapseId: 'syn7' });
    expect(store.getState().savedTargets[0]).toMatchObject({ name: 'Run 1b', synapseId: 'syn7' });
    expect(store.getState().savedTargetId).toBe('t-1');

    await store.getState().removeSavedTarget('t-1');
    expect(api.removeTarget).toHaveBeenLastCalledWith('t-1');
    expect(store.getState().savedTargets).toEqual([]);
    expect(store.getState().savedTargetId).toBeNull();
    expect(store.getState().notices.at(-1)?.text).toContain('Run 1b');
  });

  it('keeps a saved target as it was when main refuses the change', async () => {
    const { store } = await connected({
      updateTarget: () =>
        Promise.resolve({
          ok: false,
          error: { code: 'InvalidTarget', message: 'There is already a target named "x".' },
        }),
    });
    await vi.waitFor(() => expect(store.getState().savedTargets).toHaveLength(1));
    expect(await store.getState().updateSavedTarget('t-1', 'x', '')).toBe(false);
    expect(store.getState().savedTargets[0]).toEqual(SAVED);
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'error' });
  });

  it('saves the form as a target with its Synapse folder', async () => {
    const { api, store } = await connected();
    expect(await store.getState().saveTarget('Run 2', ' syn42 ')).toBe(true);
    expect(api.addTarget).toHaveBeenLastCalledWith(
      expect.objectContaining({
        name: 'Run 2',
        bucket: 'lab-bucket',
        prefix: 'center/',
        synapseId: 'syn42',
      }),
    );
    expect(store.getState().savedTargetId).toBe('t-2');
  });

  it('clears the plan and shows the new rows after a successful add', async () => {
    const { api, store } = await connected();
    await store.getState().addPaths(['/data/a']);
    await store.getState().startUpload();
    expect(store.getState().plan.summary).toBeNull();
    expect(store.getState().queue.order).toEqual(['a']);
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'success' });
    // The queue takes the files' early hashes over: nothing to discard.
    expect(api.discardPlan).not.toHaveBeenCalled();
  });

  it('tells main about a plan put away while main was still making it', async () => {
    let answer!: (summary: IpcResult<PlanSummary>) => void;
    const { api, store } = await connected({
      planUpload: vi.fn(() => new Promise<IpcResult<PlanSummary>>((resolve) => (answer = resolve))),
    });
    const planning = store.getState().addPaths(['/data/a']);
    expect(store.getState().plan.status).toBe('planning');
    store.getState().discardPlan();
    answer({ ok: true, value: summary({ planId: 'plan-late' }) });
    await planning;
    expect(api.discardPlan).toHaveBeenCalledWith('plan-late');
    expect(store.getState().plan).toMatchObject({ summary: null, status: 'idle' });
  });

  it('leaves alone a plan that a newer one replaced (main hashes the newer one early)', async () => {
    const answers: Array<(summary: IpcResult<PlanSummary>) => void> = [];
    const { api, store } = await connected({
      planUpload: vi.fn(() => new Promise<IpcResult<PlanSummary>>((r) => answers.push(r))),
    });
    const first = store.getState().addPaths(['/data/a']);
    const second = store.getState().addPaths(['/data/b']);
    answers[1]?.({ ok: true, value: summary({ planId: 'plan-new' }) });
    answers[0]?.({ ok: true, value: summary({ planId: 'plan-old' }) });
    await Promise.all([first, second]);
    expect(api.discardPlan).not.toHaveBeenCalled();
    expect(store.getState().plan.summary?.planId).toBe('plan-new');
  });

  it('tells main when the user puts the plan away, so it stops hashing those files', async () => {
    const { api, store } = await connected();
    await store.getState().addPaths(['/data/a']);
    store.getState().discardPlan();
    expect(store.getState().plan).toMatchObject({ paths: [], summary: null, status: 'idle' });
    expect(api.discardPlan).toHaveBeenCalledWith('plan-1');
  });

  it('keeps the plan and shows main’s message when the add fails', async () => {
    const { store } = await connected({
      addUploads: () =>
        Promise.resolve({
          ok: false,
          error: { code: 'NoSuchBucket', message: 'The bucket "x" does not exist.' },
        }),
    });
    await store.getState().addPaths(['/data/a']);
    await store.getState().startUpload();
    expect(store.getState().plan).toMatchObject({
      status: 'ready',
      error: { code: 'NoSuchBucket', message: 'The bucket "x" does not exist.' },
    });
  });

  it('plans again when the prefix changes', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { api, store } = await connected();
    await store.getState().addPaths(['/data/a']);
    store.getState().setTargetField('prefix', 'center/run-2');
    await vi.advanceTimersByTimeAsync(400);
    expect(api.planUpload).toHaveBeenLastCalledWith(['/data/a'], 'center/run-2', null);
  });

  it('adds a plan once, and plans files dropped while it is being added on their own', async () => {
    let added!: (answer: IpcResult<UploadProgress[]>) => void;
    const { api, store } = await connected({
      planUpload: vi.fn((paths: string[], prefix: string) =>
        ok(summary({ planId: `plan:${paths.join('+')}`, prefix, fileCount: paths.length })),
      ),
      addUploads: vi.fn(() => new Promise<IpcResult<UploadProgress[]>>((r) => (added = r))),
    });
    await store.getState().addPaths(['/data/a']);
    const first = store.getState().startUpload();
    // While main is adding (a slow preflight): another drop, the same one again, a second click.
    await store.getState().dropFiles([{ name: 'b' }, { name: 'a' }]);
    void store.getState().startUpload();
    expect(api.addUploads).toHaveBeenCalledTimes(1);
    expect(api.planUpload).toHaveBeenCalledTimes(1);
    expect(store.getState().plan).toMatchObject({ status: 'adding', paths: ['/data/a'] });

    added({ ok: true, value: [progress('a')] });
    await first;
    expect(api.planUpload).toHaveBeenLastCalledWith(['/data/b'], 'center', null);
    expect(store.getState().plan).toMatchObject({
      status: 'ready',
      summary: { planId: 'plan:/data/b', fileCount: 1 },
    });
    const second = store.getState().startUpload();
    added({ ok: true, value: [progress('b')] });
    await second;
    expect(vi.mocked(api.addUploads).mock.calls.map((call) => call[0])).toEqual([
      'plan:/data/a',
      'plan:/data/b',
    ]);
  });

  it('keeps a folder edit made while adding, and plans for it if the add fails', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let added!: (answer: IpcResult<UploadProgress[]>) => void;
    const { api, store } = await connected({
      planUpload: vi.fn((paths: string[], prefix: string) =>
        ok(summary({ planId: `plan:${prefix}`, prefix, fileCount: paths.length })),
      ),
      addUploads: vi.fn(() => new Promise<IpcResult<UploadProgress[]>>((r) => (added = r))),
    });
    await store.getState().addPaths(['/data/a']);
    const adding = store.getState().startUpload();
    store.getState().setTargetField('prefix', 'center/run-2');
    await store.getState().addPaths(['/data/b']);
    await vi.advanceTimersByTimeAsync(400);
    expect(api.planUpload).toHaveBeenCalledTimes(1);
    expect(store.getState().plan.status).toBe('adding');

    added({ ok: false, error: { code: 'NoSuchBucket', message: 'The bucket is gone.' } });
    await adding;
    expect(api.planUpload).toHaveBeenLastCalledWith(['/data/a', '/data/b'], 'center/run-2', null);
    expect(store.getState().plan).toMatchObject({
      status: 'ready',
      summary: { planId: 'plan:center/run-2', fileCount: 2 },
      error: { code: 'NoSuchBucket' },
    });
    void store.getState().startUpload();
    expect(api.addUploads).toHaveBeenLastCalledWith(
      'plan:center/run-2',
      expect.anything(),
      false,
      null,
      false, // skipProblems: only "Upload the other N files" leaves problems out
      [], // replace: nothing the review found different is overwritten unless chosen
    );
  });

  it('does not put away the files main is adding when Clear is asked for meanwhile', async () => {
    let added!: (answer: IpcResult<UploadProgress[]>) => void;
    const { api, store } = await connected({
      addUploads: vi.fn(() => new Promise<IpcResult<UploadProgress[]>>((r) => (added = r))),
    });
    await store.getState().addPaths(['/data/a']);
    const adding = store.getState().startUpload();
    await store.getState().addPaths(['/data/b']);
    store.getState().discardPlan();
    expect(api.discardPlan).not.toHaveBeenCalled();
    added({ ok: true, value: [progress('a')] });
    await adding;
    // The waiting drop was put away: nothing more is planned.
    expect(api.planUpload).toHaveBeenCalledTimes(1);
    expect(store.getState().plan).toMatchObject({ status: 'idle', summary: null });
    expect(store.getState().queue.order).toEqual(['a']);
  });

  it('uploads nothing to the old folder while the plan for a new one is coming', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { api, store } = await connected({
      planUpload: vi.fn((_paths: string[], prefix: string, savedTargetId?: string | null) =>
        ok(summary({ planId: `plan:${prefix}`, prefix, warningsFor: savedTargetId ?? null })),
      ),
    });
    await vi.waitFor(() => expect(store.getState().savedTargets).toHaveLength(1));
    await store.getState().addPaths(['/data/a']);
    store.getState().setTargetField('prefix', 'center/run-2');
    await store.getState().startUpload();
    expect(api.addUploads).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(400);
    await store.getState().startUpload();
    expect(api.addUploads).toHaveBeenCalledTimes(1);
    expect(api.addUploads).toHaveBeenLastCalledWith(
      'plan:center/run-2',
      expect.anything(),
      false,
      null,
      false, // skipProblems: only "Upload the other N files" leaves problems out
      [], // replace: nothing the review found different is overwritten unless chosen
    );

    // Picking a saved target is a change of folder too.
    await store.getState().addPaths(['/data/b']);
    store.getState().chooseSavedTarget('t-1');
    await store.getState().startUpload();
    expect(api.addUploads).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(400);
    await store.getState().startUpload();
    expect(api.addUploads).toHaveBeenLastCalledWith(
      'plan:center/study-1/',
      expect.objectContaining({ bucket: 'lab-bucket' }),
      false,
      't-1',
      false, // skipProblems: only "Upload the other N files" leaves problems out
      [], // replace: nothing the review found different is overwritten unless chosen
    );
  });

  it('compares the plan with the bucket once the target stops changing, and sends what to replace', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const differs = {
      localPath: '/data/a',
      key: 'center/a',
      size: 100,
      objectSize: 5,
      objectModified: 1,
      evidence: 'its size is 5 bytes',
    };
    const found = bucketReview({
      new: { count: 0, bytes: 0 },
      different: { count: 1, bytes: 100 },
      bytesToSend: 0,
      differentFiles: [differs],
    });
    const { api, store } = await connected({ reviewUpload: vi.fn(() => ok(found)) });
    await store.getState().addPaths(['/data/a']);
    expect(store.getState().plan.bucket.status).toBe('reviewing');
    await vi.advanceTimersByTimeAsync(400);
    expect(api.reviewUpload).toHaveBeenCalledTimes(1);
    expect(api.reviewUpload).toHaveBeenLastCalledWith(
      'plan-1',
      {
        bucket: 'lab-bucket',
        endpoint: null,
        region: 'us-east-1',
        awsProfile: null,
        accelerate: false,
      },
      null,
    );
    expect(store.getState().plan.bucket).toMatchObject({ status: 'done', summary: found });

    // Typing another bucket: one review, once the typing stops.
    store.getState().setTargetField('bucket', 'lab-buck');
    store.getState().setTargetField('bucket', 'lab-bucket-2');
    expect(store.getState().plan.bucket).toMatchObject({ status: 'reviewing', summary: null });
    await vi.advanceTimersByTimeAsync(400);
    expect(api.reviewUpload).toHaveBeenCalledTimes(2);
    expect(vi.mocked(api.reviewUpload).mock.lastCall?.[1]).toMatchObject({
      bucket: 'lab-bucket-2',
    });
    // A progress batch changes nothing the review depends on.
    store.getState().mergeQueue([progress('z')]);
    await vi.advanceTimersByTimeAsync(400);
    expect(api.reviewUpload).toHaveBeenCalledTimes(2);

    store.getState().setReplace('center/a', true);
    expect(store.getState().plan.bucket.replace).toBe('all'); // the only different file
    await store.getState().startUpload();
    expect(api.addUploads).toHaveBeenLastCalledWith(
      'plan-1',
      expect.objectContaining({ bucket: 'lab-bucket-2' }),
      false,
      null,
      false,
      'all',
    );
  });

  it('uploads even when the bucket review fails, and drops an answer for an old target', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const answers: Array<(answer: IpcResult<BucketReviewSummary>) => void> = [];
    const { api, store } = await connected({
      reviewUpload: vi.fn(
        () => new Promise<IpcResult<BucketReviewSummary>>((r) => answers.push(r)),
      ),
    });
    await store.getState().addPaths(['/data/a']);
    await vi.advanceTimersByTimeAsync(400);
    store.getState().setTargetField('bucket', 'no-such-bucket');
    await vi.advanceTimersByTimeAsync(400);
    expect(api.reviewUpload).toHaveBeenCalledTimes(2);
    answers[0]?.({ ok: true, value: bucketReview() });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().plan.bucket.status).toBe('reviewing');
    const gone = { code: 'NoSuchBucket', message: 'The bucket "no-such-bucket" does not exist.' };
    answers[1]?.({ ok: false, error: gone });
    await vi.waitFor(() => expect(store.getState().plan.bucket.status).toBe('failed'));
    expect(store.getState().plan.bucket.error).toEqual(gone);

    await store.getState().startUpload();
    expect(api.addUploads).toHaveBeenLastCalledWith(
      'plan-1',
      expect.objectContaining({ bucket: 'no-such-bucket' }),
      false,
      null,
      false,
      [], // main reviews again as it adds, and keeps what differs
    );
    // Put away: nothing left to compare.
    store.getState().discardPlan();
    expect(store.getState().plan.bucket.status).toBe('idle');
  });

  it('renames the keys Synapse refuses, shows the renames, and compares the renamed plan with the bucket', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const refused = summary({
      files: [{ localPath: '/data/café #1.txt', key: 'center/café #1.txt', size: 100 }],
      warnings: [{ code: 'synapse-name', key: 'center/café #1.txt', message: 'Synapse refuses' }],
      warningCount: 1,
      synapseNames: 1,
    });
    const renamed = summary({
      planId: 'plan-2',
      files: [{ localPath: '/data/café #1.txt', key: 'center/cafe _1.txt', size: 100 }],
    });
    const renames = [{ from: 'center/café #1.txt', to: 'center/cafe _1.txt' }];
    const { api, store } = await connected({
      planUpload: vi.fn(() => ok(refused)),
      renameForSynapse: vi.fn(() => ok({ summary: renamed, renames, renameCount: 1 })),
    });
    await store.getState().addPaths(['/data/café #1.txt']);
    await vi.advanceTimersByTimeAsync(400);
    expect(api.reviewUpload).toHaveBeenLastCalledWith('plan-1', expect.anything(), null);
    store.getState().setAcceptWarnings(true);

    await store.getState().renameForSynapse();
    expect(api.renameForSynapse).toHaveBeenCalledWith('plan-1', null);
    expect(store.getState().plan).toMatchObject({
      status: 'ready',
      summary: renamed,
      acceptWarnings: false, // other keys: their warnings are confirmed anew
      renames: { list: renames, count: 1 },
    });
    // The comparison made for the old keys is not the renamed plan's.
    expect(store.getState().plan.bucket).toMatchObject({ status: 'reviewing', summary: null });
    await vi.advanceTimersByTimeAsync(400);
    expect(api.reviewUpload).toHaveBeenLastCalledWith('plan-2', expect.anything(), null);
    expect(store.getState().plan.bucket.status).toBe('done');
    await store.getState().startUpload();
    expect(vi.mocked(api.addUploads).mock.lastCall?.slice(0, 3)).toEqual([
      'plan-2',
      expect.anything(),
      false,
    ]);
  });

  it('drops a rename main answers after the files were planned again', async () => {
    let answer: (value: IpcResult<SynapseRenames>) => void = () => undefined;
    const { api, store } = await connected({
      planUpload: vi.fn(() => ok(summary({ synapseNames: 1, warningCount: 1 }))),
      renameForSynapse: vi.fn(() => new Promise<IpcResult<SynapseRenames>>((r) => (answer = r))),
    });
    await store.getState().addPaths(['/data/a']);
    const renaming = store.getState().renameForSynapse();
    expect(store.getState().plan.status).toBe('renaming');
    await store.getState().addPaths(['/data/b']);
    answer({
      ok: true,
      value: { summary: summary({ planId: 'plan-9' }), renames: [], renameCount: 0 },
    });
    await renaming;
    expect(store.getState().plan).toMatchObject({ status: 'ready', renames: null });
    expect(api.discardPlan).toHaveBeenCalledWith('plan-9');
  });

  it('shows the warnings of the chosen saved target’s submission profile, and accepts only those', async () => {
    const outside = (planId: string, warningsFor: string | null) =>
      summary({
        planId,
        warnings: [{ code: 'unsynced-folder', key: 'center/study-1/a', message: 'not synced' }],
        warningCount: 1,
        warningsFor,
      });
    // Saved target t-1's profile syncs other folders; the queue's profile syncs every one.
    const warningsFor = (planId: string, savedTargetId: string | null | undefined) =>
      savedTargetId === 't-1' ? outside(planId, 't-1') : summary({ planId });
    const { api, store } = await connected({
      planUpload: vi.fn((_paths: string[], prefix: string, savedTargetId?: string | null) =>
        ok({ ...warningsFor('plan-1', savedTargetId), prefix }),
      ),
      planWarnings: vi.fn((planId: string, savedTargetId: string | null) =>
        ok(warningsFor(planId, savedTargetId)),
      ),
    });
    await vi.waitFor(() => expect(store.getState().savedTargets).toHaveLength(1));
    store.getState().chooseSavedTarget('t-1');
    await store.getState().addPaths(['/data/a']);
    expect(api.planUpload).toHaveBeenLastCalledWith(['/data/a'], 'center/study-1/', 't-1');
    expect(store.getState().plan.summary?.warnings.map((w) => w.code)).toEqual(['unsynced-folder']);
    await store.getState().startUpload();
    expect(store.getState().plan.error?.code).toBe('WarningsNotAccepted');
    store.getState().setAcceptWarnings(true);

    // Another bucket: no saved target, so the queue's profile, whose warnings main makes.
    store.getState().setTargetField('bucket', 'lab-bucket-2');
    await vi.waitFor(() => expect(store.getState().plan.summary?.warningsFor).toBeNull());
    expect(api.planWarnings).toHaveBeenLastCalledWith('plan-1', null);
    expect(store.getState().plan).toMatchObject({
      acceptWarnings: false,
      summary: { warningCount: 0 },
    });
    // Back to the saved target: its warnings again, to confirm again.
    store.getState().chooseSavedTarget('t-1');
    await store.getState().startUpload(); // the warnings are on their way: nothing is sent
    expect(api.addUploads).not.toHaveBeenCalled();
    // Choosing a saved target plans again too (its folder).
    await vi.waitFor(() => expect(api.planUpload).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(store.getState().plan.status).toBe('ready'));
    expect(store.getState().plan.summary?.warningsFor).toBe('t-1');
    expect(store.getState().plan.acceptWarnings).toBe(false);
    store.getState().setAcceptWarnings(true);

    // Main finds others than the user confirmed (the profile changed meanwhile): shown anew.
    const changed = {
      ok: false as const,
      error: { code: 'WarningsChanged', message: 'Review them and confirm again.' },
    };
    vi.mocked(api.addUploads).mockResolvedValueOnce(changed);
    vi.mocked(api.planWarnings).mockImplementationOnce((planId) =>
      ok({ ...outside(planId, 't-1'), warningCount: 2 }),
    );
    await store.getState().startUpload();
    expect(vi.mocked(api.addUploads).mock.lastCall?.slice(2, 4)).toEqual([true, 't-1']);
    expect(store.getState().plan).toMatchObject({
      status: 'ready',
      acceptWarnings: false,
      error: changed.error,
      summary: { warningCount: 2 },
    });
  });

  it('forgets a check-access result when the place changes (the check writes in the folder)', async () => {
    const { api, store } = await connected();
    await store.getState().checkAccess();
    expect(api.checkTarget).toHaveBeenLastCalledWith(expect.anything(), 'center', undefined);
    expect(store.getState().targetCheck).toMatchObject({ status: 'done', result: { ok: true } });
    store.getState().setTargetField('prefix', 'center/');
    expect(store.getState().targetCheck.status).toBe('done');
    store.getState().setTargetField('prefix', 'elsewhere');
    expect(store.getState().targetCheck.status).toBe('idle');
    await store.getState().checkAccess();
    store.getState().setTargetField('bucket', 'other-bucket');
    expect(store.getState().targetCheck.status).toBe('idle');
  });

  it('asks the user to sign in when the queue paused for credentials, then resumes', async () => {
    const { api, store, listeners } = await connected();
    listeners.attention?.({ code: 'ExpiredToken', message: 'Your AWS session has expired.' });
    expect(store.getState().credentials.signIn?.code).toBe('ExpiredToken');
    await store.getState().signedInResume();
    expect(api.signedIn).toHaveBeenCalledWith();
    expect(api.resumeAll).toHaveBeenCalled();
    expect(store.getState().credentials.signIn).toBeNull();
  });

  it('shows why the queue paused itself when signing in does not help', async () => {
    const { store, listeners } = await connected();
    listeners.attention?.({ code: 'DiskFull', message: 'The disk is full.' });
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'error',
      text: 'The disk is full.',
    });
  });

  it('shows an action main refused as an error notice', async () => {
    const { store } = await connected({
      pause: () =>
        Promise.resolve({ ok: false, error: { code: 'UnknownUpload', message: 'No upload "z".' } }),
    });
    await store.getState().uploadAction('pause', 'z');
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'error',
      text: 'No upload "z".',
    });
  });

  it('says where the log folder is, keeps the diagnostics copied, and shows why either failed', async () => {
    const { store } = await connected();
    await store.getState().openLogFolder();
    expect(store.getState().notices.at(-1)?.text).toContain('/home/lab/.config/Labdrop/logs');
    await store.getState().copyDiagnostics();
    expect(store.getState().settings.diagnostics).toBe('Labdrop diagnostics');
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'success' });

    const refused = {
      ok: false as const,
      error: { code: 'OpenFailed', message: 'No file manager.' },
    };
    const failing = await connected({
      openLogFolder: () => Promise.resolve(refused),
      copyDiagnostics: () => Promise.resolve(refused),
    });
    await failing.store.getState().openLogFolder();
    await failing.store.getState().copyDiagnostics();
    expect(failing.store.getState().notices.map((n) => n.text)).toEqual([
      'No file manager.',
      'No file manager.',
    ]);
    expect(failing.store.getState().settings.diagnostics).toBeNull();
  });

  it('shows the history a page at a time, loads the next as asked, and keeps them on a refresh', async () => {
    // Main's history of 1,200 uploads, newest first, paged by a cursor as Store.historyPage does.
    const all = Array.from({ length: 1200 }, (_, i) => ({ id: `h${i}` }) as UploadRecord);
    const page = ({ limit = 500, after, search }: HistoryPageRequest): HistoryPage => {
      const matching = search ? all.filter((r) => r.id.endsWith(search)) : all;
      const from = after ? matching.findIndex((r) => Number(r.id.slice(1)) === after.rowid) + 1 : 0;
      const rows = matching.slice(from, from + limit);
      const last = rows.at(-1);
      return {
        rows,
        next:
          from + limit < matching.length && last
            ? { createdAt: 0, rowid: Number(last.id.slice(1)) }
            : null,
        total: after ? null : { count: matching.length, exact: true },
      };
    };
    const queryHistory = vi.fn((request: HistoryPageRequest) => ok(page(request)));
    const { store } = await connected({ queryHistory });
    store.getState().setView('history');
    await vi.waitFor(() => expect(store.getState().history.rows).toHaveLength(500));
    expect(store.getState().history).toMatchObject({ total: { count: 1200 }, filtered: false });
    expect(queryHistory).toHaveBeenLastCalledWith({ limit: 500 });

    await store.getState().loadMoreHistory();
    await store.getState().loadMoreHistory();
    const ids = store.getState().history.rows.map((r) => r.id);
    expect(ids).toEqual(all.map((r) => r.id));
    expect(store.getState().history.next).toBeNull();
    // Nothing more to ask for.
    const asked = queryHistory.mock.calls.length;
    await store.getState().loadMoreHistory();
    expect(queryHistory).toHaveBeenCalledTimes(asked);

    // Uploads settle: every row loaded is read again, a page at a time, and shown at once.
    vi.useFakeTimers();
    store.getState().refreshHistorySoon();
    await vi.advanceTimersByTimeAsync(600);
    expect(store.getState().history.rows.map((r) => r.id)).toEqual(ids);
    expect(queryHistory.mock.calls.slice(asked).map(([r]) => r.limit)).toEqual([1000, 500]);

    // The answer for the filters before a new search comes late, and is dropped.
    let answer: (value: IpcResult<HistoryPage>) => void = () => undefined;
    queryHistory.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    store.getState().setHistoryStatus('all');
    await vi.advanceTimersByTimeAsync(0);
    store.getState().setHistorySearch('7');
    await vi.advanceTimersByTimeAsync(300);
    answer({ ok: true, value: page({ limit: 500 }) });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().history).toMatchObject({
      total: { count: 120, exact: true },
      filtered: true,
      next: null,
    });
    expect(store.getState().history.rows).toHaveLength(120);

    // "Show in history" on an upload below the first page: pages are read until it is loaded.
    store.getState().showInHistory('h1100');
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().history).toMatchObject({ selectedId: 'h1100', filtered: false });
    expect(store.getState().history.rows.map((r) => r.id)).toEqual(
      all.slice(0, 1500).map((r) => r.id),
    );
  });
});
