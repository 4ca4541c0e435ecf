/**
 * Kibana sync benchmark: 5,000 lightweight monitors pushed to the fake Kibana by
 * `synthctl apply` and by `@elastic/synthetics push` (the devDependency), the same project in
 * both forms: an Elastic project (`synthetics.config.ts` + a `heartbeat.yml` with 5,000
 * `heartbeat.monitors` entries) and the equivalent SyntheticMonitor resources. Each tool runs
 * as a child process (synthctl from dist/ through bin/synthctl.js, as it ships) through a counting
 * TCP proxy in front of the same fake, so requests and bytes on the wire are measured alike.
 *
 * Phases: first apply (empty project), plan (nothing changed; push has no plan), no-op apply
 * (nothing changed). Medians of several runs. Goal: the no-op apply sends zero writes and
 * takes at most half of push's time.
 *
 *   npx tsx bench/kibana-sync.bench.ts [--monitors 5000] [--runs 3]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeKibana } from '../test/fakes/kibana/index.js';

/** The median of a list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

const MONITORS = flag('monitors', 5000);
const RUNS = flag('runs', 3);
const ROOT = new URL('..', import.meta.url).pathname;
const PUSH_BIN = join(ROOT, 'node_modules', '.bin', 'elastic-synthetics');
const KEY = 'bench-key';
let CPU_FILE = '';

/** A TCP proxy that counts bytes in both directions. */
class CountingProxy {
  up = 0;
  down = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  private constructor(server: Server) {
    this.#server = server;
  }
  static async start(targetPort: number): Promise<CountingProxy> {
    const server = createServer();
    const proxy = new CountingProxy(server);
    server.on('connection', (client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      proxy.#sockets.add(client).add(upstream);
      client.on('data', (d: Buffer) => (proxy.up += d.length));
      upstream.on('data', (d: Buffer) => (proxy.down += d.length));
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        proxy.#sockets.delete(client);
        proxy.#sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  reset(): void {
    this.up = 0;
    this.down = 0;
  }
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}

async function main(): Promise<void> {
  const fake = await FakeKibana.start({ apiKeys: [KEY] });
  const proxy = await CountingProxy.start(Number(new URL(fake.url).port));
  const work = mkdtempSync(join(tmpdir(), 'synthctl-bench-sync-'));
  CPU_FILE = join(work, 'cpu.txt');
  try {
    const elastic = join(work, 'elastic');
    const resources = join(work, 'resources');
    mkdirSync(elastic);
    mkdirSync(resources);
    symlinkSync(join(ROOT, 'node_modules'), join(elastic, 'node_modules'), 'dir');
    writeFileSync(join(elastic, 'package.json'), '{"name":"bench-push","private":true}\n');
    writeFileSync(
      join(elastic, 'synthetics.config.ts'),
      `export default {
  monitor: { schedule: 3, locations: ['us_east'] },
  project: { id: 'bench-push', url: '${proxy.url}', space: 'default' },
};
`,
    );
    const hb: string[] = ['heartbeat.monitors:'];
    const docs: string[] = [
      `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticsProject
metadata:
  name: bench
spec:
  kibana:
    url: ${proxy.url}
    apiKey: {valueFrom: {env: SYNTHETICS_API_KEY}}
  projectId: bench-synthctl
  defaults:
    schedule: 3m
    locations: [us_east]
  prune: {maxDeletes: 10}
`,
    ];
    for (let i = 0; i < MONITORS; i++) {
      const id = `service-${String(i).padStart(5, '0')}`;
      const url = `https://${id}.example.com/healthz`;
      hb.push(
        `  - type: http\n    id: ${id}\n    name: Service ${i}\n    urls: ${url}\n    schedule: '@every 3m'\n    timeout: 10s\n    tags: [bench]\n    check.response.status: [200]`,
      );
      docs.push(
        `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: ${id}
spec:
  id: ${id}
  name: Service ${i}
  timeout: 10s
  tags: [bench]
  http:
    url: ${url}
    checks:
      status: [200]
`,
      );
    }
    writeFileSync(join(elastic, 'heartbeat.yml'), `${hb.join('\n')}\n`);
    // 10 files of 500 monitors, as a repository would split them.
    for (let f = 0; f * 500 < docs.length; f++) {
      writeFileSync(join(resources, `monitors-${f}.yaml`), docs.slice(f * 500, (f + 1) * 500).join('---\n'));
    }

    // The CLI as it ships: tsc's output in dist/ started through bin/synthctl.js.
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    const cli = join(ROOT, 'bin', 'synthctl.js');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SYNTHETICS_API_KEY: KEY,
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
      NO_COLOR: '1',
    };
    delete env['NODE_ENV'];

    const exec = (args: string[], cwd: string): Promise<{ code: number; output: string }> =>
      new Promise((resolve, reject) => {
        // /usr/bin/time execs the child and writes its user+system CPU seconds to a file.
        const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', CPU_FILE, process.execPath, ...args], {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, output });
        });
      });

