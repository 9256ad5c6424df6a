import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTER_PROFILE } from '../shared/profile';
import { proxyFor } from '../electron/engine/network';
import { createS3Client } from '../electron/engine/s3-client';
import { Store } from '../electron/engine/store';
import type { AccessTarget } from '../electron/services/access';
import { createTargetServices, type TargetServices } from '../electron/services/target-services';
import { createBucket, startMoto, TEST_CREDENTIALS, testClient, type Moto } from './helpers/moto';
import { s3Error, startGate, type Gate } from './helpers/s3-gate';

let moto: Moto;
let gate: Gate;
let dir: string;
let store: Store;
let services: TargetServices;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.AWS_PROFILE;
  moto = await startMoto();
  gate = await startGate(moto.endpoint);
  await createBucket(moto.endpoint, 'open-bucket');
  await createBucket(moto.endpoint, 'enforced-bucket');
  await testClient(moto.endpoint).send(
    new PutBucketOwnershipControlsCommand({
      Bucket: 'enforced-bucket',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    }),
  );
  await testClient(moto.endpoint).send(
    new CreateBucketCommand({
      Bucket: 'europe-bucket',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    }),
  );
  const put = (key: string) =>
    testClient(moto.endpoint).send(
      new PutObjectCommand({ Bucket: 'open-bucket', Key: key, Body: 'x' }),
    );
  for (const key of [
    'top.txt',
    'center/a.txt',
    'center/study-1/r1.fastq',
    'center/study-1/deep/r2.fastq',
    'center/study-2/r1.fastq',
    'other/b.txt',
  ]) {
    await put(key);
  }
});

afterAll(async () => {
  await gate?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-access-'));
  store = Store.open(join(dir, 'labdrop.db'));
  services = createTargetServices({ store, timeoutMs: 10_000 });
  gate.requests.length = 0;
  gate.answer = null;
});

afterEach(async () => {
  services.close();
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function target(bucket: string, prefix = 'center', endpoint = gate.endpoint): AccessTarget {
  return { bucket, prefix, endpoint, region: 'us-east-1', awsProfile: null };
}

/** CreateMultipartUpload requests: the write probe. */
function probes() {
  return gate.requests.filter((r) => r.method === 'POST' && r.url.includes('?uploads'));
}

async function leftovers(bucket: string) {
  const client = testClient(moto.endpoint);
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  const objects = await client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: 'center/labdrop' }),
  );
  return { uploads: uploads.Uploads ?? [], objects: objects.Contents ?? [] };
}

