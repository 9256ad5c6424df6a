import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What happens to one connection once the client has sent `afterBytes`. */
export interface Fault {
  kind: 'reset' | 'stall';
  afterBytes: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Faults for the next connections that reach `afterBytes`, in order; each is used once. */
  faults: Fault[];
  /** Connections a fault was applied to. */
  applied: Fault[];
  stop(): Promise<void>;
}

/**
 * A TCP proxy in front of an S3 server that breaks connections the way bad
 * networks do: a reset part-way through a request body, or a stall that
 * keeps the connection open and silent.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    endpoint: '',
    faults: [],
    applied: [],
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((client) => {
    const server = connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(server);
    client.on('close', () => sockets.delete(client));
    server.on('close', () => sockets.delete(server));
    let sent = 0;
    let stalled = false;
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      const fault = proxy.faults[0];
      if (fault && sent + chunk.length > fault.afterBytes && sent <= fault.afterBytes) {
        proxy.faults.shift();
        proxy.applied.push(fault);
        server.write(chunk.subarray(0, Math.max(0, fault.afterBytes - sent)));
        if (fault.kind === 'reset') {
          client.resetAndDestroy();
          server.destroy();
        } else {
          stalled = true; // swallow everything from now on, answer nothing
          server.pause();
        }
        return;
      }
      sent += chunk.length;
      if (!server.write(chunk)) client.pause();
    });
    server.on('drain', () => client.resume());
    server.on('data', (chunk: Buffer) => {
      if (!stalled) client.write(chunk);
    });
    client.on('end', () => server.end());
    server.on('end', () => client.end());
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
