/**
 * Lightweight checks side by side with blackbox_exporter (Debian's
 * `prometheus-blackbox-exporter`) against the same loopback target: CPU time per HTTP and TCP
 * check, each on a fresh connection, and checks per second on one core.
 *
 * Layout (2 cores): the measured program is pinned to CPU 0 (`taskset -c 0`) — a synthctl
 * worker process, or blackbox_exporter itself; the target and the blackbox client that drives
 * `/probe` run in other processes pinned to CPU 1, so their CPU is counted against neither.
 *
 * - synthctl: the real `HttpCheck` / `TcpCheck`, called directly (`check`) and through the full
 *   `Runner` pipeline (`runner`: scheduler, limiter, timeout, result record, Prometheus sink,
 *   recent-results ring; `runOnce` over N monitors with concurrency c). CPU from
 *   `process.cpuUsage()` of the worker.
 * - blackbox: N `GET /probe?target=...&module=http_2xx|tcp_connect` over keep-alive
 *   connections; CPU of the exporter from /proc/<pid>/stat (utime+stime, all threads). Its
 *   figure includes serving `/probe` and rendering the probe's metrics, which a Prometheus
 *   scrape of the synthctl runner amortises over all monitors.
 * Every measurement checks at the target that each check opened its own connection.
 *
 *   npx tsx bench/http-checks.bench.ts [--runs 5] [--n 2000] [--concurrency 16] [--profile DIR]
 */
import { execFileSync } from 'node:child_process';
import { request as httpRequest, Agent } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { CheckRegistry, EnvSecretResolver } from '../src/checks/index.js';
import type { Check } from '../src/checks/types.js';
import { Runner } from '../src/runner/runner.js';
import { benchMonitors, type BenchKind } from './support/monitors.js';
import {
  bundle,
  freePort,
  niceFlag,
  lastJson,
  median,
  numberFlag,
  procCpuSeconds,
  spawnPinned,
  stringFlag,
  type PinnedChild,
} from './support/proc.js';
import { readTargetStats, startTarget, type TargetStats } from './support/target.js';

const SELF = fileURLToPath(import.meta.url);
const MEASURED_CPU = '0';
const HELPER_CPU = '1';

/** One measured batch of checks. */
export interface Measurement {
  side: 'synthctl' | 'blackbox';
  /** synthctl: `check` (the check alone) or `runner` (full pipeline); blackbox: `probe`. */
  via: 'check' | 'runner' | 'probe';
  kind: BenchKind;
  concurrency: number;
  n: number;
  /** CPU of the measured process over the batch, µs (user + system). */
  cpuUs: number;
  /** The kernel's part of `cpuUs`. */
  systemUs: number;
  wallMs: number;
  up: number;
  /** Connections the target accepted during the batch. */
  connections: number;
}

function connectionsOf(kind: BenchKind, before: TargetStats, after: TargetStats): number {
  return kind === 'http'
    ? after.httpConnections - before.httpConnections
    : after.tcpConnections - before.tcpConnections;
}

/**
 * The target's counters once they stop moving: a TCP connect completes in the kernel before
 * the target's event loop accepts it, so a busy target counts a batch's last connections late.
 */
async function settledStats(controlUrl: string): Promise<TargetStats> {
  let previous = await readTargetStats(controlUrl);
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 30));
    const current = await readTargetStats(controlUrl);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
  return previous;
}

