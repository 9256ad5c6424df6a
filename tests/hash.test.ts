import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FILE_CHANGED,
  HASH_POOL_CLOSED,
  HASH_WORKER_CRASHED,
  findWorkerFile,
  HashPool,
  type HashError,
} from '../electron/engine/hash-pool';
import { crc32ToBase64 } from '../electron/engine/crc32';
import { MiB, choosePartSize, partCount, partRange } from '../shared/parts';

// The pool runs the built worker, as the app and the CLI do; `npm test` builds first.
const WORKER_FILE = resolve(import.meta.dirname, '../out/main/hash.worker.js');

const EMPTY_MD5_HEX = 'd41d8cd98f00b204e9800998ecf8427e';
const EMPTY_MD5_BASE64 = '1B2M2Y8AsgTpgAmY7PhCfg==';

let dir: string;
let pool: HashPool;

beforeAll(async () => {
  if (!existsSync(WORKER_FILE)) {
    throw new Error(`${WORKER_FILE} is missing: run \`npm run build\` before these tests.`);
  }
  dir = await mkdtemp(join(tmpdir(), 'labdrop-hash-'));
  pool = new HashPool({ threads: 2, workerFile: WORKER_FILE });
});

afterAll(async () => {
  await pool?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const CRC32 = { algorithm: 'crc32' } as const;

function crc32Of(bytes: Uint8Array): string {
  return crc32ToBase64(crc32(bytes));
}

function md5(bytes: Uint8Array): { hex: string; base64: string } {
  const digest = createHash('md5').update(bytes).digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}

/** A file of random bytes; returns its path and contents. */
async function randomFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const path = join(dir, name);
  const bytes = randomBytes(size);
  await writeFile(path, bytes);
  return { path, bytes };
}

/** A sparse file of zeros: big enough to take a while to hash, free to create. */
async function zeroFile(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, '');
  await truncate(path, size);
  return path;
}

function zerosMd5Hex(size: number): string {
  const hash = createHash('md5');
  const chunk = Buffer.alloc(MiB);
  for (let left = size; left > 0; left -= chunk.length) {
    hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  }
  return hash.digest('hex');
}

