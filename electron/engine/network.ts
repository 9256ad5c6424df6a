// How Labdrop's requests reach S3 and STS from a university network: which
// certificate authorities are trusted (trustFor) and which proxy each
// connection takes (routesFor), resolved per connection by one agent
// (createNetworkAgent) that every S3 and STS client is built with (see
// createRequestHandler in s3-client.ts).
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { homedir } from 'node:os';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { awsConfigPaths, configProfile, readIni } from './aws-files';
import { UploadFailure } from './errors';

/** Chromium's answer for a URL (Electron's session.resolveProxy): "DIRECT", "PROXY host:port; DIRECT"… */
export type ResolveProxy = (url: string) => Promise<string>;

export interface NetworkOptions {
  /** Where HTTPS_PROXY / NO_PROXY, AWS_CA_BUNDLE, AWS_PROFILE and AWS_CONFIG_FILE are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * The app: the system's proxy settings and PAC file, through Chromium.
   * Without it (the command line) the proxy variables decide.
   */
  resolveProxy?: ResolveProxy;
  /**
   * The app: the operating system's trusted certificates, added to the
   * bundled roots (systemStoreCertificates); null where the runtime cannot
   * read them. Without it only the bundled roots and the CA bundle count.
   */
  systemCertificates?: () => readonly string[] | null;
}

/** The certificate authorities a profile's connections trust, and how to say where they came from. */
export interface Trust {
  /** Undefined: Node's bundled roots alone. */
  ca?: string[];
  /** For `labdrop check`: "bundled roots + AWS_CA_BUNDLE=/etc/lab-ca.pem + system store". */
  source: string;
  /** A CA bundle was named but cannot be used: every connection fails with this. */
  problem?: UploadFailure;
}

type GetCACertificates = (type: 'system') => string[];

/**
 * The operating system's trusted certificates, where the runtime can read
 * them (Node 22.15+, so Electron 45; not Node 20), else null.
 */
export function systemStoreCertificates(): readonly string[] | null {
  const read = (tls as { getCACertificates?: GetCACertificates }).getCACertificates;
  return read ? read('system') : null;
}

/**
 * The trust for connections made with `awsProfile`'s credentials. As in the
 * AWS CLI, AWS_CA_BUNDLE wins over the profile's `ca_bundle` (the profile
 * is the given one, else AWS_PROFILE, else "default"). Unlike the CLI, the
 * bundle adds to the bundled roots rather than replacing them: a bundle
 * holding only the university's CA must not cut Labdrop off from AWS
 * endpoints the university does not intercept, and whatever the CLI
 * accepts with the same bundle is accepted here too.
 */
export function trustFor(awsProfile: string | null, options: NetworkOptions = {}): Trust {
  const env = options.env ?? process.env;
  const bundle = caBundleSetting(awsProfile, env);
  const system = options.systemCertificates?.() ?? null;
  const sources = ['bundled roots'];
  const extra: string[] = [];
  if (bundle) {
    sources.push(bundle.source);
    try {
      const pem = readFileSync(bundle.path, 'utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----'))
        throw new Error('it holds no PEM certificate');
      extra.push(pem);
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      return {
        source: sources.join(' + '),
        problem: new UploadFailure({
          code: 'CaBundleUnreadable',
          message: `The CA bundle ${bundle.path} (${bundle.source}) cannot be used (${reason}). Point ${bundle.setting} at the PEM file of your network's certificate authority, or remove the setting.`,
        }),
      };
    }
  }
  if (options.systemCertificates) {
    if (system) {
      sources.push('system store');
      extra.push(...system);
    } else {
      sources.push('no system store (this runtime cannot read it)');
    }
  }
  return {
    source: sources.join(' + '),
    ...(extra.length > 0 ? { ca: [...tls.rootCertificates, ...extra] } : {}),
  };
}

function caBundleSetting(
  awsProfile: string | null,
  env: NodeJS.ProcessEnv,
): { path: string; source: string; setting: string } | null {
  const fromEnv = env.AWS_CA_BUNDLE?.trim();
  if (fromEnv) {
    return { path: fromEnv, source: `AWS_CA_BUNDLE=${fromEnv}`, setting: 'AWS_CA_BUNDLE' };
  }
  const name = awsProfile ?? env.AWS_PROFILE ?? 'default';
  const { config } = awsConfigPaths(env);
  const path = configProfile(readIni(config), name)?.get('ca_bundle');
  if (!path) return null;
  return {
    path: path.replace(/^~(?=$|[/\\])/, env.HOME || homedir()),
    source: `ca_bundle of profile ${name}`,
    setting: `ca_bundle in [${name === 'default' ? 'default' : `profile ${name}`}] of ${config}`,
  };
}

