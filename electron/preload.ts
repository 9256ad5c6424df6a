// The sandboxed preload: builds the one API object of shared/ipc.ts on top of
// ipcRenderer and exposes it as `window.labdrop`. Raw ipcRenderer never
// reaches the page.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { createLabdropApi } from '../shared/bridge';
import { DROPPED_PATH_CHANNEL } from '../shared/ipc';

const api = createLabdropApi({
  invoke: (channel, arg) => ipcRenderer.invoke(channel, arg),
  subscribe: (channel, listener) => {
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
  // A dropped File knows its path only here, in the preload.
  // Main reads only what the user dropped or chose (electron/ipc/chosen-paths.ts):
  // a File the page made itself has no path, so it registers nothing. Sent
  // before the page can ask for a plan; IPC keeps the order.
  pathForFile: (file) => {
    const path = webUtils.getPathForFile(file as File);
    if (path) ipcRenderer.send(DROPPED_PATH_CHANNEL, path);
    return path;
  },
});

contextBridge.exposeInMainWorld('labdrop', api);
