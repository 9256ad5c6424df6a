// electron/main.ts composed for real (engine, handlers, batcher, window
// factory) with only the `electron` module faked: no Electron binary can run
// here. Checks what the shell promises: a locked-down window, IPC answered
// only for our page, progress batches, the OS integration and the quit flow.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DROPPED_PATH_CHANNEL, REQUEST_CHANNELS, type IpcResult } from '../shared/ipc';
import { MiB } from '../shared/parts';
import { CONTENT_SECURITY_POLICY } from '../electron/ipc/security';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  TEST_CREDENTIALS,
  testClient,
  type Moto,
  type RecordingProxy,
} from './helpers/moto';

const fake = await vi.hoisted(async () => {
  const { createFakeElectron } = await import('./e2e/fake-electron');
  return createFakeElectron();
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

// From the source tree the pool cannot find the built worker next to itself.
vi.mock('../electron/engine/hash-pool', async (importOriginal) => {
  const { withBuiltWorker } = await import('./helpers/built-worker-pool');
  return withBuiltWorker(await importOriginal());
});

let moto: Moto;
let slow: RecordingProxy;
let home: string;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  slow = await startRecordingProxy(moto.endpoint);
  slow.bytesPerSecond = 8 * MiB;
  await createBucket(moto.endpoint, 'lab-bucket');
  home = await mkdtemp(join(tmpdir(), 'labdrop-main-'));
  process.env.LABDROP_HOME = home;
  await import('../electron/main');
  await vi.waitFor(() => expect(fake.state.windows).toHaveLength(1));
});

afterAll(async () => {
  await slow?.stop();
  await moto?.stop();
  delete process.env.LABDROP_HOME;
  await rm(home, { recursive: true, force: true });
});

function win() {
  const window = fake.state.windows[0];
  if (!window) throw new Error('no window');
  return window;
}

/** An invoke from our window's top frame (or from somewhere else). */
function invoke(
  channel: string,
  arg?: unknown,
  from: 'ours' | 'other-frame' | 'other-page' = 'ours',
) {
  const contents = win().webContents;
  const handler = fake.state.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  const frame =
    from === 'other-frame'
      ? { url: contents.mainFrame.url }
      : from === 'other-page'
        ? { url: 'https://example.org/' }
        : contents.mainFrame;
  if (from === 'other-page') contents.mainFrame = frame as typeof contents.mainFrame;
  return Promise.resolve(handler({ sender: contents, senderFrame: frame }, arg));
}

/** What the preload does for a file dropped on the window (see chosen-paths.ts). */
function drop(path: string) {
  const contents = win().webContents;
  const listener = fake.state.listeners.get(DROPPED_PATH_CHANNEL);
  if (!listener) throw new Error('nothing listens for dropped paths');
  void listener({ sender: contents, senderFrame: contents.mainFrame }, path);
}

