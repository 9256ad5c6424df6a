import { createHash } from 'node:crypto';
import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { partsOf, sendsMultipart } from '../../shared/parts';
import type { UploadRecord } from '../../shared/types';
import { UploadFailure } from './errors';
import { withRetry, type RetryOptions } from './retry';
import type { CompletedPart, UploadPatch } from './store';

/**
 * Whether reading the object back was refused. With only the center's
 * grants on it, the uploader keeps READ_ACP and WRITE_ACP as its owner, but
 * READ only where a bucket policy gives it: the normal case when a lab uploads
 * from its own account into the center's bucket.
 */
export function isReadDenied(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'AccessDenied';
}

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

/**
 * What a HeadObject says of the object: its head, null when there is none,
 * or 'denied' where these credentials may not read it. Other failures throw.
 */
export async function headAnswer<T>(head: Promise<T>): Promise<T | null | 'denied'> {
  try {
    return await head;
  } catch (error) {
    if (isReadDenied(error)) return 'denied';
    if ((error as { code?: string }).code === 'NotFound') return null;
    throw error;
  }
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
    verification: 'read-back',
  };
}

/**
 * Verifies a single PutObject from S3's answer, without reading it back
 * (which would cost every small file a second round trip): S3 stores the
 * body only if it matches the Content-MD5 sent with it, and the metadata
 * (`content-md5`) and grants were in that same request; the answer's ETag is
 * the MD5 of the bytes stored. Null where that ETag is not the file's MD5
 * (SSE-KMS, or a store whose ETags are not MD5s): then the object is read
 * back.
 */
export function verifiedFromPutAnswer(record: UploadRecord): UploadPatch | null {
  if (sendsMultipart(record) || !record.etag || !record.md5Base64) return null;
  if (!etagIsMd5(record.etag, record.md5Base64)) return null;
  return { bytesUploaded: record.size, lastError: null, verification: 'put-answer' };
}

/** S3's ETag of a multipart object: the MD5 of its parts' MD5s (their ETags), and `-N`. */
export function multipartEtag(parts: readonly Pick<CompletedPart, 'etag'>[]): string {
  const digests = parts.map((p) => Buffer.from(p.etag.replaceAll('"', ''), 'hex'));
  return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}`;
}

/**
 * Verifies the object from S3's answers to the upload, where these
 * credentials may not read it back: a single PUT's ETag is the file's MD5
 * (S3 also checked the Content-MD5 sent with it); a multipart object's ETag
 * is made of the ETags of exactly the parts sent, each of which S3 checked
 * by its CRC32 or Content-MD5 (and, where it echoed one, the whole object's
 * CRC32 at completion).
 */
export function verifiedFromResponses(
  record: UploadRecord,
  parts: readonly CompletedPart[],
): UploadPatch {
  const etag = record.etag?.replaceAll('"', '') ?? '';
  const multipart = sendsMultipart(record);
  const expected = multipart
    ? parts.length === partsOf(record)
      ? multipartEtag(parts)
      : null
    : record.md5Hex;
  if (etag === '' || etag !== expected) {
    throw new UploadFailure({
      code: 'VerificationFailed',
      message: `These credentials may not read s3://${record.bucket}/${record.key} back, and S3's answers to the upload cannot vouch for it (ETag "${etag || 'none'}"${expected ? `, expected "${expected}"` : ''}). Upload it again, or ask the center to check the object.`,
    });
  }
  return { bytesUploaded: record.size, lastError: null, verification: 'responses' };
}

/** Whether an ETag (quoted hex) is the MD5 (base64) of what was sent. */
export function etagIsMd5(etag: string, md5Base64: string): boolean {
  return etag.replaceAll('"', '') === Buffer.from(md5Base64, 'base64').toString('hex');
}
