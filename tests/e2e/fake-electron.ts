// A stand-in for the `electron` module, for tests of electron/main.ts under
// Node (no Electron binary can run here). It records what main asks of
// Electron, and lets a test play the operating system and the user.
import { tmpdir } from 'node:os';
import type { IpcResult } from '../../shared/ipc';

export type Handler = (
  event: unknown,
  arg?: unknown,
) => Promise<IpcResult<unknown>> | IpcResult<unknown>;

export function createFakeElectron() {
  class FakeEmitter {
    private readonly handlers = new Map<string, Array<(...args: unknown[]) => void>>();
    on(name: string, handler: (...args: unknown[]) => void) {
      this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
      return this;
    }
    once(name: string, handler: (...args: unknown[]) => void) {
      return this.on(name, handler);
    }
    emit(name: string, ...args: unknown[]) {
      for (const handler of this.handlers.get(name) ?? []) handler(...args);
    }
  }

  const state = {
    windows: [] as FakeWindow[],
    handlers: new Map<string, Handler>(),
    /** The URLs main asked Chromium the proxy for (session.resolveProxy); the answer is DIRECT. */
    proxyQueries: [] as string[],
    /** ipcMain.on listeners: messages the preload sends (e.g. a dropped file's path). */
    listeners: new Map<string, Handler>(),
    blockers: new Set<number>(),
    notifications: [] as Array<{ title: string; body: string }>,
    messageBoxes: [] as unknown[],
    messageBoxAnswer: 0,
    quitCalls: 0,
    singleInstance: true,
    app: new FakeEmitter() as FakeEmitter & Record<string, unknown>,
    powerMonitor: new FakeEmitter(),
  };

  class FakeWebContents extends FakeEmitter {
    sent: Array<{ channel: string; payload: unknown }> = [];
    mainFrame = { url: '' };
    windowOpenHandler: (() => { action: string }) | null = null;
    headersHandler: ((details: unknown, callback: (r: unknown) => void) => void) | null = null;
    permissionRequest: ((...args: unknown[]) => void) | null = null;
    session = {
      setPermissionRequestHandler: (h: (...args: unknown[]) => void) => {
        this.permissionRequest = h;
      },
      setPermissionCheckHandler: () => undefined,
      webRequest: {
        onHeadersReceived: (h: FakeWebContents['headersHandler']) => {
          this.headersHandler = h;
        },
      },
    };
    send(channel: string, payload: unknown) {
      this.sent.push({ channel, payload });
    }
    setWindowOpenHandler(h: () => { action: string }) {
      this.windowOpenHandler = h;
    }
  }

  class FakeWindow extends FakeEmitter {
    webContents = new FakeWebContents();
    progress: number[] = [];
    focused = false;
    destroyed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      state.windows.push(this);
    }
    loadFile(file: string) {
      this.webContents.mainFrame.url = `file://${file}`;
      return Promise.resolve();
    }
    loadURL(url: string) {
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }
    isDestroyed() {
      return this.destroyed;
    }
    isFocused() {
      return this.focused;
    }
    isMinimized() {
      return false;
    }
    setProgressBar(value: number) {
      this.progress.push(value);
    }
    show() {}
    focus() {}
    restore() {}
  }

  let nextBlocker = 1;
  Object.assign(state.app, {
    isPackaged: false,
    whenReady: () => Promise.resolve(),
    requestSingleInstanceLock: () => state.singleInstance,
    getVersion: () => '9.9.9',
    getAppPath: () => process.cwd(),
    getPath: () => tmpdir(),
    quit: () => {
      state.quitCalls++;
    },
    exit: () => undefined,
  });

  const electron = {
    app: state.app,
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, handler: Handler) => state.handlers.set(channel, handler),
      removeHandler: (channel: string) => state.handlers.delete(channel),
      on: (channel: string, listener: Handler) => state.listeners.set(channel, listener),
      removeListener: (channel: string) => state.listeners.delete(channel),
    },
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
      showMessageBox: async (...args: unknown[]) => {
        state.messageBoxes.push(args.at(-1));
        return { response: state.messageBoxAnswer };
      },
      showErrorBox: (title: string, body: string) => {
        throw new Error(`${title}: ${body}`);
      },
    },
    Notification: class {
      static isSupported() {
        return true;
      }
      constructor(readonly notice: { title: string; body: string }) {}
      on() {}
      show() {
        state.notifications.push(this.notice);
      }
    },
    powerMonitor: state.powerMonitor,
    session: {
      defaultSession: {
        resolveProxy: async (url: string) => {
          state.proxyQueries.push(url);
          return 'DIRECT';
        },
      },
    },
    // A keychain Chromium would call plain text: keys typed in the app are refused.
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (text: string) => Buffer.from(text, 'utf8'),
      decryptString: (data: Buffer) => data.toString('utf8'),
      getSelectedStorageBackend: () => 'basic_text',
    },
    powerSaveBlocker: {
      start: () => {
        const id = nextBlocker++;
        state.blockers.add(id);
        return id;
      },
      stop: (id: number) => state.blockers.delete(id),
    },
  };
  return { state, electron };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
