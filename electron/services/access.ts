import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketOwnershipControlsCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { normalizePrefix } from '../../shared/keys';
import { isKms } from '../../shared/parts';
import { grantFullControlHeader, type SubmissionProfile } from '../../shared/profile';
import { UploadFailure } from '../engine/errors';
import { describeRoutes, routesFor, trustFor, type NetworkOptions } from '../engine/network';
import { accelerationRefusal, bucketAcceleration, bucketEncryption } from '../engine/preflight';
import { PREFLIGHT_RETRY } from '../engine/retry';
import { createRequestHandler, serviceUrl, type Endpoint } from '../engine/s3-client';
import type {
  AccessReport,
  AccessStepName,
  AccessStepStatus,
  AccessTarget,
  CredentialSummary,
  Identity,
  Problem,
} from '../../shared/targets';
import { accelerationProblem } from '../../shared/targets';
import type { CredentialService } from './credentials';
import { toProblem } from './service-error';

export type { AccessReport, AccessStep, AccessTarget, Identity } from '../../shared/targets';

export interface AccessDeps {
  credentials: CredentialService;
  /** The same clients the queue uses (see createServices). */
  clientFor(endpoint: Endpoint): S3Client;
  profile: SubmissionProfile;
  /** The clients' proxies and CAs (see network.ts): the check's own STS requests and its report use them. */
  network?: NetworkOptions;
  /** Per request; the check never waits longer for one answer. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** base64 of the MD5 of nothing: the probe's content-md5, as the rule requires on every upload. */
const EMPTY_MD5_BASE64 = '1B2M2Y8AsgTpgAmY7PhCfg==';

interface ErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

export interface WhoAmI {
  credentials: CredentialSummary;
  /** Null when the endpoint would not say (an S3-compatible store without STS); see `problem`. */
  identity: Identity | null;
  problem: Problem | null;
}

/**
 * Who the credentials of `source` belong to (STS GetCallerIdentity, at the
 * custom endpoint when there is one), with a summary of them. Credentials
 * that do not work throw an explained UploadFailure.
 */
export async function whoami(
  source: Endpoint,
  deps: Pick<AccessDeps, 'credentials' | 'network' | 'timeoutMs'>,
): Promise<WhoAmI> {
  const credentials = await deps.credentials.summary(source.awsProfile);
  const answer = await callerIdentity(source, deps, credentials);
  if ('identity' in answer) return { credentials, identity: answer.identity, problem: null };
  return {
    credentials,
    identity: null,
    problem: {
      code: 'IdentityUnknown',
      message: `${source.endpoint ?? 'AWS'} did not say who these credentials belong to (${answer.unknown})${source.endpoint ? '; S3-compatible stores often have no STS' : ''}.`,
    },
  };
}

/**
 * STS GetCallerIdentity. Credentials that do not work throw an explained
 * UploadFailure; an endpoint that cannot answer (no STS, unreachable) gives
 * the reason instead.
 */
async function callerIdentity(
  source: Endpoint,
  deps: Pick<AccessDeps, 'credentials' | 'network' | 'timeoutMs'>,
  credentials: CredentialSummary,
): Promise<{ identity: Identity } | { unknown: string }> {
  const sts = new STSClient({
    region: source.region,
    ...(source.endpoint ? { endpoint: source.endpoint } : {}),
    credentials: deps.credentials.providerFor(source.awsProfile),
    maxAttempts: 2,
    requestHandler: createRequestHandler({
      ...deps.network,
      awsProfile: source.awsProfile,
      maxSockets: 2,
    }),
  });
  try {
    const answer = await sts.send(new GetCallerIdentityCommand({}), {
      abortSignal: AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    return { identity: { account: answer.Account ?? null, arn: answer.Arn ?? null } };
  } catch (error) {
    const name = errorName(error);
    if (CREDENTIAL_ERRORS.has(name)) throw new UploadFailure(credentialProblem(name, credentials));
    return { unknown: (error as { code?: string }).code ?? name };
  } finally {
    sts.destroy();
  }
}

/**
 * "Check access", before the first byte: who am I; does the bucket exist and
 * in which region; can it take the center's full-control grants (ACLs
 * disabled is the usual reason it cannot); may these credentials create an
 * object there with those grants and the content-md5 metadata. The last is
 * tried for real with a multipart upload that is aborted at once: no object
 * is ever created, so nothing is left behind and the center's sync job sees
 * nothing.
 */
export async function checkAccess(target: AccessTarget, deps: AccessDeps): Promise<AccessReport> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = () => AbortSignal.timeout(timeoutMs);
  const where = target.endpoint
    ? `bucket "${target.bucket}" at ${target.endpoint}`
    : `bucket "${target.bucket}"`;
  const context = { bucket: target.bucket, endpoint: target.endpoint };
  const report: AccessReport = {
    ok: false,
    target,
    bucketRegion: null,
    credentials: null,
    identity: null,
    steps: [],
    problem: null,
    warnings: [],
  };
  const step = (name: AccessStepName, status: AccessStepStatus, message: string) =>
    report.steps.push({ step: name, status, message });
  const stop = (name: AccessStepName, problem: Problem): AccessReport => {
    step(name, 'failed', problem.message);
    report.problem = problem;
    return report;
  };

  // 1. Credentials: resolved here so an expired sign-in is said first and plainly.
  try {
    report.credentials = await deps.credentials.summary(target.awsProfile);
    step('credentials', 'ok', describeCredentials(report.credentials));
  } catch (error) {
    return stop('credentials', toProblem(error, context));
  }

  // 2. How Labdrop reaches the endpoint: a CA bundle that cannot be read, or
  // a proxy that cannot be used, stops every request, so it is said first.
  const url = serviceUrl(target, 's3');
  const trust = trustFor(target.awsProfile, deps.network);
  if (trust.problem) return stop('network', trust.problem);
  try {
    const routes = await routesFor(url, deps.network);
    const by = deps.network?.resolveProxy ? "the system's proxy settings" : 'the proxy variables';
    step(
      'network',
      'ok',
      `Trusting ${trust.source}. ${url} is reached ${describeRoutes(routes)} (${by}).`,
    );
  } catch (error) {
    return stop('network', toProblem(error, context));
  }

  // 3. Who am I. An S3-compatible store may have no STS: then nobody can say.
  try {
    const answer = await callerIdentity(target, deps, report.credentials);
    if ('identity' in answer) {
      report.identity = answer.identity;
      step('identity', 'ok', `Signed in as ${answer.identity.arn ?? 'an unnamed identity'}.`);
    } else {
      step(
        'identity',
        'unknown',
        `${target.endpoint ?? 'AWS'} did not say who you are (${answer.unknown}); the checks below decide.`,
      );
    }
  } catch (error) {
    return stop('identity', toProblem(error, context));
  }

  // 4. The bucket, and its region: a client in the wrong region is refused by AWS.
  // Asked of the regional endpoint: the accelerated one refuses everything
  // while the bucket has acceleration off (step 6 says so).
  let client = deps.clientFor({ ...target, accelerate: false });
  let region = target.region;
  try {
    const head = await headBucket(client, target.bucket, signal);
    region = head.region ?? region;
    report.bucketRegion = head.region;
    if (region !== target.region) client = deps.clientFor({ ...target, region, accelerate: false });
    if (head.forbidden) {
      step(
        'bucket',
        'unknown',
        `You may not look at ${where} as a whole (common for upload-only access); the write check decides.`,
      );
    } else {
      step(
        'bucket',
        'ok',
        `The ${where} exists${head.region ? ` in ${head.region}` : ''}.${region !== target.region ? ` Uploads there must use region ${region}, not ${target.region}.` : ''}`,
      );
    }
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') {
      return stop('bucket', {
        code: 'NoSuchBucket',
        message: `The bucket "${target.bucket}" does not exist${target.endpoint ? ` at ${target.endpoint}` : ''}. Check the bucket name the center gave you.`,
      });
    }
    return stop('bucket', toProblem(error, context));
  }
  if (region !== target.region) {
    report.warnings.push(
      `The bucket "${target.bucket}" is in ${region}; Labdrop uses that region for it, not ${target.region}.`,
    );
  }

  // 5. Can the bucket take grants at all? Ask where allowed; else the write check tells.
  const ownership = await objectOwnership(client, target.bucket, signal);
  if (ownership.setting === 'BucketOwnerEnforced') {
    stop('ownership', aclsDisabled(target.bucket));
    step('write', 'skipped', 'Not tried: the bucket refuses the grants.');
    return report;
  }
  if (ownership.known) {
    step(
      'ownership',
      'ok',
      `The bucket accepts grants (Object Ownership: ${ownership.setting ?? 'not set, ACLs enabled'}).`,
    );
  } else {
    step(
      'ownership',
      'unknown',
      `Could not read the bucket's Object Ownership setting (${ownership.reason}); the write check decides.`,
    );
  }

  // 6. Transfer Acceleration: whether the bucket has it, and whether uploads use it.
  const regional = client;
  const accelerated = await accelerationStep(regional, target, region, step);
  if (typeof accelerated === 'object') {
    // The queue's codes: AccelerationUnavailable (an endpoint or bucket name it cannot serve), AccelerationOff.
    report.problem = { code: accelerated.refused, message: report.steps.at(-1)?.message ?? '' };
    step('write', 'skipped', 'Not tried: uploads through Transfer Acceleration would be refused.');
    return report;
  }
  if (accelerated === 'used') client = deps.clientFor({ ...target, region });

  // 7. Write with the grants and the metadata, for real, and take it back at once.
  const key = `${normalizePrefix(target.prefix)}labdrop-access-check-${randomUUID()}`;
  let uploadId: string | undefined;
  try {
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: key,
        GrantFullControl: grantFullControlHeader(deps.profile),
        Metadata: { [deps.profile.md5MetadataKey]: EMPTY_MD5_BASE64 },
        ContentType: 'application/octet-stream',
      }),
      { abortSignal: signal() },
    );
    uploadId = created.UploadId;
  } catch (error) {
    const name = errorName(error);
    if (name === 'AccessControlListNotSupported') return stop('write', aclsDisabled(target.bucket));
    if (name === 'AccessDenied') {
      return stop('write', {
        code: 'AccessDenied',
        message: `You may not upload to s3://${target.bucket}/${normalizePrefix(target.prefix)} with the center's full-control grants${report.identity?.arn ? ` (signed in as ${report.identity.arn})` : ''}. Ask the data coordinating center to allow s3:PutObject and s3:PutObjectAcl there, or check that you chose the right bucket, folder and profile.`,
      });
    }
    if (CREDENTIAL_ERRORS.has(name))
      return stop('write', credentialProblem(name, report.credentials));
    return stop('write', toProblem(error, { ...context, key }));
  }
  try {
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId }),
      { abortSignal: signal() },
    );
    step(
      'write',
      'ok',
      `You may upload to s3://${target.bucket}/${normalizePrefix(target.prefix)} with the center's grants (tried, and taken back: nothing was left in the bucket).`,
    );
  } catch (error) {
    step(
      'write',
      'ok',
      `You may upload to s3://${target.bucket}/${normalizePrefix(target.prefix)} with the center's grants.`,
    );
    report.warnings.push(
      `The test upload could not be taken back (${errorName(error)}): an unfinished multipart upload "${key}" stays in the bucket until its lifecycle rule removes it. It holds no data and no object was created.`,
    );
  }
  await encryptionStep(regional, target, step);
  await conditionalStep(
    client,
    { ...target, key: `${key}-conditional` },
    deps.profile,
    signal,
    step,
  );
  // Read-back is not tried: it would need an object, left in the bucket if
  // the credentials may not delete it either. Verification does without it.
  step(
    'verify',
    'ok',
    "Each upload is checked once sent: read back (HeadObject) where these credentials may read it; otherwise from S3's answers to the upload (the ETag and checksums), since objects carrying only the center's grants may not be readable by their uploader.",
  );
  report.ok = true;
  return report;
}

