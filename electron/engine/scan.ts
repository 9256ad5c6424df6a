import { accessSync, constants, statSync, type Stats } from 'node:fs';
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
import { mapLimited } from './limiter';

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

/**
 * Operating-system clutter nobody means to submit: Finder's and Explorer's
 * files, and the folders macOS and Windows keep at the top of a drive.
 */
const IGNORED_NAMES = new Set([
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
  '.Spotlight-V100',
  '.fseventsd',
  '.Trashes',
  '.TemporaryItems',
  '$RECYCLE.BIN',
  'System Volume Information',
]);

/**
 * Whether an entry is clutter: one of IGNORED_NAMES, or the "._name" file
 * macOS writes beside `name` on a share or a drive that cannot keep its
 * extended attributes (AppleDouble). A "._name" with no `name` is kept.
 */
function isClutter(name: string, names: ReadonlySet<string>): boolean {
  return IGNORED_NAMES.has(name) || (name.startsWith('._') && names.has(name.slice(2)));
}

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
  // The walk lists folders in order; the files it finds are looked at
  // (stat, access) afterwards, all together (lookAtAll), and taken in the
  // walk's order: the same plan as one file at a time, in a fraction of the
  // time for a folder of 100,000 files.
  const found: Found[] = [];

  /** `keyOf`: the keys of the path the user named that `localPath` is, or is in. */
  const addFile = (localPath: string, keyOf: KeyOf) => {
    found.push({ localPath, keyOf });
  };

  /** `above`: the real paths of the folders this one is in, to stop a link loop. */
  const walk = async (dir: string, keyOf: KeyOf, above: ReadonlySet<string>) => {
    let entries;
    let real;
    try {
      real = await realpath(dir);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      found.push(describeFsError(error, dir));
      return;
    }
    if (above.has(real)) {
      found.push(
        `${dir} is a link back to a folder it is in (${real}). Remove the link, or choose the folders under it.`,
      );
      return;
    }
    const within = new Set(above).add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = new Set(entries.map((entry) => entry.name));
    for (const entry of entries) {
      if (isClutter(entry.name, names)) continue;
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
      found.push(
        (error as { code?: string }).code === 'ENOENT' && to !== null
          ? `${path} is a link to ${to}, which does not exist. Remove the link, or put back what it points to.`
          : describeFsError(error, path),
      );
      return;
    }
    if (target.isDirectory()) await walk(path, keyOf, above);
    else addFile(path, keyOf);
  };

  for (const given of paths) {
    const localPath = resolve(given);
    await addPath(localPath, keyBuilder(prefix, localPath, PATHS), new Set());
  }

  const looked = await lookAtAll(found);

  const plan: Plan = { files: [], problems: [], warnings: [] };
  const claims = new KeyClaims();
  for (const item of looked) {
    if (typeof item === 'string') {
      plan.problems.push(item);
      continue;
    }
    const { localPath, keyOf, size, mtimeMs } = item;
    if (!item.isFile) {
      plan.problems.push(`${localPath} is not a regular file.`);
      continue;
    }
    if (size > MAX_OBJECT_SIZE) {
      plan.problems.push(`${localPath} is larger than S3's 5 TiB object limit.`);
      continue;
    }
    const key = keyOf(localPath);
    const problem = keyProblem(key);
    if (problem) {
      plan.problems.push(`${printable(localPath)}: ${problem}`);
      continue;
    }
    const taken = claims.claim(key, localPath);
    if (taken) {
      plan.problems.push(taken);
      continue;
    }
    for (const warning of keyWarnings(key, rules)) plan.warnings.push(warning);
    plan.files.push({ localPath, key, size, mtimeMs });
  }
  return plan;
}

/** The key of a file under the path the user named that it is, or is in (keyBuilder). */
type KeyOf = (file: string) => string;

interface FoundFile {
  localPath: string;
  keyOf: KeyOf;
}

/** A file the walk found (to look at), or a problem it met, in the walk's order. */
type Found = FoundFile | string;

/** What the plan needs of a file (100,000 fs.Stats would hold 100 MB), or its problem. */
type Looked = (FoundFile & { isFile: boolean; size: number; mtimeMs: number }) | string;

/** Main-thread time spent looking at files before the event loop gets a turn. */
const SLICE_MS = 8;
/** A stat slower than this is not a local disk's: the rest go to the thread pool. */
const SLOW_CALL_MS = 20;
/** Files looked at at once on the thread pool: enough to keep its four threads busy. */
const FILES_AT_ONCE = 32;

function looked(item: FoundFile, info: Stats): Looked {
  return { ...item, isFile: info.isFile(), size: info.size, mtimeMs: info.mtimeMs };
}

function lookSync(item: FoundFile): Looked {
  try {
    const info = statSync(item.localPath);
    accessSync(item.localPath, constants.R_OK);
    return looked(item, info);
  } catch (error) {
    return describeFsError(error, item.localPath);
  }
}

async function lookAsync(item: Found): Promise<Looked> {
  if (typeof item === 'string') return item;
  try {
    const [info] = await Promise.all([
      stat(item.localPath),
      access(item.localPath, constants.R_OK),
    ]);
    return looked(item, info);
  } catch (error) {
    return describeFsError(error, item.localPath);
  }
}

/**
 * Looks at every file the walk found, in its order. On a local disk a stat
 * takes microseconds and a round trip to the thread pool ten times that
 * (100,000 files: under a second against five or more), so they are made
 * here, SLICE_MS at a time between turns of the event loop. A slow one (a
 * network share) sends the rest to the thread pool, where a slow disk does
 * not hold up the main thread.
 */
async function lookAtAll(found: readonly Found[]): Promise<Looked[]> {
  const done: Looked[] = [];
  while (done.length < found.length) {
    const slice = performance.now();
    while (done.length < found.length && performance.now() - slice < SLICE_MS) {
      const item = found[done.length] as Found;
      const started = performance.now();
      done.push(typeof item === 'string' ? item : lookSync(item));
      if (performance.now() - started > SLOW_CALL_MS) {
        const rest = await mapLimited(found.slice(done.length), FILES_AT_ONCE, lookAsync);
        return [...done, ...rest];
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done;
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
