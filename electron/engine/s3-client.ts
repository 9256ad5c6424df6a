import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where uploads go and whose credentials they use. */
export interface Endpoint {
  /** S3-compatible endpoint URL; null for AWS S3 itself. */
  endpoint: string | null;
  region: string;
  /** Named profile from ~/.aws; null for the default credential chain. */
  awsProfile: string | null;
}

export const DEFAULT_REGION = 'us-east-1';

export interface ClientOptions {
  /** Parallel connections the client may open; match the part concurrency. */
  maxSockets?: number;
  /** A request that sends or receives nothing for this long is aborted and retried. */
  idleTimeoutMs?: number;
  /** Fixed credentials (the demo endpoint); default: the standard AWS chain. */
  credentials?: S3ClientConfig['credentials'];
}

export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
}

/**
 * The one place S3 clients are made. Retries are the engine's (see retry.ts),
 * so the SDK makes one attempt. Checksums only where S3 requires them: many
 * S3-compatible endpoints reject the SDK's newer default CRC checksums, and
 * every part already carries a Content-MD5 from the hash pool.
 */
export function createS3Client(target: Endpoint, options: ClientOptions = {}): S3Client {
  const maxSockets = options.maxSockets ?? 16;
  const agentOptions = { keepAlive: true, maxSockets };
  return new S3Client({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
    ...(target.awsProfile ? { profile: target.awsProfile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      requestTimeout: options.idleTimeoutMs ?? 60_000,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  });
}
