import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canMove, nextStatus, UPLOAD_EVENTS, UPLOAD_STATUSES } from '../shared/lifecycle';
import type { UploadRecord } from '../shared/types';
import { appHome, defaultDatabasePath } from '../electron/engine/app-home';
import { averageSpeed } from '../electron/engine/history-export';
import { historyToCsv, historyToJson } from './helpers/history';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../electron/engine/migrations';
import { type NewUpload, Store, StoreError } from '../electron/engine/store';
import { moveTo } from './helpers/engine';

let dir: string;
let dbFile: string;
const open: Store[] = [];

function openStore(file = dbFile, options?: { busyTimeoutMs?: number }): Store {
  const store = Store.open(file, options);
  open.push(store);
  return store;
}

function newUpload(overrides: Partial<NewUpload> = {}): NewUpload {
  return {
    id: `u-${Math.random().toString(36).slice(2)}`,
    localPath: '/data/run-1/sample.fastq.gz',
    size: 12 * 1024 ** 3,
    mtimeMs: 1_717_000_000_123.25,
    bucket: 'dcc-intake',
    key: 'lab-a/run-1/sample.fastq.gz',
    endpoint: null,
    region: 'us-east-1',
    awsProfile: null,
    submissionProfile: 'center',
    grants: 'id=abc123',
    partSize: 64 * 1024 ** 2,
    ...overrides,
  };
}

