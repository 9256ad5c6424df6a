import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isBase64Md5 } from '../../shared/md5';
import {
  choosePartSize,
  DEFAULT_PART_SIZE,
  isMultipart,
  partCount,
  partRange,
} from '../../shared/parts';
import { grantFullControlHeader, type SubmissionProfile } from '../../shared/profile';
import type { UploadError, UploadProgress, UploadRecord, UploadStatus } from '../../shared/types';
import { contentTypeFor } from './content-type';
import { crc32FromBase64, crc32OfParts, crc32ToBase64 } from './crc32';
import { openRange, PartBuffers, type RangeBody } from './file-range';
import { classifyError, isAbort, UploadFailure, type ErrorContext } from './errors';
import type { HashPool, RangeAlgorithm } from './hash-pool';
import { AdaptiveLimiter } from './limiter';
import { PREFLIGHT_RETRY, UPLOAD_RETRY, withRetry, type RetryPolicy } from './retry';
import type { Endpoint } from './s3-client';
import type { Plan } from './scan';
import { CANCEL_INCOMPLETE, type CompletedPart, type Store } from './store';
import type { UploadLocks } from './upload-lock';

export type Hasher = Pick<HashPool, 'hashFile' | 'hashRange'>;

export interface Target extends Endpoint {
  bucket: string;
  /** The saved target's Synapse folder, recorded as a label with each upload. */
  synapseId?: string | null;
}

export interface QueueOptions {
  store: Store;
  hasher: Hasher;
  /** Returns the S3 client for an endpoint; the queue never builds one itself. */
  clientFor: (endpoint: Endpoint) => S3Client;
  /** The profile new uploads follow. */
  profile: SubmissionProfile;
  /** Finds the profile a recorded upload followed, so a resume keeps its rules. */
  profileNamed?: (name: string) => SubmissionProfile | undefined;
  /** Global limit on parallel part requests across all files. */
  partConcurrency?: number;
  /** Files hashed at once; match the hash pool's threads. */
  hashConcurrency?: number;
  /** Requested part size; grown per file so no file needs more than 10,000 parts. */
  partSize?: number;
  retry?: RetryPolicy;
  preflightRetry?: RetryPolicy;
  /** Keeps two Labdrop processes off the same upload; none in single-process tests. */
  locks?: UploadLocks;
  now?: () => number;
}

type StopReason = 'pause' | 'cancel';

interface Job {
  id: string;
  record: UploadRecord;
  controller: AbortController;
  stop: StopReason | null;
  /** Set by a retry: a file that changed since it was hashed is hashed afresh. */
  rehash: boolean;
  /** Bytes of parts confirmed by S3, plus bytes read for parts in flight. */
  confirmedBytes: number;
  inflight: Map<number, number>;
  /** Resume was asked while a pause was still stopping the job: it starts again after. */
  resumeAfter: boolean;
  /** The status this process last wrote: another one in the store was asked by another process. */
  written: UploadStatus;
  hashedBytes: number;
  samples: Array<{ at: number; bytes: number }>;
  done: Promise<void>;
}

const SPEED_WINDOW_MS = 5_000;

/** Failures that pause the whole queue until the user signs in again. */
const SIGN_IN_AGAIN = new Set(['ExpiredToken', 'NoCredentials']);

/**
 * The upload engine: a queue across files where hashing the next files
 * overlaps uploading the current ones, with one global limit on part requests.
 *
 * Note on the center's rules (enforced here, for every file):
 * - `x-amz-grant-full-control` with the profile's canonical IDs goes on
 *   PutObject and on CreateMultipartUpload;
 * - user metadata `content-md5` is base64 of the raw whole-file MD5, so the
 *   file is hashed before its upload is created;
 * - after completion, HeadObject must show the same size and `content-md5`.
 */
export class UploadQueue {
  private readonly jobs = new Map<string, Job>();
  /** Cancels still at work, removing what their uploads left. */
  private readonly cancelling = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(progress: UploadProgress) => void>();
  private readonly attention = new Set<(reason: UploadError) => void>();
  private readonly parts: AdaptiveLimiter;
  private readonly hashing: AdaptiveLimiter;
  private readonly files: AdaptiveLimiter;
  private readonly partBuffers = new PartBuffers();
  private readonly retry: RetryPolicy;
  private readonly preflightRetry: RetryPolicy;
  private readonly now: () => number;
  private partSize: number;

  constructor(private readonly options: QueueOptions) {
    const partConcurrency = options.partConcurrency ?? 8;
    this.parts = new AdaptiveLimiter(partConcurrency);
    this.files = new AdaptiveLimiter(partConcurrency);
    this.hashing = new AdaptiveLimiter(options.hashConcurrency ?? 2);
    this.retry = options.retry ?? UPLOAD_RETRY;
    this.preflightRetry = options.preflightRetry ?? PREFLIGHT_RETRY;
    this.now = options.now ?? Date.now;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
  }

