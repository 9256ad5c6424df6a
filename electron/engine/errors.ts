import type { UploadError } from '../../shared/types';

/** How the engine should treat a failure. */
export type Recovery = 'retry' | 'slow-down' | 'stop';

export interface Classified extends UploadError {
  recovery: Recovery;
  /** The endpoint could not be reached or was down: an upload waits for it rather than fail. */
  waitable?: boolean;
}

export interface ErrorContext {
  bucket: string;
  endpoint: string | null;
  key?: string;
  localPath?: string;
  /** The S3 request that failed (HeadObject…), when the error does not name it (see s3-client.ts). */
  request?: string;
}

/**
 * What each S3 request does to an object, and the permission it needs: for
 * an access denied that names what is missing.
 */
const REQUESTS: Readonly<Record<string, { doing: string; permission: string }>> = {
  HeadBucket: { doing: 'finding the bucket', permission: 's3:ListBucket' },
  ListObjectsV2: { doing: 'listing', permission: 's3:ListBucket' },
  HeadObject: { doing: 'reading back', permission: 's3:GetObject (READ on the object)' },
  GetObject: { doing: 'reading', permission: 's3:GetObject (READ on the object)' },
  PutObject: {
    doing: 'writing',
    permission: "s3:PutObject, and s3:PutObjectAcl for the center's grants",
  },
  CreateMultipartUpload: {
    doing: 'starting the upload of',
    permission: "s3:PutObject, and s3:PutObjectAcl for the center's grants",
  },
  UploadPart: { doing: 'sending a part of', permission: 's3:PutObject' },
  CompleteMultipartUpload: { doing: 'completing', permission: 's3:PutObject' },
  ListParts: { doing: 'listing the parts sent of', permission: 's3:ListMultipartUploadParts' },
  AbortMultipartUpload: {
    doing: 'removing the parts of',
    permission: 's3:AbortMultipartUpload',
  },
  DeleteObject: { doing: 'deleting', permission: 's3:DeleteObject' },
};

/** Where an upload's failure happened, for its message. */
export function contextOf(record: {
  bucket: string;
  endpoint: string | null;
  key: string;
  localPath: string;
}): ErrorContext {
  return {
    bucket: record.bucket,
    endpoint: record.endpoint,
    key: record.key,
    localPath: record.localPath,
  };
}

/** A failure the engine has already explained; thrown to stop one file. */
export class UploadFailure extends Error {
  readonly code: string;
  /**
   * Retries ran out on a failure that waiting can fix (the endpoint could
   * not be reached, or was down): the upload waits for the network instead
   * of failing.
   */
  readonly transient: boolean;
  constructor(error: UploadError, { transient = false } = {}) {
    super(error.message);
    this.name = 'UploadFailure';
    this.code = error.code;
    this.transient = transient;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const RETRYABLE_SERVICE_CODES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'RequestTimeoutException',
]);

/** A server certificate from an authority Labdrop does not trust (a network that inspects HTTPS). */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function where(ctx: ErrorContext): string {
  return ctx.endpoint ? `${ctx.endpoint} (bucket "${ctx.bucket}")` : `bucket "${ctx.bucket}"`;
}

/**
 * Turns whatever the SDK, the network or the file system threw into what a lab
 * technician can act on, and whether retrying can help.
 */
