import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { sendsMultipart } from '../../shared/parts';
import type { UploadRecord } from '../../shared/types';
import { classifyError, UploadFailure, type ErrorContext } from './errors';
import { withRetry, type RetryPolicy } from './retry';
import type { Store, UploadPatch } from './store';
import { headAnswer } from './verify';

export interface CleanupDeps {
  store: Store;
  client: S3Client;
  retry: RetryPolicy;
  context: ErrorContext;
  /** Writes the record (not its status) and returns it. */
  patch: (id: string, patch: UploadPatch) => UploadRecord;
}

/**
 * Removes from the bucket what an upload left there, the one way Labdrop does
 * (a cancel, or a file that changed so its parts are worth nothing): the
 * open multipart upload with its parts, and the object when S3 had all of it
 * (a completed upload not verified yet). Only this upload's object: a later
 * upload to the same key stays, even one of the same bytes (and ETag).
 *
 * One error policy: nothing is forgotten that was not removed. On success
 * the record forgets its parts, upload id and object (and, with
 * `forgetHash`, its MD5); on failure it keeps them, so the next attempt
 * removes them, and an UploadFailure says what stays in the bucket.
 */
export async function removeFromBucket(
  deps: CleanupDeps,
  record: UploadRecord,
  { forgetHash = false } = {},
): Promise<UploadRecord> {
  const { client, store } = deps;
  const retry = { policy: deps.retry, context: deps.context };
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
    // A single PUT S3 stored as the process died, before its ETag reached the
    // record: the object is this upload's when it has its size and content-md5
    // and no other upload of the key is in the history.
    const unrecorded =
      !record.etag &&
      !record.uploadId &&
      record.md5Base64 !== null &&
      record.startedAt !== null &&
      !sendsMultipart(record) &&
      !store.hasLaterUploadTo(record, { earlier: true });
    if (unrecorded) {
      const target = { Bucket: record.bucket, Key: record.key };
      const head = await headAnswer(
        withRetry(() => client.send(new HeadObjectCommand(target)), retry),
      );
      if (
        head !== 'denied' &&
        head?.ETag &&
        head.ContentLength === record.size &&
        Object.values(head.Metadata ?? {}).includes(record.md5Base64 as string)
      ) {
        const IfMatch = head.ETag;
        await withRetry(() => client.send(new DeleteObjectCommand({ ...target, IfMatch })), retry);
      }
    }
    if (record.etag && !store.hasLaterUploadTo(record)) {
      const target = {
        Bucket: record.bucket,
        Key: record.key,
        // "null" is how an unversioned bucket names its one version.
        VersionId: record.versionId === 'null' ? undefined : (record.versionId ?? undefined),
      };
      const head = await headAnswer(
        withRetry(() => client.send(new HeadObjectCommand(target)), retry),
      );
      // May not read it back: S3 deletes it only while it has this ETag.
      if (head === 'denied' || head?.ETag === record.etag) {
        const IfMatch = head === 'denied' ? record.etag : undefined;
        await withRetry(() => client.send(new DeleteObjectCommand({ ...target, IfMatch })), retry);
      }
    }
  } catch (error) {
    const { message } = classifyError(error, deps.context);
    const left = record.uploadId
      ? 'the parts it already sent stay in the bucket'
      : 'the whole object is in the bucket, where the sync job may copy it';
    throw new UploadFailure({ code: 'CleanupIncomplete', message: `${left}: ${message}` });
  }
  store.clearParts(record.id);
  return deps.patch(record.id, {
    uploadId: null,
    etag: null,
    lastError: null,
    ...(forgetHash ? { md5Base64: null, md5Hex: null } : {}),
  });
}