/** One way to reach a server: straight, through an HTTP(S) proxy, or one Labdrop cannot use. */
export type Route =
  { kind: 'direct' } | { kind: 'proxy'; url: string } | { kind: 'unsupported'; entry: string };

export type UsableRoute = Exclude<Route, { kind: 'unsupported' }>;

/**
 * Chromium's answer, in order of preference: `DIRECT`, `PROXY host:port`
 * (an HTTP proxy), `HTTPS host:port` (a proxy spoken to over TLS), `SOCKS`,
 * `SOCKS4`, `SOCKS5` or `QUIC` ones (not supported), separated by `;`. An
 * empty answer is DIRECT.
 */
export function parseProxyAnswer(answer: string): Route[] {
  const routes = answer
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry): Route => {
      const [scheme = '', hostPort] = entry.split(/\s+/, 2);
      const kind = scheme.toUpperCase();
      if (kind === 'DIRECT') return { kind: 'direct' };
      if ((kind === 'PROXY' || kind === 'HTTPS') && hostPort) {
        return { kind: 'proxy', url: `${kind === 'HTTPS' ? 'https' : 'http'}://${hostPort}` };
      }
      return { kind: 'unsupported', entry };
    });
  return routes.length > 0 ? routes : [{ kind: 'direct' }];
}

/**
 * The routes to try for `url`, in order. With a resolver (the app),
 * Chromium's answer decides, loopback included: Chromium already answers
 * DIRECT for loopback unless the user's rules say otherwise (`<-loopback>`),
 * and then they mean it. An answer Labdrop cannot follow at all is an
 * explained failure; one whose resolver fails is DIRECT, as in VS Code.
 * Without one (the command line), the proxy variables (proxyFor).
 */
export async function routesFor(url: string, options: NetworkOptions = {}): Promise<UsableRoute[]> {
  if (!options.resolveProxy) {
    const proxy = proxyFor(url, options.env ?? process.env);
    return [proxy ? { kind: 'proxy', url: proxy } : { kind: 'direct' }];
  }
  const resolve = options.resolveProxy;
  const answer = await Promise.resolve()
    .then(() => resolve(url))
    .catch(() => 'DIRECT');
  const routes = parseProxyAnswer(answer);
  const usable = routes.filter((route): route is UsableRoute => route.kind !== 'unsupported');
  if (usable.length > 0) return usable;
  throw new UploadFailure({
    code: 'ProxyUnsupported',
    message: `The system's proxy settings send ${url} through ${answer.trim()}, which Labdrop cannot use (it speaks to HTTP and HTTPS proxies only). Ask your IT department for an HTTP proxy, and set it (or a PAC file naming it) in the system's network settings.`,
  });
}

/** Routes as `labdrop check` shows them: "through proxy http://a:1, else directly". */
export function describeRoutes(routes: readonly UsableRoute[]): string {
  return routes
    .map((route) => (route.kind === 'proxy' ? `through proxy ${route.url}` : 'directly'))
    .join(', else ');
}

/**
 * The proxy for `url` from the standard variables, or null for a direct
 * connection: https_proxy / HTTPS_PROXY for https URLs, http_proxy /
 * HTTP_PROXY for http ones, ALL_PROXY for either, and no_proxy / NO_PROXY
 * (comma- or space-separated host names, `.domain` or `*.domain` suffixes,
 * optional `:port`, or `*` for none). Loopback addresses are never proxied,
 * as in Chromium: a local S3-compatible store is never behind the lab's proxy.
 */
export function proxyFor(url: string, env: NodeJS.ProcessEnv = process.env): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') return null;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return null;
  const port = parsed.port || (scheme === 'https' ? '443' : '80');
  const noProxy = variable(env, 'no_proxy');
  if (noProxy && noProxyMatches(noProxy, host, port)) return null;
  const proxy = variable(env, `${scheme}_proxy`) || variable(env, 'all_proxy');
  if (!proxy) return null;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function variable(env: NodeJS.ProcessEnv, name: string): string {
  return (env[name] || env[name.toUpperCase()] || '').trim();
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

function noProxyMatches(list: string, host: string, port: string): boolean {
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const match = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase());
      const pattern = (match?.[1] ?? '').replace(/^\*?\./, '.');
      if (match?.[2] && match[2] !== port) return false;
      if (pattern.startsWith('.')) return host.endsWith(pattern) || host === pattern.slice(1);
      return host === pattern || host.endsWith(`.${pattern}`);
    });
}

