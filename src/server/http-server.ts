/**
 * The runner's HTTP server (node:http): `/metrics` from the injected registry, `/healthz`,
 * `/readyz` (ready once the first schedule is loaded), `/api/monitors` (current state of each
 * monitor), `/api/monitors/:id` and `/api/monitors/:id/results?limit=` (recent results from
 * the history, or the in-memory ring). Bound to 127.0.0.1:9464 by default (9464 is the
 * registered default port of OpenTelemetry's Prometheus exporter; nothing else of ours uses it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { MonitorState } from '../runner/monitor-state.js';
import type { RecentResultsSource } from '../runner/recent-results.js';
import { silentLogger, type Logger } from '../runner/logger.js';

/** Loopback only unless told otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
/** The default listen port. */
export const DEFAULT_PORT = 9464;
/** The largest `limit` of `/api/monitors/:id/results`. */
export const MAX_RESULTS_LIMIT = 1000;
const DEFAULT_RESULTS_LIMIT = 50;

/** Current monitor states (the `Runner` or `ResultPipeline` satisfy it). */
export interface MonitorStatusSource {
  states(): MonitorState[];
  state(monitorId: string): MonitorState | undefined;
}

/** What the server reads from and where it listens. */
export interface RunnerHttpServerOptions {
  registry: Registry;
  status: MonitorStatusSource;
  results: RecentResultsSource;
  /** `/readyz` answers 200 only when this says so. */
  isReady: () => boolean;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  logger?: Logger;
}

/** The listening address. */
export interface ServerAddress {
  host: string;
  port: number;
  url: string;
}

/** The port is taken or not allowed. */
export class ServerListenError extends Error {
  override readonly name = 'ServerListenError';
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, options: { cause: unknown }) {
    const code = (options.cause as { code?: string }).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the address is already in use (another synthctl runner?); pick another with --listen'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges)'
          : (options.cause as Error).message;
    super(`cannot listen on ${host}:${port}: ${why}`, options);
    this.host = host;
    this.port = port;
  }
}

/** Serves metrics, health and the monitor API. */
export class RunnerHttpServer {
  readonly #options: RunnerHttpServerOptions;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #address: ServerAddress | undefined;

  constructor(options: RunnerHttpServerOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#log.error({ err, url: req.url }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
    // Bounded: a client may not hold a request open forever.
    this.#server.requestTimeout = 30_000;
    this.#server.headersTimeout = 10_000;
    this.#server.keepAliveTimeout = 5_000;
    this.#server.maxHeadersCount = 100;
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  get address(): ServerAddress | undefined {
    return this.#address;
  }

  /** Starts listening; rejects with `ServerListenError`. */
  async listen(): Promise<ServerAddress> {
    const host = this.#options.host ?? DEFAULT_HOST;
    const port = this.#options.port ?? DEFAULT_PORT;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new ServerListenError(host, port, { cause: err }));
      };
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    const info = this.#server.address() as AddressInfo;
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    this.#address = { host: info.address, port: info.port, url: `http://${shown}:${info.port}` };
    this.#log.info({ url: this.#address.url }, 'serving /metrics, /healthz, /readyz and /api/monitors');
    return this.#address;
  }

  /** Stops accepting connections and closes open ones. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeIdleConnections();
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: `method ${req.method ?? ''} not allowed; use GET` });
      return;
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/metrics') {
      const text = await this.#options.registry.metrics();
      res.writeHead(200, { 'content-type': this.#options.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (path === '/healthz') {
      sendText(res, 200, 'ok\n');
      return;
    }
    if (path === '/readyz') {
      if (this.#options.isReady()) sendText(res, 200, 'ready\n');
      else sendText(res, 503, 'not ready: no schedule loaded yet\n');
      return;
    }
    if (path === '/api/monitors') {
      sendJson(res, 200, { monitors: this.#options.status.states() });
      return;
    }
    const m = /^\/api\/monitors\/([^/]+)(\/results)?$/.exec(path);
    if (m !== null) {
      let id: string;
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        sendJson(res, 400, { error: 'malformed monitor id in the path' });
        return;
      }
      const state = this.#options.status.state(id);
      if (state === undefined) {
        sendJson(res, 404, { error: `no monitor with id ${JSON.stringify(id)}; see /api/monitors` });
        return;
      }
      if (m[2] === undefined) {
        sendJson(res, 200, state);
        return;
      }
      const limit = parseLimit(url.searchParams.get('limit'));
      if (typeof limit === 'string') {
        sendJson(res, 400, { error: limit });
        return;
      }
      sendJson(res, 200, { monitorId: id, results: this.#options.results.recentResults(id, { limit }) });
      return;
    }
    sendJson(res, 404, { error: `no route ${path}; try /metrics, /healthz, /readyz or /api/monitors` });
  }
}

function parseLimit(raw: string | null): number | string {
  if (raw === null || raw === '') return DEFAULT_RESULTS_LIMIT;
  if (!/^\d+$/.test(raw))
    return `limit must be an integer from 1 to ${MAX_RESULTS_LIMIT}, got ${JSON.stringify(raw)}`;
  const n = Number(raw);
  if (n < 1 || n > MAX_RESULTS_LIMIT) return `limit must be from 1 to ${MAX_RESULTS_LIMIT}, got ${n}`;
  return n;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
