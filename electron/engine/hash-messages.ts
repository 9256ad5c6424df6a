/**
 * The messages between HashPool (hash-pool.ts) and its workers (hash.worker.ts).
 * Every request carries an id; every reply names the id it answers. A request
 * gets exactly one final reply (`file-done`, `range-done` or `error`), even
 * after a `cancel`, so the pool knows when the worker has let go of the task.
 * Types only (see FileChangedCode).
 */

/** What HashPool gives each worker it starts (its workerData). */
export interface HashWorkerData {
  /** [0]: whole-file passes running in the pool's workers (kept by the pool, read by workers). */
  wholeFiles: Int32Array;
}

/** Whole-file MD5 of `path`, with fstat checks before and after the read pass. */
export interface HashFileRequest {
  type: 'hash-file';
  id: number;
  path: string;
  /** Whether the pool wants `progress` replies for this request. */
  progress: boolean;
}

/** What a part is checked with: its MD5 (Content-MD5, the ETag) or S3's CRC32 checksum. */
export type RangeAlgorithm = 'md5' | 'crc32';

/** The MD5 or CRC32 of bytes [start, end) of `path`. */
export interface HashRangeRequest {
  type: 'hash-range';
  id: number;
  path: string;
  start: number;
  end: number;
  algorithm: RangeAlgorithm;
}

/** Stop working on request `id` as soon as possible; it then replies with an AbortError. */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

export type HashTaskRequest = HashFileRequest | HashRangeRequest;
export type HashRequest = HashTaskRequest | CancelRequest;

/** Cumulative bytes hashed so far for a `hash-file` request. */
export interface ProgressResponse {
  type: 'progress';
  id: number;
  bytesHashed: number;
}

export interface FileDoneResponse {
  type: 'file-done';
  id: number;
  md5Hex: string;
  md5Base64: string;
  size: number;
  mtimeMs: number;
}

export interface RangeDoneResponse {
  type: 'range-done';
  id: number;
  /** Base64 of the digest's bytes (a CRC32 big-endian), as S3's headers carry it. */
  digestBase64: string;
}

export interface ErrorResponse {
  type: 'error';
  id: number;
  error: SerializedError;
}

export type HashDoneResponse = FileDoneResponse | RangeDoneResponse;
export type HashResponse = ProgressResponse | HashDoneResponse | ErrorResponse;

/** An Error as it crosses the thread boundary: structured clone drops `code`. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

/** An Error with Node's optional string `code` (ENOENT, EACCES, FileChanged, ...). */
export interface HashError extends Error {
  code?: string;
}

/**
 * The `code` of the error when the file's size or mtime changed, or it got
 * shorter, while it was being read. Both sides spell it out as a literal of this
 * type: a runtime export here would make the bundler split this file into a
 * chunk shared by hash.worker.js and the main bundles, and the worker entry is
 * meant to stand alone.
 */
export type FileChangedCode = 'FileChanged';
