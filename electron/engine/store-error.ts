import { dirname } from 'node:path';
import { SchemaTooNewError } from './migrations';

export type StoreErrorCode =
  | 'DatabaseTooNew'
  | 'DatabaseLocked'
  | 'DatabaseUnwritable'
  | 'DiskFull'
  | 'DatabaseDamaged'
  | 'DatabaseIo'
  | 'DatabaseError'
  | 'UnknownUpload'
  | 'DuplicateUpload'
  | 'IllegalTransition'
  | 'StaleStatus'
  | 'InvalidValue';

/**
 * Every failure of the store, with a message for a lab technician that names
 * the database file and says what to do. `code` fits UploadError.code.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turns a SQLite or file-system failure into a StoreError naming the file and the fix. */
export function describeStoreFailure(err: unknown, file: string): StoreError {
  if (err instanceof StoreError) return err;
  if (err instanceof SchemaTooNewError) {
    return new StoreError(
      'DatabaseTooNew',
      `This history database was written by a newer Labdrop (schema version ${err.found}; ` +
        `this Labdrop understands up to ${err.known}): ${file}. ` +
        'Install the latest Labdrop. Do not delete the file: it holds your upload history ' +
        'and the state needed to resume unfinished uploads.',
      file,
      { cause: err },
    );
  }
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const detail = err instanceof Error ? err.message : String(err);
  const make = (kind: StoreErrorCode, message: string): StoreError =>
    new StoreError(kind, message, file, { cause: err });
  const folder = dirname(file);

  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return make(
      'DatabaseLocked',
      `The history database ${file} is locked by another Labdrop (the app or a command-line ` +
        'run) and stayed locked too long. Wait for it to finish or close it, then try again.',
    );
  }
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') {
    return make(
      'DiskFull',
      `The disk holding the history database ${file} is full. Free some space and try again.`,
    );
  }
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_PERM') ||
    code.startsWith('SQLITE_AUTH') ||
    ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR'].includes(code)
  ) {
    return make(
      'DatabaseUnwritable',
      `Labdrop cannot open or write its history database ${file} (${detail}). Check that the ` +
        `folder ${folder} exists, is a folder, and that you may write to it, or set ` +
        'LABDROP_HOME to a folder you can write to.',
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return make(
      'DatabaseDamaged',
      `${file} is not a readable Labdrop history database (${detail}). Quit Labdrop, move ` +
        'the file (and any -wal and -shm files next to it) somewhere else, and start ' +
        'Labdrop again to begin a new history. Keep the old file if you need its history.',
    );
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return make(
      'InvalidValue',
      `Labdrop tried to store an invalid value in its history database ${file} (${detail}). ` +
        'This is a bug in Labdrop; please report it with this message.',
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return make(
      'DatabaseIo',
      `Reading or writing the history database ${file} failed (${detail}). Check that the ` +
        'disk is connected and healthy, then try again.',
    );
  }
  return make('DatabaseError', `The history database ${file} failed: ${detail}`);
}
