/**
 * Operator benchmark (issue 4): `synthctl operator` as it ships (dist/ through bin/synthctl.js,
 * a child process) against the fake API server and the fake Kibana (both in this process),
 * with `--monitors` SyntheticMonitors across `--projects` SyntheticsProjects in several
 * namespaces (bench/support/operator-fixture.ts). Per run:
 *
 * 1. cold start: from spawning the operator until every project reports Ready/Synced with all
 *    its monitors synced (observedGeneration current), every monitor says Synced, and Kibana
 *    holds every monitor; the Kibana requests and API-server writes it took, CPU seconds;
 * 2. a quiet window after sync: writes there (should be none), steady RSS (median of samples)
 *    and peak RSS (VmHWM);
 * 3. change latency: `--changes` merge patches of one monitor's tags through the API, spread
 *    over the projects, paced `--pace-ms` apart; latency = from sending the PATCH to the arrival
 *    of the Kibana `_bulk_update` request that carries the new tag (arrival stamped as the fake
 *    logs the request). Then the same number of changes at once (burst);
 * 4. restart on a synced cluster (the no-op resync every new leader does): Kibana requests and
 *    API writes until every project has been re-planned and things are quiet.
 *
 * The peer, in the same run: `@elastic/synthetics push` 1.26.3 pushing the same projects as
 * lightweight YAML projects, one after the other (a CI job), to a fresh fake Kibana: first push,
 * no-op push, and a one-monitor change pushed by its project's push (latency measured alike).
 *
 *   npx tsx bench/operator.bench.ts [--monitors 5000] [--projects 20] [--changes 200]
 *     [--pace-ms 100] [--runs 3] [--workers 2] [--params-every 10] [--json bench/out/operator.json] [--no-push]
 *     [--operator-node-flags "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeKibana } from '../test/fakes/kibana/index.js';
import { parseDiff } from '../test/fakes/kibana/push-project.js';
import { FakeKubeApiServer, writeKubeconfig } from '../test/fakes/kube-apiserver/index.js';
import {
  BENCH_API_KEY,
  buildFixture,
  pushProject,
  seedCluster,
  type Fixture,
  type FixtureMonitor,
} from './support/operator-fixture.js';
import { freePort, median, numberFlag, procCpuSeconds, quantile, stringFlag } from './support/proc.js';

const MONITORS = numberFlag('monitors', 5000);
const PROJECTS = numberFlag('projects', 20);
const CHANGES = numberFlag('changes', 200);
const PACE_MS = numberFlag('pace-ms', 100);
const RUNS = numberFlag('runs', 3);
const WORKERS = numberFlag('workers', 2);
/** Every n-th monitor has a secret param; `--params-every 0` for none. */
const PARAMS_EVERY = process.argv.includes('--params-every') ? Number(stringFlag('params-every')) : 10;
const JSON_OUT = stringFlag('json');
const WITH_PUSH = !process.argv.includes('--no-push');
/** Node flags for the operator process only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const OPERATOR_NODE_FLAGS = (stringFlag('operator-node-flags') ?? '').split(' ').filter((f) => f !== '');
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'synthctl.js');
const API = 'synthctl.dev/v1alpha1';
const BULK_UPDATE = 'PUT /api/synthetics/project/{projectId}/monitors/_bulk_update';
const LIST_PROJECT = 'GET /api/synthetics/project/{projectId}/monitors';
const SYNC_TIMEOUT_MS = 900_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

// ------------------------------------------------------------------ request stamping

/** Stamps every entry pushed onto a request log with its arrival time (performance.now()). */
function stampArrivals<T extends object>(requests: T[]): WeakMap<T, number> {
  const times = new WeakMap<T, number>();
  const push = requests.push.bind(requests);
  requests.push = (...items: T[]): number => {
    const now = performance.now();
    for (const item of items) times.set(item, now);
    return push(...items);
  };
  return times;
}

/**
 * Every request the fake API server logs, unbounded (its own log keeps the last 10,000, fewer
 * than a cold start of 5,000 monitors sends).
 */
