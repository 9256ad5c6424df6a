// Worker entry for HashPool (hash-pool.ts); the messages are in hash-messages.ts.
// It runs several requests at once: each task yields after every chunk, so a
// short part digest interleaves with a long whole-file hash instead of
// waiting behind it.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type {
  FileChangedCode,
  FileDoneResponse,
  HashError,
  HashFileRequest,
  HashRangeRequest,
  HashRequest,
  HashResponse,
  HashWorkerData,
  RangeDoneResponse,
  SerializedError,
} from './hash-messages';

/** Big reads keep syscalls and event-loop turns out of the profile. */
const BUFFER_SIZE = 4 * 1024 * 1024;
/** Buffer pairs kept between tasks, so steady-state hashing allocates nothing. */
const SPARE_PAIRS = 2;
const PROGRESS_BYTES = 64 * 1024 * 1024;
const PROGRESS_MS = 100;
const FILE_CHANGED: FileChangedCode = 'FileChanged';

type BufferPair = [Buffer, Buffer];

interface TaskState {
  cancelled: boolean;
}

const port = parentPort;
const data = workerData as HashWorkerData | null;
if (!port || !data) throw new Error('hash.worker must be started as a worker thread by HashPool');
/** Whole-file passes running in the pool (see readOverlapped). */
const { wholeFiles } = data;
const CORES = availableParallelism();

const tasks = new Map<number, TaskState>();
const sparePairs: BufferPair[] = [];

function send(response: HashResponse): void {
  port!.postMessage(response);
}

port.on('message', (request: HashRequest) => {
  if (request.type === 'cancel') {
    const task = tasks.get(request.id);
    if (task) task.cancelled = true;
    return;
  }
  const task: TaskState = { cancelled: false };
  tasks.set(request.id, task);
  const work = request.type === 'hash-file' ? hashFile(request, task) : hashRange(request, task);
  work
    .then(
      (done) => send(done),
      (error: unknown) => send({ type: 'error', id: request.id, error: serializeError(error) }),
    )
    .finally(() => tasks.delete(request.id));
});

async function hashFile(request: HashFileRequest, task: TaskState): Promise<FileDoneResponse> {
  const { id, path } = request;
  const changed = (): Error =>
    makeError(`${path} changed while it was being hashed; hash it again.`, 'Error', FILE_CHANGED);
  return withFile(path, async (file, buffers) => {
    const before = await file.stat();
    if (!before.isFile()) throw makeError(`${path} is not a regular file`, 'Error', 'ENOTFILE');
    let reportedBytes = 0;
    let reportedAt = performance.now();
    const onChunk = request.progress
      ? (bytesHashed: number) => {
          const now = performance.now();
          if (bytesHashed - reportedBytes >= PROGRESS_BYTES || now - reportedAt >= PROGRESS_MS) {
            reportedBytes = bytesHashed;
            reportedAt = now;
            send({ type: 'progress', id, bytesHashed });
          }
        }
      : undefined;
    const hash = createHash('md5');
    await readOverlapped(file, 0, before.size, buffers, task, changed, (chunk, hashed) => {
      hash.update(chunk);
      onChunk?.(hashed);
    });
    const after = await file.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw changed();
    if (request.progress) send({ type: 'progress', id, bytesHashed: before.size });
    const digest = hash.digest();
    return {
      type: 'file-done',
      id,
      md5Hex: digest.toString('hex'),
      md5Base64: digest.toString('base64'),
      size: before.size,
      mtimeMs: before.mtimeMs,
    };
  });
}

async function hashRange(request: HashRangeRequest, task: TaskState): Promise<RangeDoneResponse> {
  const { id, path, start, end } = request;
  const changed = (): Error =>
    makeError(
      `${path} is shorter than expected: could not read bytes ${start}-${end}; it changed after it was hashed.`,
      'Error',
      FILE_CHANGED,
    );
  return withFile(path, async (file, buffers) => {
    if (request.algorithm === 'crc32') {
      let crc = 0;
      await readHere(file, start, end, buffers[0], task, changed, (chunk) => {
        crc = crc32(chunk, crc);
      });
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(crc);
      return { type: 'range-done', id, digestBase64: bytes.toString('base64') };
    }
    const hash = createHash('md5');
    await readHere(file, start, end, buffers[0], task, changed, (chunk) => hash.update(chunk));
    return { type: 'range-done', id, digestBase64: hash.digest('base64') };
  });
}

