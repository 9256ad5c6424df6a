// S3 Transfer Acceleration (issue: "for labs far from the bucket's region"):
// the endpoint the client builds, `labdrop check` reading the bucket's
// setting from moto, and the queue refusing or using it. AWS's edge network
// cannot be reached here; where the queue's accelerated requests must land
// somewhere, they are routed to moto by the queue's one seam, `clientFor`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketAccelerateConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadRecord } from '../shared/types';
import { createClientCache } from '../electron/engine/clients';
import { HashPool } from '../electron/engine/hash-pool';
import type { Target } from '../electron/engine/queue';
import { createS3Client, type Endpoint } from '../electron/engine/s3-client';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import type { AccessTarget } from '../electron/services/access';
import { createTargetServices, type TargetServices } from '../electron/services/target-services';
import { HASH_WORKER } from './helpers/build';
import { cliEnv, startCli } from './helpers/cli';
import { testQueue } from './helpers/engine';
import { createBucket, startMoto, TEST_CREDENTIALS, testClient, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

let moto: Moto;
let pool: HashPool;
let dir: string;
let store: Store;

const accelerate = (bucket: string, Status: 'Enabled' | 'Suspended') =>
  testClient(moto.endpoint).send(
    new PutBucketAccelerateConfigurationCommand({
      Bucket: bucket,
      AccelerateConfiguration: { Status },
    }),
  );

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.AWS_PROFILE;
  moto = await startMoto();
  for (const bucket of ['fast-bucket', 'plain-bucket', 'paused-bucket']) {
    await createBucket(moto.endpoint, bucket);
  }
  await accelerate('fast-bucket', 'Enabled');
  await accelerate('paused-bucket', 'Enabled');
  await accelerate('paused-bucket', 'Suspended');
  pool = new HashPool({ threads: 1, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-accelerate-'));
  store = Store.open(join(dir, 'labdrop.db'));
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Where the client built for `endpoint` sends a PutObject, read as the request leaves the SDK. */
async function requestOf(endpoint: Endpoint, bucket: string) {
  const client = createClientCache({
    credentialsFor: () => async () => TEST_CREDENTIALS_KEYS,
  }).clientFor(endpoint);
  let sent: { hostname: string; path: string; authorization: string } | undefined;
  client.middlewareStack.add(
    () => async (args) => {
      const request = args.request as {
        hostname: string;
        path: string;
        headers: Record<string, string>;
      };
      sent = {
        hostname: request.hostname,
        path: request.path,
        authorization: request.headers.authorization ?? '',
      };
      throw new Error('not sent');
    },
    { step: 'finalizeRequest', priority: 'low', name: 'capture' },
  );
  await expect(
    client.send(new PutObjectCommand({ Bucket: bucket, Key: 'study/a.txt', Body: 'x' })),
  ).rejects.toThrow('not sent');
  client.destroy();
  return sent;
}

const TEST_CREDENTIALS_KEYS = {
  accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
};

describe('the client for a target with Transfer Acceleration', () => {
  it("sends objects to the bucket's accelerated endpoint, signed for its region", async () => {
    const place = { endpoint: null, region: 'eu-west-2', awsProfile: null };
    const fast = await requestOf({ ...place, accelerate: true }, 'lab-bucket');
    expect(fast?.hostname).toBe('lab-bucket.s3-accelerate.amazonaws.com');
    expect(fast?.path).toBe('/study/a.txt');
    expect(fast?.authorization).toContain('/eu-west-2/s3/aws4_request');
    const plain = await requestOf(place, 'lab-bucket');
    expect(plain?.hostname).toBe('lab-bucket.s3.eu-west-2.amazonaws.com');
  });

  it('is another client than the same place without it', () => {
    const cache = createClientCache();
    const place = { endpoint: null, region: 'us-east-1', awsProfile: null };
    expect(cache.clientFor({ ...place, accelerate: true })).not.toBe(cache.clientFor(place));
    expect(cache.clientFor({ ...place, accelerate: false })).toBe(cache.clientFor(place));
    cache.destroy();
  });
});

describe('labdrop check', () => {
  let services: TargetServices;
  beforeEach(() => {
    services = createTargetServices({ store, timeoutMs: 10_000 });
  });
  afterEach(() => services.close());

  const target = (bucket: string, extra: Partial<AccessTarget> = {}): AccessTarget => ({
    bucket,
    prefix: 'center',
    endpoint: moto.endpoint,
    region: 'us-east-1',
    awsProfile: null,
    ...extra,
  });
  const stepOf = (report: { steps: { step: string; status: string; message: string }[] }) =>
    report.steps.find((s) => s.step === 'acceleration');

  it("reads the bucket's setting and says whether it is on", async () => {
    const on = await services.checkAccess(target('fast-bucket'));
    expect(on.ok).toBe(true);
    expect(stepOf(on)).toMatchObject({ status: 'ok' });
    expect(stepOf(on)?.message).toMatch(/has S3 Transfer Acceleration on.*--accelerate/);

    for (const bucket of ['plain-bucket', 'paused-bucket']) {
      const off = await services.checkAccess(target(bucket));
      expect(off.ok).toBe(true);
      expect(stepOf(off)?.message).toMatch(/does not use S3 Transfer Acceleration/);
    }
  });

  it('fails a target that asks for acceleration where it cannot work, before writing', async () => {
    const report = await services.checkAccess(target('fast-bucket', { accelerate: true }));
    expect(report.ok).toBe(false);
    expect(stepOf(report)).toMatchObject({ status: 'failed' });
    // The code the queue gives the same refusal: the endpoint cannot serve it, not a bucket setting.
    expect(report.problem).toMatchObject({
      code: 'AccelerationUnavailable',
      message: expect.stringMatching(/feature of Amazon S3/),
    });
    expect(report.steps.find((s) => s.step === 'write')?.status).toBe('skipped');
  });
});

describe('the queue', () => {
  /**
   * The real queue, its accelerated requests routed to moto: AWS's edge
   * network is the one thing this machine cannot reach. Records which
   * endpoints it asked clients for.
   */
  function routedQueue(asked: Endpoint[]) {
    return testQueue(store, pool, {
      clientFor: (endpoint) => {
        asked.push(endpoint);
        return createS3Client({ ...endpoint, endpoint: moto.endpoint, accelerate: false });
      },
    });
  }
  const aws = (bucket: string): Target => ({
    bucket,
    endpoint: null,
    region: 'us-east-1',
    awsProfile: null,
    accelerate: true,
  });

  it('uploads through the accelerated endpoint where the bucket has it on, and records it for a resume', async () => {
    const file = await writeTestFile(dir, 'a.txt', 1000);
    const asked: Endpoint[] = [];
    const queue = routedQueue(asked);
    const [added] = await queue.add(await planUpload([file], 'center'), aws('fast-bucket'));
    await queue.idle();
    const record = store.getUpload(added?.id ?? '') as UploadRecord;
    expect(record).toMatchObject({ status: 'done', accelerate: true });
    await expectObjectMatches(moto.endpoint, 'fast-bucket', 'center/a.txt', file);
    // The bucket's settings were asked of its regional endpoint, the object went accelerated.
    expect(asked.some((e) => e.accelerate === true)).toBe(true);
    expect(asked.some((e) => !e.accelerate)).toBe(true);
    // The record, as a restart reads it, still says how it went.
    store.close();
    store = Store.open(join(dir, 'labdrop.db'));
    expect(store.getUpload(record.id)?.accelerate).toBe(true);
  });

  it('refuses, before recording anything, a bucket that has acceleration off or suspended', async () => {
    const file = await writeTestFile(dir, 'a.txt', 1000);
    for (const bucket of ['plain-bucket', 'paused-bucket']) {
      const queue = routedQueue([]);
      await expect(queue.add(await planUpload([file], 'center'), aws(bucket))).rejects.toThrow(
        /Transfer Acceleration is (not turned on|suspended) for bucket/,
      );
    }
    expect(store.query({})).toEqual([]);
  });

  it('refuses acceleration at an S3-compatible endpoint, naming it', async () => {
    const file = await writeTestFile(dir, 'a.txt', 1000);
    const queue = testQueue(store, pool);
    const target = { ...aws('fast-bucket'), endpoint: moto.endpoint };
    await expect(queue.add(await planUpload([file], 'center'), target)).rejects.toThrow(
      `${moto.endpoint} is another endpoint`,
    );
    expect(store.query({})).toEqual([]);
  });
});

describe('the command line', () => {
  it('refuses to save or use acceleration with another endpoint, and says why', async () => {
    const home = join(dir, 'home');
    const env = cliEnv(dir, home);
    const saved = await startCli(
      [
        'targets',
        'add',
        'far',
        '--bucket',
        'fast-bucket',
        '--endpoint',
        moto.endpoint,
        '--accelerate',
      ],
      { env },
    ).done;
    expect(saved.code).not.toBe(0);
    expect(saved.stderr).toMatch(/feature of Amazon S3/);

    const file = await writeTestFile(dir, 'b.txt', 100);
    const upload = await startCli(
      [
        'upload',
        file,
        '--bucket',
        'fast-bucket',
        '--prefix',
        'center',
        '--endpoint',
        moto.endpoint,
        '--accelerate',
        '--yes',
      ],
      { env },
    ).done;
    expect(upload.code).not.toBe(0);
    expect(upload.stderr).toMatch(/feature of Amazon S3/);
  });

  it('`labdrop check` says the bucket has acceleration on', async () => {
    const home = join(dir, 'home');
    const run = await startCli(
      ['check', '--bucket', 'fast-bucket', '--prefix', 'center', '--endpoint', moto.endpoint],
      { env: cliEnv(dir, home) },
    ).done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/acceleration\s+The bucket has S3 Transfer Acceleration on/);
  });
});
