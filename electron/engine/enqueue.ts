import { randomUUID } from 'node:crypto';
import { choosePartSize } from '../../shared/parts';
import { grantFullControlHeader, type SubmissionProfile } from '../../shared/profile';
import type { UploadRecord } from '../../shared/types';
import type { Endpoint } from './s3-client';
import type { Plan } from './scan';
import type { Store } from './store';

/** Where a plan goes and under which rules, as UploadQueue.add settled them. */
export interface PlanPlace extends Endpoint {
  bucket: string;
  synapseId?: string | null;
  /** The bucket's own region (preflight.ts), whatever the target said. */
  region: string;
  profile: SubmissionProfile;
  /** The part size asked for; grown per file so none needs more than 10,000 parts. */
  partSize: number;
  createdAt: number;
}

/**
 * Records a plan's files as queued uploads, in the plan's order. A file
 * whose object an unfinished upload of the same file is writing gets that
 * upload (`queued`) instead of a new one.
 */
export function recordPlan(
  store: Store,
  plan: Plan,
  place: PlanPlace,
): { records: UploadRecord[]; queued: Map<string, UploadRecord> } {
  const grants = grantFullControlHeader(place.profile);
  // A file already on its way to the same object (dropped again while it
  // uploads) is not queued twice, to race itself: its upload stands for it.
  const unfinished = store.unfinishedAt(
    { bucket: place.bucket, endpoint: place.endpoint },
    plan.files.map((file) => file.key),
  );
  const queued = new Map(
    plan.files.flatMap((file) => {
      const upload = unfinished.get(file.key);
      return upload?.localPath === file.localPath ? [[file.key, upload] as const] : [];
    }),
  );
  const records = plan.files.map(
    (file) =>
      queued.get(file.key) ??
      store.createUpload({
        id: randomUUID(),
        localPath: file.localPath,
        size: file.size,
        mtimeMs: file.mtimeMs,
        bucket: place.bucket,
        key: file.key,
        endpoint: place.endpoint,
        region: place.region,
        awsProfile: place.awsProfile,
        submissionProfile: place.profile.name,
        synapseId: place.synapseId ?? null,
        grants,
        partSize: choosePartSize(file.size, place.partSize),
        createdAt: place.createdAt,
      }),
  );
  return { records, queued };
}