async function value<T>(answer: Promise<IpcResult<T>> | IpcResult<T>): Promise<T> {
  const result = await answer;
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('the Electron shell', () => {
  it('opens one locked-down window on our page', () => {
    const prefs = win().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    });
    expect(String(prefs.preload)).toMatch(/preload[/\\]preload\.cjs$/);
    expect(win().webContents.mainFrame.url).toBe(
      `file://${join(process.cwd(), 'renderer/index.html')}`,
    );

    expect(win().webContents.windowOpenHandler?.()).toEqual({ action: 'deny' });
    const navigation = { preventDefault: vi.fn() };
    win().webContents.emit('will-navigate', navigation);
    expect(navigation.preventDefault).toHaveBeenCalled();
    const permission = vi.fn();
    win().webContents.permissionRequest?.(null, 'media', permission);
    expect(permission).toHaveBeenCalledWith(false);

    let headers: unknown;
    win().webContents.headersHandler?.({ responseHeaders: { 'x-a': ['b'] } }, (r) => (headers = r));
    expect(headers).toEqual({
      responseHeaders: { 'x-a': ['b'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });

  it('answers every channel of the contract, and only our page’s top frame', async () => {
    expect([...fake.state.handlers.keys()].sort()).toEqual([...REQUEST_CHANNELS].sort());
    expect(await value(invoke('app:info'))).toMatchObject({ version: '9.9.9', demo: null });
    expect(await invoke('app:info', undefined, 'other-frame')).toMatchObject({
      ok: false,
      error: { code: 'Forbidden' },
    });
    const url = win().webContents.mainFrame.url;
    expect(await invoke('app:info', undefined, 'other-page')).toMatchObject({
      ok: false,
      error: { code: 'Forbidden' },
    });
    win().webContents.mainFrame = { url };
    expect(await invoke('uploads:plan', { paths: ['relative'], prefix: '' })).toMatchObject({
      ok: false,
      error: { code: 'BadRequest' },
    });
  });

  it('hands safeStorage to the credentials, which refuse a plain-text keychain', async () => {
    // The fake's safeStorage reports Linux's basic_text backend (no keyring).
    if (process.platform !== 'linux') return;
    expect(await value(invoke('credentials:storageProblem'))).toMatch(/plain text/);
    expect(
      await invoke('credentials:saveKeys', {
        name: 'lab',
        accessKeyId: 'AKIAEXAMPLE1234',
        secretAccessKey: 'not-a-real-secret-key',
      }),
    ).toMatchObject({ ok: false, error: { code: 'KeychainUnavailable' } });
    expect(await value(invoke('profiles:list'))).toMatchObject([{ name: 'center', builtIn: true }]);
  });

  it('uploads, streams progress, keeps the computer awake, and notifies when done', async () => {
    const path = join(home, 'shell.bin');
    await writeFile(path, Buffer.alloc(12 * MiB, 7));
    // Main reads only files the user dropped (the preload reports them) or chose.
    expect(await invoke('uploads:plan', { paths: [path], prefix: 'shell' })).toMatchObject({
      ok: false,
      error: { code: 'Forbidden' },
    });
    drop(path);
    const plan = await value(invoke('uploads:plan', { paths: [path], prefix: 'shell' }));
    const target = {
      bucket: 'lab-bucket',
      endpoint: slow.endpoint,
      region: 'us-east-1',
      awsProfile: null,
    };
    const sent = win().webContents.sent;
    sent.length = 0;
    await value(
      invoke('uploads:add', {
        planId: (plan as { planId: string }).planId,
        target,
        acceptWarnings: false,
      }),
    );
    await vi.waitFor(() => expect(fake.state.blockers.size).toBe(1), { timeout: 10_000 });

    await vi.waitFor(
      async () => {
        const head = await testClient(moto.endpoint).send(
          new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'shell/shell.bin' }),
        );
        expect(head.ContentLength).toBe(12 * MiB);
        expect(fake.state.blockers.size).toBe(0);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(sent.some((m) => m.channel === 'uploads:changed')).toBe(true);
    const batches = () => sent.filter((m) => m.channel === 'uploads:progress');
    const statuses = () =>
      batches().flatMap((m) =>
        (m.payload as { items: Array<{ status: string }> }).items.map((p) => p.status),
      );
    // The last batch may wait out the rest of its 100 ms window (progress-batcher.ts).
    await vi.waitFor(() => expect(statuses().at(-1)).toBe('done'), { timeout: 1_000 });
    expect(batches().length).toBeGreaterThan(3);
    expect(statuses()).toContain('uploading');
    expect(fake.state.notifications.at(-1)).toEqual({
      title: 'Upload finished',
      body: '1 file uploaded and verified.',
    });
    expect(win().progress.at(-1)).toBe(-1);
  });

  it('pauses on suspend and resumes on wake', async () => {
    const path = join(home, 'sleepy.bin');
    await writeFile(path, Buffer.alloc(24 * MiB, 3));
    drop(path);
    const plan = await value(invoke('uploads:plan', { paths: [path], prefix: 'sleep' }));
    const target = {
      bucket: 'lab-bucket',
      endpoint: slow.endpoint,
      region: 'us-east-1',
      awsProfile: null,
    };
    const [added] = (await value(
      invoke('uploads:add', {
        planId: (plan as { planId: string }).planId,
        target,
        acceptWarnings: false,
      }),
    )) as Array<{ id: string }>;
    const status = async () =>
      ((await value(invoke('uploads:list'))) as Array<{ id: string; status: string }>).find(
        (p) => p.id === added?.id,
      )?.status;
    await vi.waitFor(async () => expect(await status()).toBe('uploading'), { timeout: 10_000 });

    fake.state.powerMonitor.emit('suspend');
    await vi.waitFor(async () => expect(await status()).toBe('paused'));
    fake.state.powerMonitor.emit('resume');
    await vi.waitFor(async () => expect(await status()).not.toBe('paused'));
    await vi.waitFor(async () => expect(await status()).toBe('done'), { timeout: 20_000 });
  });

  it('asks before quitting while uploads run, and pauses them', async () => {
    const path = join(home, 'quitting.bin');
    await writeFile(path, Buffer.alloc(24 * MiB, 5));
    drop(path);
    const plan = await value(invoke('uploads:plan', { paths: [path], prefix: 'quit' }));
    const target = {
      bucket: 'lab-bucket',
      endpoint: slow.endpoint,
      region: 'us-east-1',
      awsProfile: null,
    };
    await value(
      invoke('uploads:add', {
        planId: (plan as { planId: string }).planId,
        target,
        acceptWarnings: false,
      }),
    );
    await vi.waitFor(() => expect(fake.state.blockers.size).toBe(1), { timeout: 10_000 });

    // "Keep uploading": nothing happens.
    fake.state.messageBoxAnswer = 1;
    const keep = { preventDefault: vi.fn() };
    win().emit('close', keep);
    expect(keep.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(fake.state.messageBoxes).toHaveLength(1));
    expect(fake.state.quitCalls).toBe(0);

    // "Pause and quit": the upload is recorded paused, then the app quits.
    fake.state.messageBoxAnswer = 0;
    fake.state.app.emit('before-quit', { preventDefault: vi.fn() });
    await vi.waitFor(() => expect(fake.state.quitCalls).toBe(1), { timeout: 10_000 });
    expect(fake.state.messageBoxes).toHaveLength(2);
    expect(fake.state.messageBoxes[1]).toMatchObject({
      buttons: ['Pause and quit', 'Keep uploading'],
    });
    expect(fake.state.blockers.size).toBe(0);
    const { Store } = await import('../electron/engine/store');
    const store = Store.open(join(home, 'labdrop.db'));
    expect(store.query({ search: 'quitting.bin' })[0]?.status).toBe('paused');
    store.close();
  });
});