type Step = (name: AccessStepName, status: AccessStepStatus, message: string) => void;

/**
 * Reads the bucket's Transfer Acceleration setting and says what it means
 * for these uploads: 'used' when they go through it, refused (a failed
 * step, with why as UploadQueue.add says it) when they are meant to and
 * cannot, 'direct' otherwise.
 */
async function accelerationStep(
  regional: S3Client,
  target: AccessTarget,
  region: string,
  step: Step,
): Promise<'used' | 'direct' | { refused: 'AccelerationUnavailable' | 'AccelerationOff' }> {
  const problem = target.accelerate ? accelerationProblem(target) : null;
  if (problem) {
    step('acceleration', 'failed', problem);
    return { refused: 'AccelerationUnavailable' };
  }
  const status = await bucketAcceleration(regional, target, PREFLIGHT_RETRY).catch(
    () => 'unknown' as const,
  );
  if (target.accelerate) {
    const refused = accelerationRefusal(target.bucket, status);
    if (refused) {
      step('acceleration', 'failed', refused);
      return { refused: 'AccelerationOff' };
    }
    step(
      'acceleration',
      status === 'Enabled' ? 'ok' : 'unknown',
      status === 'Enabled'
        ? `Uploads go through S3 Transfer Acceleration (${target.bucket}.s3-accelerate.amazonaws.com), which the bucket has on.`
        : 'Could not read whether the bucket has S3 Transfer Acceleration on (these credentials may not ask); the write check below goes through it and decides.',
    );
    return 'used';
  }
  step(
    'acceleration',
    status === 'unknown' ? 'unknown' : 'ok',
    status === 'Enabled'
      ? `The bucket has S3 Transfer Acceleration on: from far away (a long round trip to ${region}), uploads may be faster with it (--accelerate, or the target's Transfer Acceleration option).`
      : status === 'unknown'
        ? `Could not read whether the bucket has S3 Transfer Acceleration on; uploads go straight to ${target.endpoint ?? region}.`
        : `The bucket does not use S3 Transfer Acceleration; uploads go straight to ${target.endpoint ?? region}.`,
  );
  return 'direct';
}