export function classifyError(error: unknown, ctx: ErrorContext): Classified {
  if (error instanceof UploadFailure) {
    return { code: error.code, message: error.message, recovery: 'stop' };
  }
  const e = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
    /** The request's name, set on every S3 client's errors (see s3-client.ts). */
    $command?: string;
  };
  const name = e.name ?? 'Error';
  const sysCode = e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = e.message ?? String(error);
  const key = ctx.key ? `"${ctx.key}"` : 'the object';

  const request = e.$command ?? ctx.request;
  switch (name) {
    case 'SlowDown':
      return {
        code: name,
        recovery: 'slow-down',
        waitable: true,
        message: 'S3 asked Labdrop to slow down.',
      };
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return {
        code: 'AccessDenied',
        recovery: 'stop',
        message:
          missingPermission(request, key, ctx, '') ??
          `Access denied writing ${key} to ${where(ctx)}. Check that your credentials may upload there with full-control grants, or ask the data coordinating center to grant access.`,
      };
    case 'NoSuchBucket':
      return {
        code: name,
        recovery: 'stop',
        message: `The bucket "${ctx.bucket}" does not exist${ctx.endpoint ? ` at ${ctx.endpoint}` : ''}. Check the bucket name the center gave you.`,
      };
    case 'AccessControlListNotSupported':
      return {
        code: name,
        recovery: 'stop',
        message: `The bucket "${ctx.bucket}" has ACLs disabled, so the center's full-control grants cannot be applied. Ask the data coordinating center to enable ACLs (Object Ownership: "Bucket owner preferred") on this bucket.`,
      };
    case 'InvalidAccessKeyId':
      return {
        code: name,
        recovery: 'stop',
        message: `The AWS access key is not valid for ${where(ctx)}. Check the key ID in your AWS profile or enter new keys.`,
      };
    case 'SignatureDoesNotMatch':
      return {
        code: name,
        recovery: 'stop',
        message: `The AWS secret key does not match the access key ID. Check the secret in your AWS profile or enter new keys.`,
      };
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'TokenRefreshRequired':
      return {
        code: 'ExpiredToken',
        recovery: 'stop',
        message: `Your AWS session has expired. Sign in again (for example \`aws sso login\`), then resume.`,
      };
    case 'CredentialsProviderError':
      return {
        code: 'NoCredentials',
        recovery: 'stop',
        message: `No AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws/credentials and pass --profile. (${detail})`,
      };
    case 'NoSuchUpload':
      return {
        code: name,
        recovery: 'stop',
        message: `The multipart upload for ${key} no longer exists in ${where(ctx)} (it was aborted or expired).`,
      };
    case 'BadDigest':
    case 'XAmzContentChecksumMismatch':
      // Bytes damaged on the way: sent again, read afresh from the file (a
      // file that changed meanwhile is caught before the next attempt).
      return {
        code: 'BadDigest',
        recovery: 'retry',
        message: `The bytes S3 received for ${key} did not match their checksum, again and again: the network damages data on the way, or ${ctx.localPath ?? 'the file'} keeps changing. Nothing was completed; retry later or from another network.`,
      };
    case 'InvalidDigest':
      return {
        code: name,
        recovery: 'stop',
        message: `S3 could not read the checksum sent with ${key} (${detail}). This is a bug in Labdrop; please report it.`,
      };
  }

  if (name === 'InvalidRequest' && /transfer acceleration/i.test(detail)) {
    return {
      code: 'AccelerationOff',
      recovery: 'stop',
      message: `S3 refused ${key} through Transfer Acceleration (${detail}). Upload to ${where(ctx)} without acceleration, or ask the data coordinating center to turn it on for the bucket.`,
    };
  }
  if (name === 'AbortError') return { code: 'Aborted', recovery: 'stop', message: 'Stopped.' };
  if (sysCode === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(detail)) {
    return {
      code: 'NotHttps',
      recovery: 'stop',
      message: `${ctx.endpoint ?? 'The endpoint'} does not speak HTTPS (its answer is not TLS): try the address with http:// instead of https://.`,
    };
  }
  // Waiting does not fix a certificate: these stop, with the setting that does.
  if (UNTRUSTED_CERTIFICATE_CODES.has(sysCode)) {
    return {
      code: 'CertificateUntrusted',
      recovery: 'stop',
      message: `The certificate of ${ctx.endpoint ?? 'Amazon S3'} is not trusted (${sysCode}: ${detail}): a certificate authority Labdrop does not know issued it, as on networks that inspect HTTPS. Get your network's CA certificate (a PEM file) from your IT department and set AWS_CA_BUNDLE to its path, or add \`ca_bundle = /path/to/ca.pem\` to your profile in ~/.aws/config. The app also trusts certificates installed in the system's certificate store.`,
    };
  }
  if (sysCode === 'CERT_HAS_EXPIRED' || sysCode === 'CERT_NOT_YET_VALID') {
    return {
      code: 'CertificateExpired',
      recovery: 'stop',
      message: `The certificate of ${ctx.endpoint ?? 'Amazon S3'} is ${sysCode === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'} (${detail}). Check this computer's date and time; if it is right, tell the endpoint's administrators.`,
    };
  }
  if (sysCode === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      code: 'CertificateWrongName',
      recovery: 'stop',
      message: `The certificate of ${ctx.endpoint ?? 'Amazon S3'} is for another name (${detail}). Check the endpoint address; a CA bundle does not fix this.`,
    };
  }
  // The state database explains itself (see StoreError in store.ts).
  if (name === 'StoreError') return { code: sysCode, recovery: 'stop', message: detail };
  if (NETWORK_CODES.has(sysCode) || NETWORK_CODES.has(name) || RETRYABLE_SERVICE_CODES.has(name)) {
    return {
      code: sysCode || name,
      recovery: 'retry',
      waitable: true,
      message: `Could not reach ${ctx.endpoint ?? 'Amazon S3'} (${sysCode || name}). Check the network connection${ctx.endpoint ? ' and the endpoint address' : ''}.`,
    };
  }
  // An answer without an error code (a HEAD has no body; some stores send
  // none): what the HTTP status says, naming the request, bucket and key.
  if ((name === 'Unknown' || name === 'NotFound' || name === 'Error') && status !== undefined) {
    const byStatus = statusFailure(status, request, key, ctx);
    if (byStatus) return byStatus;
  }
  if (status === 503) {
    return {
      code: name,
      recovery: 'slow-down',
      waitable: true,
      message: `S3 is busy (${name}); retrying more slowly.`,
    };
  }
  if (status !== undefined && status >= 500) {
    return {
      code: name,
      recovery: 'retry',
      waitable: status === 502 || status === 504,
      message: `S3 had a server error (${name}: ${detail}).`,
    };
  }
  if (sysCode === 'ENOENT') {
    return {
      code: 'FileMissing',
      recovery: 'stop',
      message: `${ctx.localPath ?? 'The file'} no longer exists. Put it back and retry, or cancel this upload.`,
    };
  }
  if (sysCode === 'EACCES' || sysCode === 'EPERM') {
    return {
      code: 'FileUnreadable',
      recovery: 'stop',
      message: `Labdrop may not read ${ctx.localPath ?? 'the file'}. Check its permissions.`,
    };
  }
  return {
    code: name === 'Error' ? sysCode || 'Error' : name,
    recovery: 'stop',
    message: `Upload of ${key} to ${where(ctx)} failed: ${detail}`,
  };
}

