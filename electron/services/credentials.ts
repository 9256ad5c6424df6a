import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { UploadFailure } from '../engine/errors';
import { awsConfigPaths } from '../engine/aws-files';
import type { NetworkOptions } from '../engine/network';
import { createRequestHandler } from '../engine/s3-client';
import type { Store } from '../engine/store';
import type {
  CredentialChoice,
  CredentialKind,
  CredentialSummary,
  StoredKeysSummary,
} from '../../shared/targets';
import { listAwsProfiles } from './aws-config';
import { secretStorageProblem, type SecretStore } from './secret-store';
import { redactSecrets, ServiceError } from './service-error';

/**
 * Note on secrets (enforced here): a secret key, a session token or a whole
 * access key ID never leaves this module except inside the provider function
 * handed to the AWS SDK. Summaries, listings, errors and the database show
 * the profile name, the last 4 characters of the key ID, the region and the
 * expiry; stored keys are encrypted by the OS keychain before they are
 * written. The renderer, the logs, the history and the CLI see only that.
 */

export type {
  CredentialChoice,
  CredentialKind,
  CredentialSummary,
  StoredKeysSummary,
} from '../../shared/targets';

export interface StoredKeysInput {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | null;
  region?: string | null;
}

/** A provider the SDK calls before each request, plus what main needs around it. */
export interface ManagedProvider extends AwsCredentialIdentityProvider {
  /** The credentials last handed out, if any: for summaries, never for display. */
  current(): AwsCredentialIdentity | null;
  /** Forgets cached credentials, e.g. after the user signed in again. */
  reset(): void;
}

export interface RefreshOptions {
  /** Refresh when less than this is left (default 5 minutes, the SDK's own window). */
  refreshAheadMs?: number;
  /** Credentials with less than this left are not handed out (default 10 s). */
  marginMs?: number;
  /** After a failed refresh, valid credentials are reused this long before trying again. */
  retryAfterMs?: number;
  /**
   * Credentials without an expiry (a profile's keys, the environment's) are
   * read again after this long (default 1 minute): the user may have run
   * `aws configure` with new keys while Labdrop was open.
   */
  rereadAfterMs?: number;
  now?: () => number;
}

const FIVE_MINUTES = 5 * 60_000;
/** The expiry the SDK is shown: well inside its 5-minute refresh window (see handOut). */
const HANDED_OUT_FOR_MS = 60_000;

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Wraps a credential source so that credentials are refreshed ahead of
 * expiry, still-valid ones keep working while a refresh fails (an SSO portal
 * hiccup must not stop uploads), and credentials that can no longer be
 * renewed fail with an explained UploadFailure: code ExpiredToken when a
 * session ran out, NoCredentials when there never were any. The queue pauses
 * on both and asks the user to sign in again (see settleFailure in queue.ts),
 * so no file fails for it.
 */
