// MD5 hashing off the main thread: a pool of hash.worker.ts threads speaking
// the messages in hash-messages.ts. Plain Node; never import electron here.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  FileChangedCode,
  HashDoneResponse,
  HashError,
  HashResponse,
  HashTaskRequest,
  SerializedError,
} from './hash-messages';

export type { HashError } from './hash-messages';

export interface FileHash {
  /** Lowercase hex of the 16-byte digest, as recorded in history. */
  md5Hex: string;
  /** Base64 of the raw 16-byte digest, as S3's `content-md5` metadata wants it. */
  md5Base64: string;
  /** From fstat when the file was opened (and unchanged when it was done). */
  size: number;
  mtimeMs: number;
}

export interface HashPoolOptions {
  /** Worker threads; default one per core. */
  threads?: number;
  /** The built worker entry; default `hash.worker.js` next to the bundle that contains this code. */
  workerFile?: string;
}

export interface HashFileOptions {
  /** Cumulative bytes hashed, at most every ~64 MiB or 100 ms, and once at the end with the size. */
  onProgress?: (bytesHashed: number) => void;
  signal?: AbortSignal;
}

export interface HashRangeOptions {
  signal?: AbortSignal;
}

/** The `code` of the error when the file changed (or got shorter) while it was being read. */
export const FILE_CHANGED: FileChangedCode = 'FileChanged';
/** Set on the errors of tasks cut short by close(), and of tasks started after it. */
export const HASH_POOL_CLOSED = 'HashPoolClosed';
/** Set on the errors of tasks that were running in a worker that died. */
export const HASH_WORKER_CRASHED = 'HashWorkerCrashed';

const WORKER_FILE_NAME = 'hash.worker.js';

interface Task {
  request: HashTaskRequest;
  resolve: (done: HashDoneResponse) => void;
  reject: (error: Error) => void;
  onProgress?: (bytesHashed: number) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** The caller has its answer; the task may still occupy a worker until the worker replies. */
  settled: boolean;
  slot?: Slot;
}

interface Slot {
  worker?: Worker;
  /** Tasks the worker holds, by request id, settled or not, until it sends their final reply. */
  tasks: Map<number, Task>;
  fileTasks: number;
}

/**
 * Whole-file and byte-range MD5s on worker threads. A worker runs at most one
 * whole-file hash at a time (the rest wait in FIFO order); range hashes go at
 * once to the least-loaded worker and interleave with whatever it is reading.
 */
export class HashPool {
  private readonly workerFile: string;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closing?: Promise<void>;

