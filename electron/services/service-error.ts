import { classifyError, UploadFailure, type ErrorContext } from '../engine/errors';
import { StoreError } from '../engine/store';

import type { Problem } from '../../shared/targets';

export type { Problem };

/**
 * An expected failure of a service call (a bad name, a refused import). It
 * is an UploadFailure so the IPC layer's existing mapping passes its words
 * through unchanged.
 */
export class ServiceError extends UploadFailure {
  constructor(code: string, message: string) {
    super({ code, message });
    this.name = 'ServiceError';
  }
}

/** Whatever was thrown, as a Problem with no secret in it. */
export function toProblem(error: unknown, context: ErrorContext): Problem {
  if (error instanceof UploadFailure || error instanceof StoreError) {
    return { code: error.code, message: redactSecrets(error.message) };
  }
  const { code, message } = classifyError(error, context);
  return { code, message: redactSecrets(message) };
}

/**
 * Masks anything in a message that looks like an access key ID or a secret
 * key, in case a credential process or an endpoint echoes one back.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b((?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{4,})([A-Z0-9]{4})\b/g, '…$2')
    .replace(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, '[secret hidden]');
}
