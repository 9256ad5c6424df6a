// What every command shares: where its text goes, its exit codes, and how it
// opens the store and the services over it.
import { dirname } from 'node:path';
import type { UploadRecord } from '../../shared/types';
import { regionFromEnv } from '../engine/s3-client';
import { createServices, type ServiceOptions, type Services } from '../engine/services';
import { Store } from '../engine/store';
import { openActivityLog, type ActivityLog } from '../services/activity-log';
import { CredentialService } from '../services/credentials';
import { ProfileStore } from '../services/profiles';
import { ServiceError, toProblem } from '../services/service-error';
import { createTargetServices, type TargetServices } from '../services/target-services';

/**
 * Exit codes: 0 done (an upload: all uploaded and verified; check: an upload
 * there would succeed); 1 a file or the target failed, an upload was
 * cancelled, or the credentials failed; 2 bad input; 130 paused (Ctrl-C,
 * SIGTERM, SIGHUP, `labdrop pause`) or stopped at the prompt.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export const out = (line = '') => process.stdout.write(`${line}\n`);
export const err = (line: string) => process.stderr.write(`${line}\n`);

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** An upload by its full ID or a unique prefix of it; a string says why not. */
export function find(store: Store, idOrPrefix: string): UploadRecord | string {
  const exact = store.getUpload(idOrPrefix);
  if (exact) return exact;
  const matches = store.query().filter((r) => r.id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0] as UploadRecord;
  return matches.length === 0
    ? `no upload has the ID "${idOrPrefix}"; \`labdrop history\` lists them.`
    : `"${idOrPrefix}" matches ${matches.length} uploads; give more characters.`;
}

/** labdrop.log in the data folder of `store`, the file the app writes too. */
export function cliLog(store: Store): ActivityLog {
  return openActivityLog({ home: dirname(store.path), source: 'cli' });
}

/**
 * The engine with the command line's credentials: the standard AWS chain,
 * refreshed ahead of expiry and explained when it fails (see
 * electron/services/credentials.ts), and the log following its uploads.
 */
export function cliServices(options: ServiceOptions = {}): Services {
  const store = options.store ?? Store.openDefault();
  const services = createServices({
    ...options,
    store,
    credentialsFor: new CredentialService({ store }).providerFor,
    profileNamed: (name) => new ProfileStore(store).get(name),
  });
  const unfollow = cliLog(store).follow(services.queue);
  return {
    ...services,
    async close() {
      unfollow();
      await services.close();
    },
  };
}

/**
 * For a command on one upload (pause, cancel): the engine, and the upload
 * named by its ID or a prefix of it; an unknown one is bad input (2).
 */
export async function withUpload(
  idOrPrefix: string,
  fn: (services: Services, record: UploadRecord) => Promise<number>,
): Promise<number> {
  const services = cliServices({ hashThreads: 1 });
  try {
    const record = find(services.store, idOrPrefix);
    if (typeof record === 'string') {
      err(`labdrop: ${record}`);
      return EXIT.usage;
    }
    return await fn(services, record);
  } finally {
    await services.close();
  }
}

export async function withStore(fn: (store: Store) => number | Promise<number>): Promise<number> {
  const store = Store.openDefault();
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/**
 * For whoami, check, targets and profiles: the same target services the app
 * calls. A ServiceError is bad input (2); anything else, such as credentials
 * that fail, is 1.
 */
export function withTargetServices(
  fn: (services: TargetServices, place: { home: string; log: ActivityLog }) => Promise<number>,
) {
  return withStore(async (store) => {
    // The command line has no keychain: keys stored by the app stay in the app.
    const log = cliLog(store);
    const services = createTargetServices({
      store,
      secrets: null,
      env: process.env,
      onChecked: (report) => log.accessChecked(report),
    });
    try {
      return await fn(services, { home: dirname(store.path), log });
    } catch (error) {
      if (error instanceof ServiceError) {
        for (const line of error.message.split('\n')) err(`labdrop: ${line}`);
        return EXIT.usage;
      }
      const problem = toProblem(error, { bucket: '', endpoint: null });
      err(`labdrop: ${problem.message}`);
      return EXIT.failed;
    } finally {
      services.close();
    }
  });
}

/** The region of the AWS profile, else of the environment. */
export function defaultRegion(services: TargetServices, profile: string | null): string {
  return services.credentials.regionOf(profile) ?? regionFromEnv();
}
