/**
 * Starts Debian's Prometheus on loopback for integration tests: a temporary config and TSDB,
 * a free port, readiness polling, and PromQL queries through the HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** True when the prometheus binary is installed (scripts/setup.sh installs it). */
export function hasPrometheus(): boolean {
  return existsSync(PROMETHEUS_BIN);
}

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface RunningPrometheus {
  readonly url: string;
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Extra configuration of {@link startPrometheus}. */
export interface PrometheusOptions {
  /** The scrape job name (default `synthctl`). */
  readonly job?: string;
  /** Rule files to load (absolute paths), evaluated every second unless a group sets its interval. */
  readonly ruleFiles?: readonly string[];
  /** Alertmanagers (host:port) to send alerts to. */
  readonly alertmanagers?: readonly string[];
}

/** Starts Prometheus scraping `targets` (host:port) every second. */
export async function startPrometheus(
  targets: string[],
  signal?: AbortSignal,
  options: PrometheusOptions = {},
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.job ?? 'synthctl')}`,
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    ...(options.ruleFiles === undefined
      ? []
      : ['rule_files:', ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)]),
    ...(options.alertmanagers === undefined
      ? []
      : [
          'alerting:',
          '  alertmanagers:',
          '    - static_configs:',
          `        - targets: [${options.alertmanagers.map((t) => JSON.stringify(t)).join(', ')}]`,
        ]),
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    signal?.throwIfAborted();
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return {
    url,
    stop,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
      return body.data.result;
    },
  };
}
