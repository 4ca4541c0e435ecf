/**
 * Scheduler metrics on an injected registry, in the spirit of Heartbeat's `/stats`
 * (`jobs.active`, `jobs.missed_deadline`, `tasks.waiting`): lag between due time and start,
 * missed runs by reason, queue length and running checks.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { MONITOR_TYPES } from '../model/schema.js';
import type { RunnableMonitor } from '../checks/types.js';
import type { MissedReason, SchedulerObserver, SchedulerStats } from './scheduler.js';

/** Histogram buckets of `synthctl_scheduler_lag_seconds`. */
export const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Prometheus `SchedulerObserver`; call `bind` with the scheduler's `stats` for the gauges. */
export class SchedulerMetrics implements SchedulerObserver {
  readonly #lag: Histogram<'monitor_type'>;
  readonly #missed: Counter<'monitor_type' | 'reason'>;
  #stats: (() => SchedulerStats) | undefined;

  constructor(registry: Registry) {
    this.#lag = new Histogram({
      name: 'synthctl_scheduler_lag_seconds',
      help: 'Seconds between when a run was due and when its first attempt started.',
      labelNames: ['monitor_type'],
      buckets: LAG_BUCKETS,
      registers: [registry],
    });
    this.#missed = new Counter({
      name: 'synthctl_scheduler_missed_runs_total',
      help: 'Scheduled runs that did not happen: the previous run was still going (overlap) or the ready queue was full (queue_full).',
      labelNames: ['monitor_type', 'reason'],
      registers: [registry],
    });
    for (const type of MONITOR_TYPES) {
      for (const reason of ['overlap', 'queue_full'] as const)
        this.#missed.inc({ monitor_type: type, reason }, 0);
    }
    // Collected at scrape time from the scheduler, so the numbers are never stale.
    const stats = (): SchedulerStats | undefined => this.#stats?.();
    new Gauge({
      name: 'synthctl_scheduler_queue_length',
      help: 'Runs waiting for a concurrency slot.',
      registers: [registry],
      collect() {
        this.set(stats()?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'synthctl_scheduler_monitors',
      help: 'Enabled monitors being scheduled.',
      registers: [registry],
      collect() {
        this.set(stats()?.monitors ?? 0);
      },
    });
    new Gauge({
      name: 'synthctl_scheduler_running_checks',
      help: 'Checks running now, by monitor type.',
      labelNames: ['monitor_type'],
      registers: [registry],
      collect() {
        const s = stats();
        for (const type of MONITOR_TYPES) this.set({ monitor_type: type }, s?.runningByType[type] ?? 0);
      },
    });
  }

  /** Gives the gauges their source. */
  bind(stats: () => SchedulerStats): void {
    this.#stats = stats;
  }

  lag(seconds: number, monitor: RunnableMonitor): void {
    this.#lag.observe({ monitor_type: monitor.type }, seconds);
  }

  missed(reason: MissedReason, monitor: RunnableMonitor): void {
    this.#missed.inc({ monitor_type: monitor.type, reason });
  }
}
