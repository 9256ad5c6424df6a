import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_PART_CONCURRENCY } from '../../shared/ipc';
import { CENTER_PROFILE, type SubmissionProfile } from '../../shared/profile';
import { HashPool } from './hash-pool';
import { UploadQueue } from './queue';
import { createS3Client, type CredentialsFor, type Endpoint } from './s3-client';
import { Store } from './store';
import { UploadLocks } from './upload-lock';

export interface ServiceOptions {
  /** The state database; default <appHome>/labdrop.db. */
  store?: Store;
  profile?: SubmissionProfile;
  /** Looks up saved submission profiles by name (resuming an upload made with one). */
  profileNamed?: (name: string) => SubmissionProfile | undefined;
  partConcurrency?: number;
  partSize?: number;
  hashThreads?: number;
  /** A hash pool already at work (the command line's, see electron/cli/entry.ts); it is closed with the services. */
  hasher?: HashPool;
  /** Tests and the demo pass their own (e.g. fixed credentials). */
  clientFor?: (endpoint: Endpoint) => S3Client;
  /**
   * Credentials per profile for the clients built here (the app and the CLI
   * pass CredentialService.providerFor, see electron/services/credentials.ts);
   * default: the SDK's standard chain.
   */
  credentialsFor?: CredentialsFor;
}

export interface Services {
  store: Store;
  hasher: HashPool;
  queue: UploadQueue;
  /** The S3 client the queue uses for an endpoint: share it (access checks, folder listing). */
  clientFor: (endpoint: Endpoint) => S3Client;
  close(): Promise<void>;
}

/**
 * Builds the engine the app and the command line share: one state store, one
 * hash pool, one S3 client per endpoint, one queue.
 */
export function createServices(options: ServiceOptions = {}): Services {
  const store = options.store ?? Store.openDefault();
  const hashThreads = options.hasher?.threads ?? options.hashThreads ?? availableParallelism();
  const hasher = options.hasher ?? new HashPool({ threads: hashThreads });
  const clients = new Map<string, S3Client>();
  const clientFor =
    options.clientFor ??
    ((endpoint: Endpoint) => {
      const id = JSON.stringify([endpoint.endpoint, endpoint.region, endpoint.awsProfile]);
      let client = clients.get(id);
      if (!client) {
        client = createS3Client(endpoint, {
          // Enough for the highest setting: the queue's limits decide how many are used.
          maxSockets: 2 * MAX_PART_CONCURRENCY,
          ...(options.credentialsFor
            ? { credentials: options.credentialsFor(endpoint.awsProfile) }
            : {}),
        });
        clients.set(id, client);
      }
      return client;
    });
  const queue = new UploadQueue({
    store,
    hasher,
    clientFor,
    profile: options.profile ?? CENTER_PROFILE,
    profileNamed: options.profileNamed,
    partConcurrency: options.partConcurrency,
    partSize: options.partSize,
    hashConcurrency: hashThreads,
    locks: new UploadLocks(join(dirname(store.path), 'locks')),
  });
  return {
    store,
    hasher,
    queue,
    clientFor,
    async close() {
      await hasher.close();
      for (const client of clients.values()) client.destroy();
      store.close();
    },
  };
}
