export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** S3's limits on multipart uploads. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * GiB;

export const DEFAULT_PART_SIZE = 8 * MiB;

/** The part size Settings (and `--part-size`) accept, in MiB: S3's limits. */
export const MIN_PART_SIZE_MIB = MIN_PART_SIZE / MiB;
export const MAX_PART_SIZE_MIB = MAX_PART_SIZE / MiB;
/**
 * The most parts in flight across all files that Settings allow; an S3
 * client keeps sockets for twice as many (see electron/engine/clients.ts).
 */
export const MAX_PART_CONCURRENCY = 64;
/**
 * Requests lighter than a part (a small file's PutObject) allowed in flight
 * for each part of the part concurrency: a small file costs a round trip, not
 * a part's memory (electron/engine/limiter.ts, "Note on what is in flight").
 */
export const SMALL_REQUESTS_PER_PART = 8;
/** The most requests in flight, whatever the setting: the sockets an S3 client keeps. */
export const MAX_REQUESTS_IN_FLIGHT = 2 * MAX_PART_CONCURRENCY;

/**
 * The part size a file is uploaded (and hashed) with: the requested size,
 * grown in whole MiB until the file needs at most 10,000 parts.
 */
export function choosePartSize(fileSize: number, requested = DEFAULT_PART_SIZE): number {
  if (fileSize > MAX_OBJECT_SIZE) {
    throw new Error(`A file of ${fileSize} bytes is larger than S3's 5 TiB object limit.`);
  }
  let size = Math.max(MIN_PART_SIZE, Math.min(requested, MAX_PART_SIZE));
  if (Math.ceil(fileSize / size) > MAX_PARTS) {
    size = Math.ceil(fileSize / MAX_PARTS / MiB) * MiB;
  }
  return Math.min(size, MAX_PART_SIZE);
}

/**
 * Files up to this size go by a single PutObject whatever the part size: one
 * request instead of four or more, checked whole by its Content-MD5 (the
 * file's MD5, known already), and cheap to send again after an interruption.
 * (The AWS CLI's threshold is 8 MiB; S3 suggests multipart from 100 MB.)
 */
export const SINGLE_PUT_MAX = 16 * MiB;

/** Files up to one part, or up to SINGLE_PUT_MAX, go by a single PutObject. */
export function isMultipart(fileSize: number, partSize: number): boolean {
  return fileSize > Math.max(partSize, SINGLE_PUT_MAX);
}

export function partCount(fileSize: number, partSize: number): number {
  return isMultipart(fileSize, partSize) ? Math.ceil(fileSize / partSize) : 1;
}

/** What decides how a file is sent: its size, its part size, and the bucket's default encryption. */
export interface SendShape {
  size: number;
  partSize: number;
  /** The bucket's default encryption seen when the file was added ('AES256', 'aws:kms', …). */
  encryption: string | null;
}

/**
 * Whether the file goes as a multipart upload: above one part (and
 * SINGLE_PUT_MAX), or always where the bucket encrypts with KMS. There the
 * ETag of a single PutObject is not the file's MD5, yet the center's sync
 * job takes a single-part object's ETag as its MD5; a multipart object's
 * ETag (ending "-N", one part allowed) sends it to the content-md5 metadata.
 */
export function sendsMultipart(file: SendShape): boolean {
  return isKms(file.encryption) || isMultipart(file.size, file.partSize);
}

/** The parts a multipart upload of the file has (at least one). */
export function partsOf(file: SendShape): number {
  return sendsMultipart(file) ? Math.max(1, Math.ceil(file.size / file.partSize)) : 1;
}

/** SSE-KMS (or its dual-layer variant). */
export function isKms(encryption: string | null): boolean {
  return encryption?.startsWith('aws:kms') ?? false;
}

export function partRange(
  partNumber: number,
  fileSize: number,
  partSize: number,
): { start: number; end: number } {
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(start + partSize, fileSize) };
}
