// MD5 hashing off the main thread: a pool of hash.worker.ts threads speaking
// the messages in hash-messages.ts. Plain Node; never import electron here.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFAULT_PART_SIZE } from '../../shared/parts';
import { PartsAhead, Prefetches, PREHASH_ALGORITHM } from './hash-ahead';
import type {
  HashDoneResponse,
  HashResponse,
  HashTaskRequest,
  HashWorkerData,
} from './hash-messages';
import {
  abortError,
  deserializeError,
  HASH_POOL_CLOSED,
  HASH_WORKER_CRASHED,
  makeError,
  type FileHash,
  type HashFileOptions,
  type HashRangeOptions,
  type Pace,
  type Slot,
  type Task,
} from './hash-task';

export type { HashError, RangeAlgorithm } from './hash-messages';
export {
  FILE_CHANGED,
  HASH_POOL_CLOSED,
  HASH_WORKER_CRASHED,
  type FileHash,
  type HashFileOptions,
  type HashRangeOptions,
} from './hash-task';

export interface HashPoolOptions {
  /** Worker threads; default one per core. */
  threads?: number;
  /** The built worker entry; default findWorkerFile's for the bundle that contains this code. */
  workerFile?: string;
  /**
   * The part size the uploads will ask `hashRange` for (grown per file by
   * choosePartSize, as the queue does). hashFile then also computes those
   * parts' CRC32s, on threads that have no whole file to hash, so an upload
   * finds its parts' checksums ready (see "Parts hashed ahead" in hash-ahead.ts).
   * Default DEFAULT_PART_SIZE; null digests ranges only when asked.
   */
  partSize?: number | null;
}

const WORKER_FILE_NAME = 'hash.worker.js';
/** Ahead-of-time range tasks a thread with no whole file runs at once (one reads while one hashes). */
const PREHASH_PER_THREAD = 2;

/**
 * Whole-file MD5s and byte-range MD5s or CRC32s on worker threads. A worker
 * runs at most one whole-file hash at a time (the rest wait in FIFO order);
 * range digests go at once to the least-loaded worker and interleave with
 * whatever it is reading. hashFile also hashes the file's parts ahead, and
 * prefetch() whole files early: see hash-ahead.ts.
 */
export class HashPool {
  private readonly workerFile: string;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  /** Ahead-of-time range tasks, in file then part order, for idle threads (some discarded or started since). */
  private readonly background: Task[] = [];
  private readonly prefetches = new Prefetches((path, options) => this.hashFile(path, options));
  private readonly partsAhead = new PartsAhead({
    isClosed: () => !!this.closing,
    nextId: () => this.nextId++,
    runWhenIdle: (tasks) => {
      for (const task of tasks) this.background.push(task);
      this.pump();
    },
    runNow: (task) => this.start(this.leastLoaded(this.slots), task),
    discard: (task) => this.discard(task),
  });
  /** Shared with the workers: they read a file inline when every core has a whole file to hash. */
  private readonly wholeFiles = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly partSize: number | null;
  private nextId = 1;
  private closing?: Promise<void>;

