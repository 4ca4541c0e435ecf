/**
 * The operator's sync metrics: `synthctl_kibana_requests_total{route,code}`, every Kibana
 * request attempt by route template (no ids, bounded cardinality) and status code
 * (`network`/`timeout` without a response), fed by {@link KibanaClient}'s `onRequest`; and
 * `synthctl_project_drifted_monitors{namespace,project}`, the monitors a project's last drift
 * check found edited in Kibana (the KibanaDrift alert).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KibanaRequestEvent } from '../kibana/client.js';

/** The Kibana request counter on a registry (one per registry). */
export class KibanaRequestMetrics {
  readonly requests: Counter<'route' | 'code'>;

  readonly drifted: Gauge<'namespace' | 'project'>;

  constructor(registry: Registry) {
    const drifted = registry.getSingleMetric('synthctl_project_drifted_monitors');
    this.drifted =
      drifted instanceof Gauge
        ? drifted
        : new Gauge({
            name: 'synthctl_project_drifted_monitors',
            help: 'Monitors of a SyntheticsProject that differ from their spec because they were edited in Kibana (last drift check).',
            labelNames: ['namespace', 'project'],
            registers: [registry],
          });
    const existing = registry.getSingleMetric('synthctl_kibana_requests_total');
    this.requests =
      existing instanceof Counter
        ? existing
        : new Counter({
            name: 'synthctl_kibana_requests_total',
            help: 'Kibana API request attempts by route template and HTTP status code (network or timeout when no response arrived).',
            labelNames: ['route', 'code'],
            registers: [registry],
          });
  }

  /** Sets a project's drifted count; `undefined` removes the series (project deleted). */
  setDrifted(namespace: string | undefined, project: string, count: number | undefined): void {
    const labels = { namespace: namespace ?? '', project };
    if (count === undefined) this.drifted.remove(labels);
    else this.drifted.set(labels, count);
  }

  /** The `onRequest` hook of a KibanaClient. */
  readonly onRequest = (event: KibanaRequestEvent): void => {
    this.requests.inc({ route: event.route, code: event.code });
  };
}
