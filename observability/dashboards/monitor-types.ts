/**
 * One dashboard per monitor type: HTTP (phases, status, TLS), TCP, ICMP (round trip, failed
 * pings) and browser journeys (steps). Each starts with the same availability and duration
 * panels, narrowed to its type by the `monitor` variable.
 */
/* eslint-disable @typescript-eslint/no-deprecated -- the SDK deprecates the v1 dashboard model for v2,
   but v1 JSON (schemaVersion 42) is what file provisioning and the Grafana sidecar load everywhere. */
import type { Dashboard, DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  Layout,
  ascendingThresholds,
  baseDashboard,
  descendingThresholds,
  monitorSelector,
  monitorVariables,
  query,
  stackedPanel,
  statPanel,
  tablePanel,
  tableQuery,
  timeseriesPanel,
  type MonitorType,
} from './common.js';

const LEGEND = '{{monitor_name}} ({{location}})';

function typeDashboard(type: MonitorType, title: string, description: string): DashboardBuilder {
  return baseDashboard(`synthctl-${type}`, `synthctl / ${title}`, description).variables(
    monitorVariables(type),
  );
}

/** Availability, up/down and duration panels every type dashboard starts with. */
function statusPanels(layout: Layout, type: MonitorType): Layout {
  const sel = monitorSelector(type);
  return layout
    .row('Status')
    .add(
      statPanel('Up', 'Selected monitors up now.', 'none').thresholds(ascendingThresholds(0, 1)),
      [query(`count(probe_success{${sel}} == 1) or vector(0)`)],
      6,
      4,
    )
    .add(
      statPanel('Down', 'Selected monitors down now.', 'none').thresholds(descendingThresholds(1, 1)),
      [query(`count(probe_success{${sel}} == 0) or vector(0)`)],
      6,
      4,
    )
    .add(
      statPanel('Availability (time range)', 'Mean of probe_success over the time range.', 'percentunit')
        .decimals(3)
        .thresholds(ascendingThresholds(0.99, 0.999)),
      [query(`avg(avg_over_time(probe_success{${sel}}[$__range]))`)],
      12,
      4,
    )
    .add(
      timeseriesPanel('Up (1) / down (0)', 'probe_success per monitor: the last final attempt.', 'none')
        .min(0)
        .max(1),
      [query(`probe_success{${sel}}`, LEGEND)],
      12,
      8,
    )
    .add(
      timeseriesPanel('Check duration', 'probe_duration_seconds: duration of the last final attempt.', 's'),
      [query(`probe_duration_seconds{${sel}}`, LEGEND)],
      12,
      8,
    );
}

/** TLS certificate panels (HTTP and TCP monitors with TLS). */
function tlsPanels(layout: Layout, type: MonitorType): Layout {
  const sel = monitorSelector(type);
  return layout
    .row('TLS')
    .add(
      tablePanel(
        'Certificate expiry (days)',
        'Days until the earliest certificate of the presented chain expires (TLSCertificateExpiring warns under 14, pages under 3).',
        'd',
      )
        .decimals(1)
        .thresholds(ascendingThresholds(3, 14)),
      [tableQuery(`sort((probe_ssl_earliest_cert_expiry{${sel}} - time()) / 86400)`)],
      12,
      8,
    )
    .add(
      tablePanel('TLS version', 'Negotiated TLS version per monitor (probe_tls_version_info).', 'none'),
      [tableQuery(`probe_tls_version_info{${sel}}`)],
      12,
      8,
    );
}

