// A link emulator for the bench: a TCP relay between a client and an endpoint
// on this machine that behaves like a wide-area link (netem is not available
// here, so it runs in userspace, in the bench's own process).
//
// Per direction it keeps one bottleneck: a FIFO whose bytes leave at the
// link's rate (a token bucket without burst), then travel for half the round
// trip. Its queue holds at most one round trip of bytes; a connection that
// would overfill it waits, as a router's buffer would make TCP back off.
// Per connection it keeps what TCP does on a long path: the handshake costs a
// round trip before the first byte; bytes count as in flight until their
// acknowledgement would be back (delivery plus half a round trip); the window
// starts at 10 segments, grows by what is acknowledged (slow start) up to
// Linux's default send buffer (4 MiB), and falls back to 10 segments after
// an idle spell longer than the retransmission timeout. With `dropPerMiB` it
// cuts connections (a reset to the client) at random, per MiB carried.
// Not emulated: packet loss within a connection (and the congestion
// avoidance it drives), TLS (real S3 is HTTPS: one or two round trips more
// per new connection), DNS.
import { connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkProfile {
  id: string;
  label: string;
  rttMs: number;
  /** Client to endpoint, bits per second; Infinity: no cap. */
  upBitsPerSecond: number;
  /** Endpoint to client. */
  downBitsPerSecond: number;
  /** Chance that a connection is cut, per MiB it carries (0: never). */
  dropPerMiB?: number;
}

const Mbit = 1e6;

export const LINK_PROFILES: readonly LinkProfile[] = [
  {
    id: 'campus',
    label: 'campus to region (20 ms RTT, 1 Gbit/s)',
    rttMs: 20,
    upBitsPerSecond: 1000 * Mbit,
    downBitsPerSecond: 1000 * Mbit,
  },
  {
    id: 'far',
    label: 'far lab (120 ms RTT, 200 Mbit/s)',
    rttMs: 120,
    upBitsPerSecond: 200 * Mbit,
    downBitsPerSecond: 200 * Mbit,
  },
  {
    id: 'home',
    label: 'home office (40 ms RTT, 50 Mbit/s up, 250 down)',
    rttMs: 40,
    upBitsPerSecond: 50 * Mbit,
    downBitsPerSecond: 250 * Mbit,
  },
];

/** No delay, no cap: what the relay itself costs. */
export const PASS_THROUGH: LinkProfile = {
  id: 'relay',
  label: 'relay alone (no delay, no cap)',
  rttMs: 0,
  upBitsPerSecond: Infinity,
  downBitsPerSecond: Infinity,
};

/** A profile at `factor` of its rates (same delays): for machines that cannot carry the full ones. */
export function scaledRates(profile: LinkProfile, factor: number): LinkProfile {
  if (factor === 1) return profile;
  return {
    ...profile,
    upBitsPerSecond: profile.upBitsPerSecond * factor,
    downBitsPerSecond: profile.downBitsPerSecond * factor,
    label: `${profile.label}, rates ×${factor}`,
  };
}

export interface LinkCounters {
  /** Bytes carried client → endpoint, and back. */
  bytesUp: number;
  bytesDown: number;
  connections: number;
  /** Connections cut by `dropPerMiB`. */
  dropped: number;
}

export interface Link {
  url: string;
  port: number;
  profile: LinkProfile;
  counters: LinkCounters;
  stop(): Promise<void>;
}

const MSS = 1448;
const INITIAL_WINDOW = 10 * MSS;
/** Linux's default tcp_wmem maximum: what one connection keeps unacknowledged at most. */
const MAX_WINDOW = 4 * 1024 * 1024;
const MiB = 1024 * 1024;

/** Items due at times that never decrease, run by one timer. */
class Timeline<T> {
  private items: Array<{ at: number; item: T }> = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly run: (item: T) => void) {}

  push(at: number, item: T): void {
    this.items.push({ at, item });
    if (!this.timer) this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
    this.head = 0;
  }

  private arm(): void {
    const next = this.items[this.head];
    if (!next) {
      this.items = [];
      this.head = 0;
      return;
    }
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.at - performance.now()));
  }

  private fire(): void {
    this.timer = null;
    // Timers fire up to a millisecond late: what is due within half of one goes now.
    const now = performance.now() + 0.5;
    while (this.head < this.items.length && (this.items[this.head] as { at: number }).at <= now) {
      this.run((this.items[this.head++] as { item: T }).item);
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }
}

/** One direction of the link: its bottleneck and its delay. */
class Direction {
  /** When the bottleneck has sent everything queued so far. */
  freeAt = 0;
  readonly waiting = new Set<Flow>();
  readonly deliveries = new Timeline<{ flow: Flow; chunk: Buffer | null }>((d) =>
    d.flow.deliver(d.chunk),
  );
  readonly acks = new Timeline<{ flow: Flow; bytes: number }>((a) => a.flow.acked(a.bytes));

  constructor(
    readonly bytesPerMs: number,
    readonly oneWayMs: number,
    readonly maxQueueMs: number,
    readonly count: (bytes: number) => void,
  ) {}