/** Catches what `work` throws, so a test can look at its code and message. */
function thrown(work: () => unknown): StoreError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected an error');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labdrop-store-'));
  dbFile = join(dir, 'nested', 'folder', 'labdrop.db');
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening', () => {
  it('creates the folders and a database at the latest schema, in WAL with NORMAL sync', () => {
    const store = openStore();
    expect(existsSync(dbFile)).toBe(true);
    expect(store.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 'normal',
      foreignKeys: true,
      busyTimeoutMs: 5000,
      schemaVersion: LATEST_SCHEMA_VERSION,
    });
    store.close();
    const raw = new Database(dbFile, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('keeps every upload and its parts when the uploads table is made again (versions 7 and 8)', () => {
    mkdirSync(dirname(dbFile), { recursive: true });
    const raw = new Database(dbFile);
    for (const step of MIGRATIONS.filter((m) => m.version <= 6)) raw.exec(step.up as string);
    raw.pragma('user_version = 6');
    raw
      .prepare(
        `INSERT INTO uploads (id, local_path, size, mtime_ms, bucket, key, region, submission_profile,
           grants, part_size, upload_id, status, created_at, requested, verification)
         VALUES ('old', '/d/a.bam', 20, 1.5, 'b', 'k', 'us-east-1', 'center', 'id=1', 5, 'mpu',
           'paused', 7, 'cancel', 'read-back')`,
      )
      .run();
    raw.prepare(`INSERT INTO parts VALUES ('old', 1, '"e1"', 5, 'crc')`).run();
    raw.close();
    const store = openStore();
    expect(store.getUpload('old')).toMatchObject({
      localPath: '/d/a.bam',
      status: 'paused',
      uploadId: 'mpu',
      requested: 'cancel',
      verification: 'read-back',
    });
    expect(store.completedParts('old')).toEqual([
      { partNumber: 1, etag: '"e1"', size: 5, checksum: 'crc' },
    ]);
    // The new status is taken.
    expect(store.transition('old', 'paused', 'resume').status).toBe('queued');
    expect(store.transition('old', 'queued', 'disconnect').status).toBe('waiting');
    store.createUpload(newUpload({ id: 'new' }));
    expect(store.transition('new', 'queued', 'skip').status).toBe('skipped');
    expect(store.completedParts('old')).toHaveLength(1);
  });

  it('numbers migrations 1, 2, 3, … with no gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('migrates an empty version-0 file that already exists', () => {
    const file = join(dir, 'labdrop.db');
    new Database(file).close();
    const store = openStore(file);
    expect(store.settings().schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it('opens an existing database again without migrating twice', () => {
    openStore().close();
    const again = openStore();
    expect(again.settings().schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it('refuses a database written by a newer Labdrop, naming the file, and leaves it alone', () => {
    openStore().close();
    const raw = new Database(dbFile);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();

    const err = thrown(() => openStore());
    expect(err.code).toBe('DatabaseTooNew');
    expect(err.message).toMatch(/^This history database was written by a newer Labdrop/);
    expect(err.message).toContain(dbFile);
    expect(err.message).toMatch(/Install the latest Labdrop/);

    const check = new Database(dbFile, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 5);
    check.close();
  });

  it('explains a file that is not a database', () => {
    const file = join(dir, 'labdrop.db');
    writeFileSync(file, 'this is a spreadsheet, not a database '.repeat(200));
    const err = thrown(() => openStore(file));
    expect(err.code).toBe('DatabaseDamaged');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/move the file/);
  });

  it('explains a folder it cannot create, and suggests LABDROP_HOME', () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const file = join(blocker, 'labdrop.db');
    const err = thrown(() => openStore(file));
    expect(err.code).toBe('DatabaseUnwritable');
    expect(err.message).toContain(file);
    expect(err.message).toContain('LABDROP_HOME');
  });

  it('waits for another process, then says the database is locked, naming it', () => {
    const first = openStore();
    first.createUpload(newUpload({ id: 'a' }));

    // Another process holding the write lock (the CLI in the middle of a write).
    const other = new Database(dbFile);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const second = openStore(dbFile, { busyTimeoutMs: 200 });
      // WAL: reading goes on while the other process writes.
      expect(second.getUpload('a')?.id).toBe('a');
      const started = Date.now();
      const err = thrown(() => second.createUpload(newUpload({ id: 'b' })));
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(err.code).toBe('DatabaseLocked');
      expect(err.message).toContain(dbFile);
      expect(err.message).toMatch(/try again/);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
  });

  it('openDefault uses LABDROP_HOME/labdrop.db', () => {
    const home = join(dir, 'home');
    const store = Store.openDefault({ LABDROP_HOME: home });
    open.push(store);
    expect(store.path).toBe(join(home, 'labdrop.db'));
    expect(existsSync(join(home, 'labdrop.db'))).toBe(true);
  });
});

describe('uploads', () => {
  it('creates a queued record with zero counters and nulls', () => {
    const store = openStore();
    const created = store.createUpload(newUpload({ id: 'one', createdAt: 1000 }));
    expect(created).toMatchObject({
      id: 'one',
      status: 'queued',
      bytesUploaded: 0,
      attempts: 0,
      uploadId: null,
      partChecksum: null,
      md5Hex: null,
      md5Base64: null,
      crc32Base64: null,
      etag: null,
      versionId: null,
      lastError: null,
      createdAt: 1000,
      startedAt: null,
      finishedAt: null,
    });
    expect(store.getUpload('one')).toEqual(created);
    expect(store.getUpload('nope')).toBeUndefined();
  });

  it('defaults createdAt to now', () => {
    const store = openStore();
    const before = Date.now();
    const created = store.createUpload(newUpload());
    expect(created.createdAt).toBeGreaterThanOrEqual(before);
    expect(created.createdAt).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a second upload with the same id', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'same' }));
    expect(thrown(() => store.createUpload(newUpload({ id: 'same' }))).code).toBe(
      'DuplicateUpload',
    );
  });

  it('keeps a fractional mtime exactly, for the file-changed check', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'm', mtimeMs: 1_717_000_000_123.25 }));
    expect(store.getUpload('m')?.mtimeMs).toBe(1_717_000_000_123.25);
  });

  it('updates fields, keeps the rest, and round-trips the error', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'u' }));
    const updated = moveTo(store, 'u', 'failed', {
      uploadId: 'mpu-1',
      md5Hex: '9e107d9d372bb6826bd81d3542a419d6',
      md5Base64: 'nhB9nTcrtoJr2B01QqQZ1g==',
      attempts: 3,
      bytesUploaded: 5 * 1024 ** 3,
      startedAt: 2000,
      finishedAt: 9000,
      lastError: { code: 'AccessDenied', message: 'The bucket refused the upload.' },
      etag: undefined,
    });
    expect(updated).toMatchObject({
      id: 'u',
      status: 'failed',
      uploadId: 'mpu-1',
      attempts: 3,
      bytesUploaded: 5 * 1024 ** 3,
      bucket: 'dcc-intake',
      etag: null,
      lastError: { code: 'AccessDenied', message: 'The bucket refused the upload.' },
    });
    expect(store.getUpload('u')).toEqual(updated);

    expect(store.updateUpload('u', { lastError: null }).lastError).toBeNull();
    expect(store.updateUpload('u', {})).toEqual(store.getUpload('u'));
  });

  it('throws a clear error for an unknown id or a bad status', () => {
    const store = openStore();
    const err = thrown(() => store.updateUpload('ghost', { attempts: 1 }));
    expect(err.code).toBe('UnknownUpload');
    expect(err.message).toContain('ghost');
    expect(err.message).toContain(dbFile);

    store.createUpload(newUpload({ id: 'x' }));
    const bad = thrown(() => store.updateUpload('x', { status: 'sent' } as never));
    expect(bad.code).toBe('InvalidValue');
    expect(store.getUpload('x')?.status).toBe('queued');
  });

  it('lists unfinished uploads, oldest first', () => {
    const store = openStore();
    const statuses = ['queued', 'hashing', 'uploading', 'verifying', 'paused'] as const;
    const settled = ['done', 'failed', 'cancelled'] as const;
    for (const [i, status] of [...statuses, ...settled].entries()) {
      store.createUpload(newUpload({ id: status, createdAt: 100 - i }));
      moveTo(store, status, status);
    }
    expect(store.unfinished().map((r) => r.id)).toEqual([...statuses].reverse());
  });
});