  /**
   * Listens for conditions the user must act on before anything can go on
   * (credentials that expired mid-upload); the queue is paused meanwhile.
   */
  onAttention(listener: (reason: UploadError) => void): () => void {
    this.attention.add(listener);
    return () => this.attention.delete(listener);
  }

  /** Listens for status changes (not byte counts: poll `snapshot()` for those). */
  onChange(listener: (progress: UploadProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Checks the target can be reached before anything is recorded: the bucket
   * exists and the credentials work. A 403 is not conclusive (uploaders often
   * may not list or head a bucket), so it lets the upload go ahead. Returns
   * the bucket's region when S3 names it.
   */
  async preflight(target: Target): Promise<string | null> {
    const client = this.options.clientFor(target);
    return withRetry(
      async () => {
        try {
          const head = await client.send(new HeadBucketCommand({ Bucket: target.bucket }));
          return head.BucketRegion ?? null;
        } catch (error) {
          const { $metadata, $response } = error as {
            $metadata?: { httpStatusCode?: number };
            $response?: { headers?: Record<string, string | undefined> };
          };
          const status = $metadata?.httpStatusCode;
          if (status === 403) return $response?.headers?.['x-amz-bucket-region'] ?? null;
          if (status === 404)
            throw Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' });
          throw error;
        }
      },
      {
        policy: this.preflightRetry,
        context: { bucket: target.bucket, endpoint: target.endpoint },
      },
    );
  }

  /**
   * Records every planned file and starts the batch, under `profile` (a saved
   * target's) or the queue's. Refuses a plan with problems.
   */
  async add(
    plan: Plan,
    target: Target,
    profile: SubmissionProfile = this.options.profile,
  ): Promise<UploadRecord[]> {
    if (plan.problems.length > 0) {
      throw new UploadFailure({ code: 'BadInput', message: plan.problems.join('\n') });
    }
    // Requests go to the bucket's own region: one in another region would
    // answer each with a redirect, which cannot send a part's bytes again.
    const region = (await this.preflight(target)) ?? target.region;
    const grants = grantFullControlHeader(profile);
    const records = plan.files.map((file) =>
      this.options.store.createUpload({
        id: randomUUID(),
        localPath: file.localPath,
        size: file.size,
        mtimeMs: file.mtimeMs,
        bucket: target.bucket,
        key: file.key,
        endpoint: target.endpoint,
        region,
        awsProfile: target.awsProfile,
        submissionProfile: profile.name,
        synapseId: target.synapseId ?? null,
        grants,
        partSize: choosePartSize(file.size, this.partSize),
        createdAt: this.now(),
      }),
    );
    for (const record of records) this.start(record.id);
    return records;
  }

  /**
   * Picks up uploads left unfinished, e.g. by a crash or a pause; returns
   * those it started (not those another Labdrop process is working on).
   */
  resumeAll(): UploadRecord[] {
    return this.options.store.unfinished().filter((record) => this.resume(record.id));
  }

  /** Returns whether the upload is running here now. */
  resume(id: string): boolean {
    const record = this.record(id);
    const job = this.jobs.get(id);
    if (job) {
      // A pause that has not stopped it yet (a request the signal cannot
      // cut short, such as CompleteMultipartUpload) is undone once it has.
      if (job.stop === 'pause') job.resumeAfter = true;
      return true;
    }
    if (record.status === 'done' || record.status === 'cancelled') return false;
    return this.start(id);
  }

  /** Starts a failed upload again; a file that changed is hashed afresh. */
  retryUpload(id: string): boolean {
    const record = this.record(id);
    if (this.jobs.has(id)) return true;
    if (record.status !== 'failed' || !this.lock(id)) return false;
    return this.start(id, true);
  }

  async pause(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    job.stop ??= 'pause';
    job.resumeAfter = false;
    job.controller.abort();
    await job.done;
  }

  async pauseAll(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((id) => this.pause(id)));
  }

  /**
   * Stops the upload and removes its parts from the bucket: nothing is left
   * behind. An upload another Labdrop process is working on is marked
   * cancelled; that process stops it and removes the parts
   * (applyExternalRequests).
   *
   * The cancel stands even when the bucket cannot be reached: the upload is
   * never resumed, and what it left is removed by the next cancel of it
   * (removeLeftovers when the app starts, or `labdrop cancel ID`).
   */
  cancel(id: string): Promise<'cancelled' | 'requested'> {
    const cancelled = this.cancelNow(id);
    // idle() waits for it: removing the parts comes after the upload stopped.
    this.cancelling.add(cancelled);
    const forget = () => this.cancelling.delete(cancelled);
    cancelled.then(forget, forget);
    return cancelled;
  }

  private async cancelNow(id: string): Promise<'cancelled' | 'requested'> {
    const job = this.jobs.get(id);
    // What the window shows until the cancel (the store may say cancelled already).
    const shown = job?.record.status;
    if (job) {
      job.stop = 'cancel';
      job.resumeAfter = false;
      job.controller.abort();
      await job.done;
    } else if (!this.lock(id)) {
      this.update(id, { status: 'cancelled' });
      return 'requested';
    }
    try {
      const record = this.record(id);
      if (record.status === 'done') return 'cancelled';
      // Stopped here, or cancelled before with something it could not remove.
      const left =
        job !== undefined ||
        record.status !== 'cancelled' ||
        record.uploadId !== null ||
        record.lastError?.code === CANCEL_INCOMPLETE;
      this.update(
        id,
        {
          status: 'cancelled',
          finishedAt: (record.status === 'cancelled' && record.finishedAt) || this.now(),
        },
        shown,
      );
      if (left) await this.abandon(record);
    } finally {
      if (!this.jobs.has(id)) this.options.locks?.release(id);
    }
    return 'cancelled';
  }

  /** Cancels again the cancelled uploads whose parts or object could not be removed then. */
  async removeLeftovers(): Promise<void> {
    for (const record of this.options.store.cancelledWithLeftovers()) {
      await this.cancel(record.id).catch(() => undefined);
    }
  }

  /**
   * Removes what a cancelled upload left in the bucket: its parts, or its
   * object when S3 had all of it but it was not verified yet.
   */
  private async abandon(record: UploadRecord): Promise<void> {
    const client = this.options.clientFor(record);
    const retry = { policy: this.preflightRetry, context: this.context(record) };
    try {
      if (record.uploadId) {
        const UploadId = record.uploadId;
        await withRetry(
          () =>
            client.send(
              new AbortMultipartUploadCommand({ Bucket: record.bucket, Key: record.key, UploadId }),
            ),
          retry,
        ).catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'NoSuchUpload') throw error;
        });
      }
      if (record.etag) {
        const target = {
          Bucket: record.bucket,
          Key: record.key,
          // "null" is how an unversioned bucket names its one version.
          VersionId: record.versionId === 'null' ? undefined : (record.versionId ?? undefined),
        };
        // Only this upload's object: a later upload to the same key stays,
        // even one of the same bytes (and so the same ETag).
        const head = this.options.store.hasLaterUploadTo(record)
          ? null
          : await withRetry(() => client.send(new HeadObjectCommand(target)), retry).catch(
              (error: unknown) => {
                if ((error as { code?: string }).code !== 'NotFound') throw error;
                return null;
              },
            );
        if (head?.ETag === record.etag) {
          await withRetry(() => client.send(new DeleteObjectCommand(target)), retry);
        }
      }
    } catch (error) {
      const { message } = classifyError(error, this.context(record));
      const [left, them] = record.uploadId
        ? ['the parts it already sent stay in the bucket', 'them']
        : ['the whole object is in the bucket, where the sync job may copy it', 'it'];
      const lastError: UploadError = {
        code: CANCEL_INCOMPLETE,
        message: `Cancelled, but ${left}: ${message} Labdrop removes ${them} when it next starts, or run \`labdrop cancel ${record.id.slice(0, 8)}\`.`,
      };
      this.update(record.id, { lastError });
      throw new UploadFailure(lastError);
    }
    this.options.store.clearParts(record.id);
    this.update(record.id, { uploadId: null, etag: null, lastError: null });
  }

  /**
   * Applies pause and cancel requests another Labdrop process wrote to the
   * store (`labdrop pause ID` while the app or another CLI uploads it).
   */
  applyExternalRequests(): void {
    const statuses = this.options.store.statusesOf([...this.jobs.keys()]);
    for (const job of this.jobs.values()) {
      if (!job.stop) this.heedRequest(job, statuses.get(job.id));
    }
  }

  /** Resolves when no upload is running and no cancel is still removing parts. */
  async idle(): Promise<void> {
    while (this.jobs.size > 0 || this.cancelling.size > 0) {
      await Promise.allSettled([
        ...[...this.jobs.values()].map((job) => job.done),
        ...this.cancelling,
      ]);
    }
  }

  /** One upload as it stands: live counts while it runs here, the record otherwise. */
  progressOf(id: string): UploadProgress {
    return this.progress(this.record(id), this.jobs.get(id), this.now());
  }

  snapshot(): UploadProgress[] {
    const now = this.now();
    return [...this.jobs.values()].map((job) => this.progress(this.record(job.id), job, now));
  }

  /** The part size for uploads added from now on; started ones keep theirs (resume needs it). */
  setPartSize(bytes: number): void {
    this.partSize = bytes;
  }

  setPartConcurrency(limit: number): void {
    this.parts.setMax(limit);
    this.files.setMax(limit);
  }

  private lock(id: string): boolean {
    return this.options.locks?.acquire(id).ok ?? true;
  }

  private start(id: string, rehash = false): boolean {
    if (!this.lock(id)) return false;
    const controller = new AbortController();
    const record = this.record(id);
    const job: Job = {
      id,
      record,
      controller,
      stop: null,
      rehash,
      // What the last run had sent, until S3's list of parts says.
      confirmedBytes: record.bytesUploaded,
      inflight: new Map(),
      resumeAfter: false,
      written: record.status,
      hashedBytes: 0,
      samples: [],
      done: Promise.resolve(),
    };
    this.jobs.set(id, job);
    // A new attempt: what stopped the last one no longer shows.
    this.update(id, { status: 'queued', lastError: null });
    job.done = this.run(job).finally(() => {
      this.jobs.delete(id);
      this.options.locks?.release(id);
      if (job.resumeAfter) this.resume(id);
    });
    return true;
  }

  private async run(job: Job): Promise<void> {
    const signal = job.controller.signal;
    try {
      let record = await this.hashed(job);
      const client = this.options.clientFor(record);
      const release = await this.files.acquire(signal);
      try {
        this.update(job.id, {
          status: 'uploading',
          startedAt: record.startedAt ?? this.now(),
          attempts: record.attempts + 1,
        });
        record = this.record(job.id);
        const uploadedAlready = await this.uploadedAlready(client, record, signal);
        if (!uploadedAlready) {
          await (isMultipart(record.size, record.partSize)
            ? this.putMultipart(client, record, job).catch(async (error: unknown) => {
                // The server lost the upload (aborted elsewhere, expired, or a
                // store that restarted): start it over once, from the file.
                if ((error as { code?: string }).code !== 'NoSuchUpload') throw error;
                this.options.store.clearParts(job.id);
                return this.putMultipart(client, this.update(job.id, { uploadId: null }), job);
              })
            : this.putSingle(client, record, job));
        }
        this.update(job.id, { status: 'verifying' });
        await this.verify(client, this.record(job.id), signal);
      } finally {
        release();
      }
    } catch (error) {
      const { code } = classifyError(error, this.context(this.record(job.id)));
      if (!job.stop && code === 'FileChanged') {
        // Parts of another version of the file are worth nothing: remove them
        // from the bucket now rather than leave them to be billed. A missing
        // file keeps its parts: a drive not mounted yet, or a file moved
        // away, comes back unchanged, and Retry carries on where it stopped.
        await this.discardUpload(this.record(job.id)).catch(() => undefined);
      }
      this.settleFailure(job, error);
    }
  }

  private settleFailure(job: Job, error: unknown): void {
    if (job.stop === 'cancel') return; // cancel() finishes the record
    if (job.stop === 'pause' || isAbort(error)) {
      this.update(job.id, { status: 'paused' });
      return;
    }
    const record = this.record(job.id);
    const failure = classifyError(error, this.context(record));
    const lastError: UploadError = { code: failure.code, message: failure.message };
    if (SIGN_IN_AGAIN.has(failure.code)) {
      // No file fails because a session ran out: the queue waits for the user
      // to sign in again, then resumeAll() picks everything up.
      this.update(job.id, { status: 'paused', lastError });
      void this.pauseAll();
      for (const listener of this.attention) listener(lastError);
      return;
    }
    this.update(job.id, { status: 'failed', lastError, finishedAt: this.now() });
  }

  /** Hashes the file unless a hash of this exact version (size and mtime) is recorded. */
  private async hashed(job: Job): Promise<UploadRecord> {
    const signal = job.controller.signal;
    const record = this.record(job.id);
    const current = await statOrFail(record);
    const unchanged = current.size === record.size && current.mtimeMs === record.mtimeMs;
    if (record.md5Base64 && unchanged) return record;
    if (record.md5Base64 && !job.rehash) throw changedFailure(record, 'since it was hashed');
    if (record.md5Base64 || record.uploadId) {
      await this.discardUpload(record);
      job.confirmedBytes = 0;
    }

    const release = await this.hashing.acquire(signal);
    try {
      this.update(job.id, { status: 'hashing' });
      const hash = await this.options.hasher.hashFile(record.localPath, {
        signal,
        // The pool hashes the parts ahead too, cut as they will be sent.
        partSize: record.partSize,
        onProgress: (bytes) => {
          job.hashedBytes = bytes;
        },
      });
      if (!isBase64Md5(hash.md5Base64)) {
        throw new Error(`The hash pool returned an invalid MD5 for ${record.localPath}`);
      }
      return this.update(job.id, {
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

  /** A changed file starts over: the old multipart upload, what it sent and the old hash go. */
  private async discardUpload(record: UploadRecord): Promise<void> {
    if (record.uploadId) {
      await this.options
        .clientFor(record)
        .send(
          new AbortMultipartUploadCommand({
            Bucket: record.bucket,
            Key: record.key,
            UploadId: record.uploadId,
          }),
        )
        .catch(() => undefined);
    }
    this.options.store.clearParts(record.id);
    this.update(record.id, { uploadId: null, md5Base64: null, md5Hex: null });
  }

  /**
   * After a crash between the last request (PutObject or
   * CompleteMultipartUpload) and the verification, the object is there but the
   * record does not say so: recognise it by its size and metadata.
   */
  private async uploadedAlready(
    client: S3Client,
    record: UploadRecord,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (record.etag === null && !record.uploadId) return false;
    if (record.uploadId) {
      const listed = await this.listParts(client, record, signal).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'NoSuchUpload') return null;
        throw error;
      });
      if (listed) return false;
    }
    const head = await this.head(client, record, signal).catch(() => null);
    const matches = head !== null && this.matches(record, head);
    if (!matches && record.uploadId) {
      this.options.store.clearParts(record.id);
      this.update(record.id, { uploadId: null });
    }
    return matches;
  }

  private async putSingle(client: S3Client, record: UploadRecord, job: Job): Promise<void> {
    const signal = job.controller.signal;
    const md5 = record.md5Base64 as string;
    const result = await this.sendRange(
      record,
      job,
      1,
      0,
      record.size,
      signal,
      (body, abortSignal) =>
        client.send(
          new PutObjectCommand({
            ...this.objectFields(record),
            Body: body,
            ContentLength: record.size,
            ContentMD5: md5,
          }),
          { abortSignal },
        ),
    );
    job.confirmedBytes = record.size;
    this.update(record.id, {
      bytesUploaded: record.size,
      etag: result.ETag ?? null,
      versionId: result.VersionId ?? null,
    });
    try {
      await assertUnchanged(record);
    } catch (error) {
      // Real S3 would have refused the body by its Content-MD5; an endpoint
      // that does not check must not keep an object that may be corrupt.
      await client
        .send(
          new DeleteObjectCommand({
            Bucket: record.bucket,
            Key: record.key,
            VersionId: result.VersionId,
          }),
        )
        .catch(() => undefined);
      throw error;
    }
  }

  private async putMultipart(client: S3Client, record: UploadRecord, job: Job): Promise<void> {
    const signal = job.controller.signal;
    const store = this.options.store;
    const fresh = !record.uploadId;
    if (fresh) {
      // Not aborted by a pause or cancel: the upload id must reach the record,
      // or an open multipart upload would be left in the bucket, unknown.
      // S3 checks every part's CRC32 and, at completion, the whole object's.
      const created = await withRetry(
        () =>
          client.send(
            new CreateMultipartUploadCommand({
              ...this.objectFields(record),
              ChecksumAlgorithm: 'CRC32',
              ChecksumType: 'FULL_OBJECT',
            }),
          ),
        this.retryOptions(record, signal),
      );
      store.clearParts(record.id);
      record = this.update(record.id, {
        uploadId: created.UploadId ?? null,
        partChecksum: 'crc32',
      });
      // The id must outlive a power cut, or the upload is orphaned and billed.
      await store.sync();
      signal.throwIfAborted();
    }
    const done = fresh ? new Map() : await this.reconcileParts(client, record, signal);
    const total = partCount(record.size, record.partSize);
    const missing: number[] = [];
    for (let n = 1; n <= total; n++) if (!done.has(n)) missing.push(n);
    job.confirmedBytes = [...done.values()].reduce((sum, part) => sum + part.size, 0);

    // Each file runs at most `limit` part loops; the global limiter decides
    // how many of all files' parts are really in flight.
    const fileController = new AbortController();
    const abortFile = () => fileController.abort();
    signal.addEventListener('abort', abortFile, { once: true });
    try {
      let next = 0;
      const loop = async () => {
        while (next < missing.length) {
          const partNumber = missing[next++] as number;
          const part = await this.uploadPart(
            client,
            record,
            job,
            partNumber,
            fileController.signal,
          );
          store.recordPart(record.id, part); // also records bytesUploaded
          job.confirmedBytes += part.size;
        }
      };
      const loops = Array.from({ length: Math.min(this.parts.limit, missing.length) }, () =>
        loop().catch((error: unknown) => {
          fileController.abort();
          throw error;
        }),
      );
      const results = await Promise.allSettled(loops);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        const real = results.find(
          (r): r is PromiseRejectedResult => r.status === 'rejected' && !isAbort(r.reason),
        );
        throw (real ?? failed).reason;
      }
    } finally {
      signal.removeEventListener('abort', abortFile);
    }

    // Nothing corrupt is ever completed: the parts must come from the version
    // of the file that was hashed.
    await assertUnchanged(record);
    const parts = store.completedParts(record.id);
    const crc32 = record.partChecksum === 'crc32' ? wholeCrc32(parts) : null;
    const completed = await withRetry(
      () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: record.bucket,
            Key: record.key,
            UploadId: record.uploadId ?? undefined,
            MultipartUpload: {
              Parts: parts.map((p) => ({
                PartNumber: p.partNumber,
                ETag: p.etag,
                ...(crc32 ? { ChecksumCRC32: p.checksum } : {}),
              })),
            },
            // S3 refuses to complete unless the parts make up this CRC32.
            ...(crc32 ? { ChecksumCRC32: crc32, ChecksumType: 'FULL_OBJECT' as const } : {}),
          }),
          // Not aborted either: what S3 completed must reach the record, so a
          // cancel can remove it.
        ),
      this.retryOptions(record, signal),
    );
    store.clearParts(record.id);
    this.update(record.id, {
      etag: completed.ETag ?? null,
      versionId: completed.VersionId ?? null,
      uploadId: null,
      crc32Base64: crc32,
      bytesUploaded: record.size,
    });
  }

  /**
   * What S3 holds for this upload, reconciled with what was recorded. A part
   * S3 has but the database missed (a crash right after the part finished)
   * is kept when its ETag is the MD5 of that range of the file (and then its
   * CRC32 is computed, if the upload checks parts by CRC32).
   */
  private async reconcileParts(
    client: S3Client,
    record: UploadRecord,
    signal: AbortSignal,
  ): Promise<Map<number, CompletedPart>> {
    const recorded = new Map(
      this.options.store.completedParts(record.id).map((p) => [p.partNumber, p]),
    );
    const listed = await this.listParts(client, record, signal);
    const done = new Map<number, CompletedPart>();
    for (const [partNumber, { etag, size }] of listed) {
      const expected = partRange(partNumber, record.size, record.partSize);
      if (size !== expected.end - expected.start) continue;
      const mine = recorded.get(partNumber);
      if (mine && mine.etag === etag) {
        done.set(partNumber, mine);
        continue;
      }
      const hashRange = (algorithm: RangeAlgorithm) =>
        this.options.hasher.hashRange(record.localPath, expected.start, expected.end, {
          signal,
          algorithm,
        });
      const md5Base64 = await hashRange('md5');
      if (etag.replaceAll('"', '') === Buffer.from(md5Base64, 'base64').toString('hex')) {
        const checksum = record.partChecksum === 'crc32' ? await hashRange('crc32') : md5Base64;
        const part = { partNumber, etag, size, checksum };
        this.options.store.recordPart(record.id, part);
        done.set(partNumber, part);
      }
    }
    return done;
  }

  private async listParts(
    client: S3Client,
    record: UploadRecord,
    signal: AbortSignal,
  ): Promise<Map<number, { etag: string; size: number }>> {
    const parts = new Map<number, { etag: string; size: number }>();
    let marker: string | undefined;
    do {
      const page = await withRetry(
        () =>
          client.send(
            new ListPartsCommand({
              Bucket: record.bucket,
              Key: record.key,
              UploadId: record.uploadId ?? undefined,
              MaxParts: 1000,
              PartNumberMarker: marker,
            }),
            { abortSignal: signal },
          ),
        this.retryOptions(record, signal),
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber && part.ETag) {
          parts.set(part.PartNumber, { etag: part.ETag, size: part.Size ?? 0 });
        }
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return parts;
  }

  private async uploadPart(
    client: S3Client,
    record: UploadRecord,
    job: Job,
    partNumber: number,
    signal: AbortSignal,
  ): Promise<CompletedPart> {
    const { start, end } = partRange(partNumber, record.size, record.partSize);
    // Uploads begun before Labdrop sent CRC32s go on with Content-MD5.
    const crc32 = record.partChecksum === 'crc32';
    const checksum = await this.options.hasher.hashRange(record.localPath, start, end, {
      signal,
      algorithm: crc32 ? 'crc32' : 'md5',
    });
    const response = await this.sendRange(
      record,
      job,
      partNumber,
      start,
      end,
      signal,
      (body, abortSignal) =>
        client.send(
          new UploadPartCommand({
            Bucket: record.bucket,
            Key: record.key,
            UploadId: record.uploadId ?? undefined,
            PartNumber: partNumber,
            Body: body,
            ContentLength: end - start,
            ...(crc32 ? { ChecksumCRC32: checksum } : { ContentMD5: checksum }),
          }),
          { abortSignal },
        ),
    );
    if (!response.ETag) throw new Error(`S3 returned no ETag for part ${partNumber}`);
    return { partNumber, etag: response.ETag, size: end - start, checksum };
  }

  private async verify(client: S3Client, record: UploadRecord, signal: AbortSignal): Promise<void> {
    const head = await this.head(client, record, signal);
    if (!this.matches(record, head)) {
      throw new UploadFailure({
        code: 'VerificationFailed',
        message: `After the upload, s3://${record.bucket}/${record.key} has ${head.ContentLength} bytes and content-md5 "${head.Metadata?.[this.profileOf(record).md5MetadataKey] ?? 'none'}", but ${record.localPath} has ${record.size} bytes and "${record.md5Base64}". Upload it again.`,
      });
    }
    // S3 checked this at completion; an endpoint that did not, and reports
    // the object's CRC32, is checked here.
    if (record.crc32Base64 && head.ChecksumCRC32 && head.ChecksumCRC32 !== record.crc32Base64) {
      throw new UploadFailure({
        code: 'VerificationFailed',
        message: `After the upload, s3://${record.bucket}/${record.key} has CRC32 ${head.ChecksumCRC32}, but ${record.localPath} has ${record.crc32Base64}: the stored bytes differ from the file. Upload it again.`,
      });
    }
    this.update(record.id, {
      status: 'done',
      etag: head.ETag ?? record.etag,
      versionId: head.VersionId ?? record.versionId,
      bytesUploaded: record.size,
      finishedAt: this.now(),
      lastError: null,
    });
  }

  private head(client: S3Client, record: UploadRecord, signal: AbortSignal) {
    return withRetry(
      () =>
        client.send(
          new HeadObjectCommand({
            Bucket: record.bucket,
            Key: record.key,
            ChecksumMode: 'ENABLED',
          }),
          { abortSignal: signal },
        ),
      this.retryOptions(record, signal),
    );
  }

  private matches(
    record: UploadRecord,
    head: { ContentLength?: number; Metadata?: Record<string, string> },
  ): boolean {
    return (
      head.ContentLength === record.size &&
      head.Metadata?.[this.profileOf(record).md5MetadataKey] === record.md5Base64
    );
  }

  private profileOf(record: UploadRecord): SubmissionProfile {
    if (record.submissionProfile === this.options.profile.name) return this.options.profile;
    const profile = this.options.profileNamed?.(record.submissionProfile);
    if (!profile) {
      throw new UploadFailure({
        code: 'UnknownProfile',
        message: `The submission profile "${record.submissionProfile}" this upload started with is no longer there. Import it again (labdrop profiles import), then resume.`,
      });
    }
    return profile;
  }

  /** Grants, metadata and type: the same on PutObject and CreateMultipartUpload. */
  private objectFields(record: UploadRecord) {
    return {
      Bucket: record.bucket,
      Key: record.key,
      GrantFullControl: record.grants,
      Metadata: { [this.profileOf(record).md5MetadataKey]: record.md5Base64 as string },
      ContentType: contentTypeFor(record.key),
    };
  }

  /**
   * Sends one request whose body is a range of the file, under the global
   * part limit, with retries. The file must still be the version that was
   * hashed; its bytes count into the job's progress as they are read.
   */
  private sendRange<T>(
    record: UploadRecord,
    job: Job,
    slot: number,
    start: number,
    end: number,
    signal: AbortSignal,
    send: (body: RangeBody['body'], abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return withRetry(
      async () => {
        await assertUnchanged(record);
        const release = await this.parts.acquire(signal);
        job.inflight.set(slot, 0);
        const range = await openRange(
          {
            path: record.localPath,
            start,
            end,
            signal,
            onBytes: (bytes) => {
              job.inflight.set(slot, (job.inflight.get(slot) ?? 0) + bytes);
            },
          },
          this.partBuffers,
          record.partSize,
        ).catch((error: unknown) => {
          release();
          throw error;
        });
        try {
          const response = await send(range.body, range.signal);
          this.parts.succeeded();
          return response;
        } catch (error) {
          throw range.failure() ?? error;
        } finally {
          range.close();
          job.inflight.delete(slot);
          release();
        }
      },
      this.retryOptions(record, signal),
    );
  }

  private retryOptions(record: UploadRecord, signal: AbortSignal) {
    return {
      policy: this.retry,
      context: this.context(record),
      signal,
      onRetry: (failure: { recovery: string }) => {
        if (failure.recovery === 'slow-down') this.parts.slowDown();
      },
    };
  }

  private context(record: UploadRecord): ErrorContext {
    return {
      bucket: record.bucket,
      endpoint: record.endpoint,
      key: record.key,
      localPath: record.localPath,
    };
  }

  /** A running upload's record is kept in memory; it changes only through update(). */
  private record(id: string): UploadRecord {
    const record = this.jobs.get(id)?.record ?? this.options.store.getUpload(id);
    if (!record) throw new UploadFailure({ code: 'UnknownUpload', message: `No upload "${id}".` });
    return record;
  }

  /** Writes the record; a change of status is announced (`shown`: the status last announced). */
  private update(
    id: string,
    patch: Partial<Omit<UploadRecord, 'id'>>,
    shown?: UploadStatus,
  ): UploadRecord {
    const job = this.jobs.get(id);
    const before = shown ?? job?.record.status ?? this.options.store.getUpload(id)?.status;
    if (job && patch.status && patch.status !== 'done' && patch.status !== 'failed') {
      if (this.heedRequest(job)) patch = { ...patch, status: undefined };
    }
    const record = this.options.store.updateUpload(id, patch);
    if (job) {
      job.record = record;
      if (patch.status) job.written = patch.status;
    }
    if (record.status !== before) {
      const progress = this.progress(record, job, this.now());
      for (const listener of this.listeners) listener(progress);
    }
    return record;
  }

  /**
   * Whether another Labdrop process asked to pause or cancel this upload
   * (`labdrop pause ID`) since the job last wrote its status; if so the job
   * stops as asked. update() heeds it before the job's next status, and
   * applyExternalRequests between them (`stored`: the status it read).
   */
  private heedRequest(
    job: Job,
    stored = this.options.store.statusesOf([job.id]).get(job.id),
  ): boolean {
    if (stored === job.written || (stored !== 'paused' && stored !== 'cancelled')) {
      return false;
    }
    if (stored === 'cancelled') {
      if (job.stop !== 'cancel') void this.cancel(job.id).catch(() => undefined);
    } else {
      job.stop ??= 'pause';
      job.controller.abort();
    }
    return true;
  }

  private progress(record: UploadRecord, job: Job | undefined, now: number): UploadProgress {
    let uploadedBytes = record.status === 'done' ? record.size : record.bytesUploaded;
    let speed = 0;
    if (job) {
      uploadedBytes = job.confirmedBytes;
      for (const bytes of job.inflight.values()) uploadedBytes += bytes;
      speed = sampleSpeed(job, uploadedBytes, now);
    }
    return {
      id: record.id,
      localPath: record.localPath,
      bucket: record.bucket,
      key: record.key,
      size: record.size,
      status: record.status,
      hashedBytes: record.md5Base64 ? record.size : (job?.hashedBytes ?? 0),
      uploadedBytes: Math.min(uploadedBytes, record.size),
      speed,
      error: record.lastError,
    };
  }
}

function sampleSpeed(job: Job, bytes: number, now: number): number {
  job.samples.push({ at: now, bytes });
  while (job.samples.length > 2 && (job.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS) {
    job.samples.shift();
  }
  const first = job.samples[0];
  if (!first || now - first.at < 200) return 0;
  return Math.max(0, ((bytes - first.bytes) * 1000) / (now - first.at));
}

/** The whole file's CRC32 from its parts' (base64), given in part order. */
function wholeCrc32(parts: CompletedPart[]): string {
  return crc32ToBase64(
    crc32OfParts(parts.map((p) => ({ crc32: crc32FromBase64(p.checksum), size: p.size }))),
  );
}

async function statOrFail(record: UploadRecord) {
  try {
    return await stat(record.localPath);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UploadFailure({
      code: code === 'ENOENT' ? 'FileMissing' : 'FileUnreadable',
      message:
        code === 'ENOENT'
          ? `${record.localPath} no longer exists. Put it back and retry, or cancel this upload.`
          : `${record.localPath} cannot be read (${code}). Check its permissions.`,
    });
  }
}

function changedFailure(record: UploadRecord, when: string): UploadFailure {
  return new UploadFailure({
    code: 'FileChanged',
    message: `${record.localPath} changed ${when} (its size or modification time differ). Nothing was completed; retry to upload the current version from the start.`,
  });
}

async function assertUnchanged(record: UploadRecord): Promise<void> {
  const current = await statOrFail(record);
  if (current.size !== record.size || current.mtimeMs !== record.mtimeMs) {
    throw changedFailure(record, 'after it was hashed');
  }
}
