import { app, dialog, type BrowserWindow } from 'electron';

/**
 * Closing the window or quitting while uploads run asks first. Then
 * `shutdown` runs (the core's dispose: the engine records the pause, and the
 * next start shows those uploads paused, ready to resume) and the app quits.
 */
export function askBeforeQuit(
  win: BrowserWindow,
  options: { running(): boolean; shutdown(): Promise<void> },
): void {
  let quitting = false;
  const quit = async () => {
    if (options.running()) {
      const box: Electron.MessageBoxOptions = {
        type: 'question',
        buttons: ['Pause and quit', 'Keep uploading'],
        defaultId: 1,
        cancelId: 1,
        message: 'Uploads are still running.',
        detail:
          'Labdrop will pause them and keep what is already uploaded. Open Labdrop again and choose Resume to finish them.',
      };
      const { response } = win.isDestroyed()
        ? await dialog.showMessageBox(box)
        : await dialog.showMessageBox(win, box);
      if (response !== 0) return;
    }
    quitting = true;
    await options.shutdown();
    app.quit();
  };
  const intercept = (event: Electron.Event) => {
    if (quitting) return;
    event.preventDefault();
    void quit();
  };
  win.on('close', intercept);
  app.on('before-quit', intercept);
}