describe('history query', () => {
  function seed(store: Store): void {
    store.createUpload(
      newUpload({ id: 'old', createdAt: 1000, localPath: '/data/Müller/a.bam', key: 'x/a.bam' }),
    );
    store.createUpload(
      newUpload({ id: 'mid', createdAt: 2000, bucket: 'Other-Bucket', key: 'run_1/b%.bam' }),
    );
    store.createUpload(newUpload({ id: 'new', createdAt: 3000, key: 'lab-b/SAMPLE.cram' }));
    store.createUpload(newUpload({ id: 'new-tie', createdAt: 3000 }));
    moveTo(store, 'mid', 'done');
    moveTo(store, 'new', 'failed');
  }

  it('returns everything newest first, ties in reverse insertion order', () => {
    const store = openStore();
    seed(store);
    expect(store.query().map((r) => r.id)).toEqual(['new-tie', 'new', 'mid', 'old']);
  });

  it('filters by status', () => {
    const store = openStore();
    seed(store);
    expect(store.query({ status: 'done' }).map((r) => r.id)).toEqual(['mid']);
    expect(store.query({ status: 'queued' }).map((r) => r.id)).toEqual(['new-tie', 'old']);
  });

  it('searches path, bucket and key, ignoring case, literally', () => {
    const store = openStore();
    seed(store);
    const ids = (search: string): string[] => store.query({ search }).map((r) => r.id);
    expect(ids('MÜLLER')).toEqual(['old']);
    expect(ids('müller'.normalize('NFD'))).toEqual(['old']);
    expect(ids('other-bucket')).toEqual(['mid']);
    expect(ids('sample.CRAM')).toEqual(['new']);
    expect(ids('b%')).toEqual(['mid']);
    expect(ids('_')).toEqual(['mid']);
    expect(ids('%')).toEqual(['mid']);
    expect(ids('')).toHaveLength(4);
    expect(ids('nothing-like-this')).toEqual([]);
  });

  it('bounds createdAt with from and to, both inclusive, and limits', () => {
    const store = openStore();
    seed(store);
    expect(store.query({ from: 2000 }).map((r) => r.id)).toEqual(['new-tie', 'new', 'mid']);
    expect(store.query({ to: 2000 }).map((r) => r.id)).toEqual(['mid', 'old']);
    expect(store.query({ from: 1500, to: 2500 }).map((r) => r.id)).toEqual(['mid']);
    expect(store.query({ limit: 2 }).map((r) => r.id)).toEqual(['new-tie', 'new']);
    expect(store.query({ limit: 0 })).toHaveLength(4);
    expect(store.query({ status: 'queued', search: 'müller', from: 0, limit: 5 })).toHaveLength(1);
  });
});

