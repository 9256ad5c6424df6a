// The Electron entry: composes the engine, the IPC handlers and the window.
// Everything with logic lives in plain modules (electron/engine, electron/ipc)
// that run and are tested under Node without Electron.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  app,
  dialog,
  Notification,
  powerMonitor,
  powerSaveBlocker,
  safeStorage,
  type BrowserWindow,
} from 'electron';
import type { AppInfo, DemoInfo } from '../shared/ipc';
import { MiB } from '../shared/parts';
import { CENTER_PROFILE } from '../shared/profile';
import { appHome, defaultDatabasePath } from './engine/app-home';
import { startDemoEndpoint, writeDemoFiles, type DemoEndpoint } from './engine/demo';
import { DEFAULT_REGION } from './engine/s3-client';
import { createServices, type Services } from './engine/services';
import { Store } from './engine/store';
import { batchNotice, BatchWatcher, SuspendGuard, uploadsRunning } from './ipc/batch-watcher';
import { bindIpc } from './ipc/channels.ipc';
import { createClientCache } from './ipc/clients';
import { ChosenPaths } from './ipc/chosen-paths';
import { createHandlers } from './ipc/handlers';
import { ProgressBatcher } from './ipc/progress-batcher';
import { SettingsFile } from './ipc/settings-file';
import { UploadSession } from './ipc/upload-session';
import { CredentialService } from './services/credentials';
import { ProfileStore } from './services/profiles';
import { createTargetServices } from './services/target-services';
import { createMainWindow } from './window';

const DEMO = process.argv.includes('--demo') || process.env.LABDROP_DEMO === '1';

interface Demo {
  endpoint: DemoEndpoint;
  info: DemoInfo;
  folder: string;
}

/** `npm start -- --demo`: the command line's in-process S3 endpoint and a sample study. */
async function startDemo(): Promise<Demo> {
  const demoHome = join(appHome(), 'demo');
  await mkdir(demoHome, { recursive: true });
  const folder = await mkdtemp(join(demoHome, 'app-'));
  const endpoint = await startDemoEndpoint(join(folder, 's3'));
  const sampleFolder = await writeDemoFiles(join(folder, 'files'));
  return {
    endpoint,
    folder,
    info: {
      endpoint: endpoint.endpoint,
      bucket: endpoint.bucket,
      region: DEFAULT_REGION,
      prefix: 'demo',
      sampleFolder,
    },
  };
}

