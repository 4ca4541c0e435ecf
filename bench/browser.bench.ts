/**
 * Browser journey benchmark: the 3-step sign-in journey of testdata/journeys/passing.journey.ts
 * run N times (default 50) against the loopback test site,
 *   - by synthctl: one warm browser, fresh context per run (concurrent runs share the browser), the journey file evaluated afresh per
 *     run (as a browser monitor is), screenshots on, trace only on failure;
 *   - by `@elastic/synthetics` started once per run, as Heartbeat runs it (elastic.md §7.5),
 *     with Debian's Chromium and screenshots on.
 * Reports wall time per journey (side by side, interleaved run by run) and peak memory per
 * concurrent journey, synthctl at concurrency 1, 2 and 4: the proportional set size of the Node
 * process plus its Chromium and esbuild processes, summed from /proc/<pid>/smaps_rollup every
 * 50 ms (RSS would count shared pages once per process; an exiting process counts 0), with the
 * peak's share per kind of process (Node, browser, GPU, renderers, ...).
 * Run: `npx tsx bench/browser.bench.ts [runs]` (env BENCH_ELASTIC_RUNS to shorten the Elastic
 * side, 0 to skip it and measure only synthctl back to back; BENCH_PREWARM=0 runs the pool
 * without a prepared page). Results: docs/benchmarks.md, raw JSON in bench/out/browser.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserPool, CHROMIUM_ARGS, DEFAULT_EXECUTABLE } from '../src/journey/browser-pool.js';
import { JourneyBundler } from '../src/journey/bundle.js';
import { runSuite } from '../src/journey/runner.js';
import { startTestSite } from '../src/journey/test-site.js';

const root = resolve(import.meta.dirname, '..');
const journeyFile = join(root, 'testdata/journeys/passing.journey.ts');
const elasticCli = join(root, 'node_modules/.bin/elastic-synthetics');
const runs = Number(process.argv[2] ?? 50);
const elasticRuns = Number(process.env.BENCH_ELASTIC_RUNS ?? runs);
const prewarm = process.env.BENCH_PREWARM !== '0';

interface Stats {
  runs: number;
  failed: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  totalMs: number;
  peakRssMb: number;
  peakRssPerJourneyMb: number;
  /** MB of proportional set size per kind of process at the peak (synthctl back to back). */
  peakByKind?: Record<string, number>;
}

function stats(
  durations: number[],
  failed: number,
  totalMs: number,
  peakBytes: number,
  concurrency: number,
): Stats {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    runs: durations.length,
    failed,
    meanMs: round(durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length)),
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
    totalMs: round(totalMs),
    peakRssMb: round(peakBytes / 1048576),
    peakRssPerJourneyMb: round(peakBytes / 1048576 / concurrency),
  };
}

/** What a process of the tree is: Chromium's `--type` (renderer, gpu-process, utility:Network...). */
async function kindOf(pid: number, root: number): Promise<string> {
  if (pid === root) return 'node';
  try {
    // Chromium's zygote children rewrite their title: one string with spaces, not NUL-separated.
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    if (cmd.includes('esbuild')) return 'esbuild';
    const type = /--type=(\S+)/.exec(cmd)?.[1];
    const sub = /--utility-sub-type=\S*?(\w+)(?:\s|$)/.exec(cmd)?.[1];
    return type === undefined ? 'browser' : type === 'utility' && sub !== undefined ? `utility:${sub}` : type;
  } catch {
    return 'gone';
  }
}

/**
 * The proportional set size of the tree of `root`: the total in bytes and MB per kind of process
 * (process counts as `n <kind>`), from one pass over /proc. A process whose memory map cannot be
 * read is exiting and counts 0 (counting its last RSS instead inflated peaks as contexts closed).
 */
async function snapshot(root: number): Promise<{ bytes: number; byKind: Record<string, number> }> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone already.
    }
  }
  let bytes = 0;
  const byKind: Record<string, number> = {};
  const stack = [root];
  // Bounded by the processes on the machine.
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    let kb = 0;
    try {
      kb = Number(/^Pss:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Exiting.
    }
    const kind = await kindOf(pid, root);
    bytes += kb * 1024;
    byKind[kind] = Math.round(((byKind[kind] ?? 0) + kb / 1024) * 10) / 10;
    byKind[`n ${kind}`] = (byKind[`n ${kind}`] ?? 0) + 1;
  }
  return { bytes, byKind };
}

/**
 * Samples the proportional set size of a process tree every 50 ms; `stop` returns the peak in
 * bytes and the share of each kind of process at the peak.
 */
function sampler(pid: () => number | undefined): {
  stop: () => Promise<{ peak: number; peakByKind: Record<string, number> }>;
} {
  let peak = 0;
  let peakByKind: Record<string, number> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const p = pid();
      if (p !== undefined) {
        const s = await snapshot(p);
        if (s.bytes > peak) {
          peak = s.bytes;
          peakByKind = s.byKind;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { peak, peakByKind };
    },
  };
}

