import { normalizePrefix } from '../../../shared/keys';
import {
  AwsProfileName,
  BucketName,
  EndpointUrl,
  Region,
  type AppSettings,
  type DemoInfo,
  type TargetInput,
} from '../../../shared/ipc';

/** The target form as typed: every field a string. */
export interface TargetForm {
  bucket: string;
  prefix: string;
  endpoint: string;
  region: string;
  awsProfile: string;
}

export type TargetField = keyof TargetForm;

export const EMPTY_TARGET: TargetForm = {
  bucket: '',
  prefix: '',
  endpoint: '',
  region: 'us-east-1',
  awsProfile: '',
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
  if (Object.keys(errors).length > 0) return { target: null, errors };
  return {
    target: {
      bucket: form.bucket.trim(),
      endpoint: endpointText === '' ? null : endpointText,
      region: form.region.trim(),
      awsProfile: profileText === '' ? null : profileText,
    },
    errors,
  };
}

/** Where the files will go, as the user reads it: s3://bucket/prefix/. */
export function destinationLabel(form: TargetForm): string {
  const bucket = form.bucket.trim() || '…';
  return `s3://${bucket}/${normalizePrefix(form.prefix)}`;
}

/** Identifies what a check-access result was for, so an edit makes it stale. */
export function targetKey(target: TargetInput | null): string {
  return target
    ? JSON.stringify([target.bucket, target.endpoint, target.region, target.awsProfile])
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
    };
  }
  return settings?.target ? { ...settings.target } : { ...EMPTY_TARGET };
}

function firstMessage(error: { issues: ReadonlyArray<{ message: string }> }): string {
  return error.issues[0]?.message ?? 'Invalid value.';
}
