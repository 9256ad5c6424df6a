import { randomUUID } from 'node:crypto';
import { choosePartSize } from '../../shared/parts';
import { grantFullControlHeader, type SubmissionProfile } from '../../shared/profile';
import type { UploadRecord } from '../../shared/types';
import type { BucketReview } from './bucket-review';
import type { Endpoint } from './s3-client';
import type { Plan, PlannedFile } from './scan';
import type { QueuedBy, Store } from './store';

/** Where a plan goes and under which rules, as UploadQueue.add settled them. */
export interface PlanPlace extends Endpoint {
  bucket: string;
  synapseId?: string | null;
  /** The bucket's own region (preflight.ts), whatever the target said. */
  region: string;
  /** The bucket's default encryption (preflight.ts): with KMS every file goes multipart. */
  encryption: string | null;
  profile: SubmissionProfile;
  /** The part size asked for; grown per file so none needs more than 10,000 parts. */
  partSize: number;
  createdAt: number;
}

/** Which different objects the user chose to replace (by key), or all of them. */
export type Replace = ReadonlySet<string> | 'all';

/** Rows per write: the main process answers between writes, also while 100,000 files are recorded. */
const ROWS_PER_WRITE = 2_000;

/**
 * Records a plan's files, in the plan's order, as the review of the bucket
 * found them (bucket-review.ts): a file an unfinished upload already writes
 * to the same key gets that upload (`queued`); one the bucket already has,
 * or whose different object the user keeps, is recorded as skipped, with
 * what was found; the others are queued, each with the condition its write
 * will carry (no object, or the version seen), and marked as queued by
 * `queuer` (Store.markQueued) in the same write.
 *
 * All or none: a failure part-way (a full disk) removes what it recorded.
 */
export async function recordPlan(
  store: Store,
  plan: Plan,
  place: PlanPlace,
  review: BucketReview,
  replace: Replace,
  queuer?: QueuedBy,
): Promise<{ records: UploadRecord[]; queued: Set<string> }> {
  const grants = grantFullControlHeader(place.profile);
  const queued = new Set<string>();
  const records: UploadRecord[] = [];
  const created: string[] = [];
  const recordFile = (file: PlannedFile, i: number): UploadRecord => {
    const found = review.files[i];
    if (!found) throw new Error(`The review does not cover ${file.localPath}`);
    if (found.kind === 'queued') {
      // Dropped again while it uploads: not queued twice, to race itself.
      queued.add(found.upload.id);
      return found.upload;
    }
    const replaced = found.kind === 'different' && (replace === 'all' || replace.has(file.key));
    const patch = {
      ...(found.md5 ?? {}),
      encryption: place.encryption,
      bucketCheck: replaced ? { ...found.check, verdict: 'replace' as const } : found.check,
    };
    const sent = found.kind === 'new' || replaced;
    const record = store.createUpload(
      {
        id: randomUUID(),
        localPath: file.localPath,
        size: file.size,
        mtimeMs: file.mtimeMs,
        bucket: place.bucket,
        key: file.key,
        endpoint: place.endpoint,
        region: place.region,
        awsProfile: place.awsProfile,
        accelerate: place.accelerate === true,
        submissionProfile: place.profile.name,
        synapseId: place.synapseId ?? null,
        grants,
        partSize: choosePartSize(file.size, place.partSize),
        createdAt: place.createdAt,
      },
      // What the review found goes in with the row; what is not sent is then skipped.
      sent ? patch : {},
    );
    created.push(record.id);
    if (sent) return record;
    return store.transition(record.id, 'queued', 'skip', {
      ...patch,
      finishedAt: place.createdAt,
    });
  };
  try {
    for (let from = 0; from < plan.files.length; from += ROWS_PER_WRITE) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      store.withDatabase((db) =>
        db.transaction(() => {
          const chunk = plan.files
            .slice(from, from + ROWS_PER_WRITE)
            .map((file, i) => recordFile(file, from + i));
          if (queuer) {
            const fresh = chunk.filter((r) => r.status === 'queued' && !queued.has(r.id));
            store.markQueued(
              fresh.map((r) => r.id),
              queuer,
            );
          }
          records.push(...chunk);
        })(),
      );
    }
  } catch (error) {
    store.deleteUploads(created);
    throw error;
  }
  return { records, queued };
}
