// The endpoint's raw PUT rate B: plain node:http PutObject requests of one
// part each, `concurrency` at a time over kept-alive connections, with bodies
// from one buffer in memory (no file reads, no hashing, no signing). This is
// what any client could do at best against the endpoint, on this machine.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface PutRateOptions {
  endpoint: string;
  bucket: string;
  prefix: string;
  totalBytes: number;
  partSize: number;
  concurrency: number;
}

/** Seconds to PUT `totalBytes` as parts of `partSize`. */
export async function measurePutRate(options: PutRateOptions): Promise<number> {
  const { endpoint, bucket, prefix, totalBytes, partSize, concurrency } = options;
  const body = Buffer.alloc(partSize, 0x5a);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(endpoint);
  const parts = Math.ceil(totalBytes / partSize);
  let next = 0;
  const put = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const size = Math.min(partSize, totalBytes - n * partSize);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'PUT',
          path: `/${bucket}/${prefix}/${n}`,
          headers: { 'content-length': size },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(size === partSize ? body : body.subarray(0, size));
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < parts) await put(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return seconds;
}
