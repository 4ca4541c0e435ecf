/**
 * The loopback target of the runner benchmarks, run in its own process so that serving the
 * checks is counted against neither synthctl nor blackbox_exporter: `GET /health` answers a
 * small JSON 200 (no keep-alive, like a probe target sees it), a TCP port accepts and closes,
 * and a control port reports how many connections and requests each one saw — the benchmarks
 * use it to verify that every check opened a fresh connection.
 *
 *   node --import tsx bench/support/target.ts --serve-target   # prints {"http":PORT,"tcp":PORT,"control":PORT}
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { spawnPinned, type PinnedChild } from './proc.js';

/** What the target has seen since it started. */
export interface TargetStats {
  httpConnections: number;
  httpRequests: number;
  tcpConnections: number;
}

/** A running target process. */
export interface TargetProcess {
  readonly pid: number;
  readonly httpUrl: string;
  /** `127.0.0.1:PORT` of the TCP target. */
  readonly tcpAddress: string;
  readonly controlUrl: string;
  stats(): Promise<TargetStats>;
  close(): void;
}

/** Reads the counters of a target through its control port (not counted). */
export async function readTargetStats(controlUrl: string): Promise<TargetStats> {
  const response = await fetch(`${controlUrl}/stats`);
  return (await response.json()) as TargetStats;
}

/** Starts the target in a child process pinned to `cpus` and waits for its ports. */
export async function startTarget(cpus: string, nice?: number): Promise<TargetProcess> {
  const child: PinnedChild = spawnPinned(
    cpus,
    [fileURLToPath(import.meta.url), '--serve-target'],
    nice === undefined ? {} : { nice },
  );
  const line = await child.firstLine(10_000);
  const ports = JSON.parse(line) as { http: number; tcp: number; control: number };
  const controlUrl = `http://127.0.0.1:${ports.control}`;
  return {
    pid: child.pid,
    httpUrl: `http://127.0.0.1:${ports.http}/health`,
    tcpAddress: `127.0.0.1:${ports.tcp}`,
    controlUrl,
    stats: () => readTargetStats(controlUrl),
    close: () => {
      child.kill();
    },
  };
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function serve(): Promise<void> {
  const stats: TargetStats = { httpConnections: 0, httpRequests: 0, tcpConnections: 0 };
  const body = Buffer.from(JSON.stringify({ status: 'ok', service: 'bench-target' }));
  const http = createHttpServer((req, res) => {
    stats.httpRequests++;
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  http.on('connection', (socket) => {
    stats.httpConnections++;
    socket.on('error', () => undefined);
  });
  http.keepAliveTimeout = 5000;
  const tcp = createTcpServer((socket) => {
    stats.tcpConnections++;
    socket.on('error', () => undefined);
    socket.resume();
    socket.on('end', () => socket.end());
  });
  const control = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  });
  const ports = { http: await listen(http), tcp: await listen(tcp), control: await listen(control) };
  process.stdout.write(`${JSON.stringify(ports)}\n`);
  const stop = (): void => {
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent owns us: when it goes away (stdin closes), so do we.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

// Only on request: this module is also bundled into benchmark workers.
if (process.argv.includes('--serve-target')) await serve();
