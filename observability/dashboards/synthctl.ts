/**
 * synthctl itself: the runner's scheduler (lag, queue, missed runs, sinks, process) and the
 * operator's controllers (reconciles, errors, work queues, Kibana API, drift).
 */
/* eslint-disable @typescript-eslint/no-deprecated -- the SDK deprecates the v1 dashboard model for v2,
   but v1 JSON (schemaVersion 42) is what file provisioning and the Grafana sidecar load everywhere. */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  DATASOURCE,
  Layout,
  baseDashboard,
  datasourceVariable,
  descendingThresholds,
  query,
  statPanel,
  timeseriesPanel,
} from './common.js';

/** The operator's controllers (src/operator/operator.ts); other operators share these metric names. */
const CONTROLLERS = 'controller=~"syntheticmonitor|syntheticsproject"';

/** Builds `synthctl-internals`. */
export function synthctlDashboard(): dashboard.Dashboard {
  const instances = 'label_values(synthctl_scheduler_monitors, instance)';
  const builder = baseDashboard(
    'synthctl-internals',
    'synthctl / Runner and operator',
    'synthctl itself: runner scheduling (lag, queue, missed runs, sink errors, process) and operator reconciles (errors, work queues, Kibana API, drift).',
  ).variables([
    datasourceVariable(),
    new dashboard.QueryVariableBuilder('runner')
      .label('Runner')
      .datasource(DATASOURCE)
      .query(instances)
      .definition(instances)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ text: 'All', value: '$__all' }),
  ]);
  const runner = 'instance=~"$runner"';
  new Layout(builder)
    .row('Runner')
    .add(
      statPanel(
        'Runners up',
        'Runner targets Prometheus scrapes successfully (job synthctl-runner).',
        'none',
      ),
      [query('sum(up{job="synthctl-runner"})')],
      6,
      4,
    )
    .add(
      statPanel('Monitors scheduled', 'Enabled monitors the selected runners schedule.', 'none'),
      [query(`sum(synthctl_scheduler_monitors{${runner}})`)],
      6,
      4,
    )
    .add(
      statPanel(
        'Scheduler lag p99',
        'p99 of the delay between a run being due and its start, over 10 minutes.',
        's',
      ).thresholds(descendingThresholds(2, 10)),
      [
        query(
          `histogram_quantile(0.99, sum by (le) (rate(synthctl_scheduler_lag_seconds_bucket{${runner}}[10m])))`,
        ),
      ],
      6,
      4,
    )
    .add(
      statPanel(
        'Missed runs (1h)',
        'Scheduled runs that did not happen in the last hour.',
        'none',
      ).thresholds(descendingThresholds(1, 10)),
      [query(`sum(increase(synthctl_scheduler_missed_runs_total{${runner}}[1h]))`)],
      6,
      4,
    )
    .add(
      timeseriesPanel('Scheduler lag', 'p50 and p99 of synthctl_scheduler_lag_seconds per runner.', 's'),
      [
        query(
          `histogram_quantile(0.5, sum by (le, instance) (rate(synthctl_scheduler_lag_seconds_bucket{${runner}}[$__rate_interval])))`,
          'p50 {{instance}}',
        ),
        query(
          `histogram_quantile(0.99, sum by (le, instance) (rate(synthctl_scheduler_lag_seconds_bucket{${runner}}[$__rate_interval])))`,
          'p99 {{instance}}',
        ),
      ],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Missed runs',
        'synthctl_scheduler_missed_runs_total by reason: overlap (a run was still going: the check is slower than its schedule) or queue_full (the runner is saturated).',
        'ops',
      ),
      [
        query(
          `sum by (instance, reason) (rate(synthctl_scheduler_missed_runs_total{${runner}}[$__rate_interval]))`,
          '{{reason}} {{instance}}',
        ),
      ],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Queue depth',
        'synthctl_scheduler_queue_length: runs waiting for a concurrency slot.',
        'none',
      ),
      [query(`synthctl_scheduler_queue_length{${runner}}`, '{{instance}}')],
      8,
      8,
    )
    .add(
      timeseriesPanel('Running checks', 'synthctl_scheduler_running_checks by monitor type.', 'none'),
      [query(`sum by (monitor_type) (synthctl_scheduler_running_checks{${runner}})`, '{{monitor_type}}')],
      8,
      8,
    )
    .add(
      timeseriesPanel('Sink errors', 'synthctl_sink_errors_total: results a sink failed to write.', 'ops'),
      [query(`sum by (sink) (rate(synthctl_sink_errors_total{${runner}}[$__rate_interval]))`, '{{sink}}')],
      8,
      8,
    )
    .add(
      timeseriesPanel('Resident memory', 'process_resident_memory_bytes of the runner processes.', 'bytes'),
      [query(`process_resident_memory_bytes{job="synthctl-runner", ${runner}}`, '{{instance}}')],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Event loop lag p99',
        'nodejs_eventloop_lag_p99_seconds: a busy runner starts checks late.',
        's',
      ),
      [query(`nodejs_eventloop_lag_p99_seconds{job="synthctl-runner", ${runner}}`, '{{instance}}')],
      12,
      8,
    )
    .row('Operator')
    .add(
      timeseriesPanel(
        'Reconciles',
        'controller_runtime_reconcile_total by controller and result (success, error, requeue, requeue_after).',
        'ops',
      ),
      [
        query(
          `sum by (controller, result) (rate(controller_runtime_reconcile_total{${CONTROLLERS}}[$__rate_interval]))`,
          '{{controller}} {{result}}',
        ),
      ],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Reconcile errors',
        'controller_runtime_reconcile_errors_total: OperatorSyncFailing fires when over 25 % of reconciles fail for 15 minutes.',
        'ops',
      ),
      [
        query(
          `sum by (controller) (rate(controller_runtime_reconcile_errors_total{${CONTROLLERS}}[$__rate_interval]))`,
          '{{controller}}',
        ),
      ],
      12,
      8,
    )
    .add(
      timeseriesPanel('Work queue depth', 'workqueue_depth per controller queue.', 'none'),
      [query(`sum by (name) (workqueue_depth{name=~"syntheticmonitor|syntheticsproject"})`, '{{name}}')],
      8,
      8,
    )
    .add(
      timeseriesPanel(
        'Work queue wait p99',
        'p99 of workqueue_queue_duration_seconds: how long a key waits.',
        's',
      ),
      [
        query(
          'histogram_quantile(0.99, sum by (le, name) (rate(workqueue_queue_duration_seconds_bucket{name=~"syntheticmonitor|syntheticsproject"}[$__rate_interval])))',
          '{{name}}',
        ),
      ],
      8,
      8,
    )
    .add(
      timeseriesPanel('Reconcile time p99', 'p99 of controller_runtime_reconcile_time_seconds.', 's'),
      [
        query(
          `histogram_quantile(0.99, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket{${CONTROLLERS}}[$__rate_interval])))`,
          '{{controller}}',
        ),
      ],
      8,
      8,
    )
    .row('Kibana')
    .add(
      timeseriesPanel(
        'Kibana API errors',
        'Kibana API responses with status 4xx/5xx (or network/timeout: no response) by route, from synthctl_kibana_requests_total{route,code}.',
        'ops',
      ),
      [
        query(
          'sum by (route, code) (rate(synthctl_kibana_requests_total{code!~"2.."}[$__rate_interval]))',
          '{{route}} {{code}}',
        ),
      ],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Drifted monitors',
        'Monitors changed in Kibana that differ from Git, per project (KibanaDrift), from synthctl_project_drifted_monitors{namespace,project}.',
        'none',
      ),
      [query('max by (namespace, project) (synthctl_project_drifted_monitors)', '{{namespace}}/{{project}}')],
      12,
      8,
    );
  return builder.build();
}