export interface NetworkAgentOptions extends NetworkOptions {
  /** Whose connections these are: decides the CA bundle (trustFor). */
  awsProfile?: string | null;
  maxSockets?: number;
}

/**
 * An HTTP agent that decides each new connection's route when it opens
 * (clients are made synchronously; the system's answer comes later), tries
 * the routes in order (a proxy that cannot be reached gives way to the next)
 * and verifies servers against the profile's trust. Kept-alive connections
 * are reused per origin as by Node's own agents.
 */
export function createNetworkAgent(
  options: NetworkAgentOptions,
  protocol: 'http:' | 'https:',
): HttpAgent {
  return new NetworkAgent(options, protocol);
}

/** What http-proxy-agent expects of a request: Node's, with its internals showing. */
type ProxiedRequest = Parameters<HttpProxyAgent<string>['setRequestProps']>[0];

/** Node's agents pool requests here; @types/node does not declare it. */
interface Pooling {
  addRequest(req: ClientRequest, opts: AgentConnectOpts): void;
}

class NetworkAgent extends Agent {
  private trust: Trust | null = null;
  private readonly proxies = new Map<string, HttpsProxyAgent<string> | HttpProxyAgent<string>>();
  /** Origins whose plain-HTTP connections go through a proxy: their requests need absolute URLs. */
  private readonly viaHttpProxy = new Map<string, HttpProxyAgent<string>>();

  constructor(
    private readonly settings: NetworkAgentOptions,
    private readonly scheme: 'http:' | 'https:',
  ) {
    super({ keepAlive: true, maxSockets: settings.maxSockets ?? 16 });
    this.protocol = scheme;
  }

  /**
   * Known from the start: agent-base otherwise tells it from a stack trace,
   * several times a request (a third of a millisecond in all, a tenth of
   * what a small file costs the main process).
   */
  override isSecureEndpoint(options?: { secureEndpoint?: unknown; protocol?: unknown }): boolean {
    if (typeof options?.secureEndpoint === 'boolean') return options.secureEndpoint;
    if (typeof options?.protocol === 'string') return options.protocol === 'https:';
    return this.scheme === 'https:';
  }

  /** Read once, when the first connection opens: the files are read synchronously. */
  private trusted(): Trust {
    this.trust ??= trustFor(this.settings.awsProfile ?? null, this.settings);
    return this.trust;
  }

  addRequest(req: ClientRequest, opts: AgentConnectOpts): void {
    // A request on a kept-alive connection to an HTTP proxy never passes
    // through connect(), yet the proxy needs the absolute URL all the same.
    const proxy = opts.secureEndpoint ? undefined : this.viaHttpProxy.get(this.getName(opts));
    if (proxy) proxy.setRequestProps(req as ProxiedRequest, opts);
    (Agent.prototype as unknown as Pooling).addRequest.call(this, req, opts);
  }

  override async connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    const trust = this.trusted();
    if (trust.problem) throw trust.problem;
    const secure = opts.secureEndpoint;
    const host = opts.host ?? 'localhost';
    const url = `${secure ? 'https' : 'http'}://${isIP(host) === 6 ? `[${host}]` : host}:${opts.port}/`;
    const routes = await routesFor(url, this.settings);
    const ca = trust.ca ? { ca: trust.ca } : {};
    let failure: unknown;
    for (const route of routes) {
      if (route.kind === 'direct') {
        this.viaHttpProxy.delete(this.getName(opts));
        return secure
          ? tls.connect({ host, port: opts.port, servername: isIP(host) ? '' : host, ...ca })
          : netConnect({ host, port: opts.port });
      }
      const agent = this.proxyAgent(route.url, secure, trust);
      try {
        const socket = await agent.connect(req as ProxiedRequest, { ...opts, ...ca });
        if (agent instanceof HttpProxyAgent) this.viaHttpProxy.set(this.getName(opts), agent);
        return socket;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  private proxyAgent(url: string, secure: boolean, trust: Trust) {
    const id = `${secure ? 'tunnel' : 'forward'} ${url}`;
    let agent = this.proxies.get(id);
    if (!agent) {
      // The proxy's own certificate (an `HTTPS host:port` proxy) is checked against the same trust.
      const options = trust.ca ? { ca: trust.ca } : {};
      agent = secure ? new HttpsProxyAgent(url, options) : new HttpProxyAgent(url, options);
      this.proxies.set(id, agent);
    }
    return agent;
  }

  override destroy(): void {
    for (const agent of this.proxies.values()) agent.destroy();
    super.destroy();
  }
}
