import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { createNetworkAgent, type NetworkAgentOptions, type NetworkOptions } from './network';

/** Where uploads go and whose credentials they use. */
export interface Endpoint {
  /** S3-compatible endpoint URL; null for AWS S3 itself. */
  endpoint: string | null;
  region: string;
  /** Named profile from ~/.aws; null for the default credential chain. */
  awsProfile: string | null;
  /**
   * Through S3 Transfer Acceleration's endpoint (BUCKET.s3-accelerate.amazonaws.com),
   * as the AWS CLI's use_accelerate_endpoint; AWS S3 only (see accelerationProblem).
   */
  accelerate?: boolean;
}

/** The credentials for a named profile (null: the default chain); see electron/services/credentials.ts. */
export type CredentialsFor = (awsProfile: string | null) => AwsCredentialIdentityProvider;

export const DEFAULT_REGION = 'us-east-1';

const ignore = (): void => undefined;
const QUIET_LOGGER = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Proxies and trusted CAs come from NetworkOptions (see network.ts). */
export interface ClientOptions extends NetworkOptions {
  /** Parallel connections the client may open; match the part concurrency. */
  maxSockets?: number;
  /** A request that sends or receives nothing for this long is aborted and retried. */
  idleTimeoutMs?: number;
  /** Fixed credentials (the demo endpoint) or a provider; default: the standard AWS chain. */
  credentials?: S3ClientConfig['credentials'];
}

export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
}

/**
 * The one place S3 clients are made. Retries are the engine's (see retry.ts),
 * so the SDK makes one attempt. Checksums only where S3 requires them: many
 * S3-compatible endpoints reject the SDK's newer default (CRC checksums sent
 * as aws-chunked trailers), and every part already carries its checksum in
 * a header, computed by the hash pool.
 */
export function createS3Client(target: Endpoint, options: ClientOptions = {}): S3Client {
  const client = new S3Client({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
    ...(target.awsProfile ? { profile: target.awsProfile } : {}),
    ...(target.accelerate ? { useAccelerateEndpoint: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    // A bucket in another region than the one configured answers with a
    // redirect naming its own; the SDK then asks there (and remembers it).
    followRegionRedirects: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The SDK would print "An error was encountered in a non-retryable
    // streaming request" over the progress display for every failed part;
    // the engine retries and reports failures itself.
    logger: QUIET_LOGGER,
    requestHandler: createRequestHandler({
      awsProfile: target.awsProfile,
      maxSockets: options.maxSockets,
      idleTimeoutMs: options.idleTimeoutMs,
      env: options.env,
      resolveProxy: options.resolveProxy,
      systemCertificates: options.systemCertificates,
    }),
  });
  // An answer without an error code (a HEAD's 403 has no body) reaches the
  // SDK as "UnknownError"; the request's name lets the message say which
  // request failed and what permission it needs (classifyError).
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && context.commandName) {
          Object.assign(error, { $command: context.commandName.replace(/Command$/, '') });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'labdropNamesTheRequest' },
  );
  return client;
}

/** The URL requests for `service` go to: the custom endpoint, or AWS's regional one. */
export function serviceUrl(target: Pick<Endpoint, 'endpoint' | 'region'>, service: string): string {
  return target.endpoint ?? `https://${service}.${target.region}.amazonaws.com`;
}

/**
 * An HTTP handler whose connections take the proxy the network options name
 * (the system's settings in the app, the standard variables on the command
 * line) and trust the CAs of the profile (see network.ts). Shared by the S3
 * and STS clients so both reach AWS the same way.
 */
export function createRequestHandler(
  options: Pick<ClientOptions, 'idleTimeoutMs'> & NetworkAgentOptions = {},
): NodeHttpHandler {
  const { idleTimeoutMs, ...network } = options;
  return new NodeHttpHandler({
    connectionTimeout: 10_000,
    // An idle timeout, not a total one: a 5 GiB part may take an hour on a
    // slow link, but a connection silent for a minute is dead (smithy's
    // requestTimeout only warns unless told to throw).
    socketTimeout: idleTimeoutMs ?? 60_000,
    httpAgent: createNetworkAgent(network, 'http:'),
    httpsAgent: createNetworkAgent(network, 'https:'),
  });
}
