import type Database from 'better-sqlite3';

/**
 * One schema step. Version n's migration turns a version n-1 database into
 * version n. Never edit a released migration: add a new one at the end.
 */
export interface Migration {
  version: number;
  description: string;
  up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'uploads and their completed multipart parts',
    // STRICT tables make SQLite refuse a value of the wrong type instead of
    // silently storing it, so a bug in a caller cannot corrupt resumable state.
    // mtime_ms is REAL: fs.Stats.mtimeMs has a fractional part, and resume
    // compares it exactly to decide whether the file changed.
    up: `
      CREATE TABLE uploads (
        id                 TEXT    NOT NULL PRIMARY KEY,
        local_path         TEXT    NOT NULL,
        size               INTEGER NOT NULL CHECK (size >= 0),
        mtime_ms           REAL    NOT NULL,
        bucket             TEXT    NOT NULL,
        key                TEXT    NOT NULL,
        endpoint           TEXT,
        region             TEXT    NOT NULL,
        aws_profile        TEXT,
        submission_profile TEXT    NOT NULL,
        grants             TEXT    NOT NULL,
        part_size          INTEGER NOT NULL CHECK (part_size > 0),
        upload_id          TEXT,
        md5_hex            TEXT,
        md5_base64         TEXT,
        status             TEXT    NOT NULL CHECK (status IN ('queued', 'hashing', 'uploading',
                             'verifying', 'done', 'paused', 'failed', 'cancelled')),
        etag               TEXT,
        version_id         TEXT,
        bytes_uploaded     INTEGER NOT NULL DEFAULT 0,
        attempts           INTEGER NOT NULL DEFAULT 0,
        last_error         TEXT,
        created_at         INTEGER NOT NULL,
        started_at         INTEGER,
        finished_at        INTEGER
      ) STRICT;

      CREATE INDEX uploads_status ON uploads (status);
      CREATE INDEX uploads_created_at ON uploads (created_at);

      -- record_id is uploads.id (Labdrop's id), not S3's UploadId (uploads.upload_id).
      CREATE TABLE parts (
        record_id   TEXT    NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
        part_number INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
        etag        TEXT    NOT NULL,
        size        INTEGER NOT NULL CHECK (size >= 0),
        md5_base64  TEXT    NOT NULL,
        PRIMARY KEY (record_id, part_number)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'saved targets, custom submission profiles, access keys stored by the app',
    // Read and written by electron/services (targets.ts, profiles.ts,
    // credentials.ts). stored_credentials.secret is what the OS keychain
    // (Electron safeStorage) encrypted: the key id and secret never appear in
    // plain text here; key_id_last4 is all a summary shows.
    up: `
      CREATE TABLE targets (
        id                 TEXT    NOT NULL PRIMARY KEY,
        name               TEXT    NOT NULL UNIQUE,
        bucket             TEXT    NOT NULL,
        prefix             TEXT    NOT NULL DEFAULT '',
        endpoint           TEXT,
        region             TEXT    NOT NULL,
        aws_profile        TEXT,
        synapse_id         TEXT    CHECK (synapse_id IS NULL OR synapse_id GLOB 'syn[0-9]*'),
        submission_profile TEXT    NOT NULL DEFAULT 'center',
        created_at         INTEGER NOT NULL,
        last_used_at       INTEGER
      ) STRICT;

