// The bandwidth limit (issue 16): how closely an upload holds to it over 30 s
// on the link the bench points it through, and how soon a new limit takes
// effect on the running upload. The real engine runs in-process; the rate is
// what the user sees, the bytes handed to the AWS SDK (the queue's progress),
// sampled every 50 ms.
import { availableParallelism } from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HashPool } from '../../electron/engine/hash-pool';
import { UploadQueue, type Target } from '../../electron/engine/queue';
import { createS3Client } from '../../electron/engine/s3-client';
import { planUpload } from '../../electron/engine/scan';
import { Store } from '../../electron/engine/store';
import { CENTER_PROFILE } from '../../shared/profile';
import { formatRate } from '../../shared/rate';
import { HASH_WORKER } from '../helpers/build';
import { sparseFile } from './data';
import type { Section } from './report';
import { MB, MiB, type Figure } from './stats';

export interface RateLimitOptions {
  add: (figure: Figure) => Figure;
  log: (line?: string) => void;
  /** Where the upload goes: the bench's endpoint, or the emulated link in front of it. */
  endpointUrl: string;
  bucket: string;
  /** Where the data file is made (a sparse file: the bytes do not matter here). */
  dir: string;
  /** The limit held, in bytes per second; default 40 MB/s (the issue's example). */
  rate?: number;
  /** How long the limit is measured; default 30 s. */
  seconds?: number;
}

const SECTION = 'Bandwidth limit';
const WARM_UP_S = 2;
/** After each change: one second to settle, then three to fit the new rate. */
const SETTLE_S = 1;
const FIT_S = 3;

interface Sample {
  at: number;
  bytes: number;
}

