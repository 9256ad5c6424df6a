import { describeChecks } from '../../../shared/verification';
import { formatBytes } from '../../../shared/format';
import type { UploadRecord } from '../../../shared/types';
import { once } from 'node:events';
import { historyCsv, historyJson } from '../../engine/history-export';
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
    } else printHistory(store.query(filter));
    return EXIT.ok;
  });
}

/** The history table; the demo prints its own to stderr under --json. */
export function printHistory(rows: UploadRecord[], say: (line: string) => void = out): void {
  if (rows.length === 0) {
    say('No uploads yet.');
    return;
  }
  say(
    `${'ID'.padEnd(8)}  ${'STATUS'.padEnd(9)}  ${'SIZE'.padStart(10)}  ${'FINISHED'.padEnd(16)}  OBJECT`,
  );
  for (const row of rows) {
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
}
