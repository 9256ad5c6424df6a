import { normalizePrefix } from '../../../shared/keys';
import { accelerationProblem } from '../../../shared/targets';
import {
  AwsProfileName,
  BucketName,
  EndpointUrl,
  Region,
  type AccessReport,
  type AppSettings,
  type CredentialSummary,
  type DemoInfo,
  type SavedTarget,
  type TargetInput,
} from '../../../shared/ipc';

/** The target form as typed: every field a string. */
export interface TargetForm {
  bucket: string;
  prefix: string;
  endpoint: string;
  region: string;
  awsProfile: string;
  /** Through S3 Transfer Acceleration (see accelerationProblem). */
  accelerate: boolean;
}

export type TargetField = keyof TargetForm;
/** The fields typed as text. */
export type TextField = Exclude<TargetField, 'accelerate'>;

export const EMPTY_TARGET: TargetForm = {
  bucket: '',
  prefix: '',
  endpoint: '',
  region: 'us-east-1',
  awsProfile: '',
  accelerate: false,
};

export interface TargetValidation {
  /** Set when every field is valid. */
  target: TargetInput | null;
  errors: Partial<Record<TargetField, string>>;
}

/** Validates the form with the contract's own schemas (main checks again). */
export function validateTarget(form: TargetForm): TargetValidation {
  const errors: Partial<Record<TargetField, string>> = {};
  const bucket = BucketName.safeParse(form.bucket);
  if (!bucket.success) {
    errors.bucket =
      form.bucket.trim() === '' ? 'Enter the bucket name.' : firstMessage(bucket.error);
  }
  const endpointText = form.endpoint.trim();
  const endpoint = endpointText === '' ? null : EndpointUrl.safeParse(endpointText);
  if (endpoint && !endpoint.success) errors.endpoint = firstMessage(endpoint.error);
  const region = Region.safeParse(form.region);
  if (!region.success) errors.region = firstMessage(region.error);
  const profileText = form.awsProfile.trim();
  const profile = profileText === '' ? null : AwsProfileName.safeParse(profileText);
  if (profile && !profile.success) errors.awsProfile = firstMessage(profile.error);
  const cannotAccelerate = form.accelerate
    ? accelerationProblem({ endpoint: endpointText || null, bucket: form.bucket.trim() })
    : null;
  if (cannotAccelerate && !errors.bucket && !errors.endpoint) errors.accelerate = cannotAccelerate;
  if (Object.keys(errors).length > 0) return { target: null, errors };
  return {
    target: {
      bucket: form.bucket.trim(),
      endpoint: endpointText === '' ? null : endpointText,
      region: form.region.trim(),
      awsProfile: profileText === '' ? null : profileText,
      accelerate: form.accelerate,
    },
    errors,
  };
}

/** Where the files will go, as the user reads it: s3://bucket/prefix/. */
export function destinationLabel(form: TargetForm): string {
  const bucket = form.bucket.trim() || '…';
  return `s3://${bucket}/${normalizePrefix(form.prefix)}`;
}

/**
 * Identifies what a check-access result or a listing was for, so an edit
 * makes it stale. The prefix counts: the check writes (and aborts) there.
 */
export function targetKey(target: TargetInput | null, prefix?: string): string {
  return target
    ? JSON.stringify([
        target.bucket,
        target.endpoint,
        target.region,
        target.awsProfile,
        target.accelerate === true,
        prefix === undefined ? null : normalizePrefix(prefix),
      ])
    : '';
}

/** The form at start: the demo's target, else the last one used, else empty. */
export function initialTarget(settings: AppSettings | null, demo: DemoInfo | null): TargetForm {
  if (demo) {
    return {
      bucket: demo.bucket,
      prefix: demo.prefix,
      endpoint: demo.endpoint,
      region: demo.region,
      awsProfile: '',
      accelerate: false,
    };
  }
  return settings?.target
    ? { ...settings.target, accelerate: settings.target.accelerate ?? false }
    : { ...EMPTY_TARGET };
}

