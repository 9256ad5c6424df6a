// A minimal S3 endpoint for benchmarks: it speaks enough of the S3 REST API
// (path-style) for Labdrop's engine and `aws s3 cp`, checks every body's
// length (and, with md5 'on', its Content-MD5 and x-amz-checksum-crc32, and
// a multipart upload's full-object CRC32), keeps sizes, metadata, grants and
// CRC32 checksums for HeadObject and the bench's checks, and discards the
// bytes. It ignores signatures. So that the clients, not the server, are
// measured, it does as little as it can per byte: with md5 'off' a body costs
// one pass of the socket's data through the event loop and nothing else; the
// checksums sent are only counted, and trusted as S3 would store them.
//
// Run it in its own process (the bench does):
//   node --import tsx tests/bench/s3-endpoint.ts --md5 off|on [--port N] [--bucket NAME…]
// It prints `{"port":N}` on stdout when it listens. /_bench/* answers the
// bench: stats, reset, objects, clear, md5 (switch the checks at run time).
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32 as crc32Update } from 'node:zlib';
import { crc32FromBase64, crc32OfParts, crc32ToBase64 } from '../../electron/engine/crc32';

/** 'on' checks every Content-MD5 and x-amz-checksum-crc32 sent (the name predates CRC32). */
export type Md5Mode = 'on' | 'off';

export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  metadata: Record<string, string>;
  grantFullControl: string | null;
  contentType: string | null;
  /** How it was made: one PutObject, or a multipart upload of this many parts. */
  parts: number;
  /** Base64 CRC32 of the whole object, as HeadObject answers it; null if the client sent none. */
  checksumCrc32: string | null;
  /** 'FULL_OBJECT' when there is a checksumCrc32 (the only type this endpoint keeps). */
  checksumType: string | null;
}

export interface EndpointStats {
  requests: Record<string, number>;
  bytesIn: number;
  /** Bodies whose MD5 was computed and compared with their Content-MD5. */
  md5Checked: number;
  /** Bodies that came with a Content-MD5 header. */
  md5Sent: number;
  /** Bodies whose CRC32 was computed and compared with their x-amz-checksum-crc32. */
  crc32Checked: number;
  /** Bodies that came with an x-amz-checksum-crc32 header. */
  crc32Sent: number;
  errors: Record<string, number>;
  /** Most request bodies being received at once. */
  maxBodiesInFlight: number;
  userAgents: string[];
}

interface Part {
  etag: string;
  size: number;
  /** The x-amz-checksum-crc32 it came with, decoded. */
  crc32: number | null;
}

interface MultipartUpload {
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  grantFullControl: string | null;
  contentType: string | null;
  /** CreateMultipartUpload's x-amz-checksum-algorithm and x-amz-checksum-type. */
  checksumAlgorithm: string | null;
  checksumType: string | null;
  parts: Map<number, Part>;
}

