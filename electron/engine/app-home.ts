import { homedir as osHomedir } from 'node:os';
import { posix, resolve, win32 } from 'node:path';

/** The folder name under the platform's app-data folder; matches productName "Labdrop". */
export const APP_FOLDER = 'Labdrop';
/** File name of the state + history database inside appHome(). */
export const DATABASE_FILE = 'labdrop.db';
/** The app's settings (electron/ipc/settings-file.ts) inside appHome(). */
export const SETTINGS_FILE = 'settings.json';

/**
 * Where Labdrop keeps its data, shared by the desktop app and the CLI.
 *
 * LABDROP_HOME wins when set (tests, portable installs, a lab's shared machine).
 * Otherwise this is the folder Electron's `app.getPath('userData')` gives for an
 * app named "Labdrop", computed without Electron so the CLI finds the same file:
 * Electron takes appData from XDG_CONFIG_HOME (or ~/.config) on Linux,
 * ~/Library/Application Support on macOS and %APPDATA% on Windows.
 * Paths are joined with the target platform's separator so every platform can
 * be tested from any machine.
 */
export function appHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homedir: string = osHomedir(),
): string {
  const path = platform === 'win32' ? win32 : posix;
  const override = env.LABDROP_HOME;
  // A relative LABDROP_HOME is taken from the current folder, once, here, so
  // everything after works with one absolute path.
  if (override) return path.isAbsolute(override) ? path.normalize(override) : resolve(override);

  if (platform === 'win32') {
    // Electron asks Windows for FOLDERID_RoamingAppData, which is what %APPDATA% holds.
    const appData = env.APPDATA || path.join(homedir, 'AppData', 'Roaming');
    return path.join(appData, APP_FOLDER);
  }
  if (platform === 'darwin') {
    return path.join(homedir, 'Library', 'Application Support', APP_FOLDER);
  }
  // Linux and the other Unixes Electron treats like Linux: Chromium uses
  // XDG_CONFIG_HOME whenever it is non-empty, else ~/.config.
  const config = env.XDG_CONFIG_HOME || path.join(homedir, '.config');
  return path.join(config, APP_FOLDER);
}

/** `<appHome>/labdrop.db`. */
export function defaultDatabasePath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homedir: string = osHomedir(),
): string {
  const path = platform === 'win32' ? win32 : posix;
  return path.join(appHome(env, platform, homedir), DATABASE_FILE);
}
