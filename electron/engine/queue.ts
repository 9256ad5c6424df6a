import type { S3Client } from '@aws-sdk/client-s3';
import {
  isActive,
  isFinal,
  isUnfinished,
  startEvent,
  type UploadEvent,
  type UploadRequest,
  type UploadStatus,
} from '../../shared/lifecycle';
import {
  DEFAULT_PART_SIZE,
  MAX_REQUESTS_IN_FLIGHT,
  SMALL_REQUESTS_PER_PART,
} from '../../shared/parts';
import type { SubmissionProfile } from '../../shared/profile';
import type { UploadError, UploadProgress, UploadRecord } from '../../shared/types';
import { BucketPlaces } from './bucket-place';
import { removeFromBucket } from './cleanup';
import { reviewBucket, type BucketReview } from './bucket-review';
import { recordPlan, type Replace } from './enqueue';
import { EndpointChecks } from './endpoint-checks';
import { contextOf, UploadFailure, type Classified } from './errors';
import { PartBuffers } from './file-range';
import { AdaptiveLimiter } from './limiter';
import { liveCounts, projectProgress, type LiveCounts } from './progress';
import { NetworkWait } from './network-wait';
import { NETWORK_PROBE, PREFLIGHT_RETRY, UPLOAD_RETRY, type RetryPolicy } from './retry';
import type { Endpoint } from './s3-client';
import type { Plan } from './scan';
import { CANCEL_INCOMPLETE, type Store, type UploadPatch } from './store';
import { StoreError } from './store-error';
import { TokenBucket } from './token-bucket';
import { Transfer, type Hasher } from './transfer';
import type { UploadLocks } from './upload-lock';
import { runUpload, type Job, type RunDeps } from './upload-run';

export type { Hasher } from './transfer';

export interface Target extends Endpoint {
  bucket: string;
  /** The saved target's Synapse folder, recorded as a label with each upload. */
  synapseId?: string | null;
  /** The target says the bucket encrypts with SSE-KMS (where its encryption cannot be read). */
  kms?: boolean;
}

export interface QueueOptions {
  store: Store;
  hasher: Hasher;
  /** Returns the S3 client for an endpoint; the queue never builds one itself. */
  clientFor: (endpoint: Endpoint) => S3Client;
  /** The profile new uploads follow. */
  profile: SubmissionProfile;
  /** Finds the profile a recorded upload followed, so a resume keeps its rules. */
  profileNamed?: (name: string) => SubmissionProfile | undefined;
  /**
   * Global limit on parts in flight across all files; small files weigh
   * their share of a part (limiter.ts, "Note on what is in flight").
   */
  partConcurrency?: number;
  /** Files hashed at once; match the hash pool's threads. */
  hashConcurrency?: number;
  /** Requested part size; grown per file so no file needs more than 10,000 parts. */
  partSize?: number;
  /** The bandwidth limit on all uploads together, in bytes per second; null or none: no limit. */
  maxRate?: number | null;
  retry?: RetryPolicy;
  preflightRetry?: RetryPolicy;
  /** How an upload waiting for the network probes the endpoint; default NETWORK_PROBE. */
  networkProbe?: RetryPolicy;
  /** Keeps two Labdrop processes off the same upload; none in single-process tests. */
  locks?: UploadLocks;
  now?: () => number;
}

/**
 * What the queue did to one upload, for whoever keeps a record of it (the
 * log, electron/services/activity-log.ts): recorded, moved by an event of
 * shared/lifecycle.ts, or a request retried after a failure.
 */
export type QueueEvent =
  | { type: 'added'; record: UploadRecord }
  | { type: 'move'; record: UploadRecord; from: UploadStatus; event: UploadEvent }
  | { type: 'retry'; record: UploadRecord; failure: Classified; attempt: number; delayMs: number };

/** How often a running queue reads the requests other processes left (`labdrop pause ID`). */
const REQUEST_POLL_MS = 1_000;

