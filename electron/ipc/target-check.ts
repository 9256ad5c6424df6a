import { GetBucketOwnershipControlsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TargetCheck, TargetInput, TargetWarning } from '../../shared/ipc';
import type { UploadQueue } from '../engine/queue';

const OWNERSHIP_TIMEOUT_MS = 10_000;

/**
 * "Check access" for the target form: the engine's preflight (HeadBucket; it
 * throws an explained UploadFailure when the bucket is missing or out of
 * reach), then whether the bucket can take the center's grants at all.
 *
 * A bucket whose Object Ownership is "bucket owner enforced" (the S3 default
 * since April 2023) has ACLs disabled and refuses every request that carries
 * `x-amz-grant-full-control`. Uploaders often may not read ownership controls;
 * then nothing is known and nothing is said.
 */
export async function checkTarget(
  queue: Pick<UploadQueue, 'preflight'>,
  client: S3Client,
  target: TargetInput,
): Promise<TargetCheck> {
  await queue.preflight(target);
  const warnings: TargetWarning[] = [];
  if ((await objectOwnership(client, target.bucket)) === 'BucketOwnerEnforced') {
    warnings.push({
      code: 'acls-disabled',
      message: `The bucket "${target.bucket}" has ACLs disabled (Object Ownership: bucket owner enforced), so S3 will refuse uploads that carry the center's full-control grants. Ask the data coordinating center to set Object Ownership to "Bucket owner preferred".`,
    });
  }
  return { bucket: target.bucket, warnings };
}

async function objectOwnership(client: S3Client, bucket: string): Promise<string | null> {
  try {
    const answer = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }), {
      abortSignal: AbortSignal.timeout(OWNERSHIP_TIMEOUT_MS),
    });
    return answer.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null;
  } catch {
    // OwnershipControlsNotFoundError: ACLs work the classic way. Anything
    // else (AccessDenied, an endpoint without the API): unknown.
    return null;
  }
}
