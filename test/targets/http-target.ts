/**
 * A real HTTP/HTTPS target on 127.0.0.1:0 with the behaviours the checks must judge:
 * statuses, redirects and loops, slow, hanging and huge responses, JSON and XML bodies,
 * and request capture (`/echo` and `requests`). HTTPS takes any certificate of the test PKI.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';

/** A request as the target saw it. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A running target. */
export interface HttpTarget {
  /** `http://127.0.0.1:PORT` or `https://localhost:PORT`-style origin on 127.0.0.1. */
  origin: string;
  port: number;
  requests: CapturedRequest[];
  /** SNI names of TLS connections (`false` when the client sent none). */
  serverNames: (string | false)[];
  close(): Promise<void>;
}

export const HEALTH_JSON = {
  status: 'ok',
  version: '2.4.1',
  latencyMs: 42,
  items: [{ id: 1 }, { id: 2 }, { id: 3 }],
  nested: { ready: true, region: 'eu-west-1' },
};

export const HEALTH_XML =
  '<?xml version="1.0"?><health><status>up</status><items><item id="1"/><item id="2"/></items></health>';

function handle(req: IncomingMessage, res: ServerResponse, body: string, timers: Set<NodeJS.Timeout>): void {
  const url = new URL(req.url ?? '/', 'http://target');
  const path = url.pathname;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const send = (status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(text);
  };
  let m: RegExpExecArray | null;
  if (path === '/ok') {
    send(200, 'ok');
    return;
  }
  if ((m = /^\/status\/(\d{3})$/.exec(path)) !== null) {
    send(Number(m[1]), `status ${m[1]}`);
    return;
  }
  if (path === '/json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(HEALTH_JSON));
    return;
  }
  if (path === '/json/degraded') {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...HEALTH_JSON, status: 'degraded' }));
    return;
  }
  if (path === '/gzip') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(JSON.stringify(HEALTH_JSON)));
    return;
  }
  if (path === '/gzip-bomb') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    res.end(gzipSync(Buffer.alloc(11 * 1024 * 1024)));
    return;
  }
  if (path === '/bad-gzip') {
    send(200, 'this is not gzip', { 'content-encoding': 'gzip' });
    return;
  }
  if (path === '/xml') {
    send(200, HEALTH_XML, { 'content-type': 'application/xml' });
    return;
  }
  if (path === '/html') {
    send(200, '<html><head><title>Shop</title></head><body><h1 id="t">Welcome</h1></body></html>', {
      'content-type': 'text/html',
    });
    return;
  }
  if (path === '/headers') {
    const headers: Record<string, string> = {};
    for (const [k, v] of url.searchParams) headers[k] = v;
    send(200, 'headers', headers);
    return;
  }
  if (path === '/echo') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    return;
  }
  if ((m = /^\/redirect\/(\d+)$/.exec(path)) !== null) {
    const n = Number(m[1]);
    send(302, '', { location: n <= 1 ? '/ok' : `/redirect/${n - 1}` });
    return;
  }
  if (path === '/redirect-to') {
    send(Number(url.searchParams.get('code') ?? 302), '', {
      location: url.searchParams.get('url') ?? '/ok',
    });
    return;
  }
  if (path === '/loop/a') {
    send(301, '', { location: '/loop/b' });
    return;
  }
  if (path === '/loop/b') {
    send(301, '', { location: '/loop/a' });
    return;
  }
  if (path === '/slow') {
    later(Number(url.searchParams.get('ms') ?? 1000), () => {
      send(200, 'slow ok');
    });
    return;
  }
  if (path === '/hang') return; // never answers
  if (path === '/close') {
    req.socket.destroy(); // closes without a response
    return;
  }
  if (path === '/slow-body') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
    return; // the body never ends
  }
  if (path === '/huge') {
    const total = Number(url.searchParams.get('bytes') ?? 11 * 1024 * 1024);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  send(404, 'not found');
}

/**
 * Starts a target; pass `tls` for HTTPS (requestCert etc. go straight to `https.createServer`)
 * and `host: '::'` for a dual-stack listener.
 */
export async function startHttpTarget(tls?: HttpsOptions, host = '127.0.0.1'): Promise<HttpTarget> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body, timers);
    });
  };
  const server: Server = tls === undefined ? createHttpServer(listener) : createHttpsServer(tls, listener);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const serverNames: (string | false)[] = [];
  server.on('secureConnection', (s: TLSSocket) => {
    serverNames.push(s.servername ?? false);
  });
  // A TLS client that gives up during the handshake is not the target's problem.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    requests,
    serverNames,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