/** Runs `n` tasks with `concurrency` in flight; resolves with how many returned true. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<boolean>): Promise<number> {
  let next = 0;
  let ok = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      if (await task(i)) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  return ok;
}

// ---------------------------------------------------------------------------------------------
// synthctl worker (pinned to CPU 0)

async function synthctlWorker(kind: BenchKind, target: string, controlUrl: string): Promise<Measurement[]> {
  const n = numberFlag('n', 2000);
  const warmup = numberFlag('warmup', 300);
  const concurrencies = (stringFlag('concurrency') ?? '1,16').split(',').map(Number);
  const registry = new CheckRegistry({ secrets: new EnvSecretResolver({}) });
  const check = registry.get(kind) as Check;
  const results: Measurement[] = [];

  const direct = async (count: number, c: number): Promise<number> => {
    const monitors = benchMonitors(kind, target, c);
    // One controller per check, as the scheduler makes one per run.
    return pool(count, c, async (i) => (await check.run(monitors[i % c]!, new AbortController().signal)).up);
  };
  const runnerRun = async (count: number, c: number, measure: boolean): Promise<Measurement | undefined> => {
    const runner = new Runner({
      monitors: benchMonitors(kind, target, count, { prefix: measure ? 'm' : 'w' }),
      checks: registry,
      location: 'bench',
      registry: new Registry(),
      // Process metrics are collected on scrape only; leave them out of a per-check figure.
      prometheus: { processMetrics: false },
      concurrency: { global: c },
    });
    const before = await settledStats(controlUrl);
    const cpu = process.cpuUsage();
    const t = performance.now();
    const records = await runner.runOnce();
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const after = await settledStats(controlUrl);
    await runner.stop();
    if (!measure) return undefined;
    return {
      side: 'synthctl',
      via: 'runner',
      kind,
      concurrency: c,
      n: count,
      cpuUs: used.user + used.system,
      systemUs: used.system,
      wallMs,
      up: records.filter((r) => r.status === 'up').length,
      connections: connectionsOf(kind, before, after),
    };
  };

  for (const c of concurrencies) {
    await direct(warmup, c);
    const before = await settledStats(controlUrl);
    const cpu = process.cpuUsage();
    const t = performance.now();
    const up = await direct(n, c);
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const after = await settledStats(controlUrl);
    results.push({
      side: 'synthctl',
      via: 'check',
      kind,
      concurrency: c,
      n,
      cpuUs: used.user + used.system,
      systemUs: used.system,
      wallMs,
      up,
      connections: connectionsOf(kind, before, after),
    });
    await runnerRun(warmup, c, false);
    const m = await runnerRun(n, c, true);
    if (m !== undefined) results.push(m);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// blackbox client (pinned to CPU 1, with the target); measures the exporter's CPU

async function blackboxDriver(
  kind: BenchKind,
  target: string,
  controlUrl: string,
  bbUrl: string,
  bbPid: number,
): Promise<Measurement[]> {
  const n = numberFlag('n', 2000);
  const warmup = numberFlag('warmup', 300);
  const concurrencies = (stringFlag('concurrency') ?? '1,16').split(',').map(Number);
  const module = kind === 'http' ? 'http_2xx' : 'tcp_connect';
  const path = `/probe?target=${encodeURIComponent(target)}&module=${module}`;
  const url = new URL(bbUrl);
  const results: Measurement[] = [];
  for (const c of concurrencies) {
    // Keep-alive to the exporter, as Prometheus scrapes it; the probes themselves connect fresh.
    const agent = new Agent({ keepAlive: true, maxSockets: c });
    const probe = (): Promise<boolean> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path, agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            resolve(res.statusCode === 200 && /^probe_success 1$/m.test(body));
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    await pool(warmup, c, probe);
    const before = await settledStats(controlUrl);
    const cpu = procCpuSeconds(bbPid);
    const t = performance.now();
    const up = await pool(n, c, probe);
    const wallMs = performance.now() - t;
    const end = procCpuSeconds(bbPid);
    const cpuUs = (end.user + end.system - cpu.user - cpu.system) * 1e6;
    const systemUs = (end.system - cpu.system) * 1e6;
    const after = await settledStats(controlUrl);
    agent.destroy();
    results.push({
      side: 'blackbox',
      via: 'probe',
      kind,
      concurrency: c,
      n,
      cpuUs,
      systemUs,
      wallMs,
      up,
      connections: connectionsOf(kind, before, after),
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// orchestrator

const BLACKBOX_CONFIG = `modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
`;

async function startBlackbox(
  dir: string,
  nice: number | undefined,
): Promise<{ url: string; child: PinnedChild; version: string }> {
  const config = join(dir, 'blackbox.yml');
  await writeFile(config, BLACKBOX_CONFIG);
  const port = await freePort();
  const child = spawnPinned(
    MEASURED_CPU,
    [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { command: 'prometheus-blackbox-exporter', stderr: 'ignore', ...(nice === undefined ? {} : { nice }) },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/-/healthy`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100) throw new Error('blackbox_exporter did not become healthy within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const versionText = execFileSync('prometheus-blackbox-exporter', ['--version'], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
  const version = /version ([^ ]+)/.exec(versionText)?.[1] ?? 'unknown';
  return { url, child, version };
}

interface Row {
  kind: BenchKind;
  concurrency: number;
  label: string;
  cpuUsPerCheck: number;
  systemShare: number;
  checksPerSec: number;
  coreUse: number;
  freshConnections: boolean;
  allUp: boolean;
  runs: number;
}

function summarize(all: Measurement[]): Row[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of all) {
    const key = `${m.kind}|${m.concurrency}|${m.side} ${m.via}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups].map(([key, ms]) => {
    const [kind, concurrency, label] = key.split('|') as [BenchKind, string, string];
    return {
      kind,
      concurrency: Number(concurrency),
      label,
      cpuUsPerCheck: median(ms.map((m) => m.cpuUs / m.n)),
      systemShare: median(ms.map((m) => m.systemUs / m.cpuUs)),
      checksPerSec: median(ms.map((m) => m.n / (m.wallMs / 1000))),
      coreUse: median(ms.map((m) => m.cpuUs / 1000 / m.wallMs)),
      freshConnections: ms.every((m) => m.connections === m.n),
      allUp: ms.every((m) => m.up === m.n),
      runs: ms.length,
    };
  });
}

/** Markdown table of the medians, with synthctl ÷ blackbox ratios. */
export function renderTable(rows: Row[]): string {
  const out = [
    '| check | in flight | who | CPU µs/check | of which kernel | ratio vs blackbox | checks/s (wall) | CPU-0 use | 1-core capacity (1e6/CPU µs) | fresh conn. | all up | runs |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---:|',
  ];
  for (const r of rows) {
    const bb = rows.find(
      (x) => x.kind === r.kind && x.concurrency === r.concurrency && x.label === 'blackbox probe',
    );
    const ratio = bb === undefined || r === bb ? '1' : (r.cpuUsPerCheck / bb.cpuUsPerCheck).toFixed(2);
    out.push(
      `| ${r.kind} | ${r.concurrency} | ${r.label} | ${r.cpuUsPerCheck.toFixed(0)} | ${(r.systemShare * 100).toFixed(0)} % | ${ratio} | ${r.checksPerSec.toFixed(0)} | ${(r.coreUse * 100).toFixed(0)} % | ${(1e6 / r.cpuUsPerCheck).toFixed(0)} | ${r.freshConnections ? 'yes' : 'NO'} | ${r.allUp ? 'yes' : 'NO'} | ${r.runs} |`,
    );
  }
  return out.join('\n');
}

