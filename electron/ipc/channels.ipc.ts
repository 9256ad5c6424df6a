import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import {
  DROPPED_PATH_CHANNEL,
  isAbsolutePath,
  REQUEST_CHANNELS,
  type IpcResult,
} from '../../shared/ipc';
import type { IpcHandlers } from './handlers';
import { isTrustedUrl, type TrustedPage } from './security';

/**
 * Binds the handlers to ipcMain: the only file that touches ipcMain. Requests
 * from anything but our window's top frame showing our page are refused (see
 * the note in electron/ipc/security.ts).
 */
export function bindIpc(
  handlers: IpcHandlers,
  window: () => BrowserWindow | null,
  page: TrustedPage,
  onDropped: (path: string) => void = () => undefined,
): () => void {
  const trusted = (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean => {
    const win = window();
    const frame = event.senderFrame;
    return (
      win !== null &&
      !win.isDestroyed() &&
      event.sender === win.webContents &&
      frame !== null &&
      frame === win.webContents.mainFrame &&
      isTrustedUrl(frame.url, page)
    );
  };
  const refused: IpcResult<never> = {
    ok: false,
    error: { code: 'Forbidden', message: 'This request did not come from the Labdrop window.' },
  };
  for (const channel of REQUEST_CHANNELS) {
    ipcMain.handle(channel, (event, arg: unknown) =>
      trusted(event) ? handlers[channel](arg) : refused,
    );
  }
  // From the preload only: the page has no ipcRenderer (see chosen-paths.ts).
  const dropped = (event: Electron.IpcMainEvent, path: unknown) => {
    if (
      trusted(event) &&
      typeof path === 'string' &&
      path.length <= 4096 &&
      !path.includes('\0') &&
      isAbsolutePath(path)
    )
      onDropped(path);
  };
  ipcMain.on(DROPPED_PATH_CHANNEL, dropped);
  return () => {
    for (const channel of REQUEST_CHANNELS) ipcMain.removeHandler(channel);
    ipcMain.removeListener(DROPPED_PATH_CHANNEL, dropped);
  };
}
