/**
 * `synthctl run` as a library: load and validate monitors, pick the ones this runner owns,
 * run them (continuously or once), publish results to Prometheus, the SQLite history and
 * optionally NDJSON, serve the runner API, and reload when the input changes.
 *
 * The CLI (src/cli/run.ts) only parses flags and wires signals; tests call `runLocal` with
 * their own streams, ports and an AbortSignal.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { CheckRegistry, EnvSecretResolver } from '../checks/index.js';
import { createBrowserCheck } from '../checks/browser.js';
import type { RunnableMonitor, SecretResolver } from '../checks/types.js';
import type { LoadedResource } from '../load/resources.js';
import { selectMonitors, toRunnable } from '../model/defaults.js';
import { hasErrors, type Diagnostic } from '../model/diagnostics.js';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import { validatePaths } from '../model/validate.js';
import { ResourceValidator } from '../model/resource-validator.js';
import { renderReport } from '../report/index.js';
import { DEFAULT_HOST, DEFAULT_PORT, RunnerHttpServer } from '../server/http-server.js';
import { DEMO_API_KEY, startDemoTarget, type DemoTarget } from '../demo/target.js';
import { silentLogger, type Logger } from './logger.js';
import { systemClock } from './clock.js';
import type { ResultRecord, ResultSink } from './result.js';
import { Runner } from './runner.js';
import { NdjsonSink } from './sinks/ndjson.js';
import { DEFAULT_HISTORY_PATH, HistoryStore, SqliteSink } from './sinks/sqlite.js';
import { renderLiveTable, renderSummary } from './summary-table.js';

/** A stream `runLocal` prints to. */
export interface TextStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of {@link runLocal}; the CLI maps its flags onto these. */
export interface LocalRunOptions {
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: TextStream;
  readonly stderr: TextStream;
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  /** Run every monitor once (retests included), print a summary, resolve with the exit code. */
  readonly once?: boolean;
  /** Only monitors whose journey id, metadata.name or display name is listed. */
  readonly monitors?: readonly string[];
  /** Only monitors with at least one of these tags. */
  readonly tags?: readonly string[];
  /** Only monitors assigned to this location (locations or privateLocations); also the results' location. */
  readonly location?: string;
  readonly concurrency?: number;
  /** Monitor `fields` keys exported as metric labels (at most 8), e.g. team, slo_objective. */
  readonly metricLabels?: readonly string[];
  /** History database path, or false for none. Default `.synthctl/history.db` under cwd. */
  readonly db?: string | false;
  /** Where the API and /metrics listen. Default 127.0.0.1:9464; undefined with `once` = no server. */
  readonly listen?: { host: string; port: number };
  /** `ndjson`: one result per line on stdout instead of tables. */
  readonly output?: 'table' | 'ndjson';
  /** Also start the demo target (examples/monitors check it). */
  readonly demo?: boolean;
  /** Watch the input and reload on change (default: on, unless `once` or stdin). */
  readonly watch?: boolean;
  readonly color?: boolean;
  readonly logger?: Logger;
  /** Aborting stops the runner (SIGINT/SIGTERM in the CLI). */
  readonly signal: AbortSignal;
  /** Called once the runner serves (tests read the address from it). */
  readonly onReady?: (info: { url?: string; monitors: number }) => void;
}

/** The exit codes of `synthctl run`. */
export const RUN_EXIT = { ok: 0, down: 1, invalid: 1, usage: 2 } as const;

/** Why monitors were left out of this run. */
interface Selection {
  readonly monitors: RunnableMonitor[];
  readonly skipped: { reason: string; count: number }[];
}

/** The project whose selector picks `monitor` (first match), for defaults. */
function projectFor(
  monitor: SyntheticMonitor,
  projects: readonly SyntheticsProject[],
): SyntheticsProject | undefined {
  return projects.find((p) => selectMonitors(p, [monitor]).length > 0);
}

/** Turns validated resources into the monitors this runner should run. */
export function selectRunnable(
  accepted: readonly LoadedResource[],
  options: Pick<LocalRunOptions, 'monitors' | 'tags' | 'location'>,
  supportedTypes: readonly string[],
): Selection {
  const projects = accepted
    .filter((r) => r.kind === 'SyntheticsProject')
    .map((r) => r.object as unknown as SyntheticsProject);
  const skipped = new Map<string, number>();
  const skip = (reason: string) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  const monitors: RunnableMonitor[] = [];
  for (const resource of accepted) {
    if (resource.kind !== 'SyntheticMonitor') continue;
    const monitor = resource.object as unknown as SyntheticMonitor;
    const runnable = toRunnable(monitor, projectFor(monitor, projects), {
      file: resource.file,
      line: resource.position.line,
    });
    if (options.monitors !== undefined && options.monitors.length > 0) {
      const names = [runnable.id, monitor.metadata.name, runnable.name];
      if (!options.monitors.some((m) => names.includes(m))) {
        skip('not selected by --monitor');
        continue;
      }
    }
    if (options.tags !== undefined && options.tags.length > 0) {
      if (!runnable.tags.some((t) => options.tags?.includes(t))) {
        skip('no tag selected by --tag');
        continue;
      }
    }
    if (options.location !== undefined && !runnable.locations.includes(options.location)) {
      skip(`not assigned to location ${options.location}`);
      continue;
    }
    if (!runnable.enabled) {
      skip('disabled (spec.enabled: false)');
      continue;
    }
    if (!supportedTypes.includes(runnable.type)) {
      skip(`${runnable.type} monitors are not supported by this runner yet`);
      continue;
    }
    monitors.push(runnable);
  }
  return { monitors, skipped: [...skipped].map(([reason, count]) => ({ reason, count })) };
}

