import { z } from 'zod';
import { keyProblem, printable } from './keys';

/**
 * Submission profiles: who gets full control of every object, the
 * `content-md5` metadata rule, and which folders the center's sync job
 * copies. The center's preset is the default.
 */
export interface SubmissionProfile {
  name: string;
  /** Canonical user IDs granted FULL_CONTROL on every object (64 hex characters each). */
  fullControlIds: string[];
  /** User-metadata key that carries base64(raw MD5) of the whole file. */
  md5MetadataKey: string;
  /**
   * The top-level folders of the bucket the center's sync job copies; absent
   * or empty: all of them. Keys outside them get an 'unsynced-folder' warning
   * (shared/keys.ts, "Note on the sync job").
   */
  syncedFolders?: string[];
}

export const CENTER_PROFILE: SubmissionProfile = {
  name: 'center',
  fullControlIds: [
    'd9df08ac799f2859d42a588b415111314cf66d0ffd072195f33b921db966b440',
    'eab4436941f355ce866fcf7944db42020c385ad1f19df8a95704dc4d7552fa06',
  ],
  md5MetadataKey: 'content-md5',
};

const CANONICAL_ID = /^[0-9a-f]{64}$/;

export function validateProfile(profile: SubmissionProfile): string[] {
  const problems: string[] = [];
  if (profile.fullControlIds.length === 0) {
    problems.push(`Profile "${profile.name}" grants full control to nobody; add a canonical ID.`);
  }
  for (const id of profile.fullControlIds) {
    const problem = canonicalIdProblem(id);
    if (problem) problems.push(problem);
  }
  if (!/^[a-z0-9-]+$/.test(profile.md5MetadataKey)) {
    problems.push(`"${profile.md5MetadataKey}" is not a valid metadata key.`);
  }
  const folders = profile.syncedFolders ?? [];
  for (const folder of folders) {
    const problem = syncedFolderProblem(folder);
    if (problem) problems.push(problem);
  }
  for (const folder of new Set(folders.filter((f, i) => folders.indexOf(f) !== i))) {
    problems.push(`The synced folder "${folder}" is listed twice.`);
  }
  return problems;
}

/** Why `folder` cannot be one of a profile's synced folders, or null when it can. */
export function syncedFolderProblem(folder: string): string | null {
  // keyProblem: not empty, ".", "..", a control character or too long.
  if (folder.includes('/') || keyProblem(folder) !== null) {
    return `"${printable(folder)}" is not a synced folder: give the name of one folder at the top of the bucket, such as "raw-data".`;
  }
  return null;
}

/**
 * Synced folders as a profile keeps them: trimmed, without the slashes a
 * user may type around a folder ("raw/"), and absent rather than empty
 * (both mean every folder).
 */
export function cleanSyncedFolders(folders: readonly string[] | undefined): string[] | undefined {
  const clean = (folders ?? []).map((f) => f.trim().replace(/^\/+|\/+$/g, ''));
  return clean.length > 0 ? clean : undefined;
}

/** Why `id` is not a canonical user ID (64 lowercase hexadecimal characters), or null. */
export function canonicalIdProblem(id: string): string | null {
  if (CANONICAL_ID.test(id)) return null;
  const start = `"${id}" is not a canonical user ID`;
  if (/^[0-9a-fA-F]{64}$/.test(id)) return `${start}: write it in lower case.`;
  const notHex = /[^0-9a-fA-F]/.test(id) ? ', and not all of them are 0-9 or a-f' : '';
  return `${start}: it must be exactly 64 hexadecimal characters (0-9, a-f), but it has ${id.length}${notHex}. Copy it again from the center's instructions.`;
}

/** The `x-amz-grant-full-control` value: what `aws s3 cp --grants full=id=…,id=…` sends. */
export function grantFullControlHeader(profile: SubmissionProfile): string {
  return profile.fullControlIds.map((id) => `id=${id}`).join(', ');
}

/** The name of the built-in preset; it cannot be replaced or removed. */
export const CENTER_PROFILE_NAME = CENTER_PROFILE.name;

