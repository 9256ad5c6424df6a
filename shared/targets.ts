/**
 * What the main process's credential and target services answer (see
 * electron/services/), and so what the window, the CLI and the logs may know:
 * never a secret, never a whole access key ID.
 */

/** `{ code, message }`: what the UI shows and what a lab technician acts on. */
export interface Problem {
  code: string;
  message: string;
}

/** The kind of a profile in ~/.aws, by the settings it has. */
export type AwsProfileKind = 'keys' | 'sso' | 'assume-role' | 'process' | 'web-identity' | 'other';

/** Where a profile's credentials come from. */
export type CredentialKind = AwsProfileKind | 'app-keys' | 'environment' | 'default-chain';

/** A choice for the credential picker. `name: null` is the default chain. */
export interface CredentialChoice {
  name: string | null;
  /** `aws-config`: ~/.aws; `app`: keys stored by Labdrop; `default`: the standard chain. */
  source: 'aws-config' | 'app' | 'default';
  kind: CredentialKind;
  region: string | null;
  /** Known without resolving only for keys stored by the app. */
  keyIdLast4: string | null;
}

/** What the UI, the CLI and the logs may know about credentials in use. */
export interface CredentialSummary {
  profile: string | null;
  kind: CredentialKind;
  keyIdLast4: string | null;
  region: string | null;
  /** Epoch ms; null for long-term keys. */
  expiresAt: number | null;
}

export interface StoredKeysSummary {
  name: string;
  keyIdLast4: string;
  region: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Where a check looks: a bucket, a folder in it, and how to reach it. */
export interface AccessTarget {
  bucket: string;
  /** Folder in the bucket; '' for the root. */
  prefix: string;
  /** S3-compatible endpoint URL; null for AWS S3. */
  endpoint: string | null;
  region: string;
  awsProfile: string | null;
  /** Through S3 Transfer Acceleration's endpoint (see accelerationProblem). */
  accelerate?: boolean;
}

/**
 * Why uploads to `target` cannot go through S3 Transfer Acceleration, or
 * null when they can. It is AWS's own edge network, reached at
 * BUCKET.s3-accelerate.amazonaws.com: a bucket name that is not one DNS
 * label (periods, capitals, underscores) cannot be there, and an
 * S3-compatible store has no such endpoint.
 */
export function accelerationProblem(target: {
  endpoint: string | null;
  bucket: string;
}): string | null {
  if (target.endpoint) {
    return `S3 Transfer Acceleration is a feature of Amazon S3; ${target.endpoint} is another endpoint. Turn acceleration off for it.`;
  }
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(target.bucket)) {
    return `S3 Transfer Acceleration needs a bucket name without periods (a single DNS label); "${target.bucket}" cannot use it. Turn acceleration off for it.`;
  }
  return null;
}

export interface Identity {
  account: string | null;
  arn: string | null;
}

export type AccessStepName =
  | 'credentials'
  | 'network'
  | 'identity'
  | 'bucket'
  | 'ownership'
  | 'acceleration'
  | 'write'
  | 'encryption'
  | 'conditional'
  | 'verify';
/** `unknown`: the check could not tell (e.g. not allowed to ask); a later step decides. */
export type AccessStepStatus = 'ok' | 'failed' | 'unknown' | 'skipped';

export interface AccessStep {
  step: AccessStepName;
  status: AccessStepStatus;
  message: string;
}

/** What "Check access" found, step by step; `ok` only when an upload there would succeed. */
export interface AccessReport {
  ok: boolean;
  target: AccessTarget;
  /** The bucket's own region, from HeadBucket; uploads must use it. Null when S3 did not say. */
  bucketRegion: string | null;
  credentials: CredentialSummary | null;
  identity: Identity | null;
  steps: AccessStep[];
  /** The first thing that stops uploads there (ACLs disabled: AccessControlListNotSupported); null when ok. */
  problem: Problem | null;
  /** Things worth knowing that do not stop uploads. */
  warnings: string[];
}

export type BucketList =
  | { allowed: true; buckets: Array<{ name: string; region: string | null }> }
  /** Listing buckets is not allowed (usual for upload-only access): type the bucket name. */
  | { allowed: false; reason: Problem };

export interface FolderList {
  bucket: string;
  /** The folder listed, normalised ('' or ending in '/'). */
  prefix: string;
  /** Full prefixes of the sub-folders, each ending in '/', sorted. */
  folders: string[];
  /** Objects directly in this folder (counted up to the listing cap). */
  fileCount: number;
  /** More folders or files exist than were listed. */
  truncated: boolean;
}

/** A place uploads go, saved so nobody guesses a bucket name twice. */
export interface SavedTarget {
  id: string;
  /** What the picker and `labdrop targets` show; unique. */
  name: string;
  bucket: string;
  /** Folder in the bucket: '' or ending in '/'. */
  prefix: string;
  /** S3-compatible endpoint URL; null for AWS S3. */
  endpoint: string | null;
  region: string;
  /** AWS profile or stored keys' name; null for the default chain. */
  awsProfile: string | null;
  /** The Synapse folder (syn…) the center syncs this folder into: a label for the history. */
  synapseId: string | null;
  /** The submission profile uploads there use. */
  submissionProfile: string;
  /**
   * The bucket encrypts with SSE-KMS, as the center says: every file goes
   * multipart there even where these credentials may not read the bucket's
   * encryption (see sendsMultipart in shared/parts.ts).
   */
  kms: boolean;
  /** Uploads go through S3 Transfer Acceleration (see accelerationProblem). */
  accelerate: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}
