import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CENTER_PROFILE } from '../shared/profile';
import type { UploadError } from '../shared/types';
import { UploadFailure } from '../electron/engine/errors';
import { HashPool } from '../electron/engine/hash-pool';
import { historyToCsv, historyToJson } from './helpers/history';
import { UploadQueue } from '../electron/engine/queue';
import { createS3Client, type Endpoint } from '../electron/engine/s3-client';
import { planUpload } from '../electron/engine/scan';
import { Store } from '../electron/engine/store';
import { CredentialService, refreshingProvider } from '../electron/services/credentials';
import { createTargetServices } from '../electron/services/target-services';
import { HASH_WORKER } from './helpers/build';
import { testKeychain } from './helpers/keychain';
import { createBucket, startMoto, testClient, type Moto } from './helpers/moto';
import { startGate, type Gate } from './helpers/s3-gate';
import { MiB } from '../shared/parts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTOREDSECRET';
const KEY_ID = 'AKIASTOREDKEY0001WXYZ';
const LAB_SECRET = 'labProfileSecretKey0000000000000000000000';

let moto: Moto;
let gate: Gate;
let pool: HashPool;
let dir: string;
let home: string;
let store: Store;

beforeAll(async () => {
  moto = await startMoto();
  gate = await startGate(moto.endpoint);
  await createBucket(moto.endpoint, 'lab-bucket');
  pool = new HashPool({ threads: 1, workerFile: HASH_WORKER });
});

afterAll(async () => {
  await pool?.close();
  await gate?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-credentials-'));
  home = join(dir, 'home');
  await writeAwsFiles(home);
  // Only the temporary HOME's ~/.aws: no keys from the environment.
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
  ]) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    HOME: home,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_STS: moto.endpoint,
  });
  store = Store.open(join(dir, 'state', 'labdrop.db'));
  gate.requests.length = 0;
  gate.answer = null;
});