function firstMessage(error: { issues: ReadonlyArray<{ message: string }> }): string {
  return error.issues[0]?.message ?? 'Invalid value.';
}

/** The form filled from a saved target. */
export function formFromSaved(saved: SavedTarget): TargetForm {
  return {
    bucket: saved.bucket,
    prefix: saved.prefix,
    endpoint: saved.endpoint ?? '',
    region: saved.region,
    awsProfile: saved.awsProfile ?? '',
    accelerate: saved.accelerate,
  };
}

/** Whether the form still says what the saved target says (prefix compared normalised). */
export function matchesSaved(form: TargetForm, saved: SavedTarget): boolean {
  return (
    form.bucket.trim() === saved.bucket &&
    normalizePrefix(form.prefix) === saved.prefix &&
    form.endpoint.trim() === (saved.endpoint ?? '') &&
    form.region.trim() === saved.region &&
    form.awsProfile.trim() === (saved.awsProfile ?? '') &&
    form.accelerate === saved.accelerate
  );
}

/**
 * The saved target the form is at, the most recently used one when several
 * are at the same place. Main remembers the last place uploaded to, not which
 * saved target it was, so after a restart the choice is found again by place.
 */
export function savedTargetAt(form: TargetForm, saved: readonly SavedTarget[]): SavedTarget | null {
  let found: SavedTarget | null = null;
  for (const candidate of saved) {
    if (!matchesSaved(form, candidate)) continue;
    if (!found || (candidate.lastUsedAt ?? -1) > (found.lastUsedAt ?? -1)) found = candidate;
  }
  return found;
}

/** The folder above `prefix` ('' at the bucket root). */
export function parentFolder(prefix: string): string {
  const clean = normalizePrefix(prefix);
  const parts = clean.split('/').filter(Boolean);
  parts.pop();
  return parts.length ? `${parts.join('/')}/` : '';
}

/** The last part of a folder prefix: `a/b/` -> `b`. */
export function folderLabel(prefix: string): string {
  return prefix.split('/').filter(Boolean).pop() ?? prefix;
}

/**
 * The access report's one-line verdict, for the target card. At the bucket
 * root it says what the review says (shared/keys.ts): access is not all.
 */
export function accessVerdict(report: AccessReport): string {
  const prefix = normalizePrefix(report.target.prefix);
  const where = `s3://${report.target.bucket}/${prefix}`;
  if (!report.ok) return report.problem?.message ?? `Uploads to ${where} would fail.`;
  return prefix === ''
    ? `Uploads to ${where} will work, but that is the bucket root: the sync job skips objects there. Choose a folder.`
    : `Uploads to ${where} will work.`;
}

/**
 * A pasted S3 address (`s3://lab-bucket/study-1`) as bucket and folder, or
 * null when `value` is not one.
 */
export function splitS3Url(value: string): { bucket: string; prefix: string } | null {
  const match = /^\s*s3:\/\/([^/\s]+)\/?(\S*?)\/*\s*$/i.exec(value);
  if (!match) return null;
  return { bucket: match[1] as string, prefix: match[2] as string };
}

/** What a credential summary may say: a name, the key's last four characters, region, expiry. */
export function credentialParts(summary: CredentialSummary, now = Date.now()): string[] {
  const parts = [
    summary.profile ? `profile ${summary.profile}` : 'default credentials',
    summary.keyIdLast4 ? `key …${summary.keyIdLast4}` : null,
    summary.region,
    summary.expiresAt !== null
      ? summary.expiresAt > now
        ? `expires in ${Math.max(1, Math.round((summary.expiresAt - now) / 60_000))} min`
        : 'expired'
      : null,
  ];
  return parts.filter((part): part is string => Boolean(part));
}

export function describeCredentials(summary: CredentialSummary, now = Date.now()): string {
  return credentialParts(summary, now).join(' · ');
}

/** Codes of an `uploads:attention` that signing in again fixes. */
export function needsSignIn(error: { code: string }): boolean {
  return ['ExpiredToken', 'NoCredentials', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(
    error.code,
  );
}
