import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketOwnershipControlsCommand,
} from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CENTER_PROFILE,
  parseProfileJson,
  profileToJson,
  type SubmissionProfile,
} from '../shared/profile';
import { MIGRATIONS } from '../electron/engine/migrations';
import { Store } from '../electron/engine/store';
import { UploadFailure } from '../electron/engine/errors';
import { ProfileStore } from '../electron/services/profiles';
import { TargetStore } from '../electron/services/targets';
import { cliEnv, startCli, type Run } from './helpers/cli';
import { createBucket, startMoto, testClient, type Moto } from './helpers/moto';

const LAB_ID_A = 'a'.repeat(64);
const LAB_ID_B = '0123456789abcdef'.repeat(4);
const LAB_PROFILE: SubmissionProfile = {
  name: 'lab-consortium',
  fullControlIds: [LAB_ID_A, LAB_ID_B],
  md5MetadataKey: 'content-md5',
};

let dir: string;
let store: Store;
let profiles: ProfileStore;
let targets: TargetStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-targets-'));
  store = Store.open(join(dir, 'home', 'labdrop.db'));
  profiles = new ProfileStore(store);
  targets = new TargetStore(store, profiles);
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function thrown(work: () => unknown): UploadFailure {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(UploadFailure);
    return error as UploadFailure;
  }
  throw new Error('expected a failure');
}

describe('saved targets', () => {
  it('saves, lists, changes and removes targets with a Synapse label', () => {
    const added = targets.add({
      name: 'Study 42',
      bucket: 'center-bucket',
      prefix: '/center/study-42',
      region: 'us-east-1',
      awsProfile: 'lab',
      synapseId: ' SYN12345678 ',
    });
    expect(added).toMatchObject({
      name: 'Study 42',
      prefix: 'center/study-42/',
      endpoint: null,
      awsProfile: 'lab',
      synapseId: 'syn12345678',
      submissionProfile: 'center',
      lastUsedAt: null,
    });
    const other = targets.add({
      bucket: 'minio-bucket',
      prefix: 'raw',
      endpoint: 'https://s3.lab.example.org/',
      region: 'us-east-1',
    });
    expect(other.name).toBe('minio-bucket/raw');
    expect(other.endpoint).toBe('https://s3.lab.example.org');

    targets.markUsed(other.id, 1000);
    expect(targets.list().map((t) => t.name)).toEqual(['minio-bucket/raw', 'Study 42']);
    expect(targets.get('Study 42')?.id).toBe(added.id);

    const changed = targets.update(added.id, { prefix: 'center/study-43', synapseId: null });
    expect(changed).toMatchObject({
      prefix: 'center/study-43/',
      synapseId: null,
      bucket: 'center-bucket',
    });
    expect(targets.remove('Study 42')).toBe(true);
    expect(targets.remove('Study 42')).toBe(false);
    expect(targets.list()).toHaveLength(1);
  });

  it('refuses what would not work, saying what is wrong with each field', () => {
    const error = thrown(() =>
      targets.add({
        bucket: 'a',
        prefix: 'x//y',
        endpoint: 'ftp://s3',
        region: 'US East',
        synapseId: '12345',
        submissionProfile: 'nobody',
      }),
    );
    expect(error.code).toBe('BadTarget');
    expect(error.message).toContain('"a" is not a bucket name');
    expect(error.message).toContain('"ftp://s3" is not an endpoint');
    expect(error.message).toContain('"US East" is not a region');
    expect(error.message).toContain('"12345" is not a Synapse ID');
    expect(error.message).toContain('no submission profile "nobody"');
    expect(error.message).toContain('empty folder name');

    targets.add({ name: 'x', bucket: 'bucket-one', region: 'us-east-1' });
    expect(
      thrown(() => targets.add({ name: 'x', bucket: 'bucket-two', region: 'us-east-1' })).code,
    ).toBe('TargetExists');
    expect(thrown(() => targets.require('nope')).message).toContain('Saved: "x"');
  });

  it('finds the target an uploaded object belongs to, for its Synapse label in the history', () => {
    targets.add({ bucket: 'bk1', prefix: 'center', region: 'us-east-1', synapseId: 'syn1' });
    targets.add({ bucket: 'bk1', prefix: 'center/study', region: 'us-east-1', synapseId: 'syn2' });
    const find = (key: string) =>
      targets.findFor({ bucket: 'bk1', key, endpoint: null })?.synapseId ?? null;
    expect(find('center/study/a.bam')).toBe('syn2');
    expect(find('center/other/a.bam')).toBe('syn1');
    expect(find('elsewhere/a.bam')).toBeNull();
  });
});

