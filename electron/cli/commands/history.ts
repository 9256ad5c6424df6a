import { describeChecks } from '../../../shared/verification';
import { formatBytes } from '../../../shared/format';
import type { HistoryCursor, HistoryQuery, UploadRecord } from '../../../shared/types';
import { once } from 'node:events';
import { historyCsv, historyJson } from '../../engine/history-export';
import type { Store } from '../../engine/store';
import type { CommandOf } from '../args';
import { EXIT, out, withStore } from '../io';

/** `labdrop history`: a table, or the app's JSON or CSV export. */
export function history(command: CommandOf<'history'>): Promise<number> {
  return withStore(async (store) => {
    const filter = {
      ...(command.status ? { status: command.status } : {}),
      ...(command.search ? { search: command.search } : {}),
    };
    if (command.format === 'json' || command.format === 'csv') {
      // Page by page, as the app exports: a history of a million uploads is not held in memory.
      const pages = store.historyPages(filter);
      for (const text of command.format === 'json' ? historyJson(pages) : historyCsv(pages)) {
        if (!process.stdout.write(text)) await once(process.stdout, 'drain');
      }
    } else printHistory(searchPages(store, filter));
    return EXIT.ok;
  });
}

/**
 * query()'s rows a page at a time, as the history view reads them
 * (Store.historyPage: the trigram index for a search, a cursor from page to
 * page), so that a search stays quick and a long history is not held whole.
 */
function* searchPages(store: Store, filter: HistoryQuery): Generator<UploadRecord[]> {
  let after: HistoryCursor | null = null;
  do {
    const page = store.historyPage({ ...filter, limit: 1000, ...(after ? { after } : {}) });
    yield page.rows;
    after = page.next;
  } while (after);
}

/**
 * The history table, newest first, from its pages as they are read (the
 * whole history is never held at once); the demo prints its own to stderr
 * under --json.
 */
export function printHistory(
  pages: Iterable<readonly UploadRecord[]>,
  say: (line: string) => void = out,
): void {
  let printed = false;
  for (const page of pages) {
    for (const row of page) {
      if (!printed) {
        say(
          `${'ID'.padEnd(8)}  ${'STATUS'.padEnd(9)}  ${'SIZE'.padStart(10)}  ${'FINISHED'.padEnd(16)}  OBJECT`,
        );
        printed = true;
      }
      printRow(row, say);
    }
  }
  if (!printed) say('No uploads yet.');
}

function printRow(row: UploadRecord, say: (line: string) => void): void {
  const finished = row.finishedAt
    ? new Date(row.finishedAt).toISOString().slice(0, 16).replace('T', ' ')
    : '';
  say(
    `${row.id.slice(0, 8)}  ${row.status.padEnd(9)}  ${formatBytes(row.size).padStart(10)}  ${finished.padEnd(16)}  s3://${row.bucket}/${row.key}`,
  );
  if (row.md5Base64 && row.status === 'done') {
    say(`${' '.repeat(10)}content-md5 ${row.md5Base64}  md5 ${row.md5Hex}`);
    const checks = describeChecks(row);
    if (checks) say(`${' '.repeat(10)}${checks}`);
  }
  if (row.lastError && row.status !== 'done') say(`${' '.repeat(10)}${row.lastError.message}`);
}