  constructor(options: HashPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, not ${threads}`);
    }
    this.workerFile = options.workerFile ?? findWorkerFile(dirname(fileURLToPath(import.meta.url)));
    this.slots = Array.from({ length: threads }, () => ({ tasks: new Map(), fileTasks: 0 }));
    this.partSize = options.partSize === undefined ? DEFAULT_PART_SIZE : options.partSize;
  }

  /** Worker threads: how many whole files are hashed at once. */
  get threads(): number {
    return this.slots.length;
  }

  /**
   * Starts hashing files before anyone asks (the command line does while the
   * rest of it loads and the bucket is checked; the app while the user picks
   * where dropped files go): the first hashFile of the same path takes the
   * running or finished hash over, unless the file has changed since. Early
   * hashes of other files that nobody took over are stopped (the user
   * dropped something else), and so are all of them by close().
   */
  prefetch(paths: readonly string[], options: Pick<HashFileOptions, 'partSize'> = {}): void {
    if (!this.closing) this.prefetches.start(paths, options);
  }

  /** Whole-file MD5 in one sequential read pass; rejects with code FileChanged if the file changes meanwhile. */
  async hashFile(path: string, options: HashFileOptions = {}): Promise<FileHash> {
    if (this.prefetches.has(path)) {
      const early = await this.prefetches.take(path, options);
      if (early) return early;
    }
    const { onProgress } = options;
    const partSize = options.partSize === undefined ? this.partSize : options.partSize;
    const pace: Pace | undefined = partSize === null ? undefined : { hashed: 0 };
    const whole = this.submit(
      { type: 'hash-file', id: this.nextId++, path, progress: !!onProgress || !!pace },
      options.signal,
      pace
        ? (bytesHashed) => {
            pace.hashed = bytesHashed;
            onProgress?.(bytesHashed);
            this.pump();
          }
        : onProgress,
    );
    this.partsAhead.drop(path);
    let failed = false;
    if (pace)
      void this.partsAhead.prehash(path, partSize as number, options.signal, () => !failed, pace);
    let done: HashDoneResponse;
    try {
      done = await whole;
    } catch (error) {
      failed = true;
      this.partsAhead.drop(path);
      throw error;
    } finally {
      if (pace) {
        pace.hashed = Infinity;
        this.pump();
      }
    }
    if (done.type !== 'file-done') throw new Error(`unexpected ${done.type} reply to hash-file`);
    const { md5Hex, md5Base64, size, mtimeMs } = done;
    this.partsAhead.confirm(path, size, mtimeMs);
    return { md5Hex, md5Base64, size, mtimeMs };
  }

  /**
   * The MD5 or CRC32 (base64, as S3's headers want it) of bytes [start, end)
   * of a file: a part's checksum, or its MD5 to compare with an ETag.
   */
  async hashRange(
    path: string,
    start: number,
    end: number,
    options: HashRangeOptions = {},
  ): Promise<string> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`invalid byte range [${start}, ${end}) of ${path}`);
    }
    const algorithm = options.algorithm ?? 'md5';
    if (algorithm === PREHASH_ALGORITHM) {
      const ahead = await this.partsAhead.take(path, start, end, options.signal);
      if (ahead !== null) return ahead;
    }
    const done = await this.submit(
      { type: 'hash-range', id: this.nextId++, path, start, end, algorithm },
      options.signal,
    );
    if (done.type !== 'range-done') throw new Error(`unexpected ${done.type} reply to hash-range`);
    return done.digestBase64;
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
    for (const task of this.background.splice(0)) this.settle(task, closed());
    this.partsAhead.dropAll();
    this.prefetches.stopAll();
    const workers: Worker[] = [];
    for (const slot of this.slots) {
      for (const task of slot.tasks.values()) this.settle(task, closed());
      slot.tasks.clear();
      this.countFileTasks(slot, -slot.fileTasks);
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

  /**
   * Starts queued whole-file tasks on workers that have none; then parts to
   * hash ahead on workers that have no whole file (a whole-file pass is what
   * an upload waits for, so nothing is put beside it), as far as their
   * file's whole-file pass has read.
   */
  private pump(): void {
    while (this.queue.length > 0 && !this.closing) {
      const slot = this.leastLoaded(this.slots.filter((candidate) => candidate.fileTasks === 0));
      if (!slot) break;
      this.start(slot, this.queue.shift()!);
    }
    while (this.background.length > 0 && !this.closing) {
      const next = this.background[0]!;
      if (next.settled || next.slot) {
        // Discarded, or started early because an upload asked for it.
        this.background.shift();
        continue;
      }
      const { request, pace } = next;
      // Later files' parts wait too: their whole-file passes started after this one's.
      if (request.type === 'hash-range' && pace && request.end > pace.hashed) break;
      const slot = this.leastLoaded(
        this.slots.filter(
          (candidate) => candidate.fileTasks === 0 && candidate.tasks.size < PREHASH_PER_THREAD,
        ),
      );
      if (!slot) break;
      this.start(slot, this.background.shift()!);
    }
  }

  /**
   * Stops a task nobody waits for: cancelled in its worker, or, still queued,
   * skipped when pump() reaches it.
   */
  private discard(task: Task): void {
    if (task.settled) return;
    this.settle(
      task,
      makeError('The range was hashed ahead for nobody', 'AbortError', 'ABORT_ERR'),
    );
    task.slot?.worker?.postMessage({ type: 'cancel', id: task.request.id });
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
    if (task.request.type === 'hash-file') this.countFileTasks(slot, 1);
    task.slot = slot;
    worker.postMessage(task.request);
  }

  private countFileTasks(slot: Slot, change: number): void {
    slot.fileTasks += change;
    Atomics.add(this.wholeFiles, 0, change);
  }

  private spawn(slot: Slot): Worker {
    const workerData: HashWorkerData = { wholeFiles: this.wholeFiles };
    const worker = new Worker(this.workerFile, { workerData });
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
    if (task.request.type === 'hash-file') this.countFileTasks(slot, -1);
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
    this.countFileTasks(slot, -slot.fileTasks);
    void worker.terminate();
    this.pump();
  }
}

function load(slot: Slot): number {
  // A whole-file task keeps its worker busy for much longer than a part.
  return slot.tasks.size + slot.fileTasks;
}

/**
 * The worker entry for the bundle in `bundleDir`. The bundler puts this code
 * into out/main/main.js or cli.js, or into a shared chunk in a folder below
 * out/main; the worker entry is out/main/hash.worker.js.
 *
 * In the packaged app out/ is inside resources/app.asar, and electron-builder.yml
 * unpacks the worker into resources/app.asar.unpacked beside it, so the thread
 * starts from a real file, as it does under plain Node, not through Electron's
 * archive support. No package.json says "module" there: Node tells the ES
 * module by its syntax (the default since Node 20.19 and 22.12).
 */
export function findWorkerFile(bundleDir: string): string {
  const real = bundleDir.replace(/([\\/])app\.asar(?=[\\/]|$)/, '$1app.asar.unpacked');
  for (const dir of [real, dirname(real)]) {
    const candidate = join(dir, WORKER_FILE_NAME);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${WORKER_FILE_NAME} is not in ${real} or its parent; build with \`npm run build\` or pass workerFile`,
  );
}