function recordApiRequests(server: FakeKubeApiServer): ApiLog {
  const all: ApiLog = [];
  const push = server.requests.push.bind(server.requests);
  server.requests.push = (...items): number => {
    all.push(...items);
    return push(...items);
  };
  return all;
}

type ApiLog = FakeKubeApiServer['requests'];

interface KibanaCounts {
  total: number;
  writes: number;
  bulkUpdates: number;
  monitorsSent: number;
  byRoute: Record<string, number>;
}

function kibanaCounts(kibana: FakeKibana, from = 0): KibanaCounts {
  const byRoute: Record<string, number> = {};
  let writes = 0;
  let bulkUpdates = 0;
  let monitorsSent = 0;
  const slice = kibana.requests.slice(from);
  for (const r of slice) {
    byRoute[r.route] = (byRoute[r.route] ?? 0) + 1;
    if (r.method !== 'GET') writes++;
    if (r.route === BULK_UPDATE) {
      bulkUpdates++;
      monitorsSent += (r.body as { monitors?: unknown[] } | undefined)?.monitors?.length ?? 0;
    }
  }
  return { total: slice.length, writes, bulkUpdates, monitorsSent, byRoute };
}

interface ApiCounts {
  reads: number;
  writes: number;
  statusPatches: number;
  metadataPatches: number;
  events: number;
  other: number;
}

function apiCounts(api: ApiLog, from = 0): ApiCounts {
  const c: ApiCounts = { reads: 0, writes: 0, statusPatches: 0, metadataPatches: 0, events: 0, other: 0 };
  for (const r of api.slice(from)) {
    if (r.method === 'GET') {
      c.reads++;
      continue;
    }
    c.writes++;
    if (r.path.includes('/events')) c.events++;
    else if (r.path.endsWith('/status')) c.statusPatches++;
    else if (r.method === 'PATCH' && /\/(syntheticmonitors|syntheticsprojects)\//.test(r.path))
      c.metadataPatches++;
    else c.other++;
  }
  return c;
}

// ------------------------------------------------------------------ the operator process

interface OperatorProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly metricsUrl: string;
  readonly exited: Promise<number | null>;
  outputTail(): string;
  logLines(): number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    process.exit(130);
  });

