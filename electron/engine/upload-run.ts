import type { S3Client } from '@aws-sdk/client-s3';
import type { UploadEvent, UploadRequest, UploadStatus } from '../../shared/lifecycle';
import { isBase64Md5 } from '../../shared/md5';
import { choosePartSize, sendsMultipart } from '../../shared/parts';
import type { UploadError, UploadRecord } from '../../shared/types';
import { classifyError, contextOf, isAbort, UploadFailure } from './errors';
import { changedFailure, isUnchanged } from './file-version';
import type { AdaptiveLimiter } from './limiter';
import type { LiveCounts } from './progress';
import type { RetryOptions } from './retry';
import type { Endpoint } from './s3-client';
import type { Store, UploadPatch } from './store';
import type { Hasher, Transfer } from './transfer';
import {
  headObject,
  isReadDenied,
  verifiedFromPutAnswer,
  verifiedFromResponses,
  verifiedObject,
} from './verify';

/** Failures that pause the whole queue until the user signs in again. */
const SIGN_IN_AGAIN = new Set(['ExpiredToken', 'NoCredentials']);

/** One upload running in this process (see UploadQueue). */
export interface Job {
  id: string;
  /** Kept in step with the store: it changes only through patch() and move(). */
  record: UploadRecord;
  controller: AbortController;
  /** Why the job is being stopped, once something asked. */
  stop: UploadRequest | null;
  /** Set by a retry: a file that changed since it was hashed is hashed afresh. */
  rehash: boolean;
  /** Resume was asked while a pause was still stopping the job: it starts again after. */
  resumeAfter: boolean;
  live: LiveCounts;
  done: Promise<void>;
}

/** What one attempt at an upload needs of the queue that runs it. */
export interface RunDeps {
  store: Store;
  hasher: Hasher;
  transfer: Transfer;
  /** Files hashed at once. */
  hashing: AdaptiveLimiter;
  /** Files sent at once, each weighing its share of a part (a multipart file: one). */
  files: AdaptiveLimiter;
  clientFor: (endpoint: Endpoint) => S3Client;
  now: () => number;
  record: (id: string) => UploadRecord;
  patch: (id: string, patch: UploadPatch) => UploadRecord;
  move: (id: string, from: UploadStatus, event: UploadEvent, patch?: UploadPatch) => UploadRecord;
  /** Removes what the upload left in the bucket (cleanup.ts). */
  cleanup: (record: UploadRecord, options?: { forgetHash?: boolean }) => Promise<UploadRecord>;
  retryOptions: (record: UploadRecord, signal: AbortSignal) => RetryOptions;
  md5Key: (record: UploadRecord) => string;
  /** The endpoint stopped answering: the upload waits for it (NetworkWait). */
  waitForNetwork: (record: UploadRecord) => void;
  /** Credentials ran out: the queue pauses and asks the user to sign in again. */
  signInAgain: (reason: UploadError) => void;
}

/**
 * One attempt at one upload, from where the last stopped: hash the file
 * (unless this version's MD5 is recorded), send it (Transfer), check the
 * object (verify.ts), and settle as done, paused or failed.
 */
export async function runUpload(deps: RunDeps, job: Job): Promise<void> {
  const signal = job.controller.signal;
  try {
    signal.throwIfAborted();
    const hashed = await hashedRecord(deps, job);
    const client = deps.clientFor(hashed);
    // A small file weighs its share of a part (limiter.ts, "Note on what is in flight").
    const share = sendsMultipart(hashed) ? 1 : hashed.size / hashed.partSize;
    const release = await deps.files.acquire(signal, share);
    try {
      const record = deps.move(job.id, hashed.status, 'upload', {
        startedAt: hashed.startedAt ?? deps.now(),
        attempts: hashed.attempts + 1,
      });
      signal.throwIfAborted();
      if (!(await deps.transfer.uploadedAlready(client, record, signal))) {
        await deps.transfer.send(client, deps.record(job.id), job.live, signal);
      }
      deps.move(job.id, 'uploading', 'verify');
      signal.throwIfAborted();
      const verifying = deps.record(job.id);
      const verified =
        verifiedFromPutAnswer(verifying) ?? (await readBack(deps, client, verifying, signal));
      // A multipart upload's parts were kept for the verification; a single PUT has none.
      if (sendsMultipart(verifying)) deps.store.clearParts(job.id);
      deps.move(job.id, 'verifying', 'finish', { ...verified, finishedAt: deps.now() });
    } finally {
      release();
    }
  } catch (error) {
    const { code } = classifyError(error, contextOf(deps.record(job.id)));
    if (!job.stop && (code === 'FileChanged' || code === 'ChangedSinceReview')) {
      // Parts of another version of the file, or of an upload the bucket
      // refused to complete (the key changed since the review), are worth
      // nothing: remove them from the bucket now rather than leave them to
      // be billed. A missing
      // file keeps its parts: a drive not mounted yet, or a file moved
      // away, comes back unchanged, and Retry carries on where it stopped.
      const record = deps.record(job.id);
      await deps.cleanup(record).catch(() => undefined);
    }
    settleFailure(deps, job, error);
  }
}

