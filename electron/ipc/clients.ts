import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_PART_CONCURRENCY } from '../../shared/ipc';
import { createS3Client, type CredentialsFor, type Endpoint } from '../engine/s3-client';

export interface ClientCacheOptions {
  /** The demo endpoint's fixed keys; every other endpoint uses `credentialsFor`. */
  demo?: { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /**
   * Credentials per profile (CredentialService.providerFor): stored keys, SSO
   * and the AWS chain, refreshed in one place. Default: the SDK's chain.
   */
  credentialsFor?: CredentialsFor;
}

/**
 * One S3 client per endpoint, region and profile, shared by the queue, the
 * access check and the folder browser, so the window's checks sign with the
 * same credentials as the uploads (the engine's services build the same when
 * not given one).
 */
export function createClientCache(options: ClientCacheOptions = {}) {
  const clients = new Map<string, S3Client>();
  return {
    clientFor(endpoint: Endpoint): S3Client {
      const id = JSON.stringify([endpoint.endpoint, endpoint.region, endpoint.awsProfile]);
      let client = clients.get(id);
      if (!client) {
        const demo = options.demo && endpoint.endpoint === options.demo.endpoint;
        client = createS3Client(endpoint, {
          // Sockets open lazily; the cap follows the highest concurrency Settings allow.
          maxSockets: 2 * MAX_PART_CONCURRENCY,
          ...(demo
            ? { credentials: options.demo?.credentials }
            : options.credentialsFor
              ? { credentials: options.credentialsFor(endpoint.awsProfile) }
              : {}),
        });
        clients.set(id, client);
      }
      return client;
    },
    destroy(): void {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
