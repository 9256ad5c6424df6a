// The history's query (Store.query) and its pages for an export (Store.historyPages).
// See the note on searching the history in migrations.ts for the tables.
import type { HistoryQuery } from '../../shared/types';
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

/** Where a page of the history ends: the last row's date and rowid (see Store.historyPages). */
export interface PageEnd {
  createdAt: number;
  rowid: number;
}

/**
 * The history, newest first, as one statement: what Store.historyPages
 * reads page by page (`after`: the end of the page before), and Store.query
 * runs when the index would not help. Each row has its rowid as search_rowid.
 */
export function historySql(q: HistoryQuery, after?: PageEnd): { sql: string; params: SqlValue[] } {
  const { where, params } = filters(q);
  const needle = fold(q.search);
  if (needle !== '') {
    where.push(MATCHES);
    params.push(needle, needle, needle);
  }
  if (after) {
    where.push('(u.created_at, u.rowid) < (?, ?)');
    params.push(after.createdAt, after.rowid);
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

/**
 * History, newest first (created_at, then rowid, descending), as
 * historySql selects it. A search of three characters or more asks the
 * trigram index for the matching uploads newest-inserted first and stops at
 * the limit; as insertion order is creation order but for a clock set back
 * (or a date given), it then adds any match created after the oldest date
 * among those but inserted before them, and sorts: the same rows as
 * historySql, without reading the whole history. A status with few
 * uploads is searched by walking them instead.
 */
export function queryHistory(
  prepare: Prepare,
  q: HistoryQuery,
  fewOfAStatus = FEW_OF_A_STATUS,
): Row[] {
  const needle = fold(q.search);
  const trigrams = trigramQuery(needle);
  const fewOfStatus = () =>
    (
      prepare('SELECT count(*) AS n FROM (SELECT 1 FROM uploads WHERE status = ? LIMIT ?)').get(
        q.status ?? null,
        fewOfAStatus,
      ) as { n: number }
    ).n < fewOfAStatus;
  if (trigrams === null || (q.status !== undefined && fewOfStatus())) {
    const { sql, params } = historySql(q);
    return prepare(sql).all(...params) as Row[];
  }
  const limit = limitOf(q);
  const { where, params } = filters(q);
  const conditions = [MATCHES, ...where].join(' AND ');
  const found = prepare(
    `SELECT u.rowid AS search_rowid, u.* FROM history_search s
       JOIN history_text t ON t.id = s.rowid JOIN uploads u ON u.rowid = s.rowid
       WHERE history_search MATCH ? AND ${conditions} ORDER BY s.rowid DESC LIMIT ?`,
  ).all(trigrams, needle, needle, needle, ...params, limit) as Row[];
  if (limit > 0 && found.length === limit) {
    let oldest = Infinity;
    let first = Infinity;
    for (const row of found) {
      oldest = Math.min(oldest, row.created_at as number);
      first = Math.min(first, row.search_rowid as number);
    }
    // `+u.rowid`: walk the dates' index, not the rowids below `first` (most of the table).
    const earlier = prepare(
      `SELECT u.rowid AS search_rowid, u.* FROM uploads u INDEXED BY uploads_created_at
         JOIN history_text t ON t.id = u.rowid
         WHERE u.created_at > ? AND +u.rowid < ? AND ${conditions}`,
    ).all(oldest, first, needle, needle, needle, ...params) as Row[];
    found.push(...earlier);
  }
  found.sort(
    (a, b) =>
      (b.created_at as number) - (a.created_at as number) ||
      (b.search_rowid as number) - (a.search_rowid as number),
  );
  return limit > 0 ? found.slice(0, limit) : found;
}
