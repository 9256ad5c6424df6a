// The composition root: the whole app but its window, built the same way by
// electron/main.ts, the end-to-end test host and the integration tests. No
// `electron` here: what only Electron has (dialogs, the window to send
// events to, the OS keychain) comes in as options.
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AppInfo } from '../../shared/ipc';
import { MiB } from '../../shared/parts';
import { CENTER_PROFILE } from '../../shared/profile';
import { SETTINGS_FILE } from '../engine/app-home';
import { createClientCache } from '../engine/clients';
import { startDemo, type DemoRun } from '../engine/demo';
import { HashPool } from '../engine/hash-pool';
import { systemStoreCertificates, type NetworkOptions, type ResolveProxy } from '../engine/network';
import type { Hasher, UploadQueue } from '../engine/queue';
import type { RetryPolicy } from '../engine/retry';
import type { CredentialsFor, Endpoint } from '../engine/s3-client';
import { createUploadQueue } from '../engine/services';
import { Store, type StoreOptions } from '../engine/store';
import { ChosenPaths } from '../ipc/chosen-paths';
import { createHandlers, type HandlerDeps, type IpcHandlers } from '../ipc/handlers';
import { SettingsFile } from '../ipc/settings-file';
import { UploadSession } from '../ipc/upload-session';
import { openActivityLog, type ActivityLog } from '../services/activity-log';
import { CredentialService, type CredentialServiceOptions } from '../services/credentials';
import { buildDiagnostics, formatDiagnostics } from '../services/diagnostics';
import type { SecretStore } from '../services/secret-store';
import { createTargetServices, type TargetServices } from '../services/target-services';
import { Disposables, type Teardown } from './disposables';

/** Hashing for the queue, plus the early hashing of planned files (see HashPool.prefetch). */
export type AppHasher = Hasher & Pick<HashPool, 'prefetch' | 'threads'>;

/** What the host provides: main's dialogs and window, or the test host's stand-ins. */
export type HostSide = Pick<
  HandlerDeps,
  'openPaths' | 'openJsonFile' | 'savePath' | 'broadcast' | 'openFolder' | 'copyText'
>;

export interface AppCoreOptions extends HostSide {
  /**
   * The history database (labdrop.db), settings.json, the upload locks and
   * logs/labdrop.log: appHome() in the app.
   */
  dataDir: string;
  /** How to open the database (main: better-sqlite3's Electron build in development). */
  storeOptions?: StoreOptions;
  /** Keeps keys typed in the app encrypted: Electron's safeStorage (after ready), or a test keychain. */
  secrets: SecretStore | null;
  /** The credential service's other options: tests replace the AWS chain or the platform. */
  credentials?: Omit<CredentialServiceOptions, 'store' | 'secrets'>;
  /** What the S3 clients sign with instead of the credential service (a test's session that runs out). */
  credentialsFor?: CredentialsFor;
  /**
   * The proxy for a URL as the system's settings and PAC file say (main:
   * Electron's session.resolveProxy); default the proxy variables.
   */
  resolveProxy?: ResolveProxy;
  /** The system's trusted certificates; default the runtime's (see systemStoreCertificates). */
  systemCertificates?: NetworkOptions['systemCertificates'];
  /** app:info's version. */
  version: string;
  /** The built hash worker; default the one next to the bundle (see hash-pool.ts). */
  hashWorker?: string;
  /** The hash pool's threads; default one per core. */
  hashThreads?: number;
  /** A hasher the caller owns and closes, used instead of a pool of the core's own. */
  hasher?: AppHasher;
  /** The part size uploads are cut to; default the saved setting (a new one applies after a restart). */
  partSizeMiB?: number;
  /** Parts in flight across all files (small files weigh their share, limiter.ts); default the saved setting. */
  partConcurrency?: number;
  /** The queue's retry policies; default its patient ones (see retry.ts). */
  retry?: RetryPolicy;
  preflightRetry?: RetryPolicy;
  /** Per request of an access check or a folder listing; default target-services.ts's. */
  targetTimeoutMs?: number;
  /**
   * `--demo`: an in-process S3 endpoint and a sample study (engine/demo.ts).
   * The run keeps its own history and settings in a folder under
   * <dataDir>/demo, thrown away by dispose().
   */
  demo?: boolean;
}

export interface AppCore {
  appInfo: AppInfo;
  store: Store;
  settings: SettingsFile;
  /** labdrop.log: every upload's steps, retries and errors, and every access check. */
  log: ActivityLog;
  credentials: CredentialService;
  /** The one S3 client per endpoint the queue, the checks and the browser share. */
  clientFor: (endpoint: Endpoint) => S3Client;
  hasher: AppHasher;
  queue: UploadQueue;
  session: UploadSession;
  targets: TargetServices;
  /** What the user dropped or chose: the only paths uploads:plan reads. */
  chosen: ChosenPaths;
  handlers: IpcHandlers;
  /**
   * Last run's unfinished uploads join the queue view, and those a crash cut
   * short carry on. Call once, after whatever follows the queue (main's OS
   * integration) has subscribed to it.
   */
  restoreSession(): void;
  /**
   * Tears something of the host's down with the core: after the queue has
   * stopped, before anything the core built (main's IPC binding, batcher and
   * OS integration).
   */
  defer(teardown: Teardown): void;
  /**
   * Pauses every upload and waits until nothing runs (the next start shows
   * them paused, ready to resume), then tears down the rest in reverse order
   * of construction.
   */
  dispose(): Promise<void>;
}

