import type { UploadRequest, UploadStatus } from './lifecycle';

export type { UploadStatus } from './lifecycle';

/**
 * How the object was checked once sent: read back (HeadObject: size,
 * `content-md5`, CRC32), or from S3's answers to the upload itself (ETag and
 * checksums) where these credentials may not read it back.
 */
export type Verification = 'read-back' | 'responses';

/**
 * The check the server applied to the bytes as they arrived: a CRC32 of each
 * part and of the whole object (echoed back by a store that checked it), the
 * Content-MD5 of the body, or none that Labdrop could see.
 */
export type ServerCheck = 'crc32' | 'content-md5' | 'none';

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
  error: UploadError | null;
}

export interface HistoryQuery {
  status?: UploadStatus;
  /** Matches local path, bucket or key. */
  search?: string;
  from?: number;
  to?: number;
  limit?: number;
}
