import { ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { partRange } from '../../shared/parts';
import type { UploadRecord } from '../../shared/types';
import type { RangeAlgorithm } from './hash-pool';
import { withRetry, type RetryOptions } from './retry';
import type { CompletedPart } from './store';
import type { TransferDeps } from './transfer';
import { etagIsMd5 } from './verify';

/**
 * What S3 holds for this upload, reconciled with what was recorded. A part
 * S3 has but the database missed (a crash right after the part finished)
 * is kept when its ETag is the MD5 of that range of the file (and then its
 * CRC32 is computed, if the upload checks parts by CRC32).
 */
export async function reconcileParts(
  deps: Pick<TransferDeps, 'store' | 'hasher' | 'retryOptions'>,
  client: S3Client,
  record: UploadRecord,
  signal: AbortSignal,
): Promise<Map<number, CompletedPart>> {
  const { store, hasher } = deps;
  const recorded = new Map(store.completedParts(record.id).map((p) => [p.partNumber, p]));
  const listed = await listParts(client, record, signal, deps.retryOptions(record, signal));
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
      hasher.hashRange(record.localPath, expected.start, expected.end, { signal, algorithm });
    const md5Base64 = await hashRange('md5');
    if (etagIsMd5(etag, md5Base64)) {
      const checksum = record.partChecksum !== null ? await hashRange('crc32') : md5Base64;
      const part = { partNumber, etag, size, checksum };
      store.recordPart(record.id, part);
      done.set(partNumber, part);
    }
  }
  return done;
}

export async function listParts(
  client: S3Client,
  record: UploadRecord,
  signal: AbortSignal,
  retry: RetryOptions,
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
      retry,
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
