import {
  HeadObjectCommand,
  ListObjectsV2Command,
  type _Object,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BucketCheck, Md5, UploadRecord } from '../../shared/types';
import { UploadFailure } from './errors';
import { mapLimited } from './limiter';
import { withRetry, type RetryOptions } from './retry';
import type { PlannedFile } from './scan';
import type { Store } from './store';
import type { Hasher } from './transfer';
import { etagIsMd5, headAnswer, isReadDenied } from './verify';

/** What the bucket has at one planned file's key. */
export type FileReview =
  /** An unfinished upload of this file already writes this key: it stands for the file. */
  | { kind: 'queued'; upload: UploadRecord }
  | { kind: 'new'; md5: Md5 | null; check: BucketCheck }
  /** The object has the file's bytes. */
  | { kind: 'identical'; md5: Md5; check: BucketCheck }
  /** An object with other bytes, or one Labdrop could not compare: kept unless the user replaces it. */
  | { kind: 'different'; md5: Md5 | null; check: BucketCheck };

export interface BucketReview {
  /** One per planned file, in the plan's order. */
  files: FileReview[];
  /** How the keys were looked up, when not by listing (the credentials may not list the bucket). */
  note: string | null;
}

export interface ReviewDeps {
  client: S3Client;
  store: Store;
  hasher: Hasher;
  /** The user-metadata key of the submission profile's content-md5. */
  md5Key: string;
  retry: Omit<RetryOptions, 'signal'>;
  signal?: AbortSignal;
  now?: () => number;
}

/** Up to this many files, each key is looked up alone rather than its whole folder listed. */
const LOOKUPS_ALONE = 20;
/** HeadObject requests and hashes at once. */
const AT_ONCE = 8;

/**
 * Looks up every planned key in the bucket before anything is sent: one
 * ListObjectsV2 of the keys' common folder, page by page (or one short
 * listing per key for a few files; HeadObject when the credentials may not
 * list), then HeadObject where the listing cannot say whether the bytes are
 * the file's. Size is compared first, so a file of another size is never
 * hashed for this; a hash recorded for the same version of the file is used
 * rather than hashed again.
 */
export async function reviewBucket(
  deps: ReviewDeps,
  place: { bucket: string; endpoint: string | null },
  files: readonly PlannedFile[],
): Promise<BucketReview> {
  const now = deps.now ?? Date.now;
  const queued = deps.store.unfinishedAt(
    place,
    files.map((f) => f.key),
  );
  const { objects, note } = await lookUp(deps, place.bucket, files);
  const checkedAt = now();
  const hashes = deps.store.knownHashes(files);
  const reviews = await mapLimited(
    files.map((file, i) => ({ file, known: hashes[i] ?? null })),
    AT_ONCE,
    async ({ file, known }): Promise<FileReview> => {
      const upload = queued.get(file.key);
      if (upload?.localPath === file.localPath) return { kind: 'queued', upload };
      const object = objects.get(file.key);
      if (!object) {
        return {
          kind: 'new',
          md5: known,
          check: checkOf('new', null, 'no object there', checkedAt),
        };
      }
      if (object.Size !== file.size) {
        const evidence = `its size is ${object.Size ?? '?'} bytes, the file's ${file.size}`;
        return {
          kind: 'different',
          md5: known,
          check: checkOf('kept', object, evidence, checkedAt),
        };
      }
      const md5 = known ?? (await hash(deps, file));
      return compare(deps, place, file, object, md5, checkedAt);
    },
  );
  return { files: reviews, note };
}

/** The objects at the planned keys, by key. */
async function lookUp(
  deps: ReviewDeps,
  bucket: string,
  files: readonly PlannedFile[],
): Promise<{ objects: Map<string, _Object>; note: string | null }> {
  const wanted = new Set(files.map((f) => f.key));
  const objects = new Map<string, _Object>();
  const list = async (prefix: string, maxKeys?: number) => {
    let token: string | undefined;
    do {
      const page = await send(deps, () =>
        deps.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: maxKeys,
          }),
          { abortSignal: deps.signal },
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && wanted.has(object.Key)) objects.set(object.Key, object);
      }
      token = maxKeys === undefined && page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  };
  try {
    if (files.length <= LOOKUPS_ALONE) {
      // The key itself sorts first among the keys it begins.
      await mapLimited(files, AT_ONCE, (file) => list(file.key, 1));
    } else {
      await list(commonFolder(files.map((f) => f.key)));
    }
    return { objects, note: null };
  } catch (error) {
    if (!isReadDenied(error)) throw error;
  }
  // May not list the bucket: each key alone.
  objects.clear();
  let unreadable = 0;
  await mapLimited(files, AT_ONCE, async (file) => {
    const head = await headOf(deps, bucket, file.key);
    if (head === 'denied') unreadable++;
    else if (head) objects.set(file.key, head);
  });
  const note =
    unreadable === 0
      ? 'These credentials may not list the bucket: each key was looked up alone.'
      : `These credentials may neither list the bucket nor read ${unreadable} of the keys: those count as new, and are written only if no object is there when they are sent.`;
  return { objects, note };
}