/** The bucket's default encryption, and what Labdrop does about it (see sendsMultipart). */
async function encryptionStep(client: S3Client, target: AccessTarget, step: Step): Promise<void> {
  const encryption = await bucketEncryption(client, target, PREFLIGHT_RETRY).catch(
    (error: unknown) => `unreadable (${errorName(error)})`,
  );
  if (isKms(encryption)) {
    step(
      'encryption',
      'ok',
      `The bucket encrypts with SSE-KMS (${encryption}): Labdrop sends every file as a multipart upload, so the sync job reads the content-md5 metadata rather than an ETag that is not the file's MD5.`,
    );
  } else if (encryption === null || encryption.startsWith('unreadable')) {
    step(
      'encryption',
      'unknown',
      `Could not read the bucket's default encryption (it has none, or these credentials may not ask${encryption ? `: ${encryption}` : ''}): files go as their size says. If the bucket uses SSE-KMS, ask the center.`,
    );
  } else {
    step(
      'encryption',
      'ok',
      `The bucket encrypts with ${encryption}: a single-part object's ETag is its MD5, as the sync job expects.`,
    );
  }
}

/**
 * Whether the store honours conditional writes: a PutObject of nothing to
 * a key that is not there, on the condition that it has an ETag it cannot
 * have. A store that honours it refuses (412, or 404 for the missing key)
 * and nothing is created; one that does not writes the object, which is
 * deleted at once.
 */
