import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  isActive,
  isFinal,
  isUnfinished,
  nextStatus,
  UPLOAD_STATUSES,
  type UploadEvent,
  type UploadRequest,
  type UploadStatus,
} from '../../shared/lifecycle';
import type { HistoryPage, HistoryQuery, Md5, UploadRecord } from '../../shared/types';
import { defaultDatabasePath } from './app-home';
import { LATEST_SCHEMA_VERSION, migrate } from './migrations';
import { describeStoreFailure, StoreError } from './store-error';
import {
  COUNT_CAP,
  countHistory,
  cursorOf,
  fold,
  historySql,
  queryHistory,
  searchHistory,
  type Prepare,
} from './history-search';
import { COLUMNS, FIELDS, fromRow, newRecord, toSql, type NewUpload, type Row } from './upload-row';

export { StoreError, type StoreErrorCode } from './store-error';
export type { NewUpload } from './upload-row';

export interface CompletedPart {
  partNumber: number;
  etag: string;
  size: number;
  /** Base64 of the part's CRC32, or of its MD5 when the upload's partChecksum is null. */
  checksum: string;
}

export interface StoreOptions {
  /** How long to wait for another process (the CLI while the app runs) to finish writing. */
  busyTimeoutMs?: number;
  /** better-sqlite3's compiled addon, when the default one was built for another Node ABI (Electron in development). */
  nativeBinding?: string;
}

/** The process that queued an upload waiting its turn, and when (see Store.markQueued). */
export interface QueuedBy {
  pid: number;
  at: number;
}

/** What a writer may change of an upload besides its status, which moves only by transition(). */
export type UploadPatch = Partial<Omit<UploadRecord, 'id' | 'status' | 'requested'>>;

const UNFINISHED_STATUSES = UPLOAD_STATUSES.filter(isUnfinished);
const FINAL_STATUSES = UPLOAD_STATUSES.filter(isFinal);

/** The lastError code of a cancelled upload whose parts or object could not be removed. */
export const CANCEL_INCOMPLETE = 'CancelIncomplete';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

type Prepared = ReturnType<Prepare>;

function checkStatus(status: unknown, file: string): void {
  if (!UPLOAD_STATUSES.includes(status as UploadStatus)) {
    throw new StoreError('InvalidValue', `"${String(status)}" is not an upload status.`, file);
  }
}

/**
 * Upload state and history in one SQLite file, shared by the desktop app and
 * the CLI (possibly at the same time).
 *
 * Durability: WAL journal with synchronous = NORMAL: a commit survives a
 * crash or kill -9 of Labdrop (the WAL is in the OS's cache), but the last
 * ones can be lost on power loss or an OS crash. Each such loss is recovered
 * on resume: a part S3 has but the record lost is kept by its ETag
 * (reconcileParts), a finished object by its size and content-md5
 * (uploadedAlready). The one loss that costs money is the row that records a
 * new S3 UploadId (an orphaned multipart upload the bucket keeps and bills
 * for), so after that commit the queue awaits sync(), which fsyncs the WAL
 * on the thread pool: what synchronous = FULL does, without blocking the
 * main thread 1–5 ms (0.6 s per 200 files) while it is also sending parts.
 * WAL also lets one process read history while the other writes.
 */
export class Store {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly rowStatements = new Map<string, Prepared>();

  private constructor(
    private readonly db: Database.Database,
    /** The database file, for messages. */
    readonly path: string,
  ) {}

