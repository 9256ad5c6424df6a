// The sandboxed preload: builds the one API object of shared/ipc.ts on top of
// ipcRenderer and exposes it as `window.labdrop`. Raw ipcRenderer never
// reaches the page.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { createLabdropApi } from '../shared/bridge';

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
  pathForFile: (file) => webUtils.getPathForFile(file as File),
});

contextBridge.exposeInMainWorld('labdrop', api);
