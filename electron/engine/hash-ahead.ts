// Hashing before anyone asks, for HashPool (hash-pool.ts): whole files
// prefetched for plans still under review, and the part ranges of a file
// hashed ahead while its whole-file pass runs. Plain Node; never import electron here.
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { choosePartSize, isMultipart, partCount, partRange } from '../../shared/parts';
import type { RangeAlgorithm } from './hash-messages';
import { abortError, type FileHash, type HashFileOptions, type Pace, type Task } from './hash-task';

/** Range digests kept ahead, across files: a 10,000-part file fits with room to spare. */
const MAX_PREHASHED_RANGES = 20_000;
/** What parts are hashed ahead with: the checksum uploads send with each part. */
export const PREHASH_ALGORITHM: RangeAlgorithm = 'crc32';

/** A whole-file hash started by prefetch(), until a hashFile takes it over. */
interface Prefetch {
  identity: Promise<Stats | null>;
  result: Promise<FileHash>;
  controller: AbortController;
  bytesHashed: number;
  onProgress?: (bytesHashed: number) => void;
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

interface PrehashedRange {
  task: Task;
  digest: Promise<string>;
}

/** What hashing parts ahead needs of the pool that runs them. */
export interface AheadRunner {
  isClosed(): boolean;
  nextId(): number;
  /** Queues tasks for threads with no whole file to hash, as far as their pace allows. */
  runWhenIdle(tasks: readonly Task[]): void;
  /** Starts a task at once, on the least-loaded thread. */
  runNow(task: Task): void;
  /** Stops a task nobody waits for, started or not. */
  discard(task: Task): void;
}

/** Whole-file hashes started early (HashPool.prefetch), for the first hashFile of each path to take over. */
export class Prefetches {
  private readonly entries = new Map<string, Prefetch>();

  constructor(
    private readonly hashFile: (path: string, options: HashFileOptions) => Promise<FileHash>,
  ) {}

  /** Hashes `paths` early and stops the early hashes of other files nobody took over. */
  start(paths: readonly string[], options: Pick<HashFileOptions, 'partSize'>): void {
    for (const [path, entry] of this.entries) {
      if (paths.includes(path)) continue;
      entry.controller.abort();
      this.entries.delete(path);
    }
    for (const path of paths) this.startOne(path, options);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** The prefetched hash of `path`, if there is one and the file is as it was when it started. */
  async take(path: string, options: HashFileOptions): Promise<FileHash | null> {
    const entry = this.entries.get(path);
    if (!entry) return null;
    this.entries.delete(path);
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

  /** Stops every early hash nobody took over. */
  stopAll(): void {
    for (const entry of this.entries.values()) entry.controller.abort();
    this.entries.clear();
  }

  private startOne(path: string, options: Pick<HashFileOptions, 'partSize'>): void {
    if (this.entries.has(path)) return;
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
    this.entries.set(path, entry);
  }
}

/**
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
export class PartsAhead {
  private readonly prehashed = new Map<string, Prehash>();
  private prehashedRanges = 0;

  constructor(private readonly pool: AheadRunner) {}

  /**
   * Queues the part ranges of `path` to hash ahead, with the identity the
   * file has before any of them is read; each waits until `pace` (the
   * whole-file pass) is past its end. Best effort: a file that cannot be
   * stat'ed is left to hashFile to report.
   */
  async prehash(
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
    if (this.pool.isClosed() || signal?.aborted || !wanted() || !identity.isFile()) return;
    let partSize: number;
    try {
      partSize = choosePartSize(identity.size, requestedPartSize);
    } catch {
      return; // larger than S3 allows: the queue refuses it
    }
    if (!isMultipart(identity.size, partSize)) return;
    const count = partCount(identity.size, partSize);
    if (count > MAX_PREHASHED_RANGES) return;
    this.drop(path);
    for (const oldest of this.prehashed.keys()) {
      if (this.prehashedRanges + count <= MAX_PREHASHED_RANGES) break;
      this.drop(oldest);
    }
    const entry: Prehash = { path, identity, ranges: new Map() };
    const tasks: Task[] = [];
    for (let n = 1; n <= count; n++) {
      const { start, end } = partRange(n, identity.size, partSize);
      let task!: Task;
      const digest = new Promise<string>((resolve, reject) => {
        task = {
          request: {
            type: 'hash-range',
            id: this.pool.nextId(),
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
      tasks.push(task);
    }
    this.prehashedRanges += count;
    if (signal) {
      // A paused or cancelled upload will not ask for its parts.
      entry.signal = signal;
      entry.onAbort = () => this.drop(path);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    this.prehashed.set(path, entry);
    this.pool.runWhenIdle(tasks);
  }

  /**
   * The digest of [start, end) of `path` hashed ahead, if it was and the
   * file still has the identity it had before it was read; else null. A
   * range that is not one of the file's parts means the caller cuts the file
   * another way: then none of them will be asked for.
   */
  async take(
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
      this.drop(path);
      return null;
    }
    entry.ranges.delete(key);
    this.prehashedRanges--;
    if (entry.ranges.size === 0) this.forget(entry);
    if (!range.task.slot && !range.task.settled) {
      // Asked for before an idle thread got to it: hash it now, like any range
      // (the pool drops it from its queue of tasks ahead).
      this.pool.runNow(range.task);
    }
    let current: Stats;
    try {
      current = await stat(path);
    } catch {
      this.pool.discard(range.task);
      return null;
    }
    if (!sameFile(entry.identity, current)) {
      this.drop(path);
      this.pool.discard(range.task);
      return null;
    }
    const onAbort = () => this.pool.discard(range.task);
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

  /** The whole-file pass saw `path` at this size and mtime: drop its parts if they were read from another version. */
  confirm(path: string, size: number, mtimeMs: number): void {
    const ahead = this.prehashed.get(path);
    if (ahead && (ahead.identity.size !== size || ahead.identity.mtimeMs !== mtimeMs)) {
      this.drop(path);
    }
  }

  /** Forgets the parts hashed ahead for `path` and stops those not done. */
  drop(path: string): void {
    const entry = this.prehashed.get(path);
    if (!entry) return;
    this.forget(entry);
    this.prehashedRanges -= entry.ranges.size;
    for (const { task } of entry.ranges.values()) this.pool.discard(task);
    entry.ranges.clear();
  }

  dropAll(): void {
    for (const path of [...this.prehashed.keys()]) this.drop(path);
  }

  private forget(entry: Prehash): void {
    if (this.prehashed.get(entry.path) === entry) this.prehashed.delete(entry.path);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    entry.onAbort = undefined;
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
