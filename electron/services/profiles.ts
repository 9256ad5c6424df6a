import {
  CENTER_PROFILE,
  CENTER_PROFILE_NAME,
  cleanSyncedFolders,
  parseProfileJson,
  profileNameProblem,
  profileToJson,
  validateProfile,
  type SubmissionProfile,
} from '../../shared/profile';
import type { Store } from '../engine/store';
import { ServiceError } from './service-error';

export interface ProfileView extends SubmissionProfile {
  /** The center's preset: always there, cannot be changed or removed. */
  builtIn: boolean;
  /** The profile a new target gets. */
  isDefault: boolean;
}

interface ProfileRow {
  name: string;
  full_control_ids: string;
  md5_metadata_key: string;
  /** A JSON list of folder names; null: every folder. */
  synced_folders: string | null;
}

/**
 * Submission profiles: the center's preset (the default) and custom ones a
 * lab made, imported or exported as JSON files (format in shared/profile.ts).
 */
export class ProfileStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private columns(): string {
    return 'name, full_control_ids, md5_metadata_key, synced_folders';
  }

  list(): ProfileView[] {
    const custom = this.store.withDatabase(
      (db) =>
        db
          .prepare(`SELECT ${this.columns()} FROM submission_profiles ORDER BY name`)
          .all() as ProfileRow[],
    );
    return [
      { ...CENTER_PROFILE, builtIn: true, isDefault: true },
      ...custom.map((row) => ({ ...fromRow(row), builtIn: false, isDefault: false })),
    ];
  }

  get(name: string): SubmissionProfile | undefined {
    if (name === CENTER_PROFILE_NAME) return CENTER_PROFILE;
    const row = this.store.withDatabase(
      (db) =>
        db.prepare(`SELECT ${this.columns()} FROM submission_profiles WHERE name = ?`).get(name) as
          ProfileRow | undefined,
    );
    return row && fromRow(row);
  }

  /** The profile `name`, or an error that says which ones exist. */
  require(name: string): SubmissionProfile {
    const profile = this.get(name);
    if (!profile) {
      throw new ServiceError(
        'UnknownProfile',
        `There is no submission profile "${name}". Known profiles: ${this.list()
          .map((p) => p.name)
          .join(', ')}.`,
      );
    }
    return profile;
  }

  /** Adds a custom profile, or replaces one when `replace` is set. */
  save(profile: SubmissionProfile, options: { replace?: boolean } = {}): SubmissionProfile {
    const syncedFolders = cleanSyncedFolders(profile.syncedFolders);
    const clean: SubmissionProfile = {
      name: profile.name.trim(),
      fullControlIds: profile.fullControlIds.map((id) => id.trim().toLowerCase()),
      md5MetadataKey: profile.md5MetadataKey.trim(),
      ...(syncedFolders && { syncedFolders }),
    };
    const problems = [profileNameProblem(clean.name), ...validateProfile(clean)].filter(
      (p): p is string => p !== null,
    );
    if (problems.length > 0) throw new ServiceError('BadProfile', problems.join('\n'));
    if (clean.name === CENTER_PROFILE_NAME) {
      throw new ServiceError(
        'ProfileReadOnly',
        `"${CENTER_PROFILE_NAME}" is the center's preset and cannot be replaced; give your profile another name.`,
      );
    }
    if (!options.replace && this.get(clean.name)) {
      throw new ServiceError(
        'ProfileExists',
        `A submission profile "${clean.name}" already exists. Remove it first, or choose to replace it.`,
      );
    }
    const row = [
      clean.name,
      JSON.stringify(clean.fullControlIds),
      clean.md5MetadataKey,
      this.now(),
    ];
    this.store.withDatabase((db) =>
      db
        .prepare(
          `INSERT INTO submission_profiles
             (name, full_control_ids, md5_metadata_key, created_at, synced_folders)
             VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET full_control_ids = excluded.full_control_ids,
             md5_metadata_key = excluded.md5_metadata_key, synced_folders = excluded.synced_folders`,
        )
        .run(...row, syncedFolders ? JSON.stringify(syncedFolders) : null),
    );
    return clean;
  }

  /** Reads an exported profile file's text; refuses it with every problem found. */
  importJson(text: string, options: { replace?: boolean } = {}): SubmissionProfile {
    const parsed = parseProfileJson(text);
    if (!parsed.ok) throw new ServiceError('BadProfile', parsed.problems.join('\n'));
    return this.save(parsed.profile, options);
  }

  /** The file text for `name` (the center's preset too, to hand to another lab). */
  exportJson(name: string): string {
    return profileToJson(this.require(name));
  }

  /** Removes a custom profile that no saved target uses. */
  remove(name: string): boolean {
    if (name === CENTER_PROFILE_NAME) {
      throw new ServiceError(
        'ProfileReadOnly',
        `"${CENTER_PROFILE_NAME}" is the center's preset and cannot be removed.`,
      );
    }
    const users = this.store.withDatabase(
      (db) =>
        db
          .prepare('SELECT name FROM targets WHERE submission_profile = ? ORDER BY name')
          .all(name) as {
          name: string;
        }[],
    );
    if (users.length > 0) {
      throw new ServiceError(
        'ProfileInUse',
        `The submission profile "${name}" is used by the saved target${users.length > 1 ? 's' : ''} ${users.map((u) => `"${u.name}"`).join(', ')}. Change or remove ${users.length > 1 ? 'them' : 'it'} first.`,
      );
    }
    return this.store.withDatabase(
      (db) => db.prepare('DELETE FROM submission_profiles WHERE name = ?').run(name).changes > 0,
    );
  }
}

function fromRow(row: ProfileRow): SubmissionProfile {
  const syncedFolders =
    row.synced_folders === null ? undefined : (JSON.parse(row.synced_folders) as string[]);
  return {
    name: row.name,
    fullControlIds: JSON.parse(row.full_control_ids) as string[],
    md5MetadataKey: row.md5_metadata_key,
    ...(syncedFolders && syncedFolders.length > 0 && { syncedFolders }),
  };
}
