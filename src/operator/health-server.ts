/**
 * The operator's HTTP endpoints (controller-runtime's `--health-probe-bind-address` and
 * `--metrics-bind-address` on one listener): `/healthz` (the process is alive), `/readyz`
 * (informers synced; with leader election, leading or standby both count as ready) and
 * `/metrics` from the injected registry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';

/** Options of {@link HealthServer}. */
export interface HealthServerOptions {
  readonly registry: Registry;
  /** Why the operator is not ready, or undefined when it is. */
  readonly notReadyReason: () => string | undefined;
  readonly host?: string;
  readonly port?: number;
}

/** Listening failed (port taken, no permission). */
export class HealthServerListenError extends Error {
  override readonly name = 'HealthServerListenError';
  readonly address: string;
  constructor(address: string, options: { cause: unknown }) {
    super(
      `cannot listen on ${address}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`,
      options,
    );
    this.address = address;
  }
}

/** `/healthz`, `/readyz`, `/metrics`. */
export class HealthServer {
  readonly #options: HealthServerOptions;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  constructor(options: HealthServerOptions) {
    this.#options = options;
  }

  /** Listens and returns the base URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/healthz' || path === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
        return;
      }
      if (path === '/readyz') {
        const reason = this.#options.notReadyReason();
        res
          .writeHead(reason === undefined ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(reason === undefined ? 'ok\n' : `not ready: ${reason}\n`);
        return;
      }
      if (path === '/metrics') {
        this.#options.registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': this.#options.registry.contentType }).end(text),
          (error: unknown) =>
            res
              .writeHead(500, { 'Content-Type': 'text/plain' })
              .end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
        );
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    const host = this.#options.host ?? '127.0.0.1';
    const port = this.#options.port ?? 8080;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      throw new HealthServerListenError(`${host}:${port}`, { cause: error });
    }
    this.#server = server;
    const address = server.address() as AddressInfo;
    return `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}
