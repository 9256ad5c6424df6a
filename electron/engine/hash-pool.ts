// MD5 hashing off the main thread: a pool of hash.worker.ts threads speaking
// the messages in hash-messages.ts. Plain Node; never import electron here.
import { existsSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  choosePartSize,
  DEFAULT_PART_SIZE,
  isMultipart,
  partCount,
  partRange,
} from '../../shared/parts';
import type {
  FileChangedCode,
  HashDoneResponse,
  HashError,
  HashResponse,
  HashTaskRequest,
  HashWorkerData,
  RangeAlgorithm,
  SerializedError,
} from './hash-messages';

export type { HashError, RangeAlgorithm } from './hash-messages';

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
  /**
   * The part size the uploads will ask `hashRange` for (grown per file by
   * choosePartSize, as the queue does). hashFile then also computes those
   * parts' CRC32s, on threads that have no whole file to hash, so an upload
   * finds its parts' checksums ready (see "Parts hashed ahead" below).
   * Default DEFAULT_PART_SIZE; null digests ranges only when asked.
   */
  partSize?: number | null;
}

export interface HashFileOptions {
  /** Cumulative bytes hashed, at most every ~64 MiB or 100 ms, and once at the end with the size. */
  onProgress?: (bytesHashed: number) => void;
  signal?: AbortSignal;
  /** The part size this file will be uploaded with, if not the pool's `partSize`; null: none ahead. */
  partSize?: number | null;
}

export interface HashRangeOptions {
  signal?: AbortSignal;
  /** Default 'md5'. */
  algorithm?: RangeAlgorithm;
}

/** The `code` of the error when the file changed (or got shorter) while it was being read. */
export const FILE_CHANGED: FileChangedCode = 'FileChanged';
/** Set on the errors of tasks cut short by close(), and of tasks started after it. */
export const HASH_POOL_CLOSED = 'HashPoolClosed';
/** Set on the errors of tasks that were running in a worker that died. */
export const HASH_WORKER_CRASHED = 'HashWorkerCrashed';

const WORKER_FILE_NAME = 'hash.worker.js';
/** Range digests kept ahead, across files: a 10,000-part file fits with room to spare. */
const MAX_PREHASHED_RANGES = 20_000;
/** Ahead-of-time range tasks a thread with no whole file runs at once (one reads while one hashes). */
const PREHASH_PER_THREAD = 2;
/** What parts are hashed ahead with: the checksum uploads send with each part. */
const PREHASH_ALGORITHM: RangeAlgorithm = 'crc32';

interface Task {
  request: HashTaskRequest;
  /** A range hashed ahead starts once the file's whole-file pass has read past its end. */
  pace?: Pace;
  resolve: (done: HashDoneResponse) => void;
  reject: (error: Error) => void;
  onProgress?: (bytesHashed: number) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** The caller has its answer; the task may still occupy a worker until the worker replies. */
  settled: boolean;
  slot?: Slot;
}

/**
 * Parts hashed ahead for one file: the range digests, while the file has the
 * identity (size, mtime, ctime, inode) it had before the parts were read.
 */
