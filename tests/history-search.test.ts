// The history's search (Store.query, electron/engine/history-search.ts)
// against the plain definition it keeps: a case-insensitive substring of the
// local path, bucket or key, newest first; the history view's pages of it
// (Store.historyPage, a cursor each); and its export, page by page.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadStatus } from '../shared/lifecycle';
import type { HistoryCursor, HistoryQuery, HistoryTotal, UploadRecord } from '../shared/types';
import { exportHistory, historyRow } from '../electron/engine/history-export';
import {
  countHistory,
  fold,
  queryHistory,
  searchHistory,
  trigramQuery,
  type Prepare,
  type SearchOptions,
} from '../electron/engine/history-search';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../electron/engine/migrations';
import { Store, type NewUpload } from '../electron/engine/store';
import { historyToCsv, historyToJson } from './helpers/history';
import { fromRow, type SqlValue } from '../electron/engine/upload-row';
import { moveTo } from './helpers/engine';

let dir: string;
const open: Store[] = [];

function openStore(file = join(dir, 'labdrop.db')): Store {
  const store = Store.open(file);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labdrop-history-search-'));
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

function upload(id: string, fields: Partial<NewUpload>): NewUpload {
  return {
    id,
    localPath: `/data/${id}.bam`,
    size: 1,
    mtimeMs: 1,
    bucket: 'dcc-intake',
    key: `lab/${id}.bam`,
    endpoint: null,
    region: 'us-east-1',
    awsProfile: null,
    submissionProfile: 'center',
    grants: 'id=abc',
    partSize: 8 * 1024 ** 2,
    ...fields,
  };
}

interface Seeded {
  record: UploadRecord;
  /** Insertion order: the tie-break after createdAt. */
  order: number;
}

/** The definition: what Store.query has always answered, in plain TypeScript. */
function plainQuery(rows: readonly Seeded[], q: HistoryQuery): string[] {
  const needle = fold(q.search);
  const found = rows
    .filter(({ record: r }) => q.status === undefined || r.status === q.status)
    .filter(({ record: r }) => q.from === undefined || r.createdAt >= q.from)
    .filter(({ record: r }) => q.to === undefined || r.createdAt <= q.to)
    .filter(({ record: r }) => [r.localPath, r.bucket, r.key].some((t) => fold(t).includes(needle)))
    .sort((a, b) => b.record.createdAt - a.record.createdAt || b.order - a.order)
    .map(({ record }) => record.id);
  return q.limit !== undefined && q.limit > 0 ? found.slice(0, q.limit) : found;
}

// Few letters, so that searches match often; and the characters that broke
// searches before: LIKE's wildcards, FTS5's quote, case that folds to more
// characters (İ, ß), composed and decomposed é, a NUL, a line break.
const CHARS = [
  'a',
  'A',
  'b',
  'é',
  'e\u0301',
  'É',
  '%',
  '_',
  '"',
  "'",
  '/',
  ' ',
  'İ',
  'ß',
  'SS',
  'ǅ',
  '\0',
  '\n',
  '日',
];
const text = fc
  .array(fc.constantFrom(...CHARS), { minLength: 0, maxLength: 8 })
  .map((parts) => parts.join(''));
const STATUSES: UploadStatus[] = ['queued', 'done', 'failed', 'cancelled'];
const row = fc.record({
  localPath: text.map((t) => `/d/${t}`),
  bucket: text.map((t) => `b${t}`),
  key: text.map((t) => `k/${t}`),
  // Not in insertion order: a clock set back, or dates given.
  createdAt: fc.integer({ min: 0, max: 6 }),
  status: fc.constantFrom(...STATUSES),
});

/** More rows than any test here has: pages that repeat rows would go on forever. */
const MAX_ROWS = 10_000;

/** Every page of `q`, `size` rows each, one after another as the history view asks for them. */
function allPages(
  store: Store,
  q: HistoryQuery,
  size: number,
): { ids: string[]; pages: number; total: HistoryTotal | null } {
  const ids: string[] = [];
  let after: HistoryCursor | undefined;
  let pages = 0;
  let total: HistoryTotal | null = null;
  for (;;) {
    const page = store.historyPage({ ...q, limit: size, ...(after ? { after } : {}) });
    if (pages === 0) total = page.total;
    else expect(page.total).toBeNull();
    pages++;
    expect(page.rows.length).toBeLessThanOrEqual(size);
    ids.push(...page.rows.map((r) => r.id));
    if (page.next === null) return { ids, pages, total };
    if (ids.length > MAX_ROWS) throw new Error('the pages do not end');
    // A page before the last one is full.
    expect(page.rows).toHaveLength(size);
    after = page.next;
  }
}

/**
 * The trigram index's routes even for a status with few uploads: every
 * match read from it (and sorted by date), and the newest-inserted ones
 * with those the dates' index adds (allUpTo 0).
 */
const INDEX_ROUTES: SearchOptions[] = [{ fewOfAStatus: 0 }, { fewOfAStatus: 0, allUpTo: 0 }];

/** queryHistory by one of the index's routes, a page at a time. */
function allPagesByIndex(
  store: Store,
  q: HistoryQuery,
  size: number,
  options: SearchOptions,
): string[] {
  return store.withDatabase((db) => {
    const prepare: Prepare = (sql) => db.prepare<SqlValue[]>(sql);
    const ids: string[] = [];
    let after: HistoryCursor | undefined;
    for (;;) {
      const rows = queryHistory(
        prepare,
        { ...q, limit: size, ...(after ? { after } : {}) },
        options,
      );
      ids.push(...rows.map((r) => fromRow(r).id));
      const last = rows.at(-1);
      if (rows.length < size || !last) return ids;
      if (ids.length > MAX_ROWS) throw new Error('the pages do not end');
      after = { createdAt: last.created_at as number, rowid: last.search_rowid as number };
    }
  });
}

function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary, weight: 1 });
}