export function refreshingProvider(
  createSource: () => AwsCredentialIdentityProvider,
  explain: (reason: 'expired' | 'missing', cause: unknown) => UploadFailure,
  options: RefreshOptions = {},
): ManagedProvider {
  const refreshAheadMs = options.refreshAheadMs ?? FIVE_MINUTES;
  const marginMs = options.marginMs ?? 10_000;
  const retryAfterMs = options.retryAfterMs ?? 30_000;
  const rereadAfterMs = options.rereadAfterMs ?? 60_000;
  const now = options.now ?? Date.now;
  let source = createSource();
  let cached: AwsCredentialIdentity | null = null;
  let cachedAt = Number.NEGATIVE_INFINITY;
  let hadCredentials = false;
  let failedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<AwsCredentialIdentity> | null = null;

  const left = (identity: AwsCredentialIdentity, at: number) =>
    identity.expiration ? identity.expiration.getTime() - at : Number.POSITIVE_INFINITY;

  const refresh = (): Promise<AwsCredentialIdentity> => {
    pending ??= Promise.resolve()
      .then(() => source())
      .finally(() => {
        pending = null;
      });
    return pending;
  };

  // The SDK caches what a provider returns: keys without an expiry for the
  // client's lifetime, others until 5 minutes before they expire. Handed out
  // with an expiry inside that window, the SDK asks here before every
  // request, so this function is the one cache, and new or removed keys and a
  // new sign-in reach clients already built. (Signing does not use it.)
  const handOut = (identity: AwsCredentialIdentity): AwsCredentialIdentity => ({
    ...identity,
    expiration: new Date(
      Math.min(identity.expiration?.getTime() ?? Infinity, Date.now() + HANDED_OUT_FOR_MS),
    ),
  });

  const current = (identity: AwsCredentialIdentity, at: number) =>
    identity.expiration ? left(identity, at) > refreshAheadMs : at - cachedAt < rereadAfterMs;

  const provider = (async () => {
    const at = now();
    if (cached && current(cached, at)) return handOut(cached);
    if (cached && left(cached, at) > marginMs && at - failedAt < retryAfterMs) {
      return handOut(cached);
    }
    // The SDK's chain keeps credentials without an expiry for good: a new
    // one reads the files and the environment again.
    if (cached && !cached.expiration && !pending) source = createSource();
    let fresh: AwsCredentialIdentity;
    try {
      fresh = await refresh();
    } catch (error) {
      failedAt = at;
      if (cached && left(cached, now()) > marginMs) return handOut(cached);
      throw explain(hadCredentials ? 'expired' : 'missing', error);
    }
    if (left(fresh, now()) <= marginMs) {
      failedAt = at;
      throw explain('expired', new Error('the credentials returned had already expired'));
    }
    cached = fresh;
    cachedAt = now();
    hadCredentials = true;
    failedAt = Number.NEGATIVE_INFINITY;
    return handOut(fresh);
  }) as ManagedProvider;
  provider.current = () => cached;
  provider.reset = () => {
    source = createSource();
    cached = null;
    hadCredentials = false;
    failedAt = Number.NEGATIVE_INFINITY;
  };
  return provider;
}

export interface CredentialServiceOptions {
  /** Holds keys stored by the app (see migration 2); null: none can be stored or used. */
  store?: Store | null;
  /** Electron's safeStorage in the app (after app ready); null on the command line. */
  secrets?: SecretStore | null;
  env?: NodeJS.ProcessEnv;
  /** The proxies and CAs of the app's clients, for the chain's own SSO and STS requests. */
  network?: Omit<NetworkOptions, 'env'>;
  platform?: NodeJS.Platform;
  /** Replaces the standard chain, for tests: the source of a ~/.aws profile or the default. */
  chainSource?: (profile: string | null) => AwsCredentialIdentityProvider;
  refresh?: RefreshOptions;
  now?: () => number;
}

const STORED_NAME = /^[A-Za-z0-9_.+@-]{1,64}$/;

interface StoredRow {
  name: string;
  key_id_last4: string;
  region: string | null;
  secret: Buffer;
  created_at: number;
  updated_at: number;
}

interface StoredSecret {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Credentials for the main process and the CLI: the standard AWS chain
 * (environment, ~/.aws profiles with SSO, assume-role and credential_process)
 * or keys entered in the app and kept encrypted. One managed provider per
 * profile name, so every S3 and STS client of a profile shares its refreshes.
 *
 * A name that has keys stored by the app means those keys, even if ~/.aws
 * later gets a profile of the same name (storing under a name ~/.aws already
 * has is refused).
 */
export class CredentialService {
  private readonly providers = new Map<string, ManagedProvider>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;

  constructor(private readonly options: CredentialServiceOptions = {}) {
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
  }

  /**
   * The provider S3 and STS clients of this profile use (null: the default
   * chain). The same function for the life of the service: storing or
   * removing keys, or signing in again, resets what it resolves from.
   */
  providerFor = (profile: string | null): ManagedProvider => {
    const id = profile ?? '';
    let provider = this.providers.get(id);
    if (!provider) {
      provider = refreshingProvider(
        () => this.sourceFor(profile),
        (reason, cause) => this.explain(profile, reason, cause),
        { ...this.options.refresh, now: this.options.refresh?.now ?? this.now },
      );
      this.providers.set(id, provider);
    }
    return provider;
  };

