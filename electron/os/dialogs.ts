import { join } from 'node:path';
import { app, dialog, type BrowserWindow } from 'electron';
import type { HostSide } from '../app/core';

/** Main's open and save dialogs, on top of the window when there is one. */
export function electronDialogs(
  window: () => BrowserWindow | null,
): Pick<HostSide, 'openPaths' | 'openJsonFile' | 'savePath'> {
  const open = (options: Electron.OpenDialogOptions) => {
    const win = window();
    return win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options);
  };
  return {
    openPaths: async (kind) => {
      const chosen = await open({
        title: kind === 'files' ? 'Choose files to upload' : 'Choose a folder to upload',
        properties: [kind === 'files' ? 'openFile' : 'openDirectory', 'multiSelections'],
      });
      return chosen.canceled ? [] : chosen.filePaths;
    },
    openJsonFile: async (title) => {
      const chosen = await open({
        title,
        properties: ['openFile'],
        filters: [{ name: 'JSON', extensions: ['json'] }],
      });
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
      const win = window();
      const chosen = win
        ? await dialog.showSaveDialog(win, options)
        : await dialog.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
    },
  };
}
