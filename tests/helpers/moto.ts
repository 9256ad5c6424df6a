import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export const TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
};

export interface Moto {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts moto_server on 127.0.0.1 and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `moto_server exited (${child.exitCode}); is moto[server] installed?\n${stderr}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`moto_server did not start on ${endpoint}\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function testClient(endpoint: string, region = 'us-east-1'): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  await testClient(endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The server's answer, once it came (none for an intercepted request). */
  status?: number;
  /** Whether that answer reached the client, which may have hung up meanwhile. */
  delivered?: boolean;
}

export interface RecordingProxy {
  endpoint: string;
  requests: RecordedRequest[];
  /**
   * Answers a request instead of the server, e.g. with 503 SlowDown, or cuts
   * its connection ('reset'), and the server never sees it; or lets the
   * server carry it out and cuts the connection before its answer ('lost');
   * null forwards it.
   */
  intercept:
    | ((request: RecordedRequest) => { status: number; body: string } | 'reset' | 'lost' | null)
    | null;
  /** UploadPart requests in flight now, and the most seen at once since last reset. */
  partsInFlight: { now: number; max: number };
  /** PUT requests (objects and parts) in flight now and their bytes, and the most of each seen at once. */
  putsInFlight: { now: number; max: number; bytes: number; maxBytes: number };
  /** Lets request bodies through at this many bytes a second (all together); null for full speed. */
  bytesPerSecond: number | null;
  /** Holds the server's answer to a request back this many milliseconds. */
  delay: ((request: RecordedRequest) => number) | null;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of moto that records every request line and header,
 * so tests can assert what went over the wire (moto's GetObjectAcl shows only
 * the first grantee of a grant header; the header itself shows both).
 */
export async function startRecordingProxy(target: string, port = 0): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const partsInFlight = { now: 0, max: 0 };
  const putsInFlight = { now: 0, max: 0, bytes: 0, maxBytes: 0 };
  const proxy: RecordingProxy = {
    endpoint: '',
    requests,
    intercept: null,
    partsInFlight,
    putsInFlight,
    bytesPerSecond: null,
    delay: null,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
    };
    requests.push(recorded);
    const answer = proxy.intercept?.(recorded);
    if (answer === 'reset') {
      req.socket.destroy();
      return;
    }
    if (answer && answer !== 'lost') {
      req.resume();
      res.writeHead(answer.status, { 'content-type': 'application/xml' }).end(answer.body);
      return;
    }
    if (uploadPartRequests([recorded]).length === 1) {
      partsInFlight.max = Math.max(partsInFlight.max, ++partsInFlight.now);
      res.on('close', () => partsInFlight.now--);
    }
    if (recorded.method === 'PUT') {
      const bytes = Number(req.headers['content-length'] ?? 0);
      putsInFlight.max = Math.max(putsInFlight.max, ++putsInFlight.now);
      putsInFlight.maxBytes = Math.max(putsInFlight.maxBytes, (putsInFlight.bytes += bytes));
      res.on('close', () => {
        putsInFlight.now--;
        putsInFlight.bytes -= bytes;
      });
    }
    const wait = proxy.delay?.(recorded) ?? 0;
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        recorded.status = reply.statusCode;
        if (answer === 'lost') {
          recorded.delivered = false;
          reply.resume();
          req.socket.destroy();
          return;
        }
        setTimeout(() => {
          // The client may have given up (a pause) while the server worked.
          recorded.delivered = !res.destroyed && !req.socket.destroyed;
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        }, wait);
      },
    );
    forward.on('error', () => res.destroy());
    req.on('error', () => forward.destroy());
    req.pipe(throttle()).pipe(forward);
  });
  // One budget for all connections, so a big file uploads slowly enough on
  // 127.0.0.1 for a test (or a user in the e2e suite) to pause it mid-way.
  let next = 0;
  const throttle = () =>
    new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        const rate = proxy.bytesPerSecond;
        if (!rate) return callback(null, chunk);
        const now = Date.now();
        next = Math.max(now, next) + (chunk.length / rate) * 1000;
        setTimeout(() => callback(null, chunk), next - now);
      },
    });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** UploadPart requests: PUT with both partNumber and uploadId. */
export function uploadPartRequests(requests: RecordedRequest[], key?: string): RecordedRequest[] {
  return requests.filter(
    (r) =>
      r.method === 'PUT' &&
      r.url.includes('partNumber=') &&
      r.url.includes('uploadId=') &&
      (key === undefined || decodeURIComponent(r.url.split('?')[0] ?? '').endsWith(`/${key}`)),
  );
}
