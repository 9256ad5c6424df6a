import type { SkipReason, UploadRecord } from './types';

/**
 * How a done upload was checked, in words for the history: by the server as
 * the bytes arrived, and by Labdrop once the object was there.
 */
export function describeChecks(
  record: Pick<UploadRecord, 'verification' | 'serverCheck'>,
): string | null {
  const server = {
    crc32: "S3 checked each part's CRC32 and the whole object's",
    'content-md5': "the store checked each part's Content-MD5",
    none: 'the store applied no check Labdrop could see',
  } as const;
  const verified = {
    'read-back': 'verified by reading it back (size and content-md5)',
    responses: "verified from the upload's responses; read-back not allowed for these credentials",
    'put-answer':
      "verified from S3's answer to the upload: its ETag is the file's MD5, and the metadata and grants went with the bytes",
  } as const;
  const parts: string[] = [];
  if (record.serverCheck) parts.push(server[record.serverCheck]);
  if (record.verification) parts.push(verified[record.verification]);
  if (parts.length === 0) return null;
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

/** Why a skipped upload was not sent, from what the review found (null for one not skipped). */
export function skipReason(
  record: Pick<UploadRecord, 'status' | 'bucketCheck'>,
): SkipReason | null {
  if (record.status !== 'skipped') return null;
  return record.bucketCheck?.verdict === 'identical' ? 'identical' : 'kept';
}

/** What the history says of a skipped upload, with the evidence. */
export function describeSkip(record: Pick<UploadRecord, 'status' | 'bucketCheck'>): string | null {
  const reason = skipReason(record);
  const check = record.bucketCheck;
  if (!reason || !check) return null;
  const when = new Date(check.checkedAt).toISOString().replace('T', ' ').slice(0, 16);
  const said =
    reason === 'identical'
      ? 'Already in the bucket, not sent again'
      : "Kept the bucket's version: the object there differs";
  const etag = check.etag ? `; ETag ${check.etag}` : '';
  const md5 = check.contentMd5 ? `; content-md5 ${check.contentMd5}` : '';
  return `${said} (${check.evidence}${etag}${md5}; checked ${when} UTC).`;
}