/** Whether the object is the file: its single-part ETag, its content-md5, or the history. */
async function compare(
  deps: ReviewDeps,
  place: { bucket: string; endpoint: string | null },
  file: PlannedFile,
  object: _Object,
  md5: Md5,
  checkedAt: number,
): Promise<FileReview> {
  const etag = object.ETag ?? null;
  if (etag && etagIsMd5(etag, md5.md5Base64)) {
    const check = checkOf('identical', object, "its ETag is the file's MD5", checkedAt);
    return { kind: 'identical', md5, check };
  }
  const head = await headOf(deps, place.bucket, file.key);
  if (head === 'denied') {
    // May not read it back: the history may know which file wrote it.
    const uploaded = etag ? deps.store.md5OfUploaded({ ...place, key: file.key, etag }) : null;
    if (uploaded === md5.md5Base64) {
      const evidence = 'Labdrop uploaded this file there (same ETag in the history)';
      return { kind: 'identical', md5, check: checkOf('identical', object, evidence, checkedAt) };
    }
    const evidence = 'these credentials may not read its content-md5 to compare';
    return { kind: 'different', md5, check: checkOf('kept', object, evidence, checkedAt) };
  }
  const contentMd5 = head?.Metadata?.[deps.md5Key] ?? null;
  const seen = { ...object, ...(head ?? {}) };
  if (contentMd5 === md5.md5Base64) {
    const evidence = "its content-md5 is the file's MD5";
    return {
      kind: 'identical',
      md5,
      check: checkOf('identical', seen, evidence, checkedAt, contentMd5),
    };
  }
  const evidence = contentMd5 ? 'its content-md5 differs' : 'it has no content-md5 to compare';
  return { kind: 'different', md5, check: checkOf('kept', seen, evidence, checkedAt, contentMd5) };
}

type Seen = Pick<_Object, 'ETag' | 'Size' | 'LastModified'> & { Metadata?: Record<string, string> };

async function headOf(
  deps: ReviewDeps,
  Bucket: string,
  Key: string,
): Promise<(Seen & { Key: string }) | null | 'denied'> {
  const head = await headAnswer(
    send(deps, () =>
      deps.client.send(new HeadObjectCommand({ Bucket, Key }), { abortSignal: deps.signal }),
    ),
  );
  if (head === null || head === 'denied') return head;
  return {
    Key,
    ETag: head.ETag,
    Size: head.ContentLength,
    LastModified: head.LastModified,
    Metadata: head.Metadata,
  };
}

function checkOf(
  verdict: BucketCheck['verdict'],
  object: Seen | null,
  evidence: string,
  checkedAt: number,
  contentMd5: string | null = null,
): BucketCheck {
  return {
    verdict,
    etag: object?.ETag ?? null,
    size: object?.Size ?? null,
    lastModified: object?.LastModified?.getTime() ?? null,
    contentMd5,
    evidence,
    checkedAt,
  };
}

async function hash(deps: ReviewDeps, file: PlannedFile): Promise<Md5> {
  const { md5Hex, md5Base64, size, mtimeMs } = await deps.hasher.hashFile(file.localPath, {
    signal: deps.signal,
    partSize: null,
  });
  if (size !== file.size || mtimeMs !== file.mtimeMs) {
    throw new UploadFailure({
      code: 'FileChanged',
      message: `${file.localPath} changed while Labdrop compared it with the bucket. Drop it again once it is written.`,
    });
  }
  return { md5Hex, md5Base64 };
}

function send<T>(deps: ReviewDeps, request: () => Promise<T>): Promise<T> {
  return withRetry(request, { ...deps.retry, signal: deps.signal });
}

/** The folder all keys are in ('' for the bucket root). */
export function commonFolder(keys: readonly string[]): string {
  let common = keys[0] ?? '';
  for (const key of keys) {
    while (!key.startsWith(common)) common = common.slice(0, -1);
  }
  return common.slice(0, common.lastIndexOf('/') + 1);
}
