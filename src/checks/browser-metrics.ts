/**
 * Prometheus series of browser steps, kept by the Prometheus sink next to blackbox's
 * `probe_success`/`probe_duration_seconds` (which it sets for journeys like any check):
 * `synthctl_browser_step_duration_seconds{step}` and `synthctl_browser_step_status{step,status}`
 * (1 for the step's status in the last final attempt, 0 for the others, as
 * kube_pod_status_phase does). Step series of a monitor are replaced when its steps change.
 */
import { Gauge, type Registry } from 'prom-client';
import { STEP_STATUSES } from '../journey/results.js';
import type { ResultRecord } from '../runner/result.js';

/** Steps per monitor that get series; a journey with more is cut (cardinality bound). */
export const MAX_STEP_SERIES = 64;
const MAX_STEP_LABEL = 128;

type Labels = Record<string, string>;

/** Step metrics of browser monitors, on the sink's registry and with its per-monitor labels. */
export class BrowserStepMetrics {
  readonly #duration: Gauge;
  readonly #status: Gauge;
  readonly #journeySteps: Gauge;
  /** Per monitor id: the step label sets written last. */
  readonly #written = new Map<string, Labels[]>();

  constructor(options: { registry: Registry; labelNames: readonly string[] }) {
    const names = [...options.labelNames];
    this.#duration = new Gauge({
      name: 'synthctl_browser_step_duration_seconds',
      help: 'Duration of each journey step in the last final attempt, in seconds.',
      labelNames: [...names, 'step', 'step_index'],
      registers: [options.registry],
    });
    this.#status = new Gauge({
      name: 'synthctl_browser_step_status',
      help: 'Status of each journey step in the last final attempt: 1 for the status it had, 0 for the others.',
      labelNames: [...names, 'step', 'step_index', 'status'],
      registers: [options.registry],
    });
    this.#journeySteps = new Gauge({
      name: 'synthctl_browser_journey_steps',
      help: 'Steps of the journey in the last final attempt, by status.',
      labelNames: [...names, 'status'],
      registers: [options.registry],
    });
  }

  /** Sets the step series of a final browser attempt (`labels` are the monitor's). */
  write(record: ResultRecord, labels: Labels): void {
    const steps = (record.browser?.journeys ?? []).flatMap((j) => j.steps).slice(0, MAX_STEP_SERIES);
    this.remove(record.monitorId);
    const written: Labels[] = [];
    const counts: Record<string, number> = Object.fromEntries(STEP_STATUSES.map((s) => [s, 0]));
    for (const step of steps) {
      const stepLabels = {
        ...labels,
        step: step.name.slice(0, MAX_STEP_LABEL),
        step_index: String(step.index),
      };
      written.push(stepLabels);
      this.#duration.set(stepLabels, step.durationMs / 1000);
      for (const status of STEP_STATUSES)
        this.#status.set({ ...stepLabels, status }, step.status === status ? 1 : 0);
      counts[step.status] = (counts[step.status] ?? 0) + 1;
    }
    for (const status of STEP_STATUSES) this.#journeySteps.set({ ...labels, status }, counts[status] ?? 0);
    written.push(labels);
    this.#written.set(record.monitorId, written);
  }

  /** Drops every step series of the monitor. */
  remove(monitorId: string): void {
    const written = this.#written.get(monitorId);
    if (written === undefined) return;
    this.#written.delete(monitorId);
    for (const stepLabels of written) {
      if ('step' in stepLabels) {
        this.#duration.remove(stepLabels);
        for (const status of STEP_STATUSES) this.#status.remove({ ...stepLabels, status });
      } else {
        for (const status of STEP_STATUSES) this.#journeySteps.remove({ ...stepLabels, status });
      }
    }
  }
}
