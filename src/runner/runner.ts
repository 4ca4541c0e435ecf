/**
 * The runner facade: scheduler + result pipeline + Prometheus sink + scheduler metrics, wired on
 * one injected registry and clock, so `synthctl run` (and the in-cluster runner) only load
 * monitors, pick sinks and call start/update/stop or runOnce.
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { RunnableMonitor } from '../checks/types.js';
import type { ResultRecord, ResultSink } from './result.js';
import { systemClock, type Clock } from './clock.js';
import { silentLogger, type Logger } from './logger.js';
import { ResultPipeline } from './pipeline.js';
import { RecentResultsRing, type RecentResultsSource } from './recent-results.js';
import {
  Scheduler,
  type CheckLookup,
  type ConcurrencyOptions,
  type ScheduleDiff,
  type StopOptions,
} from './scheduler.js';
import { SchedulerMetrics } from './scheduler-metrics.js';
import { PrometheusSink } from './sinks/prometheus.js';
import type { MonitorState, StatusChange } from './monitor-state.js';

/** Everything a runner is made of; only monitors, checks, location and registry are required. */
export interface RunnerOptions {
  monitors: readonly RunnableMonitor[];
  checks: CheckLookup;
  /** This runner's location (`observer.name`) on every record. */
  location: string;
  /** Where every metric goes (never the prom-client global registry). */
  registry: Registry;
  /** Extra sinks, e.g. `SqliteSink`, `NdjsonSink`. Closed by `stop`. */
  sinks?: readonly ResultSink[];
  clock?: Clock;
  concurrency?: ConcurrencyOptions;
  /** Options of the built-in Prometheus sink. */
  prometheus?: { userLabels?: readonly string[]; processMetrics?: boolean };
  /**
   * Where `/api/monitors/:id/results` reads. Default: the first sink that can answer (the SQLite
   * history), else an in-memory ring (`RecentResultsRing`).
   */
  results?: RecentResultsSource;
  /**
   * Records per monitor the in-memory ring keeps. Default: 100 each, fewer with more than 1,000
   * monitors so that the ring holds about 100,000 records in all (10 each at 10,000 monitors).
   * When set, exactly this many per monitor, however many monitors there are.
   */
  recentPerMonitor?: number;
  flapping?: { enabled?: boolean; threshold?: number };
  newId?: () => string;
  logger?: Logger;
  /** First runs within this many ms of start instead of at the first grid slot (see `SchedulerOptions`). */
  startupSpreadMs?: number;
}

/** Runs monitors and publishes results; see `RunnerOptions`. */
export class Runner {
  readonly pipeline: ResultPipeline;
  readonly scheduler: Scheduler;
  /** Recent results for the API (history or in-memory ring). */
  readonly results: RecentResultsSource;
  readonly #log: Logger;
  readonly #ring: RecentResultsRing | undefined;
  #ready = false;
  #stopped = false;

  constructor(options: RunnerOptions) {
    const clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    const prometheus = new PrometheusSink({
      registry: options.registry,
      ...(options.prometheus?.userLabels !== undefined ? { userLabels: options.prometheus.userLabels } : {}),
      ...(options.prometheus?.processMetrics !== undefined
        ? { processMetrics: options.prometheus.processMetrics }
        : {}),
    });
    const extra = [...(options.sinks ?? [])];
    let results = options.results ?? extra.find(isResultsSource);
    const sinks: ResultSink[] = [prometheus, ...extra];
    if (results === undefined) {
      const ring = new RecentResultsRing(
        options.recentPerMonitor === undefined
          ? {}
          : { perMonitor: options.recentPerMonitor, maxRecords: Number.POSITIVE_INFINITY },
      );
      sinks.push(ring);
      results = ring;
      this.#ring = ring;
    }
    this.results = results;
    this.pipeline = new ResultPipeline({
      sinks,
      clock,
      location: options.location,
      registry: options.registry,
      logger: this.#log,
      ...(options.flapping !== undefined ? { flapping: options.flapping } : {}),
    });
    const metrics = new SchedulerMetrics(options.registry);
    this.scheduler = new Scheduler([], {
      checks: options.checks,
      clock,
      location: options.location,
      onResult: (r) => {
        this.pipeline.publish(r);
      },
      observer: metrics,
      newId: options.newId ?? randomUUID,
      logger: this.#log,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.startupSpreadMs !== undefined ? { startupSpreadMs: options.startupSpreadMs } : {}),
    });
    metrics.bind(() => this.scheduler.stats());
    this.update(options.monitors);
  }

  /** True once a schedule is loaded and the scheduler runs (or ran once); for `/readyz`. */
  get isReady(): boolean {
    return this.#ready && !this.#stopped;
  }

  /** Starts scheduling. */
  start(): void {
    if (this.#stopped) throw new Error('runner already stopped; create a new one');
    this.scheduler.start();
    this.#ready = true;
    this.#log.info({ monitors: this.scheduler.stats().monitors }, 'runner started');
  }

  /** Hot reload with a new set of monitors (removed ones vanish from state and metrics). */
  update(monitors: readonly RunnableMonitor[]): ScheduleDiff {
    const diff = this.scheduler.update(monitors);
    this.#ring?.setMonitorCount(this.scheduler.stats().monitors);
    this.pipeline.setMonitors(monitors);
    if (diff.added.length + diff.changed.length + diff.removed.length > 0) {
      this.#log.info(
        { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length },
        'monitors reloaded',
      );
    }
    return diff;
  }

  /** Runs every monitor once (retests included); resolves with the final records. */
  async runOnce(signal?: AbortSignal): Promise<ResultRecord[]> {
    this.#ready = true;
    return this.scheduler.runOnce(signal);
  }

  /** Stops scheduling, ends in-flight checks after the grace period, flushes and closes sinks. */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.scheduler.stop(options);
    await this.pipeline.close();
    this.#log.info({}, 'runner stopped');
  }

  /** Every monitor's state, with its next scheduled run. */
  states(): MonitorState[] {
    return this.pipeline.states().map((s) => this.#withNextRun(s));
  }

  state(monitorId: string): MonitorState | undefined {
    const s = this.pipeline.state(monitorId);
    return s === undefined ? undefined : this.#withNextRun(s);
  }

  #withNextRun(s: MonitorState): MonitorState {
    const next = this.scheduler.nextRunAt(s.monitorId);
    return next === undefined ? s : { ...s, nextRunAt: new Date(next).toISOString() };
  }

  onStatusChange(listener: (change: StatusChange) => void): () => void {
    return this.pipeline.onStatusChange(listener);
  }
}

function isResultsSource(sink: ResultSink): sink is ResultSink & RecentResultsSource {
  return typeof (sink as Partial<RecentResultsSource>).recentResults === 'function';
}
