// Files for the bench. Hashing and upload figures use real random bytes
// (AES-CTR keystream: incompressible, and fast to make), written once and then
// read from the page cache, so they measure CPU and memory bandwidth, not the
// disk. The memory figures use sparse files: there the content does not matter.
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, statfs, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MiB } from './stats';

const CHUNK = 16 * MiB;

/** Writes `size` random bytes to `path`. */
export async function randomFile(path: string, size: number): Promise<void> {
  const cipher = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
  const zeros = Buffer.alloc(CHUNK);
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size;) {
      const n = Math.min(CHUNK, size - written);
      await file.write(cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n)));
      written += n;
    }
  } finally {
    await file.close();
  }
}

/** `count` random files of `size` bytes in `dir` (created), named file-000…; returns their paths. */
export async function randomFiles(dir: string, count: number, size: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths = Array.from({ length: count }, (_, i) =>
    join(dir, `file-${String(i).padStart(3, '0')}.dat`),
  );
  for (const path of paths) await randomFile(path, size);
  return paths;
}

/** A sparse file: `size` bytes of zeros that take no disk space. */
export async function sparseFile(path: string, size: number): Promise<void> {
  await writeFile(path, '');
  await truncate(path, size);
}

/** Reads every file once so the timed runs find them in the page cache. */
export async function warm(paths: string[]): Promise<void> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (const path of paths) {
    const file = await open(path, 'r');
    try {
      while ((await file.read(buffer, 0, CHUNK)).bytesRead > 0) {
        // reading is the point
      }
    } finally {
      await file.close();
    }
  }
}

export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort().map((name) => join(dir, name));
}
