import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectAclCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { CENTER_PROFILE } from '../../shared/profile';
import { testClient } from './moto';

/** Deterministic bytes that differ by seed, so a misplaced part shows. */
export function testBytes(size: number, seed = 1): Buffer {
  const buf = Buffer.alloc(Math.ceil(size / 4) * 4);
  let x = seed * 2654435761;
  for (let i = 0; i < buf.length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf.writeUInt32LE(x, i);
  }
  return buf.subarray(0, size);
}

export async function writeTestFile(dir: string, name: string, size: number, seed = 1) {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, testBytes(size, seed));
  return path;
}

export async function readObject(endpoint: string, bucket: string, key: string): Promise<Buffer> {
  const res = await testClient(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = res.Body as { transformToByteArray(): Promise<Uint8Array> };
  return Buffer.from(await body.transformToByteArray());
}

/**
 * What a user checks in the bucket: the same bytes, `content-md5` equal to an
 * independently computed MD5, and full control for the center (moto's
 * GetObjectAcl lists only the first grantee of a grant header).
 */
export async function expectObjectMatches(
  endpoint: string,
  bucket: string,
  key: string,
  localPath: string,
): Promise<void> {
  const local = await readFile(localPath);
  const client = testClient(endpoint);
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  expect(head.ContentLength).toBe(local.length);
  expect(head.Metadata?.['content-md5']).toBe(createHash('md5').update(local).digest('base64'));
  expect((await readObject(endpoint, bucket, key)).equals(local)).toBe(true);
  const acl = await client.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
  const fullControl = (acl.Grants ?? []).filter((g) => g.Permission === 'FULL_CONTROL');
  expect(fullControl.map((g) => g.Grantee?.ID)).toContain(CENTER_PROFILE.fullControlIds[0]);
}
