import type { UploadRequest, UploadStatus } from './lifecycle';

export type { UploadStatus } from './lifecycle';

/**
 * How the object was checked once sent: read back (HeadObject: size,
 * `content-md5`, CRC32); from S3's answers to the upload itself (ETag and
 * checksums) where these credentials may not read it back; or, for a single
 * PutObject, from its answer's ETag, the file's MD5 (see verifiedFromPutAnswer).
 */
export type Verification = 'read-back' | 'responses' | 'put-answer';

/**
 * The check the server applied to the bytes as they arrived: a CRC32 of each
 * part and of the whole object (echoed back by a store that checked it), the
 * Content-MD5 of the body, or none that Labdrop could see.
 */
export type ServerCheck = 'crc32' | 'content-md5' | 'none';

/** A file's MD5: hex (S3's ETag of a single PUT) and base64 (the content-md5 metadata). */
export interface Md5 {
  md5Hex: string;
  md5Base64: string;
}

/**
 * What the review found at a file's key before anything was sent, and what
 * was decided (see electron/engine/bucket-review.ts):
 * - new: no object there; the upload writes only while there still is none
 *   (If-None-Match: *);
 * - identical: the object has the file's bytes; the file is skipped;
 * - kept: an object with other bytes (or that could not be compared) stays,
 *   as the user chose; the file is skipped;
 * - replace: the user chose to replace it, only while it is still the
 *   version seen (If-Match: its ETag).
 */
export interface BucketCheck {
  verdict: 'new' | 'identical' | 'kept' | 'replace';
  /** The object seen (null when there was none, or for what was not read). */
  etag: string | null;
  size: number | null;
  lastModified: number | null;
  contentMd5: string | null;
  /** Why it counts as identical or different, in a few words for the history. */
  evidence: string;
  checkedAt: number;
}

export interface UploadError {
  /** Stable machine code, e.g. AccessDenied, NoSuchBucket, FileChanged. */
  code: string;
  /** What happened and what to do, for a lab technician. */
  message: string;
}

/** One file's upload: its resumable state and its history row. */
export interface UploadRecord {
  id: string;
  localPath: string;
  size: number;
  mtimeMs: number;
  bucket: string;
  key: string;
  endpoint: string | null;
  region: string;
  /** Named AWS profile the credentials came from; null for the default chain. */
  awsProfile: string | null;
  /** Sent through S3 Transfer Acceleration; a resume goes the same way. */
  accelerate: boolean;
  /** Submission profile (see shared/profile.ts) whose grants were applied. */
  submissionProfile: string;
  /** The Synapse folder (syn…) the saved target names: a label for the history. */
  synapseId: string | null;
  /** The x-amz-grant-full-control value sent with the object. */
  grants: string;
  partSize: number;
  uploadId: string | null;
  /**
   * How the open multipart upload's parts are checked: 'crc32' (each part's
   * x-amz-checksum-crc32, and the whole object's CRC32 at completion);
   * 'crc32+md5' where the store ignores CRC32s (Content-MD5 too); null for
   * none yet, or one begun before Labdrop sent CRC32s (Content-MD5).
   */
  partChecksum: 'crc32' | 'crc32+md5' | null;
  md5Hex: string | null;
  md5Base64: string | null;
  /** The whole file's CRC32 (base64), which S3 checked the completed object against. */
  crc32Base64: string | null;
  status: UploadStatus;
  /** A pause or cancel asked by another process, for the one uploading it to carry out. */
  requested: UploadRequest | null;
  etag: string | null;
  versionId: string | null;
  /** How the object was verified once done (see Verification). */
  verification: Verification | null;
  /** The check the server applied to the bytes (see ServerCheck). */
  serverCheck: ServerCheck | null;
  /** The bucket's default encryption when the file was added (null: none, or not readable); see sendsMultipart. */
  encryption: string | null;
  /** What the review found at the key (null for uploads added before Labdrop looked). */
  bucketCheck: BucketCheck | null;
  bytesUploaded: number;
  attempts: number;
  lastError: UploadError | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A live view of one file, streamed to the CLI display and the renderer. */
export interface UploadProgress {
  id: string;
  localPath: string;
  bucket: string;
  key: string;
  size: number;
  status: UploadStatus;
  hashedBytes: number;
  uploadedBytes: number;
  /** Bytes per second over the last few seconds. */
  speed: number;
  /** The bandwidth limit (bytes per second) holding this upload back now, if one is. */
  heldTo: number | null;
  error: UploadError | null;
  /** Why a skipped file was not sent: the bucket has it, or the user kept the bucket's other version. */
  skipped: SkipReason | null;
}

export type SkipReason = 'identical' | 'kept';

export interface HistoryQuery {
  status?: UploadStatus;
  /** Matches local path, bucket or key. */
  search?: string;
  from?: number;
  to?: number;
  limit?: number;
  /** Only the rows after this one in the history's order: the next page (keyset, never an offset). */
  after?: HistoryCursor;
}

/**
 * Where a page of the history ends: its last row's place in the history's
 * order (newest first: createdAt, then the row's insertion order, rowid,
 * which breaks ties between uploads added in the same millisecond).
 */
export interface HistoryCursor {
  createdAt: number;
  rowid: number;
}

/** How many uploads match a history query, or at least how many when counting them all would cost too much. */
export interface HistoryTotal {
  count: number;
  /** False: `count` uploads were counted and there are more. */
  exact: boolean;
}

/** A page of the history, newest first. */
export interface HistoryPage {
  rows: UploadRecord[];
  /** Where the next page starts; null when these were the last matching rows. */
  next: HistoryCursor | null;
  /** Counted on a first page (no `after`); null on the pages after it. */
  total: HistoryTotal | null;
}