async function startOperator(kubeconfig: string): Promise<OperatorProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['KUBECONFIG'];
  delete env['NODE_OPTIONS'];
  const child = spawn(
    process.execPath,
    [
      ...OPERATOR_NODE_FLAGS,
      CLI,
      'operator',
      '--kubeconfig',
      kubeconfig,
      '--metrics-addr',
      `127.0.0.1:${String(port)}`,
      '--workers',
      String(WORKERS),
      '--log-level',
      'info',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let tail = '';
  let lines = 0;
  const keep = (d: Buffer): void => {
    const text = d.toString();
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    tail = (tail + text).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  if (child.pid === undefined) throw new Error('could not start the operator');
  return {
    child,
    pid: child.pid,
    metricsUrl: `http://127.0.0.1:${String(port)}/metrics`,
    exited,
    outputTail: () => tail,
    logLines: () => lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** A gauge or counter without labels from the operator's /metrics. */
async function metricValue(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return Number(m?.[1] ?? Number.NaN);
}

/** controller_runtime_reconcile_total summed per controller. */
async function reconcileTotals(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^controller_runtime_reconcile_total\{controller="([^"]+)",[^}]*\} (\S+)$/gm))
    out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

// ------------------------------------------------------------------ convergence checks

type Obj = {
  metadata: { name: string; namespace?: string; generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string }[];
    monitors?: { total?: number; synced?: number };
  };
};
const conditionTrue = (o: Obj, type: string): boolean =>
  o.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;
const current = (o: Obj): boolean =>
  o.status?.observedGeneration !== undefined && o.status.observedGeneration === o.metadata.generation;

function projectsSynced(server: FakeKubeApiServer, fixture: Fixture): boolean {
  return fixture.projects.every((p) => {
    const o = server.get(API, 'SyntheticsProject', p.name, p.namespace) as Obj | undefined;
    return (
      o !== undefined &&
      current(o) &&
      conditionTrue(o, 'Ready') &&
      conditionTrue(o, 'Synced') &&
      o.status?.monitors?.total === p.monitors.length &&
      o.status.monitors.synced === p.monitors.length
    );
  });
}

function monitorsSynced(server: FakeKubeApiServer): number {
  return (server.list(API, 'SyntheticMonitor') as Obj[]).filter(
    (o) => current(o) && conditionTrue(o, 'Synced'),
  ).length;
}

async function until(what: string, check: () => boolean, timeoutMs: number, everyMs = 100): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return performance.now();
    if (performance.now() > deadline)
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Waits until neither request log grew for `quietMs`; returns the last arrival seen. */
async function quiet(kibana: FakeKibana, api: ApiLog, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = [kibana.requests.length, api.filter((r) => r.method !== 'GET').length];
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() > deadline) throw new Error('no quiet period');
    await sleep(200);
    const now = [kibana.requests.length, api.filter((r) => r.method !== 'GET').length];
    if (now[0] !== last[0] || now[1] !== last[1]) {
      last = now;
      since = performance.now();
    }
  }
}

// ------------------------------------------------------------------ change latency

interface ChangeResult {
  latenciesMs: number[];
  /** From the first PATCH sent to the last change seen in Kibana. */
  spanMs: number;
  kibana: KibanaCounts;
  /** API writes by the operator (the benchmark's own PATCHes left out). */
  operatorWrites: number;
}

function pickMonitors(fixture: Fixture, count: number, salt: number): FixtureMonitor[] {
  const picked: FixtureMonitor[] = [];
  for (let k = 0; k < count; k++) {
    const p = fixture.projects[k % fixture.projects.length]!;
    picked.push(
      p.monitors[(k * 37 + salt * 101 + Math.floor(k / fixture.projects.length)) % p.monitors.length]!,
    );
  }
  return picked;
}

/** First arrival of each `chg-<label>-<k>` tag in a `_bulk_update` body after `fromIndex`. */
function tagArrivals(
  kibana: FakeKibana,
  stamps: WeakMap<object, number>,
  fromIndex: number,
  prefix: string,
): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of kibana.requests.slice(fromIndex)) {
    if (r.route !== BULK_UPDATE) continue;
    const monitors = (r.body as { monitors?: { tags?: unknown }[] } | undefined)?.monitors ?? [];
    for (const m of monitors)
      if (Array.isArray(m.tags))
        for (const tag of m.tags)
          if (typeof tag === 'string' && tag.startsWith(prefix) && !seen.has(tag))
            seen.set(tag, stamps.get(r) ?? Number.NaN);
  }
  return seen;
}

async function patchTags(apiUrl: string, m: FixtureMonitor, tag: string): Promise<void> {
  const response = await fetch(
    `${apiUrl}/apis/${API}/namespaces/${m.namespace}/syntheticmonitors/${m.name}`,
    {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { tags: ['bench', tag] } }),
    },
  );
  if (response.status !== 200)
    throw new Error(`PATCH ${m.name}: ${String(response.status)} ${await response.text()}`);
  await response.arrayBuffer().catch(() => undefined);
}

async function changeLatency(
  label: string,
  mode: 'paced' | 'burst',
  ctx: {
    apiUrl: string;
    fixture: Fixture;
    kibana: FakeKibana;
    api: ApiLog;
    stamps: WeakMap<object, number>;
  },
  salt: number,
): Promise<ChangeResult> {
  const { kibana } = ctx;
  const kFrom = kibana.requests.length;
  const aFrom = ctx.api.length;
  const prefix = `chg-${label}-`;
  const monitors = pickMonitors(ctx.fixture, CHANGES, salt);
  const sent: number[] = [];
  const t0 = performance.now();
  if (mode === 'paced') {
    for (let k = 0; k < monitors.length; k++) {
      const due = t0 + k * PACE_MS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent[k] = performance.now();
      await patchTags(ctx.apiUrl, monitors[k]!, `${prefix}${String(k)}`);
    }
  } else {
    await Promise.all(
      monitors.map((m, k) => {
        sent[k] = performance.now();
        return patchTags(ctx.apiUrl, m, `${prefix}${String(k)}`);
      }),
    );
  }
  let arrivals = new Map<string, number>();
  await until(
    `${label}: all ${String(CHANGES)} changes in Kibana`,
    () => {
      arrivals = tagArrivals(kibana, ctx.stamps, kFrom, prefix);
      return arrivals.size >= monitors.length;
    },
    300_000,
    200,
  );
  const latenciesMs = monitors.map((_, k) => arrivals.get(`${prefix}${String(k)}`)! - sent[k]!);
  const spanMs = Math.max(...arrivals.values()) - t0;
  // Let the status writes of the last reconciles land before counting.
  await quiet(kibana, ctx.api, 1500, 120_000);
  const writes = apiCounts(ctx.api, aFrom).writes;
  return {
    latenciesMs,
    spanMs,
    kibana: kibanaCounts(kibana, kFrom),
    operatorWrites: writes - monitors.length,
  };
}

