/**
 * Object keys. A file dropped onto prefix `center/` becomes `center/<name>`;
 * a dropped folder `study/` keeps its own name: `center/study/<path inside>`.
 *
 * Note on the sync job: it copies objects into Synapse but skips objects at
 * the bucket root and keys whose first character is a digit. Those keys are
 * legal S3 keys, so they are warnings the user confirms, not errors.
 */

export type KeyWarningCode = 'bucket-root' | 'leading-digit';

export interface KeyWarning {
  code: KeyWarningCode;
  key: string;
  message: string;
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const MAX_KEY_BYTES = 1024;

/** Normalises a user-typed prefix: no leading slash, one trailing slash, or empty for the root. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** Joins a prefix and a relative path (already split into segments) into a key. */
export function buildKey(prefix: string, segments: readonly string[]): string {
  return normalizePrefix(prefix) + segments.join('/');
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

/** Warnings for keys that upload fine but that the center's sync job will skip. */
export function keyWarnings(key: string): KeyWarning[] {
  const warnings: KeyWarning[] = [];
  if (!key.includes('/')) {
    warnings.push({
      code: 'bucket-root',
      key,
      message: `"${key}" would sit at the bucket root; the sync job skips objects there. Choose a folder.`,
    });
  }
  if (/^[0-9]/.test(key)) {
    warnings.push({
      code: 'leading-digit',
      key,
      message: `"${key}" starts with a digit; the sync job skips such keys. Use a folder or name that starts with a letter.`,
    });
  }
  return warnings;
}

/** `text` with control characters (line breaks, tabs…) written as \u escapes: one line, all visible. */
export function printable(text: string): string {
  return text.replace(
    new RegExp(CONTROL_CHARS.source, 'g'),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
