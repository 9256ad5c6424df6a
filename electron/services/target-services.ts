import { dirname } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { CENTER_PROFILE_NAME } from '../../shared/profile';
import { createClientCache, type ClientCache } from '../engine/clients';
import type { NetworkOptions } from '../engine/network';
import type { Endpoint } from '../engine/s3-client';
import type { Store } from '../engine/store';
import { checkAccess, whoami, type AccessReport, type AccessTarget, type WhoAmI } from './access';
import { listBuckets, listFolders, newFolder, type BucketList, type FolderList } from './browse';
import { CredentialService } from './credentials';
import { saveLastCheck } from './diagnostics';
import { ProfileStore } from './profiles';
import type { SecretStore } from './secret-store';
import { TargetStore } from './targets';

export interface TargetServicesOptions {
  store: Store;
  /** Electron's safeStorage in the app; null (the CLI) means keys cannot be stored or used. */
  secrets?: SecretStore | null;
  env?: NodeJS.ProcessEnv;
  /** The upload engine's proxies and CAs (the app's system settings); `env` fills in the rest. */
  network?: Omit<NetworkOptions, 'env'>;
  /** Share the upload engine's credentials (createServices' credentialsFor). */
  credentials?: CredentialService;
  /** Share the upload engine's clients (Services.clientFor); default: clients of our own. */
  clientFor?: (endpoint: Endpoint) => S3Client;
  /** Per request of an access check or a listing. */
  timeoutMs?: number;
  /** Every access check's report (the log's line); the last is also kept for the diagnostics. */
  onChecked?: (report: AccessReport) => void;
}

/**
 * Everything "where do the files go, and will it work" needs, as plain async
 * calls for the IPC layer and the CLI. Failures the user can act on are
 * thrown as ServiceError / UploadFailure ({ code, message }); an access
 * check's verdict is a value (AccessReport), never a throw.
 */
export interface TargetServices {
  credentials: CredentialService;
  profiles: ProfileStore;
  targets: TargetStore;
  clientFor(endpoint: Endpoint): S3Client;
  whoami(source: Endpoint): Promise<WhoAmI>;
  /** `submissionProfile` defaults to the center's preset. */
  checkAccess(target: AccessTarget, submissionProfile?: string): Promise<AccessReport>;
  listBuckets(source: Endpoint): Promise<BucketList>;
  listFolders(target: Endpoint & { bucket: string }, prefix: string): Promise<FolderList>;
  newFolder(parent: string, name: string): { prefix: string; warnings: string[] };
  close(): void;
}

export function createTargetServices(options: TargetServicesOptions): TargetServices {
  const env = options.env ?? process.env;
  const network: NetworkOptions = { ...options.network, env };
  const credentials =
    options.credentials ??
    new CredentialService({
      store: options.store,
      secrets: options.secrets ?? null,
      env,
      network,
    });
  const profiles = new ProfileStore(options.store);
  const targets = new TargetStore(options.store, profiles);
  // Checks and browsing on their own (the command line): clients of their own.
  let own: ClientCache | null = null;
  const clientFor =
    options.clientFor ??
    (own = createClientCache({
      ...network,
      maxSockets: 4,
      credentialsFor: credentials.providerFor,
    })).clientFor;
  const signal = () => AbortSignal.timeout(options.timeoutMs ?? 20_000);

  return {
    credentials,
    profiles,
    targets,
    clientFor,
    whoami: (source) => whoami(source, { credentials, network, timeoutMs: options.timeoutMs }),
    checkAccess: async (target, submissionProfile = CENTER_PROFILE_NAME) => {
      const report = await checkAccess(target, {
        credentials,
        clientFor,
        profile: profiles.require(submissionProfile),
        network,
        timeoutMs: options.timeoutMs,
      });
      saveLastCheck(dirname(options.store.path), report);
      options.onChecked?.(report);
      return report;
    },
    listBuckets: (source) => listBuckets(clientFor(source), source, { signal: signal() }),
    listFolders: (target, prefix) =>
      listFolders(clientFor(target), target, prefix, { signal: signal() }),
    newFolder,
    close() {
      own?.destroy();
    },
  };
}