    interface Sample {
      wall: number;
      cpu: number;
      requests: number;
      writes: number;
      up: number;
      down: number;
    }
    const measure = async (
      label: string,
      args: string[],
      cwd: string,
      okCodes: number[],
    ): Promise<Sample> => {
      fake.clearRequests();
      proxy.reset();
      const started = performance.now();
      const { code, output } = await exec(args, cwd);
      const wall = (performance.now() - started) / 1000;
      if (!okCodes.includes(code)) throw new Error(`${label} exited ${code}:\n${output.slice(-3000)}`);
      const [user, system] = readFileSync(CPU_FILE, 'utf8').trim().split(/\s+/).map(Number);
      const sample = {
        wall,
        cpu: (user ?? 0) + (system ?? 0),
        requests: fake.requests.length,
        writes: fake.requests.filter((r) => r.method !== 'GET').length,
        up: proxy.up,
        down: proxy.down,
      };
      console.error(
        `${label}: ${wall.toFixed(2)} s (CPU ${sample.cpu.toFixed(2)} s), ${sample.requests} requests (${sample.writes} writes), ${(sample.up / 1e6).toFixed(2)} MB up, ${(sample.down / 1e6).toFixed(2)} MB down`,
      );
      return sample;
    };
    const clearProject = (projectId: string) => {
      for (const [id, m] of fake.monitors)
        if (m.attributes['project_id'] === projectId) fake.monitors.delete(id);
    };

    const synth = { first: [] as Sample[], plan: [] as Sample[], noop: [] as Sample[] };
    const push = { first: [] as Sample[], noop: [] as Sample[] };
    const pushArgs = [PUSH_BIN, 'push', '--auth', KEY, '--url', proxy.url, '--id', 'bench-push', '-y'];
    for (let run = 1; run <= RUNS; run++) {
      clearProject('bench-synthctl');
      synth.first.push(await measure(`synthctl apply (first) #${run}`, [cli, 'apply', resources], work, [0]));
      synth.plan.push(await measure(`synthctl plan #${run}`, [cli, 'plan', resources], work, [0]));
      synth.noop.push(await measure(`synthctl apply (no-op) #${run}`, [cli, 'apply', resources], work, [0]));
      clearProject('bench-push');
      push.first.push(await measure(`push (first) #${run}`, pushArgs, elastic, [0]));
      push.noop.push(await measure(`push (no-op) #${run}`, pushArgs, elastic, [0]));
    }
    const med = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));
    const row = (name: string, samples: Sample[] | undefined) =>
      samples === undefined
        ? `| ${name} | – | – | – | – | – |`
        : `| ${name} | ${med(samples, 'wall').toFixed(2)} s | ${med(samples, 'cpu').toFixed(2)} s | ${med(samples, 'requests')} (${med(samples, 'writes')} writes) | ${(med(samples, 'up') / 1e6).toFixed(2)} MB | ${(med(samples, 'down') / 1e6).toFixed(2)} MB |`;
    const lines = [
      `Kibana sync, ${MONITORS} lightweight monitors, median of ${RUNS} runs (Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)})`,
      '',
      '| phase | wall | CPU | requests | bytes sent | bytes received |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      row('synthctl apply, first', synth.first),
      row('push, first', push.first),
      row('synthctl plan, no changes', synth.plan),
      row('push (no plan)', undefined),
      row('synthctl apply, no-op', synth.noop),
      row('push, no-op', push.noop),
      '',
      `ratio synthctl / push, wall (CPU): no-op ${(med(synth.noop, 'wall') / med(push.noop, 'wall')).toFixed(2)} (${(med(synth.noop, 'cpu') / med(push.noop, 'cpu')).toFixed(2)}); first apply ${(med(synth.first, 'wall') / med(push.first, 'wall')).toFixed(2)} (${(med(synth.first, 'cpu') / med(push.first, 'cpu')).toFixed(2)})`,
      `walls (s): synthctl first ${synth.first.map((s) => s.wall.toFixed(2)).join(', ')}; plan ${synth.plan.map((s) => s.wall.toFixed(2)).join(', ')}; no-op ${synth.noop.map((s) => s.wall.toFixed(2)).join(', ')}; push first ${push.first.map((s) => s.wall.toFixed(2)).join(', ')}; push no-op ${push.noop.map((s) => s.wall.toFixed(2)).join(', ')}`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await proxy.stop();
    await fake.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