/** Builds `synthctl-http`. */
export function httpDashboard(): Dashboard {
  const sel = monitorSelector('http');
  const builder = typeDashboard(
    'http',
    'HTTP monitors',
    'HTTP monitors: availability, request phases (blackbox_exporter names), status codes, redirects, body checks and TLS certificates.',
  );
  const layout = statusPanels(new Layout(builder), 'http')
    .row('Request phases')
    .add(
      stackedPanel(
        'Phases (mean of selected monitors)',
        'probe_http_duration_seconds by phase, summed over redirects: resolve, connect, tls, processing (time to first byte), transfer.',
        's',
      ),
      [query(`avg by (phase) (probe_http_duration_seconds{${sel}})`, '{{phase}}')],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Time to first byte',
        'The processing phase per monitor: from request sent to the first response byte.',
        's',
      ),
      [query(`probe_http_duration_seconds{${sel}, phase="processing"}`, LEGEND)],
      12,
      8,
    )
    .row('Responses')
    .add(
      timeseriesPanel(
        'Status code',
        'probe_http_status_code of the final response (0: no response).',
        'none',
      ),
      [query(`probe_http_status_code{${sel}}`, LEGEND)],
      8,
      8,
    )
    .add(
      timeseriesPanel('Redirects', 'probe_http_redirects: redirects followed.', 'none'),
      [query(`probe_http_redirects{${sel}}`, LEGEND)],
      8,
      8,
    )
    .add(
      tablePanel(
        'Failed body checks',
        'Monitors whose last response failed a body regular expression check (probe_failed_due_to_regex).',
        'none',
      ),
      [tableQuery(`probe_failed_due_to_regex{${sel}} == 1`)],
      8,
      8,
    );
  tlsPanels(layout, 'http');
  return builder.build();
}

/** Builds `synthctl-tcp`. */
export function tcpDashboard(): Dashboard {
  const sel = monitorSelector('tcp');
  const builder = typeDashboard(
    'tcp',
    'TCP monitors',
    'TCP monitors: availability, connect duration, DNS lookups and TLS certificates (TCP monitors with ssl).',
  );
  const layout = statusPanels(new Layout(builder), 'tcp')
    .row('Connection')
    .add(
      timeseriesPanel('DNS lookup', 'probe_dns_lookup_time_seconds (0 for IP literals).', 's'),
      [query(`probe_dns_lookup_time_seconds{${sel}}`, LEGEND)],
      12,
      8,
    )
    .add(
      timeseriesPanel('IP protocol', 'probe_ip_protocol: 4 or 6 (0 if no address was reached).', 'none'),
      [query(`probe_ip_protocol{${sel}}`, LEGEND)],
      12,
      8,
    );
  tlsPanels(layout, 'tcp');
  return builder.build();
}

/** Builds `synthctl-icmp`. */
export function icmpDashboard(): Dashboard {
  const sel = monitorSelector('icmp');
  const builder = typeDashboard(
    'icmp',
    'ICMP monitors',
    'ICMP monitors: availability, round-trip time and failed pings. A ping check is down when no echo reply came back.',
  );
  statusPanels(new Layout(builder), 'icmp')
    .row('Round trip and loss')
    .add(
      timeseriesPanel(
        'Round-trip time',
        'probe_icmp_duration_seconds{phase="rtt"}: mean round trip of the check.',
        's',
      ),
      [query(`probe_icmp_duration_seconds{${sel}, phase="rtt"}`, LEGEND)],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Failed pings (ratio)',
        'Share of time the check was down (every echo request of a check lost), over the rate interval. Partial packet loss inside an up check is not exported as a metric yet.',
        'percentunit',
      ).max(1),
      [query(`1 - avg_over_time(probe_success{${sel}}[$__rate_interval])`, LEGEND)],
      12,
      8,
    );
  return builder.build();
}

/** Builds `synthctl-browser`. */
export function browserDashboard(): Dashboard {
  const sel = monitorSelector('browser');
  const builder = typeDashboard(
    'browser',
    'Browser journeys',
    'Browser monitors (Playwright journeys): availability, journey duration, step durations and failing steps.',
  );
  statusPanels(new Layout(builder), 'browser')
    .row('Steps')
    .add(
      stackedPanel(
        'Step durations',
        'synthctl_browser_step_duration_seconds per step of the last final attempt (stacked: the journey).',
        's',
      ),
      [query(`synthctl_browser_step_duration_seconds{${sel}}`, '{{monitor_name}} {{step_index}}. {{step}}')],
      24,
      10,
    )
    .add(
      tablePanel('Failed steps', 'Steps whose status was failed in the last final attempt.', 'none'),
      [tableQuery(`synthctl_browser_step_status{${sel}, status="failed"} == 1`)],
      12,
      8,
    )
    .add(
      timeseriesPanel(
        'Steps by status',
        'synthctl_browser_journey_steps: steps per status in the last final attempt.',
        'none',
      ),
      [query(`sum by (status) (synthctl_browser_journey_steps{${sel}})`, '{{status}}')],
      12,
      8,
    );
  return builder.build();
}
