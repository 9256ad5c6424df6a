// Behind a university network: a private CA in front of the S3 endpoint, and
// proxies found by the system (the app) or the variables (the command line).
// The endpoint is moto behind a TLS relay whose certificate comes from a CA
// made by this test, so nothing trusts it until told to.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UploadRecord } from '../shared/types';
import { classifyError } from '../electron/engine/errors';
import { HashPool } from '../electron/engine/hash-pool';
import {
  parseProxyAnswer,
  routesFor,
  trustFor,
  type NetworkOptions,
} from '../electron/engine/network';
import { planUpload } from '../electron/engine/scan';
import { createServices } from '../electron/engine/services';
import { Store } from '../electron/engine/store';
import { createTargetServices } from '../electron/services/target-services';
import { HASH_WORKER } from './helpers/build';
import { cliEnv, startCli } from './helpers/cli';
import { startConnectProxy, type ConnectProxy } from './helpers/connect-proxy';
import { TEST_PART_SIZE } from './helpers/engine';
import { createBucket, freePort, startMoto, TEST_CREDENTIALS, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';
import { makeTestCa, startTlsRelay, type TestCa, type TlsRelay } from './helpers/tls';

const BUCKET = 'lab-bucket';
/** Resolves nowhere: only the test proxy can reach it (it tunnels to the TLS relay). */
const HIDDEN = 'https://labdrop-hidden-s3';

let moto: Moto;
let relay: TlsRelay;
let proxy: ConnectProxy;
let ca: TestCa;
let dir: string;

beforeAll(async () => {
  Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  dir = await mkdtemp(join(tmpdir(), 'labdrop-network-'));
  ca = makeTestCa(dir);
  moto = await startMoto();
  await createBucket(moto.endpoint, BUCKET);
  relay = await startTlsRelay(moto.endpoint, ca);
  proxy = await startConnectProxy({ 'labdrop-hidden-s3:443': `127.0.0.1:${relay.port}` });
});

afterAll(async () => {
  await proxy?.stop();
  await relay?.stop();
  await moto?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.tunnels.length = 0;
});

/** A config file with `ca_bundle` in profile "lab", and an environment that reads it (and no other). */
async function labProfileEnv(caBundle: string): Promise<NodeJS.ProcessEnv> {
  const config = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  await writeFile(config, `[profile lab]\nregion = us-east-1\nca_bundle = ${caBundle}\n`);
  const credentials = join(dir, 'credentials');
  await writeFile(
    credentials,
    '[lab]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
  );
  return { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
}

/** One file up through the engine the CLI and the app share (createServices), with `network`. */
async function upload(
  endpoint: string,
  network: NetworkOptions,
  name: string,
  { size = 3 * TEST_PART_SIZE + 123, awsProfile = null as string | null } = {},
): Promise<{ record: UploadRecord; path: string }> {
  const work = await mkdtemp(join(dir, 'run-'));
  const path = await writeTestFile(work, name, size);
  const services = createServices({
    store: Store.open(join(work, 'labdrop.db')),
    hasher: new HashPool({ threads: 1, workerFile: HASH_WORKER }),
    partSize: TEST_PART_SIZE,
    // Profile "lab" is only a name for its CA bundle here: it signs with the test keys.
    credentialsFor: () => async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }),
    network,
  });
  try {
    const plan = await planUpload([path], 'center');
    const [added] = await services.queue.add(plan, {
      bucket: BUCKET,
      endpoint,
      region: 'us-east-1',
      awsProfile,
    });
    await services.queue.idle();
    return { record: services.store.getUpload(added!.id) as UploadRecord, path };
  } finally {
    await services.close();
  }
}

