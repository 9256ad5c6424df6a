import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { partRange, partsOf, sendsMultipart } from '../../shared/parts';
import type { UploadRecord } from '../../shared/types';
import { contentTypeFor } from './content-type';
import { crc32FromBase64, crc32OfParts, crc32ToBase64 } from './crc32';
import type { EndpointChecks } from './endpoint-checks';
import { isAbort, UploadFailure } from './errors';
import { assertUnchanged } from './file-version';
import { openRange, type PartBuffers, type RangeBody } from './file-range';
import type { HashPool, RangeAlgorithm } from './hash-pool';
import type { AdaptiveLimiter } from './limiter';
import type { LiveCounts } from './progress';
import { listParts, reconcileParts } from './part-recovery';
import { withRetry, type RetryOptions } from './retry';
import type { CompletedPart, Store, UploadPatch } from './store';
import type { TokenBucket } from './token-bucket';
import {
  etagIsMd5,
  headAnswer,
  headObject,
  isReadDenied,
  matchesFile,
  multipartEtag,
  type ObjectHead,
} from './verify';

export type Hasher = Pick<HashPool, 'hashFile' | 'hashRange'>;

export interface TransferDeps {
  store: Store;
  hasher: Hasher;
  /** The one limit on what is in flight across all files: parts, and small files' share of one. */
  parts: AdaptiveLimiter;
  partBuffers: PartBuffers;
  /** The one bandwidth limit on all request bodies. */
  bandwidth: TokenBucket;
  retryOptions: (record: UploadRecord, signal: AbortSignal) => RetryOptions;
  /** Writes the record (not its status) and returns it. */
  patch: (id: string, patch: UploadPatch) => UploadRecord;
  /** The user-metadata key of the submission profile the upload follows. */
  md5Key: (record: UploadRecord) => string;
  checks: EndpointChecks;
}

/** What S3 answered a write, or what reading the object back found. */
type Written = Pick<ObjectHead, 'ETag' | 'VersionId' | 'ChecksumCRC32'>;

/** How an open multipart upload's parts are checked; shared by its part loops, it may change. */
interface PartMode {
  partChecksum: UploadRecord['partChecksum'];
}

/**
 * The S3 side of one file's upload: a single PutObject, or a multipart upload
 * (create, parts, complete) that picks up where the last run stopped through
 * ListParts. The engine drives multipart uploads itself rather than through
 * @aws-sdk/lib-storage: see docs/architecture.md.
 *
 * Note on the center's rules (enforced here, for every file):
 * - `x-amz-grant-full-control` with the profile's canonical IDs goes on
 *   PutObject and on CreateMultipartUpload;
 * - user metadata `content-md5` is base64 of the raw whole-file MD5, so the
 *   file is hashed before its upload is created.
 */
export class Transfer {
  constructor(private readonly deps: TransferDeps) {}

  /** Sends the file; what S3 completed is recorded (etag, version) before it returns. */
  async send(
    client: S3Client,
    record: UploadRecord,
    live: LiveCounts,
    signal: AbortSignal,
  ): Promise<void> {
    if (!sendsMultipart(record)) {
      return this.putSingle(client, record, live, signal);
    }
    try {
      await this.putMultipart(client, record, live, signal);
    } catch (error) {
      // The server lost the upload (aborted elsewhere, expired, or a store
      // that restarted): start it over once, from the file.
      if ((error as { code?: string }).code !== 'NoSuchUpload') throw error;
      this.deps.store.clearParts(record.id);
      await this.putMultipart(client, this.deps.patch(record.id, { uploadId: null }), live, signal);
    }
  }

