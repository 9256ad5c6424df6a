import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { CENTER_PROFILE, type SubmissionProfile } from '../../shared/profile';
import { createClientCache, type FixedKeys } from './clients';
import { HashPool } from './hash-pool';
import type { NetworkOptions } from './network';
import { UploadQueue, type Hasher } from './queue';
import type { RetryPolicy } from './retry';
import type { CredentialsFor, Endpoint } from './s3-client';
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
  /** The bandwidth limit in bytes per second (null: none). */
  maxRate?: number | null;
  hashThreads?: number;
  /** A hash pool already at work (the command line's, see electron/cli/entry.ts); it is closed with the services. */
  hasher?: HashPool;
  /** Tests pass their own; default one client per endpoint (see clients.ts). */
  clientFor?: (endpoint: Endpoint) => S3Client;
  /**
   * Credentials per profile for the clients built here (the app and the CLI
   * pass CredentialService.providerFor, see electron/services/credentials.ts);
   * default: the SDK's standard chain.
   */
  credentialsFor?: CredentialsFor;
  /** The demo endpoint's fixed keys (see demo.ts): its client signs with them. */
  fixed?: FixedKeys;
  /** Proxies and trusted CAs for the clients built here; default the environment's (see network.ts). */
  network?: NetworkOptions;
}

export interface Services {
  store: Store;
  hasher: HashPool;
  queue: UploadQueue;
  /** The S3 client the queue uses for an endpoint: share it (access checks, folder listing). */
  clientFor: (endpoint: Endpoint) => S3Client;
  close(): Promise<void>;
}

export interface QueueDeps {
  store: Store;
  /** Its threads are how many files are hashed at once. */
  hasher: Hasher & { readonly threads: number };
  clientFor: (endpoint: Endpoint) => S3Client;
  profile?: SubmissionProfile;
  profileNamed?: (name: string) => SubmissionProfile | undefined;
  partConcurrency?: number;
  partSize?: number;
  maxRate?: number | null;
  retry?: RetryPolicy;
  preflightRetry?: RetryPolicy;
}

/**
 * The upload queue as the app and the command line run it: the center's
 * profile unless told otherwise, as many files hashed at once as the pool
 * has threads, and the upload locks next to the state database, where every
 * Labdrop process using that database finds them.
 */
export function createUploadQueue(deps: QueueDeps): UploadQueue {
  const { store, hasher, profile, ...limits } = deps;
  return new UploadQueue({
    ...limits,
    store,
    hasher,
    profile: profile ?? CENTER_PROFILE,
    hashConcurrency: hasher.threads,
    locks: new UploadLocks(join(dirname(store.path), 'locks')),
  });
}

/**
 * Builds the engine the command line runs on: one state store, one hash
 * pool, one S3 client per endpoint, one queue. (The app composes the same
 * parts in electron/app/core.ts.)
 */
export function createServices(options: ServiceOptions = {}): Services {
  const store = options.store ?? Store.openDefault();
  const hasher =
    options.hasher ?? new HashPool({ threads: options.hashThreads ?? availableParallelism() });
  const clients = createClientCache({
    ...options.network,
    ...(options.credentialsFor ? { credentialsFor: options.credentialsFor } : {}),
    ...(options.fixed ? { fixed: options.fixed } : {}),
  });
  const clientFor = options.clientFor ?? clients.clientFor;
  const queue = createUploadQueue({
    store,
    hasher,
    clientFor,
    profile: options.profile,
    profileNamed: options.profileNamed,
    partConcurrency: options.partConcurrency,
    partSize: options.partSize,
    maxRate: options.maxRate,
  });
  return {
    store,
    hasher,
    queue,
    clientFor,
    async close() {
      await hasher.close();
      clients.destroy();
      store.close();
    },
  };
}