  full(now: number): boolean {
    return this.freeAt - now > this.maxQueueMs;
  }

  /** Flows that waited for room in the queue go on once there is some. */
  wake(now: number): void {
    if (this.full(now)) return;
    for (const flow of this.waiting) {
      this.waiting.delete(flow);
      flow.update(now);
    }
  }

  stop(): void {
    this.deliveries.stop();
    this.acks.stop();
  }
}

/** One direction of one connection: TCP's window over the link. */
class Flow {
  open = false;
  private inflight = 0;
  private window = INITIAL_WINDOW;
  private lastSent = 0;
  private ended = false;

  constructor(
    readonly source: Socket,
    readonly dest: Socket,
    readonly direction: Direction,
    private readonly rtoMs: number,
    private readonly onChunk: (bytes: number) => boolean,
  ) {
    source.on('data', (chunk: Buffer) => this.send(chunk));
    source.on('end', () => this.end());
  }

  private send(chunk: Buffer): void {
    if (!this.onChunk(chunk.length)) return;
    const now = performance.now();
    const d = this.direction;
    if (this.inflight === 0 && now - this.lastSent > this.rtoMs) {
      this.window = Math.min(this.window, INITIAL_WINDOW);
    }
    this.lastSent = now;
    d.freeAt = Math.max(now, d.freeAt) + chunk.length / d.bytesPerMs;
    d.count(chunk.length);
    this.inflight += chunk.length;
    d.deliveries.push(d.freeAt + d.oneWayMs, { flow: this, chunk });
    this.update(now);
  }

  /** The source's end (or close) reaches the other side after what it sent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const d = this.direction;
    d.deliveries.push(Math.max(performance.now(), d.freeAt) + d.oneWayMs, {
      flow: this,
      chunk: null,
    });
  }

  deliver(chunk: Buffer | null): void {
    const now = performance.now();
    this.direction.wake(now);
    if (this.dest.destroyed) return;
    if (chunk === null) {
      this.dest.end();
      return;
    }
    this.dest.write(chunk, (error) => {
      if (!error)
        this.direction.acks.push(performance.now() + this.direction.oneWayMs, {
          flow: this,
          bytes: chunk.length,
        });
    });
  }

  acked(bytes: number): void {
    this.inflight -= bytes;
    this.window = Math.min(MAX_WINDOW, this.window + bytes);
    this.update(performance.now());
  }

  /** Reads from the source while the window and the bottleneck's queue have room. */
  update(now: number): void {
    if (this.source.destroyed) return;
    const full = this.direction.full(now);
    if (full) this.direction.waiting.add(this);
    if (!this.open || full || this.inflight >= this.window) this.source.pause();
    else this.source.resume();
  }
}

/** A seeded generator, so that a run's drops can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Listens on 127.0.0.1 and relays each connection to `targetHost:targetPort`
 * through the emulated link. `url` is http://127.0.0.1:PORT.
 */
export async function startLink(
  profile: LinkProfile,
  targetHost: string,
  targetPort: number,
  options: { seed?: number } = {},
): Promise<Link> {
  const oneWay = profile.rttMs / 2;
  // A router's buffer of about one round trip (at least a few ms).
  const maxQueueMs = Math.max(profile.rttMs, 5);
  // Linux's retransmission timeout: the smoothed RTT plus at least 200 ms.
  const rtoMs = profile.rttMs + 200;
  const counters: LinkCounters = { bytesUp: 0, bytesDown: 0, connections: 0, dropped: 0 };
  const up = new Direction(profile.upBitsPerSecond / 8 / 1000, oneWay, maxQueueMs, (n) => {
    counters.bytesUp += n;
  });
  const down = new Direction(profile.downBitsPerSecond / 8 / 1000, oneWay, maxQueueMs, (n) => {
    counters.bytesDown += n;
  });
  const rng = random(options.seed ?? 1);
  const dropPerMiB = profile.dropPerMiB ?? 0;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    counters.connections++;
    const upstream = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    upstream.pause();
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    let cut = false;
    const keep = (bytes: number): boolean => {
      if (cut) return false;
      if (dropPerMiB > 0 && rng() < 1 - (1 - dropPerMiB) ** (bytes / MiB)) {
        cut = true;
        counters.dropped++;
        client.resetAndDestroy();
        upstream.destroy();
        return false;
      }
      return true;
    };
    const toEndpoint = new Flow(client, upstream, up, rtoMs, keep);
    const toClient = new Flow(upstream, client, down, rtoMs, keep);
    const fail = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    // A side that closes ends the other once what it sent has arrived.
    client.once('close', () => toEndpoint.end());
    upstream.once('close', () => toClient.end());
    toClient.open = true;
    toClient.update(performance.now());
    // The handshake: the client's first byte leaves one round trip after it connected.
    setTimeout(() => {
      toEndpoint.open = true;
      toEndpoint.update(performance.now());
    }, profile.rttMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    profile,
    counters,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      up.stop();
      down.stop();
      await closed;
    },
  };
}
