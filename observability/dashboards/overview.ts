/** The overview dashboard: what is down now, availability, the worst monitors, error budgets. */
/* eslint-disable @typescript-eslint/no-deprecated -- the SDK deprecates the v1 dashboard model for v2,
   but v1 JSON (schemaVersion 42) is what file provisioning and the Grafana sidecar load everywhere. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  Layout,
  ascendingThresholds,
  baseDashboard,
  descendingThresholds,
  monitorSelector,
  monitorVariables,
  query,
  statPanel,
  tablePanel,
  tableQuery,
  timeseriesPanel,
} from './common.js';

/** Builds `synthctl-overview`. */
export function overviewDashboard(): Dashboard {
  const sel = monitorSelector();
  // Recorded series carry the same labels as probe_success, minus instance and pod.
  const recSel = `location=~"$location", monitor_name=~"$monitor"`;
  const builder = baseDashboard(
    'synthctl-overview',
    'synthctl / Overview',
    'Every synthetic monitor run by synthctl: up/down now, availability over the time range and 30 days, the worst monitors and their error budgets.',
  ).variables(monitorVariables());
  new Layout(builder)
    .row('Now')
    .add(
      statPanel('Monitors up', 'Monitors whose last final attempt succeeded.', 'none').thresholds(
        ascendingThresholds(0, 1),
      ),
      [query(`count(probe_success{${sel}} == 1) or vector(0)`)],
      6,
      4,
    )
    .add(
      statPanel(
        'Monitors down',
        'Monitors whose last final attempt failed (after the retest).',
        'none',
      ).thresholds(descendingThresholds(1, 1)),
      [query(`count(probe_success{${sel}} == 0) or vector(0)`)],
      6,
      4,
    )
    .add(
      statPanel(
        'Availability (time range)',
        'Mean of probe_success over the dashboard time range, over all selected monitors.',
        'percentunit',
      )
        .decimals(3)
        .thresholds(ascendingThresholds(0.99, 0.999)),
      [query(`avg(avg_over_time(probe_success{${sel}}[$__range]))`)],
      6,
      4,
    )
    .add(
      statPanel(
        'Oldest result',
        'Seconds since the least recently checked monitor finished its last check: a large value means a stuck runner or a missed schedule.',
        's',
      ).thresholds(descendingThresholds(900, 3600)),
      [query(`max(time() - synthctl_monitor_last_check_timestamp_seconds{${sel}})`)],
      6,
      4,
    )
    .add(
      tablePanel('Down now', 'Monitors down at the end of the time range.', 'none'),
      [tableQuery(`probe_success{${sel}} == 0`)],
      12,
      8,
    )
    .add(
      tablePanel(
        'Worst monitors (time range)',
        'The 10 monitors with the lowest availability over the dashboard time range.',
        'percentunit',
      ).thresholds(ascendingThresholds(0.99, 0.999)),
      [
        tableQuery(
          `bottomk(10, avg by (monitor_name, monitor_type, location) (avg_over_time(probe_success{${sel}}[$__range])))`,
        ),
      ],
      12,
      8,
    )
    .row('Availability')
    .add(
      timeseriesPanel(
        'Availability (1h window)',
        'Recorded synthctl:monitor_availability:ratio_avg1h per monitor and location.',
        'percentunit',
      ).max(1),
      [query(`synthctl:monitor_availability:ratio_avg1h{${recSel}}`, '{{monitor_name}} ({{location}})')],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Status changes',
        'Up/down transitions per monitor (from final attempts): flapping monitors stand out.',
        'none',
      ),
      [
        query(
          `sum by (monitor_name, location) (increase(synthctl_monitor_status_changes_total{${sel}}[$__rate_interval]))`,
          '{{monitor_name}} ({{location}})',
        ),
      ],
      12,
      8,
    )
    .row('SLO (30 days)')
    .add(
      tablePanel(
        'Availability over 30 days',
        'Recorded synthctl:monitor_availability:ratio_avg30d with each monitor objective (default 99.9 %, monitor label slo_objective).',
        'percentunit',
      )
        .decimals(3)
        .thresholds(ascendingThresholds(0.99, 0.999)),
      [tableQuery(`synthctl:monitor_availability:ratio_avg30d{${recSel}}`)],
      12,
      8,
    )
    .add(
      tablePanel(
        'Error budget left (30 days)',
        'The 10 monitors with the least 30-day error budget left: 100 % untouched, 0 % spent, negative overspent.',
        'percentunit',
      ).thresholds(ascendingThresholds(0, 0.25)),
      [tableQuery(`bottomk(10, synthctl:monitor_error_budget_remaining:ratio30d{${recSel}})`)],
      12,
      8,
    )
    .row('Checks')
    .add(
      timeseriesPanel('Checks per second', 'Check attempts (retests included) by type and result.', 'ops'),
      [
        query(
          'sum by (monitor_type, result) (rate(synthctl_checks_total[$__rate_interval]))',
          '{{monitor_type}} {{result}}',
        ),
      ],
      12,
      8,
    )
    .add(
      timeseriesPanel('Check duration p95', '95th percentile of check attempt duration by type.', 's'),
      [
        query(
          'histogram_quantile(0.95, sum by (le, monitor_type) (rate(synthctl_check_duration_seconds_bucket[$__rate_interval])))',
          '{{monitor_type}}',
        ),
      ],
      12,
      8,
    );
  return builder.build();
}
