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
 * The most part requests in flight across all files that Settings allow; an
 * S3 client keeps sockets for twice as many (see electron/engine/clients.ts).
 */
export const MAX_PART_CONCURRENCY = 64;

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

export function partRange(
  partNumber: number,
  fileSize: number,
  partSize: number,
): { start: number; end: number } {
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(start + partSize, fileSize) };
}