/** An access denied for a request Labdrop knows: what it was doing, and the permission it lacks. */
function missingPermission(
  request: string | undefined,
  key: string,
  ctx: ErrorContext,
  status: string,
): string | null {
  const what = request ? REQUESTS[request] : undefined;
  if (!what) return null;
  return `Access denied ${what.doing} ${key} in ${where(ctx)} (${request}${status}): these credentials lack ${what.permission}. Ask the data coordinating center to grant it.`;
}

/** A failure known only by its HTTP status; null for one the other rules handle (5xx). */
function statusFailure(
  status: number,
  request: string | undefined,
  key: string,
  ctx: ErrorContext,
): Classified | null {
  const asked = request ? `${request} of ${key}` : `A request for ${key}`;
  const stop = (code: string, message: string): Classified => ({
    code,
    recovery: 'stop',
    message: message.charAt(0).toUpperCase() + message.slice(1),
  });
  switch (status) {
    case 400:
      return stop(
        'BadRequest',
        `${where(ctx)} refused ${asked} as a bad request (HTTP 400). Check the endpoint and region; if they are right, report this to the center with the time it happened.`,
      );
    case 403:
      return stop(
        'AccessDenied',
        missingPermission(request, key, ctx, ', HTTP 403') ??
          `Access denied for ${key} in ${where(ctx)} (HTTP 403). Check that your credentials may upload there, or ask the data coordinating center to grant access.`,
      );
    case 404:
      return stop(
        'NotFound',
        `${asked} found nothing in ${where(ctx)} (HTTP 404): the object, or the multipart upload, is not there.`,
      );
    case 405:
      return stop(
        'MethodNotAllowed',
        `${where(ctx)} does not allow ${asked} (HTTP 405). Check that the endpoint is the S3 address the center gave you.`,
      );
    case 412:
      return stop(
        'PreconditionFailed',
        `${asked} in ${where(ctx)} was refused because the object changed meanwhile (HTTP 412 Precondition Failed).`,
      );
    case 501:
      return stop(
        'NotImplemented',
        `${where(ctx)} does not support ${request ?? 'a request Labdrop needs'} (HTTP 501), which Labdrop needs to upload ${key}. Ask the store's administrators or the center.`,
      );
    default:
      return status >= 500
        ? null
        : stop(`Http${status}`, `${where(ctx)} answered ${asked} with HTTP ${status}.`);
  }
}
