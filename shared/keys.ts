/**
 * Object keys. A file dropped onto prefix `center/` becomes `center/<name>`;
 * a dropped folder `study/` keeps its own name: `center/study/<path inside>`.
 *
 * Note on the sync job: it copies each object into Synapse as a File, in a
 * Folder for each folder of its key. It skips objects at the bucket root,
 * keys whose first character is a digit (to Python's `str.isdigit`, which
 * counts `１`, `²` and `①` too), and, when the submission profile lists the
 * folders the center syncs, keys outside them. Synapse refuses a File or
 * Folder whose name breaks its rule (SYNAPSE_NAME_RULE), so the copy of such
 * a key fails. A name Windows cannot hold (a device name such as `aux.txt`)
 * syncs, but whoever downloads it to Windows cannot save it. All of these are
 * legal S3 keys, so they are warnings the user confirms, not errors;
 * synapseSafeKey renames a key so Synapse takes it.
 */

export type KeyWarningCode =
  'bucket-root' | 'leading-digit' | 'synapse-name' | 'unsynced-folder' | 'windows-name';

export interface KeyWarning {
  code: KeyWarningCode;
  key: string;
  message: string;
}

/** What the warnings need to know of the submission profile. */
export interface KeyRules {
  /** The top-level folders the center syncs; empty or absent: all of them. */
  syncedFolders?: readonly string[];
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const MAX_KEY_BYTES = 1024;

/**
 * Normalises a user-typed prefix: no leading slash, one trailing slash, or
 * empty for the root; a backslash is a slash and the text is composed (NFC),
 * as in every key (see the note on paths to keys, keyBuilder).
 */
export function normalizePrefix(prefix: string): string {
  const slashed = prefix.trim().normalize('NFC').replace(/\\/g, '/');
  const trimmed = slashed.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * What keyBuilder needs of a platform's paths: node's path module, whose
 * `win32` and `posix` flavours let tests build Windows and macOS or Linux
 * keys on any machine.
 */
export interface PathFlavor {
  readonly sep: string;
  resolve(...paths: string[]): string;
  dirname(path: string): string;
  relative(from: string, to: string): string;
}

/**
 * The keys of what the user dropped as `dropped` (a file or a folder), a
 * path of the platform `path` is for: the function it returns gives the key
 * of `dropped` itself, or of a file inside it.
 *
 * Note on paths to keys, the same on every platform:
 * - The dropped file or folder keeps its own name under the prefix; a drive,
 *   share or filesystem root (`C:\`, `\\server\share`, `/`) has none, so
 *   what is in it goes directly under the prefix.
 * - Windows' long-path forms (`\\?\C:\…`, `\\?\UNC\server\share\…`) are the
 *   same paths as `C:\…` and `\\server\share\…`, and give the same keys.
 * - A backslash is a folder separator in a key on every platform, as on
 *   Windows: a file named `a\b.txt` on a Linux server or share is `a/b.txt`,
 *   the key a Windows user's `a\b.txt` gets and the file a download to
 *   Windows makes (Synapse refuses `\` in a name anyway).
 * - Names are in Unicode's composed form (NFC): macOS may hand a name over
 *   decomposed (NFD, "e" + U+0301), and the same folder must get the same
 *   keys from a Mac as from Windows or Linux, and Synapse's name check must
 *   see the characters a person sees.
 * Two files this gives one key, or keys that differ only in case, are
 * problems named before upload (KeyClaims).
 */
export function keyBuilder(
  prefix: string,
  dropped: string,
  path: PathFlavor,
): (file: string) => string {
  const start = normalizePrefix(prefix);
  // The folder that holds the dropped item; a root is its own.
  const above = path.dirname(path.resolve(withoutLongPathPrefix(dropped, path)));
  const aboveSlash = above.endsWith(path.sep) ? above : above + path.sep;
  return (file) => {
    const full = path.resolve(withoutLongPathPrefix(file, path));
    // What relative() gives for a file inside, at a fraction of its cost: a scan may key 100k files.
    const inside = full.startsWith(aboveSlash)
      ? full.slice(aboveSlash.length)
      : path.relative(above, full);
    return (start + inside.split(/[\\/]/).join('/')).normalize('NFC');
  };
}

/** `\\?\C:\a` as `C:\a`, `\\?\UNC\s\share` as `\\s\share`: node reads `\\?\` as a server. */
function withoutLongPathPrefix(local: string, path: PathFlavor): string {
  if (path.sep !== '\\' || !local.startsWith('\\\\?\\')) return local;
  const rest = local.slice(4);
  return /^UNC\\/i.test(rest) ? `\\\\${rest.slice(4)}` : rest;
}

/**
 * The keys a plan gives out, and to which local files. A file whose key is
 * taken, or differs from a taken one only in upper and lower case, is a
 * problem named before upload: S3 would keep two objects, but Windows and
 * macOS hold one file of that name in a folder, and Synapse one File.
 */
export class KeyClaims {
  /** By the key in lower case: the first file given it. */
  private readonly claims = new Map<string, { key: string; localPath: string }>();

  /** Gives `key` to `localPath`; returns why it cannot have it, or null when it has it. */
  claim(key: string, localPath: string): string | null {
    const folded = key.toLowerCase();
    const first = this.claims.get(folded);
    if (!first) {
      this.claims.set(folded, { key, localPath });
      return null;
    }
    const both = `${printable(first.localPath)} and ${printable(localPath)}`;
    const fix = 'Rename one of them, or upload them to different folders.';
    if (first.key !== key) {
      return `${both} would be uploaded as "${printable(first.key)}" and "${printable(key)}", which differ only in upper and lower case: Windows, macOS and Synapse take them for one name. ${fix}`;
    }
    return `${both} would both be uploaded as "${printable(key)}"${whyOneKey(first.localPath, localPath)}. ${fix}`;
  }
}

/** Why two paths that look different give one key, when that is not plain to see. */
function whyOneKey(a: string, b: string): string {
  if (a.normalize('NFC') === b.normalize('NFC')) {
    return ' (one name written in two Unicode forms: a Mac may write an accent as a separate mark)';
  }
  const slashed = (path: string) => path.replace(/\\/g, '/').normalize('NFC');
  if (slashed(a) === slashed(b)) return ' (a "\\" in a name is a folder separator in a key)';
  return '';
}

/** Returns why a key cannot be used, or null when it can. */
export function keyProblem(key: string): string | null {
  if (key === '') return 'The object key is empty.';
  if (CONTROL_CHARS.test(key)) {
    return `The key "${printable(key)}" contains a control character (such as a line break): rename the file or folder.`;
  }
  const segments = key.split('/');
  if (segments.some((s) => s === '')) {
    return `The key "${key}" has an empty folder name ("//", or a leading or trailing "/").`;
  }
  if (segments.some((s) => s === '.' || s === '..')) {
    return `The key "${key}" contains "." or ".." as a folder name.`;
  }
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
    return `The key "${key.slice(0, 60)}…" is longer than S3's 1024-byte limit.`;
  }
  return null;
}

/**
 * Warnings for keys that upload fine but that the center's sync job will
 * skip or cannot copy, or that Windows cannot hold.
 */
export function keyWarnings(key: string, rules: KeyRules = {}): KeyWarning[] {
  const warnings: KeyWarning[] = [];
  const slash = key.indexOf('/');
  if (slash < 0) {
    warnings.push({
      code: 'bucket-root',
      key,
      message: `"${key}" would sit at the bucket root; the sync job skips objects there. Choose a folder.`,
    });
  }
  if (startsWithDigit(key)) {
    const first = String.fromCodePoint(key.codePointAt(0) ?? 0);
    warnings.push({
      code: 'leading-digit',
      key,
      message: /[0-9]/.test(first)
        ? `"${key}" starts with a digit; the sync job skips such keys. Use a folder or name that starts with a letter.`
        : `"${key}" starts with "${first}", which the sync job counts as a digit; it skips such keys. Use a folder or name that starts with a letter.`,
    });
  }
  const synced = rules.syncedFolders ?? [];
  const folder = key.slice(0, slash);
  if (slash >= 0 && synced.length > 0 && !synced.includes(folder)) {
    warnings.push({
      code: 'unsynced-folder',
      key,
      message: `"${key}" would sit in "${folder}/"; the sync job only copies folders ${synced.join(', ')}. Choose one of them.`,
    });
  }
  const refused = key
    .split('/')
    .map((name) => ({ name, issue: synapseNameIssue(name) }))
    .filter((c): c is { name: string; issue: SynapseNameIssue } => c.issue !== null);
  if (refused.length > 0) {
    const names = refused.map(
      ({ name, issue }) => `"${shortName(name)}" (${describeIssue(issue)})`,
    );
    warnings.push({
      code: 'synapse-name',
      key,
      message: `"${printable(key)}": Synapse refuses the ${refused.length > 1 ? 'names' : 'name'} ${names.join(', ')}, so the sync job cannot copy it. ${SYNAPSE_NAME_RULE}`,
    });
  }
  const unwindows = key.split('/').filter(isWindowsUnfit);
  if (unwindows.length > 0) {
    warnings.push({
      code: 'windows-name',
      key,
      message: `"${printable(key)}": Windows cannot save a file or folder named ${unwindows.map((name) => `"${shortName(name)}"`).join(', ')}, so whoever downloads it to Windows gets an error or another name. ${WINDOWS_NAME_RULE}`,
    });
  }
  return warnings;
}

/**
 * Names a Linux server or share can hold and Synapse takes, but Windows
 * cannot: its device names, with any extension (`CON`, `aux.txt`,
 * `COM1.log`), and names ending in a dot or a space. The characters Windows
 * refuses (`< > : " | ? *`) Synapse refuses too: they are 'synapse-name'.
 */
const WINDOWS_DEVICE_NAME = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/i;
const WINDOWS_NAME_RULE =
  'Windows reserves CON, PRN, AUX, NUL, COM0–COM9 and LPT0–LPT9, with any extension, and drops a dot or space at the end of a name. Rename it if the data will be used on Windows.';

function isWindowsUnfit(name: string): boolean {
  return WINDOWS_DEVICE_NAME.test(name) || /[. ]$/.test(name);
}

/**
 * `key` renamed so that Synapse takes every name in it, changing only what
 * it must: a name Synapse takes stays as it is. In another, each character
 * is decomposed (NFKD) and loses its combining marks (é → e, ① → 1, ﬁ → fi);
 * a character still refused becomes `_`; a name longer than 256 characters
 * is cut, keeping a file's extension. Only the key changes, never the file.
 */
export function synapseSafeKey(key: string): string {
  const names = key.split('/');
  return names.map((name, i) => synapseSafeName(name, i === names.length - 1)).join('/');
}

/** One name of a key made one Synapse takes (see synapseSafeKey); `isFile`: the last one. */
function synapseSafeName(name: string, isFile: boolean): string {
  if (name === '' || synapseNameIssue(name) === null) return name;
  let safe = '';
  for (const c of name) {
    const plain = c.normalize('NFKD').replace(/\p{M}/gu, '');
    safe += plain.replace(SYNAPSE_REFUSED, '') === plain ? plain : '_';
  }
  // Nothing left (only marks), or "." and ".." (from "．"), are not names a key can have.
  if (/^\.{0,2}$/.test(safe)) safe = safe.replace(/\./g, '_') || '_';
  if (safe.length > SYNAPSE_NAME_MAX) {
    const extension = isFile ? (/(?:\.[A-Za-z0-9]{1,16}){1,3}$/.exec(safe)?.[0] ?? '') : '';
    safe = safe.slice(0, SYNAPSE_NAME_MAX - extension.length) + extension;
  }
  return safe;
}

/** `text` with control characters (line breaks, tabs…) written as \u escapes: one line, all visible. */
export function printable(text: string): string {
  return text.replace(
    new RegExp(CONTROL_CHARS.source, 'g'),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The characters that are not decimal digits (`\p{Nd}`) but for which
 * Python's `str.isdigit` is true (Numeric_Type=Digit: superscripts,
 * subscripts, circled and parenthesised digits…). JavaScript has no
 * Numeric_Type property, so the list is Python's, made with
 * `[c for c in range(0x110000) if chr(c).isdigit() and not chr(c).isdecimal()]`;
 * tests/keys.test.ts checks it against the python3 it runs.
 */
const NON_DECIMAL_DIGITS =
  '\\u00B2\\u00B3\\u00B9\\u1369-\\u1371\\u19DA\\u2070\\u2074-\\u2079\\u2080-\\u2089\\u2460-\\u2468' +
  '\\u2474-\\u247C\\u2488-\\u2490\\u24EA\\u24F5-\\u24FD\\u24FF\\u2776-\\u277E\\u2780-\\u2788' +
  '\\u278A-\\u2792\\u{10A40}-\\u{10A43}\\u{10E60}-\\u{10E68}\\u{11052}-\\u{1105A}\\u{1F100}-\\u{1F10A}';
const LEADING_DIGIT = new RegExp(`^[\\p{Nd}${NON_DECIMAL_DIGITS}]`, 'u');

/** Whether the sync job sees a digit first: Python's `key[0].isdigit()`. */
export function startsWithDigit(text: string): boolean {
  return LEADING_DIGIT.test(text);
}

/** Synapse's words for its rule on File and Folder names, which SYNAPSE_REFUSED enforces. */
export const SYNAPSE_NAME_RULE =
  "Synapse names may only contain letters (a-z, A-Z), digits, spaces and _ - . + , ( ) ' and be at most 256 characters long.";
export const SYNAPSE_NAME_MAX = 256;
const SYNAPSE_REFUSED = /[^A-Za-z0-9 _.+,()'-]/gu;
/** Characters that show nothing, or nothing alone: named by code point in a warning. */
const INVISIBLE = /^[\p{C}\p{Z}\p{M}]$/u;

interface SynapseNameIssue {
  /** The characters Synapse refuses, each once, in order of appearance. */
  refused: string[];
  /** The name's length when it is longer than SYNAPSE_NAME_MAX, else null. */
  tooLong: number | null;
}

/** What Synapse refuses in one component of a key, or null; '' is keyProblem's business. */
function synapseNameIssue(name: string): SynapseNameIssue | null {
  const refused = [...new Set(name.match(SYNAPSE_REFUSED) ?? [])];
  const length = [...name].length;
  const tooLong = length > SYNAPSE_NAME_MAX ? length : null;
  return refused.length > 0 || tooLong !== null ? { refused, tooLong } : null;
}

function describeIssue({ refused, tooLong }: SynapseNameIssue): string {
  const parts = [];
  if (refused.length > 0) parts.push(refused.map(describeChar).join(' '));
  if (tooLong !== null) parts.push(`${tooLong} characters long`);
  return parts.join('; ');
}

/** One refused character as a user can see it: itself, or its code point when it is invisible. */
function describeChar(c: string): string {
  if (!INVISIBLE.test(c)) return c;
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A component for a message: whole, unless it is too long to read. */
function shortName(name: string): string {
  const chars = [...name];
  return printable(
    chars.length > 60 ? `${chars.slice(0, 40).join('')}…${chars.slice(-12).join('')}` : name,
  );
}
