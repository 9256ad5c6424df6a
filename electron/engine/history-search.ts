// The history's query (Store.query, Store.historyPage), its count, and its
// pages for an export (Store.historyPages). See the note on searching the
// history in migrations.ts for the tables.
import type { HistoryCursor, HistoryQuery, HistoryTotal } from '../../shared/types';
import type { Row, SqlValue } from './upload-row';

/** Folds case the way a user expects ("MÜLLER" finds "müller"), including macOS's NFD names. */
export function fold(text: unknown): string {
  return String(text ?? '')
    .normalize('NFC')
    .toLowerCase();
}

/** What the store runs a query with: its prepared statement for a text. */
export type Prepare = (sql: string) => {
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
};

interface Filters {
  where: string[];
  params: SqlValue[];
}

/** The status and date bounds, on `u` (uploads). */
function filters(q: HistoryQuery): Filters {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (q.status !== undefined) {
    where.push('u.status = ?');
    params.push(q.status);
  }
  if (q.from !== undefined) {
    where.push('u.created_at >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    where.push('u.created_at <= ?');
    params.push(q.to);
  }
  return { where, params };
}

/** A search's condition on `t` (history_text, already folded): a substring of any of the three. */
const MATCHES = '(instr(t.local_path, ?) > 0 OR instr(t.bucket, ?) > 0 OR instr(t.key, ?) > 0)';

function limitOf(q: HistoryQuery): number {
  return q.limit !== undefined && q.limit > 0 ? Math.floor(q.limit) : -1;
}

/** The rows after `after` in the history's order (the keyset of a next page), on `u`. */
const AFTER = '(u.created_at, u.rowid) < (?, ?)';

/** The cursor after `row`: its place in the history's order. */
export function cursorOf(row: Row): HistoryCursor {
  return { createdAt: row.created_at as number, rowid: row.search_rowid as number };
}

/**
 * The history, newest first, as one statement: what Store.historyPages
 * reads page by page (`q.after`: the end of the page before), and
 * Store.query runs when the index would not help. Each row has its rowid
 * as search_rowid.
 */
export function historySql(q: HistoryQuery): { sql: string; params: SqlValue[] } {
  const { where, params } = filters(q);
  const needle = fold(q.search);
  if (needle !== '') {
    where.push(MATCHES);
    params.push(needle, needle, needle);
  }
  if (q.after) {
    where.push(AFTER);
    params.push(q.after.createdAt, q.after.rowid);
  }
  params.push(limitOf(q));
  const sql =
    'SELECT u.rowid AS search_rowid, u.* FROM uploads u' +
    (needle !== '' ? ' JOIN history_text t ON t.id = u.rowid' : '') +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY u.created_at DESC, u.rowid DESC LIMIT ?';
  return { sql, params };
}

/** A status with fewer uploads than this is searched by walking its uploads newest first (`fewOfAStatus`). */
const FEW_OF_A_STATUS = 50_000;

/**
 * The trigram query that finds every text containing `needle`, and maybe a
 * few more (detail=none does not keep positions): each of its trigrams,
 * quoted. Null when the index cannot help: fewer than three characters, or
 * a NUL, which FTS5's query syntax cannot quote.
 */
export function trigramQuery(needle: string): string | null {
  const chars = [...needle];
  if (chars.length < 3 || needle.includes('\0')) return null;
  const trigrams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) trigrams.add(chars.slice(i, i + 3).join(''));
  return [...trigrams].map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
}

/** Which route a query takes: the trigram index, or a walk of the history newest first. */
function byIndex(prepare: Prepare, q: HistoryQuery, fewOfAStatus: number): string | null {
  const trigrams = trigramQuery(fold(q.search));
  if (trigrams === null || q.status === undefined) return trigrams;
  const ofStatus = (
    prepare('SELECT count(*) AS n FROM (SELECT 1 FROM uploads WHERE status = ? LIMIT ?)').get(
      q.status,
      fewOfAStatus,
    ) as { n: number }
  ).n;
  return ofStatus < fewOfAStatus ? null : trigrams;
}

