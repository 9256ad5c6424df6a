import type { S3Client } from '@aws-sdk/client-s3';
import { accelerationProblem } from '../../shared/targets';
import { UploadFailure } from './errors';
import {
  accelerationRefusal,
  bucketAcceleration,
  bucketEncryption,
  bucketRegion,
} from './preflight';
import type { RetryPolicy } from './retry';
import type { Endpoint } from './s3-client';

/** Where a bucket's objects go, and how the bucket stores them. */
export interface BucketPlace {
  /**
   * The client for objects: the bucket's own region (a request in another
   * region is answered with a redirect, which cannot send a part's bytes
   * again), accelerated where the target says so.
   */
  client: S3Client;
  region: string;
  /**
   * The bucket's default encryption (bucketEncryption), asked while the
   * review lists the bucket; it rejects only when the endpoint could not be
   * reached.
   */
  encryption: Promise<string | null>;
}

export interface BucketPlacesOptions {
  clientFor: (endpoint: Endpoint) => S3Client;
  policy: RetryPolicy;
  now: () => number;
}

/**
 * How long what a bucket said is used again: a review and the add after it
 * (the command line's, or the window's once the user has looked at the
 * review) ask the bucket once. Its region never changes; its encryption is
 * the center's to change, rarely, and is asked again after this.
 */
const KEPT_MS = 60_000;

/**
 * The bucket's place for each target, asked before anything is recorded:
 * HeadBucket checks the bucket exists and the credentials work (a 403 is not
 * conclusive: uploaders often may not head a bucket) and names its region.
 * With Transfer Acceleration, objects go through the accelerated endpoint
 * while the bucket's settings are asked of its regional one, and a bucket
 * that has acceleration off is refused before anything is recorded: every
 * upload there would fail. A place that could not be had is not kept.
 */
export class BucketPlaces {
  private readonly kept = new Map<string, { at: number; place: Promise<BucketPlace> }>();

  constructor(private readonly options: BucketPlacesOptions) {}

  of(target: Endpoint & { bucket: string }): Promise<BucketPlace> {
    const id = JSON.stringify([
      target.bucket,
      target.endpoint,
      target.region,
      target.awsProfile,
      target.accelerate === true,
    ]);
    const now = this.options.now();
    const kept = this.kept.get(id);
    if (kept && now - kept.at < KEPT_MS) return kept.place;
    const forget = () => {
      if (this.kept.get(id)?.place === place) this.kept.delete(id);
    };
    const place = this.ask(target).then((found) => {
      found.encryption.catch(forget);
      return found;
    });
    place.catch(forget);
    this.kept.set(id, { at: now, place });
    return place;
  }

  private async ask(target: Endpoint & { bucket: string }): Promise<BucketPlace> {
    const { clientFor, policy } = this.options;
    const problem = target.accelerate ? accelerationProblem(target) : null;
    if (problem) throw new UploadFailure({ code: 'AccelerationUnavailable', message: problem });
    const regional = { ...target, accelerate: false };
    const region = (await bucketRegion(clientFor(regional), target, policy)) ?? target.region;
    const settings = clientFor({ ...regional, region });
    if (target.accelerate) {
      const refused = accelerationRefusal(
        target.bucket,
        await bucketAcceleration(settings, target, policy),
      );
      if (refused) throw new UploadFailure({ code: 'AccelerationOff', message: refused });
    }
    const encryption = bucketEncryption(settings, target, policy);
    // Awaited by the add; until then a failure is not an unhandled rejection.
    encryption.catch(() => undefined);
    return { client: clientFor({ ...target, region }), region, encryption };
  }
}