/** What an exported profile file says it is, so any other JSON is refused with a clear message. */
export const PROFILE_FILE_FORMAT = 'labdrop-submission-profile';
/**
 * Version 2 added `syncedFolders`. A profile without them is still written as
 * version 1, so every Labdrop reads it; one with them says 2, so an older
 * Labdrop refuses it instead of importing it without its folders.
 */
export const PROFILE_FILE_VERSION = 2;

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why a profile name cannot be used, or null when it can. */
export function profileNameProblem(name: string): string | null {
  if (!PROFILE_NAME.test(name)) {
    return `"${name}" is not a usable profile name: use 1 to 64 letters, digits, dots, hyphens or underscores, starting with a letter or digit.`;
  }
  return null;
}

/** The file `labdrop profiles export` writes and `import` reads. */
export function profileToJson(profile: SubmissionProfile): string {
  const file = {
    format: PROFILE_FILE_FORMAT,
    version: 1,
    name: profile.name,
    fullControlIds: profile.fullControlIds,
    md5MetadataKey: profile.md5MetadataKey,
  };
  const syncedFolders = cleanSyncedFolders(profile.syncedFolders);
  const versioned = syncedFolders ? { ...file, version: 2, syncedFolders } : file;
  return `${JSON.stringify(versioned, null, 2)}\n`;
}

export type ParsedProfile =
  { ok: true; profile: SubmissionProfile } | { ok: false; problems: string[] };

/**
 * Reads an exported profile file. Canonical IDs are trimmed and lower-cased
 * (S3 shows them in lower case); anything that is not 64 hexadecimal
 * characters is refused, so a mistyped ID is caught before any upload.
 */
export function parseProfileJson(text: string): ParsedProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['This file is not JSON, so it is not a Labdrop profile.'] };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: ['This file is not a Labdrop submission profile.'] };
  }
  const file = raw as Record<string, unknown>;
  if (file.format !== PROFILE_FILE_FORMAT) {
    return {
      ok: false,
      problems: [
        `This file is not a Labdrop submission profile (it should say "format": "${PROFILE_FILE_FORMAT}").`,
      ],
    };
  }
  if (typeof file.version !== 'number' || file.version > PROFILE_FILE_VERSION) {
    return {
      ok: false,
      problems: [
        `This profile file was written by a newer Labdrop (version ${String(file.version)}); install the latest Labdrop to import it.`,
      ],
    };
  }
  const problems: string[] = [];
  const name = typeof file.name === 'string' ? file.name.trim() : '';
  const nameProblem = profileNameProblem(name);
  if (nameProblem) problems.push(nameProblem);
  if (!Array.isArray(file.fullControlIds) || !file.fullControlIds.every(isString)) {
    problems.push('"fullControlIds" must be a list of canonical user IDs.');
    return { ok: false, problems };
  }
  const fullControlIds = file.fullControlIds.map((id) => id.trim().toLowerCase());
  const md5MetadataKey = file.md5MetadataKey ?? CENTER_PROFILE.md5MetadataKey;
  if (typeof md5MetadataKey !== 'string') {
    problems.push('"md5MetadataKey" must be a metadata key such as "content-md5".');
    return { ok: false, problems };
  }
  const folders = SyncedFoldersField.safeParse(file.syncedFolders);
  if (!folders.success) {
    problems.push(
      '"syncedFolders" must be a list of folder names, such as ["raw-data", "processed"].',
    );
    return { ok: false, problems };
  }
  const syncedFolders = cleanSyncedFolders(folders.data);
  const profile: SubmissionProfile = {
    name,
    fullControlIds,
    md5MetadataKey,
    ...(syncedFolders && { syncedFolders }),
  };
  problems.push(...validateProfile(profile));
  const seen = new Set<string>();
  for (const id of fullControlIds) {
    if (seen.has(id)) problems.push(`The canonical ID ${id} is listed twice.`);
    seen.add(id);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, profile };
}

/** Absent in version 1 files and in profiles that sync every folder. */
const SyncedFoldersField = z.array(z.string()).optional();

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
