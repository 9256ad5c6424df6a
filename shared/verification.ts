import type { UploadRecord } from './types';

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
  } as const;
  const parts: string[] = [];
  if (record.serverCheck) parts.push(server[record.serverCheck]);
  if (record.verification) parts.push(verified[record.verification]);
  if (parts.length === 0) return null;
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}