  /** After the user signed in again (or changed keys): the next request resolves afresh. */
  signedIn(profile?: string | null): void {
    if (profile === undefined) {
      for (const provider of this.providers.values()) provider.reset();
      return;
    }
    this.providers.get(profile ?? '')?.reset();
  }

  /**
   * Resolves the profile's credentials and says what they are, without any
   * secret. Throws an explained UploadFailure (NoCredentials, ExpiredToken).
   */
  async summary(profile: string | null): Promise<CredentialSummary> {
    const provider = this.providerFor(profile);
    await provider();
    const identity = provider.current() as AwsCredentialIdentity;
    return {
      profile,
      kind: this.kindOf(profile),
      keyIdLast4: last4(identity.accessKeyId),
      region: this.regionOf(profile),
      expiresAt: identity.expiration ? identity.expiration.getTime() : null,
    };
  }

  /** Everything the credential picker offers: the default chain, ~/.aws profiles, stored keys. */
  choices(): CredentialChoice[] {
    const stored = this.listStoredKeys();
    const storedNames = new Set(stored.map((s) => s.name));
    const profiles = listAwsProfiles(this.env);
    return [
      {
        name: null,
        source: 'default',
        kind: this.env.AWS_ACCESS_KEY_ID ? 'environment' : 'default-chain',
        region: this.env.AWS_REGION || this.env.AWS_DEFAULT_REGION || null,
        keyIdLast4: null,
      },
      ...profiles
        .filter((p) => !storedNames.has(p.name))
        .map((p): CredentialChoice => ({
          name: p.name,
          source: 'aws-config',
          kind: p.kind,
          region: p.region,
          keyIdLast4: null,
        })),
      ...stored.map((s): CredentialChoice => ({
        name: s.name,
        source: 'app',
        kind: 'app-keys',
        region: s.region,
        keyIdLast4: s.keyIdLast4,
      })),
    ];
  }

  /** Why keys cannot be stored on this computer, or null when they can. */
  storageProblem(): string | null {
    if (!this.options.store) return secretStorageProblem(null);
    return secretStorageProblem(this.options.secrets ?? null, this.options.platform);
  }

  /**
   * Encrypts and stores access keys under `name`. Refused, with the reason,
   * where the OS offers only plain-text storage.
   */
  async saveKeys(input: StoredKeysInput): Promise<StoredKeysSummary> {
    const problem = this.storageProblem();
    if (problem) throw new ServiceError('KeychainUnavailable', problem);
    const name = input.name.trim();
    if (!STORED_NAME.test(name)) {
      throw new ServiceError(
        'BadName',
        `"${name}" cannot name a set of keys: use 1 to 64 letters, digits and _ . + @ -.`,
      );
    }
    if (name === 'default') {
      throw new ServiceError(
        'BadName',
        '"default" is the AWS default profile; choose another name for these keys.',
      );
    }
    if (listAwsProfiles(this.env).some((p) => p.name === name)) {
      const { config } = awsConfigPaths(this.env);
      throw new ServiceError(
        'NameTaken',
        `Your AWS configuration (${config}) already has a profile "${name}"; choose another name for these keys.`,
      );
    }
    const accessKeyId = input.accessKeyId.trim();
    const secretAccessKey = input.secretAccessKey.trim();
    const sessionToken = input.sessionToken?.trim() || undefined;
    if (!/^[\x21-\x7e]{3,128}$/.test(accessKeyId)) {
      throw new ServiceError(
        'BadKeys',
        'The access key ID looks wrong: it is 3 to 128 characters with no spaces (AWS ones start with AKIA or ASIA).',
      );
    }
    if (!/^[\x21-\x7e]{8,256}$/.test(secretAccessKey)) {
      throw new ServiceError(
        'BadKeys',
        'The secret access key looks wrong: it is 8 to 256 characters with no spaces (AWS ones are 40).',
      );
    }
    const region = input.region?.trim() || null;
    if (region !== null && !/^[a-z0-9-]{2,32}$/.test(region)) {
      throw new ServiceError('BadRegion', `"${region}" is not a region; it looks like us-east-1.`);
    }
    const secret: StoredSecret = { accessKeyId, secretAccessKey, sessionToken };
    const encrypted = (this.options.secrets as SecretStore).encryptString(JSON.stringify(secret));
    const at = this.now();
    const store = this.options.store as Store;
    store.withDatabase((db) =>
      db
        .prepare(
          `INSERT INTO stored_credentials (name, key_id_last4, region, secret, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET key_id_last4 = excluded.key_id_last4,
             region = excluded.region, secret = excluded.secret, updated_at = excluded.updated_at`,
        )
        .run(name, last4(accessKeyId), region, encrypted, at, at),
    );
    // A client built before now must not go on with the old keys or the chain.
    this.providers.get(name)?.reset();
    return this.listStoredKeys().find((s) => s.name === name) as StoredKeysSummary;
  }