// ------------------------------------------------------------------ one operator run

interface OperatorSample {
  seedMs: number;
  coldStartMs: number;
  kibanaCompleteMs: number;
  projectsSyncedMs: number;
  coldCpuS: number;
  coldKibana: KibanaCounts;
  coldApi: ApiCounts;
  coldReconciles: Record<string, number>;
  quietWindowMs: number;
  quietKibanaRequests: number;
  quietApiWrites: number;
  steadyRssMb: number;
  /** V8 heap in use and external memory after sync (the operator's prom-client gauges). */
  heapUsedMb: number;
  externalMb: number;
  /** CPU of this process (fake API server and fake Kibana) during the cold start. */
  coldFakesCpuS: number;
  peakRssMb: number;
  paced: ChangeResult;
  burst: ChangeResult;
  restartMs: number;
  restartKibana: KibanaCounts;
  restartApi: ApiCounts;
  restartCpuS: number;
  logLines: number;
}

async function operatorRun(run: number, fixture: Fixture): Promise<OperatorSample> {
  const server = new FakeKubeApiServer({ historyLimit: 200_000 });
  const apiUrl = await server.start();
  const kibana = await FakeKibana.start({ apiKeys: [BENCH_API_KEY], version: '9.1.0' });
  const stamps = stampArrivals(kibana.requests) as WeakMap<object, number>;
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-bench-operator-'));
  let operator: OperatorProcess | undefined;
  try {
    let t = performance.now();
    seedCluster(server, fixture, kibana.url);
    const seedMs = performance.now() - t;
    const kubeconfig = writeKubeconfig(apiUrl, dir);
    const api = recordApiRequests(server);
    kibana.clearRequests();

    // 1. Cold start.
    const fakesCpu = process.cpuUsage();
    const spawned = performance.now();
    operator = await startOperator(kubeconfig);
    const op = operator;
    const failed = op.exited.then((code) => {
      throw new Error(`the operator exited (${String(code)}):\n${op.outputTail()}`);
    });
    let kibanaCompleteAt = 0;
    let projectsAt = 0;
    const synced = until(
      'cold start: all projects and monitors synced',
      () => {
        if (kibanaCompleteAt === 0 && kibana.monitors.size >= MONITORS) kibanaCompleteAt = performance.now();
        if (projectsAt === 0 && projectsSynced(server, fixture)) projectsAt = performance.now();
        return kibanaCompleteAt > 0 && projectsAt > 0 && monitorsSynced(server) === MONITORS;
      },
      SYNC_TIMEOUT_MS,
    );
    const doneAt = await Promise.race([synced, failed]);
    const cpu = procCpuSeconds(op.pid);
    const fakes = process.cpuUsage(fakesCpu);
    const coldKibana = kibanaCounts(kibana);
    const coldApi = apiCounts(api);
    const coldReconciles = await reconcileTotals(op.metricsUrl);
    const sample: Partial<OperatorSample> = {
      seedMs,
      coldStartMs: doneAt - spawned,
      kibanaCompleteMs: kibanaCompleteAt - spawned,
      projectsSyncedMs: projectsAt - spawned,
      coldCpuS: cpu.user + cpu.system,
      coldFakesCpuS: (fakes.user + fakes.system) / 1e6,
      coldKibana,
      coldApi,
      coldReconciles,
    };
    log(
      `run ${String(run)}: cold start ${((doneAt - spawned) / 1000).toFixed(2)} s (Kibana complete ${((kibanaCompleteAt - spawned) / 1000).toFixed(2)} s), CPU ${(cpu.user + cpu.system).toFixed(2)} s, ${String(coldKibana.total)} Kibana requests (${String(coldKibana.bulkUpdates)} bulk updates), ${String(coldApi.writes)} API writes ${JSON.stringify(coldApi)}, reconciles ${JSON.stringify(coldReconciles)}`,
    );

    // 2. Quiet window: nothing should be written; RSS settles.
    const kq = kibana.requests.length;
    const aq = api.length;
    const rss: number[] = [];
    t = performance.now();
    const QUIET_MS = 10_000;
    while (performance.now() - t < QUIET_MS) {
      await sleep(500);
      rss.push(procStatusKb(op.pid, 'VmRSS'));
    }
    sample.quietWindowMs = QUIET_MS;
    sample.quietKibanaRequests = kibana.requests.length - kq;
    sample.quietApiWrites = apiCounts(api, aq).writes;
    sample.steadyRssMb = median(rss.slice(-10)) / 1024;
    sample.heapUsedMb = (await metricValue(op.metricsUrl, 'nodejs_heap_size_used_bytes')) / 2 ** 20;
    sample.externalMb = (await metricValue(op.metricsUrl, 'nodejs_external_memory_bytes')) / 2 ** 20;
    log(
      `run ${String(run)}: quiet ${String(QUIET_MS / 1000)} s: ${String(sample.quietKibanaRequests)} Kibana requests, ${String(sample.quietApiWrites)} API writes; RSS ${sample.steadyRssMb.toFixed(1)} MB (heap ${sample.heapUsedMb.toFixed(1)} MB, external ${sample.externalMb.toFixed(1)} MB), peak ${(procStatusKb(op.pid, 'VmHWM') / 1024).toFixed(1)} MB`,
    );

    // 3. Change latency, paced then burst.
    const ctx = { apiUrl, fixture, kibana, api, stamps };
    sample.paced = await changeLatency(`p${String(run)}`, 'paced', ctx, run);
    log(
      `run ${String(run)}: paced: p50 ${quantile(sample.paced.latenciesMs, 0.5).toFixed(0)} ms, p99 ${quantile(sample.paced.latenciesMs, 0.99).toFixed(0)} ms, ${String(sample.paced.kibana.bulkUpdates)} bulk updates, ${String(sample.paced.operatorWrites)} operator API writes`,
    );
    sample.burst = await changeLatency(`b${String(run)}`, 'burst', ctx, run + 7);
    log(
      `run ${String(run)}: burst: p50 ${quantile(sample.burst.latenciesMs, 0.5).toFixed(0)} ms, p99 ${quantile(sample.burst.latenciesMs, 0.99).toFixed(0)} ms, all in ${sample.burst.spanMs.toFixed(0)} ms, ${String(sample.burst.kibana.bulkUpdates)} bulk updates`,
    );
    sample.peakRssMb = procStatusKb(op.pid, 'VmHWM') / 1024;
    sample.logLines = op.logLines();

    // 4. Restart on the synced cluster: every project re-planned, nothing to write.
    await op.stop();
    operator = undefined;
    await quiet(kibana, api, 1000, 60_000);
    const kr = kibana.requests.length;
    const ar = api.length;
    const restarted = performance.now();
    operator = await startOperator(kubeconfig);
    const op2 = operator;
    await until(
      'restart: every project re-planned',
      () =>
        kibana.requests.slice(kr).filter((r) => r.route === LIST_PROJECT).length >= fixture.projects.length,
      SYNC_TIMEOUT_MS,
    );
    await quiet(kibana, api, 3000, 120_000);
    const lastKibana = Math.max(...kibana.requests.slice(kr).map((r) => stamps.get(r) ?? 0));
    sample.restartMs = lastKibana - restarted;
    sample.restartKibana = kibanaCounts(kibana, kr);
    sample.restartApi = apiCounts(api, ar);
    const cpu2 = procCpuSeconds(op2.pid);
    sample.restartCpuS = cpu2.user + cpu2.system;
    log(
      `run ${String(run)}: restart: all projects re-planned in ${(sample.restartMs / 1000).toFixed(2)} s, ${String(sample.restartKibana.total)} Kibana requests (${String(sample.restartKibana.writes)} writes), API writes ${JSON.stringify(sample.restartApi)}`,
    );
    return sample as OperatorSample;
  } finally {
    await operator?.stop();
    await kibana.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ push

interface PushSample {
  firstMs: number;
  firstKibana: KibanaCounts;
  noopMs: number;
  noopKibana: KibanaCounts;
  /** A one-monitor change in one project: push of that project until the request carrying it. */
  changeLatenciesMs: number[];
  perProjectNoopMs: number[];
}

async function pushRun(run: number, fixture: Fixture): Promise<PushSample> {
  const kibana = await FakeKibana.start({ apiKeys: [BENCH_API_KEY], version: '9.1.0' });
  const stamps = stampArrivals(kibana.requests) as WeakMap<object, number>;
  const projects = fixture.projects.map((p) => ({ p, dir: pushProject(p, kibana.url) }));
  const pushAll = async (what: string): Promise<{ ms: number; each: number[] }> => {
    const each: number[] = [];
    const t = performance.now();
    for (const { p, dir } of projects) {
      const r = await dir.push({ url: kibana.url, apiKey: BENCH_API_KEY, id: p.name, timeoutMs: 600_000 });
      if (r.code !== 0)
        throw new Error(`push ${what} ${p.name} exited ${String(r.code)}:\n${r.stdout}\n${r.stderr}`);
      const diff = parseDiff(`${r.stdout}\n${r.stderr}`);
      if (what === 'first' && diff?.added !== p.monitors.length)
        throw new Error(
          `push ${p.name}: expected ${String(p.monitors.length)} added, got ${r.stdout.slice(-2000)}`,
        );
      each.push(r.ms);
    }
    return { ms: performance.now() - t, each };
  };
  try {
    kibana.clearRequests();
    const first = await pushAll('first');
    const firstKibana = kibanaCounts(kibana);
    if (kibana.monitors.size !== MONITORS)
      throw new Error(
        `push: Kibana holds ${String(kibana.monitors.size)} monitors, expected ${String(MONITORS)}`,
      );
    kibana.clearRequests();
    const noop = await pushAll('no-op');
    const noopKibana = kibanaCounts(kibana);
    log(
      `run ${String(run)}: push first ${(first.ms / 1000).toFixed(2)} s (${String(firstKibana.total)} requests), no-op ${(noop.ms / 1000).toFixed(2)} s (${String(noopKibana.total)} requests, ${String(noopKibana.writes)} writes)`,
    );
    // A change to one monitor: the CI job pushes its project.
    const changeLatenciesMs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const { p, dir } = projects[k % projects.length]!;
      const m = p.monitors[(k * 37 + run) % p.monitors.length]!;
      const yml = readFileSync(join(dir.dir, 'heartbeat.yml'), 'utf8');
      const tag = `chg-push-${String(run)}-${String(k)}`;
      dir.write(
        'heartbeat.yml',
        yml.replace(
          `name: ${m.name}\n    schedule: '@every 3m'\n    timeout: 10s\n    tags: [bench]`,
          `name: ${m.name}\n    schedule: '@every 3m'\n    timeout: 10s\n    tags: [bench, ${tag}]`,
        ),
      );
      const from = kibana.requests.length;
      const t = performance.now();
      const r = await dir.push({ url: kibana.url, apiKey: BENCH_API_KEY, id: p.name, timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`push change exited ${String(r.code)}: ${r.stderr}`);
      const arrival = tagArrivals(kibana, stamps, from, tag).get(tag);
      if (arrival === undefined) throw new Error(`push change: ${tag} never reached Kibana`);
      changeLatenciesMs.push(arrival - t);
    }
    return {
      firstMs: first.ms,
      firstKibana,
      noopMs: noop.ms,
      noopKibana,
      changeLatenciesMs,
      perProjectNoopMs: noop.each,
    };
  } finally {
    for (const { dir } of projects) dir.dispose();
    await kibana.stop();
  }
}

// ------------------------------------------------------------------ report

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  log('building dist/ (tsc -p tsconfig.build.json) ...');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  const fixture = buildFixture(MONITORS, PROJECTS, PARAMS_EVERY);
  const kinds = { http: 0, tcp: 0, icmp: 0, withParams: 0 };
  for (const m of fixture.monitors) {
    kinds[m.kind]++;
    if (m.token !== undefined) kinds.withParams++;
  }
  const load: number[] = [loadavg()[0]!];
  const operatorSamples: OperatorSample[] = [];
  const pushSamples: PushSample[] = [];
  for (let run = 1; run <= RUNS; run++) {
    operatorSamples.push(await operatorRun(run, fixture));
    load.push(loadavg()[0]!);
    if (WITH_PUSH) {
      pushSamples.push(await pushRun(run, fixture));
      load.push(loadavg()[0]!);
    }
  }
  const med = (f: (s: OperatorSample) => number): number => median(operatorSamples.map(f));
  const pmed = (f: (s: PushSample) => number): number =>
    pushSamples.length === 0 ? Number.NaN : median(pushSamples.map(f));
  const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '–');
  const pushLat = pushSamples.flatMap((s) => s.changeLatenciesMs);
  const rows: [string, string, string, string][] = [
    [
      'cold start → all synced (status + Kibana)',
      fmtS(med((s) => s.coldStartMs)),
      pushSamples.length === 0
        ? '–'
        : `${fmtS(pmed((s) => s.firstMs))} (first push, ${String(PROJECTS)} projects in a row)`,
      ratio(
        med((s) => s.coldStartMs),
        pmed((s) => s.firstMs),
      ),
    ],
    [
      '… of which: Kibana holds every monitor',
      fmtS(med((s) => s.kibanaCompleteMs)),
      '',
      ratio(
        med((s) => s.kibanaCompleteMs),
        pmed((s) => s.firstMs),
      ),
    ],
    [
      'cold start CPU: operator process (fake API server + fake Kibana)',
      `${med((s) => s.coldCpuS).toFixed(2)} s (${med((s) => s.coldFakesCpuS).toFixed(2)} s)`,
      '',
      '',
    ],
    [
      'Kibana requests, cold start',
      `${String(med((s) => s.coldKibana.total))} (${String(med((s) => s.coldKibana.bulkUpdates))} bulk updates, ${String(med((s) => s.coldKibana.monitorsSent))} monitors sent)`,
      pushSamples.length === 0
        ? '–'
        : `${String(pmed((s) => s.firstKibana.total))} (${String(pmed((s) => s.firstKibana.bulkUpdates))} bulk updates, ${String(pmed((s) => s.firstKibana.monitorsSent))} monitors sent)`,
      '',
    ],
    [
      'API-server writes, cold start',
      `${String(med((s) => s.coldApi.writes))} (${String(med((s) => s.coldApi.statusPatches))} status, ${String(med((s) => s.coldApi.metadataPatches))} finalizer, ${String(med((s) => s.coldApi.events))} events)`,
      '–',
      '',
    ],
    [
      `writes in the ${String(operatorSamples[0]?.quietWindowMs ?? 0)} ms after sync`,
      `${String(med((s) => s.quietApiWrites))} API, ${String(med((s) => s.quietKibanaRequests))} Kibana requests`,
      '–',
      '',
    ],
    [
      'no-op resync (restart on a synced cluster)',
      `${fmtS(med((s) => s.restartMs))}, ${String(med((s) => s.restartKibana.total))} Kibana requests (${String(med((s) => s.restartKibana.writes))} writes), ${String(med((s) => s.restartApi.writes))} API writes`,
      pushSamples.length === 0
        ? '–'
        : `${fmtS(pmed((s) => s.noopMs))}, ${String(pmed((s) => s.noopKibana.total))} requests (${String(pmed((s) => s.noopKibana.writes))} writes)`,
      ratio(
        med((s) => s.restartMs),
        pmed((s) => s.noopMs),
      ),
    ],
    [
      'resident memory, steady after sync / peak (VmHWM)',
      `${med((s) => s.steadyRssMb).toFixed(0)} MB / ${med((s) => s.peakRssMb).toFixed(0)} MB (V8 heap used ${med((s) => s.heapUsedMb).toFixed(0)} MB)`,
      '–',
      '',
    ],
    [
      `change → Kibana request, ${String(CHANGES)} changes ${String(PACE_MS)} ms apart: p50 / p99`,
      `${med((s) => quantile(s.paced.latenciesMs, 0.5)).toFixed(0)} ms / ${med((s) => quantile(s.paced.latenciesMs, 0.99)).toFixed(0)} ms`,
      pushLat.length === 0
        ? '–'
        : `${median(pushLat).toFixed(0)} ms (median of ${String(pushLat.length)}: one project's push, CI queue not counted)`,
      ratio(
        med((s) => quantile(s.paced.latenciesMs, 0.5)),
        pushLat.length === 0 ? Number.NaN : median(pushLat),
      ),
    ],
    [
      `change → Kibana request, ${String(CHANGES)} changes at once: p50 / p99 (all in)`,
      `${med((s) => quantile(s.burst.latenciesMs, 0.5)).toFixed(0)} ms / ${med((s) => quantile(s.burst.latenciesMs, 0.99)).toFixed(0)} ms (${fmtS(med((s) => s.burst.spanMs))})`,
      '–',
      '',
    ],
    [
      'Kibana bulk updates / operator API writes per paced change',
      `${(med((s) => s.paced.kibana.bulkUpdates) / CHANGES).toFixed(2)} / ${(med((s) => s.paced.operatorWrites) / CHANGES).toFixed(2)}`,
      '',
      '',
    ],
  ];
  const lines = [
    `Operator: ${String(MONITORS)} SyntheticMonitors (${String(kinds.http)} http, ${String(kinds.tcp)} tcp, ${String(kinds.icmp)} icmp; ${String(kinds.withParams)} with a secret param) across ${String(PROJECTS)} projects in ${String(fixture.namespaces.length)} namespaces, ${String(WORKERS)} workers; median of ${String(RUNS)} runs`,
    `Node ${process.version}, ${String(cpus().length)} CPUs (${cpus()[0]?.model ?? '?'}), load average (1 min) during the runs ${load.map((l) => l.toFixed(1)).join(', ')}`,
    '',
    '| measure | synthctl operator | @elastic/synthetics push (sequential) | operator / push |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  console.log(lines.join('\n'));
  const raw = {
    settings: {
      monitors: MONITORS,
      projects: PROJECTS,
      changes: CHANGES,
      paceMs: PACE_MS,
      runs: RUNS,
      workers: WORKERS,
      kinds,
    },
    node: process.version,
    loadavg: load,
    operator: operatorSamples,
    push: pushSamples,
  };
  console.log('\n```json');
  console.log(
    JSON.stringify(
      {
        ...raw,
        operator: operatorSamples.map((s) => ({
          ...s,
          paced: summarize(s.paced),
          burst: summarize(s.burst),
        })),
      },
      null,
      1,
    ),
  );
  console.log('```');
  if (JSON_OUT !== undefined) {
    mkdirSync(dirname(JSON_OUT), { recursive: true });
    writeFileSync(JSON_OUT, `${JSON.stringify(raw, null, 1)}\n`);
  }
}

/** A change result without the per-change list, for the printed JSON. */
function summarize(c: ChangeResult): Record<string, unknown> {
  return {
    p50Ms: quantile(c.latenciesMs, 0.5),
    p90Ms: quantile(c.latenciesMs, 0.9),
    p99Ms: quantile(c.latenciesMs, 0.99),
    maxMs: Math.max(...c.latenciesMs),
    spanMs: c.spanMs,
    kibana: c.kibana,
    operatorWrites: c.operatorWrites,
  };
}

await main();
