import { Notification, type BrowserWindow } from 'electron';

export type Notify = (notice: { title: string; body: string }) => void;

/** A system notification, unless the window has the user's eyes; a click brings the window up. */
export function notifier(window: () => BrowserWindow | null): Notify {
  return (notice) => {
    if (!Notification.isSupported() || window()?.isFocused()) return;
    const notification = new Notification(notice);
    notification.on('click', () => window()?.show());
    notification.show();
  };
}