async function conditionalStep(
  client: S3Client,
  target: AccessTarget & { key: string },
  profile: SubmissionProfile,
  signal: () => AbortSignal,
  step: Step,
): Promise<void> {
  const ignored =
    'it ignores conditional writes: Labdrop relies on its review of the bucket alone, so a file written there by someone else between the review and the upload would be replaced';
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Body: '',
        IfMatch: '"labdrop-access-check"',
        GrantFullControl: grantFullControlHeader(profile),
        Metadata: { [profile.md5MetadataKey]: EMPTY_MD5_BASE64 },
      }),
      { abortSignal: signal() },
    );
    await client
      .send(new DeleteObjectCommand({ Bucket: target.bucket, Key: target.key }), {
        abortSignal: signal(),
      })
      .catch(() => undefined);
    step(
      'conditional',
      'unknown',
      `The store wrote a test object despite its condition (deleted again): ${ignored}.`,
    );
  } catch (error) {
    const status = (error as ErrorShape).$metadata?.httpStatusCode;
    if (status === 412 || status === 404) {
      step(
        'conditional',
        'ok',
        'The store honours conditional writes: a new key is written only while no object is there, and a replacement only while the object is still the version you reviewed.',
      );
    } else {
      step(
        'conditional',
        'unknown',
        `Could not tell whether the store honours conditional writes (${errorName(error)}); where it does not, Labdrop relies on its review of the bucket alone.`,
      );
    }
  }
}