export async function createAppCore(options: AppCoreOptions): Promise<AppCore> {
  const disposables = new Disposables();
  try {
    return await compose(options, disposables);
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
}

async function compose(options: AppCoreOptions, disposables: Disposables): Promise<AppCore> {
  const demo: DemoRun | null = options.demo
    ? disposables.add(await startDemo(join(options.dataDir, 'demo'), 'app-'), (run) => run.stop())
    : null;
  const home = demo?.folder ?? options.dataDir;
  // The real data folder's log even in the demo: what a lab tried is worth sending too.
  const log = openActivityLog({ home: options.dataDir, source: 'app' });
  log.note(`Labdrop ${options.version} started${demo ? ' (demo)' : ''}`);
  const store = disposables.add(
    Store.open(join(home, 'labdrop.db'), options.storeOptions),
    (opened) => opened.close(),
  );
  const settings = SettingsFile.open(join(home, SETTINGS_FILE));
  const initial = settings.get();
  const partSizeMiB = options.partSizeMiB ?? initial.partSizeMiB;

  // One way out to the network, as the system's settings say, for every
  // client: uploads, checks, browsing and the credential chain's own.
  const network: Omit<NetworkOptions, 'env'> = {
    resolveProxy: options.resolveProxy,
    systemCertificates: options.systemCertificates ?? systemStoreCertificates,
  };
  // One credential service for uploads, checks and browsing.
  const credentials = new CredentialService({
    network,
    // The demo's default credentials are its endpoint's fixed keys, so
    // "Check access" there signs as the uploads do.
    ...(demo ? { chainSource: () => async () => demo.endpoint.credentials } : {}),
    ...options.credentials,
    store,
    secrets: options.secrets,
  });
  const clients = disposables.add(
    createClientCache({
      ...network,
      credentialsFor: options.credentialsFor ?? credentials.providerFor,
      ...(demo ? { fixed: demo.endpoint } : {}),
    }),
    (cache) => cache.destroy(),
  );
  const { clientFor } = clients;
  const targets = disposables.add(
    createTargetServices({
      store,
      credentials,
      clientFor,
      network,
      ...(options.targetTimeoutMs ? { timeoutMs: options.targetTimeoutMs } : {}),
      onChecked: (report) => log.accessChecked(report),
    }),
    (services) => services.close(),
  );
  const hasher: AppHasher =
    options.hasher ??
    disposables.add(
      new HashPool({ threads: options.hashThreads, workerFile: options.hashWorker }),
      (pool) => pool.close(),
    );
  const queue = createUploadQueue({
    store,
    hasher,
    clientFor,
    profileNamed: (name) => targets.profiles.get(name),
    partSize: partSizeMiB * MiB,
    partConcurrency: options.partConcurrency ?? initial.partConcurrency,
    maxRate: initial.maxRate,
    retry: options.retry,
    preflightRetry: options.preflightRetry,
  });
  disposables.defer(log.follow(queue));
  const session = new UploadSession(store, queue);

  const appInfo: AppInfo = {
    version: options.version,
    platform: process.platform,
    demo: demo && {
      endpoint: demo.endpoint.endpoint,
      bucket: demo.target.bucket,
      region: demo.target.region,
      prefix: demo.prefix,
      sampleFolder: demo.sampleFolder,
    },
    profile: CENTER_PROFILE,
  };
  const chosen = new ChosenPaths();
  // The demo's sample study is main's own: its button may plan it without a drop.
  if (demo) chosen.allow([demo.sampleFolder]);
  const handlers = createHandlers({
    store,
    queue,
    session,
    settings,
    appInfo,
    partSizeMiB,
    clientFor,
    hasher,
    targets,
    chosen,
    openPaths: options.openPaths,
    openJsonFile: options.openJsonFile,
    savePath: options.savePath,
    broadcast: options.broadcast,
    openFolder: options.openFolder,
    copyText: options.copyText,
    logFolder: log.folder,
    diagnostics: () =>
      formatDiagnostics(
        buildDiagnostics({
          home,
          logFile: log.path,
          version: options.version,
          runningAs: 'app',
          services: targets,
        }),
      ),
  });

  return {
    appInfo,
    store,
    settings,
    log,
    credentials,
    clientFor,
    hasher,
    queue,
    session,
    targets,
    chosen,
    handlers,
    restoreSession: () => session.restore(),
    defer: (teardown) => disposables.defer(teardown),
    async dispose() {
      // Nothing is torn down under a running upload; a cancel still removing
      // parts is waited for.
      await queue.pauseAll();
      await queue.idle();
      log.flush();
      await disposables.dispose();
    },
  };
}