function seed(
  store: Store,
  rows: ReadonlyArray<typeof row extends fc.Arbitrary<infer T> ? T : never>,
): Seeded[] {
  return rows.map(({ status, ...fields }, order) => {
    const id = `u${order}`;
    store.createUpload(upload(id, fields));
    return { record: moveTo(store, id, status), order };
  });
}

describe('history search', () => {
  it('answers what the plain definition does, by any route', () => {
    const store = openStore();
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 0, maxLength: 40 }),
        fc.record({
          // Searches that match many rows (every path, every key), and tricky ones.
          search: fc.oneof(
            text,
            fc.constantFrom('/D/', 'k/a', '/d/a', 'aaa', 'a/', '"a', 'é%', 'ss', 'i̇', '%_'),
          ),
          // Mostly absent, or few rows would be left to order.
          status: sometimes(fc.constantFrom(...STATUSES)),
          from: sometimes(fc.integer({ min: 0, max: 6 })),
          to: sometimes(fc.integer({ min: 0, max: 6 })),
          limit: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(undefined)),
        }),
        (rows, q) => {
          store.withDatabase((db) => db.exec('DELETE FROM uploads'));
          const seeded = seed(store, rows);
          const expected = plainQuery(seeded, q);
          expect(store.query(q).map((r) => r.id)).toEqual(expected);
          for (const options of INDEX_ROUTES) {
            const byIndex = store.withDatabase((db) =>
              queryHistory((sql) => db.prepare<SqlValue[]>(sql), q, options).map(fromRow),
            );
            expect(byIndex.map((r) => r.id)).toEqual(expected);
          }
          // The export's pages, without the limit.
          const whole = plainQuery(seeded, { ...q, limit: undefined });
          const paged = [...store.historyPages(q, 3)].flat().map((r) => r.id);
          expect(paged).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pages through exactly the rows of one query, in its order, by either route', () => {
    const store = openStore();
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 0, maxLength: 60 }),
        fc.record({
          search: fc.oneof(fc.constant(''), text, fc.constantFrom('/D/', 'k/a', '/d/', 'b')),
          status: sometimes(fc.constantFrom(...STATUSES)),
        }),
        fc.integer({ min: 1, max: 9 }),
        (rows, q, size) => {
          store.withDatabase((db) => db.exec('DELETE FROM uploads'));
          const seeded = seed(store, rows);
          const whole = plainQuery(seeded, q);
          const { ids, pages, total } = allPages(store, q, size);
          expect(ids).toEqual(whole);
          expect(pages).toBe(Math.max(1, Math.ceil(whole.length / size)));
          expect(total).toEqual({ count: whole.length, exact: true });
          for (const options of INDEX_ROUTES) {
            expect(allPagesByIndex(store, q, size, options)).toEqual(whole);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pages a few thousand rows with equal dates, a search and a status as one query does', () => {
    const store = openStore();
    store.withDatabase((db) =>
      db.transaction(() => {
        for (let i = 0; i < 4000; i++) {
          store.createUpload(
            upload(`row-${i}`, {
              localPath: `/data/${i % 3 ? 'run-1' : 'RUN-2'}/s${i}.fastq`,
              // 25 uploads a millisecond, and every 7th added with an older date (a clock set back).
              createdAt: i % 7 ? Math.floor(i / 25) : Math.floor(i / 25) - 30,
            }),
          );
          if (i % 5 === 0) moveTo(store, `row-${i}`, 'failed');
        }
      })(),
    );
    for (const q of [{ search: 'run-2/', status: 'failed' as const }, { search: 'Run' }, {}]) {
      const one = store.query(q).map((r) => r.id);
      expect(one.length).toBeGreaterThan(200);
      for (const size of [50, 500]) {
        const { ids, total } = allPages(store, q, size);
        expect(ids).toEqual(one);
        expect(new Set(ids).size).toBe(ids.length);
        expect(total).toEqual({ count: one.length, exact: true });
        for (const options of INDEX_ROUTES) {
          expect(allPagesByIndex(store, q, size, options)).toEqual(one);
        }
      }
    }
  });

  it('counts a search up to a cap, and says when there are more', () => {
    const store = openStore();
    for (let i = 0; i < 30; i++) store.createUpload(upload(`u${i}`, { createdAt: i }));
    const count = (q: HistoryQuery, cap: number) =>
      store.withDatabase((db) => countHistory((sql) => db.prepare<SqlValue[]>(sql), q, cap));
    expect(count({ search: 'dcc' }, 10)).toEqual({ count: 10, exact: false });
    expect(count({ search: 'dcc' }, 30)).toEqual({ count: 30, exact: true });
    expect(count({ search: 'u1' }, 10)).toEqual({ count: 10, exact: false });
    expect(count({ search: 'u2' }, 20)).toEqual({ count: 11, exact: true });
    // Without a search every row is counted, whatever the cap.
    expect(count({}, 10)).toEqual({ count: 30, exact: true });
    expect(count({ status: 'failed' }, 10)).toEqual({ count: 0, exact: true });
    // The index's route counts what it reads whole, or says there are more.
    const found = (q: HistoryQuery, allUpTo: number) =>
      store.withDatabase(
        (db) =>
          searchHistory((sql) => db.prepare<SqlValue[]>(sql), q, { allUpTo, fewOfAStatus: 0 })
            .total,
      );
    expect(found({ search: '/u2', limit: 1 }, 11)).toEqual({ count: 11, exact: true });
    expect(found({ search: '/u2', limit: 1 }, 10)).toEqual({ count: 10, exact: false });
    expect(found({ search: '/u2', status: 'failed' }, 10)).toEqual({ count: 0, exact: true });
    // A first page with more after it counts; one that holds them all needs not.
    expect(store.historyPage({ search: 'u2', limit: 5 }).total).toEqual({
      count: 11,
      exact: true,
    });
    expect(store.historyPage({ search: 'u2', limit: 11 })).toMatchObject({
      next: null,
      total: { count: 11, exact: true },
    });
  });

  it('asks the index for every trigram of a search of three characters or more', () => {
    expect(trigramQuery('ab')).toBeNull();
    expect(trigramQuery('a\0bc')).toBeNull();
    expect(trigramQuery('a"bcb"bc')).toBe('"a""b" AND """bc" AND "bcb" AND "cb""" AND "b""b"');
    expect(trigramQuery('日本語')).toBe('"日本語"');
  });

  it('finds an upload by its key after the key changed, and no longer by the old one', () => {
    const store = openStore();
    store.createUpload(upload('u', { key: 'center/old-name.bam' }));
    store.updateUpload('u', { key: 'center/New-Name.bam' });
    expect(store.query({ search: 'new-name' }).map((r) => r.id)).toEqual(['u']);
    expect(store.query({ search: 'old-name' })).toEqual([]);
    store.withDatabase((db) => db.exec("DELETE FROM uploads WHERE id = 'u'"));
    expect(store.query({ search: 'name' })).toEqual([]);
  });
});