async function withFile<T>(
  path: string,
  use: (file: FileHandle, buffers: BufferPair) => Promise<T>,
): Promise<T> {
  const file = await open(path, 'r');
  const buffers = sparePairs.pop() ?? [
    Buffer.allocUnsafeSlow(BUFFER_SIZE),
    Buffer.allocUnsafeSlow(BUFFER_SIZE),
  ];
  try {
    return await use(file, buffers);
  } finally {
    if (sparePairs.length < SPARE_PAIRS) sparePairs.push(buffers);
    await file.close();
  }
}

/**
 * Reads [start, end) in order into one buffer while `consume` digests the
 * other: the whole-file MD5, which an upload waits for, never waits for a
 * read. Those reads run on the thread pool, so they overlap only while a core
 * is free of whole-file passes; when every core has one, each pass reads on
 * its own thread instead, a chunk at a time (like openssl, two files then
 * hash nearly twice as fast as one, where reads squeezed in between the
 * passes got 1.7 times). Only the read being awaited is ever outstanding when
 * this throws, so the buffers are free for the next task as soon as it
 * returns.
 */
async function readOverlapped(
  file: FileHandle,
  start: number,
  end: number,
  buffers: BufferPair,
  task: TaskState,
  changed: () => Error,
  consume: (chunk: Buffer, bytesDone: number) => void,
): Promise<void> {
  const length = (buffer: Buffer, position: number) => Math.min(buffer.length, end - position);
  let position = start;
  let [filling, spare] = buffers;
  let pending: Promise<{ bytesRead: number }> | undefined;
  while (position < end) {
    let bytesRead: number;
    if (pending) {
      ({ bytesRead } = await pending);
      pending = undefined;
    } else {
      bytesRead = readSync(file.fd, filling, 0, length(filling, position), position);
      await nextTurn(); // a cancel can arrive, and part digests interleave
    }
    if (task.cancelled) throw makeError('Hashing was aborted', 'AbortError', 'ABORT_ERR');
    if (bytesRead === 0) throw changed();
    const filled = filling;
    position += bytesRead;
    if (position < end && Atomics.load(wholeFiles, 0) < CORES) {
      filling = spare;
      spare = filled;
      pending = file.read(filling, 0, length(filling, position), position);
    }
    consume(bytesRead === filled.length ? filled : filled.subarray(0, bytesRead), position - start);
  }
}

/**
 * Reads [start, end) on this thread, a chunk at a time, yielding between
 * chunks. For part digests, which run beside a whole-file MD5: reading on the
 * thread pool instead, the copies from the page cache ran on threads that
 * took turns with that MD5 on its core (it finished 5 % later on two cores).
 */
async function readHere(
  file: FileHandle,
  start: number,
  end: number,
  buffer: Buffer,
  task: TaskState,
  changed: () => Error,
  consume: (chunk: Buffer) => void,
): Promise<void> {
  for (let position = start; position < end;) {
    const bytesRead = readSync(
      file.fd,
      buffer,
      0,
      Math.min(buffer.length, end - position),
      position,
    );
    if (bytesRead === 0) throw changed();
    consume(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    position += bytesRead;
    await nextTurn();
    if (task.cancelled) throw makeError('Hashing was aborted', 'AbortError', 'ABORT_ERR');
  }
}

function makeError(message: string, name: string, code: string): HashError {
  const error: HashError = new Error(message);
  error.name = name;
  error.code = code;
  return error;
}

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { name, message } = error;
  const code = (error as HashError).code;
  return typeof code === 'string' ? { name, message, code } : { name, message };
}