/** Newest first: created_at, then rowid (search_rowid), descending. */
function newestFirst(a: Row, b: Row): number {
  return (
    (b.created_at as number) - (a.created_at as number) ||
    (b.search_rowid as number) - (a.search_rowid as number)
  );
}

/** A search with no more matches than this is read whole from the index (see searchHistory). */
export const ALL_UP_TO = 2_000;

export interface SearchOptions {
  /** A status with fewer uploads than this is searched by walking them (default 50,000). */
  fewOfAStatus?: number;
  /** A search of the index with no more matches than this is read whole (default ALL_UP_TO; 0: never). */
  allUpTo?: number;
}

export interface Found {
  rows: Row[];
  /** How many uploads match (limit and cursor aside), where the index's route counted them: up to `allUpTo`, or more. */
  total: HistoryTotal | null;
}

/**
 * History, newest first (created_at, then rowid, descending), as
 * historySql selects it, from `q.after` on when that is given, without
 * reading the whole history for a search of three characters or more. A
 * status with few uploads is searched by walking them instead, and so is a
 * shorter search.
 *
 * The trigram index gives matches by rowid, which is insertion order:
 * creation order but for a clock set back (or a date given). So a search
 * first asks it for up to `allUpTo` + 1 matches' rowids (also its count).
 * No more than `allUpTo`: the page is picked from all of them by their
 * dates. More: the matches are common, and it asks the index for the
 * `limit` matches after the cursor newest-inserted first (below the
 * cursor's rowid), then adds, from the dates' index, any match dated no
 * earlier than the oldest among those but inserted before them or after
 * the cursor's row, and sorts. Either way a next page reads none of the
 * ones before it.
 *
 * Why that is every row: let F be what the index gave, the `limit`
 * matches after the cursor with the highest rowids below the cursor's. A
 * match x that belongs in the page but is not in F was inserted after the
 * cursor's row, or (F full) before F's first. When F is full, some row y of
 * F is then not in the page, so it sorts after x: x is dated no earlier
 * than y (later, if inserted before it), so no earlier than F's oldest date.
 * When F is not full, it holds every match inserted before the cursor's row.
 */
export function searchHistory(
  prepare: Prepare,
  q: HistoryQuery,
  { fewOfAStatus = FEW_OF_A_STATUS, allUpTo = ALL_UP_TO }: SearchOptions = {},
): Found {
  const needle = fold(q.search);
  const trigrams = byIndex(prepare, q, fewOfAStatus);
  if (trigrams === null) {
    const { sql, params } = historySql(q);
    return { rows: prepare(sql).all(...params) as Row[], total: null };
  }
  const limit = limitOf(q);
  const { where, params } = filters(q);
  const after = q.after;
  let total: HistoryTotal | null = null;
  if (allUpTo > 0) {
    // The rowids travel as one JSON array, not a row each.
    const matches = prepare(
      `SELECT count(*) AS n, json_group_array(id) AS ids FROM (SELECT s.rowid AS id
         FROM history_search s JOIN history_text t ON t.id = s.rowid${
           where.length ? ' JOIN uploads u ON u.rowid = s.rowid' : ''
         } WHERE history_search MATCH ? AND ${[MATCHES, ...where].join(' AND ')} LIMIT ?)`,
    ).get(trigrams, needle, needle, needle, ...params, allUpTo + 1) as { n: number; ids: string };
    if (matches.n <= allUpTo) {
      // The page's rowids by their dates (only created_at read), then their rows.
      const page = prepare(
        `SELECT json_group_array(id) AS ids FROM (SELECT u.rowid AS id
           FROM json_each(?) j JOIN uploads u ON u.rowid = j.value${after ? ` WHERE ${AFTER}` : ''}
           ORDER BY u.created_at DESC, u.rowid DESC LIMIT ?)`,
      ).get(matches.ids, ...(after ? [after.createdAt, after.rowid] : []), limit) as {
        ids: string;
      };
      const rows = prepare(
        'SELECT u.rowid AS search_rowid, u.* FROM json_each(?) j JOIN uploads u ON u.rowid = j.value',
      ).all(page.ids) as Row[];
      return { rows: rows.sort(newestFirst), total: { count: matches.n, exact: true } };
    }
    total = { count: allUpTo, exact: false };
  }
  if (after) {
    where.push(AFTER);
    params.push(after.createdAt, after.rowid);
  }
  const conditions = [MATCHES, ...where].join(' AND ');
  const found = prepare(
    `SELECT u.rowid AS search_rowid, u.* FROM history_search s
       JOIN history_text t ON t.id = s.rowid JOIN uploads u ON u.rowid = s.rowid
       WHERE history_search MATCH ?${after ? ' AND s.rowid < ?' : ''} AND ${conditions}
       ORDER BY s.rowid DESC LIMIT ?`,
  ).all(
    trigrams,
    ...(after ? [after.rowid] : []),
    needle,
    needle,
    needle,
    ...params,
    limit,
  ) as Row[];
  const full = limit > 0 && found.length === limit;
  if (full || after) {
    // The matches the index's order missed (see above): dated after F's
    // oldest and inserted before F's first, or inserted after the cursor's
    // row (and so, being after it in the history's order, dated before it).
    const missed: string[] = [];
    const values: SqlValue[] = [];
    let oldest = -Infinity;
    if (full) {
      let first = Infinity;
      oldest = Infinity;
      for (const row of found) {
        oldest = Math.min(oldest, row.created_at as number);
        first = Math.min(first, row.search_rowid as number);
      }
      missed.push('(+u.rowid < ? AND u.created_at > ?)');
      values.push(first, oldest);
    }
    if (after) {
      missed.push('+u.rowid > ?');
      values.push(after.rowid);
    }
    // `+u.rowid`: walk the dates' index from the cursor (or the newest) down
    // to F's oldest date, not the rowids (most of the table).
    const more = prepare(
      `SELECT u.rowid AS search_rowid, u.* FROM uploads u INDEXED BY uploads_created_at
         JOIN history_text t ON t.id = u.rowid
         WHERE ${full ? 'u.created_at >= ? AND ' : ''}(${missed.join(' OR ')}) AND ${conditions}`,
    ).all(...(full ? [oldest] : []), ...values, needle, needle, needle, ...params) as Row[];
    found.push(...more);
  }
  found.sort(newestFirst);
  return { rows: limit > 0 ? found.slice(0, limit) : found, total };
}