describe('HashPool.hashFile', () => {
  it('hashes an empty file', async () => {
    const path = join(dir, 'empty');
    await writeFile(path, '');
    const result = await pool.hashFile(path);
    expect(result).toEqual({
      md5Hex: EMPTY_MD5_HEX,
      md5Base64: EMPTY_MD5_BASE64,
      size: 0,
      mtimeMs: (await stat(path)).mtimeMs,
    });
    expect(md5(Buffer.alloc(0))).toEqual({ hex: EMPTY_MD5_HEX, base64: EMPTY_MD5_BASE64 });
  });

  it('hashes a one-byte file', async () => {
    const { path, bytes } = await randomFile('one', 1);
    const result = await pool.hashFile(path);
    expect(result.md5Hex).toBe(md5(bytes).hex);
    expect(result.md5Base64).toBe(md5(bytes).base64);
    expect(result.size).toBe(1);
  });

  it('hashes a file that is not a multiple of the read buffer', async () => {
    const { path, bytes } = await randomFile('odd', 9 * MiB + 7);
    const result = await pool.hashFile(path);
    expect(result.md5Hex).toBe(md5(bytes).hex);
    expect(result.md5Base64).toBe(md5(bytes).base64);
    expect(result.size).toBe(9 * MiB + 7);
    expect(result.mtimeMs).toBe((await stat(path)).mtimeMs);
  });

  it('reports monotonic progress that ends at the size', async () => {
    const size = 300 * MiB + 5;
    const path = await zeroFile('progress', size);
    const seen: number[] = [];
    const result = await pool.hashFile(path, { onProgress: (bytes) => seen.push(bytes) });
    expect(result.md5Hex).toBe(zerosMd5Hex(size));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.length).toBeLessThan(100);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBe(size);
  });

  it('reports progress once, at zero, for an empty file', async () => {
    const path = join(dir, 'empty-progress');
    await writeFile(path, '');
    const seen: number[] = [];
    await pool.hashFile(path, { onProgress: (bytes) => seen.push(bytes) });
    expect(seen).toEqual([0]);
  });

  it('hashes several files at once on a two-thread pool', async () => {
    const files = await Promise.all(
      [0, 1, 4 * MiB, 4 * MiB + 1, 13 * MiB + 3, 17].map((size, i) =>
        randomFile(`many-${i}`, size),
      ),
    );
    const results = await Promise.all(files.map(({ path }) => pool.hashFile(path)));
    results.forEach((result, i) => {
      const { bytes } = files[i]!;
      expect(result.md5Hex).toBe(md5(bytes).hex);
      expect(result.md5Base64).toBe(md5(bytes).base64);
      expect(result.size).toBe(bytes.length);
    });
  });

  it('hashes as many files at once as there are cores, of different sizes, right', async () => {
    // Every core busy: each whole-file pass reads on its own thread; as the
    // shorter files finish, the rest go back to reading ahead on the thread pool.
    const cores = availableParallelism();
    const wide = new HashPool({ threads: cores, workerFile: WORKER_FILE });
    try {
      const files = await Promise.all(
        Array.from({ length: cores }, (_, i) => randomFile(`cores-${i}`, (i + 1) * 9 * MiB + i)),
      );
      const results = await Promise.all(files.map(({ path }) => wide.hashFile(path)));
      results.forEach((result, i) => expect(result.md5Hex).toBe(md5(files[i]!.bytes).hex));
    } finally {
      await wide.close();
    }
  });

  it('rejects a missing file with ENOENT and its path', async () => {
    const path = join(dir, 'no-such-file');
    const error: HashError = await pool.hashFile(path).then(
      () => expect.fail('hashFile resolved'),
      (e: HashError) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ENOENT');
    expect(error.message).toContain(path);
  });

  it('stops at once when aborted, rejecting with AbortError', async () => {
    // One thread: the next file can only start once the worker has let go of the aborted one.
    const single = new HashPool({ threads: 1, workerFile: WORKER_FILE });
    try {
      const path = await zeroFile('abort', 2048 * MiB);
      const controller = new AbortController();
      let calls = 0;
      const started = Date.now();
      const hashing = single.hashFile(path, {
        signal: controller.signal,
        onProgress: () => {
          calls++;
          controller.abort();
        },
      });
      await expect(hashing).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls).toBe(1);

      const { path: next, bytes } = await randomFile('after-abort', 1000);
      expect((await single.hashFile(next)).md5Hex).toBe(md5(bytes).hex);
      // Hashing all 2 GiB takes seconds.
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await single.close();
    }
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { path } = await randomFile('pre-aborted', 10);
    const signal = AbortSignal.abort();
    await expect(pool.hashFile(path, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(pool.hashRange(path, 0, 5, { signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('rejects with FileChanged when the file grows while it is hashed', async () => {
    const path = await zeroFile('growing', 512 * MiB);
    let appended = false;
    const hashing = pool.hashFile(path, {
      onProgress: () => {
        if (appended) return;
        appended = true;
        void appendFile(path, 'more data');
      },
    });
    await expect(hashing).rejects.toMatchObject({
      code: FILE_CHANGED,
      message: expect.stringMatching(/changed while it was being hashed/),
    });
    expect(appended).toBe(true);
  });

  it('rejects with FileChanged when the file is truncated while it is hashed', async () => {
    const path = await zeroFile('shrinking', 512 * MiB);
    let truncated = false;
    const hashing = pool.hashFile(path, {
      onProgress: () => {
        if (truncated) return;
        truncated = true;
        void truncate(path, MiB);
      },
    });
    await expect(hashing).rejects.toMatchObject({ code: FILE_CHANGED });
  });
});

describe('HashPool.hashRange', () => {
  it('hashes each part of a multi-part file like the bytes of that slice', async () => {
    const size = 3 * 8 * MiB + 12345;
    const { path, bytes } = await randomFile('parts', size);
    const partSize = choosePartSize(size);
    const ranges = Array.from({ length: partCount(size, partSize) }, (_, i) =>
      partRange(i + 1, size, partSize),
    );
    // Also slices that start and end inside a read buffer, and an empty one.
    ranges.push(
      { start: 4 * MiB - 1, end: 4 * MiB + 1 },
      { start: 7, end: 7 },
      { start: 0, end: size },
    );
    const digests = await Promise.all(
      ranges.map(({ start, end }) => pool.hashRange(path, start, end)),
    );
    ranges.forEach(({ start, end }, i) => {
      expect(digests[i]).toBe(md5(bytes.subarray(start, end)).base64);
    });
    expect(digests.at(-1)).toBe((await pool.hashFile(path)).md5Base64);
  });

  it('computes CRC32s of ranges, as S3 checks parts', async () => {
    const size = 9 * MiB + 5;
    const { path, bytes } = await randomFile('crc-parts', size);
    for (const { start, end } of [
      { start: 0, end: size },
      { start: 4 * MiB - 3, end: 8 * MiB + 2 },
      { start: 10, end: 10 },
    ]) {
      expect(await pool.hashRange(path, start, end, CRC32)).toBe(
        crc32Of(bytes.subarray(start, end)),
      );
    }
  });

  it('rejects with FileChanged when the range runs past the end of the file', async () => {
    const { path } = await randomFile('short', 100);
    await expect(pool.hashRange(path, 50, 150)).rejects.toMatchObject({ code: FILE_CHANGED });
  });

  it('rejects an invalid range', async () => {
    await expect(pool.hashRange(join(dir, 'x'), 10, 5)).rejects.toBeInstanceOf(RangeError);
  });

  it('is not stuck behind a long whole-file hash on a one-thread pool', async () => {
    const single = new HashPool({ threads: 1, workerFile: WORKER_FILE });
    try {
      const big = await zeroFile('long', 512 * MiB);
      const { path, bytes } = await randomFile('part', 5 * MiB);
      const order: string[] = [];
      let started!: () => void;
      const progressed = new Promise<void>((resolve) => (started = resolve));
      const whole = single
        .hashFile(big, { onProgress: () => started() })
        .then(() => order.push('file'));
      await progressed;
      const part = single.hashRange(path, 0, bytes.length).then((digest) => {
        order.push('range');
        return digest;
      });
      expect(await part).toBe(md5(bytes).base64);
      await whole;
      expect(order).toEqual(['range', 'file']);
    } finally {
      await single.close();
    }
  });
});

describe('HashPool.prefetch', () => {
  it('hands a hash started early to the hashFile that asks for it, with its progress', async () => {
    const { path, bytes } = await randomFile('early', 40 * MiB);
    pool.prefetch([path]);
    const seen: number[] = [];
    const hash = await pool.hashFile(path, { onProgress: (n) => seen.push(n) });
    expect(hash.md5Base64).toBe(md5(bytes).base64);
    expect(seen.at(-1)).toBe(bytes.length);
  });

  it('stops the early hash of a file left out of the next prefetch', async () => {
    const single = new HashPool({ threads: 1, workerFile: WORKER_FILE });
    try {
      const dropped = await zeroFile('dropped-early', 2048 * MiB); // ~3 s of MD5
      const { path, bytes } = await randomFile('kept-early', MiB);
      single.prefetch([dropped]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      single.prefetch([path]);
      const started = performance.now();
      expect((await single.hashFile(path)).md5Base64).toBe(md5(bytes).base64);
      // Not behind the dropped file's whole-file hash on the only thread.
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      await single.close();
    }
  });

  it('hashes afresh a file that changed after the early hash began', async () => {
    const { path } = await randomFile('early-changed', 8 * MiB);
    pool.prefetch([path]);
    const now = randomBytes(8 * MiB + 1);
    await writeFile(path, now);
    expect((await pool.hashFile(path)).md5Base64).toBe(md5(now).base64);
  });
});

describe('HashPool parts hashed ahead', () => {
  const partsOf = (size: number, partSize = choosePartSize(size)) =>
    Array.from({ length: partCount(size, partSize) }, (_, i) => partRange(i + 1, size, partSize));

  it('answers the parts of a hashed file with the CRC32s of their bytes', async () => {
    const size = 3 * 8 * MiB + 12345;
    const { path, bytes } = await randomFile('ahead', size);
    expect((await pool.hashFile(path)).md5Hex).toBe(md5(bytes).hex);
    for (const { start, end } of partsOf(size)) {
      expect(await pool.hashRange(path, start, end, CRC32)).toBe(
        crc32Of(bytes.subarray(start, end)),
      );
    }
    // Asked again (a retry after a pause): hashed afresh, the same.
    const [first] = partsOf(size);
    expect(await pool.hashRange(path, first!.start, first!.end, CRC32)).toBe(
      crc32Of(bytes.subarray(first!.start, first!.end)),
    );
  });

  it('hashes the bytes there now when the file changed after hashFile', async () => {
    const size = 2 * 8 * MiB + 1;
    const { path } = await randomFile('changed-after', size);
    await pool.hashFile(path);
    const now = randomBytes(size);
    await writeFile(path, now);
    for (const { start, end } of partsOf(size)) {
      expect(await pool.hashRange(path, start, end, CRC32)).toBe(crc32Of(now.subarray(start, end)));
    }
  });

  it('gives the right digests to a caller that cuts the file in other parts', async () => {
    const size = 4 * 5 * MiB + 7;
    const { path, bytes } = await randomFile('other-cut', size);
    await pool.hashFile(path);
    for (const { start, end } of partsOf(size, 5 * MiB)) {
      expect(await pool.hashRange(path, start, end, CRC32)).toBe(
        crc32Of(bytes.subarray(start, end)),
      );
    }
  });

  it('hashes ahead with the part size hashFile is given', async () => {
    const size = 4 * 5 * MiB + 9;
    const { path, bytes } = await randomFile('given-cut', size);
    await pool.hashFile(path, { partSize: 5 * MiB });
    for (const { start, end } of partsOf(size, 5 * MiB)) {
      expect(await pool.hashRange(path, start, end, CRC32)).toBe(
        crc32Of(bytes.subarray(start, end)),
      );
    }
  });

  it('hashes nothing ahead with partSize null, and still answers ranges', async () => {
    const plain = new HashPool({
      threads: 2,
      workerFile: WORKER_FILE,
      partSize: null,
    });
    try {
      const size = 2 * 8 * MiB + 3;
      const { path, bytes } = await randomFile('no-ahead', size);
      await plain.hashFile(path);
      const [, second] = partsOf(size);
      expect(await plain.hashRange(path, second!.start, second!.end, CRC32)).toBe(
        crc32Of(bytes.subarray(second!.start, second!.end)),
      );
    } finally {
      await plain.close();
    }
  });

  it('hashes a part ahead only once the whole-file pass has read past it', async () => {
    // The real worker, logging (in one file, for both threads) how far the
    // whole-file pass has read and each part it is asked for.
    const log = join(dir, 'pace.log');
    const watching = join(dir, 'watching.worker.mjs');
    await writeFile(
      watching,
      [
        `import ${JSON.stringify(pathToFileURL(WORKER_FILE).href)};`,
        `import { appendFileSync } from 'node:fs';`,
        `import { parentPort } from 'node:worker_threads';`,
        `const note = (entry) => appendFileSync(${JSON.stringify(log)}, JSON.stringify(entry) + '\\n');`,
        `const send = parentPort.postMessage.bind(parentPort);`,
        `parentPort.postMessage = (m) => {`,
        `  if (m.type === 'progress') note({ read: m.bytesHashed });`,
        `  if (m.type === 'file-done') note({ read: 'all' });`,
        `  send(m);`,
        `};`,
        `parentPort.on('message', (m) => { if (m.type === 'hash-range') note({ end: m.end }); });`,
      ].join('\n'),
    );
    const watched = new HashPool({ threads: 2, workerFile: watching, partSize: 8 * MiB });
    const size = 512 * MiB + 3;
    const parts = partsOf(size, 8 * MiB);
    try {
      const path = await zeroFile('paced', size);
      expect((await watched.hashFile(path)).md5Hex).toBe(zerosMd5Hex(size));
      for (const { start, end } of parts) {
        expect(await watched.hashRange(path, start, end, CRC32)).toBe(
          crc32Of(Buffer.alloc(end - start)),
        );
      }
    } finally {
      await watched.close();
    }
    let read = 0;
    let duringPass = 0;
    const asked: number[] = [];
    for (const line of (await readFile(log, 'utf8')).trim().split('\n')) {
      const entry = JSON.parse(line) as { read: number | 'all' } | { end: number };
      if ('read' in entry) {
        read = entry.read === 'all' ? Infinity : entry.read;
        continue;
      }
      expect(entry.end).toBeLessThanOrEqual(read);
      if (read < size) duringPass++;
      asked.push(entry.end);
    }
    // Each part asked for once, ahead or when wanted; some while the pass ran.
    expect(asked.sort((a, b) => a - b)).toEqual(parts.map(({ end }) => end));
    expect(duringPass).toBeGreaterThan(0);
  });

  it('closes cleanly with parts still queued ahead', async () => {
    const single = new HashPool({ threads: 1, workerFile: WORKER_FILE });
    const big = await zeroFile('ahead-close', 256 * MiB);
    await single.hashFile(big);
    // The parts are hashing ahead on the only thread now; nobody asks for them.
    await single.close();
    await expect(single.hashRange(big, 0, 8 * MiB)).rejects.toMatchObject({
      code: HASH_POOL_CLOSED,
    });
  });
});

describe('HashPool lifecycle', () => {
  it('rejects pending and new tasks once closed', async () => {
    const closing = new HashPool({ threads: 1, workerFile: WORKER_FILE });
    const big = await zeroFile('closing', 1024 * MiB);
    const running = closing.hashFile(big);
    const queued = closing.hashFile(big);
    const outcomes = Promise.allSettled([running, queued]);
    await closing.close();
    for (const outcome of await outcomes) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { name: 'AbortError', code: HASH_POOL_CLOSED },
      });
    }
    const { path } = await randomFile('after-close', 10);
    await expect(closing.hashFile(path)).rejects.toMatchObject({ code: HASH_POOL_CLOSED });
    await expect(closing.hashRange(path, 0, 10)).rejects.toMatchObject({ code: HASH_POOL_CLOSED });
  });

  it('fails the tasks of a worker that dies and replaces the worker', async () => {
    // The real worker, which dies when asked about a file named crash-me.
    const crashing = join(dir, 'crashing.worker.mjs');
    await writeFile(
      crashing,
      [
        `import ${JSON.stringify(pathToFileURL(WORKER_FILE).href)};`,
        `import { parentPort } from 'node:worker_threads';`,
        `parentPort.on('message', (m) => { if (m.path?.endsWith('crash-me')) process.exit(3); });`,
      ].join('\n'),
    );
    const fragile = new HashPool({ threads: 1, workerFile: crashing });
    try {
      const { path, bytes } = await randomFile('survivor', 1234);
      expect((await fragile.hashFile(path)).md5Hex).toBe(md5(bytes).hex);
      const doomed = fragile.hashFile(join(dir, 'crash-me'));
      await expect(doomed).rejects.toMatchObject({
        code: HASH_WORKER_CRASHED,
        message: expect.stringContaining('crash-me'),
      });
      expect((await fragile.hashFile(path)).md5Hex).toBe(md5(bytes).hex);
      expect(await fragile.hashRange(path, 0, 1234)).toBe(md5(bytes).base64);
    } finally {
      await fragile.close();
    }
  });
});

describe('findWorkerFile', () => {
  it('finds the worker next to the bundle, or next to the folder of a shared chunk', () => {
    const main = resolve(import.meta.dirname, '../out/main');
    expect(findWorkerFile(main)).toBe(WORKER_FILE);
    expect(findWorkerFile(join(main, 'chunks'))).toBe(WORKER_FILE);
  });

  it('finds the packaged app’s worker in app.asar.unpacked, where a thread can start from it', async () => {
    // electron-builder's layout: the bundles inside the archive, the worker
    // beside it as a real file (tests/package.test.ts checks the real package).
    const resources = join(dir, 'Labdrop Setup/resources');
    await mkdir(join(resources, 'app.asar.unpacked/out/main'), { recursive: true });
    await writeFile(join(resources, 'app.asar'), 'an archive');
    const unpacked = join(resources, 'app.asar.unpacked/out/main/hash.worker.js');
    await copyFile(WORKER_FILE, unpacked);

    expect(findWorkerFile(join(resources, 'app.asar/out/main'))).toBe(unpacked);
    expect(findWorkerFile(join(resources, 'app.asar/out/main/chunks'))).toBe(unpacked);
    const packaged = new HashPool({ threads: 1, workerFile: unpacked });
    try {
      const { path, bytes } = await randomFile('packaged', 4321);
      expect((await packaged.hashFile(path)).md5Hex).toBe(md5(bytes).hex);
    } finally {
      await packaged.close();
    }
  });

  it('leaves alone a folder whose name only starts with app.asar', async () => {
    const checkout = join(dir, 'app.asar.old/out/main');
    await mkdir(checkout, { recursive: true });
    await copyFile(WORKER_FILE, join(checkout, 'hash.worker.js'));
    expect(findWorkerFile(checkout)).toBe(join(checkout, 'hash.worker.js'));
  });

  it('says where it looked and what to do when there is no worker', () => {
    expect(() => findWorkerFile(join(dir, 'nowhere/out/main'))).toThrow(
      /hash\.worker\.js is not in .*nowhere.*npm run build/,
    );
  });
});