  /** Forgets stored keys; true when there were some. */
  removeKeys(name: string): boolean {
    const store = this.options.store;
    if (!store) return false;
    const removed = store.withDatabase(
      (db) => db.prepare('DELETE FROM stored_credentials WHERE name = ?').run(name).changes,
    );
    this.providers.get(name)?.reset();
    return removed > 0;
  }

  listStoredKeys(): StoredKeysSummary[] {
    const store = this.options.store;
    if (!store) return [];
    const rows = store.withDatabase(
      (db) =>
        db
          .prepare(
            'SELECT name, key_id_last4, region, created_at, updated_at FROM stored_credentials ORDER BY name',
          )
          .all() as Omit<StoredRow, 'secret'>[],
    );
    return rows.map((row) => ({
      name: row.name,
      keyIdLast4: row.key_id_last4,
      region: row.region,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  /** The region a profile names (stored keys, ~/.aws config), else AWS_REGION, else null. */
  regionOf(profile: string | null): string | null {
    const stored = this.storedRow(profile);
    if (stored?.region) return stored.region;
    if (profile) {
      const found = listAwsProfiles(this.env).find((p) => p.name === profile);
      if (found?.region) return found.region;
    }
    return this.env.AWS_REGION || this.env.AWS_DEFAULT_REGION || null;
  }

  kindOf(profile: string | null): CredentialKind {
    if (this.storedRow(profile)) return 'app-keys';
    if (profile === null) {
      const named = this.env.AWS_PROFILE;
      if (!named) return this.env.AWS_ACCESS_KEY_ID ? 'environment' : 'default-chain';
      profile = named;
    }
    return listAwsProfiles(this.env).find((p) => p.name === profile)?.kind ?? 'other';
  }

  private storedRow(profile: string | null): StoredRow | undefined {
    const store = this.options.store;
    if (!store || profile === null) return undefined;
    return store.withDatabase(
      (db) =>
        db.prepare('SELECT * FROM stored_credentials WHERE name = ?').get(profile) as
          StoredRow | undefined,
    );
  }

  private sourceFor(profile: string | null): AwsCredentialIdentityProvider {
    if (profile !== null && this.storedRow(profile)) return this.storedSource(profile);
    return this.options.chainSource?.(profile) ?? this.standardChain(profile);
  }

  private storedSource(name: string): AwsCredentialIdentityProvider {
    return async () => {
      if (!this.options.secrets) {
        throw new Error(
          "they are kept in the Labdrop app's keychain and only the app can use them; on the command line use a profile from ~/.aws",
        );
      }
      const problem = this.storageProblem();
      if (problem) throw new Error(problem);
      const row = this.storedRow(name);
      if (!row) throw new Error('they were removed');
      const secret = JSON.parse(
        this.options.secrets.decryptString(Buffer.from(row.secret)),
      ) as StoredSecret;
      return {
        accessKeyId: secret.accessKeyId,
        secretAccessKey: secret.secretAccessKey,
        ...(secret.sessionToken ? { sessionToken: secret.sessionToken } : {}),
      };
    };
  }

  private standardChain(profile: string | null): AwsCredentialIdentityProvider {
    const paths = awsConfigPaths(this.env);
    return fromNodeProviderChain({
      ...(profile ? { profile } : {}),
      filepath: paths.credentials,
      configFilepath: paths.config,
      // Read the files again on each refresh: the user may have just run
      // `aws configure` or edited them while Labdrop was open.
      ignoreCache: true,
      // The SDK would print its warnings (e.g. "both AWS_PROFILE and keys in
      // the environment") to the console; the profile was chosen on purpose.
      logger: QUIET,
      // The SSO and STS clients inside the chain go through the same proxy
      // and trust the same CAs as the profile's S3 clients.
      clientConfig: {
        requestHandler: createRequestHandler({
          ...this.options.network,
          env: this.env,
          awsProfile: profile,
        }),
      },
    });
  }

  private explain(
    profile: string | null,
    reason: 'expired' | 'missing',
    cause: unknown,
  ): UploadFailure {
    const detail = redactSecrets(cause instanceof Error ? cause.message : String(cause));
    const name = profile ?? this.env.AWS_PROFILE ?? null;
    const kind = this.kindOf(profile);
    const who = name ? `profile "${name}"` : 'the default AWS credentials';
    const then = 'Uploads wait, paused, until you do; nothing has to start over.';
    if (kind === 'sso' || /sso/i.test(detail)) {
      return new UploadFailure({
        code: 'ExpiredToken',
        message: `The AWS sign-in (SSO) for ${who} has ended or was never started. Run \`aws sso login${name ? ` --profile ${name}` : ''}\`, then resume. ${then} (${detail})`,
      });
    }
    if (kind === 'app-keys') {
      return new UploadFailure({
        code: reason === 'expired' ? 'ExpiredToken' : 'NoCredentials',
        message:
          reason === 'expired'
            ? `The keys stored as "${name}" have expired. Enter new keys for "${name}", then resume. ${then}`
            : `The keys stored as "${name}" cannot be used: ${detail}. Enter them again.`,
      });
    }
    if (reason === 'expired') {
      return new UploadFailure({
        code: 'ExpiredToken',
        message: `The AWS session of ${who} has expired and could not be renewed (a role assumed from another role lasts at most an hour). Sign in again, then resume. ${then} (${detail})`,
      });
    }
    const paths = awsConfigPaths(this.env);
    const known = listAwsProfiles(this.env).map((p) => p.name);
    if (name && !known.includes(name)) {
      // A mistyped name may mean keys stored in Labdrop as well as a profile in ~/.aws.
      const stored = this.listStoredKeys().map((k) => k.name);
      return new UploadFailure({
        code: 'NoCredentials',
        message: `There is no AWS profile "${name}" in ${paths.config} or ${paths.credentials}, nor keys of that name stored in Labdrop. ${known.length > 0 ? `Profiles there: ${known.join(', ')}.` : 'Create one with `aws configure --profile NAME` or `aws configure sso`.'} ${stored.length > 0 ? `Keys stored in Labdrop's Settings: ${stored.join(', ')}.` : "Or store access keys under that name in Labdrop's Settings."}`,
      });
    }
    return new UploadFailure({
      code: 'NoCredentials',
      message: name
        ? `No AWS credentials for ${who}: ${detail}. Check that profile in ${paths.config} and ${paths.credentials}, or choose another.`
        : `No AWS credentials were found (${detail}). Choose a profile from ~/.aws (on the command line: --profile NAME), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or enter access keys in the Labdrop app.`,
    });
  }
}

function last4(accessKeyId: string): string {
  return accessKeyId.slice(-4);
}