async function orchestrate(): Promise<void> {
  const runs = numberFlag('runs', 5);
  const n = numberFlag('n', 2000);
  const c = numberFlag('concurrency', 16);
  const profileDir = stringFlag('profile');
  const kinds = (stringFlag('kinds') ?? 'http,tcp').split(',') as BenchKind[];
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-bench-'));
  // Same priority for every process of both sides; `--nice -10` (root) shields the
  // measurement from other work on a shared machine.
  const nice = niceFlag();
  const niceOption = nice === undefined ? {} : { nice };
  const target = await startTarget(HELPER_CPU, nice);
  let blackbox: Awaited<ReturnType<typeof startBlackbox>> | undefined;
  try {
    blackbox = await startBlackbox(dir, nice);
    const bbPid = blackbox.child.pid;
    process.stderr.write(
      `target pid ${target.pid} (CPU ${HELPER_CPU}), blackbox_exporter ${blackbox.version} pid ${bbPid} (CPU ${MEASURED_CPU}); ${runs} runs of ${n} checks, in flight 1 and ${c}${nice === undefined ? '' : `, nice ${nice}`}\n`,
    );
    const script = await bundle(SELF);
    const all: Measurement[] = [];
    const common = ['--n', String(n), '--concurrency', `1,${c}`, '--control', target.controlUrl];
    for (let run = 1; run <= runs; run++) {
      for (const kind of kinds) {
        const targetArg = kind === 'http' ? target.httpUrl : target.tcpAddress;
        const sides = run % 2 === 1 ? ['synthctl', 'blackbox'] : ['blackbox', 'synthctl'];
        for (const side of sides) {
          const child =
            side === 'synthctl'
              ? spawnPinned(
                  MEASURED_CPU,
                  [script, '--worker', 'synthctl', '--kind', kind, '--target', targetArg, ...common],
                  {
                    plainJs: true,
                    ...niceOption,
                    ...(profileDir === undefined
                      ? {}
                      : { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
                  },
                )
              : spawnPinned(
                  HELPER_CPU,
                  [
                    script,
                    '--worker',
                    'blackbox',
                    '--kind',
                    kind,
                    '--target',
                    targetArg,
                    '--bb-url',
                    blackbox.url,
                    '--bb-pid',
                    String(bbPid),
                    ...common,
                  ],
                  { plainJs: true },
                );
          const ms = lastJson(await child.output()) as Measurement[];
          all.push(...ms);
          for (const m of ms) {
            process.stderr.write(
              `run ${run} ${m.kind} ${m.side} ${m.via} c=${m.concurrency}: ${(m.cpuUs / m.n).toFixed(0)} µs CPU/check, ${(m.n / (m.wallMs / 1000)).toFixed(0)} checks/s, ${m.up}/${m.n} up, ${m.connections} connections\n`,
            );
          }
        }
      }
    }
    const rows = summarize(all);
    process.stdout.write(
      `\nMedians of ${runs} runs, ${n} checks each (CPU 0 = measured process, CPU 1 = target and blackbox client):\n\n${renderTable(rows)}\n`,
    );
    const json = stringFlag('json');
    if (json !== undefined) {
      await writeFile(
        json,
        JSON.stringify({ runs, n, concurrency: c, version: blackbox.version, rows, all }),
      );
    }
  } finally {
    blackbox?.child.kill();
    target.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const worker = stringFlag('worker');
const kindFlag = (stringFlag('kind') ?? 'http') as BenchKind;
if (worker === 'synthctl') {
  const ms = await synthctlWorker(kindFlag, stringFlag('target') ?? '', stringFlag('control') ?? '');
  process.stdout.write(`${JSON.stringify(ms)}\n`);
  process.exit(0);
} else if (worker === 'blackbox') {
  const ms = await blackboxDriver(
    kindFlag,
    stringFlag('target') ?? '',
    stringFlag('control') ?? '',
    stringFlag('bb-url') ?? '',
    Number(stringFlag('bb-pid')),
  );
  process.stdout.write(`${JSON.stringify(ms)}\n`);
  process.exit(0);
} else if (process.argv[1] === SELF) {
  await orchestrate();
}
