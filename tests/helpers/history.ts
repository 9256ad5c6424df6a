// A whole history as one text, as the export writes it page by page
// (electron/engine/history-export.ts): what the tests compare files with.
import { historyCsv, historyJson } from '../../electron/engine/history-export';
import type { UploadRecord } from '../../shared/types';

export function historyToCsv(rows: readonly UploadRecord[]): string {
  return [...historyCsv([rows])].join('');
}

export function historyToJson(rows: readonly UploadRecord[]): string {
  return [...historyJson([rows])].join('');
}