/** Reads the object back; where that is denied, verifies it from S3's answers to the upload. */
async function readBack(
  deps: RunDeps,
  client: S3Client,
  record: UploadRecord,
  signal: AbortSignal,
): Promise<UploadPatch> {
  const retry = deps.retryOptions(record, signal);
  const head = await headObject(client, record, signal, retry).catch((error: unknown) => {
    if (isReadDenied(error)) return null;
    throw error;
  });
  return head
    ? verifiedObject(record, head, deps.md5Key(record))
    : verifiedFromResponses(record, deps.store.completedParts(record.id));
}

function settleFailure(deps: RunDeps, job: Job, error: unknown): void {
  if (job.stop === 'cancel') return; // the cancel finishes the record
  const from = job.record.status;
  if (job.stop === 'pause' || isAbort(error)) {
    deps.move(job.id, from, 'pause');
    return;
  }
  const failure = classifyError(error, contextOf(job.record));
  const lastError: UploadError = { code: failure.code, message: failure.message };
  if (SIGN_IN_AGAIN.has(failure.code)) {
    // No file fails because a session ran out: the queue waits for the user
    // to sign in again, then resumeAll() picks everything up.
    deps.move(job.id, from, 'pause', { lastError });
    deps.signInAgain(lastError);
    return;
  }
  if (error instanceof UploadFailure && error.transient) {
    // Connectivity never fails a file: it waits, and goes on once the
    // endpoint answers again (network-wait.ts).
    deps.waitForNetwork(deps.move(job.id, from, 'disconnect', { lastError }));
    return;
  }
  deps.move(job.id, from, 'fail', { lastError, finishedAt: deps.now() });
}

/** Hashes the file unless a hash of this exact version (size and mtime) is recorded. */
async function hashedRecord(deps: RunDeps, job: Job): Promise<UploadRecord> {
  const signal = job.controller.signal;
  let record = deps.record(job.id);
  const unchanged = await isUnchanged(record);
  if (record.md5Base64 && unchanged) return record;
  if (record.md5Base64 && !job.rehash) throw changedFailure(record, 'since it was hashed');
  if (record.md5Base64 || record.uploadId) {
    // A changed file starts over: the old upload, what it sent and the old hash go.
    record = await deps.cleanup(record, { forgetHash: true });
    job.live.confirmedBytes = 0;
  }

  const release = await deps.hashing.acquire(signal);
  try {
    deps.move(job.id, record.status, 'hash');
    const hash = await deps.hasher.hashFile(record.localPath, {
      signal,
      // The pool hashes the parts ahead too, cut as they will be sent (none for a single PUT).
      partSize: sendsMultipart(record) ? record.partSize : null,
      onProgress: (bytes) => {
        job.live.hashedBytes = bytes;
      },
    });
    if (!isBase64Md5(hash.md5Base64)) {
      throw new Error(`The hash pool returned an invalid MD5 for ${record.localPath}`);
    }
    return deps.patch(job.id, {
      md5Hex: hash.md5Hex,
      md5Base64: hash.md5Base64,
      size: hash.size,
      mtimeMs: hash.mtimeMs,
      partSize: choosePartSize(hash.size, record.partSize),
    });
  } finally {
    release();
  }
}