describe('submission profiles', () => {
  it("offers the center's preset as the default, read-only", () => {
    expect(profiles.list()).toEqual([{ ...CENTER_PROFILE, builtIn: true, isDefault: true }]);
    expect(thrown(() => profiles.save({ ...LAB_PROFILE, name: 'center' })).code).toBe(
      'ProfileReadOnly',
    );
    expect(thrown(() => profiles.remove('center')).code).toBe('ProfileReadOnly');
  });

  it('exports and imports a custom profile as JSON', () => {
    profiles.save(LAB_PROFILE);
    const text = profiles.exportJson('lab-consortium');
    expect(JSON.parse(text)).toMatchObject({ format: 'labdrop-submission-profile', version: 1 });
    expect(parseProfileJson(text)).toEqual({ ok: true, profile: LAB_PROFILE });

    profiles.remove('lab-consortium');
    expect(profiles.importJson(text)).toEqual(LAB_PROFILE);
    expect(profiles.get('lab-consortium')).toEqual(LAB_PROFILE);
    expect(thrown(() => profiles.importJson(text)).code).toBe('ProfileExists');
    expect(profiles.importJson(text, { replace: true })).toEqual(LAB_PROFILE);
  });

  it('keeps the folders the center syncs through export and import', () => {
    const synced: SubmissionProfile = {
      ...LAB_PROFILE,
      name: 'lab-synced',
      syncedFolders: ['raw-data', 'processed'],
    };
    // Typed with the slashes and spaces people add; kept as folder names.
    const text = profileToJson({ ...synced, syncedFolders: [' raw-data/', '/processed'] });
    expect(JSON.parse(text)).toMatchObject({
      version: 2,
      syncedFolders: ['raw-data', 'processed'],
    });
    expect(parseProfileJson(text)).toEqual({ ok: true, profile: synced });

    const keeping = new ProfileStore(store);
    expect(keeping.importJson(text)).toEqual(synced);
    expect(keeping.get('lab-synced')).toEqual(synced);
    expect(keeping.exportJson('lab-synced')).toBe(text);
    keeping.save(LAB_PROFILE);
    expect(keeping.get('lab-consortium')).toEqual(LAB_PROFILE);
  });

  it('syncs every folder when a profile lists none, and writes it as before', () => {
    for (const profile of [CENTER_PROFILE, { ...LAB_PROFILE, syncedFolders: [] }]) {
      const file = JSON.parse(profileToJson(profile)) as Record<string, unknown>;
      expect(file.version).toBe(1);
      expect(file).not.toHaveProperty('syncedFolders');
    }
    expect(parseProfileJson(profileToJson({ ...LAB_PROFILE, syncedFolders: [] }))).toEqual({
      ok: true,
      profile: LAB_PROFILE,
    });
  });

  it('refuses synced folders that are not one folder name each', () => {
    const file = (syncedFolders: unknown) =>
      JSON.stringify({ ...JSON.parse(profileToJson(LAB_PROFILE)), syncedFolders });
    expect(thrown(() => profiles.importJson(file('raw-data'))).message).toContain(
      '"syncedFolders" must be a list of folder names',
    );
    const bad = thrown(() => profiles.importJson(file(['raw/2024', '..', ' / ', 'a', 'a'])));
    expect(bad.code).toBe('BadProfile');
    expect(bad.message).toContain('"raw/2024" is not a synced folder');
    expect(bad.message).toContain('".." is not a synced folder');
    expect(bad.message).toContain('"" is not a synced folder');
    expect(bad.message).toContain('The synced folder "a" is listed twice.');
    expect(profiles.list()).toHaveLength(1);
  });

  it('refuses a canonical ID that is not 64 hex characters, saying which and why', () => {
    const short = profileToJson({ ...LAB_PROFILE, fullControlIds: [LAB_ID_A, 'abc123'] });
    const error = thrown(() => profiles.importJson(short));
    expect(error.code).toBe('BadProfile');
    expect(error.message).toContain('"abc123" is not a canonical user ID');
    expect(error.message).toContain('exactly 64 hexadecimal characters');
    expect(error.message).toContain('it has 6');

    const notHex = profileToJson({ ...LAB_PROFILE, fullControlIds: ['z'.repeat(64)] });
    expect(thrown(() => profiles.importJson(notHex)).message).toContain(
      'not all of them are 0-9 or a-f',
    );

    // Upper case is the same ID: accepted and stored in lower case.
    const upper = profileToJson({ ...LAB_PROFILE, fullControlIds: [LAB_ID_B.toUpperCase()] });
    expect(profiles.importJson(upper).fullControlIds).toEqual([LAB_ID_B]);
    expect(profiles.list()).toHaveLength(2);
  });

  it('refuses files that are not profiles', () => {
    expect(thrown(() => profiles.importJson('not json')).message).toMatch(/not JSON/);
    expect(thrown(() => profiles.importJson('{"name":"x"}')).message).toMatch(
      /not a Labdrop submission profile/,
    );
    const newer = JSON.stringify({ ...JSON.parse(profileToJson(LAB_PROFILE)), version: 9 });
    expect(thrown(() => profiles.importJson(newer)).message).toMatch(/newer Labdrop/);
  });

  it('will not remove a profile a saved target uses', () => {
    profiles.save(LAB_PROFILE);
    targets.add({
      name: 'consortium',
      bucket: 'bk1',
      region: 'us-east-1',
      submissionProfile: 'lab-consortium',
    });
    const error = thrown(() => profiles.remove('lab-consortium'));
    expect(error.code).toBe('ProfileInUse');
    expect(error.message).toContain('"consortium"');
  });
});

