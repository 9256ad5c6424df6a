import {
  classifyError,
  isAbort,
  UploadFailure,
  type Classified,
  type ErrorContext,
} from './errors';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Patient enough for a dropped Wi-Fi connection: ten tries over about four minutes. */
export const UPLOAD_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Checks before an upload starts fail fast: the user is watching. */
export const PREFLIGHT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 2_000 };

/** How an upload waiting for the network asks again whether the endpoint answers (attempts unbounded). */
export const NETWORK_PROBE: RetryPolicy = {
  maxAttempts: Infinity,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

export function abortError(): Error {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  return random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  policy: RetryPolicy;
  context: ErrorContext;
  signal?: AbortSignal;
  /** Called before each new attempt, with what went wrong and how long it waits first. */
  onRetry?: (failure: Classified, attempt: number, delayMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, an error retrying cannot fix occurs, or the
 * attempts run out. Throws the classified failure as an UploadFailure or the AbortError when the signal fires.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      options.signal?.throwIfAborted();
      return await attempt(n);
    } catch (error) {
      if (options.signal?.aborted || isAbort(error)) throw abortError();
      const failure = classifyError(error, options.context);
      if (failure.recovery === 'stop' || n >= options.policy.maxAttempts) {
        throw new UploadFailure(failure, { transient: failure.waitable === true });
      }
      const delayMs = backoffDelay(n, options.policy);
      options.onRetry?.(failure, n, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
