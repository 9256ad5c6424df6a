// What one request costs the client in CPU, bytes aside: `count` UploadParts
// of a 1-byte body through the S3 client Labdrop's engine makes (`sdk`), or
// as many plain node:http PUTs (`raw`, put-client.ts's), 8 at a time.
// Run in a fresh process, as `labdrop upload` is: V8 has not optimized the
// SDK's code yet, as it has not for the first few hundred parts of an upload.
// Prints {"cpuMsPerRequest": N}.
//
//   node --import tsx tests/bench/request-cost.ts sdk|raw ENDPOINT BUCKET COUNT
import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../electron/engine/s3-client';
import { measurePutRate } from './put-client';

const CONCURRENCY = 8;

async function sdkRequests(endpoint: string, bucket: string, count: number): Promise<number> {
  const client = createS3Client(
    { endpoint, region: 'us-east-1', awsProfile: null },
    {
      maxSockets: CONCURRENCY * 2,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    },
  );
  const Key = `request-cost/${process.pid}`;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
  const body = Buffer.from('x');
  let next = 1;
  const cpu = await cpuOf(() =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next <= count) {
          // As the engine sends a part: a stream body, its length, an abort signal.
          await client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key,
              UploadId,
              PartNumber: next++,
              Body: Readable.from([body]),
              ContentLength: 1,
            }),
            { abortSignal: new AbortController().signal },
          );
        }
      }),
    ),
  );
  client.destroy();
  return cpu;
}

/** As many 1-byte PUTs through put-client.ts as the raw PUT rate B sends. */
function rawRequests(endpoint: string, bucket: string, count: number): Promise<number> {
  return cpuOf(() =>
    measurePutRate({
      endpoint,
      bucket,
      prefix: `request-cost/${process.pid}`,
      totalBytes: count,
      partSize: 1,
      concurrency: CONCURRENCY,
    }),
  );
}

/** CPU milliseconds (user + system, every thread of this process) that `fn` took. */
async function cpuOf(fn: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

const [kind, endpoint, bucket, countText] = process.argv.slice(2);
const count = Number(countText);
if ((kind !== 'sdk' && kind !== 'raw') || !endpoint || !bucket || !(count > 0)) {
  console.error('usage: request-cost.ts sdk|raw ENDPOINT BUCKET COUNT');
  process.exit(2);
}
const ms = await (kind === 'sdk' ? sdkRequests : rawRequests)(endpoint, bucket, count);
console.log(JSON.stringify({ cpuMsPerRequest: ms / count }));