describe('migration 2', () => {
  it('adds the tables to a version-1 database and keeps its uploads', () => {
    const file = join(dir, 'old.db');
    const raw = new Database(file);
    const first = MIGRATIONS[0];
    if (typeof first?.up !== 'string') throw new Error('migration 1 is SQL');
    raw.exec(first.up);
    raw.pragma('user_version = 1');
    raw
      .prepare(
        `INSERT INTO uploads (id, local_path, size, mtime_ms, bucket, key, region, submission_profile,
           grants, part_size, status, created_at) VALUES ('u1', '/a', 1, 1, 'b', 'k', 'us-east-1',
           'center', 'id=x', 5242880, 'done', 1)`,
      )
      .run();
    raw.close();
    const migrated = Store.open(file);
    try {
      expect(migrated.settings().schemaVersion).toBe(MIGRATIONS.length);
      expect(migrated.getUpload('u1')?.status).toBe('done');
      const saved = new TargetStore(migrated, new ProfileStore(migrated)).add({
        bucket: 'bucket-one',
        region: 'us-east-1',
      });
      expect(saved.name).toBe('bucket-one');
    } finally {
      migrated.close();
    }
  });
});

describe('labdrop whoami, check, targets and profiles', () => {
  let moto: Moto;

  beforeAll(async () => {
    moto = await startMoto();
    await createBucket(moto.endpoint, 'cli-open');
    await createBucket(moto.endpoint, 'cli-enforced');
    await testClient(moto.endpoint).send(
      new PutBucketOwnershipControlsCommand({
        Bucket: 'cli-enforced',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
  });

  afterAll(async () => {
    await moto?.stop();
  });

  function labdrop(args: string[], extra: Record<string, string | undefined> = {}): Promise<Run> {
    return startCli(args, { env: cliEnv(dir, join(dir, 'cli-home'), extra) }).done;
  }

  it('whoami names the identity from a ~/.aws profile, with the key id cut to 4', async () => {
    await mkdir(join(dir, '.aws'), { recursive: true });
    await writeFile(
      join(dir, '.aws', 'credentials'),
      '[lab]\naws_access_key_id = AKIAWHOAMI000000LAB7\naws_secret_access_key = whoamiSecret000000000000000000000000000\n',
    );
    await writeFile(join(dir, '.aws', 'config'), '[profile lab]\nregion = eu-west-1\n');
    const run = await labdrop(['whoami', '--profile', 'lab', '--endpoint', moto.endpoint], {
      AWS_SHARED_CREDENTIALS_FILE: undefined,
      AWS_CONFIG_FILE: undefined,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Profile\s+lab \(access keys in ~\/\.aws\)/);
    expect(run.stdout).toMatch(/Key ID\s+…LAB7/);
    expect(run.stdout).toMatch(/Region\s+eu-west-1/);
    expect(run.stdout).toMatch(/Identity\s+arn:aws:/);
    expect(run.stdout + run.stderr).not.toMatch(/AKIAWHOAMI|whoamiSecret/);

    const missing = await labdrop(['whoami', '--profile', 'ghost'], {
      AWS_SHARED_CREDENTIALS_FILE: undefined,
      AWS_CONFIG_FILE: undefined,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no AWS profile "ghost"');
    expect(missing.stderr).toContain('Profiles there: lab');
  });

  it('check exits 0 only where an upload would succeed, naming the bucket otherwise', async () => {
    const ok = await labdrop([
      'check',
      '--bucket',
      'cli-open',
      '--prefix',
      'center',
      '--endpoint',
      moto.endpoint,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('An upload to s3://cli-open/center/ will work.');
    const client = testClient(moto.endpoint);
    expect(
      (await client.send(new ListMultipartUploadsCommand({ Bucket: 'cli-open' }))).Uploads ?? [],
    ).toEqual([]);
    expect(
      (await client.send(new ListObjectsV2Command({ Bucket: 'cli-open' }))).Contents ?? [],
    ).toEqual([]);

    const unknown = await labdrop([
      'check',
      '--bucket',
      'cli-missing',
      '--endpoint',
      moto.endpoint,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('The bucket "cli-missing" does not exist');

    const enforced = await labdrop([
      'check',
      '--bucket',
      'cli-enforced',
      '--endpoint',
      moto.endpoint,
      '--json',
    ]);
    expect(enforced.code).toBe(1);
    const report = JSON.parse(enforced.stdout) as {
      ok: boolean;
      problem: { code: string; message: string };
    };
    expect(report.ok).toBe(false);
    expect(report.problem.code).toBe('AccessControlListNotSupported');
    expect(report.problem.message).toContain('"cli-enforced"');

    const usage = await labdrop(['check']);
    expect(usage.code).toBe(2);
  });

  it('targets add, list, check --target and remove', async () => {
    const add = await labdrop([
      'targets',
      'add',
      'study',
      '--bucket',
      'cli-open',
      '--prefix',
      'center/study-1',
      '--endpoint',
      moto.endpoint,
      '--synapse',
      'syn424242',
    ]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const list = await labdrop(['targets', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject([
      {
        name: 'study',
        bucket: 'cli-open',
        prefix: 'center/study-1/',
        synapseId: 'syn424242',
        region: 'us-east-1',
      },
    ]);
    const check = await labdrop(['check', '--target', 'study']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('s3://cli-open/center/study-1/ will work');

    const bad = await labdrop(['targets', 'add', '--bucket', 'cli-open', '--synapse', 'folder-7']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"folder-7" is not a Synapse ID');

    expect((await labdrop(['targets', 'remove', 'study'])).code).toBe(0);
    const gone = await labdrop(['targets', 'remove', 'study']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no saved target "study"');
  });

  it('a target saved with --kms sends even a small file as a multipart upload', async () => {
    const add = await labdrop([
      'targets',
      'add',
      'kms',
      '--bucket',
      'cli-open',
      '--prefix',
      'center/kms',
      '--endpoint',
      moto.endpoint,
      '--kms',
    ]);
    expect(add.code).toBe(0);
    expect((await labdrop(['targets', 'list'])).stdout).toContain('SSE-KMS');
    const file = join(dir, 'small.txt');
    await writeFile(file, 'a few bytes');
    const sent = await labdrop(['upload', file, '--target', 'kms']);
    expect(sent.code).toBe(0);
    const head = await testClient(moto.endpoint).send(
      new HeadObjectCommand({ Bucket: 'cli-open', Key: 'center/kms/small.txt' }),
    );
    // A multipart object's ETag: the sync job reads content-md5, never the ETag, as the MD5.
    expect(head.ETag).toMatch(/-1"$/);
    expect(head.Metadata?.['content-md5']).toBe(
      createHash('md5').update('a few bytes').digest('base64'),
    );
  });

  it('profiles list, import and export', async () => {
    const file = join(dir, 'consortium.json');
    await writeFile(file, profileToJson(LAB_PROFILE));
    const imported = await labdrop(['profiles', 'import', file]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('"lab-consortium" (2 canonical IDs)');

    const list = await labdrop(['profiles', 'list']);
    expect(list.stdout).toContain('center (default)');
    expect(list.stdout).toContain(LAB_ID_B);

    const out = join(dir, 'exported.json');
    expect((await labdrop(['profiles', 'export', 'lab-consortium', '--output', out])).code).toBe(0);
    expect(parseProfileJson(await readFile(out, 'utf8'))).toEqual({
      ok: true,
      profile: LAB_PROFILE,
    });
    const stdout = await labdrop(['profiles', 'export', 'center']);
    expect(parseProfileJson(stdout.stdout)).toEqual({ ok: true, profile: CENTER_PROFILE });

    await writeFile(file, profileToJson({ ...LAB_PROFILE, name: 'typo', fullControlIds: ['abc'] }));
    const refused = await labdrop(['profiles', 'import', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"abc" is not a canonical user ID');
  });
});