interface Loaded {
  readonly diagnostics: Diagnostic[];
  readonly accepted: LoadedResource[];
  readonly sources: Map<string, string>;
  readonly resources: LoadedResource[];
  readonly files: string[];
}

async function load(options: LocalRunOptions, validator: ResourceValidator): Promise<Loaded> {
  return validatePaths(options.paths, {
    cwd: options.cwd,
    validator,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

function printDiagnostics(loaded: Loaded, stream: TextStream, color: boolean): void {
  stream.write(
    renderReport(
      'text',
      {
        diagnostics: loaded.diagnostics.filter((d) => d.severity !== 'notice'),
        resources: loaded.resources,
        files: loaded.files,
        sources: loaded.sources,
      },
      { color, summary: true },
    ),
  );
}

function describeSkipped(selection: Selection): string {
  return selection.skipped.map((s) => `${s.count} ${s.reason}`).join('; ');
}

/** Runs monitors as `synthctl run` does; resolves with the exit code. */
export async function runLocal(options: LocalRunOptions): Promise<number> {
  const log = options.logger ?? silentLogger;
  const color = options.color ?? false;
  const validator = new ResourceValidator();
  let demo: DemoTarget | undefined;
  let env = options.env;
  if (options.demo === true) {
    demo = await startDemoTarget();
    // The examples read their credentials from the environment, as a laptop user would.
    env = {
      DEMO_API_KEY,
      DEMO_CA_PEM: demo.caPem,
      DEMO_SHOP_PASSWORD: 'demo',
      ...env,
    };
    options.stderr.write(
      `demo target: ${demo.httpUrl} ${demo.httpsUrl} tcp://${demo.tcpAddress} (certificate expires in 12 days)\n`,
    );
  }
  try {
    return await runWithEnv(options, env, validator, color, log);
  } finally {
    await demo?.close();
  }
}

async function runWithEnv(
  options: LocalRunOptions,
  env: Readonly<Record<string, string | undefined>>,
  validator: ResourceValidator,
  color: boolean,
  log: Logger,
): Promise<number> {
  const loaded = await load(options, validator);
  if (hasErrors(loaded.diagnostics)) {
    options.stderr.write('synthctl run: the input is invalid; nothing was started.\n');
    printDiagnostics(loaded, options.stderr, color);
    return RUN_EXIT.invalid;
  }
  const secrets: SecretResolver = new EnvSecretResolver(env);
  const checks = new CheckRegistry({ secrets });
  // Browsers start on the first browser run; artifacts go to .synthctl/artifacts under cwd.
  const browser = createBrowserCheck({ secrets, cwd: options.cwd, env, logger: log });
  checks.register(browser.check);
  try {
    return await runSelected(options, loaded, checks, browser.pool.size, color, log, validator);
  } finally {
    await browser.close();
  }
}

async function runSelected(
  options: LocalRunOptions,
  loaded: Loaded,
  checks: CheckRegistry,
  browserConcurrency: number,
  color: boolean,
  log: Logger,
  validator: ResourceValidator,
): Promise<number> {
  const types = checks.types();
  const selection = selectRunnable(loaded.accepted, options, types);
  if (selection.skipped.length > 0) options.stderr.write(`skipped: ${describeSkipped(selection)}\n`);
  if (selection.monitors.length === 0) {
    options.stderr.write('synthctl run: no monitor to run.\n');
    return options.once === true ? RUN_EXIT.ok : RUN_EXIT.usage;
  }

  const registry = new Registry();
  const sinks: ResultSink[] = [];
  if (options.db !== false) {
    const path = options.db ?? DEFAULT_HISTORY_PATH;
    const absolute = isAbsolute(path) ? path : resolve(options.cwd, path);
    await mkdir(dirname(absolute), { recursive: true });
    const store = HistoryStore.open({ path: absolute });
    sinks.push(new SqliteSink({ store, clock: systemClock, logger: log }));
  }
  if (options.output === 'ndjson') {
    sinks.push(
      new NdjsonSink({ stream: options.stdout as unknown as Writable, logger: log, finalOnly: false }),
    );
  }
  const runner = new Runner({
    monitors: selection.monitors,
    checks,
    location: options.location ?? 'local',
    registry,
    sinks,
    logger: log,
    ...(options.metricLabels === undefined ? {} : { prometheus: { userLabels: options.metricLabels } }),
    // A person at a terminal wants first results in seconds, not after a whole interval;
    // the spread still grows with the number of monitors so a restart never bursts.
    startupSpreadMs: Math.max(5000, selection.monitors.length * 2),
    concurrency: {
      ...(options.concurrency === undefined ? {} : { global: options.concurrency }),
      perType: { browser: browserConcurrency },
    },
  });

  const listen =
    options.listen ?? (options.once === true ? undefined : { host: DEFAULT_HOST, port: DEFAULT_PORT });
  let server: RunnerHttpServer | undefined;
  try {
    if (listen !== undefined) {
      server = new RunnerHttpServer({
        registry,
        status: runner,
        results: runner.results,
        isReady: () => runner.isReady,
        host: listen.host,
        port: listen.port,
        logger: log,
      });
      await server.listen();
    }
    const url = server?.address?.url;
    if (options.once === true) {
      options.onReady?.({ ...(url === undefined ? {} : { url }), monitors: selection.monitors.length });
      const records = await runner.runOnce(options.signal);
      if (options.output !== 'ndjson') options.stdout.write(renderSummary(records, color));
      return records.some((r: ResultRecord) => r.status === 'down') ? RUN_EXIT.down : RUN_EXIT.ok;
    }
    runner.start();
    options.stderr.write(
      `running ${selection.monitors.length} monitors${url === undefined ? '' : `; metrics and API on ${url}`}; Ctrl-C stops\n`,
    );
    options.onReady?.({ ...(url === undefined ? {} : { url }), monitors: selection.monitors.length });
    await serveUntilAborted(options, runner, validator, types, color, log);
    return RUN_EXIT.ok;
  } finally {
    // Stop within the 5 s budget: 4 s for in-flight checks, then sinks flush.
    await runner.stop({ graceMs: 4000 });
    await server?.close();
  }
}

/** The continuous mode: live table or log lines, reload on change, until the signal aborts. */
async function serveUntilAborted(
  options: LocalRunOptions,
  runner: Runner,
  validator: ResourceValidator,
  types: readonly string[],
  color: boolean,
  log: Logger,
): Promise<void> {
  const live = options.output !== 'ndjson' && options.stdout.isTTY === true;
  let redraw: NodeJS.Timeout | undefined;
  if (live) {
    const draw = () => {
      options.stdout.write(`\x1b[H\x1b[2J${renderLiveTable(runner.states(), color)}`);
    };
    draw();
    redraw = setInterval(draw, 1000);
  } else if (options.output !== 'ndjson') {
    runner.onStatusChange((change) => {
      const s = runner.state(change.monitorId);
      const name = s?.monitorName ?? change.monitorId;
      const why = change.to === 'down' && s?.message !== undefined ? `: ${s.message}` : '';
      options.stdout.write(`${change.at} ${name} is ${change.to} (was ${change.from})${why}\n`);
    });
  }

  const watchers: FSWatcher[] = [];
  const shouldWatch = options.watch ?? !options.paths.includes('-');
  let reloadTimer: NodeJS.Timeout | undefined;
  let reloading = Promise.resolve();
  const reload = async () => {
    const loaded = await load(options, validator);
    if (hasErrors(loaded.diagnostics)) {
      options.stderr.write(
        'reload refused: the input is invalid; the last good configuration keeps running.\n',
      );
      printDiagnostics(loaded, options.stderr, color);
      return;
    }
    const selection = selectRunnable(loaded.accepted, options, types);
    const diff = runner.update(selection.monitors);
    options.stderr.write(
      `reloaded: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed\n`,
    );
  };
  if (shouldWatch) {
    for (const path of options.paths) {
      const absolute = isAbsolute(path) ? path : resolve(options.cwd, path);
      try {
        const watcher = watch(absolute, { recursive: true }, () => {
          if (reloadTimer !== undefined) clearTimeout(reloadTimer);
          // Editors write files in several steps; reload once they are done.
          reloadTimer = setTimeout(() => {
            reloading = reloading.then(reload).catch((err: unknown) => {
              log.error({ err }, 'reload failed');
            });
          }, 300);
        });
        watcher.on('error', (err) => {
          log.warn({ err, path }, 'watching stopped');
        });
        watchers.push(watcher);
      } catch (err) {
        log.warn({ err, path }, 'cannot watch input; changes need a restart');
      }
    }
  }

  try {
    await new Promise<void>((resolveWait) => {
      if (options.signal.aborted) resolveWait();
      else
        options.signal.addEventListener(
          'abort',
          () => {
            resolveWait();
          },
          { once: true },
        );
    });
  } finally {
    if (redraw !== undefined) clearInterval(redraw);
    if (reloadTimer !== undefined) clearTimeout(reloadTimer);
    for (const w of watchers) w.close();
    await reloading;
    if (live) options.stdout.write(`\x1b[H\x1b[2J${renderLiveTable(runner.states(), color)}`);
  }
}