export async function rateLimitSection(options: RateLimitOptions): Promise<Section> {
  const { add, log } = options;
  const rate = options.rate ?? 40 * MB;
  const seconds = options.seconds ?? 30;
  const lower = rate / 4;
  log(`\n## ${SECTION}`);
  const work = await mkdtemp(join(options.dir, 'ratelimit-'));
  // Enough for the warm-up, the measured span and both changes, with room to spare.
  const size =
    Math.ceil(
      (rate * (WARM_UP_S + seconds + 2 * (SETTLE_S + FIT_S)) + lower * (SETTLE_S + FIT_S)) / MiB,
    ) * MiB;
  const path = join(work, 'data', 'limited.dat');
  await mkdir(join(work, 'data'));
  await sparseFile(path, size);
  const store = Store.open(join(work, 'labdrop.db'));
  const hasher = new HashPool({ workerFile: HASH_WORKER });
  const target: Target = {
    bucket: options.bucket,
    endpoint: options.endpointUrl,
    region: 'us-east-1',
    awsProfile: null,
  };
  const client = createS3Client(target, { maxSockets: 16 });
  const queue = new UploadQueue({
    store,
    hasher,
    clientFor: () => client,
    profile: CENTER_PROFILE,
    partConcurrency: 8,
    hashConcurrency: availableParallelism(),
    maxRate: rate,
  });
  const samples: Sample[] = [];
  let sampler: ReturnType<typeof setInterval> | null = null;
  let id: string | null = null;
  try {
    const plan = await planUpload([join(work, 'data')], `center/ratelimit-${Date.now()}`);
    const [record] = await queue.add(plan, target);
    if (!record) throw new Error('the plan had no file');
    id = record.id;
    const sample = () => {
      samples.push({ at: performance.now(), bytes: queue.progressOf(record.id).uploadedBytes });
    };
    // Hashing comes first (the whole file's MD5 is its metadata): the limit
    // is measured from the first byte sent.
    while (queue.progressOf(record.id).uploadedBytes === 0) await sleep(20);
    sampler = setInterval(sample, 50);
    const first = performance.now();
    await sleep(WARM_UP_S * 1000);
    const from = latest(samples);
    await sleep(seconds * 1000);
    const to = latest(samples);
    const achieved = ((to.bytes - from.bytes) * 1000) / (to.at - from.at);
    const status = queue.progressOf(record.id);
    if (status.status !== 'uploading') {
      throw new Error(`the upload stopped (${status.status}): ${status.error?.message ?? ''}`);
    }

    const changes: number[] = [];
    for (const next of [lower, rate]) {
      const at = performance.now();
      queue.setMaxRate(next);
      await sleep((SETTLE_S + FIT_S) * 1000);
      changes.push(changeDelay(samples, at));
    }
    const off = Math.abs(achieved / rate - 1) * 100;
    add({
      section: SECTION,
      name: `Rate held under a ${formatRate(rate)} limit over ${seconds} s, off by`,
      unit: '%',
      samples: [off],
      target: { op: '<=', value: 5, text: 'within ±5 % of the limit' },
      bound: `the token bucket (electron/engine/token-bucket.ts): it starts empty and refills at the limit, so what goes over a span is the limit × the span, less what the link cannot carry; achieved ${(achieved / MB).toFixed(2)} MB/s`,
    });
    add({
      section: SECTION,
      name: `A new limit takes effect on a running upload (${formatRate(rate)} → ${formatRate(lower)} → ${formatRate(rate)})`,
      unit: 's',
      samples: changes.map((d) => Math.max(0, d)),
      target: { op: '<=', value: 1, text: '≤ 1 s' },
      bound:
        'the bucket’s refill rate changes at once and its waiters are served at the new one; what is already handed to the socket (its buffers, one piece of a tenth of a second per request) still goes',
    });
    return {
      title: SECTION,
      text: [
        `One ${Math.round(size / MiB)} MiB file uploaded with the real engine in this process (8 MiB parts, 8 at once) to ${options.endpointUrl}, under a limit of ${formatRate(rate)}. After ${WARM_UP_S} s of warm-up from the first byte sent (${((performance.now() - first) / 1000).toFixed(0)} s of upload in all), the bytes handed to the AWS SDK over ${seconds} s came to ${(achieved / MB).toFixed(2)} MB/s, ${off.toFixed(2)} % off the limit.`,
        `Then the limit went down to ${formatRate(lower)} and back up. How soon each change took effect: the line fitted to the progress from ${SETTLE_S} s to ${SETTLE_S + FIT_S} s after the change, extended back to where it meets the line of the ${FIT_S} s before it; ${changes.map((d) => `${d.toFixed(2)} s`).join(' and ')}.`,
      ],
    };
  } finally {
    if (sampler) clearInterval(sampler);
    // The rest of the file is not needed: the upload and its parts go.
    if (id) await queue.requestCancel(id).catch(() => undefined);
    await queue.idle();
    await hasher.close();
    client.destroy();
    store.close();
    await rm(work, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function latest(samples: readonly Sample[]): Sample {
  const last = samples.at(-1);
  if (!last) throw new Error('no progress was sampled');
  return last;
}

/** Least-squares line through the samples in [from, to): bytes = a + b × at. */
function fit(samples: readonly Sample[], from: number, to: number): { a: number; b: number } {
  const span = samples.filter((s) => s.at >= from && s.at < to);
  if (span.length < 2) throw new Error('too few progress samples to fit a rate');
  const n = span.length;
  const mx = span.reduce((sum, s) => sum + s.at, 0) / n;
  const my = span.reduce((sum, s) => sum + s.bytes, 0) / n;
  const sxy = span.reduce((sum, s) => sum + (s.at - mx) * (s.bytes - my), 0);
  const sxx = span.reduce((sum, s) => sum + (s.at - mx) ** 2, 0);
  const b = sxy / sxx;
  return { a: my - b * mx, b };
}

/**
 * Seconds from a change of limit at `at` until it took effect: where the
 * steady progress after the change, extended back, meets the progress
 * before it. An instant change gives 0; one that took effect after d
 * seconds, d.
 */
function changeDelay(samples: readonly Sample[], at: number): number {
  const before = fit(samples, at - FIT_S * 1000, at);
  const after = fit(samples, at + SETTLE_S * 1000, at + (SETTLE_S + FIT_S) * 1000);
  return ((before.a - after.a) / (after.b - before.b) - at) / 1000;
}