async function benchSynthctl(url: string, concurrency: number, count: number): Promise<Stats> {
  const pool = new BrowserPool({ size: concurrency, prewarm });
  const bundler = new JourneyBundler();
  // Warm-up: start the browsers and compile once, as a running runner has.
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const lease = await pool.acquire();
      await lease.release();
    }),
  );
  await bundler.load({ kind: 'file', path: journeyFile });
  const durations: number[] = [];
  let failed = 0;
  let next = 0;
  const sample = sampler(() => process.pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const t0 = performance.now();
        const suite = await bundler.load({ kind: 'file', path: journeyFile });
        const result = await runSuite(suite, {
          pool,
          params: { url },
          screenshots: 'on',
          trace: 'retain-on-failure',
        });
        durations.push(performance.now() - t0);
        if (result.journeys.some((j) => j.status !== 'succeeded')) failed++;
      }
    }),
  );
  const total = performance.now() - started;
  const { peak, peakByKind } = await sample.stop();
  await pool.close();
  return {
    ...stats(durations, failed, total, peak, concurrency),
    peakByKind,
  };
}

/**
 * The fair side-by-side: one synthctl run, a pause, one Elastic run, a pause, N times, so both
 * see the same machine load (other work on a shared 2-core machine moves wall times by ±50%).
 * The pause is what a scheduler leaves between runs; synthctl uses it to prepare the next
 * context, Elastic's agent cannot (it starts from nothing each run).
 */
async function benchInterleaved(url: string, count: number): Promise<{ synthctl: Stats; elastic: Stats }> {
  const pool = new BrowserPool({ size: 1, prewarm });
  const bundler = new JourneyBundler();
  const warm = await pool.acquire();
  await warm.release();
  const ours: number[] = [];
  let oursFailed = 0;
  const theirs: number[] = [];
  let theirsFailed = 0;
  let theirsPeak = 0;
  // synthctl's memory is measured back to back (below): here the Elastic agent is our child.
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const suite = await bundler.load({ kind: 'file', path: journeyFile });
    const result = await runSuite(suite, {
      pool,
      params: { url },
      screenshots: 'on',
      trace: 'retain-on-failure',
    });
    ours.push(performance.now() - t0);
    if (result.journeys.some((j) => j.status !== 'succeeded')) oursFailed++;
    await new Promise((r) => setTimeout(r, 500));
    const e = await elasticRun(url);
    theirs.push(e.ms);
    theirsPeak = Math.max(theirsPeak, e.peak);
    if (!e.ok) theirsFailed++;
    await new Promise((r) => setTimeout(r, 500));
  }
  const total = performance.now() - started;
  await pool.close();
  return {
    synthctl: stats(ours, oursFailed, total, 0, 1),
    elastic: stats(theirs, theirsFailed, total, theirsPeak, 1),
  };
}

async function elasticRun(url: string): Promise<{ ms: number; peak: number; ok: boolean }> {
  const t0 = performance.now();
  const child = spawn(elasticCli, elasticArgs(url), {
    cwd: tmpdir(),
    env: { ...process.env, NODE_ENV: 'production', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const sample = sampler(() => child.pid);
  const code = await new Promise<number>((r) =>
    child.on('close', (c) => {
      r(c ?? 1);
    }),
  );
  const ms = performance.now() - t0;
  return { ms, peak: (await sample.stop()).peak, ok: code === 0 && out.includes('"status":"succeeded"') };
}

function elasticArgs(url: string): string[] {
  return [
    journeyFile,
    '--reporter',
    'json',
    '--screenshots',
    'on',
    '--params',
    JSON.stringify({ url }),
    '--playwright-options',
    JSON.stringify({ executablePath: DEFAULT_EXECUTABLE, args: [...CHROMIUM_ARGS] }),
  ];
}

const site = await startTestSite();
try {
  const side = elasticRuns > 0 ? await benchInterleaved(site.url, elasticRuns) : undefined;
  const synthctl1 = await benchSynthctl(site.url, 1, runs);
  const synthctl2 = await benchSynthctl(site.url, 2, runs);
  const synthctl4 = await benchSynthctl(site.url, 4, runs);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
    journey: 'testdata/journeys/passing.journey.ts (3 steps: open /login, fill and submit, check #welcome)',
    prewarm,
    loadAverage: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
    sideBySide: side,
    backToBack: { concurrency1: synthctl1, concurrency2: synthctl2, concurrency4: synthctl4 },
    ratio: {
      ...(side === undefined
        ? {}
        : {
            wallPerJourney: Math.round((side.elastic.meanMs / side.synthctl.meanMs) * 10) / 10,
            wallPerJourneyP50: Math.round((side.elastic.p50Ms / side.synthctl.p50Ms) * 10) / 10,
            throughputBackToBackConcurrency2:
              Math.round((side.elastic.meanMs / (synthctl2.totalMs / synthctl2.runs)) * 10) / 10,
            memoryPerJourneyConcurrency4VsElastic:
              Math.round((synthctl4.peakRssPerJourneyMb / side.elastic.peakRssPerJourneyMb) * 100) / 100,
          }),
      marginalMbPerExtraConcurrentJourney: Math.round((synthctl4.peakRssMb - synthctl1.peakRssMb) / 3),
    },
  };
  await mkdir(join(root, 'bench/out'), { recursive: true });
  await writeFile(join(root, 'bench/out/browser.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await site.close();
}
