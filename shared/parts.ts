export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** S3's limits on multipart uploads. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * GiB;

export const DEFAULT_PART_SIZE = 8 * MiB;

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

/** Files at or below one part go by a single PutObject. */
export function isMultipart(fileSize: number, partSize: number): boolean {
  return fileSize > partSize;
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
