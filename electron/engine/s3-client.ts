import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

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

export interface ClientOptions {
  /** Parallel connections the client may open; match the part concurrency. */
  maxSockets?: number;
  /** A request that sends or receives nothing for this long is aborted and retried. */
  idleTimeoutMs?: number;
  /** Fixed credentials (the demo endpoint) or a provider; default: the standard AWS chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read; default process.env. */
  env?: NodeJS.ProcessEnv;
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
    requestHandler: createRequestHandler(serviceUrl(target, 's3'), options),
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
 * An HTTP handler for requests to `url`, through the proxy the standard
 * environment variables name for it (see proxyFor). Shared by the S3 and STS
 * clients so both reach AWS the same way.
 */
export function createRequestHandler(
  url: string,
  options: Pick<ClientOptions, 'maxSockets' | 'idleTimeoutMs' | 'env'> = {},
): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const proxy = proxyFor(url, options.env ?? process.env);
  return new NodeHttpHandler({
    connectionTimeout: 10_000,
    // An idle timeout, not a total one: a 5 GiB part may take an hour on a
    // slow link, but a connection silent for a minute is dead (smithy's
    // requestTimeout only warns unless told to throw).
    socketTimeout: options.idleTimeoutMs ?? 60_000,
    httpAgent: proxy ? new HttpProxyAgent(proxy, agentOptions) : new HttpAgent(agentOptions),
    httpsAgent: proxy ? new HttpsProxyAgent(proxy, agentOptions) : new HttpsAgent(agentOptions),
  });
}

/**
 * The proxy for `url` from the standard variables, or null for a direct
 * connection: https_proxy / HTTPS_PROXY for https URLs, http_proxy /
 * HTTP_PROXY for http ones, ALL_PROXY for either, and no_proxy / NO_PROXY
 * (comma- or space-separated host names, `.domain` or `*.domain` suffixes,
 * optional `:port`, or `*` for none). Loopback addresses are never proxied,
 * as in Chromium: a local S3-compatible store is never behind the lab's proxy.
 */
export function proxyFor(url: string, env: NodeJS.ProcessEnv = process.env): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return null;
  const port = parsed.port || (scheme === 'https' ? '443' : '80');
  const noProxy = variable(env, 'no_proxy');
  if (noProxy && noProxyMatches(noProxy, host, port)) return null;
  const proxy = variable(env, `${scheme}_proxy`) || variable(env, 'all_proxy');
  if (!proxy) return null;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function variable(env: NodeJS.ProcessEnv, name: string): string {
  return (env[name] || env[name.toUpperCase()] || '').trim();
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

function noProxyMatches(list: string, host: string, port: string): boolean {
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const match = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase());
      const pattern = (match?.[1] ?? '').replace(/^\*?\./, '.');
      if (match?.[2] && match[2] !== port) return false;
      if (pattern.startsWith('.')) return host.endsWith(pattern) || host === pattern.slice(1);
      return host === pattern || host.endsWith(`.${pattern}`);
    });
}