interface Prehash {
  path: string;
  identity: Stats;
  /** By `${start}:${end}`; each is taken (removed) by the hashRange that asks for it. */
  ranges: Map<string, PrehashedRange>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** A whole-file hash started by prefetch(), until a hashFile takes it over. */
interface Prefetch {
  identity: Promise<Stats | null>;
  result: Promise<FileHash>;
  controller: AbortController;
  bytesHashed: number;
  onProgress?: (bytesHashed: number) => void;
}

/** How far a whole-file pass has read: its bytes hashed, Infinity once it is over. */
interface Pace {
  hashed: number;
}

interface PrehashedRange {
  task: Task;
  digest: Promise<string>;
}

interface Slot {
  worker?: Worker;
  /** Tasks the worker holds, by request id, settled or not, until it sends their final reply. */
  tasks: Map<number, Task>;
  fileTasks: number;
}

/**
 * Whole-file MD5s and byte-range MD5s or CRC32s on worker threads. A worker
 * runs at most one whole-file hash at a time (the rest wait in FIFO order);
 * range digests go at once to the least-loaded worker and interleave with
 * whatever it is reading.
 *
 * Parts hashed ahead: the whole-file MD5 must be known before an upload can
 * be created (it is the `content-md5` metadata), and it is one sequential
 * pass on one thread. Each part's CRC32 checksum is a second pass over the
 * same bytes (six times cheaper than MD5); done when the part is sent, it is
 * CPU the upload competes for. So hashFile also queues the file's part
 * ranges, which threads with no whole file to hash take while the whole-file
 * pass runs: one file's part checksums are ready when its MD5 is. They
 * follow that pass rather than race it: a part is hashed ahead once the pass
 * has read past it. Nothing waits for them sooner, and run flat out they
 * took a core's turns from the MD5 (and from the reads it waits on) while
 * the command line or app was still loading. hashRange answers from them
 * while the file keeps the identity it had before they were read, else (or
 * if they are not there) digests the range.
 */
export class HashPool {
  private readonly workerFile: string;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  /** Ahead-of-time range tasks, in file then part order, for idle threads (some discarded or started since). */
  private readonly background: Task[] = [];
  private readonly prehashed = new Map<string, Prehash>();
  private readonly prefetched = new Map<string, Prefetch>();
  private prehashedRanges = 0;
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
    this.workerFile = options.workerFile ?? defaultWorkerFile();
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
    for (const [path, entry] of this.prefetched) {
      if (paths.includes(path)) continue;
      entry.controller.abort();
      this.prefetched.delete(path);
    }
    for (const path of paths) this.prefetchOne(path, options);
  }

  private prefetchOne(path: string, options: Pick<HashFileOptions, 'partSize'>): void {
    if (this.closing || this.prefetched.has(path)) return;
    const controller = new AbortController();
    const entry: Prefetch = {
      identity: stat(path).catch(() => null),
      controller,
      bytesHashed: 0,
      result: this.hashFile(path, {
        ...options,
        signal: controller.signal,
        onProgress: (bytes) => {
          entry.bytesHashed = bytes;
          entry.onProgress?.(bytes);
        },
      }),
    };
    entry.result.catch(() => undefined); // reported to whoever takes it over
    this.prefetched.set(path, entry);
  }

