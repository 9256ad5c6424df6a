// The Electron entry: the app core (electron/app/core.ts, built the same way
// under Node by the tests), the IPC binding and the window. Only what needs
// Electron is here and in electron/os.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, dialog, safeStorage, session, type BrowserWindow } from 'electron';
import { createAppCore } from './app/core';
import { appCommandLine } from './cli/args';
import { appHome } from './engine/app-home';
import { uploadsRunning } from './ipc/batch-watcher';
import { bindIpc } from './ipc/channels.ipc';
import { ProgressBatcher } from './ipc/progress-batcher';
import { followBatch } from './os/batch-status';
import { desktop } from './os/desktop';
import { electronDialogs } from './os/dialogs';
import { notifier } from './os/notifications';
import { pauseOnSuspend } from './os/power';
import { askBeforeQuit } from './os/quit';
import { createMainWindow } from './window';

const DEMO = process.argv.includes('--demo') || process.env.LABDROP_DEMO === '1';

async function start(): Promise<void> {
  await app.whenReady();
  let win: BrowserWindow | null = null;
  const window = () => win;
  // `npm start` runs Electron from the source tree, where node_modules holds
  // better-sqlite3 built for Node (the CLI's); build/electron-native.mjs puts
  // an Electron build in out/native. Packaged apps ship the Electron build.
  const nativeBinding = join(
    app.getAppPath(),
    `out/native/${process.platform}-${process.arch}`,
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  );
  const core = await createAppCore({
    dataDir: appHome(),
    storeOptions: !app.isPackaged && existsSync(nativeBinding) ? { nativeBinding } : {},
    // Keys typed in the app are kept encrypted by the OS keychain (safeStorage, after ready).
    secrets: safeStorage,
    version: app.getVersion(),
    // The system's proxy settings and PAC file, as Chromium applies them to its own requests.
    resolveProxy: (url) => session.defaultSession.resolveProxy(url),
    demo: DEMO,
    ...electronDialogs(window),
    ...desktop(),
    broadcast: (channel, payload) => {
      if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
    },
  });
  const { queue } = core;

  const indexHtml = join(import.meta.dirname, '../renderer/index.html');
  const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
  core.defer(
    bindIpc(
      core.handlers,
      window,
      {
        fileUrl: pathToFileURL(indexHtml).href,
        ...(devUrl ? { devOrigin: new URL(devUrl).origin } : {}),
      },
      (path) => core.chosen.allow([path]),
    ),
  );

  const shown = createMainWindow({
    preload: join(import.meta.dirname, '../preload/preload.cjs'),
    indexHtml,
    ...(devUrl ? { devUrl } : {}),
  });
  win = shown;

  const status = followBatch(queue, window, notifier(window));
  core.defer(() => status.stop());
  const batcher = new ProgressBatcher(
    queue,
    (batch) => {
      if (!shown.isDestroyed()) shown.webContents.send('uploads:progress', batch);
    },
    { onPoll: (snapshot) => status.sample(snapshot) },
  ).start();
  core.defer(() => batcher.stop());
  // A reload starts the page afresh: it asks for the list, then follows batches.
  shown.webContents.on('did-start-loading', () => batcher.stop());
  shown.webContents.on('did-finish-load', () => batcher.start());

  core.restoreSession();
  pauseOnSuspend(queue);

  app.on('second-instance', () => {
    if (shown.isDestroyed()) return;
    if (shown.isMinimized()) shown.restore();
    shown.focus();
  });
  askBeforeQuit(shown, {
    running: () => uploadsRunning(queue.snapshot()),
    shutdown: () => core.dispose(),
  });
}

/**
 * Started as the `labdrop` command (README, "The desktop app's command"): the
 * command line runs in this process, with the same code as under Node, and no
 * window opens. It takes no single-instance lock, so it runs beside the window.
 */
function runCommand(argv: string[]): void {
  import('./cli/launch')
    .then(({ runCommandLine }) => runCommandLine(argv))
    .then(
      (code) => app.exit(code),
      // Left unhandled, Electron would show a dialog and never exit.
      (error: unknown) => {
        process.stderr.write(
          `labdrop: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        app.exit(1);
      },
    );
}

const commandLine = appCommandLine(process.argv, process.defaultApp === true);
if (commandLine) {
  runCommand(commandLine);
} else if (!app.requestSingleInstanceLock()) {
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
