import { dirname, resolve } from 'node:path';

/**
 * Note on what main reads (enforced here, in electron/ipc/handlers.ts
 * `uploads:plan`; fed by main's open dialog and by the preload for dropped
 * files, see electron/preload.ts): the renderer is untrusted, so it may only
 * name files the user dropped on the window or chose in main's dialog, or
 * files inside a folder chosen that way. Anything else is refused before it
 * is read.
 */
export class ChosenPaths {
  private readonly roots = new Set<string>();

  /** The user chose these (dialog result, a dropped file's path, the demo's folder). */
  allow(paths: readonly string[]): void {
    for (const path of paths) if (path) this.roots.add(resolve(path));
  }

  /**
   * Whether `path` is a chosen path or lies inside a chosen folder: one
   * lookup per folder above it, however many files were dropped.
   */
  allows(path: string): boolean {
    for (let at = resolve(path); ;) {
      if (this.roots.has(at)) return true;
      const up = dirname(at);
      if (up === at) return false;
      at = up;
    }
  }
}
