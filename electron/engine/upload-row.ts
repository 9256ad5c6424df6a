// How an upload record is kept in the uploads table of the state database (see store.ts).
import type { BucketCheck, UploadError, UploadRecord } from '../../shared/types';

/** Record field -> column. Typed as a full mapping so a new field cannot be forgotten. */
export const COLUMNS: { readonly [K in keyof UploadRecord]-?: string } = {
  id: 'id',
  localPath: 'local_path',
  size: 'size',
  mtimeMs: 'mtime_ms',
  bucket: 'bucket',
  key: 'key',
  endpoint: 'endpoint',
  region: 'region',
  awsProfile: 'aws_profile',
  accelerate: 'accelerate',
  submissionProfile: 'submission_profile',
  synapseId: 'synapse_id',
  grants: 'grants',
  partSize: 'part_size',
  uploadId: 'upload_id',
  partChecksum: 'part_checksum',
  md5Hex: 'md5_hex',
  md5Base64: 'md5_base64',
  crc32Base64: 'crc32_base64',
  status: 'status',
  requested: 'requested',
  etag: 'etag',
  versionId: 'version_id',
  verification: 'verification',
  serverCheck: 'server_check',
  encryption: 'encryption',
  bucketCheck: 'bucket_check',
  bytesUploaded: 'bytes_uploaded',
  attempts: 'attempts',
  lastError: 'last_error',
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};
export const FIELDS = Object.keys(COLUMNS) as (keyof UploadRecord)[];

export type Row = Record<string, unknown>;
export type SqlValue = string | number | null;

export function toSql(field: keyof UploadRecord, value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (field === 'lastError') {
    const { code, message } = value as UploadError;
    return JSON.stringify({ code, message });
  }
  if (field === 'bucketCheck') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SqlValue;
}

function parseError(raw: unknown): UploadError | null {
  if (typeof raw !== 'string') return null;
  try {
    const parsed = JSON.parse(raw) as Partial<UploadError>;
    return { code: String(parsed.code ?? 'Unknown'), message: String(parsed.message ?? '') };
  } catch {
    return { code: 'Unknown', message: raw };
  }
}

export function fromRow(row: Row): UploadRecord {
  const record = {} as Record<keyof UploadRecord, unknown>;
  for (const field of FIELDS) record[field] = row[COLUMNS[field]];
  record.lastError = parseError(row.last_error);
  record.accelerate = row.accelerate === 1;
  record.bucketCheck =
    typeof row.bucket_check === 'string' ? (JSON.parse(row.bucket_check) as BucketCheck) : null;
  return record as UploadRecord;
}

export type NewUpload = Omit<
  UploadRecord,
  | 'status'
  | 'requested'
  | 'etag'
  | 'versionId'
  | 'verification'
  | 'serverCheck'
  | 'bucketCheck'
  | 'encryption'
  | 'bytesUploaded'
  | 'attempts'
  | 'lastError'
  | 'startedAt'
  | 'finishedAt'
  | 'uploadId'
  | 'partChecksum'
  | 'md5Hex'
  | 'md5Base64'
  | 'crc32Base64'
  | 'createdAt'
  | 'synapseId'
  | 'accelerate'
> & { createdAt?: number; synapseId?: string | null; accelerate?: boolean };

/** A new upload's row: queued, with nothing sent yet. */
export function newRecord(rec: NewUpload): UploadRecord {
  return {
    id: rec.id,
    localPath: rec.localPath,
    size: rec.size,
    mtimeMs: rec.mtimeMs,
    bucket: rec.bucket,
    key: rec.key,
    endpoint: rec.endpoint,
    region: rec.region,
    awsProfile: rec.awsProfile,
    accelerate: rec.accelerate ?? false,
    submissionProfile: rec.submissionProfile,
    synapseId: rec.synapseId ?? null,
    grants: rec.grants,
    partSize: rec.partSize,
    uploadId: null,
    partChecksum: null,
    md5Hex: null,
    md5Base64: null,
    crc32Base64: null,
    status: 'queued',
    requested: null,
    etag: null,
    versionId: null,
    verification: null,
    serverCheck: null,
    bucketCheck: null,
    encryption: null,
    bytesUploaded: 0,
    attempts: 0,
    lastError: null,
    createdAt: rec.createdAt ?? Date.now(),
    startedAt: null,
    finishedAt: null,
  };
}