describe('migration 10', () => {
  it('indexes the uploads a version-8 database already has', () => {
    const file = join(dir, 'old.db');
    mkdirSync(dirname(file), { recursive: true });
    const raw = new Database(file);
    for (const step of MIGRATIONS.filter((m) => m.version <= 8)) {
      if (typeof step.up === 'string') raw.exec(step.up);
      else step.up(raw);
    }
    raw.pragma('user_version = 8');
    const insert = raw.prepare(
      `INSERT INTO uploads (id, local_path, size, mtime_ms, bucket, key, region, submission_profile,
         grants, part_size, status, created_at) VALUES (?, ?, 1, 1, 'b', ?, 'us-east-1', 'center',
         'id=1', 5, 'done', ?)`,
    );
    insert.run('müller', '/data/MÜLLER/a.bam', 'x/a.bam', 1);
    insert.run('other', '/data/other/b.bam', 'x/b.bam', 2);
    raw.close();
    const store = openStore(file);
    expect(store.settings().schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.query({ search: 'müller' }).map((r) => r.id)).toEqual(['müller']);
    expect(store.query({ search: 'x/b.b' }).map((r) => r.id)).toEqual(['other']);
    // New uploads are indexed as they are added.
    store.createUpload(upload('new', { localPath: '/data/Müller/c.bam' }));
    expect(store.query({ search: 'MÜLLER/' }).map((r) => r.id)).toEqual(['new', 'müller']);
  });
});

