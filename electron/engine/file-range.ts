import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { UploadFailure } from './errors';

/** How much of a body is handed to the socket at a time (and counted as progress). */
const SLICE = 1024 * 1024;
/** Parts up to this size are read into a reused buffer; bigger ones are streamed from the file. */
export const MAX_BUFFERED_PART = 16 * 1024 * 1024;
/** Spare buffers kept between parts: eight parts in flight at the default 8 MiB part size, and room to grow. */
const MAX_SPARE_BYTES = 128 * 1024 * 1024;

export interface RangeBody {
  body: Readable | Uint8Array;
  /** Aborts with the caller's signal, and when the file fails under the request. */
  signal: AbortSignal;
  /** Why the file could not supply its bytes, if it could not. */
  failure(): Error | null;
  /** Call once the request is over (answered, failed or aborted). */
  close(): void;
}

/**
 * Part-sized buffers reused from one part to the next. Allocating a fresh
 * buffer for every megabyte read (as a file stream does) makes V8 collect
 * garbage over and over while gigabytes go through; with a pool, steady-state
 * uploading allocates nothing. A buffer goes back to the pool only when its
 * request is over, so no bytes are overwritten while they may still be sent.
 */
export class PartBuffers {
  private readonly spare: Buffer[] = [];
  private spareBytes = 0;

  /** A buffer of at least `size` bytes, `capacity` long if a new one is made (the file's part size). */
  take(size: number, capacity: number): Buffer {
    const index = this.spare.findIndex((buffer) => buffer.length >= size);
    if (index >= 0) {
      const [buffer] = this.spare.splice(index, 1) as [Buffer];
      this.spareBytes -= buffer.length;
      return buffer;
    }
    return Buffer.allocUnsafeSlow(Math.max(size, capacity));
  }

  give(buffer: Buffer): void {
    // Prefer the newest size: the buffers of an earlier, different part size go first.
    while (this.spare.length > 0 && this.spareBytes + buffer.length > MAX_SPARE_BYTES) {
      this.spareBytes -= (this.spare.shift() as Buffer).length;
    }
    this.spare.push(buffer);
    this.spareBytes += buffer.length;
  }
}

/**
 * Bytes [start, end) of a file as a request body. The file is opened before
 * the request starts, so a missing file fails at once; a read error or a file
 * that got shorter aborts the request instead of leaving the server waiting
 * for bytes that never come. A range of at most MAX_BUFFERED_PART bytes
 * (`capacity` is the file's part size) is read whole into a buffer from
 * `buffers` and handed out in slices; a bigger one is streamed, so memory
 * stays bounded whatever the part size.
 */
export async function openRange(
  range: FileRange,
  buffers: PartBuffers,
  capacity = range.end - range.start,
): Promise<RangeBody> {
  const handle = await open(range.path, 'r');
  if (range.end === range.start) {
    await handle.close();
    const { signal } = range;
    return { body: new Uint8Array(0), signal, failure: () => null, close: () => undefined };
  }
  if (range.end - range.start <= MAX_BUFFERED_PART) {
    return bufferedRange(handle, range, buffers, capacity);
  }
  return streamedRange(handle, range);
}

/**
 * What openRange sends: bytes [start, end) of `path`, counted into `onBytes`
 * as they go, in the pieces `take` allows (the bandwidth limit, see
 * token-bucket.ts: it resolves with how many of the bytes asked may go now).
 */
export interface FileRange {
  path: string;
  start: number;
  end: number;
  signal: AbortSignal;
  onBytes: (bytes: number) => void;
  take: (bytes: number, signal: AbortSignal) => Promise<number>;
}

function shorterFailure(path: string): UploadFailure {
  return new UploadFailure({
    code: 'FileChanged',
    message: `${path} got shorter while it was being uploaded. Nothing was completed; retry to upload the current version.`,
  });
}

async function bufferedRange(
  handle: FileHandle,
  { path, start, end, signal, onBytes, take }: FileRange,
  buffers: PartBuffers,
  capacity: number,
): Promise<RangeBody> {
  const size = end - start;
  const buffer = buffers.take(size, Math.min(capacity, MAX_BUFFERED_PART));
  try {
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, start + filled);
      if (bytesRead === 0) throw shorterFailure(path);
      filled += bytesRead;
    }
  } catch (error) {
    buffers.give(buffer);
    throw error;
  } finally {
    await handle.close();
  }
  let sent = 0;
  // A wait for the bandwidth limit ends with the request.
  const closed = new AbortController();
  const body = new Readable({
    read() {
      if (sent === size) {
        this.push(null);
        return;
      }
      // The stream asks for more only after this push: one piece at a time.
      take(Math.min(SLICE, size - sent), AbortSignal.any([signal, closed.signal])).then(
        (slice) => {
          // A view, not a copy: the bytes stay in the pooled buffer.
          const chunk = buffer.subarray(sent, sent + slice);
          sent += slice;
          onBytes(slice);
          this.push(chunk);
        },
        // Only the request's end stops a wait: nothing is left to tell.
        () => this.destroy(),
      );
    },
  });
  return {
    body,
    signal,
    failure: () => null,
    close: () => {
      if (closed.signal.aborted) return;
      closed.abort();
      body.destroy();
      buffers.give(buffer);
    },
  };
}

function streamedRange(
  handle: FileHandle,
  { path, start, end, signal, onBytes, take }: FileRange,
): RangeBody {
  const local = new AbortController();
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    local.abort(error);
  };
  const stream = handle.createReadStream({ start, end: end - 1, highWaterMark: SLICE });
  let read = 0;
  stream.on('data', (chunk) => {
    read += chunk.length;
  });
  stream.on('error', fail);
  stream.on('end', () => {
    if (read < end - start) fail(shorterFailure(path));
  });
  const requestSignal = AbortSignal.any([signal, local.signal]);
  const paced = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      void (async () => {
        for (let offset = 0; offset < chunk.length;) {
          const piece = await take(chunk.length - offset, requestSignal);
          onBytes(piece);
          this.push(chunk.subarray(offset, offset + piece));
          offset += piece;
        }
      })().then(
        () => done(),
        // Only the request's end stops a wait: nothing is left to tell.
        () => this.destroy(),
      );
    },
  });
  stream.pipe(paced);
  return {
    body: paced,
    signal: requestSignal,
    failure: () => failure,
    close: () => {
      local.abort();
      stream.destroy();
      paced.destroy();
    },
  };
}
