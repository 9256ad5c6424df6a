import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

export interface ThrottleProxy {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3 endpoint that lets request bodies through at
 * `bytesPerSecond` (all connections together), so a big file uploads slowly
 * enough on 127.0.0.1 for a user to pause or cancel it mid-way.
 */
export async function startThrottleProxy(
  target: string,
  bytesPerSecond: number,
): Promise<ThrottleProxy> {
  const upstream = new URL(target);
  let next = 0;
  const throttle = () =>
    new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        const now = Date.now();
        const start = Math.max(now, next);
        next = start + (chunk.length / bytesPerSecond) * 1000;
        setTimeout(() => callback(null, chunk), next - now);
      },
    });
  const server: Server = createServer((req, res) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.on('error', () => forward.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(throttle()).pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
