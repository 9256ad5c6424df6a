import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_REQUESTS_IN_FLIGHT } from '../../shared/parts';
import type { NetworkOptions } from './network';
import { createS3Client, type CredentialsFor, type Endpoint } from './s3-client';

/** Keys that sign every request to one endpoint, whatever the profile. */
export interface FixedKeys {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Proxies and trusted CAs: the app's system settings, or the command line's variables (network.ts). */
export interface ClientCacheOptions extends NetworkOptions {
  /** The demo endpoint's fixed keys (see demo.ts); every other endpoint uses `credentialsFor`. */
  fixed?: FixedKeys;
  /**
   * Credentials per profile (the app and the CLI pass CredentialService.providerFor,
   * see electron/services/credentials.ts): stored keys, SSO and the AWS chain,
   * refreshed in one place. Default: the SDK's standard chain.
   */
  credentialsFor?: CredentialsFor;
  /** Sockets per client; default enough for the highest concurrency Settings allow. */
  maxSockets?: number;
}

export interface ClientCache {
  /** The client for an endpoint, region and profile; a function that may be passed on alone. */
  clientFor: (endpoint: Endpoint) => S3Client;
  /** Closes every client's sockets; the cache is empty after. */
  destroy(): void;
}

/**
 * One S3 client per endpoint, region and profile, shared by the queue, the
 * access check and the folder browser, so the window's checks sign with the
 * same credentials as the uploads.
 */
export function createClientCache(options: ClientCacheOptions = {}): ClientCache {
  const clients = new Map<string, S3Client>();
  const credentialsOf = (endpoint: Endpoint) =>
    options.fixed && endpoint.endpoint === options.fixed.endpoint
      ? options.fixed.credentials
      : options.credentialsFor?.(endpoint.awsProfile);
  return {
    clientFor(endpoint) {
      const id = JSON.stringify([
        endpoint.endpoint,
        endpoint.region,
        endpoint.awsProfile,
        endpoint.accelerate === true,
      ]);
      let client = clients.get(id);
      if (!client) {
        const credentials = credentialsOf(endpoint);
        client = createS3Client(endpoint, {
          // Sockets open lazily; enough for the highest setting, the queue's limits decide how many are used.
          maxSockets: options.maxSockets ?? MAX_REQUESTS_IN_FLIGHT,
          env: options.env,
          resolveProxy: options.resolveProxy,
          systemCertificates: options.systemCertificates,
          ...(credentials ? { credentials } : {}),
        });
        clients.set(id, client);
      }
      return client;
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
