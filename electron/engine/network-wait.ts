import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { UploadRecord } from '../../shared/types';
import { backoffDelay, type RetryPolicy } from './retry';

export interface NetworkWaitOptions {
  clientFor: (record: UploadRecord) => S3Client;
  /** The uploads waiting on an endpoint that answers again. */
  onBack: (ids: string[]) => void;
  policy: RetryPolicy;
}

interface Watch {
  ids: Set<string>;
  record: UploadRecord;
  timer: ReturnType<typeof setTimeout> | null;
  attempt: number;
}

/**
 * Uploads that lost the endpoint wait here instead of failing (a Wi-Fi drop,
 * a VPN reconnect, a laptop closed on the way to a meeting): one probe per
 * endpoint and bucket, with backoff, and every upload waiting on it goes on
 * once it answers. Any HTTP answer counts, even a refusal: the network is
 * back, and the upload's own requests say what else is wrong.
 */
export class NetworkWait {
  private readonly watches = new Map<string, Watch>();
  private changed: { promise: Promise<void>; resolve: () => void } = deferred();

  constructor(private readonly options: NetworkWaitOptions) {}

  /** Uploads waiting here now. */
  get ids(): string[] {
    return [...this.watches.values()].flatMap((w) => [...w.ids]);
  }

  /** Resolves at the next change: an endpoint answered, or an upload stopped waiting. */
  next(): Promise<void> {
    return this.changed.promise;
  }

  /** Whether uploads to this upload's place (endpoint and bucket) wait for it to answer. */
  holds(record: UploadRecord): boolean {
    return this.watches.has(placeKey(record));
  }

  wait(record: UploadRecord): void {
    const key = placeKey(record);
    let watch = this.watches.get(key);
    if (!watch) {
      watch = { ids: new Set(), record, timer: null, attempt: 0 };
      this.watches.set(key, watch);
      this.schedule(key, watch);
    }
    watch.ids.add(record.id);
  }

  /** The upload no longer waits (paused, cancelled). */
  forget(id: string): void {
    for (const [key, watch] of this.watches) {
      if (!watch.ids.delete(id)) continue;
      if (watch.ids.size === 0) this.drop(key, watch);
      this.signal();
    }
  }

  stop(): void {
    for (const [key, watch] of this.watches) this.drop(key, watch);
    this.signal();
  }

  private schedule(key: string, watch: Watch): void {
    const delay = backoffDelay(++watch.attempt, this.options.policy, () => 1);
    watch.timer = setTimeout(() => void this.probe(key, watch), delay);
    watch.timer.unref?.();
  }

  private async probe(key: string, watch: Watch): Promise<void> {
    watch.timer = null;
    const answered = await this.options
      .clientFor(watch.record)
      .send(new HeadBucketCommand({ Bucket: watch.record.bucket }), {
        abortSignal: AbortSignal.timeout(10_000),
      })
      .then(
        () => true,
        (error: unknown) => {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
            ?.httpStatusCode;
          return status !== undefined && status < 500;
        },
      );
    if (this.watches.get(key) !== watch) return; // stopped meanwhile
    if (!answered) return this.schedule(key, watch);
    this.watches.delete(key);
    this.options.onBack([...watch.ids]);
    this.signal();
  }

  private drop(key: string, watch: Watch): void {
    if (watch.timer) clearTimeout(watch.timer);
    this.watches.delete(key);
  }

  private signal(): void {
    const { resolve } = this.changed;
    this.changed = deferred();
    resolve();
  }
}

function placeKey(record: UploadRecord): string {
  return JSON.stringify([record.endpoint, record.region, record.awsProfile, record.bucket]);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
