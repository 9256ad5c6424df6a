import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UploadFailure } from './errors';

const READ_CHUNK = 1024 * 1024;

export interface RangeBody {
  body: Readable | Uint8Array;
  /** Aborts with the caller's signal, and when the file fails under the request. */
  signal: AbortSignal;
  /** Why the file could not supply its bytes, if it could not. */
  failure(): Error | null;
  close(): void;
}

/**
 * Bytes [start, end) of a file as a request body. The file is opened before
 * the request starts, so a missing file fails at once; a read error or a file
 * that got shorter aborts the request instead of leaving the server waiting
 * for bytes that never come.
 */
export async function openRange(
  path: string,
  start: number,
  end: number,
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): Promise<RangeBody> {
  const handle = await open(path, 'r');
  if (end === start) {
    await handle.close();
    return { body: new Uint8Array(0), signal, failure: () => null, close: () => undefined };
  }
  const local = new AbortController();
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    local.abort(error);
  };
  const stream = handle.createReadStream({ start, end: end - 1, highWaterMark: READ_CHUNK });
  let read = 0;
  stream.on('data', (chunk) => {
    read += chunk.length;
    onBytes(chunk.length);
  });
  stream.on('error', fail);
  stream.on('end', () => {
    if (read < end - start) {
      fail(
        new UploadFailure({
          code: 'FileChanged',
          message: `${path} got shorter while it was being uploaded. Nothing was completed; retry to upload the current version.`,
        }),
      );
    }
  });
  return {
    body: stream,
    signal: AbortSignal.any([signal, local.signal]),
    failure: () => failure,
    close: () => {
      stream.destroy();
    },
  };
}