/**
 * The upload engine: a queue across files where hashing the next files
 * overlaps uploading the current ones, with one global limit on part
 * requests. Each upload moves through the lifecycle of shared/lifecycle.ts,
 * only by Store.transition; the S3 side is Transfer's (transfer.ts), the
 * check of the object verify.ts's, and removing what is left cleanup.ts's.
 */
export class UploadQueue {
  private readonly jobs = new Map<string, Job>();
  /**
   * Note on waiting one's turn: uploads queued here that wait for room to
   * run, in order, each with whether a changed file is hashed afresh. A job
   * (its lock file, its first move, its place in the limiters) starts only
   * when there is room for it (see pump()), so 100,000 files added cost a
   * row each and no more. The rows say which process queued them
   * (Store.markQueued): another Labdrop leaves them alone while this one
   * runs, and takes them up once it is gone, as with a lock.
   */
  private readonly ready = new Map<string, boolean>();
  /** Pause alls so far: an add that was recording files meanwhile pauses them too. */
  private pauses = 0;
  /** Cancels still at work, removing what their uploads left. */
  private readonly cancelling = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(progress: UploadProgress) => void>();
  private readonly attention = new Set<(reason: UploadError) => void>();
  private readonly observers = new Set<(event: QueueEvent) => void>();
  private readonly parts: AdaptiveLimiter;
  private readonly hashing: AdaptiveLimiter;
  private readonly files: AdaptiveLimiter;
  private readonly bandwidth: TokenBucket;
  private readonly transfer: Transfer;
  private readonly retry: RetryPolicy;
  private readonly preflightRetry: RetryPolicy;
  private readonly now: () => number;
  private partSize: number;
  private requestPoll: ReturnType<typeof setInterval> | null = null;
  private readonly runDeps: RunDeps;
  private readonly network: NetworkWait;
  private readonly places: BucketPlaces;

  constructor(private readonly options: QueueOptions) {
    const partConcurrency = options.partConcurrency ?? 8;
    // By what is in flight, not by count: see limiter.ts, "Note on what is in flight".
    const inFlight = {
      requestsPerPart: SMALL_REQUESTS_PER_PART,
      maxRequests: MAX_REQUESTS_IN_FLIGHT,
    };
    this.parts = new AdaptiveLimiter(partConcurrency, inFlight);
    this.files = new AdaptiveLimiter(partConcurrency, inFlight);
    this.hashing = new AdaptiveLimiter(options.hashConcurrency ?? 2);
    this.bandwidth = new TokenBucket(options.maxRate ?? null);
    this.retry = options.retry ?? UPLOAD_RETRY;
    this.preflightRetry = options.preflightRetry ?? PREFLIGHT_RETRY;
    this.now = options.now ?? Date.now;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.places = new BucketPlaces({
      clientFor: options.clientFor,
      policy: this.preflightRetry,
      now: this.now,
    });
    this.network = new NetworkWait({
      clientFor: options.clientFor,
      policy: options.networkProbe ?? NETWORK_PROBE,
      onBack: (ids) => {
        const back = ids.map((id) => this.record(id)).filter((r) => r.status === 'waiting');
        this.runSoon(back, { first: true });
      },
    });
    const shared = {
      store: options.store,
      hasher: options.hasher,
      patch: (id: string, patch: UploadPatch) => this.patch(id, patch),
      retryOptions: (record: UploadRecord, signal: AbortSignal) =>
        this.retryOptions(record, signal),
      md5Key: (record: UploadRecord) => this.profileOf(record).md5MetadataKey,
    };
    this.transfer = new Transfer({
      ...shared,
      checks: new EndpointChecks(options.store),
      parts: this.parts,
      partBuffers: new PartBuffers(),
      bandwidth: this.bandwidth,
    });
    this.runDeps = {
      ...shared,
      transfer: this.transfer,
      hashing: this.hashing,
      files: this.files,
      clientFor: options.clientFor,
      now: this.now,
      record: (id) => this.record(id),
      move: (id, from, event, patch) => this.move(id, from, event, patch),
      cleanup: (record, cleanup) => removeFromBucket(this.cleanupDeps(record), record, cleanup),
      waitForNetwork: (record) => this.network.wait(record),
      signInAgain: (reason) => {
        void this.pauseAll();
        for (const listener of this.attention) listener(reason);
      },
    };
  }

