// CRC-32 (the zlib/IEEE polynomial S3 calls CRC32; node:zlib's crc32 computes
// it) as S3 writes it: base64 of the 4 bytes, big-endian. Plain Node; never
// import electron here.

export function crc32ToBase64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

export function crc32FromBase64(text: string): number {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== 4) throw new Error(`"${text}" is not a base64 CRC32`);
  return bytes.readUInt32BE();
}

/**
 * The CRC32 of A followed by B, from crc(A), crc(B) and B's length (zlib's
 * crc32_combine): how the parts' checksums give the whole file's, which S3
 * checks a FULL_OBJECT multipart upload against.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB === 0) return crcA >>> 0;
  // Operators for one zero bit, then squared to 2, 4, 8… zero bits.
  const odd = new Uint32Array(32);
  const even = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1; n < 32; n++) odd[n] = 1 << (n - 1);
  square(even, odd); // 2 zero bits
  square(odd, even); // 4 zero bits
  let crc = crcA >>> 0;
  let length = lengthB;
  // Apply len(B) zero bytes to crc(A), one bit of the length at a time.
  while (length > 0) {
    square(even, odd);
    if (length % 2 === 1) crc = times(even, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
    square(odd, even);
    if (length % 2 === 1) crc = times(odd, crc);
    length = Math.floor(length / 2);
  }
  return (crc ^ crcB) >>> 0;
}

/** The CRC32 of parts' bytes one after another, from each part's CRC32 and size, in order. */
export function crc32OfParts(parts: Iterable<{ crc32: number; size: number }>): number {
  let crc = 0;
  for (const part of parts) crc = crc32Combine(crc, part.crc32, part.size);
  return crc;
}

function times(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  for (let i = 0; vector !== 0; i++, vector >>>= 1) {
    if (vector & 1) sum ^= matrix[i] as number;
  }
  return sum >>> 0;
}

function square(result: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) result[n] = times(matrix, matrix[n] as number);
}
