import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_PART_CONCURRENCY } from '../../shared/ipc';
import { createS3Client, type Endpoint } from '../engine/s3-client';

export interface ClientCacheOptions {
  /** The demo endpoint's fixed keys; every other endpoint uses the AWS chain. */
  demo?: { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
}

/**
 * One S3 client per endpoint, region and profile, shared by the queue and the
 * target check (the engine's services build the same when not given one).
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
          ...(demo ? { credentials: options.demo?.credentials } : {}),
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
