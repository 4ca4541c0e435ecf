/**
 * Scheduler at scale: 10,000 monitors at a 10 s interval in one process, with the real
 * `Runner` (scheduler, limiter, result pipeline, Prometheus sink, recent-results ring) on the
 * real clock, for at least 6 intervals. Goal: p99 scheduler lag under 100 ms and resident
 * memory under 400 MB.
 *
 * Two kinds of check, each in its own process (`taskset -c 0,1`, or `--cpus 0` to pin):
 * - `noop`: a check that returns "up" at once, to isolate the scheduler and the pipeline;
 * - `tcp` (and `http` on request): the real TcpCheck / HttpCheck connecting to the loopback
 *   target, which runs in its own process.
 *
 * Lag is recorded for every run at the moment its check starts: now − the run's due time,
 * where the due time comes from the scheduler's deterministic grid (`spreadOffset`, epoch
 * aligned). That is a little later than the scheduler's own `synthctl_scheduler_lag_seconds`
 * observation, whose buckets and counters are read from the registry as a cross-check.
 *
 *   npx tsx bench/scheduler-scale.bench.ts [--checks noop,tcp,tcp:sqlite] [--runs 3]
 *       [--monitors 10000] [--interval 10] [--duration 70] [--nice -10] [--cpus 0]
 *       [--node-flags "--max-semi-space-size=64"]
 * (`kind:sqlite` adds the SQLite history sink that `synthctl run` uses by default.)
 */
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Registry, type Histogram } from 'prom-client';
import { CheckRegistry, EnvSecretResolver } from '../src/checks/index.js';
import type { Check, CheckOutcome, RunnableMonitor } from '../src/checks/types.js';
import type { ResultRecord, ResultSink } from '../src/runner/result.js';
import { Runner } from '../src/runner/runner.js';
import { spreadOffset } from '../src/runner/scheduler.js';
import { LAG_BUCKETS } from '../src/runner/scheduler-metrics.js';
import { benchMonitors } from './support/monitors.js';
import {
  bundle,
  lastJson,
  median,
  niceFlag,
  numberFlag,
  quantile,
  spawnPinned,
  stringFlag,
} from './support/proc.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/runner/clock.js';
import { HistoryStore, SqliteSink } from '../src/runner/sinks/sqlite.js';
import { startTarget } from './support/target.js';

const SELF = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;

/** What one worker run measured. */
export interface ScaleResult {
  check: string;
  monitors: number;
  intervalS: number;
  durationS: number;
  /** Runs whose check started, and the grid's expected number of runs in the window. */
  runs: number;
  expectedRuns: number;
  up: number;
  down: number;
  lagMs: { p50: number; p99: number; max: number };
  /** The same, leaving out the first interval (start-up and JIT warm-up). */
  steadyLagMs: { p50: number; p99: number; max: number };
  /** Upper bound of p99 from the scheduler's own histogram buckets, s. */
  histogramP99LeS: number;
  histogramCount: number;
  missed: { overlap: number; queue_full: number };
  rssBaselineMb: number;
  rssPeakMb: number;
  heapUsedPeakMb: number;
  /** Heap after a full GC once stopped, minus the heap after a full GC before start, per stored record. */
  heapBytesPerRecord: number;
  cpuSeconds: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Garbage collection pauses on the main thread during the window. */
  gc: { pauses: number; totalMs: number; maxMs: number; over100Ms: number };
}

/** Returns "up" at once: isolates scheduling and the result pipeline from any network work. */
class NoopCheck implements Check {
  readonly type = 'tcp' as const;
  run(): Promise<CheckOutcome> {
    return Promise.resolve({ up: true, durationMs: 0, tcp: { connectMs: 0 } });
  }
}