async function start(): Promise<void> {
  await app.whenReady();
  const demo = DEMO ? await startDemo() : null;
  // The demo keeps its own history and settings, and throws them away on quit.
  const home = demo ? demo.folder : appHome();
  const settings = SettingsFile.open(join(home, 'settings.json'));
  const initial = settings.get();
  // `npm start` runs Electron from the source tree, where node_modules holds
  // better-sqlite3 built for Node (the CLI's); build/electron-native.mjs puts
  // an Electron build in out/native. Packaged apps ship the Electron build.
  const nativeBinding = join(
    app.getAppPath(),
    `out/native/${process.platform}-${process.arch}`,
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  );
  const store = Store.open(
    demo ? join(home, 'labdrop.db') : defaultDatabasePath(),
    !app.isPackaged && existsSync(nativeBinding) ? { nativeBinding } : {},
  );
  // One credential service for uploads, checks and browsing: keys typed in
  // the app are kept encrypted by the OS keychain (safeStorage, after ready).
  const credentials = new CredentialService({
    store,
    secrets: safeStorage,
    // The demo's default credentials are the demo endpoint's fixed keys, so
    // "Check access" there signs as the uploads do.
    ...(demo ? { chainSource: () => async () => demo.endpoint.credentials } : {}),
  });
  // The demo endpoint takes s3rver's fixed keys; everything else the credential service.
  const demoClients = demo
    ? createClientCache({
        demo: { endpoint: demo.endpoint.endpoint, credentials: demo.endpoint.credentials },
        credentialsFor: credentials.providerFor,
      })
    : null;
  const services: Services = createServices({
    store,
    ...(demoClients ? { clientFor: demoClients.clientFor } : {}),
    credentialsFor: credentials.providerFor,
    profileNamed: (name) => new ProfileStore(store).get(name),
    partConcurrency: initial.partConcurrency,
    partSize: initial.partSizeMiB * MiB,
  });
  const { queue } = services;
  const targets = createTargetServices({ store, credentials, clientFor: services.clientFor });
  const session = new UploadSession(store, queue);

  let win: BrowserWindow | null = null;
  const appInfo: AppInfo = {
    version: app.getVersion(),
    platform: process.platform,
    demo: demo?.info ?? null,
    profile: CENTER_PROFILE,
  };
  const chosen = new ChosenPaths();
  // The demo's sample study is main's own: its button may plan it without a drop.
  if (demo) chosen.allow([demo.info.sampleFolder]);
  const handlers = createHandlers({
    chosen,
    store,
    queue,
    session,
    settings,
    appInfo,
    partSizeMiB: initial.partSizeMiB,
    clientFor: services.clientFor,
    hasher: services.hasher,
    targets,
    openPaths: async (kind) => {
      const options: Electron.OpenDialogOptions = {
        title: kind === 'files' ? 'Choose files to upload' : 'Choose a folder to upload',
        properties: [kind === 'files' ? 'openFile' : 'openDirectory', 'multiSelections'],
      };
      const chosen = win
        ? await dialog.showOpenDialog(win, options)
        : await dialog.showOpenDialog(options);
      return chosen.canceled ? [] : chosen.filePaths;
    },
    openJsonFile: async (title) => {
      const options: Electron.OpenDialogOptions = {
        title,
        properties: ['openFile'],
        filters: [{ name: 'JSON', extensions: ['json'] }],
      };
      const chosen = win
        ? await dialog.showOpenDialog(win, options)
        : await dialog.showOpenDialog(options);
      return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
    },
    savePath: async (name, format, title = 'Export upload history') => {
      const options: Electron.SaveDialogOptions = {
        title,
        defaultPath: join(app.getPath('documents'), name),
        filters: [
          format === 'csv'
            ? { name: 'CSV (spreadsheets)', extensions: ['csv'] }
            : { name: 'JSON', extensions: ['json'] },
        ],
      };
      const chosen = win
        ? await dialog.showSaveDialog(win, options)
        : await dialog.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
    },
    broadcast: (channel, payload) => {
      if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
    },
  });

  const indexHtml = join(import.meta.dirname, '../renderer/index.html');
  const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
  const unbind = bindIpc(
    handlers,
    () => win,
    {
      fileUrl: pathToFileURL(indexHtml).href,
      ...(devUrl ? { devOrigin: new URL(devUrl).origin } : {}),
    },
    (path) => chosen.allow([path]),
  );

  win = createMainWindow({
    preload: join(import.meta.dirname, '../preload/preload.cjs'),
    indexHtml,
    ...(devUrl ? { devUrl } : {}),
  });

  // The operating system's view of the batch: awake while it runs, taskbar
  // progress, a notification when it ends.
  const notify = (notice: { title: string; body: string }) => {
    if (!Notification.isSupported() || win?.isFocused()) return;
    const notification = new Notification(notice);
    notification.on('click', () => win?.show());
    notification.show();
  };
  const watcher = new BatchWatcher();
  let blocker: number | null = null;
  const batcher = new ProgressBatcher(
    queue,
    (batch) => {
      if (win && !win.isDestroyed()) win.webContents.send('uploads:progress', batch);
    },
    {
      // The batcher's polls also drive the taskbar (one snapshot read, not two).
      onPoll: (snapshot) => {
        watcher.sample(snapshot);
        if (watcher.active) win?.setProgressBar(watcher.fraction() ?? -1);
      },
    },
  ).start();
  // A reload starts the page afresh: it asks for the list, then follows batches.
  win.webContents.on('did-start-loading', () => batcher.stop());
  win.webContents.on('did-finish-load', () => batcher.start());
  queue.onChange((progress) => {
    const summary = watcher.observe(progress);
    if (watcher.active && blocker === null) {
      blocker = powerSaveBlocker.start('prevent-app-suspension');
    } else if (!watcher.active && blocker !== null) {
      powerSaveBlocker.stop(blocker);
      blocker = null;
      win?.setProgressBar(-1);
    }
    const notice = summary && batchNotice(summary);
    if (notice) notify(notice);
  });
  queue.onAttention((reason) => notify({ title: 'Uploads paused', body: reason.message }));
  // `labdrop pause ID` or `cancel ID` from a terminal while the app uploads it.
  const ticker = setInterval(() => {
    if (watcher.active) queue.applyExternalRequests();
  }, 2000);

  // Last run's unfinished uploads join the queue view (a crash's carry on).
  session.restore();

  const suspend = new SuspendGuard(queue);
  powerMonitor.on('suspend', () => void suspend.suspend());
  powerMonitor.on('resume', () => suspend.resume());

  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // Quitting while uploads run asks first; the engine records the pause, and
  // the next start shows those uploads paused, ready to resume.
  let quitting = false;
  const quit = async () => {
    if (uploadsRunning(queue.snapshot())) {
      const options: Electron.MessageBoxOptions = {
        type: 'question',
        buttons: ['Pause and quit', 'Keep uploading'],
        defaultId: 1,
        cancelId: 1,
        message: 'Uploads are still running.',
        detail:
          'Labdrop will pause them and keep what is already uploaded. Open Labdrop again and choose Resume to finish them.',
      };
      const { response } =
        win && !win.isDestroyed()
          ? await dialog.showMessageBox(win, options)
          : await dialog.showMessageBox(options);
      if (response !== 0) return;
    }
    quitting = true;
    clearInterval(ticker);
    batcher.stop();
    await queue.pauseAll();
    await queue.idle(); // cancels still removing parts
    if (blocker !== null) powerSaveBlocker.stop(blocker);
    unbind();
    await services.close();
    targets.close();
    demoClients?.destroy();
    if (demo) {
      await demo.endpoint.stop();
      await rm(demo.folder, { recursive: true, force: true });
    }
    app.quit();
  };
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    void quit();
  });
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    void quit();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start().catch((error: unknown) => {
    dialog.showErrorBox(
      'Labdrop could not start',
      error instanceof Error ? error.message : String(error),
    );
    app.exit(1);
  });
}
