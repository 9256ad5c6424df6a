// Labdrop against a strict S3: credentials that may not read their uploads
// back, stores that check Content-MD5 but ignore CRC32s, and answers that
// carry no error code. The real engine against moto behind startStrictS3.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SINGLE_PUT_MAX } from '../shared/parts';
import type { UploadRecord } from '../shared/types';
import { HashPool } from '../electron/engine/hash-pool';
import type { Target, UploadQueue } from '../electron/engine/queue';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { HASH_WORKER } from './helpers/build';
import { testQueue } from './helpers/engine';
import { createBucket, startMoto, TEST_CREDENTIALS, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';
import { requestKind, startStrictS3, type StrictS3 } from './helpers/strict-s3';

/** Above the single PUT limit: a multipart upload of 4 parts. */
const BIG = SINGLE_PUT_MAX + 1234;

let moto: Moto;
let s3: StrictS3;
let pool: HashPool;
let dir: string;
let store: Store;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  moto = await startMoto();
  await createBucket(moto.endpoint, 'lab-bucket');
  pool = new HashPool({ threads: 2, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-strict-'));
  store = Store.open(join(dir, 'labdrop.db'));
  s3 = await startStrictS3(moto.endpoint);
});

afterEach(async () => {
  await s3.stop();
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const target = (): Target => ({
  bucket: 'lab-bucket',
  endpoint: s3.endpoint,
  region: 'us-east-1',
  awsProfile: null,
});

const queue = () => testQueue(store, pool, { partConcurrency: 2 });

async function upload(names: Array<[string, number]>, q: UploadQueue = queue()) {
  const paths = await Promise.all(
    names.map(([name, size], i) => writeTestFile(dir, name, size, i + 3)),
  );
  const records = await q.add(await planUpload(paths, 'strict'), target());
  await q.idle();
  return { paths, records: records.map((r) => store.getUpload(r.id) as UploadRecord) };
}

const sent = (kind: string) => s3.requests.filter((r) => requestKind(r) === kind);

/** HeadObject of an uploaded object answered as S3 answers an owner without READ. */
const denyReadBack = () => {
  s3.bare = (r) => (requestKind(r) === 'HeadObject' ? 403 : null);
};

describe('credentials that may not read their uploads back', () => {
  it('end done, verified from S3’s answers, for a single PUT and a multipart upload', async () => {
    denyReadBack();
    const { paths, records } = await upload([
      ['small.txt', 70_000],
      ['big.bin', BIG],
    ]);
    // The single PUT is verified by its answer's ETag and never read back.
    expect(records.map((r) => [r.status, r.verification, r.lastError])).toEqual([
      ['done', 'put-answer', null],
      ['done', 'responses', null],
    ]);
    expect(records.map((r) => r.serverCheck)).toEqual(['content-md5', 'content-md5']);
    expect(sent('HeadObject').map((r) => r.url)).toEqual([
      expect.stringContaining('strict/big.bin'),
    ]);
    s3.bare = null;
    await expectObjectMatches(moto.endpoint, 'lab-bucket', 'strict/small.txt', paths[0] as string);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', 'strict/big.bin', paths[1] as string);
  });

  it('are not uploaded again when a retry finds the object completed but not verified', async () => {
    // S3 completed the uploads; their verification failed (the store could
    // not answer HeadObject then).
    s3.bare = (r) => (requestKind(r) === 'HeadObject' ? 501 : null);
    const { records } = await upload([['once.bin', BIG]]);
    expect(records.map((r) => r.status)).toEqual(['failed']);
    denyReadBack();
    const before = s3.requests.length;
    const again = queue();
    for (const record of records) expect(again.retryUpload(record.id)).toBe(true);
    await again.idle();
    for (const record of records) {
      expect(store.getUpload(record.id)).toMatchObject({
        status: 'done',
        verification: 'responses',
      });
    }
    const kinds = s3.requests.slice(before).map(requestKind);
    const sending = ['PutObject', 'UploadPart', 'CreateMultipartUpload'];
    expect(kinds.filter((k) => sending.includes(k))).toEqual([]);
  });
});

describe('a single PUT verified by its answer', () => {
  it('needs no read-back where the ETag is the file’s MD5: one request per file', async () => {
    const { paths, records } = await upload([
      ['one.txt', 70_000],
      ['two.txt', 1],
    ]);
    expect(records.map((r) => [r.status, r.verification, r.serverCheck])).toEqual([
      ['done', 'put-answer', 'content-md5'],
      ['done', 'put-answer', 'content-md5'],
    ]);
    expect(s3.requests.filter((r) => r.url.includes('/strict/')).map(requestKind)).toEqual([
      'PutObject',
      'PutObject',
    ]);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', 'strict/one.txt', paths[0] as string);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', 'strict/two.txt', paths[1] as string);
  });

  it('reads the object back where the ETag is not the MD5 (SSE-KMS), and fails if it differs', async () => {
    s3.etag = (r) => (requestKind(r) === 'PutObject' ? '"8f1e2a3b4c5d6e7f8091a2b3c4d5e6f7"' : null);
    const { paths, records } = await upload([['kms.txt', 70_000]]);
    expect(records[0]).toMatchObject({ status: 'done', verification: 'read-back' });
    expect(sent('HeadObject')).toHaveLength(1);
    await expectObjectMatches(moto.endpoint, 'lab-bucket', 'strict/kms.txt', paths[0] as string);
    // Where it may not be read back either, the answer cannot vouch for it.
    denyReadBack();
    const { records: blind } = await upload([['kms-blind.txt', 70_000]]);
    expect(blind[0]?.status).toBe('failed');
    expect(blind[0]?.lastError?.message).toMatch(/may not read .* back, and S3's answers/);
  });
});

describe('a store that ignores CRC32 checksums', () => {
  it('keeps CRC32 alone where the store checks it (it echoes the checksum)', async () => {
    s3.echoCrc32 = true;
    const { records } = await upload([['echoed.bin', BIG]]);
    expect(records[0]).toMatchObject({ status: 'done', serverCheck: 'crc32' });
    const parts = sent('UploadPart');
    expect(parts).toHaveLength(4);
    for (const part of parts) {
      expect(part.headers['x-amz-checksum-crc32']).toBeTruthy();
      expect(part.headers['content-md5']).toBeUndefined();
    }
  });

  it('sends Content-MD5 with every later part, for this endpoint and its later uploads', async () => {
    const { records } = await upload([['first.bin', BIG]]);
    expect(records[0]).toMatchObject({ status: 'done', serverCheck: 'content-md5' });
    const parts = sent('UploadPart');
    // The first answers tell: no checksum echoed. From then on, Content-MD5.
    const withMd5 = parts.filter((p) => typeof p.headers['content-md5'] === 'string');
    expect(withMd5.length).toBeGreaterThanOrEqual(parts.length - 2);
    expect(withMd5.length).toBeLessThan(parts.length);

    s3.requests.length = 0;
    await upload([['later.bin', BIG]]);
    for (const part of sent('UploadPart')) expect(part.headers['content-md5']).toBeTruthy();
  });

  it('has a part damaged on the way refused (BadDigest) and sent again', async () => {
    await upload([['learn.bin', BIG]]); // the endpoint is known to ignore CRC32s now
    s3.requests.length = 0;
    let damaged = 0;
    s3.corrupt = (r) =>
      requestKind(r) === 'UploadPart' && r.url.includes('partNumber=2') && damaged++ === 0;
    const { paths, records } = await upload([['damaged.bin', BIG]]);
    expect(records[0]?.status).toBe('done');
    const second = sent('UploadPart').filter((r) => r.url.includes('partNumber=2'));
    expect(second.map((r) => r.status)).toEqual([400, 200]);
    await expectObjectMatches(
      moto.endpoint,
      'lab-bucket',
      'strict/damaged.bin',
      paths[0] as string,
    );
  });
});

describe('answers without an error code', () => {
  const kinds = ['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'PutObject'];
  const expected: Record<number, RegExp> = {
    403: /^Access denied .* \((\w+), HTTP 403\): these credentials lack s3:\w+/,
    404: /^(\w+) of ".*" found nothing in .* \(HTTP 404\)/,
    501: /does not support (\w+) \(HTTP 501\)/,
  };
  for (const status of [403, 404, 501]) {
    it(`a bare ${status} names the request, the bucket and the key, for each request`, async () => {
      for (const kind of kinds) {
        s3.bare = (r) => (requestKind(r) === kind ? status : null);
        const size = kind === 'PutObject' ? 1000 : BIG;
        const { records } = await upload([[`${kind}-${status}.bin`, size]]);
        const record = records[0] as UploadRecord;
        expect(record.status, kind).toBe('failed');
        const message = record.lastError?.message ?? '';
        expect(message, kind).toMatch(expected[status] as RegExp);
        expect(message, kind).toContain(kind);
        expect(message, kind).toContain('lab-bucket');
        expect(message, kind).toContain(record.key);
        expect(message, kind).not.toMatch(/Unknown/);
      }
    });
  }

  it('a bare 403 or 501 to HeadObject: read-back denied ends done, an unsupported one fails named', async () => {
    s3.bare = (r) => (requestKind(r) === 'HeadObject' ? 501 : null);
    const { records } = await upload([['head-501.bin', BIG]]);
    expect(records[0]?.status).toBe('failed');
    expect(records[0]?.lastError?.message).toMatch(/does not support HeadObject \(HTTP 501\)/);
  });
});
