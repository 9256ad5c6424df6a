import { ListBucketsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { keyProblem, keyWarnings, normalizePrefix } from '../../shared/keys';
import type { Endpoint } from '../engine/s3-client';
import type { BucketList, FolderList } from '../../shared/targets';
import { ServiceError, toProblem } from './service-error';

/**
 * The target picker's view of S3: buckets where listing them is allowed,
 * folders (common prefixes) inside a bucket, and new folder names.
 */

export type { BucketList, FolderList } from '../../shared/targets';

export interface BrowseOptions {
  /** Most entries (folders plus files) one listing reads; default 5,000. */
  maxEntries?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_ENTRIES = 5_000;

/** Buckets the credentials may list; a refusal is an answer, not an error. */
export async function listBuckets(
  client: S3Client,
  source: Endpoint,
  options: BrowseOptions = {},
): Promise<BucketList> {
  const buckets: Array<{ name: string; region: string | null }> = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListBucketsCommand({ ContinuationToken: token }), {
        abortSignal: options.signal,
      });
      for (const bucket of page.Buckets ?? []) {
        if (bucket.Name) buckets.push({ name: bucket.Name, region: bucket.BucketRegion ?? null });
      }
      token = page.ContinuationToken;
    } while (token);
  } catch (error) {
    const problem = toProblem(error, { bucket: '', endpoint: source.endpoint });
    if (problem.code !== 'AccessDenied') throw new ServiceError(problem.code, problem.message);
    return {
      allowed: false,
      reason: {
        code: 'AccessDenied',
        message:
          'These credentials may not list buckets (usual for upload-only access). Type the bucket name the center gave you.',
      },
    };
  }
  buckets.sort((a, b) => a.name.localeCompare(b.name));
  return { allowed: true, buckets };
}

/** The sub-folders of `prefix` in `bucket` (ListObjectsV2 with Delimiter "/"). */
export async function listFolders(
  client: S3Client,
  target: Endpoint & { bucket: string },
  prefix: string,
  options: BrowseOptions = {},
): Promise<FolderList> {
  const folder = normalizePrefix(prefix);
  const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const folders: string[] = [];
  let fileCount = 0;
  let token: string | undefined;
  let truncated = false;
  try {
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: target.bucket,
          Prefix: folder || undefined,
          Delimiter: '/',
          ContinuationToken: token,
          MaxKeys: Math.min(1000, max),
        }),
        { abortSignal: options.signal },
      );
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix) folders.push(common.Prefix);
      }
      // A "folder/" marker object some tools create is the folder itself, not a file in it.
      fileCount += (page.Contents ?? []).filter((o) => o.Key !== folder).length;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (token && folders.length + fileCount >= max) {
        truncated = true;
        token = undefined;
      }
    } while (token);
  } catch (error) {
    const problem = toProblem(error, { bucket: target.bucket, endpoint: target.endpoint });
    if (problem.code === 'AccessDenied') {
      throw new ServiceError(
        'AccessDenied',
        `You may not list the folders of bucket "${target.bucket}"${folder ? ` under "${folder}"` : ''}. Type the folder the center gave you instead.`,
      );
    }
    throw new ServiceError(problem.code, problem.message);
  }
  folders.sort((a, b) => a.localeCompare(b));
  return { bucket: target.bucket, prefix: folder, folders, fileCount, truncated };
}

/**
 * The prefix of a new folder `name` inside `parent`, and what the center's
 * sync job would make of it. Nothing is written: in S3 a folder is just the
 * start of its objects' keys, and a marker object would be an object without
 * the center's grants and content-md5. The folder appears once the first
 * file is uploaded into it.
 */
export function newFolder(parent: string, name: string): { prefix: string; warnings: string[] } {
  const clean = name.trim().normalize('NFC');
  const separator = /[\\/]/.exec(clean)?.[0];
  if (clean === '' || separator) {
    throw new ServiceError(
      'BadFolderName',
      clean === ''
        ? 'Give the new folder a name.'
        : `"${clean}" contains "${separator}": create one folder at a time.`,
    );
  }
  const prefix = `${normalizePrefix(parent)}${clean}/`;
  const problem = keyProblem(`${prefix}x`);
  if (problem) throw new ServiceError('BadFolderName', problem.replace(`${prefix}x`, prefix));
  const warnings = keyWarnings(`${prefix}x`).map((w) =>
    w.code === 'leading-digit'
      ? `"${prefix}" starts with a digit; the sync job skips every file in it. Start the name with a letter.`
      : w.message.replace(`"${prefix}x"`, `"${prefix}"`),
  );
  return { prefix, warnings };
}