const CREDENTIAL_ERRORS = new Set([
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
]);

function credentialProblem(name: string, credentials: CredentialSummary | null): Problem {
  const profile = credentials?.profile;
  const keys = `${profile ? `profile "${profile}"` : 'your AWS credentials'}${credentials?.keyIdLast4 ? ` (key …${credentials.keyIdLast4})` : ''}`;
  if (name.startsWith('ExpiredToken')) {
    return {
      code: 'ExpiredToken',
      message: `The AWS session of ${keys} has expired. Sign in again (for example \`aws sso login\`), then check again.`,
    };
  }
  if (name === 'SignatureDoesNotMatch') {
    return {
      code: name,
      message: `The secret key of ${keys} does not match its access key ID. Enter the keys again or fix the profile.`,
    };
  }
  return {
    code: 'InvalidAccessKeyId',
    message: `AWS does not know the access key of ${keys}: it was deleted, deactivated or mistyped. Enter new keys or fix the profile.`,
  };
}

function aclsDisabled(bucket: string): Problem {
  return {
    code: 'AccessControlListNotSupported',
    message: `The bucket "${bucket}" has ACLs disabled (Object Ownership: bucket owner enforced), so it refuses the full-control grants the center requires on every object. Uploading would fail for every file. Ask the data coordinating center to set Object Ownership on "${bucket}" to "Bucket owner preferred".`,
  };
}

function describeCredentials(summary: CredentialSummary): string {
  const parts = [summary.profile ? `profile "${summary.profile}"` : 'the default AWS credentials'];
  if (summary.keyIdLast4) parts.push(`key …${summary.keyIdLast4}`);
  if (summary.expiresAt) parts.push(`valid until ${new Date(summary.expiresAt).toISOString()}`);
  return `Using ${parts.join(', ')}.`;
}

function errorName(error: unknown): string {
  const e = (error ?? {}) as ErrorShape;
  return e.name && e.name !== 'Error' ? e.name : (e.Code ?? 'Error');
}

async function headBucket(
  client: S3Client,
  bucket: string,
  signal: () => AbortSignal,
): Promise<{ region: string | null; forbidden: boolean }> {
  try {
    const answer = await client.send(new HeadBucketCommand({ Bucket: bucket }), {
      abortSignal: signal(),
    });
    return { region: answer.BucketRegion ?? null, forbidden: false };
  } catch (error) {
    const e = error as ErrorShape;
    const status = e.$metadata?.httpStatusCode;
    const region = e.$response?.headers?.['x-amz-bucket-region'] ?? null;
    if (status === 404) throw Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' });
    if (status === 403) return { region, forbidden: true };
    // 301 (or 400 for a bad signing region): the bucket lives in another region.
    if ((status === 301 || status === 400) && region) return { region, forbidden: false };
    throw error;
  }
}

async function objectOwnership(
  client: S3Client,
  bucket: string,
  signal: () => AbortSignal,
): Promise<{ known: boolean; setting: string | null; reason: string }> {
  try {
    const answer = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }), {
      abortSignal: signal(),
    });
    return {
      known: true,
      setting: answer.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null,
      reason: '',
    };
  } catch (error) {
    const name = errorName(error);
    // No ownership controls: a bucket from before 2023, where ACLs always work.
    if (name === 'OwnershipControlsNotFoundError')
      return { known: true, setting: null, reason: '' };
    return { known: false, setting: null, reason: name };
  }
}
