import {
  GetBucketAccelerateConfigurationCommand,
  GetBucketEncryptionCommand,
  HeadBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Endpoint } from './s3-client';
import { UploadFailure } from './errors';
import { withRetry, type RetryPolicy } from './retry';

/**
 * Checks the target can be reached before anything is recorded: the bucket
 * exists and the credentials work. A 403 is not conclusive (uploaders often
 * may not list or head a bucket), so it lets the upload go ahead. Returns
 * the bucket's region when S3 names it.
 */
export function bucketRegion(
  client: S3Client,
  target: Endpoint & { bucket: string },
  policy: RetryPolicy,
): Promise<string | null> {
  return withRetry(
    async () => {
      try {
        const head = await client.send(new HeadBucketCommand({ Bucket: target.bucket }));
        return head.BucketRegion ?? null;
      } catch (error) {
        const { $metadata, $response } = error as {
          $metadata?: { httpStatusCode?: number };
          $response?: { headers?: Record<string, string | undefined> };
        };
        const status = $metadata?.httpStatusCode;
        if (status === 403) return $response?.headers?.['x-amz-bucket-region'] ?? null;
        if (status === 404)
          throw Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' });
        throw error;
      }
    },
    { policy, context: { bucket: target.bucket, endpoint: target.endpoint } },
  );
}

/**
 * The bucket's default encryption ('AES256', 'aws:kms', 'aws:kms:dsse'), or
 * null when it has none or these credentials may not read it (uploaders
 * often lack s3:GetEncryptionConfiguration): then files go as their size
 * says, and `labdrop check` tells the user it could not read it.
 */
export async function bucketEncryption(
  client: S3Client,
  target: Endpoint & { bucket: string },
  policy: RetryPolicy,
): Promise<string | null> {
  const answer = await bucketSetting(
    () => client.send(new GetBucketEncryptionCommand({ Bucket: target.bucket })),
    target,
    policy,
  );
  const rules = answer?.ServerSideEncryptionConfiguration?.Rules ?? [];
  return rules[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null;
}

/**
 * Whether the bucket has S3 Transfer Acceleration on ('Enabled'), had it
 * ('Suspended') or never had it ('off'); 'unknown' where these credentials may
 * not ask (s3:GetAccelerateConfiguration) or the store has no such setting.
 * Asked of the bucket's regional endpoint: the accelerated one refuses every
 * request while acceleration is off.
 */
export async function bucketAcceleration(
  client: S3Client,
  target: Endpoint & { bucket: string },
  policy: RetryPolicy,
): Promise<'Enabled' | 'Suspended' | 'off' | 'unknown'> {
  const answer = await bucketSetting(
    () => client.send(new GetBucketAccelerateConfigurationCommand({ Bucket: target.bucket })),
    target,
    policy,
  );
  return answer === null ? 'unknown' : (answer.Status ?? 'off');
}

/**
 * Why uploads through Transfer Acceleration would be refused, given the
 * bucket's setting (bucketAcceleration), or null when they would not.
 */
export function accelerationRefusal(
  bucket: string,
  status: Awaited<ReturnType<typeof bucketAcceleration>>,
): string | null {
  if (status !== 'off' && status !== 'Suspended') return null;
  return `S3 Transfer Acceleration is ${status === 'off' ? 'not turned on' : 'suspended'} for bucket "${bucket}", so uploads through it would be refused. Upload without acceleration, or ask the data coordinating center to turn it on.`;
}

/**
 * A bucket setting's answer, or null where it cannot be had: not there, not
 * allowed (uploaders often lack the permission), or a store without the API.
 * Only an endpoint that cannot be reached is thrown, as it would stop the
 * upload anyway.
 */
async function bucketSetting<T>(
  ask: () => Promise<T>,
  target: Endpoint & { bucket: string },
  policy: RetryPolicy,
): Promise<T | null> {
  try {
    return await withRetry(ask, {
      policy,
      context: { bucket: target.bucket, endpoint: target.endpoint },
    });
  } catch (error) {
    if (error instanceof UploadFailure && error.transient) throw error;
    return null;
  }
}
