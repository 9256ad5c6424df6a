import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { UploadRecord } from '../../shared/types';
import { UploadFailure } from './errors';
import { withRetry, type RetryOptions } from './retry';
import type { UploadPatch } from './store';

/** What verification reads of the object. */
export type ObjectHead = Pick<
  HeadObjectCommandOutput,
  'ContentLength' | 'Metadata' | 'ETag' | 'VersionId' | 'ChecksumCRC32'
>;

export function headObject(
  client: S3Client,
  record: UploadRecord,
  signal: AbortSignal,
  retry: RetryOptions,
): Promise<ObjectHead> {
  return withRetry(
    () =>
      client.send(
        new HeadObjectCommand({ Bucket: record.bucket, Key: record.key, ChecksumMode: 'ENABLED' }),
        { abortSignal: signal },
      ),
    retry,
  );
}

/** Whether the object has the file's size and `content-md5` (under the profile's metadata key). */
export function matchesFile(record: UploadRecord, head: ObjectHead, md5Key: string): boolean {
  return head.ContentLength === record.size && head.Metadata?.[md5Key] === record.md5Base64;
}

/**
 * Checks the object S3 holds against the file: its size and `content-md5`
 * and, where the endpoint reports it, the whole object's CRC32. Returns what
 * the history records of it, or throws VerificationFailed.
 */
export function verifiedObject(
  record: UploadRecord,
  head: ObjectHead,
  md5Key: string,
): UploadPatch {
  const at = `After the upload, s3://${record.bucket}/${record.key} has`;
  if (!matchesFile(record, head, md5Key)) {
    throw new UploadFailure({
      code: 'VerificationFailed',
      message: `${at} ${head.ContentLength} bytes and content-md5 "${head.Metadata?.[md5Key] ?? 'none'}", but ${record.localPath} has ${record.size} bytes and "${record.md5Base64}". Upload it again.`,
    });
  }
  // S3 checked this at completion; an endpoint that did not, and reports
  // the object's CRC32, is checked here.
  if (record.crc32Base64 && head.ChecksumCRC32 && head.ChecksumCRC32 !== record.crc32Base64) {
    throw new UploadFailure({
      code: 'VerificationFailed',
      message: `${at} CRC32 ${head.ChecksumCRC32}, but ${record.localPath} has ${record.crc32Base64}: the stored bytes differ from the file. Upload it again.`,
    });
  }
  return {
    etag: head.ETag ?? record.etag,
    versionId: head.VersionId ?? record.versionId,
    bytesUploaded: record.size,
    lastError: null,
  };
}