describe('check access', () => {
  it('passes a writable bucket, tries the grants for real, and leaves nothing behind', async () => {
    const report = await services.checkAccess(target('open-bucket'));
    expect(report.problem).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.step, s.status])).toEqual([
      ['credentials', 'ok'],
      ['network', 'ok'],
      ['identity', 'ok'],
      ['bucket', 'ok'],
      ['ownership', 'ok'],
      // moto's bucket was never given Transfer Acceleration: said, and uploads go direct.
      ['acceleration', 'ok'],
      ['write', 'ok'],
      // moto's bucket has no default encryption (GetBucketEncryption: not found).
      ['encryption', 'unknown'],
      ['conditional', 'ok'],
      ['verify', 'ok'],
    ]);
    // It says plainly how uploads will be verified where read-back is not allowed.
    expect(report.steps.at(-1)?.message).toMatch(/otherwise from S3's answers to the upload/);
    expect(report.identity?.arn).toMatch(/^arn:aws:/);
    expect(report.bucketRegion).toBe('us-east-1');

    // The probe carried the center's grants and content-md5, and was aborted.
    const [create] = probes();
    const grants = String(create?.headers['x-amz-grant-full-control']);
    for (const id of CENTER_PROFILE.fullControlIds) expect(grants).toContain(`id=${id}`);
    expect(create?.headers['x-amz-meta-content-md5']).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
    expect(create?.url).toMatch(/^\/open-bucket\/center\/labdrop-access-check-/);
    expect(gate.requests.some((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toBe(
      true,
    );
    expect(await leftovers('open-bucket')).toEqual({ uploads: [], objects: [] });
  });

  it('reports a bucket encrypted with SSE-KMS, and that every file goes multipart there', async () => {
    await createBucket(moto.endpoint, 'kms-bucket');
    await testClient(moto.endpoint).send(
      new PutBucketEncryptionCommand({
        Bucket: 'kms-bucket',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    const report = await services.checkAccess(target('kms-bucket'));
    expect(report.ok).toBe(true);
    const encryption = report.steps.find((s) => s.step === 'encryption');
    expect(encryption?.status).toBe('ok');
    expect(encryption?.message).toMatch(/SSE-KMS \(aws:kms\).*every file as a multipart upload/);
    expect(await leftovers('kms-bucket')).toEqual({ uploads: [], objects: [] });
  });

  it('says an unknown bucket does not exist, naming it', async () => {
    const report = await services.checkAccess(target('no-such-bucket-here'));
    expect(report.ok).toBe(false);
    expect(report.problem?.code).toBe('NoSuchBucket');
    expect(report.problem?.message).toContain('"no-such-bucket-here" does not exist');
    expect(report.steps.at(-1)).toMatchObject({ step: 'bucket', status: 'failed' });
    expect(probes()).toEqual([]);
  });

  it('explains a bucket whose ownership controls are BucketOwnerEnforced, without writing', async () => {
    const report = await services.checkAccess(target('enforced-bucket'));
    expect(report.ok).toBe(false);
    expect(report.problem?.code).toBe('AccessControlListNotSupported');
    expect(report.problem?.message).toContain('"enforced-bucket" has ACLs disabled');
    expect(report.problem?.message).toMatch(/Ask the data coordinating center/);
    expect(report.steps.slice(-2)).toMatchObject([
      { step: 'ownership', status: 'failed' },
      { step: 'write', status: 'skipped' },
    ]);
    expect(probes()).toEqual([]);
    expect(await leftovers('enforced-bucket')).toEqual({ uploads: [], objects: [] });
  });

  it('falls back to a probe upload where ownership controls may not be read', async () => {
    gate.answer = (r) => {
      if (r.url.includes('ownershipControls')) return s3Error(403, 'AccessDenied');
      if (r.method === 'POST' && r.url.includes('?uploads')) {
        return s3Error(400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
      }
      return null;
    };
    const report = await services.checkAccess(target('open-bucket'));
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.step === 'ownership')?.status).toBe('unknown');
    expect(report.problem?.code).toBe('AccessControlListNotSupported');
    expect(report.problem?.message).toContain('"open-bucket" has ACLs disabled');
  });

  it('says who to ask when the credentials may not write there with grants', async () => {
    gate.answer = (r) => {
      if (r.method === 'HEAD') return { status: 403 };
      if (r.method === 'POST' && r.url.includes('?uploads')) return s3Error(403, 'AccessDenied');
      return null;
    };
    const report = await services.checkAccess(target('open-bucket'));
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.step === 'bucket')?.status).toBe('unknown');
    expect(report.problem?.code).toBe('AccessDenied');
    expect(report.problem?.message).toContain('s3://open-bucket/center/');
    expect(report.problem?.message).toMatch(/s3:PutObjectAcl/);
  });

  it("finds the bucket's own region and says uploads use it", async () => {
    const report = await services.checkAccess(target('europe-bucket', 'center', moto.endpoint));
    expect(report.ok).toBe(true);
    expect(report.bucketRegion).toBe('eu-west-1');
    expect(report.warnings.join(' ')).toContain('eu-west-1');
  });
});

describe('target picker', () => {
  it('lists buckets where allowed, and says to type the name where not', async () => {
    const listed = await services.listBuckets(target('x'));
    expect(listed.allowed).toBe(true);
    if (listed.allowed) {
      expect(listed.buckets.map((b) => b.name)).toEqual(
        expect.arrayContaining(['enforced-bucket', 'europe-bucket', 'open-bucket']),
      );
    }
    gate.answer = (r) =>
      r.method === 'GET' && r.url.split('?')[0] === '/' ? s3Error(403, 'AccessDenied') : null;
    const denied = await services.listBuckets(target('x'));
    expect(denied).toMatchObject({ allowed: false, reason: { code: 'AccessDenied' } });
    if (!denied.allowed) expect(denied.reason.message).toMatch(/Type the bucket name/);
  });

  it('browses nested folders with Delimiter "/"', async () => {
    const where = target('open-bucket');
    expect(await services.listFolders(where, '')).toMatchObject({
      prefix: '',
      folders: ['center/', 'other/'],
      fileCount: 1,
      truncated: false,
    });
    expect(await services.listFolders(where, 'center')).toMatchObject({
      prefix: 'center/',
      folders: ['center/study-1/', 'center/study-2/'],
      fileCount: 1,
    });
    expect(await services.listFolders(where, '/center/study-1/')).toMatchObject({
      prefix: 'center/study-1/',
      folders: ['center/study-1/deep/'],
      fileCount: 1,
    });
    expect(await services.listFolders(where, 'center/study-1/deep')).toMatchObject({
      folders: [],
      fileCount: 1,
    });
    expect(await services.listFolders(where, 'nothing-here')).toMatchObject({
      folders: [],
      fileCount: 0,
    });
  });

  it('starts a new folder without writing anything', async () => {
    expect(services.newFolder('center/', 'study-3')).toEqual({
      prefix: 'center/study-3/',
      warnings: [],
    });
    expect(services.newFolder('', '2024').warnings[0]).toMatch(/starts with a digit/);
    expect(() => services.newFolder('center', 'a/b')).toThrow(/one folder at a time/);
    // A backslash is a folder separator in keys too; a name is composed, as keys are.
    expect(() => services.newFolder('center', 'a\\b')).toThrow('"a\\b" contains "\\"');
    expect(services.newFolder('center', 'cafe\u0301').prefix).toBe('center/caf\u00e9/');
    expect(() => services.newFolder('center', '..')).toThrow(/"\."/);
    expect(() => services.newFolder('center', ' ')).toThrow(/Give the new folder a name/);
    const listed = await services.listFolders(target('open-bucket'), 'center');
    expect(listed.folders).not.toContain('center/study-3/');
  });
});

describe('proxies', () => {
  it('chooses the proxy from the standard variables, and never for loopback', () => {
    const env = { HTTPS_PROXY: 'proxy.lab:3128', http_proxy: 'http://p:8080', NO_PROXY: '' };
    expect(proxyFor('https://s3.us-east-1.amazonaws.com', env)).toBe('http://proxy.lab:3128');
    expect(proxyFor('http://store.lab.org:9000', env)).toBe('http://p:8080');
    expect(proxyFor('http://127.0.0.1:9000', env)).toBeNull();
    expect(proxyFor('http://localhost:9000', env)).toBeNull();
    expect(proxyFor('http://[::1]:9000', env)).toBeNull();
    const bypass = { ...env, NO_PROXY: 'internal.org, .amazonaws.com,store.lab.org:9000' };
    expect(proxyFor('https://s3.us-east-1.amazonaws.com', bypass)).toBeNull();
    expect(proxyFor('https://x.internal.org', bypass)).toBeNull();
    expect(proxyFor('http://store.lab.org:9000', bypass)).toBeNull();
    expect(proxyFor('http://store.lab.org:9001', bypass)).toBe('http://p:8080');
    expect(proxyFor('https://a.b', { ...env, no_proxy: '*' })).toBeNull();
    expect(proxyFor('https://a.b', { ALL_PROXY: 'http://all:1' })).toBe('http://all:1');
    expect(proxyFor('https://a.b', {})).toBeNull();
  });

  it('sends S3 requests through HTTP_PROXY to an endpoint only the proxy can reach', async () => {
    const client = createS3Client(
      { endpoint: 'http://labdrop-s3.invalid', region: 'us-east-1', awsProfile: null },
      { env: { HTTP_PROXY: gate.endpoint } },
    );
    try {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: 'open-bucket', Prefix: 'other/' }),
      );
      expect(listed.Contents?.map((o) => o.Key)).toEqual(['other/b.txt']);
      expect(gate.requests[0]?.url).toMatch(/^http:\/\/labdrop-s3\.invalid\/open-bucket/);
    } finally {
      client.destroy();
    }
  });
});
