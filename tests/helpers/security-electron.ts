// The smallest stand-in for the `electron` module that electron/window.ts and
// electron/ipc/channels.ipc.ts need, for the security tests: it records the
// window's options and every hook the factory installs, and the handlers bound
// to ipcMain, so a test can play a navigation, a window.open, a permission
// prompt, a response or an IPC message from any frame.

export type Listener = (...args: unknown[]) => void;

export interface FakeFrame {
  url: string;
}

export interface SecurityFakeWindow {
  options: Record<string, unknown>;
  destroyed: boolean;
  isDestroyed(): boolean;
  loaded: { file?: string; url?: string };
  webContents: SecurityFakeContents;
}

export interface SecurityFakeContents {
  mainFrame: FakeFrame;
  listeners: Map<string, Listener[]>;
  windowOpenHandler: ((details: unknown) => { action: string }) | null;
  permissionRequest: ((...args: unknown[]) => void) | null;
  permissionCheck: ((...args: unknown[]) => boolean) | null;
  headersHandler:
    ((details: { responseHeaders?: Record<string, string[]> }, cb: Listener) => void) | null;
  emit(name: string, ...args: unknown[]): void;
}

export function createSecurityElectron() {
  const windows: SecurityFakeWindow[] = [];
  const handlers = new Map<string, (event: unknown, arg?: unknown) => unknown>();
  const listeners = new Map<string, Listener[]>();

  function contents(): SecurityFakeContents {
    const listeners = new Map<string, Listener[]>();
    const self: SecurityFakeContents & Record<string, unknown> = {
      mainFrame: { url: '' },
      listeners,
      windowOpenHandler: null,
      permissionRequest: null,
      permissionCheck: null,
      headersHandler: null,
      emit(name, ...args) {
        for (const listener of listeners.get(name) ?? []) listener(...args);
      },
      on(name: string, listener: Listener) {
        listeners.set(name, [...(listeners.get(name) ?? []), listener]);
        return self;
      },
      once(name: string, listener: Listener) {
        return (self.on as (n: string, l: Listener) => unknown)(name, listener);
      },
      setWindowOpenHandler(handler: SecurityFakeContents['windowOpenHandler']) {
        self.windowOpenHandler = handler;
      },
      session: {
        setPermissionRequestHandler(handler: Listener) {
          self.permissionRequest = handler;
        },
        setPermissionCheckHandler(handler: (...args: unknown[]) => boolean) {
          self.permissionCheck = handler;
        },
        webRequest: {
          onHeadersReceived(handler: SecurityFakeContents['headersHandler']) {
            self.headersHandler = handler;
          },
        },
      },
    };
    return self;
  }

  class BrowserWindow implements SecurityFakeWindow {
    destroyed = false;
    loaded: { file?: string; url?: string } = {};
    webContents = contents();
    private readonly own = new Map<string, Listener[]>();
    constructor(readonly options: Record<string, unknown>) {
      windows.push(this);
    }
    isDestroyed() {
      return this.destroyed;
    }
    on(name: string, listener: Listener) {
      this.own.set(name, [...(this.own.get(name) ?? []), listener]);
      return this;
    }
    once(name: string, listener: Listener) {
      return this.on(name, listener);
    }
    show() {}
    loadFile(file: string) {
      this.loaded.file = file;
      this.webContents.mainFrame = { url: new URL(`file://${file}`).href };
      return Promise.resolve();
    }
    loadURL(url: string) {
      this.loaded.url = url;
      this.webContents.mainFrame = { url };
      return Promise.resolve();
    }
  }

  const electron = {
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, arg?: unknown) => unknown) => {
        if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        handlers.set(channel, handler);
      },
      removeHandler: (channel: string) => handlers.delete(channel),
      // Messages (ipcRenderer.send), for preload-only channels.
      on: (channel: string, listener: Listener) => {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      },
      removeListener: (channel: string, listener: Listener) => {
        listeners.set(
          channel,
          (listeners.get(channel) ?? []).filter((l) => l !== listener),
        );
      },
    },
  };
  return { electron, windows, handlers, listeners };
}
