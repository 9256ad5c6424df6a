import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { REQUEST_CHANNELS, type Events, type RequestChannel } from '../../shared/ipc';
import { createAppCore } from '../../electron/app/core';
import type { UploadQueue } from '../../electron/engine/queue';
import type { Store } from '../../electron/engine/store';
import { ProgressBatcher } from '../../electron/ipc/progress-batcher';
import { CONTENT_SECURITY_POLICY } from '../../electron/ipc/security';
import { testKeychain, type TestKeychain } from '../helpers/keychain';

export interface HostOptions {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** History database, settings and exports go here. */
  dataDir: string;
  hashWorker: string;
  partSizeMiB?: number;
  partConcurrency?: number;
}

export interface TestHost {
  url: string;
  queue: UploadQueue;
  store: Store;
  /** The OS keychain stand-in keys typed in Settings are encrypted with. */
  keychain: TestKeychain;
  /** What the next "Choose files" dialog returns. */
  chooseNext(paths: string[]): void;
  /** What the next "Import profile" dialog returns. */
  chooseJsonNext(path: string | null): void;
  /** Where exports were written. */
  exports: string[];
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The Electron main process without Electron: the built renderer over HTTP on
 * 127.0.0.1, and the real IPC handlers, engine and progress batcher behind
 * POST /ipc/<channel> and a Server-Sent Events stream at /events (see
 * browser-bridge.ts for the page's side).
 */
export async function startTestHost(options: HostOptions): Promise<TestHost> {
  const streams = new Set<ServerResponse>();
  const send = <E extends keyof Events>(res: ServerResponse, channel: E, payload: Events[E]) =>
    res.write(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`);
  let chosen: string[] = [];
  let chosenJson: string | null = null;
  const exports: string[] = [];

  // As electron/main.ts builds the app, with the test keychain for the OS's.
  const keychain = testKeychain();
  const core = await createAppCore({
    dataDir: options.dataDir,
    secrets: keychain,
    version: 'e2e',
    hashWorker: options.hashWorker,
    hashThreads: 2,
    partSizeMiB: options.partSizeMiB ?? 5,
    partConcurrency: options.partConcurrency ?? 4,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 500 },
    preflightRetry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 },
    targetTimeoutMs: 10_000,
    openPaths: async () => chosen,
    openJsonFile: async () => chosenJson,
    savePath: async (name) => {
      const path = join(options.dataDir, name);
      exports.push(path);
      return path;
    },
    broadcast: (channel, payload) => {
      for (const res of streams) send(res, channel, payload);
    },
    // No file manager or clipboard here: the window shows the folder and the text.
    openFolder: async () => '',
    copyText: () => undefined,
  });
  const { queue, store, handlers } = core;
  core.restoreSession();

  const serveFile = async (res: ServerResponse, path: string) => {
    const root = normalize(options.rendererDir);
    const file = normalize(join(root, path === '/' ? 'index.html' : decodeURIComponent(path)));
    if (!file.startsWith(root + sep)) return void res.writeHead(403).end();
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  };

  const invoke = async (req: IncomingMessage, res: ServerResponse, channel: string) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const known = (REQUEST_CHANNELS as string[]).includes(channel);
    const answer = known
      ? await handlers[channel as RequestChannel](
          (JSON.parse(body || '{}') as { arg?: unknown }).arg,
        )
      : { ok: false, error: { code: 'UnknownChannel', message: channel } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (req.method === 'POST' && url.pathname === '/dropped') {
      // As main does from the preload: browser-bridge.ts posts each dropped file's path.
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        core.chosen.allow([body]);
        res.writeHead(204).end();
      });
    } else if (req.method === 'POST' && url.pathname.startsWith('/ipc/')) {
      void invoke(req, res, decodeURIComponent(url.pathname.slice(5))).catch((error: unknown) =>
        res.writeHead(500).end(String(error)),
      );
    } else if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      streams.add(res);
      // One batcher per window, as main runs one per BrowserWindow.
      const batcher = new ProgressBatcher(queue, (batch) =>
        send(res, 'uploads:progress', batch),
      ).start();
      req.on('close', () => {
        batcher.stop();
        streams.delete(res);
      });
    } else if (req.method === 'GET' && url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (req.method === 'GET') {
      void serveFile(res, url.pathname);
    } else {
      res.writeHead(405).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    queue,
    store,
    exports,
    keychain,
    chooseNext: (paths) => {
      chosen = paths;
    },
    chooseJsonNext: (path) => {
      chosenJson = path;
    },
    async stop() {
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await core.dispose();
    },
  };
}