const MIN_PART = 5 * 1024 * 1024;
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** Checksum headers this endpoint cannot check: refused rather than passed unchecked. */
const OTHER_CHECKSUMS = [
  'x-amz-checksum-crc32c',
  'x-amz-checksum-crc64nvme',
  'x-amz-checksum-sha1',
  'x-amz-checksum-sha256',
];

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class BenchEndpoint {
  md5: Md5Mode;
  private readonly buckets: Set<string>;
  private readonly objects = new Map<string, StoredObject>();
  private readonly uploads = new Map<string, MultipartUpload>();
  private stats: EndpointStats = emptyStats();
  private bodiesInFlight = 0;
  private readonly server: Server;

  constructor(options: { md5: Md5Mode; buckets?: string[] }) {
    this.md5 = options.md5;
    this.buckets = new Set(options.buckets ?? ['bench']);
    this.server = createServer((req, res) => this.handle(req, res));
    // Clients keep connections for a while; never close one under a request.
    this.server.keepAliveTimeout = 120_000;
    this.server.headersTimeout = 125_000;
    this.server.requestTimeout = 0;
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private count(op: string): void {
    this.stats.requests[op] = (this.stats.requests[op] ?? 0) + 1;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://endpoint');
    const agent = req.headers['user-agent'];
    if (agent) {
      const product = agent.split(' ')[0] ?? agent;
      if (!this.stats.userAgents.includes(product) && this.stats.userAgents.length < 10) {
        this.stats.userAgents.push(product);
      }
    }
    if (url.pathname.startsWith('/_bench/')) {
      this.admin(req, res, url);
      return;
    }
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    this.route(req, res, url, decodeURIComponent(bucket), key).catch((error: unknown) => {
      const failure =
        error instanceof S3Error ? error : new S3Error(500, 'InternalError', String(error));
      this.stats.errors[failure.code] = (this.stats.errors[failure.code] ?? 0) + 1;
      req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body =
        req.method === 'HEAD'
          ? ''
          : `${XML_HEAD}<Error><Code>${failure.code}</Code><Message>${xml(failure.message)}</Message><RequestId>bench</RequestId></Error>`;
      res
        .writeHead(failure.status, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
        })
        .end(body);
    });
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    bucket: string,
    key: string,
  ): Promise<void> {
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (bucket === '') {
      if (method !== 'GET') throw notImplemented(method, '/');
      this.count('ListBuckets');
      const list = [...this.buckets].map((b) => `<Bucket><Name>${xml(b)}</Name></Bucket>`);
      return sendXml(
        res,
        `<ListAllMyBucketsResult xmlns="${NS}"><Buckets>${list.join('')}</Buckets></ListAllMyBucketsResult>`,
      );
    }
    if (key === '') {
      if (method === 'PUT') {
        this.count('CreateBucket');
        await drain(req);
        this.buckets.add(bucket);
        res.writeHead(200).end();
        return;
      }
      this.requireBucket(bucket);
      if (method === 'HEAD') {
        this.count('HeadBucket');
        // With a length, as S3 answers: Node's client keeps a connection after
        // a HEAD answered without one only if nothing is left to read, which
        // it cannot tell, so it opened a new connection (a round trip more on
        // the emulated link) after every HeadBucket and every HEAD's error.
        res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1', 'content-length': 0 }).end();
        return;
      }
      if (method === 'GET' && q.has('location')) {
        this.count('GetBucketLocation');
        return sendXml(res, `<LocationConstraint xmlns="${NS}"/>`);
      }
      if (method === 'GET') return this.listObjects(res, bucket, q);
      throw notImplemented(method, url.search);
    }
    this.requireBucket(bucket);
    const uploadId = q.get('uploadId');
    switch (method) {
      case 'PUT':
        if (req.headers['x-amz-copy-source']) throw notImplemented('copy', '');
        if (uploadId !== null) return this.uploadPart(req, res, uploadId, q.get('partNumber'));
        return this.putObject(req, res, bucket, key);
      case 'POST':
        if (q.has('uploads')) return this.createMultipart(req, res, bucket, key);
        if (uploadId !== null) return this.completeMultipart(req, res, bucket, key, uploadId);
        break;
      case 'GET':
        if (uploadId !== null) return this.listParts(res, bucket, key, uploadId, q);
        break;
      case 'HEAD':
        return this.headObject(req, res, bucket, key);
      case 'DELETE':
        await drain(req);
        if (uploadId !== null) {
          this.count('AbortMultipartUpload');
          if (!this.uploads.delete(uploadId)) throw noSuchUpload(uploadId);
        } else {
          this.count('DeleteObject');
          this.objects.delete(`${bucket}/${key}`);
        }
        res.writeHead(204).end();
        return;
    }
    throw notImplemented(method, url.search);
  }

  private requireBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) {
      throw new S3Error(404, 'NoSuchBucket', `The bucket ${bucket} does not exist`);
    }
  }

  /**
   * Counts the body's bytes (and with md5 'on' hashes them, and takes their
   * CRC32 if the client sent one), then checks the length against
   * Content-Length and the digests against Content-MD5 and
   * x-amz-checksum-crc32. The ETag is the body's MD5 as S3 makes it; with md5
   * 'off' it is taken from the Content-MD5 the client sent, which is what S3
   * would return for a body that matches it, and the CRC32 sent is trusted.
   */
  private async receive(req: IncomingMessage): Promise<Part> {
    if (
      req.headers['content-encoding']?.includes('aws-chunked') ||
      header(req, 'x-amz-content-sha256')?.startsWith('STREAMING-')
    ) {
      throw notImplemented('aws-chunked bodies', '');
    }
    const other = OTHER_CHECKSUMS.find((name) => req.headers[name] !== undefined);
    if (other) throw notImplemented(other, '');
    const declared = req.headers['content-length'];
    const sentMd5 = header(req, 'content-md5');
    if (sentMd5) this.stats.md5Sent++;
    const sentCrc32 = checksumHeader(req);
    if (sentCrc32 !== null) this.stats.crc32Sent++;
    const hash: Hash | null = this.md5 === 'on' ? createHash('md5') : null;
    // Taken as the chunks arrive, like the MD5: the body is never kept.
    const takeCrc32 = this.md5 === 'on' && sentCrc32 !== null;
    let crc32 = 0;
    let size = 0;
    this.stats.maxBodiesInFlight = Math.max(this.stats.maxBodiesInFlight, ++this.bodiesInFlight);
    try {
      await new Promise<void>((resolve, reject) => {
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          hash?.update(chunk);
          if (takeCrc32) crc32 = crc32Update(chunk, crc32);
        });
        req.once('end', resolve);
        req.once('error', reject);
        req.once('close', () => {
          if (!req.complete) reject(new S3Error(400, 'IncompleteBody', 'the client went away'));
        });
      });
    } finally {
      this.bodiesInFlight--;
    }
    this.stats.bytesIn += size;
    if (declared !== undefined && Number(declared) !== size) {
      throw new S3Error(
        400,
        'IncompleteBody',
        `Content-Length ${declared} but ${size} bytes arrived`,
      );
    }
    let digest: Buffer | null = null;
    if (hash) {
      digest = hash.digest();
      if (sentMd5) {
        this.stats.md5Checked++;
        if (digest.toString('base64') !== sentMd5) {
          throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match');
        }
      }
    } else if (sentMd5) {
      digest = Buffer.from(sentMd5, 'base64');
      if (digest.length !== 16)
        throw new S3Error(400, 'InvalidDigest', 'Content-MD5 is not 16 bytes');
    }
    if (takeCrc32) {
      this.stats.crc32Checked++;
      if (crc32 !== sentCrc32) throw badCrc32();
    }
    const etag = digest ? digest.toString('hex') : randomUUID().replaceAll('-', '');
    return { size, etag, crc32: sentCrc32 };
  }

  private async putObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
  ): Promise<void> {
    this.count('PutObject');
    const body = await this.receive(req);
    const checksum = body.crc32 === null ? null : crc32ToBase64(body.crc32);
    this.objects.set(`${bucket}/${key}`, {
      key,
      size: body.size,
      etag: body.etag,
      ...objectFields(req),
      parts: 0,
      // A single PUT's checksum is of the whole object.
      checksumCrc32: checksum,
      checksumType: checksum === null ? null : 'FULL_OBJECT',
    });
    res.writeHead(200, partHeaders(body)).end();
  }

  private async createMultipart(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
  ): Promise<void> {
    this.count('CreateMultipartUpload');
    await drain(req);
    const uploadId = randomUUID();
    this.uploads.set(uploadId, {
      bucket,
      key,
      ...objectFields(req),
      checksumAlgorithm: header(req, 'x-amz-checksum-algorithm')?.toUpperCase() ?? null,
      checksumType: header(req, 'x-amz-checksum-type') ?? null,
      parts: new Map(),
    });
    sendXml(
      res,
      `<InitiateMultipartUploadResult xmlns="${NS}"><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
    );
  }

  private async uploadPart(
    req: IncomingMessage,
    res: ServerResponse,
    uploadId: string,
    partNumberText: string | null,
  ): Promise<void> {
    this.count('UploadPart');
    const upload = this.uploads.get(uploadId);
    const partNumber = Number(partNumberText);
    if (!upload) throw noSuchUpload(uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      throw new S3Error(400, 'InvalidArgument', `bad part number ${partNumberText}`);
    }
    // S3 refuses a part checksum the upload was not created for.
    if (checksumHeader(req) !== null && upload.checksumAlgorithm !== 'CRC32') {
      throw new S3Error(
        400,
        'InvalidRequest',
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm ?? 'null'}, actual checksum Type: crc32`,
      );
    }
    const part = await this.receive(req);
    upload.parts.set(partNumber, part);
    res.writeHead(200, partHeaders(part)).end();
  }

  private async completeMultipart(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    uploadId: string,
  ): Promise<void> {
    this.count('CompleteMultipartUpload');
    const body = (await readAll(req)).toString('utf8');
    const upload = this.uploads.get(uploadId);
    if (!upload) throw noSuchUpload(uploadId);
    const listed = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
      partNumber: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? '')?.[1]),
      etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1] ?? '')?.[1] ?? '')
        // Quoted as S3 answers it; Go's XML (rclone) writes the quotes as &#34;.
        .replaceAll('&quot;', '')
        .replaceAll('&#34;', '')
        .replaceAll('"', ''),
      crc32: /<ChecksumCRC32>([\s\S]*?)<\/ChecksumCRC32>/.exec(m[1] ?? '')?.[1],
    }));
    if (listed.length === 0) throw new S3Error(400, 'MalformedXML', 'no parts listed');
    let size = 0;
    let previous = 0;
    const parts: Part[] = [];
    listed.forEach(({ partNumber, etag, crc32 }, i) => {
      const part = upload.parts.get(partNumber);
      if (
        !part ||
        part.etag !== etag ||
        (crc32 !== undefined && parseCrc32(crc32, 'ChecksumCRC32') !== part.crc32)
      ) {
        throw new S3Error(
          400,
          'InvalidPart',
          `part ${partNumber} is missing or has another ETag or CRC32`,
        );
      }
      if (partNumber <= previous) throw new S3Error(400, 'InvalidPartOrder', 'parts out of order');
      if (i < listed.length - 1 && part.size < MIN_PART) {
        throw new S3Error(400, 'EntityTooSmall', `part ${partNumber} is ${part.size} bytes`);
      }
      previous = partNumber;
      size += part.size;
      parts.push(part);
    });
    const crc32 = this.fullObjectCrc32(req, upload, parts);
    const checksum = crc32 === null ? null : crc32ToBase64(crc32);
    const digests = parts.map((part) => Buffer.from(part.etag, 'hex'));
    const etag = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${listed.length}`;
    this.uploads.delete(uploadId);
    this.objects.set(`${bucket}/${key}`, {
      key,
      size,
      etag,
      metadata: upload.metadata,
      grantFullControl: upload.grantFullControl,
      contentType: upload.contentType,
      parts: listed.length,
      checksumCrc32: checksum,
      checksumType: checksum === null ? null : 'FULL_OBJECT',
    });
    const checksumXml =
      checksum === null
        ? ''
        : `<ChecksumCRC32>${checksum}</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType>`;
    sendXml(
      res,
      `<CompleteMultipartUploadResult xmlns="${NS}"><Location>/${xml(bucket)}/${xml(key)}</Location><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><ETag>"${etag}"</ETag>${checksumXml}</CompleteMultipartUploadResult>`,
    );
  }

  /**
   * A CRC32 FULL_OBJECT upload's checksum: its parts' CRC32s combined in
   * order. That is one combine per part, not per byte, so it is kept in either
   * mode; with md5 'on' the x-amz-checksum-crc32 sent with the Complete must
   * equal it. Null when the upload has no such checksum or a part came
   * without one (the AWS CLI sends Content-MD5 only).
   */
  private fullObjectCrc32(
    req: IncomingMessage,
    upload: MultipartUpload,
    parts: Part[],
  ): number | null {
    const sentType = header(req, 'x-amz-checksum-type');
    // S3 answers BadDigest when it is not the type the upload was created with.
    if (sentType !== undefined && sentType !== upload.checksumType) {
      throw new S3Error(
        400,
        'BadDigest',
        `The upload's checksum type is ${upload.checksumType ?? 'none'}, not ${sentType}.`,
      );
    }
    const combined =
      upload.checksumAlgorithm === 'CRC32' && upload.checksumType === 'FULL_OBJECT'
        ? combineCrc32(parts)
        : null;
    const sent = checksumHeader(req);
    if (this.md5 === 'on' && sent !== null) {
      if (combined === null) {
        throw new S3Error(
          400,
          'InvalidRequest',
          'a full-object x-amz-checksum-crc32 needs a CRC32 FULL_OBJECT upload whose parts all came with one',
        );
      }
      if (sent !== combined) throw badCrc32();
    }
    return combined;
  }

  private listParts(
    res: ServerResponse,
    bucket: string,
    key: string,
    uploadId: string,
    q: URLSearchParams,
  ): void {
    this.count('ListParts');
    const upload = this.uploads.get(uploadId);
    if (!upload) throw noSuchUpload(uploadId);
    const max = Math.min(Number(q.get('max-parts') ?? 1000) || 1000, 1000);
    const marker = Number(q.get('part-number-marker') ?? 0) || 0;
    const numbers = [...upload.parts.keys()].filter((n) => n > marker).sort((a, b) => a - b);
    const page = numbers.slice(0, max);
    const truncated = numbers.length > page.length;
    const parts = page.map((n) => {
      const part = upload.parts.get(n) as Part;
      const checksum =
        part.crc32 === null ? '' : `<ChecksumCRC32>${crc32ToBase64(part.crc32)}</ChecksumCRC32>`;
      return `<Part><PartNumber>${n}</PartNumber><LastModified>${new Date().toISOString()}</LastModified><ETag>"${part.etag}"</ETag><Size>${part.size}</Size>${checksum}</Part>`;
    });
    sendXml(
      res,
      `<ListPartsResult xmlns="${NS}"><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${uploadId}</UploadId><PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${page.at(-1) ?? marker}</NextPartNumberMarker><MaxParts>${max}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts.join('')}</ListPartsResult>`,
    );
  }

  private headObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): void {
    this.count('HeadObject');
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    const headers: Record<string, string | number> = {
      'content-length': object.size,
      etag: `"${object.etag}"`,
      'last-modified': new Date().toUTCString(),
      'content-type': object.contentType ?? 'binary/octet-stream',
    };
    for (const [name, value] of Object.entries(object.metadata)) {
      headers[`x-amz-meta-${name}`] = value;
    }
    // As S3: the checksum only when asked for.
    if (header(req, 'x-amz-checksum-mode') === 'ENABLED' && object.checksumCrc32 !== null) {
      headers['x-amz-checksum-crc32'] = object.checksumCrc32;
      headers['x-amz-checksum-type'] = object.checksumType ?? 'FULL_OBJECT';
    }
    res.writeHead(200, headers).end();
  }

  private listObjects(res: ServerResponse, bucket: string, q: URLSearchParams): void {
    this.count('ListObjects');
    const prefix = q.get('prefix') ?? '';
    const contents = [...this.objects.values()]
      .filter((o) => o.key.startsWith(prefix))
      .slice(0, 1000)
      .map(
        (o) =>
          `<Contents><Key>${xml(o.key)}</Key><LastModified>${new Date().toISOString()}</LastModified><ETag>"${o.etag}"</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      );
    sendXml(
      res,
      `<ListBucketResult xmlns="${NS}"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${contents.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`,
    );
  }

  private admin(req: IncomingMessage, res: ServerResponse, url: URL): void {
    req.resume();
    const json = (value: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    switch (url.pathname) {
      case '/_bench/stats':
        return json(this.stats);
      case '/_bench/reset':
        this.stats = emptyStats();
        return json({ ok: true });
      case '/_bench/objects': {
        const prefix = url.searchParams.get('prefix') ?? '';
        return json([...this.objects.values()].filter((o) => o.key.startsWith(prefix)));
      }
      case '/_bench/clear':
        this.objects.clear();
        this.uploads.clear();
        return json({ ok: true });
      case '/_bench/md5': {
        const mode = url.searchParams.get('mode');
        if (mode === 'on' || mode === 'off') this.md5 = mode;
        return json({ md5: this.md5 });
      }
    }
    res.writeHead(404).end();
  }
}

function emptyStats(): EndpointStats {
  return {
    requests: {},
    bytesIn: 0,
    md5Checked: 0,
    md5Sent: 0,
    crc32Checked: 0,
    crc32Sent: 0,
    errors: {},
    maxBodiesInFlight: 0,
    userAgents: [],
  };
}

function objectFields(req: IncomingMessage) {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') {
      metadata[name.slice('x-amz-meta-'.length)] = value;
    }
  }
  const grant = req.headers['x-amz-grant-full-control'];
  const type = req.headers['content-type'];
  return {
    metadata,
    grantFullControl: typeof grant === 'string' ? grant : null,
    contentType: typeof type === 'string' ? type : null,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request's x-amz-checksum-crc32, decoded; null if it has none. */
function checksumHeader(req: IncomingMessage): number | null {
  const text = header(req, 'x-amz-checksum-crc32');
  return text === undefined ? null : parseCrc32(text, 'x-amz-checksum-crc32 header');
}

function parseCrc32(text: string, where: string): number {
  try {
    return crc32FromBase64(text);
  } catch {
    throw new S3Error(400, 'InvalidRequest', `Value for ${where} is invalid.`);
  }
}

/** The CRC32 of the parts' bytes one after another, from their CRC32s; null if one has none. */
function combineCrc32(parts: Part[]): number | null {
  const known = parts.flatMap(({ crc32, size }) => (crc32 === null ? [] : [{ crc32, size }]));
  return known.length === parts.length ? crc32OfParts(known) : null;
}

/** S3's headers for a body it took: the ETag, and the CRC32 checksum it came with. */
function partHeaders(part: Part): Record<string, string> {
  const headers: Record<string, string> = { etag: `"${part.etag}"` };
  if (part.crc32 !== null) headers['x-amz-checksum-crc32'] = crc32ToBase64(part.crc32);
  return headers;
}

function badCrc32(): S3Error {
  return new S3Error(
    400,
    'BadDigest',
    'The CRC32 you specified did not match the calculated checksum.',
  );
}

function sendXml(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/xml' }).end(XML_HEAD + body);
}

function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function notImplemented(what: string, detail: string): S3Error {
  return new S3Error(501, 'NotImplemented', `the bench endpoint does not do ${what} ${detail}`);
}

function noSuchUpload(uploadId: string): S3Error {
  return new S3Error(404, 'NoSuchUpload', `no multipart upload ${uploadId}`);
}

async function drain(req: IncomingMessage): Promise<void> {
  await readAll(req);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      md5: { type: 'string', default: 'off' },
      bucket: { type: 'string', multiple: true, default: ['bench'] },
    },
  });
  if (values.md5 !== 'on' && values.md5 !== 'off') throw new Error('--md5 must be on or off');
  const endpoint = new BenchEndpoint({ md5: values.md5, buckets: values.bucket });
  const port = await endpoint.listen(Number(values.port));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const stop = () => void endpoint.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}

export interface EndpointProcess {
  url: string;
  pid: number;
  stats(): Promise<EndpointStats>;
  reset(): Promise<void>;
  objects(prefix: string): Promise<StoredObject[]>;
  clear(): Promise<void>;
  setMd5(mode: Md5Mode): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the endpoint in a process of its own, so it never shares an event loop with what it measures. */
export async function startEndpointProcess(
  md5: Md5Mode,
  buckets = ['bench'],
): Promise<EndpointProcess> {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const self = new URL(import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', self, '--md5', md5, ...buckets.flatMap((b) => ['--bucket', b])],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench endpoint exited (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/_bench/${path}`);
    if (!res.ok) throw new Error(`bench endpoint ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    url,
    pid: child.pid ?? 0,
    stats: () => admin<EndpointStats>('stats'),
    reset: async () => void (await admin('reset')),
    objects: (prefix) => admin<StoredObject[]>(`objects?prefix=${encodeURIComponent(prefix)}`),
    clear: async () => void (await admin('clear')),
    setMd5: async (mode) => void (await admin(`md5?mode=${mode}`)),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