describe('which CAs are trusted', () => {
  it('says where the trust comes from, the environment before the profile, as the AWS CLI', async () => {
    const env = await labProfileEnv(ca.caFile);
    expect(trustFor(null, { env: {} })).toEqual({ source: 'bundled roots' });
    const fromProfile = trustFor('lab', { env });
    expect(fromProfile.source).toBe('bundled roots + ca_bundle of profile lab');
    expect(fromProfile.ca).toContain(ca.caPem);
    // AWS_PROFILE names the profile when the target does not.
    expect(trustFor(null, { env: { ...env, AWS_PROFILE: 'lab' } }).source).toMatch(/profile lab$/);
    // The setting is per profile: another profile has none.
    expect(trustFor('other', { env }).ca).toBeUndefined();
    const other = join(dir, 'other-ca.pem');
    await writeFile(other, ca.caPem);
    const both = trustFor('lab', { env: { ...env, AWS_CA_BUNDLE: other } });
    expect(both.source).toBe(`bundled roots + AWS_CA_BUNDLE=${other}`);
    const system = trustFor(null, { env: {}, systemCertificates: () => [ca.caPem] });
    expect(system.source).toBe('bundled roots + system store');
    expect(trustFor(null, { env: {}, systemCertificates: () => null }).source).toBe(
      'bundled roots + no system store (this runtime cannot read it)',
    );
  });

  it('explains a CA bundle that cannot be used, naming the setting', async () => {
    const missing = trustFor(
      'lab',
      await labProfileEnv('/nowhere/ca.pem').then((env) => ({ env })),
    );
    expect(missing.problem?.code).toBe('CaBundleUnreadable');
    expect(missing.problem?.message).toMatch(
      /The CA bundle \/nowhere\/ca\.pem \(ca_bundle of profile lab\) cannot be used \(ENOENT\)\. Point ca_bundle in \[profile lab\] of .*config-/,
    );
    const notPem = join(dir, 'not.pem');
    await writeFile(notPem, 'hello');
    expect(trustFor(null, { env: { AWS_CA_BUNDLE: notPem } }).problem?.message).toMatch(
      /holds no PEM certificate\)\. Point AWS_CA_BUNDLE at/,
    );
  });

  it('refuses the private CA without a bundle, and says which setting fixes it', async () => {
    const handshakesBefore = relay.handshakes;
    const refused = await upload(relay.endpoint, { env: {} }, 'refused.bin').catch(
      (error: unknown) => error as { code: string; message: string },
    );
    expect(refused).toMatchObject({ code: 'CertificateUntrusted' });
    const { message } = refused as { message: string };
    expect(message).toMatch(/^The certificate of https:\/\/localhost:\d+ is not trusted \(/);
    expect(message).toMatch(/set AWS_CA_BUNDLE to its path, or add `ca_bundle = /);
    expect(relay.handshakes).toBe(handshakesBefore);
  });

  it('uploads through the private CA with AWS_CA_BUNDLE', async () => {
    const { record, path } = await upload(
      relay.endpoint,
      { env: { AWS_CA_BUNDLE: ca.caFile } },
      'bundle.bin',
    );
    expect(record.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'center/bundle.bin', path);
  });

  it("uploads through the private CA with the profile's ca_bundle", async () => {
    const env = await labProfileEnv(ca.caFile);
    const { record, path } = await upload(relay.endpoint, { env }, 'profile.bin', {
      awsProfile: 'lab',
    });
    expect(record.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'center/profile.bin', path);
  });

  it("uploads through the private CA when the system's store has it (the app)", async () => {
    const { record, path } = await upload(
      relay.endpoint,
      { env: {}, systemCertificates: () => [ca.caPem] },
      'system.bin',
    );
    expect(record.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'center/system.bin', path);
  });

  it('reports the trust in the access check, and stops at a bundle it cannot read', async () => {
    const store = Store.open(join(await mkdtemp(join(dir, 'check-')), 'labdrop.db'));
    const check = (env: NodeJS.ProcessEnv) => {
      const services = createTargetServices({ store, env: { ...process.env, ...env } });
      return services
        .checkAccess({
          bucket: BUCKET,
          prefix: 'center/',
          endpoint: relay.endpoint,
          region: 'us-east-1',
          awsProfile: null,
        })
        .finally(() => services.close());
    };
    try {
      const trusted = await check({ AWS_CA_BUNDLE: ca.caFile });
      expect(trusted.ok).toBe(true);
      expect(trusted.steps.find((s) => s.step === 'network')?.message).toBe(
        `Trusting bundled roots + AWS_CA_BUNDLE=${ca.caFile}. ${relay.endpoint} is reached directly (the proxy variables).`,
      );
      const unreadable = await check({ AWS_CA_BUNDLE: join(dir, 'nowhere.pem') });
      expect(unreadable.ok).toBe(false);
      expect(unreadable.problem?.code).toBe('CaBundleUnreadable');
      expect(unreadable.steps.map((s) => s.step)).toEqual(['credentials', 'network']);
      const untrusted = await check({ AWS_CA_BUNDLE: '' });
      expect(untrusted.ok).toBe(false);
      expect(untrusted.problem?.code).toBe('CertificateUntrusted');
    } finally {
      store.close();
    }
  });
});

describe('which proxy each connection takes', () => {
  it("reads Chromium's answers: proxies, HTTPS proxies, fallbacks, SOCKS and DIRECT", () => {
    expect(parseProxyAnswer('DIRECT')).toEqual([{ kind: 'direct' }]);
    expect(parseProxyAnswer('')).toEqual([{ kind: 'direct' }]);
    expect(parseProxyAnswer('PROXY a:1; PROXY b:2; DIRECT')).toEqual([
      { kind: 'proxy', url: 'http://a:1' },
      { kind: 'proxy', url: 'http://b:2' },
      { kind: 'direct' },
    ]);
    expect(parseProxyAnswer(' https  secure.lab:443 ;')).toEqual([
      { kind: 'proxy', url: 'https://secure.lab:443' },
    ]);
    expect(parseProxyAnswer('SOCKS5 s:1080; PROXY p:8080')).toEqual([
      { kind: 'unsupported', entry: 'SOCKS5 s:1080' },
      { kind: 'proxy', url: 'http://p:8080' },
    ]);
  });

  it('asks the resolver in the app, the variables on the command line', async () => {
    const asked: string[] = [];
    const resolveProxy = async (url: string) => {
      asked.push(url);
      return 'SOCKS5 s:1080; PROXY p:8080';
    };
    // An entry Labdrop cannot use is skipped when another follows.
    expect(await routesFor('https://s3.us-east-1.amazonaws.com', { resolveProxy })).toEqual([
      { kind: 'proxy', url: 'http://p:8080' },
    ]);
    expect(asked).toEqual(['https://s3.us-east-1.amazonaws.com']);
    const env = { HTTPS_PROXY: 'http://env:3128' };
    // The app does not read the variables (Chromium's answer already accounts for them).
    expect(await routesFor('https://x.lab', { env, resolveProxy: async () => 'DIRECT' })).toEqual([
      { kind: 'direct' },
    ]);
    expect(await routesFor('https://x.lab', { env })).toEqual([
      { kind: 'proxy', url: 'http://env:3128' },
    ]);
    // A resolver that fails means a direct connection, as in VS Code.
    const failing = async () => Promise.reject(new Error('no PAC'));
    expect(await routesFor('https://x.lab', { resolveProxy: failing })).toEqual([
      { kind: 'direct' },
    ]);
    // Loopback: the variables never proxy it; the system's answer is followed, whatever it is.
    expect(await routesFor('https://localhost:9000', { env })).toEqual([{ kind: 'direct' }]);
    expect(
      await routesFor('https://localhost:9000', { env, resolveProxy: async () => 'PROXY p:1' }),
    ).toEqual([{ kind: 'proxy', url: 'http://p:1' }]);
  });

  it('says plainly when the system names only a SOCKS proxy', async () => {
    const failure = await routesFor('https://x.lab', {
      resolveProxy: async () => 'SOCKS5 socks.lab:1080',
    }).catch((error: unknown) => error as { code: string; message: string });
    expect(failure).toMatchObject({
      code: 'ProxyUnsupported',
      message: expect.stringMatching(
        /^The system's proxy settings send https:\/\/x\.lab through SOCKS5 socks\.lab:1080, which Labdrop cannot use/,
      ),
    });
  });

  it("uploads through the proxy the system's settings name (the app)", async () => {
    const asked: string[] = [];
    const { record, path } = await upload(
      HIDDEN,
      {
        env: { AWS_CA_BUNDLE: ca.caFile },
        resolveProxy: async (url) => {
          asked.push(url);
          return `PROXY 127.0.0.1:${proxy.port}; DIRECT`;
        },
      },
      'via-system-proxy.bin',
    );
    expect(record.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'center/via-system-proxy.bin', path);
    expect(asked).toContain('https://labdrop-hidden-s3:443/');
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set(['labdrop-hidden-s3:443']));
  });

  it('speaks TLS to an HTTPS proxy, trusting it as the endpoint', async () => {
    // The same CONNECT proxy, behind TLS with the private CA's certificate.
    const secureProxy = await startTlsRelay(proxy.url, ca);
    try {
      const { record, path } = await upload(
        HIDDEN,
        {
          env: { AWS_CA_BUNDLE: ca.caFile },
          resolveProxy: async () => `HTTPS localhost:${secureProxy.port}`,
        },
        'via-https-proxy.bin',
        { size: 1000 },
      );
      expect(record.status).toBe('done');
      await expectObjectMatches(moto.endpoint, BUCKET, 'center/via-https-proxy.bin', path);
      expect(secureProxy.handshakes).toBeGreaterThan(0);
      expect(proxy.tunnels).toContain('labdrop-hidden-s3:443');
    } finally {
      await secureProxy.stop();
    }
  });

  it('falls back to the next proxy of the list when one cannot be reached', async () => {
    const dead = await freePort();
    const { record, path } = await upload(
      HIDDEN,
      {
        env: { AWS_CA_BUNDLE: ca.caFile },
        resolveProxy: async () => `PROXY 127.0.0.1:${dead}; PROXY 127.0.0.1:${proxy.port}`,
      },
      'fallback.bin',
      { size: 1000 },
    );
    expect(record.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'center/fallback.bin', path);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
  });

  it('uploads through HTTPS_PROXY on the command line, and goes direct to loopback', async () => {
    const env = { AWS_CA_BUNDLE: ca.caFile, HTTPS_PROXY: proxy.url };
    const { record, path } = await upload(HIDDEN, { env }, 'via-env-proxy.bin');
    expect(record.status).toBe('done');
    await expectObjectMatches(moto.endpoint, BUCKET, 'center/via-env-proxy.bin', path);
    expect(proxy.tunnels.length).toBeGreaterThan(0);

    proxy.tunnels.length = 0;
    const local = await upload(relay.endpoint, { env }, 'loopback.bin', { size: 1000 });
    expect(local.record.status).toBe('done');
    expect(proxy.tunnels).toEqual([]);
  });
});

describe('certificate failures', () => {
  it('says what is wrong with a certificate a CA bundle cannot fix', () => {
    const ctx = { bucket: BUCKET, endpoint: 'https://s3.lab.edu' };
    const failure = (code: string, message: string) =>
      classifyError(Object.assign(new Error(message), { code }), ctx);
    expect(failure('CERT_HAS_EXPIRED', 'certificate has expired')).toMatchObject({
      code: 'CertificateExpired',
      recovery: 'stop',
      message: expect.stringMatching(
        /^The certificate of https:\/\/s3\.lab\.edu is expired .*date and time/,
      ),
    });
    expect(
      failure('ERR_TLS_CERT_ALTNAME_INVALID', "Host: s3.lab.edu. is not in the cert's altnames"),
    ).toMatchObject({
      code: 'CertificateWrongName',
      message: expect.stringMatching(/is for another name .*Check the endpoint address/),
    });
    expect(
      failure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
    ).toMatchObject({
      code: 'CertificateUntrusted',
      recovery: 'stop',
    });
  });
});

describe('labdrop check', () => {
  it("names the profile's ca_bundle it trusted, and the setting when none is set", async () => {
    const home = await mkdtemp(join(dir, 'cli-'));
    const args = ['check', '--endpoint', relay.endpoint, '--bucket', BUCKET, '--prefix', 'center'];
    const profileEnv = await labProfileEnv(ca.caFile);
    const trusted = await startCli([...args, '--profile', 'lab'], {
      env: cliEnv(home, join(home, 'labdrop'), {
        AWS_CONFIG_FILE: profileEnv.AWS_CONFIG_FILE,
        AWS_SHARED_CREDENTIALS_FILE: profileEnv.AWS_SHARED_CREDENTIALS_FILE,
      }),
    }).done;
    expect(trusted.stdout).toMatch(
      /network {6}Trusting bundled roots \+ ca_bundle of profile lab\./,
    );
    expect(trusted.code).toBe(0);

    const refused = await startCli(args, { env: cliEnv(home, join(home, 'labdrop')) }).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/labdrop: The certificate of .* is not trusted/);
    expect(refused.stderr).toMatch(/AWS_CA_BUNDLE/);
  });
});
