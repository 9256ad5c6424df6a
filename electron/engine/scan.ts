import { constants } from 'node:fs';
import { access, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, posix, resolve, win32 } from 'node:path';
import {
  KeyClaims,
  keyBuilder,
  keyProblem,
  keyWarnings,
  printable,
  synapseSafeKey,
  type KeyRules,
  type KeyWarning,
} from '../../shared/keys';
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
  /** Keys the center's sync job would skip or cannot copy; the user confirms before uploading. */
  warnings: KeyWarning[];
}

/** A key renameForSynapse changed. */
export interface KeyRename {
  from: string;
  to: string;
}

/** This platform's paths, for keyBuilder (tests give it Windows' or macOS's). */
const PATHS = process.platform === 'win32' ? win32 : posix;

/** Operating-system clutter nobody means to submit. */
const IGNORED_NAMES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * Expands dropped files and folders into the objects they become. A folder
 * keeps its own name under the prefix. Symbolic links are followed, as
 * `aws s3 cp --recursive` does (lab folders often link to where the raw data
 * lives): a link is uploaded as what it points to, under the link's name. A
 * link to nothing, or back to a folder it is in, is a problem to fix first.
 * `rules`: what the warnings need of the submission profile (its synced folders).
 */
export async function planUpload(
  paths: readonly string[],
  prefix: string,
  rules: KeyRules = {},
): Promise<Plan> {
  const plan: Plan = { files: [], problems: [], warnings: [] };
  const claims = new KeyClaims();

  /** `keyOf`: the keys of the path the user named that `localPath` is, or is in. */
  type KeyOf = (file: string) => string;
  const addFile = async (localPath: string, keyOf: KeyOf) => {
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
    const key = keyOf(localPath);
    const problem = keyProblem(key);
    if (problem) {
      plan.problems.push(`${printable(localPath)}: ${problem}`);
      return;
    }
    const taken = claims.claim(key, localPath);
    if (taken) {
      plan.problems.push(taken);
      return;
    }
    plan.warnings.push(...keyWarnings(key, rules));
    plan.files.push({ localPath, key, size: info.size, mtimeMs: info.mtimeMs });
  };

  /** `above`: the real paths of the folders this one is in, to stop a link loop. */
  const walk = async (dir: string, keyOf: KeyOf, above: ReadonlySet<string>) => {
    let entries;
    let real;
    try {
      real = await realpath(dir);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      plan.problems.push(describeFsError(error, dir));
      return;
    }
    if (above.has(real)) {
      plan.problems.push(
        `${dir} is a link back to a folder it is in (${real}). Remove the link, or choose the folders under it.`,
      );
      return;
    }
    const within = new Set(above).add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (IGNORED_NAMES.has(entry.name)) continue;
      const child = join(dir, entry.name);
      if (entry.isDirectory()) await walk(child, keyOf, within);
      else if (entry.isFile()) await addFile(child, keyOf);
      else if (entry.isSymbolicLink()) await addPath(child, keyOf, within);
    }
  };

  /** A path named, or a link found in a folder: what it is, or points to, is added. */
  const addPath = async (path: string, keyOf: KeyOf, above: ReadonlySet<string>) => {
    let target;
    try {
      target = await stat(path);
    } catch (error) {
      const to = await readlink(path).catch(() => null);
      plan.problems.push(
        (error as { code?: string }).code === 'ENOENT' && to !== null
          ? `${path} is a link to ${to}, which does not exist. Remove the link, or put back what it points to.`
          : describeFsError(error, path),
      );
      return;
    }
    if (target.isDirectory()) await walk(path, keyOf, above);
    else await addFile(path, keyOf);
  };

  for (const given of paths) {
    const localPath = resolve(given);
    await addPath(localPath, keyBuilder(prefix, localPath, PATHS), new Set());
  }
  return plan;
}

/**
 * `plan` with its keys renamed so that Synapse takes every name in them
 * (synapseSafeKey), and its warnings made again for the new keys with the
 * same `rules`. Only keys change, never files. Two files that the renaming
 * sends to one key (or to keys that differ only in case) are a problem, as in
 * planUpload: a key the user chose keeps its file, a renamed one gives way.
 */
export function renameForSynapse(
  plan: Plan,
  rules: KeyRules = {},
): { plan: Plan; renames: KeyRename[] } {
  const renamed = plan.files.map((file) => ({ file, key: synapseSafeKey(file.key) }));
  const claims = new KeyClaims();
  // Kept keys first, so that they keep their files. planUpload gave them out:
  // they never collide with each other.
  for (const { file, key } of renamed) if (key === file.key) claims.claim(key, file.localPath);
  const problems = [...plan.problems];
  const renames: KeyRename[] = [];
  const files: PlannedFile[] = [];
  for (const { file, key } of renamed) {
    if (key !== file.key) {
      // A renamed key can outgrow S3's limit: NFKD makes some characters several.
      const problem = keyProblem(key);
      if (problem) {
        problems.push(`${printable(file.localPath)}: ${problem}`);
        continue;
      }
      const taken = claims.claim(key, file.localPath);
      if (taken) {
        problems.push(taken);
        continue;
      }
      renames.push({ from: file.key, to: key });
    }
    files.push({ ...file, key });
  }
  const warnings = files.flatMap((file) => keyWarnings(file.key, rules));
  return { plan: { files, problems, warnings }, renames };
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