describe('recorded hashes', () => {
  it('gives each file version the MD5 its latest upload recorded, in the files’ order', () => {
    const store = openStore();
    const md5 = (n: number) => ({ md5Hex: `${n}`.repeat(32).slice(0, 32), md5Base64: `b${n}==` });
    const a = { localPath: '/d/a.bam', size: 10, mtimeMs: 1.5 };
    for (const [id, createdAt, file, hash] of [
      ['old', 1, a, md5(1)],
      ['new', 2, a, md5(2)],
      ['other-version', 3, { ...a, mtimeMs: 2.5 }, md5(3)],
      ['no-hash', 4, a, null],
    ] as const) {
      store.createUpload(newUpload({ id, createdAt, ...file }));
      if (hash) store.updateUpload(id, hash);
    }
    const b = { localPath: '/d/b.bam', size: 1, mtimeMs: 1 };
    expect(store.knownHashes([b, a, { ...a, mtimeMs: 2.5 }, { ...a, size: 11 }, a])).toEqual([
      null,
      md5(2),
      md5(3),
      null,
      md5(2),
    ]);
  });
});

describe('parts', () => {
  it('upserts by part number and lists in part order', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'p' }));
    store.createUpload(newUpload({ id: 'other' }));
    store.recordPart('p', { partNumber: 3, etag: '"e3"', size: 10, checksum: 'm3' });
    store.recordPart('p', { partNumber: 1, etag: '"e1"', size: 10, checksum: 'm1' });
    store.recordPart('p', { partNumber: 2, etag: '"old"', size: 10, checksum: 'old' });
    store.recordPart('p', { partNumber: 2, etag: '"e2"', size: 10, checksum: 'm2' });
    store.recordPart('other', { partNumber: 1, etag: '"x"', size: 1, checksum: 'x' });

    expect(store.completedParts('p')).toEqual([
      { partNumber: 1, etag: '"e1"', size: 10, checksum: 'm1' },
      { partNumber: 2, etag: '"e2"', size: 10, checksum: 'm2' },
      { partNumber: 3, etag: '"e3"', size: 10, checksum: 'm3' },
    ]);

    store.clearParts('p');
    expect(store.completedParts('p')).toEqual([]);
    expect(store.completedParts('other')).toHaveLength(1);
  });

  it('refuses parts for an unknown upload and impossible part numbers', () => {
    const store = openStore();
    const err = thrown(() =>
      store.recordPart('ghost', { partNumber: 1, etag: '"e"', size: 1, checksum: 'm' }),
    );
    expect(err.code).toBe('UnknownUpload');
    store.createUpload(newUpload({ id: 'p' }));
    for (const partNumber of [0, 10_001, 1.5]) {
      const bad = thrown(() =>
        store.recordPart('p', { partNumber, etag: '"e"', size: 1, checksum: 'm' }),
      );
      expect(bad.code).toBe('InvalidValue');
    }
  });
});

describe('durability', () => {
  function writeResumableState(store: Store): UploadRecord {
    store.createUpload(newUpload({ id: 'resume-me', createdAt: 5000 }));
    const rec = moveTo(store, 'resume-me', 'uploading', {
      uploadId: 'mpu-abc',
      partChecksum: 'crc32',
      md5Hex: '9e107d9d372bb6826bd81d3542a419d6',
      md5Base64: 'nhB9nTcrtoJr2B01QqQZ1g==',
      startedAt: 6000,
      attempts: 1,
    });
    for (let n = 1; n <= 40; n++) {
      store.recordPart('resume-me', {
        partNumber: n,
        etag: `"etag-${n}"`,
        size: 64 * 1024 ** 2,
        checksum: `crc-${n}`,
      });
    }
    // Each part's commit also records the bytes uploaded: the sum of the parts.
    const after = store.getUpload('resume-me') as UploadRecord;
    expect(after).toEqual({ ...rec, bytesUploaded: 40 * 64 * 1024 ** 2 });
    store.recordPart('resume-me', {
      partNumber: 40,
      etag: '"etag-40"',
      size: 64 * 1024 ** 2,
      checksum: 'crc-40',
    });
    expect(store.getUpload('resume-me')?.bytesUploaded).toBe(40 * 64 * 1024 ** 2);
    return after;
  }

  it('syncs the write-ahead log that holds a new upload id to disk, and the id is kept', async () => {
    const store = openStore();
    const rec = writeResumableState(store);
    expect(existsSync(`${store.path}-wal`)).toBe(true);
    await store.sync();
    store.close();
    expect(openStore().getUpload('resume-me')).toEqual(rec);
  });

  it('keeps the upload and its parts across close and reopen', () => {
    const store = openStore();
    const rec = writeResumableState(store);
    store.close();

    const reopened = openStore();
    expect(reopened.getUpload('resume-me')).toEqual(rec);
    expect(reopened.unfinished().map((r) => r.id)).toEqual(['resume-me']);
    const parts = reopened.completedParts('resume-me');
    expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(parts[39]).toEqual({
      partNumber: 40,
      etag: '"etag-40"',
      size: 64 * 1024 ** 2,
      checksum: 'crc-40',
    });
  });

  it('keeps every committed write when the process dies without closing', () => {
    const store = openStore();
    const rec = writeResumableState(store);

    // What kill -9 leaves on disk: the database file and its write-ahead log,
    // never checkpointed or closed. Copy them while the store is still open.
    expect(statSync(`${dbFile}-wal`).size).toBeGreaterThan(0);
    const crashed = join(dir, 'crashed', 'labdrop.db');
    mkdirSync(join(dir, 'crashed'));
    copyFileSync(dbFile, crashed);
    copyFileSync(`${dbFile}-wal`, `${crashed}-wal`);

    const recovered = openStore(crashed);
    expect(recovered.getUpload('resume-me')).toEqual(rec);
    expect(recovered.completedParts('resume-me')).toHaveLength(40);
  });
});