  constructor(options: HashPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, not ${threads}`);
    }
    this.workerFile = options.workerFile ?? defaultWorkerFile();
    this.slots = Array.from({ length: threads }, () => ({ tasks: new Map(), fileTasks: 0 }));
  }

  /** Whole-file MD5 in one sequential read pass; rejects with code FileChanged if the file changes meanwhile. */
  async hashFile(path: string, options: HashFileOptions = {}): Promise<FileHash> {
    const done = await this.submit(
      { type: 'hash-file', id: this.nextId++, path, progress: options.onProgress !== undefined },
      options.signal,
      options.onProgress,
    );
    if (done.type !== 'file-done') throw new Error(`unexpected ${done.type} reply to hash-file`);
    const { md5Hex, md5Base64, size, mtimeMs } = done;
    return { md5Hex, md5Base64, size, mtimeMs };
  }

  /** MD5 (base64) of bytes [start, end) of a file, for an upload part's Content-MD5. */
  async hashRange(
    path: string,
    start: number,
    end: number,
    options: HashRangeOptions = {},
  ): Promise<string> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`invalid byte range [${start}, ${end}) of ${path}`);
    }
    const done = await this.submit(
      { type: 'hash-range', id: this.nextId++, path, start, end },
      options.signal,
    );
    if (done.type !== 'range-done') throw new Error(`unexpected ${done.type} reply to hash-range`);
    return done.md5Base64;
  }

  /** Terminates the workers. Unfinished tasks reject with an AbortError whose code is HashPoolClosed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const closed = (): Error =>
      makeError(
        'The hash pool was closed before the task finished',
        'AbortError',
        HASH_POOL_CLOSED,
      );
    for (const task of this.queue.splice(0)) this.settle(task, closed());
    const workers: Worker[] = [];
    for (const slot of this.slots) {
      for (const task of slot.tasks.values()) this.settle(task, closed());
      slot.tasks.clear();
      slot.fileTasks = 0;
      if (slot.worker) workers.push(slot.worker);
      slot.worker = undefined;
    }
    this.closing = Promise.all(workers.map((worker) => worker.terminate())).then(() => undefined);
    return this.closing;
  }

  private submit(
    request: HashTaskRequest,
    signal: AbortSignal | undefined,
    onProgress?: (bytesHashed: number) => void,
  ): Promise<HashDoneResponse> {
    if (this.closing) {
      return Promise.reject(makeError('The hash pool is closed', 'Error', HASH_POOL_CLOSED));
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<HashDoneResponse>((resolve, reject) => {
      const task: Task = { request, resolve, reject, onProgress, signal, settled: false };
      if (signal) {
        task.onAbort = () => this.abort(task);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      if (request.type === 'hash-file') {
        this.queue.push(task);
        this.pump();
      } else {
        this.start(this.leastLoaded(this.slots), task);
      }
    });
  }

  /** Starts queued whole-file tasks on workers that have none. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closing) {
      const slot = this.leastLoaded(this.slots.filter((candidate) => candidate.fileTasks === 0));
      if (!slot) return;
      this.start(slot, this.queue.shift()!);
    }
  }

  private leastLoaded(slots: Slot[]): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of slots) {
      if (!best || load(slot) < load(best)) best = slot;
    }
    return best;
  }

  private start(slot: Slot | undefined, task: Task): void {
    if (!slot) throw new Error('HashPool has no workers');
    const worker = slot.worker ?? this.spawn(slot);
    if (slot.tasks.size === 0) worker.ref();
    slot.tasks.set(task.request.id, task);
    if (task.request.type === 'hash-file') slot.fileTasks++;
    task.slot = slot;
    worker.postMessage(task.request);
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.workerFile);
    slot.worker = worker;
    worker.on('message', (response: HashResponse) => this.onResponse(slot, response));
    worker.on('error', (error) => this.retire(slot, worker, error.message));
    worker.on('exit', (code) => this.retire(slot, worker, `it exited with code ${code}`));
    return worker;
  }

  private onResponse(slot: Slot, response: HashResponse): void {
    const task = slot.tasks.get(response.id);
    if (!task) return;
    if (response.type === 'progress') {
      if (task.settled || !task.onProgress) return;
      try {
        task.onProgress(response.bytesHashed);
      } catch (error) {
        // A throwing callback fails its own task, not the pool's message loop.
        this.settle(task, error instanceof Error ? error : new Error(String(error)));
        slot.worker?.postMessage({ type: 'cancel', id: response.id });
      }
      return;
    }
    this.release(slot, task);
    if (response.type === 'error') this.settle(task, deserializeError(response.error));
    else this.settle(task, response);
    this.pump();
  }

  /** A task's worker has let go of it: free its place. */
  private release(slot: Slot, task: Task): void {
    slot.tasks.delete(task.request.id);
    if (task.request.type === 'hash-file') slot.fileTasks--;
    if (slot.tasks.size === 0) slot.worker?.unref();
  }

  private abort(task: Task): void {
    if (task.settled) return;
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(task, abortError(task.signal));
    // The worker still owns the task until it answers the cancel; only then is its place free.
    task.slot?.worker?.postMessage({ type: 'cancel', id: task.request.id });
  }

  private settle(task: Task, outcome: HashDoneResponse | Error): void {
    if (task.settled) return;
    task.settled = true;
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    if (outcome instanceof Error) task.reject(outcome);
    else task.resolve(outcome);
  }

  /** A worker died: fail what it held; the slot gets a fresh worker when it is next needed. */
  private retire(slot: Slot, worker: Worker, reason: string): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    for (const task of slot.tasks.values()) {
      this.settle(
        task,
        makeError(
          `The hash worker stopped while hashing ${task.request.path}: ${reason}`,
          'Error',
          HASH_WORKER_CRASHED,
        ),
      );
    }
    slot.tasks.clear();
    slot.fileTasks = 0;
    void worker.terminate();
    this.pump();
  }
}

function load(slot: Slot): number {
  // A whole-file task keeps its worker busy for much longer than a part.
  return slot.tasks.size + slot.fileTasks;
}

function makeError(message: string, name: string, code?: string): HashError {
  const error: HashError = new Error(message);
  error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}

/** The worker's error as an Error on this side, with the same name, message and code. */
function deserializeError({ name, message, code }: SerializedError): HashError {
  return makeError(message, name, code);
}

function abortError(signal: AbortSignal | undefined): HashError {
  const error = makeError('Hashing was aborted', 'AbortError', 'ABORT_ERR');
  if (signal?.reason !== undefined) error.cause = signal.reason;
  return error;
}

/**
 * The bundler puts this code into out/main/main.js or cli.js, or into a shared
 * chunk in a folder below out/main; the worker entry is out/main/hash.worker.js.
 */
function defaultWorkerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, dirname(here)]) {
    const candidate = join(dir, WORKER_FILE_NAME);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${WORKER_FILE_NAME} is not in ${here} or its parent; build with \`npm run build\` or pass workerFile`,
  );
}