  /**
   * After a crash between the last request (PutObject or
   * CompleteMultipartUpload) and the verification, the object is there but the
   * record does not say so: recognise it by its size and metadata.
   */
  async uploadedAlready(
    client: S3Client,
    record: UploadRecord,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (record.etag === null && !record.uploadId) return false;
    if (record.uploadId) {
      const listed = await listParts(
        client,
        record,
        signal,
        this.deps.retryOptions(record, signal),
      ).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'NoSuchUpload') return null;
        throw error;
      });
      if (listed) return false;
    }
    const retry = this.deps.retryOptions(record, signal);
    const head = await headObject(client, record, signal, retry).catch((error: unknown) =>
      isReadDenied(error) ? 'denied' : null,
    );
    // May not read it back: S3 completed what the record says it did.
    if (head === 'denied') return record.etag !== null && record.uploadId === null;
    const matches = head !== null && matchesFile(record, head, this.deps.md5Key(record));
    if (!matches && record.uploadId) {
      this.deps.store.clearParts(record.id);
      this.deps.patch(record.id, { uploadId: null });
    }
    return matches;
  }

  /** Grants, metadata and type: the same on PutObject and CreateMultipartUpload. */
  private objectFields(record: UploadRecord) {
    return {
      Bucket: record.bucket,
      Key: record.key,
      GrantFullControl: record.grants,
      Metadata: { [this.deps.md5Key(record)]: record.md5Base64 as string },
      ContentType: contentTypeFor(record.key),
    };
  }

  /**
   * The condition the write carries, from the review (see BucketCheck): that
   * there is still no object at the key, or that it is still the version
   * the user chose to replace. None where the store does not take them.
   */
  private conditionOf(record: UploadRecord): { IfNoneMatch?: string; IfMatch?: string } {
    const check = record.bucketCheck;
    if (!check || this.deps.checks.ignoresConditionalWrites(record.endpoint)) return {};
    if (check.verdict === 'new') return { IfNoneMatch: '*' };
    if (check.verdict === 'replace' && check.etag) return { IfMatch: check.etag };
    return {};
  }

  /**
   * A conditional write (PutObject, CompleteMultipartUpload) failed. A store
   * without conditional writes ('NotImplemented') gets the write again
   * without ('again'), the review having been the check. A 412 means the key
   * changed since the review, unless the object there is what this upload
   * wrote (an earlier try S3 stored, whose answer was lost): then that is
   * the result. Otherwise it stops the file (ChangedSinceReview; the
   * multipart upload is aborted by the caller's cleanup).
   */
  private async refused(
    client: S3Client,
    record: UploadRecord,
    signal: AbortSignal,
    condition: { IfNoneMatch?: string; IfMatch?: string },
    error: unknown,
    expectedEtag: () => string,
  ): Promise<Written | 'again'> {
    const code = (error as { code?: string }).code;
    if (Object.keys(condition).length === 0) throw error;
    if (code === 'NotImplemented') {
      this.deps.checks.markIgnoresConditionalWrites(record.endpoint);
      return 'again';
    }
    if (code !== 'PreconditionFailed') throw error;
    const written = await this.writtenHere(client, record, signal, expectedEtag());
    if (written) return written;
    const url = `s3://${record.bucket}/${record.key}`;
    throw new UploadFailure({
      code: 'ChangedSinceReview',
      message: condition.IfMatch
        ? `${url} changed since you reviewed it: someone wrote another version meanwhile, so it was not replaced. Drop the file again to compare it with what is there now.`
        : `${url} changed since you reviewed it: an object was written there meanwhile, so it was not replaced. Drop the file again to compare it with what is there now.`,
    });
  }

  /** The object at the key, if it is this file as this upload sent it; read back, or listed when that is denied. */
  private async writtenHere(
    client: S3Client,
    record: UploadRecord,
    signal: AbortSignal,
    expectedEtag: string,
  ): Promise<Written | null> {
    const retry = this.deps.retryOptions(record, signal);
    const head = await headAnswer(headObject(client, record, signal, retry));
    if (head !== 'denied') {
      return head && matchesFile(record, head, this.deps.md5Key(record)) ? head : null;
    }
    const listed = await withRetry(
      () =>
        client.send(
          new ListObjectsV2Command({ Bucket: record.bucket, Prefix: record.key, MaxKeys: 1 }),
          { abortSignal: signal },
        ),
      retry,
    );
    const object = listed.Contents?.find((o) => o.Key === record.key);
    return object?.ETag === expectedEtag && object.Size === record.size ? object : null;
  }

  private async putSingle(
    client: S3Client,
    record: UploadRecord,
    live: LiveCounts,
    signal: AbortSignal,
  ): Promise<void> {
    const md5 = record.md5Base64 as string;
    const condition = this.conditionOf(record);
    // Once sent, not cut short by a pause or cancel (one part's bytes at
    // most): a PutObject aborted as S3 stores it would leave an object the
    // record does not know, which a cancel could not remove.
    const result = await this.sendRange(
      record,
      live,
      1,
      0,
      record.size,
      signal,
      (body, abort) =>
        client.send(
          new PutObjectCommand({
            ...this.objectFields(record),
            ...condition,
            Body: body,
            ContentLength: record.size,
            ContentMD5: md5,
          }),
          { abortSignal: abort },
        ),
      { runToEnd: true },
    ).catch((error: unknown) =>
      this.refused(client, record, signal, condition, error, () => etagOf(record.md5Hex as string)),
    );
    if (result === 'again') return this.putSingle(client, record, live, signal);
    live.confirmedBytes = record.size;
    this.deps.patch(record.id, {
      bytesUploaded: record.size,
      etag: result.ETag ?? null,
      versionId: result.VersionId ?? null,
      serverCheck: 'content-md5',
    });
    // Real S3 would have refused the body by its Content-MD5; an endpoint that
    // does not check must not keep an object that may be corrupt: the queue
    // removes it (FileChanged, see removeLeftovers).
    await assertUnchanged(record);
  }

  private async putMultipart(
    client: S3Client,
    record: UploadRecord,
    live: LiveCounts,
    signal: AbortSignal,
  ): Promise<void> {
    const { store } = this.deps;
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
        this.deps.retryOptions(record, signal),
      );
      store.clearParts(record.id);
      record = this.deps.patch(record.id, {
        uploadId: created.UploadId ?? null,
        // Where the store ignores CRC32s, each part carries Content-MD5 too.
        partChecksum: this.deps.checks.ignoresCrc32(record.endpoint) ? 'crc32+md5' : 'crc32',
      });
      // The id must outlive a power cut, or the upload is orphaned and billed.
      await store.sync();
      signal.throwIfAborted();
    }
    const done = fresh ? new Map() : await reconcileParts(this.deps, client, record, signal);
    const total = partsOf(record);
    const missing: number[] = [];
    for (let n = 1; n <= total; n++) if (!done.has(n)) missing.push(n);
    live.confirmedBytes = [...done.values()].reduce((sum, part) => sum + part.size, 0);
    const mode: PartMode = { partChecksum: record.partChecksum };
    await this.sendParts(client, record, live, missing, signal, mode);

    await assertUnchanged(record);
    const parts = store.completedParts(record.id);
    const crc32 = mode.partChecksum !== null ? wholeCrc32(parts) : null;
    const condition = this.conditionOf(record);
    const completed = await withRetry(
      () =>
        client.send(
          new CompleteMultipartUploadCommand({
            ...condition,
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
      this.deps.retryOptions(record, signal),
    ).catch((error: unknown) =>
      this.refused(client, record, signal, condition, error, () => etagOf(multipartEtag(parts))),
    );
    if (completed === 'again') return this.putMultipart(client, record, live, signal);
    if (crc32 && completed.ChecksumCRC32 && completed.ChecksumCRC32 !== crc32) {
      throw new UploadFailure({
        code: 'VerificationFailed',
        message: `S3 completed s3://${record.bucket}/${record.key} with CRC32 ${completed.ChecksumCRC32}, but ${record.localPath} has ${crc32}: the stored bytes differ from the file. Upload it again.`,
      });
    }
    // The parts stay recorded until the object is verified: without read
    // access, their ETags are what the object's ETag is checked against.
    this.deps.patch(record.id, {
      etag: completed.ETag ?? null,
      versionId: completed.VersionId ?? null,
      uploadId: null,
      crc32Base64: crc32,
      bytesUploaded: record.size,
      // Every part's CRC32 checked (echoed), or every part's MD5.
      serverCheck: mode.partChecksum === 'crc32' ? 'crc32' : 'content-md5',
    });
  }

  /**
   * Each file runs at most `limit` part loops; the global limiter decides how
   * many of all files' parts are really in flight.
   */
  private async sendParts(
    client: S3Client,
    record: UploadRecord,
    live: LiveCounts,
    missing: readonly number[],
    signal: AbortSignal,
    mode: PartMode,
  ): Promise<void> {
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
            live,
            partNumber,
            fileController.signal,
            mode,
          );
          this.deps.store.recordPart(record.id, part); // also records bytesUploaded
          live.confirmedBytes += part.size;
        }
      };
      const loops = Array.from({ length: Math.min(this.deps.parts.limit, missing.length) }, () =>
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
  }

  private async uploadPart(
    client: S3Client,
    record: UploadRecord,
    live: LiveCounts,
    partNumber: number,
    signal: AbortSignal,
    mode: PartMode,
  ): Promise<CompletedPart> {
    const { start, end } = partRange(partNumber, record.size, record.partSize);
    const hash = (algorithm: RangeAlgorithm) =>
      this.deps.hasher.hashRange(record.localPath, start, end, { signal, algorithm });
    // Uploads begun before Labdrop sent CRC32s go on with Content-MD5 alone.
    const crc32 = mode.partChecksum !== null ? await hash('crc32') : null;
    const md5 = mode.partChecksum !== 'crc32' ? await hash('md5') : null;
    const response = await this.sendRange(
      record,
      live,
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
            ...(crc32 ? { ChecksumCRC32: crc32 } : {}),
            ...(md5 ? { ContentMD5: md5 } : {}),
          }),
          { abortSignal },
        ),
    );
    if (!response.ETag) throw new Error(`S3 returned no ETag for part ${partNumber}`);
    if (crc32 && !md5 && response.ChecksumCRC32 === undefined) {
      // The store took the CRC32 without checking it (it echoes none back).
      // Such stores check Content-MD5: every part carries it from now on, for
      // this endpoint and its later uploads.
      this.deps.checks.markIgnoresCrc32(record.endpoint);
      if (mode.partChecksum === 'crc32') {
        mode.partChecksum = 'crc32+md5';
        this.deps.patch(record.id, { partChecksum: 'crc32+md5' });
      }
      // This part went unchecked; its ETag is the MD5 of what the store got.
      if (!etagIsMd5(response.ETag, await hash('md5'))) {
        return this.uploadPart(client, record, live, partNumber, signal, mode);
      }
    }
    return { partNumber, etag: response.ETag, size: end - start, checksum: crc32 ?? md5 ?? '' };
  }

  /**
   * Sends one request whose body is a range of the file, under the global
   * limit on what is in flight, with retries (none after `signal` fired).
   * The file must still be the version that was hashed; its bytes count into
   * the live progress as they are read.
   */
  private sendRange<T>(
    record: UploadRecord,
    live: LiveCounts,
    slot: number,
    start: number,
    end: number,
    signal: AbortSignal,
    send: (body: RangeBody['body'], abortSignal: AbortSignal) => Promise<T>,
    { runToEnd = false } = {},
  ): Promise<T> {
    const { parts, partBuffers, bandwidth } = this.deps;
    return withRetry(
      async () => {
        await assertUnchanged(record);
        // Weighed by its bytes: see limiter.ts, "Note on what is in flight".
        const release = await parts.acquire(signal, (end - start) / record.partSize);
        live.inflight.set(slot, 0);
        // `runToEnd`: once its whole body is handed over, the request is not
        // cut short. Before that S3 cannot store the object, so a pause does
        // not wait for the bandwidth limit to let the rest through.
        const untilSent = new AbortController();
        let handed = 0;
        const stopUnsent = () => {
          if (handed < end - start) untilSent.abort();
        };
        if (runToEnd) signal.addEventListener('abort', stopUnsent, { once: true });
        const range = await openRange(
          {
            path: record.localPath,
            start,
            end,
            signal: runToEnd ? untilSent.signal : signal,
            onBytes: (bytes) => {
              handed += bytes;
              live.inflight.set(slot, (live.inflight.get(slot) ?? 0) + bytes);
            },
            take: async (bytes, bodySignal) => {
              const grant = await bandwidth.take(bytes, bodySignal);
              if (grant.held) live.held = { at: bandwidth.now(), rate: bandwidth.limit };
              return grant.bytes;
            },
          },
          partBuffers,
          // A small file's buffer is its size, not a part's: many go at once.
          sendsMultipart(record) ? record.partSize : record.size,
        ).catch((error: unknown) => {
          signal.removeEventListener('abort', stopUnsent);
          release();
          throw error;
        });
        try {
          const response = await send(range.body, range.signal);
          parts.succeeded();
          return response;
        } catch (error) {
          throw range.failure() ?? error;
        } finally {
          signal.removeEventListener('abort', stopUnsent);
          range.close();
          live.inflight.delete(slot);
          release();
        }
      },
      this.deps.retryOptions(record, signal),
    );
  }
}

/** An ETag as S3 writes it, in quotes. */
function etagOf(digest: string): string {
  return `"${digest}"`;
}

/** The whole file's CRC32 from its parts' (base64), given in part order. */
function wholeCrc32(parts: CompletedPart[]): string {
  return crc32ToBase64(
    crc32OfParts(parts.map((p) => ({ crc32: crc32FromBase64(p.checksum), size: p.size }))),
  );
}