describe('appHome', () => {
  it('uses LABDROP_HOME when set, on every platform', () => {
    expect(appHome({ LABDROP_HOME: '/srv/labdrop' }, 'linux', '/home/ann')).toBe('/srv/labdrop');
    expect(
      appHome({ LABDROP_HOME: 'D:\\Labdrop', APPDATA: 'C:\\x' }, 'win32', 'C:\\Users\\ann'),
    ).toBe('D:\\Labdrop');
    expect(appHome({ LABDROP_HOME: 'rel/dir' }, 'linux', '/home/ann')).toBe(
      join(process.cwd(), 'rel/dir'),
    );
  });

  it('follows Electron userData on Linux, with and without XDG_CONFIG_HOME', () => {
    expect(appHome({}, 'linux', '/home/ann')).toBe('/home/ann/.config/Labdrop');
    expect(appHome({ XDG_CONFIG_HOME: '' }, 'linux', '/home/ann')).toBe(
      '/home/ann/.config/Labdrop',
    );
    expect(appHome({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ann')).toBe('/cfg/Labdrop');
  });

  it('follows Electron userData on macOS and Windows', () => {
    expect(appHome({}, 'darwin', '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/Labdrop',
    );
    expect(
      appHome({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann'),
    ).toBe('C:\\Users\\ann\\AppData\\Roaming\\Labdrop');
    expect(appHome({}, 'win32', 'C:\\Users\\ann')).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Labdrop',
    );
  });

  it('puts the database file in it', () => {
    expect(defaultDatabasePath({}, 'linux', '/home/ann')).toBe(
      '/home/ann/.config/Labdrop/labdrop.db',
    );
    expect(defaultDatabasePath({ APPDATA: 'C:\\AD' }, 'win32', 'C:\\Users\\ann')).toBe(
      'C:\\AD\\Labdrop\\labdrop.db',
    );
  });
});

/** A strict RFC 4180 reader, so the test checks what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      expect(c, `bare ${JSON.stringify(c)} outside quotes at ${i}`).not.toMatch(/[\r\n"]/);
      field += c;
      i++;
    }
  }
  expect(field, 'the last record ends with CRLF').toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('history export', () => {
  const base: UploadRecord = {
    ...newUpload({ id: 'r1' }),
    requested: null,
    verification: 'read-back',
    bucketCheck: null,
    encryption: null,
    accelerate: false,
    serverCheck: 'crc32',
    synapseId: 'syn123',
    createdAt: 1_000,
    uploadId: 'mpu',
    partChecksum: 'crc32',
    md5Hex: '9e107d9d372bb6826bd81d3542a419d6',
    md5Base64: 'nhB9nTcrtoJr2B01QqQZ1g==',
    crc32Base64: 'brcFnw==',
    status: 'done',
    etag: '"abc-3"',
    versionId: 'v1',
    bytesUploaded: 100 * 1024 ** 2,
    attempts: 2,
    lastError: null,
    startedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    finishedAt: Date.UTC(2025, 0, 2, 3, 4, 15),
  };
  const tricky: UploadRecord = {
    ...base,
    id: 'r2',
    localPath: 'C:\\data\\run "7", final\nsecond line.bam',
    key: '=HYPERLINK("http://evil","x")',
    bucket: '+bucket',
    grants: '-id=1,id=2',
    endpoint: '@host',
    status: 'failed',
    etag: null,
    versionId: null,
    startedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    finishedAt: null,
    lastError: { code: 'AccessDenied', message: 'Access "denied", ask the center' },
  };

  it('computes average speed only when both times are known', () => {
    expect(averageSpeed(base)).toBe((100 * 1024 ** 2) / 10);
    expect(averageSpeed(tricky)).toBeNull();
    expect(averageSpeed({ ...base, startedAt: null })).toBeNull();
    expect(averageSpeed({ ...base, finishedAt: base.startedAt })).toBeNull();
  });

  it('writes RFC 4180 CSV with a header, quoting, ISO dates and a formula guard', () => {
    const csv = historyToCsv([base, tricky]);
    expect(csv.startsWith('id,local_path,size,md5_hex,md5_base64,bucket,key,grants,')).toBe(true);
    expect(csv.replaceAll('\r\n', '').includes('\r')).toBe(false);
    const [header, first, second, ...rest] = parseCsv(csv);
    expect(rest).toEqual([]);
    expect(header).toEqual([
      'id',
      'local_path',
      'size',
      'md5_hex',
      'md5_base64',
      'bucket',
      'key',
      'grants',
      'etag',
      'version_id',
      'status',
      'attempts',
      'bytes_uploaded',
      'average_speed_bytes_per_s',
      'started_at',
      'finished_at',
      'last_error',
      'endpoint',
      'region',
      'synapse_id',
      'crc32_base64',
      'verification',
      'server_check',
      'encryption',
      'bucket_verdict',
      'bucket_evidence',
      'bucket_object_etag',
      'bucket_checked_at',
    ]);
    const row = (values: string[]): Record<string, string> =>
      Object.fromEntries(header!.map((h, i) => [h, values[i]!]));

    expect(row(first!)).toMatchObject({
      id: 'r1',
      size: String(12 * 1024 ** 3),
      etag: '"abc-3"',
      status: 'done',
      attempts: '2',
      average_speed_bytes_per_s: String((100 * 1024 ** 2) / 10),
      started_at: '2025-01-02T03:04:05.000Z',
      finished_at: '2025-01-02T03:04:15.000Z',
      last_error: '',
      endpoint: '',
      region: 'us-east-1',
      crc32_base64: 'brcFnw==',
      verification: 'read-back',
      server_check: 'crc32',
    });
    expect(row(second!)).toMatchObject({
      local_path: 'C:\\data\\run "7", final\nsecond line.bam',
      key: `'=HYPERLINK("http://evil","x")`,
      bucket: "'+bucket",
      grants: "'-id=1,id=2",
      endpoint: "'@host",
      etag: '',
      average_speed_bytes_per_s: '',
      finished_at: '',
      last_error: 'Access "denied", ask the center',
    });
  });

  it('says why a skipped file was not sent, with the evidence', () => {
    const skipped: UploadRecord = {
      ...base,
      status: 'skipped',
      etag: null,
      bucketCheck: {
        verdict: 'identical',
        etag: '"9e107d9d372bb6826bd81d3542a419d6"',
        size: base.size,
        lastModified: 0,
        contentMd5: null,
        evidence: "its ETag is the file's MD5",
        checkedAt: Date.UTC(2025, 0, 3),
      },
    };
    const [header, values] = parseCsv(historyToCsv([skipped]));
    expect(Object.fromEntries(header!.map((h, i) => [h, values![i]]))).toMatchObject({
      status: 'skipped',
      bucket_verdict: 'identical',
      bucket_evidence: "its ETag is the file's MD5",
      bucket_object_etag: '"9e107d9d372bb6826bd81d3542a419d6"',
      bucket_checked_at: '2025-01-03T00:00:00.000Z',
    });
  });

  it('writes only the header for no rows', () => {
    expect(parseCsv(historyToCsv([]))).toHaveLength(1);
  });

  it('writes JSON that parses back to the same values', () => {
    const parsed = JSON.parse(historyToJson([base, tricky])) as Record<string, unknown>[];
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toEqual({
      id: 'r1',
      local_path: base.localPath,
      size: base.size,
      md5_hex: base.md5Hex,
      md5_base64: base.md5Base64,
      bucket: base.bucket,
      key: base.key,
      grants: base.grants,
      etag: '"abc-3"',
      version_id: 'v1',
      status: 'done',
      attempts: 2,
      bytes_uploaded: base.bytesUploaded,
      average_speed_bytes_per_s: (100 * 1024 ** 2) / 10,
      started_at: '2025-01-02T03:04:05.000Z',
      finished_at: '2025-01-02T03:04:15.000Z',
      last_error: null,
      endpoint: null,
      region: 'us-east-1',
      synapse_id: 'syn123',
      crc32_base64: 'brcFnw==',
      verification: 'read-back',
      server_check: 'crc32',
      encryption: null,
      bucket_verdict: null,
      bucket_evidence: null,
      bucket_object_etag: null,
      bucket_checked_at: null,
    });
    // JSON is not opened as a spreadsheet: values are exact, no formula guard.
    expect(parsed[1]).toMatchObject({
      local_path: tricky.localPath,
      key: tricky.key,
      bucket: '+bucket',
      finished_at: null,
      average_speed_bytes_per_s: null,
      last_error: { code: 'AccessDenied', message: 'Access "denied", ask the center' },
    });
  });

  it('exports what the store holds', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'from-db', createdAt: 1 }));
    moveTo(store, 'from-db', 'done', {
      startedAt: 0,
      finishedAt: 2000,
      bytesUploaded: 10,
    });
    const [row] = JSON.parse(historyToJson(store.query())) as Record<string, unknown>[];
    expect(row).toMatchObject({ id: 'from-db', average_speed_bytes_per_s: 5, status: 'done' });
  });
});

describe('the upload lifecycle', () => {
  it('moves a status only by an event of the table, from every status to every other', () => {
    const store = openStore();
    for (const from of UPLOAD_STATUSES) {
      for (const event of UPLOAD_EVENTS) {
        const id = `${from}-${event}`;
        store.createUpload(newUpload({ id }));
        moveTo(store, id, from);
        const to = nextStatus(from, event);
        if (to === null) {
          expect(thrown(() => store.transition(id, from, event)).code, id).toBe(
            'IllegalTransition',
          );
          expect(store.getUpload(id)?.status, id).toBe(from);
        } else {
          expect(store.transition(id, from, event).status, id).toBe(to);
          expect(canMove(from, to), id).toBe(true);
        }
      }
    }
    // No status is reached but by the table.
    for (const from of UPLOAD_STATUSES) {
      for (const to of UPLOAD_STATUSES) {
        const reached = UPLOAD_EVENTS.some((event) => nextStatus(from, event) === to);
        expect(canMove(from, to), `${from} -> ${to}`).toBe(reached);
      }
    }
  });

  it('refuses a move from a status the row is no longer in, and a status in a patch', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'u' }));
    store.transition('u', 'queued', 'hash');
    const stale = thrown(() => store.transition('u', 'queued', 'upload', { attempts: 9 }));
    expect(stale.code).toBe('StaleStatus');
    expect(stale.message).toContain('is hashing, not queued');
    expect(store.getUpload('u')).toMatchObject({ status: 'hashing', attempts: 0 });
    expect(thrown(() => store.updateUpload('u', { status: 'done' } as never)).code).toBe(
      'InvalidValue',
    );
    expect(thrown(() => store.transition('nope', 'queued', 'hash')).code).toBe('UnknownUpload');
  });

  it('keeps a request apart from the status until the move that carries it out', () => {
    const store = openStore();
    store.createUpload(newUpload({ id: 'p' }));
    store.transition('p', 'queued', 'hash');
    expect(store.request('p', 'pause')?.status).toBe('hashing');
    expect(store.requestsOf(['p', 'unknown'])).toEqual(new Map([['p', 'pause']]));
    // The upload's own next step keeps the request; the pause settles it.
    expect(store.transition('p', 'hashing', 'upload').requested).toBe('pause');
    expect(store.transition('p', 'uploading', 'pause').requested).toBeNull();

    store.createUpload(newUpload({ id: 'c' }));
    store.request('c', 'cancel');
    // A cancel is never turned into a pause, and outlives a pause or a failure.
    store.request('c', 'pause');
    expect(store.transition('c', 'queued', 'fail').requested).toBe('cancel');
    expect(store.transition('c', 'failed', 'cancel').requested).toBeNull();
    // Nothing is left for an upload that is finished.
    expect(store.request('c', 'cancel')).toBeUndefined();
    expect(store.requestsOf(['c']).size).toBe(0);
  });
});
