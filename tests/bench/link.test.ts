// The bench's link emulator: what goes through arrives whole and in order,
// never sooner than the round trips and the rate allow, and a cut
// connection is a reset the client sees. Only lower bounds are asserted:
// a busy machine may make the relay slower, never faster.
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLink, type LinkProfile } from './link';

let server: Server;
let port: number;

beforeAll(async () => {
  // Answers each connection with the MD5 and length of what it sent, once it ends.
  server = createServer({ allowHalfOpen: true }, (socket) => {
    const hash = createHash('md5');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    socket.on('end', () => socket.end(`${hash.digest('hex')} ${bytes}`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Sends `body` through the link and returns the answer and the seconds it took. */
function send(linkPort: number, body: Buffer): Promise<{ answer: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: linkPort, allowHalfOpen: true });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve({ answer, seconds: (performance.now() - started) / 1000 }));
    socket.on('error', reject);
    socket.end(body);
  });
}

const profile = (p: Partial<LinkProfile>): LinkProfile => ({
  id: 'test',
  label: 'test',
  rttMs: 0,
  upBitsPerSecond: Infinity,
  downBitsPerSecond: Infinity,
  ...p,
});

describe('the link emulator', () => {
  it('delivers every byte in order, after the handshake and a round trip', async () => {
    const link = await startLink(profile({ rttMs: 100 }), '127.0.0.1', port);
    try {
      const body = randomBytes(3 * 1024 * 1024 + 17);
      const { answer, seconds } = await send(link.port, body);
      expect(answer).toBe(`${createHash('md5').update(body).digest('hex')} ${body.length}`);
      // Handshake, the bytes there, the answer back: two round trips at least.
      expect(seconds).toBeGreaterThanOrEqual(0.2);
      expect(link.counters).toMatchObject({ bytesUp: body.length, connections: 1, dropped: 0 });
      expect(link.counters.bytesDown).toBe(answer.length);
    } finally {
      await link.stop();
    }
  });

  it('sends no faster than its rate, shared by all connections', async () => {
    // 8 Mbit/s: 1 MB a second.
    const link = await startLink(profile({ upBitsPerSecond: 8e6 }), '127.0.0.1', port);
    try {
      const body = randomBytes(500_000);
      const started = performance.now();
      const answers = await Promise.all([send(link.port, body), send(link.port, body)]);
      const seconds = (performance.now() - started) / 1000;
      for (const { answer } of answers) expect(answer).toMatch(/ 500000$/);
      expect(seconds).toBeGreaterThanOrEqual(0.99);
    } finally {
      await link.stop();
    }
  });

  it('cuts connections when told to, as a reset the client sees', async () => {
    const link = await startLink(profile({ dropPerMiB: 1 }), '127.0.0.1', port);
    try {
      await expect(send(link.port, randomBytes(4 * 1024 * 1024))).rejects.toThrow(
        /ECONNRESET|EPIPE/,
      );
      expect(link.counters.dropped).toBe(1);
    } finally {
      await link.stop();
    }
  });
});