afterEach(async () => {
  vi.restoreAllMocks();
  store.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeAwsFiles(homeDir: string): Promise<void> {
  const aws = join(homeDir, '.aws');
  await mkdir(aws, { recursive: true });
  const script = join(aws, 'credential-process.cjs');
  await writeFile(
    script,
    `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIAPROCESS00000PRC9',
      SecretAccessKey: 'processSecret', SessionToken: 'processToken',
      Expiration: new Date(Date.now() + 3600e3).toISOString() }));`,
  );
  await writeFile(
    join(aws, 'config'),
    [
      '[default]',
      'region = us-east-1',
      '',
      '[profile lab]',
      'region = eu-west-1',
      's3 =',
      '  addressing_style = path',
      '',
      '[profile proc]',
      'region = us-west-2',
      `credential_process = ${process.execPath} ${script}`,
      '',
      '# SSO, never signed in on this machine',
      '[profile sso-lab]',
      'sso_session = center',
      'sso_account_id = 123456789012',
      'sso_role_name = Uploader',
      'region = us-east-1',
      '',
      '[sso-session center]',
      'sso_start_url = https://center.awsapps.com/start',
      'sso_region = us-east-1',
      '',
      '[profile role]',
      'role_arn = arn:aws:iam::123456789012:role/uploader',
      'source_profile = lab',
      'role_session_name = labdrop-test',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(aws, 'credentials'),
    `[lab]\naws_access_key_id = AKIALABPROFILE000LAB\naws_secret_access_key = ${LAB_SECRET}\n`,
  );
}

function endpoint(awsProfile: string | null): Endpoint {
  return { endpoint: gate.endpoint, region: 'us-east-1', awsProfile };
}

async function rejection(promise: Promise<unknown>): Promise<UploadFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UploadFailure);
  return error as UploadFailure;
}

describe('the standard AWS chain, from ~/.aws', () => {
  it('lists the profiles with their kind and region, and the default chain first', () => {
    const credentials = new CredentialService({ store });
    expect(credentials.choices()).toEqual([
      {
        name: null,
        source: 'default',
        kind: 'default-chain',
        region: 'us-east-1',
        keyIdLast4: null,
      },
      {
        name: 'default',
        source: 'aws-config',
        kind: 'other',
        region: 'us-east-1',
        keyIdLast4: null,
      },
      { name: 'lab', source: 'aws-config', kind: 'keys', region: 'eu-west-1', keyIdLast4: null },
      {
        name: 'proc',
        source: 'aws-config',
        kind: 'process',
        region: 'us-west-2',
        keyIdLast4: null,
      },
      { name: 'role', source: 'aws-config', kind: 'assume-role', region: null, keyIdLast4: null },
      { name: 'sso-lab', source: 'aws-config', kind: 'sso', region: 'us-east-1', keyIdLast4: null },
    ]);
  });

  it('summarises a profile with keys: last 4 of the key id and the region, no secret', async () => {
    const credentials = new CredentialService({ store });
    const summary = await credentials.summary('lab');
    expect(summary).toEqual({
      profile: 'lab',
      kind: 'keys',
      keyIdLast4: '0LAB',
      region: 'eu-west-1',
      expiresAt: null,
    });
    expect(JSON.stringify(summary)).not.toContain('AKIALABPROFILE');
  });

  it('picks up new keys written to ~/.aws while it runs (after `aws configure`)', async () => {
    let clock = Date.now();
    const credentials = new CredentialService({ store, refresh: { now: () => clock } });
    const provider = credentials.providerFor('lab');
    expect((await provider()).accessKeyId).toBe('AKIALABPROFILE000LAB');
    await writeFile(
      join(home, '.aws', 'credentials'),
      `[lab]\naws_access_key_id = AKIAROTATED00000NEW1\naws_secret_access_key = rotatedSecret\n`,
    );
    clock += 30_000;
    expect((await provider()).accessKeyId).toBe('AKIALABPROFILE000LAB');
    clock += 31_000;
    expect((await provider()).accessKeyId).toBe('AKIAROTATED00000NEW1');
  });

  it('runs credential_process and shows when its credentials expire', async () => {
    const summary = await new CredentialService({ store }).summary('proc');
    expect(summary.kind).toBe('process');
    expect(summary.keyIdLast4).toBe('PRC9');
    expect(summary.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('assumes a role from a source profile (STS at moto)', async () => {
    const summary = await new CredentialService({ store }).summary('role');
    expect(summary.kind).toBe('assume-role');
    expect(summary.expiresAt).toBeGreaterThan(Date.now());
  });

  it('tells the user to sign in with SSO, naming the profile', async () => {
    const error = await rejection(new CredentialService({ store }).summary('sso-lab'));
    expect(error.code).toBe('ExpiredToken');
    expect(error.message).toContain('aws sso login --profile sso-lab');
  });

  it('names a profile that does not exist', async () => {
    const error = await rejection(new CredentialService({ store }).summary('nope'));
    expect(error.code).toBe('NoCredentials');
    expect(error.message).toContain('profile "nope"');
    // A mistyped name may have meant keys stored in the app: the message says where those live.
    expect(error.message).toContain("Labdrop's Settings");
  });

  it('says who I am with STS GetCallerIdentity', async () => {
    const services = createTargetServices({ store });
    try {
      const me = await services.whoami({ ...endpoint('lab'), endpoint: moto.endpoint });
      expect(me.identity?.account).toMatch(/^\d{12}$/);
      expect(me.identity?.arn).toMatch(/^arn:aws:/);
      expect(me.credentials).toMatchObject({ profile: 'lab', keyIdLast4: '0LAB' });
      expect(me.problem).toBeNull();

      // An S3-compatible store without STS: the credentials, and why not who.
      gate.answer = (r) => (r.method === 'POST' ? { status: 404, body: 'Not Found' } : null);
      const unknown = await services.whoami(endpoint('lab'));
      expect(unknown.identity).toBeNull();
      expect(unknown.credentials.keyIdLast4).toBe('0LAB');
      expect(unknown.problem?.message).toContain(`${gate.endpoint} did not say who`);
    } finally {
      services.close();
    }
  });
});

describe('keys stored by the app', () => {
  it('round-trip through the keychain, sign requests, and appear in no output, log, row or export', async () => {
    const logged: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
    const keychain = testKeychain();
    const credentials = new CredentialService({ store, secrets: keychain });
    const saved = await credentials.saveKeys({
      name: 'lab-keys',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      region: 'us-east-1',
    });
    expect(saved).toMatchObject({ name: 'lab-keys', keyIdLast4: 'WXYZ', region: 'us-east-1' });
    expect(keychain.encrypted).toBe(1);

    // The SDK gets them back, decrypted, and they sign the upload.
    const identity = await credentials.providerFor('lab-keys')();
    expect(identity).toMatchObject({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    const queue = new UploadQueue({
      store,
      hasher: pool,
      clientFor: (target) =>
        createS3Client(target, { credentials: credentials.providerFor(target.awsProfile) }),
      profile: CENTER_PROFILE,
    });
    const file = join(dir, 'reads.fastq');
    await writeFile(file, 'ACGT\n'.repeat(1000));
    const plan = await planUpload([file], 'center');
    const [record] = await queue.add(plan, { ...endpoint('lab-keys'), bucket: 'lab-bucket' });
    await queue.idle();
    expect(store.getUpload(record?.id ?? '')?.status).toBe('done');
    const signed = gate.requests.find((r) => r.method === 'PUT');
    expect(String(signed?.headers.authorization)).toContain(`Credential=${KEY_ID}/`);

    const targetServices = createTargetServices({ store, credentials });
    const report = await targetServices.checkAccess({
      ...endpoint('lab-keys'),
      bucket: 'lab-bucket',
      prefix: 'center',
    });
    targetServices.close();
    expect(report.ok).toBe(true);

    const rows = store.query();
    const seen = [
      JSON.stringify(saved),
      JSON.stringify(credentials.listStoredKeys()),
      JSON.stringify(credentials.choices()),
      JSON.stringify(await credentials.summary('lab-keys')),
      JSON.stringify(report),
      JSON.stringify(rows),
      historyToJson(rows),
      historyToCsv(rows),
      ...logged,
    ].join('\n');
    expect(seen).toContain('WXYZ');
    expect(seen).not.toContain(SECRET);
    expect(seen).not.toContain(KEY_ID);

    // On disk: ciphertext only (WAL included).
    store.close();
    for (const suffix of ['', '-wal']) {
      const bytes = await readFile(join(dir, 'state', `labdrop.db${suffix}`)).catch(() => null);
      expect(bytes?.includes(SECRET) ?? false).toBe(false);
      expect(bytes?.includes(KEY_ID) ?? false).toBe(false);
    }
    store = Store.open(join(dir, 'state', 'labdrop.db'));
  });

  it('refuses to store keys where the OS offers only plain-text storage, and says why', async () => {
    const plain = new CredentialService({
      store,
      secrets: testKeychain({ backend: 'basic_text' }),
    });
    expect(plain.storageProblem()).toMatch(/plain text/);
    const error = await rejection(
      plain.saveKeys({ name: 'k', accessKeyId: KEY_ID, secretAccessKey: SECRET }),
    );
    expect(error.code).toBe('KeychainUnavailable');
    expect(error.message).toMatch(/plain text/);
    expect(error.message).not.toContain(SECRET);

    const locked = new CredentialService({ store, secrets: testKeychain({ available: false }) });
    expect(
      (
        await rejection(
          locked.saveKeys({ name: 'k', accessKeyId: KEY_ID, secretAccessKey: SECRET }),
        )
      ).code,
    ).toBe('KeychainUnavailable');
    // Only Linux has a plain-text backend to refuse; elsewhere the keychain is the OS's.
    const mac = testKeychain({ backend: 'basic_text' });
    expect(
      new CredentialService({ store, secrets: mac, platform: 'darwin' }).storageProblem(),
    ).toBeNull();
    expect(new CredentialService({ store }).storageProblem()).toMatch(
      /only be stored by the Labdrop app/,
    );
    expect(plain.listStoredKeys()).toEqual([]);
  });

  it('refuses names ~/.aws already uses, and bad keys, without echoing the secret', async () => {
    const credentials = new CredentialService({ store, secrets: testKeychain() });
    const taken = await rejection(
      credentials.saveKeys({ name: 'lab', accessKeyId: KEY_ID, secretAccessKey: SECRET }),
    );
    expect(taken.code).toBe('NameTaken');
    const bad = await rejection(
      credentials.saveKeys({ name: 'x', accessKeyId: KEY_ID, secretAccessKey: 'short' }),
    );
    expect(bad.code).toBe('BadKeys');
    expect(bad.message).not.toContain('short');
  });

  it('on the command line (no keychain) says only the app can use them', async () => {
    await new CredentialService({ store, secrets: testKeychain() }).saveKeys({
      name: 'lab-keys',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
    });
    const cli = new CredentialService({ store, secrets: null });
    const error = await rejection(cli.summary('lab-keys'));
    expect(error.code).toBe('NoCredentials');
    expect(error.message).toMatch(/only the app can use them/);
  });

  it('replacing or removing keys reaches clients already built', async () => {
    const credentials = new CredentialService({ store, secrets: testKeychain() });
    await credentials.saveKeys({ name: 'lab-keys', accessKeyId: KEY_ID, secretAccessKey: SECRET });
    const client = createS3Client(endpoint('lab-keys'), {
      credentials: credentials.providerFor('lab-keys'),
    });
    const list = () => client.send(new ListObjectsV2Command({ Bucket: 'lab-bucket' }));
    const signedWith = () =>
      /Credential=([A-Z0-9]+)\//.exec(String(gate.requests.at(-1)?.headers.authorization))?.[1];
    try {
      await list();
      expect(signedWith()).toBe(KEY_ID);
      await credentials.saveKeys({
        name: 'lab-keys',
        accessKeyId: 'AKIAREPLACEMENT00NEW',
        secretAccessKey: SECRET,
      });
      await list();
      expect(signedWith()).toBe('AKIAREPLACEMENT00NEW');
      expect(credentials.removeKeys('lab-keys')).toBe(true);
      const error = await list().then(
        () => null,
        (e: unknown) => e as UploadFailure,
      );
      expect(error?.code).toBe('NoCredentials');
    } finally {
      client.destroy();
    }
  });
});

describe('expiring credentials', () => {
  const identity = (expiresInMs: number, at: number): AwsCredentialIdentity => ({
    accessKeyId: 'ASIAEXPIRING000TEST1',
    secretAccessKey: 'testing',
    sessionToken: 'token',
    expiration: new Date(at + expiresInMs),
  });
  const explain = (reason: 'expired' | 'missing') =>
    new UploadFailure({
      code: reason === 'expired' ? 'ExpiredToken' : 'NoCredentials',
      message: reason,
    });

  it('refreshes ahead of expiry, and keeps valid credentials while a refresh fails', async () => {
    let clock = 0;
    let calls = 0;
    let failing = false;
    const provider = refreshingProvider(
      () => async () => {
        calls++;
        if (failing) throw new Error('portal down');
        return identity(60 * 60_000, clock);
      },
      explain,
      { now: () => clock },
    );
    await provider();
    clock += 30 * 60_000;
    await provider();
    expect(calls).toBe(1);
    clock += 26 * 60_000; // 4 minutes left: refresh ahead
    await provider();
    expect(calls).toBe(2);

    failing = true;
    clock += 56 * 60_000; // 4 minutes left again, and the refresh fails
    await provider();
    expect(provider.current()?.expiration?.getTime()).toBe(clock + 4 * 60_000);
    clock += 4 * 60_000; // now expired, refresh still failing
    expect((await rejection(provider())).code).toBe('ExpiredToken');

    failing = false;
    await provider();
    expect(provider.current()?.expiration?.getTime()).toBe(clock + 60 * 60_000);
  });

  it('says NoCredentials when there never were any', async () => {
    const provider = refreshingProvider(
      () => async () => {
        throw new Error('nothing configured');
      },
      explain,
    );
    expect((await rejection(provider())).code).toBe('NoCredentials');
  });

  it('pauses the queue when a refresh fails mid-upload, fails no file, and resumes after sign-in', async () => {
    let skew = 0;
    let signedOut = false;
    let sourceCalls = 0;
    const partRequests = () =>
      gate.requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
    const credentials = new CredentialService({
      store,
      now: () => Date.now() + skew,
      chainSource: () => async () => {
        sourceCalls++;
        // The SSO session ends once two parts are on their way.
        if (!signedOut && skew === 0 && partRequests().length >= 2) {
          signedOut = true;
          skew = 10 * 60_000;
        }
        if (signedOut) {
          throw Object.assign(
            new Error('The SSO session associated with this profile has expired'),
            {
              name: 'CredentialsProviderError',
            },
          );
        }
        // Less than the SDK's 5-minute window: it asks before every request.
        return identity(4 * 60_000, Date.now() + skew);
      },
    });
    const queue = new UploadQueue({
      store,
      hasher: pool,
      clientFor: (target) =>
        createS3Client(target, { credentials: credentials.providerFor(target.awsProfile) }),
      profile: CENTER_PROFILE,
      partSize: 5 * MiB,
      partConcurrency: 1,
      hashConcurrency: 1,
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
      preflightRetry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
    });
    const big = join(dir, 'big.bam');
    const small = join(dir, 'small.txt');
    await writeFile(big, Buffer.alloc(4 * 5 * MiB, 7));
    await writeFile(small, 'small file\n');
    const attention: UploadError[] = [];
    queue.onAttention((reason) => attention.push(reason));

    const records = await queue.add(await planUpload([big, small], 'center'), {
      ...endpoint('sso-lab'),
      bucket: 'lab-bucket',
    });
    await queue.idle();
    const paused = records.map((r) => store.getUpload(r.id));
    expect(paused.map((r) => r?.status)).toEqual(['paused', 'paused']);
    expect(attention).toHaveLength(1);
    expect(attention[0]?.code).toBe('ExpiredToken');
    expect(attention[0]?.message).toContain('aws sso login --profile sso-lab');
    const bigId = records[0]?.id ?? '';
    expect(store.completedParts(bigId).length).toBe(2);
    expect(sourceCalls).toBeGreaterThan(3);

    // The user signs in again; the queue picks up where it stopped.
    signedOut = false;
    credentials.signedIn('sso-lab');
    queue.resumeAll();
    await queue.idle();
    expect(records.map((r) => store.getUpload(r.id)?.status)).toEqual(['done', 'done']);
    expect(store.getUpload(bigId)?.lastError).toBeNull();
    const partNumbers = partRequests().map((r) => /partNumber=(\d+)/.exec(r.url)?.[1]);
    expect(partNumbers.filter((n) => n === '1')).toHaveLength(1);
    expect(partNumbers.filter((n) => n === '2')).toHaveLength(1);

    const client = testClient(moto.endpoint);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: 'lab-bucket', Key: 'center/big.bam' }),
    );
    const expected = createHash('md5')
      .update(await readFile(big))
      .digest('base64');
    expect(head.Metadata?.['content-md5']).toBe(expected);
    const body = await client.send(
      new GetObjectCommand({ Bucket: 'lab-bucket', Key: 'center/small.txt' }),
    );
    expect(await body.Body?.transformToString()).toBe('small file\n');
  });
});