/** Wraps a check and records, per run, how late it started against its grid slot. */
class LagRecorder implements Check {
  readonly type: Check['type'];
  readonly lags: number[] = [];
  readonly startedAt: number[] = [];
  readonly #inner: Check;
  constructor(inner: Check) {
    this.#inner = inner;
    this.type = inner.type;
  }
  run(monitor: RunnableMonitor, signal: AbortSignal): Promise<CheckOutcome> {
    const now = Date.now();
    const interval = monitor.scheduleMs;
    const offset = spreadOffset(monitor.id, interval);
    const sinceSlot = (((now - offset) % interval) + interval) % interval;
    // A timer may fire a millisecond before its slot by the wall clock: that is no lag (the
    // scheduler clamps the same way). Lags of half an interval or more would be misread, which
    // the scheduler's own histogram, read below, would show.
    this.lags.push(sinceSlot > interval / 2 ? 0 : sinceSlot);
    this.startedAt.push(now);
    return this.#inner.run(monitor, signal);
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function worker(): Promise<ScaleResult> {
  const checkName = stringFlag('check') ?? 'noop';
  const monitorsN = numberFlag('monitors', 10_000);
  const intervalS = numberFlag('interval', 10);
  const durationS = numberFlag('duration', 70);
  const target = stringFlag('target') ?? '';
  const rssBaseline = process.memoryUsage().rss;
  const checks = new CheckRegistry({ secrets: new EnvSecretResolver({}) });
  const kind = checkName === 'http' ? 'http' : 'tcp';
  const inner = checkName === 'noop' ? new NoopCheck() : checks.get(kind)!;
  const recorder = new LagRecorder(inner);
  checks.register(recorder);
  const monitors = benchMonitors(kind, target === '' ? '127.0.0.1:9' : target, monitorsN, {
    schedule: `${intervalS}s`,
    timeout: '5s',
  });
  let up = 0;
  let down = 0;
  const counting: ResultSink = {
    name: 'count',
    write(record: ResultRecord) {
      if (record.status === 'up') up++;
      else down++;
    },
    close: () => Promise.resolve(),
  };
  // `ring`: the Runner's default in-memory recent results (100 per monitor); `sqlite`: the
  // history database `synthctl run` uses by default, which then answers instead of the ring.
  const history = stringFlag('history') ?? 'ring';
  const sinks: ResultSink[] = [counting];
  const dbDir = history === 'sqlite' ? await mkdtemp(join(tmpdir(), 'synthctl-scale-')) : undefined;
  if (dbDir !== undefined) {
    const store = HistoryStore.open({ path: join(dbDir, 'history.db') });
    sinks.push(new SqliteSink({ store, clock: systemClock }));
  }
  const registry = new Registry();
  const runner = new Runner({ monitors, checks, location: 'bench', registry, sinks });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let rssPeak = 0;
  let heapPeak = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const sampler = setInterval(sample, 250);
  const gcPauses: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  runner.start();
  await new Promise((r) => setTimeout(r, durationS * 1000));
  const endedAt = Date.now();
  sample();
  clearInterval(sampler);
  loop.disable();
  gcObserver.disconnect();
  await runner.stop({ graceMs: 5000 });
  const used = process.cpuUsage(cpu);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  if (dbDir !== undefined) await rm(dbDir, { recursive: true, force: true });

  // The grid's expected runs in [startedAt, endedAt): every monitor, every slot.
  let expectedRuns = 0;
  const intervalMs = intervalS * 1000;
  for (const m of monitors) {
    const offset = spreadOffset(m.id, intervalMs);
    const first = startedAt + ((((offset - startedAt) % intervalMs) + intervalMs) % intervalMs);
    if (first < endedAt) expectedRuns += Math.floor((endedAt - 1 - first) / intervalMs) + 1;
  }
  const lags = recorder.lags;
  const steady = lags.filter((_, i) => recorder.startedAt[i]! >= startedAt + intervalMs);
  const lagOf = (xs: number[]) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs) });

  const hist = registry.getSingleMetric('synthctl_scheduler_lag_seconds') as Histogram | undefined;
  const histData = hist === undefined ? undefined : await hist.get();
  let histCount = 0;
  const cumulative = new Map<number, number>();
  for (const v of histData?.values ?? []) {
    if (v.metricName === 'synthctl_scheduler_lag_seconds_count') histCount += v.value;
    if (v.metricName === 'synthctl_scheduler_lag_seconds_bucket') {
      const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
      cumulative.set(le, (cumulative.get(le) ?? 0) + v.value);
    }
  }
  const p99Le =
    [...LAG_BUCKETS, Number.POSITIVE_INFINITY].find((le) => (cumulative.get(le) ?? 0) >= 0.99 * histCount) ??
    Number.NaN;
  const missedMetric = registry.getSingleMetric('synthctl_scheduler_missed_runs_total');
  const missed = { overlap: 0, queue_full: 0 };
  for (const v of (await missedMetric?.get())?.values ?? []) {
    const reason = v.labels.reason as keyof typeof missed;
    if (reason in missed) missed[reason] += v.value;
  }
  return {
    check: history === 'ring' ? checkName : `${checkName} + ${history}`,
    monitors: monitorsN,
    intervalS,
    durationS: (endedAt - startedAt) / 1000,
    runs: lags.length,
    expectedRuns,
    up,
    down,
    lagMs: lagOf(lags),
    steadyLagMs: lagOf(steady),
    histogramP99LeS: p99Le,
    histogramCount: histCount,
    missed,
    rssBaselineMb: rssBaseline / MB,
    rssPeakMb: rssPeak / MB,
    heapUsedPeakMb: heapPeak / MB,
    heapBytesPerRecord: (heapAfter - heapBefore) / Math.max(1, up + down),
    cpuSeconds: (used.user + used.system) / 1e6,
    eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
    eventLoopDelayMaxMs: loop.max / 1e6,
    gc: {
      pauses: gcPauses.length,
      totalMs: gcPauses.reduce((a, b) => a + b, 0),
      maxMs: Math.max(0, ...gcPauses),
      over100Ms: gcPauses.filter((d) => d > 100).length,
    },
  };
}