  /** Whole-file MD5 in one sequential read pass; rejects with code FileChanged if the file changes meanwhile. */
  async hashFile(path: string, options: HashFileOptions = {}): Promise<FileHash> {
    if (this.prefetched.has(path)) {
      const early = await this.takePrefetched(path, options);
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
    this.dropPrehash(path);
    let failed = false;
    if (pace) void this.prehash(path, partSize as number, options.signal, () => !failed, pace);
    let done: HashDoneResponse;
    try {
      done = await whole;
    } catch (error) {
      failed = true;
      this.dropPrehash(path);
      throw error;
    } finally {
      if (pace) {
        pace.hashed = Infinity;
        this.pump();
      }
    }
    if (done.type !== 'file-done') throw new Error(`unexpected ${done.type} reply to hash-file`);
    const { md5Hex, md5Base64, size, mtimeMs } = done;
    const ahead = this.prehashed.get(path);
    if (ahead && (ahead.identity.size !== size || ahead.identity.mtimeMs !== mtimeMs)) {
      this.dropPrehash(path);
    }
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
      const ahead = await this.takePrehashed(path, start, end, options.signal);
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
    for (const path of [...this.prehashed.keys()]) this.dropPrehash(path);
    for (const entry of this.prefetched.values()) entry.controller.abort();
    this.prefetched.clear();
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
   * Queues the part ranges of `path` to hash ahead, with the identity the
   * file has before any of them is read; each waits until `pace` (the
   * whole-file pass) is past its end. Best effort: a file that cannot be
   * stat'ed is left to hashFile to report.
   */
  private async prehash(
    path: string,
    requestedPartSize: number,
    signal: AbortSignal | undefined,
    wanted: () => boolean,
    pace: Pace,
  ): Promise<void> {
    let identity: Stats;
    try {
      identity = await stat(path);
    } catch {
      return;
    }
    if (this.closing || signal?.aborted || !wanted() || !identity.isFile()) return;
    let partSize: number;
    try {
      partSize = choosePartSize(identity.size, requestedPartSize);
    } catch {
      return; // larger than S3 allows: the queue refuses it
    }
    if (!isMultipart(identity.size, partSize)) return;
    const count = partCount(identity.size, partSize);
    if (count > MAX_PREHASHED_RANGES) return;
    this.dropPrehash(path);
    for (const oldest of this.prehashed.keys()) {
      if (this.prehashedRanges + count <= MAX_PREHASHED_RANGES) break;
      this.dropPrehash(oldest);
    }
    const entry: Prehash = { path, identity, ranges: new Map() };
    for (let n = 1; n <= count; n++) {
      const { start, end } = partRange(n, identity.size, partSize);
      let task!: Task;
      const digest = new Promise<string>((resolve, reject) => {
        task = {
          request: {
            type: 'hash-range',
            id: this.nextId++,
            path,
            start,
            end,
            algorithm: PREHASH_ALGORITHM,
          },
          resolve: (done) =>
            done.type === 'range-done'
              ? resolve(done.digestBase64)
              : reject(new Error(`unexpected ${done.type} reply to hash-range`)),
          reject,
          settled: false,
          pace,
        };
      });
      digest.catch(() => undefined); // nobody may ever ask for it
      entry.ranges.set(`${start}:${end}`, { task, digest });
      this.background.push(task);
    }
    this.prehashedRanges += count;
    if (signal) {
      // A paused or cancelled upload will not ask for its parts.
      entry.signal = signal;
      entry.onAbort = () => this.dropPrehash(path);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    this.prehashed.set(path, entry);
    this.pump();
  }

  /** The prefetched hash of `path`, if there is one and the file is as it was when it started. */
  private async takePrefetched(path: string, options: HashFileOptions): Promise<FileHash | null> {
    const entry = this.prefetched.get(path);
    if (!entry) return null;
    this.prefetched.delete(path);
    const [before, now] = await Promise.all([entry.identity, stat(path).catch(() => null)]);
    if (!before || !now || !sameFile(before, now)) {
      entry.controller.abort();
      return null;
    }
    const { signal, onProgress } = options;
    if (onProgress) {
      entry.onProgress = onProgress;
      if (entry.bytesHashed > 0) onProgress(entry.bytesHashed);
    }
    const abort = () => entry.controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      signal?.throwIfAborted();
      return await entry.result;
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /**
   * The digest of [start, end) of `path` hashed ahead, if it was and the
   * file still has the identity it had before it was read; else null. A
   * range that is not one of the file's parts means the caller cuts the file
   * another way: then none of them will be asked for.
   */
  private async takePrehashed(
    path: string,
    start: number,
    end: number,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const entry = this.prehashed.get(path);
    if (!entry) return null;
    const key = `${start}:${end}`;
    const range = entry.ranges.get(key);
    if (!range) {
      this.dropPrehash(path);
      return null;
    }
    entry.ranges.delete(key);
    this.prehashedRanges--;
    if (entry.ranges.size === 0) this.forgetPrehash(entry);
    if (!range.task.slot && !range.task.settled) {
      // Asked for before an idle thread got to it: hash it now, like any range
      // (pump() drops it from the background queue).
      this.start(this.leastLoaded(this.slots), range.task);
    }
    let current: Stats;
    try {
      current = await stat(path);
    } catch {
      this.discard(range.task);
      return null;
    }
    if (!sameFile(entry.identity, current)) {
      this.dropPrehash(path);
      this.discard(range.task);
      return null;
    }
    const onAbort = () => this.discard(range.task);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      return await range.digest;
    } catch {
      if (signal?.aborted) throw abortError(signal);
      return null; // e.g. its worker died: hash it afresh
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Forgets the parts hashed ahead for `path` and stops those not done. */
  private dropPrehash(path: string): void {
    const entry = this.prehashed.get(path);
    if (!entry) return;
    this.forgetPrehash(entry);
    this.prehashedRanges -= entry.ranges.size;
    for (const { task } of entry.ranges.values()) this.discard(task);
    entry.ranges.clear();
  }

  private forgetPrehash(entry: Prehash): void {
    if (this.prehashed.get(entry.path) === entry) this.prehashed.delete(entry.path);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    entry.onAbort = undefined;
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

/** The same file, unchanged: a write changes mtime and ctime, a replacement the inode. */
function sameFile(a: Stats, b: Stats): boolean {
  return (
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino &&
    a.dev === b.dev
  );
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
