/**
 * The demo target: small loopback services that the example monitors check, so a new user
 * without internet sees real up and down monitors (`synthctl run --demo examples/monitors`).
 *
 * - HTTP and HTTPS (same routes): an authenticated JSON health endpoint, a JSON API, an XML
 *   status page, a flaky endpoint that fails every other request (shows retest on failure),
 *   a degraded endpoint (down by design), and a login page for browser journeys.
 * - HTTPS uses a certificate from a throwaway CA that expires in a few days.
 * - TCP: a line protocol with a banner, answering `PING` with `+PONG`.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  type Server,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createDemoCertificates } from './certificates.js';

/** The API key the demo health endpoint accepts (the examples read it from DEMO_API_KEY). */
export const DEMO_API_KEY = 'demo-key-not-a-secret';

/** Where the demo target listens. Port 0 picks a free port (tests). */
export interface DemoTargetOptions {
  readonly host?: string;
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly tcpPort?: number;
  /** Days until the HTTPS certificate expires (default 12). */
  readonly certificateDaysLeft?: number;
  readonly now?: () => Date;
}

/** A running demo target. */
export interface DemoTarget {
  readonly httpUrl: string;
  readonly httpsUrl: string;
  readonly tcpAddress: string;
  /** The CA that signed the HTTPS certificate, PEM. */
  readonly caPem: string;
  close(): Promise<void>;
}

/** Default ports used by examples/monitors. */
export const DEMO_PORTS = { http: 8480, https: 8443, tcp: 8470 } as const;

const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo shop: sign in</title></head>
<body>
  <h1>Sign in</h1>
  <form method="post" action="/login">
    <label>User <input name="user" id="user" autocomplete="username"></label>
    <label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
    <button type="submit" id="submit">Sign in</button>
  </form>
</body></html>`;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function makeHandler(startedAt: number, now: () => Date) {
  // Per-server request counter for /flaky: odd requests fail, even ones succeed, so a
  // monitor with retestOnFailure sees "down then up" deterministically.
  let flakyCount = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    switch (`${req.method ?? 'GET'} ${url.pathname}`) {
      case 'GET /health': {
        if (req.headers['x-api-key'] !== DEMO_API_KEY) {
          json(res, 401, { error: 'missing or wrong X-API-Key' });
          return;
        }
        json(res, 200, {
          status: 'ok',
          service: 'orders',
          version: '1.4.2',
          dependencies: { database: 'ok', cache: 'ok' },
          uptimeSeconds: Math.round((now().getTime() - startedAt) / 1000),
        });
        return;
      }
      case 'GET /api/orders':
        json(res, 200, {
          items: [
            { id: 'o-1001', total: 42.5, state: 'shipped' },
            { id: 'o-1002', total: 17.0, state: 'pending' },
          ],
          count: 2,
        });
        return;
      case 'GET /status.xml': {
        const xml =
          '<?xml version="1.0"?><status><service name="orders">ok</service><queue depth="3"/></status>';
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(xml);
        return;
      }
      case 'GET /flaky': {
        flakyCount += 1;
        if (flakyCount % 2 === 1) json(res, 503, { status: 'unavailable' });
        else json(res, 200, { status: 'ok' });
        return;
      }
      case 'GET /degraded':
        json(res, 200, { status: 'degraded', reason: 'replica lag 42s' });
        return;
      case 'GET /login':
      case 'GET /':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(LOGIN_PAGE);
        return;
      case 'POST /login': {
        const form = new URLSearchParams(await readBody(req, 64 * 1024));
        const ok = form.get('user') === 'demo' && form.get('password') === 'demo';
        res.writeHead(ok ? 303 : 401, ok ? { location: '/dashboard' } : { 'content-type': 'text/html' });
        res.end(ok ? '' : '<p id="error">Wrong user or password</p>');
        return;
      }
      case 'GET /dashboard':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>Dashboard</title><h1 id="welcome">Welcome, demo</h1>');
        return;
      default:
        json(res, 404, { error: `no route ${req.method ?? 'GET'} ${url.pathname}` });
    }
  };
}

function serveTcp(socket: Socket): void {
  socket.setEncoding('utf8');
  socket.setTimeout(30_000, () => socket.destroy());
  socket.write('+OK synthctl-demo ready\r\n');
  let buffered = '';
  socket.on('data', (data: string) => {
    buffered += data;
    if (buffered.length > 4096) {
      socket.destroy();
      return;
    }
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim().toUpperCase();
      buffered = buffered.slice(newline + 1);
      if (line === 'PING') socket.write('+PONG\r\n');
      else if (line === 'QUIT') {
        socket.end('+BYE\r\n');
        return;
      } else socket.write(`-ERR unknown command '${line.slice(0, 32)}'\r\n`);
      newline = buffered.indexOf('\n');
    }
  });
  socket.on('error', () => socket.destroy());
}

function listen(server: Server | TcpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => {
      resolve();
    });
  });
}

/** Starts the demo target; rejects with the listen error (e.g. EADDRINUSE) if a port is taken. */
export async function startDemoTarget(options: DemoTargetOptions = {}): Promise<DemoTarget> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const certs = createDemoCertificates({ now: now(), daysLeft: options.certificateDaysLeft ?? 12 });
  const startedAt = now().getTime();
  const onError = (res: ServerResponse) => () => {
    if (!res.headersSent) json(res, 500, { error: 'internal error' });
    else res.destroy();
  };
  const httpHandler = makeHandler(startedAt, now);
  const httpsHandler = makeHandler(startedAt, now);
  const http = createHttpServer((req, res) => {
    httpHandler(req, res).catch(onError(res));
  });
  const https = createHttpsServer(
    { cert: certs.server.cert + certs.ca.cert, key: certs.server.key },
    (req, res) => {
      httpsHandler(req, res).catch(onError(res));
    },
  );
  const tcp = createTcpServer(serveTcp);
  const started: (Server | TcpServer)[] = [];
  try {
    const httpPort = await listen(http, options.httpPort ?? DEMO_PORTS.http, host);
    started.push(http);
    const httpsPort = await listen(https, options.httpsPort ?? DEMO_PORTS.https, host);
    started.push(https);
    const tcpPort = await listen(tcp, options.tcpPort ?? DEMO_PORTS.tcp, host);
    started.push(tcp);
    const hostInUrl = host.includes(':') ? `[${host}]` : host;
    return {
      httpUrl: `http://${hostInUrl}:${httpPort}`,
      httpsUrl: `https://${host === '127.0.0.1' ? 'localhost' : hostInUrl}:${httpsPort}`,
      tcpAddress: `${hostInUrl}:${tcpPort}`,
      caPem: certs.ca.cert,
      close: async () => {
        await Promise.all([close(http), close(https), close(tcp)]);
      },
    };
  } catch (error) {
    await Promise.all(started.map(close));
    throw error;
  }
}
