import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../electron/engine/errors';
import { AdaptiveLimiter } from '../electron/engine/limiter';
import { backoffDelay, withRetry } from '../electron/engine/retry';

const context = {
  bucket: 'lab-bucket',
  endpoint: null,
  key: 'center/a.fastq',
  localPath: '/data/a.fastq',
};

function serviceError(name: string, status: number) {
  return Object.assign(new Error(`${name} from S3`), {
    name,
    $metadata: { httpStatusCode: status },
  });
}

describe('errors a lab technician can act on', () => {
  const cases: Array<[string, number, RegExp]> = [
    [
      'AccessDenied',
      403,
      /Access denied writing "center\/a\.fastq" to bucket "lab-bucket".*ask the data coordinating center/,
    ],
    ['NoSuchBucket', 404, /The bucket "lab-bucket" does not exist\. Check the bucket name/],
    [
      'AccessControlListNotSupported',
      400,
      /ACLs disabled.*Ask the data coordinating center to enable ACLs/,
    ],
    ['InvalidAccessKeyId', 403, /access key is not valid/],
    ['ExpiredToken', 400, /session has expired\. Sign in again/],
    ['SignatureDoesNotMatch', 403, /secret key does not match/],
  ];
  for (const [name, status, message] of cases) {
    it(`${name} stops the file with a message saying what to do`, () => {
      const failure = classifyError(serviceError(name, status), context);
      expect(failure.recovery).toBe('stop');
      expect(failure.message).toMatch(message);
    });
  }

  it('says what to do when S3 refuses Transfer Acceleration for the bucket', () => {
    const refused = Object.assign(serviceError('InvalidRequest', 400), {
      message: 'S3 Transfer Acceleration is not configured on this bucket',
    });
    const failure = classifyError(refused, context);
    expect(failure).toMatchObject({ code: 'AccelerationOff', recovery: 'stop' });
    expect(failure.message).toMatch(/without acceleration, or ask the data coordinating center/);
  });

  it('retries network errors, 5xx and SlowDown', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyError(reset, context).recovery).toBe('retry');
    expect(classifyError(serviceError('InternalError', 500), context).recovery).toBe('retry');
    expect(classifyError(serviceError('SlowDown', 503), context).recovery).toBe('slow-down');
    expect(classifyError(serviceError('ServiceUnavailable', 503), context).recovery).toBe('retry');
  });

  it('explains an https:// endpoint on an http server instead of showing OpenSSL', () => {
    const tls = Object.assign(
      new Error(
        'write EPROTO 40E8:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
      ),
      { code: 'EPROTO' },
    );
    const failure = classifyError(tls, { ...context, endpoint: 'https://127.0.0.1:9000' });
    expect(failure).toMatchObject({ code: 'NotHttps', recovery: 'stop' });
    expect(failure.message).toContain('try the address with http:// instead of https://');
    expect(failure.message).not.toMatch(/ssl3_get_record/);
  });

  it('names the file when it is gone', () => {
    const gone = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    expect(classifyError(gone, context)).toMatchObject({
      code: 'FileMissing',
      recovery: 'stop',
      message: expect.stringContaining('/data/a.fastq no longer exists'),
    });
  });
});

describe('retries', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(9, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('gives up after the last attempt with the classified message', async () => {
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls++;
        throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
      },
      {
        policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
        context: { ...context, endpoint: 'http://127.0.0.1:9' },
      },
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      message: expect.stringContaining('Could not reach http://127.0.0.1:9'),
    });
    expect(calls).toBe(3);
  });

  it('does not retry what retrying cannot fix', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw serviceError('AccessDenied', 403);
        },
        { policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 }, context },
      ),
    ).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(calls).toBe(1);
  });
});

describe('the part limiter', () => {
  it('halves on SlowDown and grows back one step per run of successes', async () => {
    const limiter = new AdaptiveLimiter(8, { recoverAfter: 3 });
    limiter.slowDown();
    expect(limiter.limit).toBe(4);
    limiter.slowDown();
    expect(limiter.limit).toBe(2);
    for (let i = 0; i < 3; i++) limiter.succeeded();
    expect(limiter.limit).toBe(3);
  });

  it('never lets more than the limit through, and frees a waiter on release', async () => {
    const limiter = new AdaptiveLimiter(2);
    const a = await limiter.acquire();
    await limiter.acquire();
    let third = false;
    const waiting = limiter.acquire().then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(third).toBe(false);
    a();
    await waiting;
    expect(third).toBe(true);
  });

  it('leaves no listener on a job’s signal after its waits (an outage waits thousands of times)', async () => {
    const limiter = new AdaptiveLimiter(1);
    const job = new AbortController();
    const before = getEventListeners(job.signal, 'abort').length;
    let release = await limiter.acquire(job.signal);
    for (let i = 0; i < 50; i++) {
      const next = limiter.acquire(job.signal);
      release();
      release = await next;
    }
    release();
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(before);
  });

  it('follows a new setting at once, up or down, unless SlowDown holds it back', async () => {
    const limiter = new AdaptiveLimiter(2);
    await limiter.acquire();
    await limiter.acquire();
    let third = false;
    const waiting = limiter.acquire().then(() => (third = true));
    limiter.setMax(4);
    await waiting;
    expect(third).toBe(true);
    expect(limiter.limit).toBe(4);
    limiter.setMax(3);
    expect(limiter.limit).toBe(3);
    limiter.slowDown();
    limiter.setMax(8);
    expect(limiter.limit).toBe(1);
  });

  it('drops a waiter whose signal aborts', async () => {
    const limiter = new AdaptiveLimiter(1);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
