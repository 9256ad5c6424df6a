import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadError, UploadRecord } from '../../shared/types';

/** Column order of both exports. */
export const HISTORY_COLUMNS = [
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
] as const;

export type HistoryColumn = (typeof HISTORY_COLUMNS)[number];

/** One exported row. `last_error` is the message in CSV and `{ code, message }` in JSON. */
export type HistoryRow = Record<Exclude<HistoryColumn, 'last_error'>, string | number | null> & {
  last_error: UploadError | null;
};

/** Bytes per second from start to finish; null until both times are known. */
export function averageSpeed(rec: UploadRecord): number | null {
  if (rec.startedAt === null || rec.finishedAt === null) return null;
  const seconds = (rec.finishedAt - rec.startedAt) / 1000;
  return seconds > 0 ? rec.bytesUploaded / seconds : null;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function historyRow(rec: UploadRecord): HistoryRow {
  return {
    id: rec.id,
    local_path: rec.localPath,
    size: rec.size,
    md5_hex: rec.md5Hex,
    md5_base64: rec.md5Base64,
    bucket: rec.bucket,
    key: rec.key,
    grants: rec.grants,
    etag: rec.etag,
    version_id: rec.versionId,
    status: rec.status,
    attempts: rec.attempts,
    bytes_uploaded: rec.bytesUploaded,
    average_speed_bytes_per_s: averageSpeed(rec),
    started_at: iso(rec.startedAt),
    finished_at: iso(rec.finishedAt),
    last_error: rec.lastError ? { code: rec.lastError.code, message: rec.lastError.message } : null,
    endpoint: rec.endpoint,
    region: rec.region,
    synapse_id: rec.synapseId,
    crc32_base64: rec.crc32Base64,
    verification: rec.verification,
    server_check: rec.serverCheck,
    encryption: rec.encryption,
    // What the review found at the key: why a skipped file was not sent.
    bucket_verdict: rec.bucketCheck?.verdict ?? null,
    bucket_evidence: rec.bucketCheck?.evidence ?? null,
    bucket_object_etag: rec.bucketCheck?.etag ?? null,
    bucket_checked_at: iso(rec.bucketCheck?.checkedAt ?? null),
  };
}

// Excel, LibreOffice and Google Sheets run a cell that starts with one of these
// as a formula, so a file named "=HYPERLINK(...).csv" could act when a user
// opens the export. A leading apostrophe makes the cell text (OWASP's advice).
// Only text cells are guarded: numbers and our ISO dates never start this way.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(rec: UploadRecord): string {
  const row = historyRow(rec);
  const fields = HISTORY_COLUMNS.map((column) =>
    csvField(column === 'last_error' ? (row.last_error?.message ?? null) : row[column]),
  );
  return `${fields.join(',')}\r\n`;
}

/**
 * RFC 4180 CSV: a header row, CRLF after every record, fields quoted when they
 * hold a comma, quote or line break. Empty cells are nulls. One piece of
 * text per page of rows.
 */
export function* historyCsv(pages: Iterable<readonly UploadRecord[]>): Generator<string> {
  yield `${HISTORY_COLUMNS.join(',')}\r\n`;
  for (const page of pages) yield page.map(csvLine).join('');
}

/**
 * A pretty JSON array of the same rows, with the error's code as well as its
 * message: what `JSON.stringify(rows, null, 2)` writes, a page at a time.
 */
export function* historyJson(pages: Iterable<readonly UploadRecord[]>): Generator<string> {
  let first = true;
  for (const page of pages) {
    if (page.length === 0) continue;
    // JSON escapes line breaks in strings, so every line break is between values.
    const items = page.map((rec) =>
      `  ${JSON.stringify(historyRow(rec), null, 2)}`.replaceAll('\n', '\n  '),
    );
    yield `${first ? '[\n' : ',\n'}${items.join(',\n')}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}

/**
 * Writes the history to `path` as it is read, page by page (Store.historyPages),
 * with the file's back-pressure: memory holds one page, whatever the history's
 * size. Returns the number of rows written.
 */
export async function exportHistory(
  path: string,
  format: 'csv' | 'json',
  pages: Iterable<readonly UploadRecord[]>,
): Promise<number> {
  let rows = 0;
  const counted = (function* () {
    for (const page of pages) {
      rows += page.length;
      yield page;
    }
  })();
  const text = format === 'csv' ? historyCsv(counted) : historyJson(counted);
  await pipeline(Readable.from(text, { objectMode: false }), createWriteStream(path));
  return rows;
}
