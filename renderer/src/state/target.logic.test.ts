import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type AccessReport, type SavedTarget } from '../../../shared/ipc';
import {
  accessVerdict,
  describeCredentials,
  destinationLabel,
  EMPTY_TARGET,
  folderLabel,
  initialTarget,
  needsSignIn,
  parentFolder,
  savedTargetAt,
  splitS3Url,
  targetKey,
  validateTarget,
} from './target.logic';

describe('validateTarget', () => {
  it('builds the target main expects, trimmed, with empty optional fields as null', () => {
    expect(
      validateTarget({ ...EMPTY_TARGET, bucket: ' lab-bucket ', prefix: 'center', awsProfile: '' }),
    ).toEqual({
      target: {
        bucket: 'lab-bucket',
        endpoint: null,
        region: 'us-east-1',
        awsProfile: null,
        accelerate: false,
      },
      errors: {},
    });
  });

  it('refuses Transfer Acceleration where it cannot work, and names why', () => {
    const aws = { ...EMPTY_TARGET, bucket: 'lab-bucket', accelerate: true };
    expect(validateTarget(aws).target).toMatchObject({ accelerate: true });
    const other = validateTarget({ ...aws, endpoint: 'https://s3.example.org' });
    expect(other.target).toBeNull();
    expect(other.errors.accelerate).toMatch(/feature of Amazon S3.*https:\/\/s3\.example\.org/);
    const dotted = validateTarget({ ...aws, bucket: 'lab.bucket' });
    expect(dotted.errors.accelerate).toMatch(/without periods/);
    // Turned off, the same places are fine.
    expect(
      validateTarget({ ...aws, bucket: 'lab.bucket', accelerate: false }).target,
    ).not.toBeNull();
  });

  it('explains each invalid field', () => {
    const { target, errors } = validateTarget({
      bucket: '',
      prefix: '',
      endpoint: 'ftp://example.org',
      region: 'US East',
      awsProfile: 'has space',
      accelerate: false,
    });
    expect(target).toBeNull();
    expect(errors).toEqual({
      bucket: 'Enter the bucket name.',
      endpoint: expect.stringContaining('http:// or https://'),
      region: 'A region looks like us-east-1.',
      awsProfile: expect.stringContaining('profile name'),
    });
    expect(validateTarget({ ...EMPTY_TARGET, bucket: 'x' }).errors.bucket).toContain('3 to 63');
  });
});

describe('target helpers', () => {
  it('shows the destination as the user reads it', () => {
    expect(
      destinationLabel({ ...EMPTY_TARGET, bucket: 'lab-bucket', prefix: '/center/run/' }),
    ).toBe('s3://lab-bucket/center/run/');
    expect(destinationLabel(EMPTY_TARGET)).toBe('s3://…/');
  });

  it('starts from the demo, else the last target, else empty', () => {
    const demo = {
      endpoint: 'http://127.0.0.1:4567',
      bucket: 'labdrop-demo',
      region: 'us-east-1',
      prefix: 'demo',
      sampleFolder: '/tmp/demo-study',
    };
    const last = { bucket: 'b', prefix: 'p', endpoint: '', region: 'eu-west-1', awsProfile: 'lab' };
    expect(initialTarget({ ...DEFAULT_SETTINGS, target: last }, demo)).toMatchObject({
      bucket: 'labdrop-demo',
      endpoint: 'http://127.0.0.1:4567',
      prefix: 'demo',
    });
    expect(initialTarget({ ...DEFAULT_SETTINGS, target: last }, null)).toEqual({
      ...last,
      accelerate: false,
    });
    const accelerated = { ...last, accelerate: true };
    expect(initialTarget({ ...DEFAULT_SETTINGS, target: accelerated }, null)).toEqual(accelerated);
    expect(initialTarget(null, null)).toEqual(EMPTY_TARGET);
  });

  it('keys a check result by everything that reaches the bucket, not the prefix', () => {
    const a = validateTarget({ ...EMPTY_TARGET, bucket: 'lab-bucket', prefix: 'x' }).target;
    const b = validateTarget({ ...EMPTY_TARGET, bucket: 'lab-bucket', prefix: 'y' }).target;
    const c = validateTarget({ ...EMPTY_TARGET, bucket: 'other-bucket' }).target;
    expect(targetKey(a)).toBe(targetKey(b));
    expect(targetKey(a)).not.toBe(targetKey(c));
    expect(targetKey(null)).toBe('');
  });
});

describe('the target picker helpers', () => {
  it('finds the saved target at the remembered place, the last used of several', () => {
    const place = { ...EMPTY_TARGET, bucket: 'lab-bucket', prefix: 'center/study-1' };
    const saved = (id: string, lastUsedAt: number | null, prefix = 'center/study-1/') =>
      ({
        id,
        name: id,
        bucket: 'lab-bucket',
        prefix,
        endpoint: null,
        region: 'us-east-1',
        awsProfile: null,
        synapseId: null,
        submissionProfile: 'center',
        kms: false,
        accelerate: false,
        createdAt: 1,
        lastUsedAt,
      }) satisfies SavedTarget;
    const targets = [saved('never', null), saved('used', 5), saved('other', 9, 'center/x/')];
    expect(savedTargetAt(place, targets)?.id).toBe('used');
    expect(savedTargetAt(place, [saved('never', null)])?.id).toBe('never');
    expect(savedTargetAt({ ...place, awsProfile: 'lab' }, targets)).toBeNull();
  });

  it('walks folders up to the bucket root', () => {
    expect(parentFolder('center/study-1/')).toBe('center/');
    expect(parentFolder('center/')).toBe('');
    expect(parentFolder('')).toBe('');
    expect(folderLabel('center/study-1/')).toBe('study-1');
  });

  it('says what credentials are in use without any secret', () => {
    const now = 1_000_000;
    expect(
      describeCredentials(
        {
          profile: 'lab',
          kind: 'sso',
          keyIdLast4: 'WXYZ',
          region: 'us-west-2',
          expiresAt: now + 30 * 60_000,
        },
        now,
      ),
    ).toBe('profile lab · key …WXYZ · us-west-2 · expires in 30 min');
  });

  it('knows which pauses signing in again fixes', () => {
    expect(needsSignIn({ code: 'ExpiredToken' })).toBe(true);
    expect(needsSignIn({ code: 'NoSuchBucket' })).toBe(false);
  });
});

describe('splitS3Url', () => {
  it('splits a pasted s3:// address into bucket and folder', () => {
    expect(splitS3Url('s3://lab-bucket/study-1')).toEqual({
      bucket: 'lab-bucket',
      prefix: 'study-1',
    });
    expect(splitS3Url(' s3://lab-bucket/study-1/run-2/ ')).toEqual({
      bucket: 'lab-bucket',
      prefix: 'study-1/run-2',
    });
    expect(splitS3Url('s3://lab-bucket')).toEqual({ bucket: 'lab-bucket', prefix: '' });
    expect(splitS3Url('lab-bucket')).toBeNull();
  });
});

describe('accessVerdict at the bucket root', () => {
  it('says the sync job skips it, as the review does', () => {
    const report = { ok: true, target: { bucket: 'lab-bucket', prefix: '' } } as AccessReport;
    expect(accessVerdict(report)).toContain('the sync job skips objects there');
    const inFolder = {
      ok: true,
      target: { bucket: 'lab-bucket', prefix: 'study-1' },
    } as AccessReport;
    expect(accessVerdict(inFolder)).toBe('Uploads to s3://lab-bucket/study-1/ will work.');
  });
});