/** Markdown table of the medians per check kind. */
export function renderScaleTable(results: ScaleResult[]): string {
  const out = [
    '| check | monitors × interval | window | runs (expected) | lag p50 | lag p99 | lag max | p99 after 1st interval | histogram p99 ≤ | missed (overlap / queue) | peak RSS | CPU (share of one core) | runs |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|',
  ];
  const kinds = [...new Set(results.map((r) => r.check))];
  for (const kind of kinds) {
    const rs = results.filter((r) => r.check === kind);
    const med = (f: (r: ScaleResult) => number) => median(rs.map(f));
    const first = rs[0]!;
    out.push(
      `| ${kind} | ${first.monitors} × ${first.intervalS} s | ${med((r) => r.durationS).toFixed(0)} s | ${med((r) => r.runs).toFixed(0)} (${med((r) => r.expectedRuns).toFixed(0)}) | ${med((r) => r.lagMs.p50).toFixed(0)} ms | ${med((r) => r.lagMs.p99).toFixed(0)} ms | ${med((r) => r.lagMs.max).toFixed(0)} ms | ${med((r) => r.steadyLagMs.p99).toFixed(0)} ms | ${(med((r) => r.histogramP99LeS) * 1000).toFixed(0)} ms | ${med((r) => r.missed.overlap)} / ${med((r) => r.missed.queue_full)} | ${med((r) => r.rssPeakMb).toFixed(0)} MB | ${(med((r) => r.cpuSeconds / r.durationS) * 100).toFixed(0)} % | ${rs.length} |`,
    );
  }
  return out.join('\n');
}

async function orchestrate(): Promise<void> {
  const kinds = (stringFlag('checks') ?? 'noop,tcp,tcp:sqlite').split(',');
  const runs = numberFlag('runs', 3);
  const pass = ['monitors', 'interval', 'duration'].flatMap((name) => {
    const v = stringFlag(name);
    return v === undefined ? [] : [`--${name}`, v];
  });
  const durationS = numberFlag('duration', 70);
  // Unpinned by default: the goal is one process, not one core, and on a shared 2-core machine
  // pinning would measure the neighbours more than the scheduler. `--cpus 0` pins.
  const cpus = stringFlag('cpus') ?? '0,1';
  const nice = niceFlag();
  const niceOption = nice === undefined ? {} : { nice };
  // e.g. --node-flags "--max-semi-space-size=64" to try V8 settings on the worker.
  const extraNodeFlags = (stringFlag('node-flags') ?? '').split(' ').filter((f) => f !== '');
  const target = kinds.some((k) => !k.startsWith('noop'))
    ? await startTarget(cpus === '0' ? '1' : cpus, nice)
    : undefined;
  const script = await bundle(SELF);
  try {
    const results: ScaleResult[] = [];
    for (let run = 1; run <= runs; run++) {
      for (const spec of kinds) {
        const [kind = 'noop', history = 'ring'] = spec.split(':');
        const targetArg = kind === 'http' ? target?.httpUrl : target?.tcpAddress;
        const child = spawnPinned(
          cpus,
          [
            script,
            '--worker',
            '--check',
            kind,
            '--history',
            history,
            ...(targetArg === undefined ? [] : ['--target', targetArg]),
            ...pass,
          ],
          { nodeFlags: ['--expose-gc', ...extraNodeFlags], plainJs: true, ...niceOption },
        );
        // Bounded: a worker that overruns its window by a minute is killed.
        const guard = setTimeout(
          () => {
            child.kill();
          },
          (durationS + 60) * 1000,
        );
        const stdout = await child.output().finally(() => {
          clearTimeout(guard);
        });
        const r = lastJson(stdout) as ScaleResult;
        results.push(r);
        process.stderr.write(
          `run ${run} ${r.check}: ${r.runs}/${r.expectedRuns} runs, ${r.up} up ${r.down} down, lag p50 ${r.lagMs.p50} p99 ${r.lagMs.p99} max ${r.lagMs.max} ms (after 1st interval p99 ${r.steadyLagMs.p99}), histogram p99 ≤ ${r.histogramP99LeS} s, missed ${JSON.stringify(r.missed)}, RSS ${r.rssBaselineMb.toFixed(0)} → peak ${r.rssPeakMb.toFixed(0)} MB, ${r.heapBytesPerRecord.toFixed(0)} heap B/record, CPU ${r.cpuSeconds.toFixed(1)} s, event-loop delay p99 ${r.eventLoopDelayP99Ms.toFixed(1)} max ${(r.eventLoopDelayMaxMs ?? 0).toFixed(0)} ms, GC ${r.gc?.pauses ?? '?'} pauses ${(r.gc?.totalMs ?? 0).toFixed(0)} ms total, max ${(r.gc?.maxMs ?? 0).toFixed(0)} ms, ${r.gc?.over100Ms ?? '?'} over 100 ms\n`,
        );
      }
    }
    process.stdout.write(
      `\nMedians of ${runs} runs per check (one process on CPUs ${cpus}; target in its own process):\n\n${renderScaleTable(results)}\n`,
    );
  } finally {
    target?.close();
  }
}

if (process.argv.includes('--worker')) {
  const guard = setTimeout(
    () => {
      process.stderr.write('scheduler-scale worker overran its time budget\n');
      process.exit(1);
    },
    (numberFlag('duration', 70) + 45) * 1000,
  );
  guard.unref();
  const result = await worker();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else if (process.argv[1] === SELF) {
  await orchestrate();
}