describe('history export, page by page', () => {
  it('writes the same CSV and JSON as the whole list, reading pages as it writes', async () => {
    const store = openStore();
    const seeded: UploadRecord[] = [];
    store.withDatabase((db) =>
      db.transaction(() => {
        for (let i = 0; i < 3000; i++) {
          const id = `row-${i}`;
          seeded.push(
            store.createUpload(
              upload(id, {
                localPath: `C:\\data\\run "${i}", final\n${'x'.repeat(i % 50)}.bam`,
                key: i % 7 ? `lab/${id}.bam` : `=HYPERLINK("${id}")`,
                createdAt: i % 500,
              }),
            ),
          );
        }
      })(),
    );
    const whole = store.query();
    expect(whole).toHaveLength(3000);
    for (const format of ['csv', 'json'] as const) {
      const path = join(dir, `export.${format}`);
      let pages = 0;
      let writtenBefore20th = -1;
      const watched = (function* () {
        for (const page of store.historyPages({}, 50)) {
          pages++;
          if (pages === 20) writtenBefore20th = statSync(path).size;
          // The store is free between pages: the uploads go on during an export.
          expect(store.getUpload('row-0')?.id).toBe('row-0');
          yield page;
        }
      })();
      expect(await exportHistory(path, format, watched)).toBe(3000);
      expect(pages).toBe(60);
      // Earlier pages were in the file before the 20th was read.
      expect(writtenBefore20th).toBeGreaterThan(0);
      const written = readFileSync(path, 'utf8');
      expect(written).toBe(format === 'csv' ? historyToCsv(whole) : historyToJson(whole));
    }
    // The JSON is what the whole list made at once (JSON.stringify, indented) was.
    expect(historyToJson(whole)).toBe(`${JSON.stringify(whole.map(historyRow), null, 2)}\n`);
  });

  it('writes an empty history as an empty JSON array and a CSV header', async () => {
    const store = openStore();
    const json = join(dir, 'empty.json');
    expect(await exportHistory(json, 'json', store.historyPages())).toBe(0);
    expect(readFileSync(json, 'utf8')).toBe(`${JSON.stringify([], null, 2)}\n`);
    expect(historyToJson([])).toBe('[]\n');
    const csv = join(dir, 'empty.csv');
    await exportHistory(csv, 'csv', store.historyPages());
    expect(readFileSync(csv, 'utf8').split('\r\n')).toHaveLength(2);
  });
});
