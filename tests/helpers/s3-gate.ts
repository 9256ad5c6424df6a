import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface GateAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface Gate {
  endpoint: string;
  requests: GateRequest[];
  /** Answers a request instead of moto (e.g. 403 AccessDenied); null forwards it. */
  answer: ((request: GateRequest) => GateAnswer | null) | null;
  stop(): Promise<void>;
}

/**
 * A local HTTP server in front of moto that records requests and lets a test
 * answer some of them itself: how a bucket policy that denies one call, or an
 * endpoint without an API, looks to Labdrop. It also serves as a forward
 * proxy: a request for an absolute URL (what an HTTP proxy receives) is sent
 * to moto whatever host it names.
 */
export async function startGate(target: string): Promise<Gate> {
  const upstream = new URL(target);
  const gate: Gate = {
    endpoint: '',
    requests: [],
    answer: null,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer((req, res) => {
    const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    gate.requests.push(recorded);
    const answer = gate.answer?.(recorded);
    if (answer) {
      req.resume();
      res
        .writeHead(answer.status, { 'content-type': 'application/xml', ...answer.headers })
        .end(answer.body ?? '');
      return;
    }
    const path = /^https?:\/\//.test(recorded.url)
      ? new URL(recorded.url).pathname + new URL(recorded.url).search
      : recorded.url;
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: upstream.host },
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}

/** An S3 error document. */
export function s3Error(status: number, code: string, message = code): GateAnswer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}
