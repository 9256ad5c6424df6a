import { clipboard, shell } from 'electron';
import type { HostSide } from '../app/core';

/** The file manager and the clipboard, for Settings' "Open log folder" and "Copy diagnostics". */
export function desktop(): Pick<HostSide, 'openFolder' | 'copyText'> {
  return {
    openFolder: (path) => shell.openPath(path),
    copyText: (text) => clipboard.writeText(text),
  };
}