/** searchHistory's rows. */
export function queryHistory(prepare: Prepare, q: HistoryQuery, options?: SearchOptions): Row[] {
  return searchHistory(prepare, q, options).rows;
}

/** Counting a search's matches stops here: "more than 10,000 uploads match" (see countHistory). */
export const COUNT_CAP = 10_000;

/**
 * How many uploads match `q` (its limit and cursor aside). Without a search
 * SQLite counts an index's entries; a search counts its matches up to
 * `cap`, as counting every match of a common one (".fastq") would read most
 * of the history, and is then "at least cap".
 */
export function countHistory(
  prepare: Prepare,
  q: HistoryQuery,
  cap = COUNT_CAP,
  fewOfAStatus = FEW_OF_A_STATUS,
): HistoryTotal {
  const needle = fold(q.search);
  const { where, params } = filters(q);
  const count = (sql: string, values: SqlValue[]) =>
    (prepare(sql).get(...values) as { n: number }).n;
  if (needle === '') {
    const n = count(
      `SELECT count(*) AS n FROM uploads u${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    return { count: n, exact: true };
  }
  const trigrams = byIndex(prepare, q, fewOfAStatus);
  const conditions = [MATCHES, ...where].join(' AND ');
  // The uploads table only for a status or date; the search is all in history_text.
  const uploads = where.length ? ' JOIN uploads u ON u.rowid = t.id' : '';
  const n =
    trigrams === null
      ? count(
          `SELECT count(*) AS n FROM (SELECT 1 FROM history_text t${uploads}
             WHERE ${conditions} LIMIT ?)`,
          [needle, needle, needle, ...params, cap + 1],
        )
      : count(
          `SELECT count(*) AS n FROM (SELECT 1 FROM history_search s
             JOIN history_text t ON t.id = s.rowid${uploads}
             WHERE history_search MATCH ? AND ${conditions} LIMIT ?)`,
          [trigrams, needle, needle, needle, ...params, cap + 1],
        );
  return n > cap ? { count: cap, exact: false } : { count: n, exact: true };
}
