import { BrowserWindow } from 'electron';
import { CONTENT_SECURITY_POLICY } from './ipc/security';

export interface WindowOptions {
  preload: string;
  /** out/renderer/index.html */
  indexHtml: string;
  /** electron-vite's dev server, in development only. */
  devUrl?: string;
  icon?: string;
}

/**
 * The one window. The page is sandboxed and isolated from the preload, may
 * not navigate or open windows, gets no permissions, and runs under the
 * Content-Security-Policy of electron/ipc/security.ts (index.html carries it
 * for file://; the header covers the dev server).
 */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 820,
    minWidth: 760,
    minHeight: 540,
    show: false,
    title: 'Labdrop',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());

  const contents = win.webContents;
  // A file dropped outside the drop zone must not replace the app with itself.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));

  const ses = contents.session;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });

  if (options.devUrl) void win.loadURL(options.devUrl);
  else void win.loadFile(options.indexHtml);
  return win;
}
