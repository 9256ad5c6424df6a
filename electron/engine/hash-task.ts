// What HashPool (hash-pool.ts) answers and fails with, and the task records it
// shares with the hashing ahead of hash-ahead.ts. Plain Node; never import electron here.
import type { Worker } from 'node:worker_threads';
import type {
  FileChangedCode,
  HashDoneResponse,
  HashError,
  HashTaskRequest,
  RangeAlgorithm,
  SerializedError,
} from './hash-messages';

export interface FileHash {
  /** Lowercase hex of the 16-byte digest, as recorded in history. */
  md5Hex: string;
  /** Base64 of the raw 16-byte digest, as S3's `content-md5` metadata wants it. */
  md5Base64: string;
  /** From fstat when the file was opened (and unchanged when it was done). */
  size: number;
  mtimeMs: number;
}

export interface HashFileOptions {
  /** Cumulative bytes hashed, at most every ~64 MiB or 100 ms, and once at the end with the size. */
  onProgress?: (bytesHashed: number) => void;
  signal?: AbortSignal;
  /** The part size this file will be uploaded with, if not the pool's `partSize`; null: none ahead. */
  partSize?: number | null;
}

export interface HashRangeOptions {
  signal?: AbortSignal;
  /** Default 'md5'. */
  algorithm?: RangeAlgorithm;
}

/** The `code` of the error when the file changed (or got shorter) while it was being read. */
export const FILE_CHANGED: FileChangedCode = 'FileChanged';
/** Set on the errors of tasks cut short by close(), and of tasks started after it. */
export const HASH_POOL_CLOSED = 'HashPoolClosed';
/** Set on the errors of tasks that were running in a worker that died. */
export const HASH_WORKER_CRASHED = 'HashWorkerCrashed';

export interface Task {
  request: HashTaskRequest;
  /** A range hashed ahead starts once the file's whole-file pass has read past its end. */
  pace?: Pace;
  resolve: (done: HashDoneResponse) => void;
  reject: (error: Error) => void;
  onProgress?: (bytesHashed: number) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** The caller has its answer; the task may still occupy a worker until the worker replies. */
  settled: boolean;
  slot?: Slot;
}

/** How far a whole-file pass has read: its bytes hashed, Infinity once it is over. */
export interface Pace {
  hashed: number;
}

export interface Slot {
  worker?: Worker;
  /** Tasks the worker holds, by request id, settled or not, until it sends their final reply. */
  tasks: Map<number, Task>;
  fileTasks: number;
}

export function makeError(message: string, name: string, code?: string): HashError {
  const error: HashError = new Error(message);
  error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}

/** The worker's error as an Error on this side, with the same name, message and code. */
export function deserializeError({ name, message, code }: SerializedError): HashError {
  return makeError(message, name, code);
}

export function abortError(signal: AbortSignal | undefined): HashError {
  const error = makeError('Hashing was aborted', 'AbortError', 'ABORT_ERR');
  if (signal?.reason !== undefined) error.cause = signal.reason;
  return error;
}
