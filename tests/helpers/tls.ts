import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';

/**
 * Names the test server's certificate is valid for: one that does not
 * resolve, so only a proxy can reach it (one label: moto takes a dotted
 * host name's first label for a bucket), and loopback.
 */
export const TLS_HOSTS = ['labdrop-hidden-s3', 'localhost'];

export interface TestCa {
  /** The CA's certificate (PEM): what AWS_CA_BUNDLE or ca_bundle point at. */
  caFile: string;
  caPem: string;
  /** A server key and certificate the CA signed, for TLS_HOSTS and 127.0.0.1. */
  key: string;
  cert: string;
}

/**
 * A certificate authority made now, with `openssl`, as a university's
 * HTTPS-inspecting network or a private S3 store would have: no runtime
 * trusts it until told to.
 */
export function makeTestCa(dir: string): TestCa {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Labdrop Test University CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=labdrop-hidden-s3',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  const names = [...TLS_HOSTS.map((host) => `DNS:${host}`), 'IP:127.0.0.1'].join(',');
  writeFileSync(file('server.ext'), `subjectAltName=${names}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  );
  return {
    caFile: file('ca.pem'),
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
  };
}

export interface TlsRelay {
  /** https://localhost:<port> */
  endpoint: string;
  port: number;
  /** TLS handshakes that succeeded: connections whose client trusted the certificate. */
  handshakes: number;
  stop(): Promise<void>;
}

/** HTTPS in front of `target` (moto's plain HTTP): TLS ends here, the bytes go on unchanged. */
export async function startTlsRelay(target: string, ca: TestCa): Promise<TlsRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: ca.key, cert: ca.cert }, (client) => {
    relay.handshakes += 1;
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  // A client that refuses the certificate ends the handshake: not a test failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayPort = (server.address() as AddressInfo).port;
  const relay: TlsRelay = {
    endpoint: `https://localhost:${relayPort}`,
    port: relayPort,
    handshakes: 0,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return relay;
}
