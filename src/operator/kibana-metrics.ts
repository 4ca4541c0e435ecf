/**
 * `synthctl_kibana_requests_total{route,code}`: every Kibana request attempt of the operator,
 * by route template (no ids, bounded cardinality) and status code (`network`/`timeout`
 * without a response), fed by {@link KibanaClient}'s `onRequest`.
 */
import { Counter, type Registry } from 'prom-client';
import type { KibanaRequestEvent } from '../kibana/client.js';

/** The Kibana request counter on a registry (one per registry). */
export class KibanaRequestMetrics {
  readonly requests: Counter<'route' | 'code'>;

  constructor(registry: Registry) {
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

  /** The `onRequest` hook of a KibanaClient. */
  readonly onRequest = (event: KibanaRequestEvent): void => {
    this.requests.inc({ route: event.route, code: event.code });
  };
}