  /**
   * Listens for conditions the user must act on before anything can go on
   * (credentials that expired mid-upload); the queue is paused meanwhile.
   */
  onAttention(listener: (reason: UploadError) => void): () => void {
    this.attention.add(listener);
    return () => this.attention.delete(listener);
  }

  /** Listens for status changes (not byte counts: poll `snapshot()` for those). */
  onChange(listener: (progress: UploadProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listens for every upload recorded, every move of the lifecycle, and every retry. */
  onEvent(listener: (event: QueueEvent) => void): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  private emit(event: QueueEvent): void {
    for (const observer of this.observers) observer(event);
  }

  /**
   * Looks up the plan's keys in the bucket (bucket-review.ts): what is new,
   * already there, different, or already in the queue. Nothing is recorded.
   */
  async review(
    plan: Plan,
    target: Target,
    profile: SubmissionProfile = this.options.profile,
    signal?: AbortSignal,
  ): Promise<BucketReview> {
    const { client } = await this.places.of(target);
    return this.reviewWith(client, plan, target, profile, signal);
  }

  /**
   * Records every planned file and starts the batch, under `profile` (a saved
   * target's) or the queue's. Refuses a plan with problems. Files are
   * recorded as the review found them (the one given, made at the time the
   * user saw it, or one made now): what the bucket has is skipped, a
   * different object is kept unless `replace` names its key, and a file an
   * unfinished upload already writes gets that upload back.
   */
  async add(
    plan: Plan,
    target: Target,
    profile: SubmissionProfile = this.options.profile,
    { review, replace = new Set<string>() }: { review?: BucketReview; replace?: Replace } = {},
  ): Promise<UploadRecord[]> {
    if (plan.problems.length > 0) {
      throw new UploadFailure({ code: 'BadInput', message: plan.problems.join('\n') });
    }
    const pauses = this.pauses;
    const { client, region, encryption: asked } = await this.places.of(target);
    const found = review ?? (await this.reviewWith(client, plan, target, profile));
    const encryption = (await asked) ?? (target.kms ? 'aws:kms' : null);
    const { records, queued } = await recordPlan(
      this.options.store,
      plan,
      { ...target, region, encryption, profile, partSize: this.partSize, createdAt: this.now() },
      found,
      replace,
      this.options.locks?.queuer(),
    );
    const fresh = records.filter((record) => !queued.has(record.id));
    for (const record of fresh) this.emit({ type: 'added', record });
    for (const id of queued) this.resume(id);
    const waiting = fresh.filter((record) => !isFinal(record.status)).map((r) => r.id);
    // Pause all while the files were being recorded: they are paused too.
    if (this.pauses !== pauses) this.moveMany(waiting, 'queued', 'pause');
    else this.enqueue(waiting);
    return records;
  }

  private reviewWith(
    client: S3Client,
    plan: Plan,
    target: Target,
    profile: SubmissionProfile,
    signal?: AbortSignal,
  ): Promise<BucketReview> {
    const context = { bucket: target.bucket, endpoint: target.endpoint };
    return reviewBucket(
      {
        client,
        store: this.options.store,
        hasher: this.options.hasher,
        md5Key: profile.md5MetadataKey,
        retry: { policy: this.preflightRetry, context },
        signal,
        now: this.now,
      },
      target,
      plan.files,
    );
  }

  /**
   * Picks up uploads left unfinished, e.g. by a crash or a pause; returns
   * those it started (not those another Labdrop process is working on).
   */
  resumeAll(): UploadRecord[] {
    return this.runSoon(this.options.store.unfinished());
  }

  /** Resumes these uploads (e.g. the window's); returns those that run or wait their turn here. */
  resumeMany(ids: readonly string[]): UploadRecord[] {
    const records = this.options.store.getUploads(ids);
    return this.runSoon(records.filter((record) => isUnfinished(record.status)));
  }

  /** Returns whether the upload runs here now, or waits its turn here. */
  resume(id: string): boolean {
    const record = this.record(id);
    const job = this.jobs.get(id);
    if (job) {
      // A pause that has not stopped it yet (a request the signal cannot
      // cut short, such as CompleteMultipartUpload) is undone once it has.
      if (job.stop === 'pause') job.resumeAfter = true;
      return true;
    }
    return this.runSoon([record]).length > 0;
  }

  /** Starts a failed upload again; a file that changed is hashed afresh. */
  retryUpload(id: string): boolean {
    const record = this.record(id);
    if (this.jobs.has(id) || this.ready.has(id)) return true;
    if (record.status !== 'failed') return false;
    return this.runSoon([record], { rehash: true }).length > 0;
  }

  /**
   * Pauses the upload: here if it runs here (resolving once it stopped),
   * through a request the process running it carries out within a second
   * if another Labdrop runs it ('requested'), or by recording the pause if
   * nothing runs it (one a crash left active).
   */
  requestPause(id: string): Promise<'paused' | 'requested'> {
    this.ready.delete(id);
    return this.stopOrRequest(id, 'pause', async (job): Promise<'paused'> => {
      if (job) {
        job.stop ??= 'pause';
        job.resumeAfter = false;
        job.controller.abort();
        await job.done;
        return 'paused';
      }
      const record = this.record(id);
      if (isActive(record.status)) this.move(id, record.status, 'pause');
      return 'paused';
    });
  }

  /**
   * Pauses what runs here, what waits its turn here and what waits here for
   * the network; returns the uploads it paused.
   */
  async pauseAll(): Promise<string[]> {
    this.pauses++;
    const waiting = [...this.ready.keys()];
    // First: the jobs stopping now must not start those waiting their turn.
    this.ready.clear();
    const paused = this.moveMany(waiting, 'queued', 'pause').map((record) => record.id);
    const ids = [...new Set([...this.jobs.keys(), ...this.network.ids])];
    await Promise.all(ids.map((id) => this.requestPause(id)));
    return [...paused, ...ids];
  }

  /**
   * Stops the upload and removes its parts from the bucket: nothing is left
   * behind. An upload another Labdrop process is working on gets a request
   * ('requested'): that process stops it and removes the parts.
   *
   * The cancel stands even when the bucket cannot be reached: the upload is
   * never resumed, and what it left is removed by the next cancel of it
   * (removeLeftovers when the app starts, or `labdrop cancel ID`).
   */
  requestCancel(id: string): Promise<'cancelled' | 'requested'> {
    this.ready.delete(id);
    const cancelled = this.stopOrRequest(id, 'cancel', (job) => this.cancelHere(id, job));
    // idle() waits for it: removing the parts comes after the upload stopped.
    this.cancelling.add(cancelled);
    const forget = () => this.cancelling.delete(cancelled);
    cancelled.then(forget, forget);
    return cancelled;
  }

  /** Cancels again the cancelled uploads whose parts or object could not be removed then. */
  async removeLeftovers(): Promise<void> {
    for (const record of this.options.store.cancelledWithLeftovers()) {
      await this.requestCancel(record.id).catch(() => undefined);
    }
  }

  /**
   * Resolves when no upload is running, none waits here for the network, and
   * no cancel is still removing parts.
   */
  async idle(): Promise<void> {
    while (this.jobs.size > 0 || this.cancelling.size > 0 || this.network.ids.length > 0) {
      const running = [...[...this.jobs.values()].map((job) => job.done), ...this.cancelling];
      await Promise.race([
        ...(running.length > 0 ? [Promise.allSettled(running)] : []),
        this.network.next(),
      ]);
    }
  }

  /** One upload as it stands: live counts while it runs here, the record otherwise. */
  progressOf(id: string): UploadProgress {
    return projectProgress(this.record(id), this.jobs.get(id)?.live, this.now());
  }

  snapshot(): UploadProgress[] {
    const now = this.now();
    return [...this.jobs.values()].map((job) => projectProgress(job.record, job.live, now));
  }

  /** The part size for uploads added from now on; started ones keep theirs (resume needs it). */
  setPartSize(bytes: number): void {
    this.partSize = bytes;
  }

  /** A new bandwidth limit (bytes per second, null for none): running uploads follow it at once. */
  setMaxRate(rate: number | null): void {
    this.bandwidth.setRate(rate);
  }

  setPartConcurrency(limit: number): void {
    this.parts.setMax(limit);
    this.files.setMax(limit);
    this.pump();
  }

  /**
   * Runs `here` when the upload runs in this process, or when no process
   * does (taking its lock meanwhile); otherwise leaves `request` for the
   * process that runs it. The lock is tried again after the request is
   * written, in case that process let go of the upload in between.
   */
  private async stopOrRequest<T>(
    id: string,
    request: UploadRequest,
    here: (job: Job | undefined) => Promise<T>,
  ): Promise<T | 'requested'> {
    const job = this.jobs.get(id);
    // Paused or cancelled, it no longer waits for the network.
    this.network.forget(id);
    if (!job && !this.lock(id)) {
      this.options.store.request(id, request);
      if (!this.lock(id)) return 'requested';
    }
    try {
      return await here(job);
    } finally {
      if (!this.jobs.has(id)) this.options.locks?.release(id);
      // It may have been what held the others to its place back (see pump()).
      this.pump();
    }
  }

  private async cancelHere(id: string, job: Job | undefined): Promise<'cancelled'> {
    // What the window shows until the cancel.
    const shown = job?.record.status;
    if (job) {
      job.stop = 'cancel';
      job.resumeAfter = false;
      job.controller.abort();
      await job.done;
    }
    let record = this.record(id);
    if (record.status === 'done') return 'cancelled';
    // Stopped here, or cancelled before with something not removed (yet).
    const left =
      record.status !== 'cancelled' ||
      record.uploadId !== null ||
      record.etag !== null ||
      record.lastError?.code === CANCEL_INCOMPLETE;
    if (record.status !== 'cancelled') {
      record = this.move(id, record.status, 'cancel', { finishedAt: this.now() }, shown);
    }
    if (!left) return 'cancelled';
    try {
      await removeFromBucket(this.cleanupDeps(record), record);
    } catch (error) {
      const them = record.uploadId ? 'them' : 'it';
      const lastError: UploadError = {
        code: CANCEL_INCOMPLETE,
        message: `Cancelled, but ${(error as Error).message} Labdrop removes ${them} when it next starts, or run \`labdrop cancel ${id.slice(0, 8)}\`.`,
      };
      this.patch(id, { lastError });
      throw new UploadFailure(lastError);
    }
    return 'cancelled';
  }

  private cleanupDeps(record: UploadRecord) {
    return {
      store: this.options.store,
      client: this.options.clientFor(record),
      retry: this.preflightRetry,
      context: contextOf(record),
      patch: (id: string, patch: UploadPatch) => this.patch(id, patch),
    };
  }

  /** Carries out the requests other processes left for the uploads running here. */
  private applyRequests(): void {
    const requests = this.options.store.requestsOf([...this.jobs.keys()]);
    for (const [id, request] of requests) {
      const job = this.jobs.get(id);
      if (job && !job.stop) this.heed(job, request);
    }
  }

  private heed(job: Job, request: UploadRequest): void {
    if (request === 'cancel') {
      job.stop = 'cancel';
      // After the caller's step: the job's `done` may not be set yet.
      queueMicrotask(() => void this.requestCancel(job.id).catch(() => undefined));
    } else {
      job.stop ??= 'pause';
    }
    job.controller.abort();
  }

  private lock(id: string): boolean {
    return this.options.locks?.acquire(id).ok ?? true;
  }

  /**
   * Queues these uploads to run here in turn (`first`: ahead of those
   * already waiting), moving each that is not queued by the event that
   * starts it again, and starts as many as there is room for. Returns those
   * that run or wait their turn here: not those another Labdrop runs or
   * queued, nor those done or cancelled.
   */
  private runSoon(
    records: readonly UploadRecord[],
    { rehash = false, first = false }: { rehash?: boolean; first?: boolean } = {},
  ): UploadRecord[] {
    const here: UploadRecord[] = [];
    const fresh: UploadRecord[] = [];
    const byStatus = new Map<UploadStatus, string[]>();
    for (const record of records) {
      if (this.jobs.has(record.id) || this.ready.has(record.id)) here.push(record);
      else if (record.status === 'queued') fresh.push(record);
      else if (isFinal(record.status)) continue;
      else if (isActive(record.status) && record.status !== 'waiting') {
        // Left mid-way by a crash, or running in another Labdrop: its lock says which.
        if (!this.lock(record.id)) continue;
        fresh.push(this.move(record.id, record.status, 'recover', { lastError: null }));
        this.options.locks?.release(record.id);
      } else {
        const ids = byStatus.get(record.status);
        if (ids) ids.push(record.id);
        else byStatus.set(record.status, [record.id]);
      }
    }
    const locks = this.options.locks;
    const queuedBy = locks ? this.options.store.queuedBy(fresh.map((r) => r.id)) : new Map();
    const mine = fresh.filter((record) => {
      const by = queuedBy.get(record.id);
      return !(by && locks?.queuedElsewhere(by));
    });
    for (const [status, all] of byStatus) {
      const event = startEvent(status);
      if (event === null) continue;
      // Paused, failed or waiting: moved here unless another Labdrop is taking it up now.
      const ids = all.filter((id) => !locks?.heldElsewhere(id));
      for (const id of ids) this.network.forget(id);
      mine.push(...this.moveMany(ids, status, event, { lastError: null }));
    }
    const ids = mine.map((r) => r.id);
    if (locks) this.options.store.markQueued(ids, locks.queuer());
    this.enqueue(ids, { rehash, first });
    return [...here, ...mine];
  }

  /** Puts uploads queued by this process in line to run here, and starts what there is room for. */
  private enqueue(
    ids: readonly string[],
    { rehash = false, first = false }: { rehash?: boolean; first?: boolean } = {},
  ): void {
    const rest = first ? [...this.ready] : [];
    if (first) this.ready.clear();
    for (const id of ids) this.ready.set(id, rehash);
    for (const [id, again] of rest) this.ready.set(id, again);
    this.pump();
  }

  /**
   * Jobs at once: as many files as may be sent at once (small ones go many
   * to a part, see limiter.ts), those hashing, and as many again hashed ahead.
   */
  private room(): number {
    return this.files.requestLimit + 2 * this.hashing.limit;
  }

  /**
   * Starts uploads waiting their turn while there is room, in order; one to
   * a place that waits for the network waits with the others there.
   */
  private pump(): void {
    for (const [id, rehash] of this.ready) {
      if (this.jobs.size >= this.room()) return;
      const record = this.options.store.getUpload(id);
      if (record && this.network.holds(record)) return;
      this.ready.delete(id);
      // Paused or cancelled meanwhile by another Labdrop (`labdrop pause ID`): left so.
      if (record?.status === 'queued') this.start(id, rehash);
    }
  }

  private start(id: string, rehash: boolean): void {
    if (!this.lock(id)) return;
    const record = this.record(id);
    const event = startEvent(record.status);
    if (event === null) {
      this.options.locks?.release(id);
      return;
    }
    const job: Job = {
      id,
      record,
      controller: new AbortController(),
      stop: null,
      rehash,
      resumeAfter: false,
      // What the last run had sent, until S3's list of parts says.
      live: liveCounts(record.bytesUploaded),
      done: Promise.resolve(),
    };
    this.jobs.set(id, job);
    try {
      // A new attempt: what stopped the last one no longer shows.
      this.move(id, record.status, event, { lastError: null });
    } catch (error) {
      this.jobs.delete(id);
      this.options.locks?.release(id);
      // Moved meanwhile by another Labdrop, between its lock and its move: it runs there.
      if (error instanceof StoreError && error.code === 'StaleStatus') return;
      throw error;
    }
    this.requestPoll ??= setInterval(() => this.applyRequests(), REQUEST_POLL_MS);
    this.requestPoll.unref?.();
    job.done = runUpload(this.runDeps, job).finally(() => {
      this.jobs.delete(id);
      this.options.locks?.release(id);
      if (this.jobs.size === 0 && this.requestPoll) {
        clearInterval(this.requestPoll);
        this.requestPoll = null;
      }
      if (job.resumeAfter) this.resume(id);
      this.pump();
    });
  }

  private retryOptions(record: UploadRecord, signal: AbortSignal) {
    return {
      policy: this.retry,
      context: contextOf(record),
      signal,
      onRetry: (failure: Classified, attempt: number, delayMs: number) => {
        if (failure.recovery === 'slow-down') this.parts.slowDown();
        this.emit({ type: 'retry', record, failure, attempt, delayMs });
      },
    };
  }

  /** A running upload's record is kept in memory; it changes only through patch() and move(). */
  private record(id: string): UploadRecord {
    const record = this.jobs.get(id)?.record ?? this.options.store.getUpload(id);
    if (!record) throw new UploadFailure({ code: 'UnknownUpload', message: `No upload "${id}".` });
    return record;
  }

  /** Writes fields other than the status. */
  private patch(id: string, patch: UploadPatch): UploadRecord {
    const record = this.options.store.updateUpload(id, patch);
    const job = this.jobs.get(id);
    if (job) job.record = record;
    return record;
  }

  /**
   * Moves the upload by `event` from `from` (the store refuses any other
   * move, see shared/lifecycle.ts) and announces it (`shown`: the status last
   * announced). A request another process left is carried out after.
   */
  private move(
    id: string,
    from: UploadStatus,
    event: UploadEvent,
    patch: UploadPatch = {},
    shown: UploadStatus = from,
  ): UploadRecord {
    const record = this.options.store.transition(id, from, event, patch);
    const job = this.jobs.get(id);
    if (job) {
      job.record = record;
      // A cancel stands over a pause that was stopping the upload meanwhile.
      if (record.requested === 'cancel' && job.stop !== 'cancel') this.heed(job, 'cancel');
      else if (record.requested === 'pause' && !job.stop && isActive(record.status)) {
        this.heed(job, 'pause');
      }
    }
    this.announce(record, from, event, shown, job?.live);
    return record;
  }

  /** Tells the observers of a move, and the listeners when the status shown changed. */
  private announce(
    record: UploadRecord,
    from: UploadStatus,
    event: UploadEvent,
    shown: UploadStatus,
    live?: LiveCounts,
  ): void {
    this.emit({ type: 'move', record, from, event });
    if (record.status === shown) return;
    const progress = projectProgress(record, live, this.now());
    for (const listener of this.listeners) listener(progress);
  }

  /** Moves many uploads that run nowhere by one event, in one write, and announces each. */
  private moveMany(
    ids: readonly string[],
    from: UploadStatus,
    event: UploadEvent,
    patch: UploadPatch = {},
  ): UploadRecord[] {
    const moved = this.options.store.transitionMany(ids, from, event, patch);
    for (const record of moved) this.announce(record, from, event, from);
    return moved;
  }

  private profileOf(record: UploadRecord): SubmissionProfile {
    if (record.submissionProfile === this.options.profile.name) return this.options.profile;
    const profile = this.options.profileNamed?.(record.submissionProfile);
    if (!profile) {
      throw new UploadFailure({
        code: 'UnknownProfile',
        message: `The submission profile "${record.submissionProfile}" this upload started with is no longer there. Import it again (labdrop profiles import), then resume.`,
      });
    }
    return profile;
  }
}
