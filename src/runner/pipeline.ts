/**
 * The result pipeline: every attempt's record goes to every sink, a failing sink never breaks
 * the others (the failure is logged and counted as `synthctl_sink_errors_total{sink}`), and
 * final attempts update the per-monitor state the API and status pages show.
 */
import { Counter, type Registry } from 'prom-client';
import type { RunnableMonitor } from '../checks/types.js';
import type { ResultRecord, ResultSink } from './result.js';
import type { Clock } from './clock.js';
import { silentLogger, type Logger } from './logger.js';
import { MonitorStateTracker, type MonitorState, type StatusChange } from './monitor-state.js';

/** Sinks, clock and where to count sink errors. */
export interface ResultPipelineOptions {
  sinks: readonly ResultSink[];
  clock: Clock;
  /** The runner's location (`observer.name`), for monitors that have no result yet. */
  location: string;
  /** Where `synthctl_sink_errors_total` lives; no metric without it. */
  registry?: Registry;
  logger?: Logger;
  /** Heartbeat-style flap detection (default on, threshold 3). */
  flapping?: { enabled?: boolean; threshold?: number };
}

/** Fans records out to sinks and tracks monitor state. */
export class ResultPipeline {
  readonly #sinks: readonly ResultSink[];
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #tracker: MonitorStateTracker;
  readonly #sinkErrors: Counter<'sink'> | undefined;
  readonly #listeners = new Set<(change: StatusChange) => void>();
  #closed = false;

  constructor(options: ResultPipelineOptions) {
    this.#sinks = [...options.sinks];
    this.#clock = options.clock;
    this.#log = options.logger ?? silentLogger;
    this.#tracker = new MonitorStateTracker({
      location: options.location,
      ...(options.flapping?.enabled !== undefined ? { flapping: options.flapping.enabled } : {}),
      ...(options.flapping?.threshold !== undefined ? { threshold: options.flapping.threshold } : {}),
    });
    this.#sinkErrors =
      options.registry === undefined
        ? undefined
        : new Counter({
            name: 'synthctl_sink_errors_total',
            help: 'Result sink failures (write, remove or close), by sink.',
            labelNames: ['sink'],
            registers: [options.registry],
          });
    for (const sink of this.#sinks) this.#sinkErrors?.inc({ sink: sink.name }, 0);
  }

  /** Declares the current monitors; forgets removed ones in the state and in every sink. */
  setMonitors(monitors: readonly RunnableMonitor[]): void {
    const removed = this.#tracker.sync(monitors, new Date(this.#clock.now()).toISOString());
    for (const id of removed) this.#removeFromSinks(id);
  }

  /** Publishes one attempt's record. Never throws. */
  publish(record: ResultRecord): void {
    if (this.#closed) {
      this.#log.warn({ monitorId: record.monitorId }, 'result published after the pipeline closed; dropped');
      return;
    }
    for (const sink of this.#sinks) {
      try {
        sink.write(record);
      } catch (err) {
        this.#failed(sink, 'write', err);
      }
    }
    const change = this.#tracker.record(record);
    if (change !== undefined) {
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch (err) {
          this.#log.error({ err, monitorId: change.monitorId }, 'status change listener threw');
        }
      }
    }
  }

  /** Forgets one monitor everywhere. */
  removeMonitor(monitorId: string): void {
    this.#tracker.forget(monitorId);
    this.#removeFromSinks(monitorId);
  }

  /** Calls `listener` on every status transition; returns the unsubscribe function. */
  onStatusChange(listener: (change: StatusChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  state(monitorId: string): MonitorState | undefined {
    return this.#tracker.get(monitorId);
  }

  states(): MonitorState[] {
    return this.#tracker.all();
  }

  /** Closes (flushes) every sink; a sink that fails to close is logged and counted. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled(this.#sinks.map((s) => s.close()));
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.#failed(this.#sinks[i]!, 'close', r.reason);
    });
  }

  #removeFromSinks(monitorId: string): void {
    for (const sink of this.#sinks) {
      try {
        sink.removeMonitor?.(monitorId);
      } catch (err) {
        this.#failed(sink, 'remove', err);
      }
    }
  }

  #failed(sink: ResultSink, op: string, err: unknown): void {
    this.#sinkErrors?.inc({ sink: sink.name });
    this.#log.error({ err, sink: sink.name, op }, `result sink ${sink.name} failed to ${op}`);
  }
}
