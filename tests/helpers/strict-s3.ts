import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

export interface StrictRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** What the client was answered. */
  status?: number;
}

export interface StrictS3 {
  endpoint: string;
  requests: StrictRequest[];
  /** Echo x-amz-checksum-crc32 for UploadPart, checking it first, as AWS does (moto echoes none). */
  echoCrc32: boolean;
  /** Refuse a body whose Content-MD5 does not match (BadDigest), as S3 and most stores do (moto does not). */
  checkMd5: boolean;
  /** Flip a byte of this request's body on the way (true once per call that says so). */
  corrupt: ((r: StrictRequest) => boolean) | null;
  /** Answer this request with a bare status and an empty body, as a HEAD's 403 comes. */
  bare: ((r: StrictRequest) => number | null) | null;
  /** Answer this request with another ETag, as a store whose ETags are not MD5s does (SSE-KMS). */
  etag: ((r: StrictRequest) => string | null) | null;
  stop(): Promise<void>;
}

const BAD_DIGEST =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what we received.</Message></Error>';

/** Base64 of a CRC32, as the x-amz-checksum-crc32 header carries it. */
function crc32Base64(body: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(body) >>> 0);
  return value.toString('base64');
}

/**
 * A stricter S3 in front of moto: it checks Content-MD5 (and the CRC32 it
 * echoes) the way AWS does, can deny reading objects back with a bare 403,
 * and can damage a body on the way, so tests see what Labdrop does against a
 * real store. Every request is recorded with its answer.
 */
export async function startStrictS3(target: string): Promise<StrictS3> {
  const upstream = new URL(target);
  const proxy: StrictS3 = {
    endpoint: '',
    requests: [],
    echoCrc32: false,
    checkMd5: true,
    corrupt: null,
    bare: null,
    etag: null,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    const recorded: StrictRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
    };
    proxy.requests.push(recorded);
    const answer = (status: number, body = '', headers: Record<string, string> = {}) => {
      recorded.status = status;
      res.writeHead(status, { 'content-type': 'application/xml', ...headers }).end(body);
    };
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bareStatus = proxy.bare?.(recorded) ?? null;
      if (bareStatus !== null) return answer(bareStatus);
      const body = Buffer.concat(chunks);
      if (body.length > 0 && proxy.corrupt?.(recorded)) {
        body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff;
      }
      const sentMd5 = req.headers['content-md5'];
      if (proxy.checkMd5 && typeof sentMd5 === 'string') {
        if (createHash('md5').update(body).digest('base64') !== sentMd5) {
          return answer(400, BAD_DIGEST);
        }
      }
      const isPart = recorded.method === 'PUT' && recorded.url.includes('partNumber=');
      const sentCrc32 = req.headers['x-amz-checksum-crc32'];
      const echo: Record<string, string> = {};
      if (proxy.echoCrc32 && isPart && typeof sentCrc32 === 'string') {
        if (crc32Base64(body) !== sentCrc32) return answer(400, BAD_DIGEST);
        echo['x-amz-checksum-crc32'] = sentCrc32;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (reply) => {
          recorded.status = reply.statusCode;
          const etag = proxy.etag?.(recorded);
          res.writeHead(reply.statusCode ?? 502, {
            ...reply.headers,
            ...echo,
            ...(etag ? { etag } : {}),
          });
          reply.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** The S3 request a recorded one is, by method and query. */
export function requestKind(r: Pick<StrictRequest, 'method' | 'url'>): string {
  const [path = '', query = ''] = r.url.split('?');
  const object = path.split('/').filter(Boolean).length > 1;
  if (r.method === 'HEAD') return object ? 'HeadObject' : 'HeadBucket';
  if (r.method === 'POST' && /(^|&)uploads(=|&|$)/.test(query)) return 'CreateMultipartUpload';
  if (r.method === 'POST' && query.includes('uploadId=')) return 'CompleteMultipartUpload';
  if (r.method === 'PUT' && query.includes('partNumber=')) return 'UploadPart';
  if (r.method === 'PUT') return 'PutObject';
  if (r.method === 'GET' && query.includes('uploadId=')) return 'ListParts';
  if (r.method === 'DELETE' && query.includes('uploadId=')) return 'AbortMultipartUpload';
  if (r.method === 'DELETE') return 'DeleteObject';
  return `${r.method} ${path}`;
}
