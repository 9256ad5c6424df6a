import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { buildKey, keyProblem, keyWarnings, type KeyWarning } from '../../shared/keys';
import { MAX_OBJECT_SIZE } from '../../shared/parts';

export interface PlannedFile {
  localPath: string;
  key: string;
  size: number;
  mtimeMs: number;
}

export interface Plan {
  files: PlannedFile[];
  /** Reasons the batch cannot start; nothing is uploaded while there are any. */
  problems: string[];
  /** Keys the center's sync job would skip; the user confirms before uploading. */
  warnings: KeyWarning[];
}

/** Operating-system clutter nobody means to submit. */
const IGNORED_NAMES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * Expands dropped files and folders into the objects they become. A folder
 * keeps its own name under the prefix; symbolic links to folders are not
 * followed (they could loop), links to files are uploaded as the file.
 */
export async function planUpload(paths: readonly string[], prefix: string): Promise<Plan> {
  const plan: Plan = { files: [], problems: [], warnings: [] };
  const seen = new Map<string, string>();

  const addFile = async (localPath: string, segments: string[]) => {
    let info;
    try {
      info = await stat(localPath);
      await access(localPath, constants.R_OK);
    } catch (error) {
      plan.problems.push(describeFsError(error, localPath));
      return;
    }
    if (!info.isFile()) {
      plan.problems.push(`${localPath} is not a regular file.`);
      return;
    }
    if (info.size > MAX_OBJECT_SIZE) {
      plan.problems.push(`${localPath} is larger than S3's 5 TiB object limit.`);
      return;
    }
    const key = buildKey(prefix, segments);
    const problem = keyProblem(key);
    if (problem) {
      plan.problems.push(`${localPath}: ${problem}`);
      return;
    }
    const other = seen.get(key);
    if (other) {
      plan.problems.push(`${other} and ${localPath} would both be uploaded as "${key}".`);
      return;
    }
    seen.set(key, localPath);
    plan.warnings.push(...keyWarnings(key));
    plan.files.push({ localPath, key, size: info.size, mtimeMs: info.mtimeMs });
  };

  const walk = async (dir: string, segments: string[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      plan.problems.push(describeFsError(error, dir));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (IGNORED_NAMES.has(entry.name)) continue;
      const child = join(dir, entry.name);
      if (entry.isDirectory()) await walk(child, [...segments, entry.name]);
      else if (entry.isFile()) await addFile(child, [...segments, entry.name]);
      else if (entry.isSymbolicLink()) {
        const target = await stat(child).catch(() => null);
        if (target?.isFile()) await addFile(child, [...segments, entry.name]);
      }
    }
  };

  for (const given of paths) {
    const localPath = resolve(given);
    const info = await lstat(localPath).catch((error: unknown) => error);
    if (info instanceof Error) {
      plan.problems.push(describeFsError(info, localPath));
    } else if ((info as Awaited<ReturnType<typeof lstat>>).isDirectory()) {
      await walk(localPath, [basename(localPath)]);
    } else {
      await addFile(localPath, [basename(localPath)]);
    }
  }
  return plan;
}

export function describeFsError(error: unknown, path: string): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return `${path} does not exist.`;
    case 'EACCES':
    case 'EPERM':
      return `${path} cannot be read: permission denied. Check its permissions.`;
    case 'ENOTDIR':
      return `${path} is not a folder.`;
    default:
      return `${path} cannot be read: ${(error as Error).message}`;
  }
}