  /** Opens (creating folders and file if needed) and migrates the database at `file`. */
  static open(file: string, options: StoreOptions = {}): Store {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const busyTimeoutMs = Math.max(
        0,
        Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS),
      );
      // busy timeout first, so every later statement, even switching to WAL,
      // waits for the other process instead of failing at once.
      db = new Database(file, {
        timeout: busyTimeoutMs,
        ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      });
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // Persistent; if the file system cannot do WAL (some network shares),
      // SQLite keeps its rollback journal, which syncs at every commit anyway.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // Case-insensitive search that also works for non-ASCII names (SQLite's
      // own lower() and LIKE only fold ASCII); the search's triggers and
      // migration 10 call it (see the note on searching the history).
      db.function('labdrop_fold', { deterministic: true }, (text: unknown) => fold(text));
      migrate(db);
      return new Store(db, file);
    } catch (err) {
      db?.close();
      throw describeStoreFailure(err, file);
    }
  }

  /** Opens `<appHome()>/labdrop.db`. */
  static openDefault(env: NodeJS.ProcessEnv = process.env, options: StoreOptions = {}): Store {
    return Store.open(defaultDatabasePath(env), options);
  }

  /** The schema version this build writes. */
  static readonly schemaVersion = LATEST_SCHEMA_VERSION;

  /** Records a new upload, queued, with `patch`'s fields set in the same write. */
  createUpload(rec: NewUpload, patch: UploadPatch = {}): UploadRecord {
    this.patchFields(patch);
    const record = { ...newRecord(rec), ...definedFields(patch) };
    const columns = FIELDS.map((f) => COLUMNS[f]);
    const values = FIELDS.map((f) => toSql(f, record[f]));
    return this.guard(() => {
      try {
        // RETURNING gives back exactly what was stored (e.g. a missing endpoint as null).
        const row = this.sql(
          `INSERT INTO uploads (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
           RETURNING *`,
        ).get(values) as Row;
        return fromRow(row);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new StoreError(
            'DuplicateUpload',
            `An upload with id ${rec.id} is already in ${this.path}.`,
            this.path,
            { cause: err },
          );
        }
        throw err;
      }
    });
  }

  getUpload(id: string): UploadRecord | undefined {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM uploads WHERE id = ?').get(id) as Row | undefined;
      return row && fromRow(row);
    });
  }

  /** These uploads, in this order; ids not in the store are left out (one read per 500). */
  getUploads(ids: readonly string[]): UploadRecord[] {
    const byId = new Map<string, UploadRecord>();
    this.guard(() => {
      inChunks(ids, (chunk, marks) => {
        const rows = this.sql(`SELECT * FROM uploads WHERE id IN (${marks})`).all(
          ...chunk,
        ) as Row[];
        for (const row of rows) byId.set(row.id as string, fromRow(row));
      });
    });
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Changes the given fields (undefined ones are left alone) and returns the
   * whole record. Never the status (see transition()) nor a request (request()).
   */
  updateUpload(id: string, patch: UploadPatch): UploadRecord {
    const fields = this.patchFields(patch);
    return this.guard(() => {
      let row: Row | undefined;
      if (fields.length === 0) {
        row = this.sql('SELECT * FROM uploads WHERE id = ?').get(id) as Row | undefined;
      } else {
        const values = fields.map((f) => toSql(f, patch[f as keyof typeof patch]));
        const set = fields.map((f) => `${COLUMNS[f]} = ?`).join(', ');
        row = this.sql(`UPDATE uploads SET ${set} WHERE id = ? RETURNING *`).get(...values, id) as
          Row | undefined;
      }
      if (!row) throw this.unknown(id);
      return fromRow(row);
    });
  }

  /**
   * Moves an upload by `event` of the lifecycle table (shared/lifecycle.ts),
   * with `patch` in the same write, only if its status is still `from`: the
   * one way a status changes. Refused (IllegalTransition) when the table has
   * no such move, and (StaleStatus) when the row is in another status.
   *
   * A request is settled by the move that carries it out: a pause by any move
   * to a settled status (or by a resume, which the user asked later), a
   * cancel only by cancelled or done, so a cancel asked while the upload was
   * pausing or failing is still carried out after.
   */
  transition(
    id: string,
    from: UploadStatus,
    event: UploadEvent,
    patch: UploadPatch = {},
  ): UploadRecord {
    const to = nextStatus(from, event);
    if (to === null) {
      throw new StoreError(
        'IllegalTransition',
        `An upload cannot move from ${from} by ${event}. This is a bug in Labdrop; please report it.`,
        this.path,
      );
    }
    const fields = this.patchFields(patch);
    const clearPause = !isActive(to) || event === 'resume' || event === 'retry';
    const clearCancel = to === 'cancelled' || to === 'done';
    const values = fields.map((f) => toSql(f, patch[f as keyof typeof patch]));
    const set = fields.map((f) => `${COLUMNS[f]} = ?, `).join('');
    return this.guard(() => {
      const row = this.sql(
        `UPDATE uploads SET ${set}status = ?, requested = CASE
           WHEN requested = 'pause' AND ? THEN NULL WHEN requested = 'cancel' AND ? THEN NULL
           ELSE requested END
         WHERE id = ? AND status = ? RETURNING *`,
      ).get(...values, to, clearPause ? 1 : 0, clearCancel ? 1 : 0, id, from) as Row | undefined;
      if (row) return fromRow(row);
      const current = this.getUpload(id);
      if (!current) throw this.unknown(id);
      throw new StoreError(
        'StaleStatus',
        `Upload ${id} is ${current.status}, not ${from}: it cannot move by ${event}. Another Labdrop process may be working on it.`,
        this.path,
      );
    });
  }

  /**
   * Moves many uploads by one event in one write (pause all, resume all), as
   * transition() moves each; those no longer in `from` (another process
   * moved them meanwhile) are left as they are and out of the answer.
   */
  transitionMany(
    ids: readonly string[],
    from: UploadStatus,
    event: UploadEvent,
    patch: UploadPatch = {},
  ): UploadRecord[] {
    const moved: UploadRecord[] = [];
    this.guard(() =>
      this.db.transaction(() => {
        for (const id of ids) {
          try {
            moved.push(this.transition(id, from, event, patch));
          } catch (error) {
            if (!(error instanceof StoreError && error.code === 'StaleStatus')) throw error;
          }
        }
      })(),
    );
    return moved;
  }

  /** Removes uploads never started, e.g. those an add recorded before it failed (one write). */
  deleteUploads(ids: readonly string[]): void {
    this.guard(() =>
      this.db.transaction(() => {
        inChunks(ids, (chunk, marks) => {
          this.sql(`DELETE FROM uploads WHERE id IN (${marks})`).run(...chunk);
        });
      })(),
    );
  }

  /**
   * Records that this process queued these uploads and will start them in
   * turn (see UploadQueue's note on waiting one's turn), one write per 500.
   */
  markQueued(ids: readonly string[], by: QueuedBy): void {
    this.guard(() =>
      this.db.transaction(() => {
        inChunks(ids, (chunk, marks) => {
          this.sql(
            `UPDATE uploads SET queued_by = ?, queued_at = ?
               WHERE id IN (${marks})`,
          ).run(by.pid, by.at, ...chunk);
        });
      })(),
    );
  }

  /** Which process queued those of these uploads that are queued, where one did (one read per 500). */
  queuedBy(ids: readonly string[]): Map<string, QueuedBy> {
    const found = new Map<string, QueuedBy>();
    this.guard(() => {
      inChunks(ids, (chunk, marks) => {
        // By id alone: a filter on the status would read every queued row for each chunk.
        const rows = this.sql(
          `SELECT id, status, queued_by, queued_at FROM uploads
             WHERE id IN (${marks})`,
        ).all(...chunk) as Array<{
          id: string;
          status: UploadStatus;
          queued_by: number | null;
          queued_at: number | null;
        }>;
        for (const row of rows) {
          if (row.status !== 'queued' || row.queued_by === null) continue;
          found.set(row.id, { pid: row.queued_by, at: row.queued_at ?? 0 });
        }
      });
    });
    return found;
  }

  /**
   * Leaves a pause or cancel for the process uploading the file (see
   * UploadQueue.requestPause); a cancel is never downgraded to a pause.
   * Returns the record, or undefined when it is already done or cancelled.
   */
  request(id: string, request: UploadRequest): UploadRecord | undefined {
    return this.guard(() => {
      const row = this.sql(
        `UPDATE uploads SET requested = CASE WHEN requested = 'cancel' THEN 'cancel' ELSE ? END
           WHERE id = ? AND status NOT IN (${FINAL_STATUSES.map(() => '?').join(', ')})
           RETURNING *`,
      ).get(request, id, ...FINAL_STATUSES) as Row | undefined;
      if (row) return fromRow(row);
      if (!this.getUpload(id)) throw this.unknown(id);
      return undefined;
    });
  }

  /** The requests left for these uploads (those without one are left out), one read per 500. */
  requestsOf(ids: readonly string[]): Map<string, UploadRequest> {
    const requests = new Map<string, UploadRequest>();
    this.guard(() => {
      inChunks(ids, (chunk, marks) => {
        const rows = this.sql(
          `SELECT id, requested FROM uploads
             WHERE requested IS NOT NULL AND id IN (${marks})`,
        ).all(...chunk) as Array<{ id: string; requested: UploadRequest }>;
        for (const row of rows) requests.set(row.id, row.requested);
      });
    });
    return requests;
  }

  private patchFields(patch: UploadPatch): (keyof UploadRecord)[] {
    const fields = (Object.keys(patch) as (keyof UploadRecord)[]).filter(
      (f) => patch[f as keyof typeof patch] !== undefined,
    );
    for (const field of fields) {
      if (
        field === 'id' ||
        field === 'status' ||
        field === 'requested' ||
        !Object.hasOwn(COLUMNS, field)
      ) {
        throw new StoreError(
          'InvalidValue',
          `"${field}" is not a field an upload's patch can change.`,
          this.path,
        );
      }
    }
    return fields;
  }

  private unknown(id: string): StoreError {
    return new StoreError('UnknownUpload', `No upload with id ${id} in ${this.path}.`, this.path);
  }

  /**
   * Makes every commit so far survive power loss (see Durability above): an
   * fsync of the write-ahead log, or of the database file when the file
   * system could not do WAL, on the thread pool.
   */
  async sync(): Promise<void> {
    const wal = this.guard(() => this.db.pragma('journal_mode', { simple: true })) === 'wal';
    const file = await open(wal ? `${this.path}-wal` : this.path, 'r+').catch((err: unknown) => {
      // No log yet: nothing is waiting in one.
      if (wal && (err as { code?: string }).code === 'ENOENT') return null;
      throw describeStoreFailure(err, this.path);
    });
    if (!file) return;
    try {
      await file.sync();
    } catch (err) {
      throw describeStoreFailure(err, this.path);
    } finally {
      await file.close();
    }
  }

  /**
   * Records a part S3 accepted (the same part number again replaces it) and,
   * in the same commit, the upload's bytesUploaded as the sum of its
   * recorded parts: one write per part.
   */
  recordPart(id: string, part: CompletedPart): void {
    this.guard(() => {
      try {
        this.db.transaction(() => {
          this.sql(
            `INSERT INTO parts (record_id, part_number, etag, size, checksum)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (record_id, part_number) DO UPDATE SET
                 etag = excluded.etag, size = excluded.size, checksum = excluded.checksum`,
          ).run(id, part.partNumber, part.etag, part.size, part.checksum);
          this.sql(
            `UPDATE uploads SET bytes_uploaded =
               (SELECT COALESCE(SUM(size), 0) FROM parts WHERE record_id = ?) WHERE id = ?`,
          ).run(id, id);
        })();
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
          throw new StoreError(
            'UnknownUpload',
            `No upload with id ${id} in ${this.path}.`,
            this.path,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
    });
  }

  completedParts(id: string): CompletedPart[] {
    return this.guard(
      () =>
        this.sql(
          `SELECT part_number AS partNumber, etag, size, checksum
             FROM parts WHERE record_id = ? ORDER BY part_number`,
        ).all(id) as CompletedPart[],
    );
  }

  /** Forgets an upload's parts; its bytesUploaded (their sum) goes back to 0. */
  clearParts(id: string): void {
    this.guard(() => {
      this.db.transaction(() => {
        this.sql('DELETE FROM parts WHERE record_id = ?').run(id);
        this.sql('UPDATE uploads SET bytes_uploaded = 0 WHERE id = ?').run(id);
      })();
    });
  }

  /** Uploads to pick up again (shared/lifecycle.ts isUnfinished), oldest first: the order they were queued. */
  unfinished(): UploadRecord[] {
    return this.guard(() =>
      (
        this.sql(
          `SELECT * FROM uploads WHERE status IN (${UNFINISHED_STATUSES.map(() => '?').join(', ')})
             ORDER BY created_at, rowid`,
        ).all(...UNFINISHED_STATUSES) as Row[]
      ).map(fromRow),
    );
  }

  /**
   * Cancelled uploads that may still have parts or an object in the bucket:
   * a multipart upload left open, an object not removed yet (its ETag is
   * forgotten only once it is: the process may have died meanwhile), or a
   * removal that failed (CancelIncomplete).
   */
  cancelledWithLeftovers(): UploadRecord[] {
    return this.guard(() =>
      (
        this.sql(
          `SELECT * FROM uploads WHERE status = 'cancelled' AND (upload_id IS NOT NULL OR etag IS NOT NULL
             OR CASE WHEN json_valid(last_error) THEN json_extract(last_error, '$.code') END = ?)
             ORDER BY created_at, rowid`,
        ).all(CANCEL_INCOMPLETE) as Row[]
      ).map(fromRow),
    );
  }

  /** The unfinished uploads to these keys of a bucket, by key (one read per 500 keys). */
  unfinishedAt(
    place: Pick<UploadRecord, 'bucket' | 'endpoint'>,
    keys: readonly string[],
  ): Map<string, UploadRecord> {
    const found = new Map<string, UploadRecord>();
    this.guard(() => {
      inChunks(keys, (chunk, marks) => {
        // +status: looked up by key (uploads_key); by status, each chunk would read every unfinished row.
        const rows = this.sql(
          `SELECT * FROM uploads WHERE bucket = ? AND endpoint IS ?
             AND +status IN (${UNFINISHED_STATUSES.map(() => '?').join(', ')})
             AND key IN (${marks}) ORDER BY created_at`,
        ).all(place.bucket, place.endpoint, ...UNFINISHED_STATUSES, ...chunk) as Row[];
        for (const row of rows) found.set(String(row.key), fromRow(row));
      });
    });
    return found;
  }

  /**
   * The MD5 recorded for this exact version of each file (its path, size and
   * modification time), by any upload, in the files' order (null: none): a
   * file dropped again is not hashed again. One read per 500 paths.
   */
  knownHashes(
    files: ReadonlyArray<Pick<UploadRecord, 'localPath' | 'size' | 'mtimeMs'>>,
  ): Array<Md5 | null> {
    const version = (path: unknown, size: unknown, mtimeMs: unknown) =>
      JSON.stringify([path, size, mtimeMs]);
    const known = new Map<string, Md5>();
    this.guard(() => {
      const paths = [...new Set(files.map((f) => f.localPath))];
      inChunks(paths, (chunk, marks) => {
        const rows = this.sql(
          `SELECT local_path, size, mtime_ms, md5_hex, md5_base64 FROM uploads
             WHERE local_path IN (${marks}) AND md5_base64 IS NOT NULL
             ORDER BY created_at DESC`,
        ).all(...chunk) as Array<{
          local_path: string;
          size: number;
          mtime_ms: number;
          md5_hex: string;
          md5_base64: string;
        }>;
        for (const row of rows) {
          const key = version(row.local_path, row.size, row.mtime_ms);
          // Newest first: the first one seen is the latest recorded.
          if (!known.has(key)) known.set(key, { md5Hex: row.md5_hex, md5Base64: row.md5_base64 });
        }
      });
    });
    return files.map((f) => known.get(version(f.localPath, f.size, f.mtimeMs)) ?? null);
  }

  /** The MD5 of the file a finished upload wrote as this object (by its ETag), if one did. */
  md5OfUploaded(place: Pick<UploadRecord, 'bucket' | 'endpoint' | 'key' | 'etag'>): string | null {
    return this.guard(() => {
      // +status: looked up by key; the done uploads of a long history are many.
      const row = this.sql(
        `SELECT md5_base64 FROM uploads WHERE bucket = ? AND endpoint IS ? AND key = ? AND etag = ?
           AND +status = 'done' ORDER BY created_at DESC LIMIT 1`,
      ).get(place.bucket, place.endpoint, place.key, place.etag) as
        { md5_base64: string | null } | undefined;
      return row?.md5_base64 ?? null;
    });
  }

  /** Whether an upload added after this one (or, `earlier`, at any time; not cancelled) writes the same object. */
  hasLaterUploadTo(record: UploadRecord, { earlier = false } = {}): boolean {
    return this.guard(
      () =>
        this.sql(
          `SELECT 1 FROM uploads WHERE bucket = ? AND key = ? AND endpoint IS ? AND id != ?
             AND created_at >= ? AND status != 'cancelled' LIMIT 1`,
        ).get(
          record.bucket,
          record.key,
          record.endpoint,
          record.id,
          earlier ? -Infinity : record.createdAt,
        ) !== undefined,
    );
  }

  /**
   * History, newest first. `search` is a case-insensitive substring of the
   * local path, bucket or key; `from` and `to` bound createdAt (ms, both
   * inclusive); `limit` caps the rows (none, 0 or negative means no cap);
   * `after` starts after a page's last row (HistoryPage.next).
   */
  query(q: HistoryQuery = {}): UploadRecord[] {
    if (q.status !== undefined) checkStatus(q.status, this.path);
    return this.guard(() => queryHistory((text) => this.rowsSql(text), q).map(fromRow));
  }

  /**
   * A page of query()'s rows: `q.limit` of them (at least 1) from
   * `q.after` on, with the cursor of the next page, and on a first page how
   * many uploads match (countHistory: exact, or "more than" for a common
   * search). What the history view shows, a page at a time as it scrolls.
   */
  historyPage(q: HistoryQuery & { limit: number }): HistoryPage {
    if (q.status !== undefined) checkStatus(q.status, this.path);
    const limit = Math.max(1, Math.floor(q.limit));
    return this.guard(() => {
      const prepare = (text: string) => this.rowsSql(text);
      // One row more than the page says whether there is a next one. A
      // first page has a search's matches counted up to COUNT_CAP by the way.
      const { rows: found, total } = searchHistory(
        prepare,
        { ...q, limit: limit + 1 },
        q.after ? {} : { allUpTo: COUNT_CAP },
      );
      const rows = found.slice(0, limit);
      const last = rows.at(-1);
      const more = found.length > limit;
      return {
        rows: rows.map(fromRow),
        next: more && last ? cursorOf(last) : null,
        total: q.after
          ? null
          : !more
            ? { count: rows.length, exact: true }
            : (total ?? countHistory(prepare, q)),
      };
    });
  }

  /**
   * The rows query() returns (without its limit), a page at a time, for an
   * export that must not hold a million of them in memory. Each page is read
   * when asked for, so the store stays free for the uploads in between.
   */
  *historyPages(q: HistoryQuery = {}, pageSize = 1000): Generator<UploadRecord[]> {
    if (q.status !== undefined) checkStatus(q.status, this.path);
    let after = q.after;
    for (;;) {
      const { sql, params } = historySql({ ...q, limit: pageSize, ...(after ? { after } : {}) });
      const rows = this.guard(() => this.sql(sql).all(...params) as Row[]);
      if (rows.length > 0) yield rows.map(fromRow);
      if (rows.length < pageSize) return;
      after = cursorOf(rows[rows.length - 1] as Row);
    }
  }

  /** The connection's settings, for tests and a support "about" screen. */
  settings(): {
    journalMode: string;
    synchronous: 'off' | 'normal' | 'full' | 'extra';
    foreignKeys: boolean;
    busyTimeoutMs: number;
    schemaVersion: number;
  } {
    return this.guard(() => {
      const get = (name: string): unknown => this.db.pragma(name, { simple: true });
      const synchronous = (['off', 'normal', 'full', 'extra'] as const)[Number(get('synchronous'))];
      return {
        journalMode: String(get('journal_mode')),
        synchronous: synchronous ?? 'off',
        foreignKeys: get('foreign_keys') === 1,
        busyTimeoutMs: Number(get('busy_timeout')),
        schemaVersion: Number(get('user_version')),
      };
    });
  }

  /**
   * Runs `work` on the connection, with failures explained like every other
   * store call. For the small tables of electron/services (saved targets,
   * submission profiles, stored keys) that live in the same file.
   */
  withDatabase<T>(work: (db: Database.Database) => T): T {
    return this.guard(() => work(this.db));
  }

  close(): void {
    if (!this.db.open) return;
    try {
      // Keeps query plans good as history grows; cheap, and only does work when needed.
      this.db.pragma('optimize');
    } catch {
      // Closing matters more than optimizing.
    }
    this.db.close();
  }

  /** Prepared once per distinct SQL text; the texts come from a small fixed set. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * A statement for `text` whose rows are made here from SQLite's arrays:
   * better-sqlite3 makes its own row objects a property at a time, which
   * took most of the history's answer of 10,000 rows.
   */
  private rowsSql(text: string): Prepared {
    let prepared = this.rowStatements.get(text);
    if (!prepared) {
      const statement = this.db.prepare(text).raw(true);
      const columns = statement.columns().map((column) => column.name);
      const row = (values: unknown[]): Row => {
        const made: Row = {};
        for (let i = 0; i < columns.length; i++) made[columns[i] as string] = values[i];
        return made;
      };
      prepared = {
        all: (...params) => (statement.all(...params) as unknown[][]).map(row),
        get: (...params) => {
          const values = statement.get(...params) as unknown[] | undefined;
          return values && row(values);
        },
      };
      this.rowStatements.set(text, prepared);
    }
    return prepared;
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw describeStoreFailure(err, this.path);
    }
  }
}

/** The fields a patch sets: an undefined one leaves the field alone, as updateUpload does. */
function definedFields(patch: UploadPatch): UploadPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

/** Values in one statement's IN list: a few statements for 100,000 ids, each prepared once. */
const IN_LIST = 500;

/** Runs `work` on each run of up to IN_LIST values, with the list of placeholders for them. */
function inChunks<T>(values: readonly T[], work: (chunk: T[], marks: string) => void): void {
  for (let i = 0; i < values.length; i += IN_LIST) {
    const chunk = values.slice(i, i + IN_LIST);
    work(chunk, chunk.map(() => '?').join(', '));
  }
}
