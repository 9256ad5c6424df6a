import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every CONNECT it was asked for, as `host:port`, in order. */
  tunnels: string[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy that opens CONNECT tunnels, as a university's would. `hosts`
 * maps `host:port` to where the tunnel really goes, so a name that does not
 * resolve (labdrop-hidden-s3) is reachable only through this proxy.
 */
export async function startConnectProxy(hosts: Record<string, string> = {}): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end('This test proxy only tunnels (CONNECT).');
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    track(client);
    const asked = req.url ?? '';
    proxy.tunnels.push(asked);
    const [host = '', port = ''] = (hosts[asked] ?? asked).split(/:(?=\d+$)/);
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    track(upstream);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy: ConnectProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels: [],
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return proxy;
}
