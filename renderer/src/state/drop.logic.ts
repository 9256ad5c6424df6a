import type { FileLike } from '../../../shared/ipc';

/**
 * The paths of dropped files and folders. Items without a path (dragged from
 * a web page or another app's memory) are counted, not uploaded.
 */
export function droppedPaths(
  files: ArrayLike<FileLike>,
  pathFor: (file: FileLike) => string,
): { paths: string[]; withoutPath: number } {
  const paths: string[] = [];
  let withoutPath = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    if (!file) continue;
    const path = pathFor(file);
    if (path) paths.push(path);
    else withoutPath++;
  }
  return { paths, withoutPath };
}

/** Adds paths to a pending selection, once each, keeping the order they came in. */
export function mergePaths(existing: readonly string[], added: readonly string[]): string[] {
  const seen = new Set(existing);
  const merged = [...existing];
  for (const path of added) {
    if (!seen.has(path)) {
      seen.add(path);
      merged.push(path);
    }
  }
  return merged;
}

/**
 * Paths dropped or chosen while a plan is being added: kept, once each, for a
 * plan of their own after the add, without the ones main is adding already.
 */
export function laterPaths(
  adding: readonly string[],
  waiting: readonly string[],
  added: readonly string[],
): string[] {
  const busy = new Set(adding);
  return mergePaths(
    waiting,
    added.filter((path) => !busy.has(path)),
  );
}
