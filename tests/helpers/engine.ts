import { MiB } from '../../shared/parts';
import { CENTER_PROFILE } from '../../shared/profile';
import { UploadQueue, type Hasher, type QueueOptions } from '../../electron/engine/queue';
import { createS3Client, type Endpoint } from '../../electron/engine/s3-client';
import type { Store, UploadPatch } from '../../electron/engine/store';
import { TRANSITIONS, type UploadEvent, type UploadStatus } from '../../shared/lifecycle';
import type { UploadRecord } from '../../shared/types';

/** S3's smallest part size: multi-part files stay small in tests. */
export const TEST_PART_SIZE = 5 * MiB;

/** The real engine with test-sized parts and quick retries. */
export function testQueue(
  store: Store,
  hasher: Hasher,
  options: Partial<QueueOptions> & { idleTimeoutMs?: number } = {},
): UploadQueue {
  const { idleTimeoutMs, ...rest } = options;
  return new UploadQueue({
    store,
    hasher,
    clientFor: (endpoint: Endpoint) => createS3Client(endpoint, { idleTimeoutMs }),
    profile: CENTER_PROFILE,
    partSize: TEST_PART_SIZE,
    partConcurrency: 4,
    retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 200 },
    preflightRetry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    ...rest,
  });
}

/**
 * `hasher`, holding each file `held` picks (every one by default) until
 * `hashed()` is called or its upload stops.
 */
export function gatedHasher(
  hasher: Hasher,
  held: (path: string) => boolean = () => true,
): { hasher: Hasher; hashed: () => void } {
  let hashed = () => undefined as void;
  const gate = new Promise<void>((resolve) => (hashed = resolve));
  const stopped = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
  return {
    hasher: {
      hashFile: async (path, options) => {
        if (held(path)) await Promise.race([gate, stopped(options?.signal)]);
        return hasher.hashFile(path, options);
      },
      hashRange: (...args) => hasher.hashRange(...args),
    },
    hashed,
  };
}

/**
 * Puts an upload in `status` the only way the store allows: by the shortest
 * run of legal moves from where it is (as a crash, a pause or a failure would
 * leave it); `patch` goes with the last move.
 */
export function moveTo(
  store: Store,
  id: string,
  status: UploadStatus,
  patch: UploadPatch = {},
): UploadRecord {
  const from = store.getUpload(id)?.status;
  if (from === undefined) throw new Error(`no upload ${id}`);
  const paths = new Map<UploadStatus, UploadEvent[]>([[from, []]]);
  const todo: UploadStatus[] = [from];
  while (todo.length > 0 && !paths.has(status)) {
    const at = todo.shift() as UploadStatus;
    for (const [event, to] of Object.entries(TRANSITIONS[at]) as [UploadEvent, UploadStatus][]) {
      if (paths.has(to)) continue;
      paths.set(to, [...(paths.get(at) ?? []), event]);
      todo.push(to);
    }
  }
  const events = paths.get(status);
  if (!events) throw new Error(`no way from ${from} to ${status}`);
  if (events.length === 0) return store.updateUpload(id, patch);
  let record = store.getUpload(id) as UploadRecord;
  for (const [i, event] of events.entries()) {
    record = store.transition(id, record.status, event, i === events.length - 1 ? patch : {});
  }
  return record;
}

/**
 * Writes a status into the database behind the store's back: for a state the
 * table reaches by a path a test cannot easily take (a done upload's row made
 * failed for a history filter, a cancel that found S3 had completed it).
 */
export function writeStatus(
  store: Store,
  id: string,
  status: UploadStatus,
  patch: UploadPatch = {},
) {
  store.withDatabase((db) =>
    db.prepare('UPDATE uploads SET status = ? WHERE id = ?').run(status, id),
  );
  return store.updateUpload(id, patch);
}