      CREATE TABLE submission_profiles (
        name             TEXT    NOT NULL PRIMARY KEY,
        full_control_ids TEXT    NOT NULL,
        md5_metadata_key TEXT    NOT NULL,
        created_at       INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE stored_credentials (
        name         TEXT    NOT NULL PRIMARY KEY,
        key_id_last4 TEXT    NOT NULL,
        region       TEXT,
        secret       BLOB    NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'the Synapse folder label of the target an upload went to',
    up: `ALTER TABLE uploads ADD COLUMN synapse_id TEXT;`,
  },
  {
    version: 4,
    description:
      "CRC32 part checksums: how an open multipart upload checks its parts, the whole file's CRC32, and each part's checksum (an MD5 for uploads begun before)",
    up: `
      ALTER TABLE uploads ADD COLUMN part_checksum TEXT;
      ALTER TABLE uploads ADD COLUMN crc32_base64 TEXT;
      ALTER TABLE parts RENAME COLUMN md5_base64 TO checksum;
    `,
  },
  {
    version: 5,
    description:
      'a pause or cancel another process asks of the one uploading the file, kept apart from its status',
    up: `ALTER TABLE uploads ADD COLUMN requested TEXT CHECK (requested IN ('pause', 'cancel'));`,
  },
  {
    version: 6,
    description:
      'how each object was verified and which check the server applied; endpoints that ignore CRC32 checksums',
    up: `
      ALTER TABLE uploads ADD COLUMN verification TEXT;
      ALTER TABLE uploads ADD COLUMN server_check TEXT;
      CREATE TABLE endpoints (
        endpoint       TEXT    PRIMARY KEY,
        crc32_ignored  INTEGER NOT NULL DEFAULT 0
      ) STRICT;
    `,
  },
  {
    version: 7,
    description:
      "the 'waiting' status (for the network): the uploads table made again with it in its check",
    up: (db) => addStatus(db, "'verifying', 'done'", "'verifying', 'waiting', 'done'"),
  },
  {
    version: 8,
    description:
      "the 'skipped' status, what the review found in the bucket and the bucket's encryption; endpoints that refuse conditional writes; the folders a profile's center syncs; targets whose bucket uses SSE-KMS",
    up: (db) => {
      addStatus(db, "'failed', 'cancelled')", "'failed', 'cancelled', 'skipped')");
      db.exec(`
        ALTER TABLE uploads ADD COLUMN bucket_check TEXT;
        ALTER TABLE uploads ADD COLUMN encryption TEXT;
        -- The review looks up each dropped file's recorded hash by its path (Store.knownHash).
        CREATE INDEX uploads_local_path ON uploads (local_path);
        -- And, where it may not read an object back, which upload wrote it (Store.md5OfUploaded).
        CREATE INDEX uploads_key ON uploads (key);
        ALTER TABLE endpoints ADD COLUMN conditional_writes_ignored INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE submission_profiles ADD COLUMN synced_folders TEXT;
        ALTER TABLE targets ADD COLUMN kms INTEGER NOT NULL DEFAULT 0 CHECK (kms IN (0, 1));
      `);
    },
  },
  {
    version: 9,
    description:
      'uploads sent through S3 Transfer Acceleration (a resume goes the same way), and targets that use it',
    up: `
      ALTER TABLE uploads ADD COLUMN accelerate INTEGER NOT NULL DEFAULT 0 CHECK (accelerate IN (0, 1));
      ALTER TABLE targets ADD COLUMN accelerate INTEGER NOT NULL DEFAULT 0 CHECK (accelerate IN (0, 1));
    `,
  },
  {
    version: 10,
    description:
      'a trigram index of the history, so that a search of a million uploads does not read them all; the uploads of one status by date',
    // Note on searching the history: history_text keeps each upload's local
    // path, bucket and key folded as a search folds them (labdrop_fold, which
    // Store.open registers before it migrates), under the upload's rowid;
    // history_search indexes them by trigram. Triggers keep both in step with
    // uploads, on any connection of Labdrop's. A later migration that makes
    // the uploads table again (remakeUploads) drops these triggers and
    // renumbers rowids: it must make both tables and the triggers again.
    // Store.query (history-search.ts) reads them.
    up: `
      CREATE TABLE history_text (
        id         INTEGER NOT NULL PRIMARY KEY,
        local_path TEXT    NOT NULL,
        bucket     TEXT    NOT NULL,
        key        TEXT    NOT NULL
      ) STRICT;
      -- detail=none keeps the index small; a match is checked on history_text anyway.
      CREATE VIRTUAL TABLE history_search USING fts5 (
        local_path, bucket, key,
        content = 'history_text', content_rowid = 'id',
        tokenize = 'trigram case_sensitive 1', detail = none
      );
      CREATE TRIGGER history_text_insert AFTER INSERT ON history_text BEGIN
        INSERT INTO history_search (rowid, local_path, bucket, key)
          VALUES (new.id, new.local_path, new.bucket, new.key);
      END;
      CREATE TRIGGER history_text_delete AFTER DELETE ON history_text BEGIN
        INSERT INTO history_search (history_search, rowid, local_path, bucket, key)
          VALUES ('delete', old.id, old.local_path, old.bucket, old.key);
      END;
      CREATE TRIGGER uploads_search_insert AFTER INSERT ON uploads BEGIN
        INSERT INTO history_text (id, local_path, bucket, key) VALUES (new.rowid,
          labdrop_fold(new.local_path), labdrop_fold(new.bucket), labdrop_fold(new.key));
      END;
      CREATE TRIGGER uploads_search_update AFTER UPDATE OF local_path, bucket, key ON uploads BEGIN
        DELETE FROM history_text WHERE id = old.rowid;
        INSERT INTO history_text (id, local_path, bucket, key) VALUES (new.rowid,
          labdrop_fold(new.local_path), labdrop_fold(new.bucket), labdrop_fold(new.key));
      END;
      CREATE TRIGGER uploads_search_delete AFTER DELETE ON uploads BEGIN
        DELETE FROM history_text WHERE id = old.rowid;
      END;
      INSERT INTO history_text (id, local_path, bucket, key)
        SELECT rowid, labdrop_fold(local_path), labdrop_fold(bucket), labdrop_fold(key) FROM uploads;
      -- History filtered by a status, newest first, without sorting all of that status.
      CREATE INDEX uploads_status_created_at ON uploads (status, created_at);
    `,
  },
  {
    version: 11,
    description:
      'which process queued an upload that waits its turn, so that another Labdrop leaves it alone',
    // See UploadQueue's note on the uploads waiting their turn: the process
    // that queued them, and when (a pid from before the machine started is
    // someone else's now), without a lock file for each of 100,000 files.
    up: `
      ALTER TABLE uploads ADD COLUMN queued_by INTEGER;
      ALTER TABLE uploads ADD COLUMN queued_at INTEGER;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Adds a status to the uploads table's check: `from`, a run of its list, becomes `to`. */
function addStatus(db: Database.Database, from: string, to: string): void {
  remakeUploads(db, (sql) => {
    const next = sql.replace(from, to);
    if (next === sql) throw new Error('the uploads table has no status check to extend');
    return next;
  });
}

/**
 * Makes the uploads table again from its own CREATE statement as `edit`
 * changes it, since SQLite cannot change a CHECK in place, keeping its rows,
 * indexes and parts (set aside meanwhile: dropping the table would delete
 * them, ON DELETE CASCADE). Not the search's triggers and tables (version 9):
 * see the note on searching the history.
 */
function remakeUploads(db: Database.Database, edit: (createSql: string) => string): void {
  const schema = (type: string, name: string) =>
    (
      db
        .prepare(
          'SELECT sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL',
        )
        .all(type, name) as { sql: string }[]
    ).map((row) => row.sql);
  const [uploads] = schema('table', 'uploads');
  const [parts] = schema('table', 'parts');
  if (!uploads || !parts) throw new Error('the uploads and parts tables are missing');
  const indexes = schema('index', 'uploads');
  const columns = (
    db.prepare("SELECT name FROM pragma_table_info('uploads')").all() as {
      name: string;
    }[]
  )
    .map((row) => row.name)
    .join(', ');
  const next = edit(uploads).replace(/^CREATE TABLE "?uploads"?/, 'CREATE TABLE uploads_next');
  db.exec(`
    CREATE TABLE parts_kept AS SELECT * FROM parts;
    DROP TABLE parts;
    ${next};
    INSERT INTO uploads_next (${columns}) SELECT ${columns} FROM uploads;
    DROP TABLE uploads;
    ALTER TABLE uploads_next RENAME TO uploads;
    ${indexes.map((sql) => `${sql};`).join('\n')}
    ${parts};
    INSERT INTO parts SELECT * FROM parts_kept;
    DROP TABLE parts_kept;
  `);
}

/** The database was written by a Labdrop that knows a later schema than this one. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than this Labdrop knows (${known})`);
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to LATEST_SCHEMA_VERSION and returns the version it
 * started from. All pending steps run in one IMMEDIATE transaction, and the
 * version is read again inside it, so when the app and the CLI open a fresh
 * database at the same moment exactly one of them migrates (the other waits on
 * busy_timeout, then sees the new version) and a crash leaves the old schema.
 */
export function migrate(db: Database.Database): number {
  const check = (version: number): void => {
    if (version > LATEST_SCHEMA_VERSION)
      throw new SchemaTooNewError(version, LATEST_SCHEMA_VERSION);
  };
  const before = schemaVersion(db);
  check(before);
  if (before === LATEST_SCHEMA_VERSION) return before;

  const run = db.transaction((): number => {
    const current = schemaVersion(db);
    check(current);
    for (const step of MIGRATIONS) {
      if (step.version <= current) continue;
      if (typeof step.up === 'string') db.exec(step.up);
      else step.up(db);
      // user_version lives in the database header, so it commits or rolls back with the step.
      db.pragma(`user_version = ${step.version}`);
    }
    return current;
  });
  return run.immediate();
}
