import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Registry } from 'prom-client';
import {
  PrometheusSink,
  InvalidMetricLabelError,
  blackboxTlsVersion,
  sanitizeLabelName,
} from './prometheus.js';
import { makeRecord } from '../../../test/runner-fakes.js';

const L = 'monitor_id="shop-home",monitor_name="Shop home",monitor_type="http",location="local"';

function httpRecord(over: Parameters<typeof makeRecord>[0] = {}): ReturnType<typeof makeRecord> {
  return makeRecord({
    durationMs: 250,
    ip: '127.0.0.1',
    timings: { resolve: 2, connect: 3, tls: 40, processing: 100, transfer: 5 },
    http: {
      statusCode: 200,
      httpVersion: '1.1',
      redirects: 1,
      finalUrl: 'https://127.0.0.1:8443/ok',
      contentLength: 13,
      failedDueToRegex: false,
    },
    certificate: {
      subject: 'CN=localhost',
      issuer: 'CN=test CA',
      subjectAltNames: ['DNS:localhost'],
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2026-04-01T00:00:00.000Z',
      earliestExpiry: 1775001600,
      daysLeft: 90,
      tlsVersion: 'TLSv1.3',
    },
    labels: { team: 'payments', 'cost-center': 'cc-42', secret: 'never-a-label' },
    endedAt: '2026-01-01T00:00:00.250Z',
    ...over,
  });
}

test('final attempts set blackbox-named gauges with monitor labels and allowlisted user labels', async () => {
  const registry = new Registry();
  const sink = new PrometheusSink({ registry, userLabels: ['team', 'cost-center'], processMetrics: false });
  sink.write(httpRecord());
  const text = await registry.metrics();
  const U = `${L},team="payments",cost_center="cc-42"`;
  for (const line of [
    `probe_success{${U}} 1`,
    `probe_duration_seconds{${U}} 0.25`,
    `probe_http_status_code{${U}} 200`,
    `probe_http_duration_seconds{${U},phase="resolve"} 0.002`,
    `probe_http_duration_seconds{${U},phase="connect"} 0.003`,
    `probe_http_duration_seconds{${U},phase="tls"} 0.04`,
    `probe_http_duration_seconds{${U},phase="processing"} 0.1`,
    `probe_http_duration_seconds{${U},phase="transfer"} 0.005`,
    `probe_http_redirects{${U}} 1`,
    `probe_http_ssl{${U}} 1`,
    `probe_http_version{${U}} 1.1`,
    `probe_http_content_length{${U}} 13`,
    `probe_failed_due_to_regex{${U}} 0`,
    `probe_ssl_earliest_cert_expiry{${U}} 1775001600`,
    `probe_ssl_last_chain_expiry_timestamp_seconds{${U}} 1775001600`,
    `probe_tls_version_info{${U},version="TLS 1.3"} 1`,
    `probe_dns_lookup_time_seconds{${U}} 0.002`,
    `probe_ip_protocol{${U}} 4`,
    `synthctl_monitor_up{${U}} 1`,
    `synthctl_monitor_status_changes_total{${U}} 0`,
    `synthctl_monitor_last_check_timestamp_seconds{${U}} 1767225600.25`,
    'synthctl_checks_total{monitor_type="http",result="up"} 1',
    'synthctl_checks_total{monitor_type="tcp",result="down"} 0',
    'synthctl_check_duration_seconds_bucket{le="0.25",monitor_type="http",result="up"} 1',
    'synthctl_check_duration_seconds_count{monitor_type="http",result="up"} 1',
  ]) {
    assert.ok(text.includes(`\n${line}\n`), `missing line: ${line}\n---\n${text}`);
  }
  assert.doesNotMatch(text, /never-a-label|secret=/);
  assert.doesNotMatch(text, /process_cpu/, 'process metrics were not asked for');
});

test('a non-final attempt counts as a check but sets no gauge; transitions are counted', async () => {
  const registry = new Registry();
  const sink = new PrometheusSink({ registry, processMetrics: false });
  sink.write(httpRecord({ labels: {} }));
  sink.write(
    httpRecord({
      labels: {},
      up: false,
      status: 'down',
      finalAttempt: false,
      attempt: 1,
      maxAttempts: 2,
      http: { statusCode: 503, redirects: 0 },
    }),
  );
  let text = await registry.metrics();
  assert.ok(text.includes(`\nprobe_success{${L}} 1\n`));
  assert.ok(text.includes(`\nprobe_http_status_code{${L}} 200\n`));
  assert.ok(text.includes('\nsynthctl_checks_total{monitor_type="http",result="down"} 1\n'));

  sink.write(
    httpRecord({
      labels: {},
      up: false,
      status: 'down',
      attempt: 2,
      maxAttempts: 2,
      ip: '::1',
      http: { statusCode: 503, redirects: 0, httpVersion: '2.0', finalUrl: 'http://[::1]/' },
      certificate: undefined as never,
      error: { type: 'validate', message: 'expected status 200, got 503' },
    }),
  );
  text = await registry.metrics();
  for (const line of [
    `probe_success{${L}} 0`,
    `synthctl_monitor_up{${L}} 0`,
    `probe_http_status_code{${L}} 503`,
    `probe_http_ssl{${L}} 0`,
    `probe_http_version{${L}} 2`,
    `probe_http_content_length{${L}} -1`,
    `probe_ip_protocol{${L}} 6`,
    `synthctl_monitor_status_changes_total{${L}} 1`,
  ]) {
    assert.ok(text.includes(`\n${line}\n`), `missing line: ${line}\n---\n${text}`);
  }
  assert.doesNotMatch(text, /probe_ssl_earliest_cert_expiry\{/, 'a stale certificate expiry stayed');
  assert.doesNotMatch(text, /probe_tls_version_info\{/);
});

test('icmp rtt and removal of every series of a removed monitor', async () => {
  const registry = new Registry();
  const sink = new PrometheusSink({ registry, processMetrics: false });
  sink.write(httpRecord({ labels: {} }));
  sink.write(
    makeRecord({
      monitorId: 'gw',
      monitorName: 'Gateway',
      monitorType: 'icmp',
      ip: '127.0.0.1',
      durationMs: 1.5,
      icmp: { sent: 1, received: 1, rttAvgMs: 0.5, loss: 0 },
    }),
  );
  let text = await registry.metrics();
  const G = 'monitor_id="gw",monitor_name="Gateway",monitor_type="icmp",location="local"';
  assert.ok(text.includes(`\nprobe_icmp_duration_seconds{${G},phase="rtt"} 0.0005\n`), text);
  assert.doesNotMatch(text, /probe_http_status_code\{monitor_id="gw"/, 'http metrics on an icmp monitor');

  sink.removeMonitor('shop-home');
  text = await registry.metrics();
  assert.doesNotMatch(text, /monitor_id="shop-home"/);
  assert.match(text, /probe_success\{monitor_id="gw"/);
  sink.removeMonitor('gw');
  text = await registry.metrics();
  assert.doesNotMatch(text, /monitor_id=/);
});

test('a renamed monitor does not leave its old series behind', async () => {
  const registry = new Registry();
  const sink = new PrometheusSink({ registry, processMetrics: false });
  sink.write(httpRecord({ labels: {} }));
  sink.write(httpRecord({ labels: {}, monitorName: 'Shop front page' }));
  const text = await registry.metrics();
  assert.doesNotMatch(text, /monitor_name="Shop home"/);
  assert.match(text, /probe_success\{[^}]*monitor_name="Shop front page"/);
});

test('user labels are sanitized and bounded; reserved or colliding names are rejected', () => {
  assert.equal(sanitizeLabelName('cost-center'), 'cost_center');
  assert.equal(sanitizeLabelName('9lives'), '_9lives');
  assert.equal(blackboxTlsVersion('TLSv1.2'), 'TLS 1.2');
  assert.equal(blackboxTlsVersion('TLSv1'), 'TLS 1.0');
  const registry = new Registry();
  assert.throws(
    () =>
      new PrometheusSink({
        registry,
        userLabels: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'],
        processMetrics: false,
      }),
    (e: unknown) => e instanceof InvalidMetricLabelError && /at most 8 monitor labels/.test(e.message),
  );
  assert.throws(
    () => new PrometheusSink({ registry: new Registry(), userLabels: ['monitor-id'], processMetrics: false }),
    /reserved/,
  );
  assert.throws(
    () => new PrometheusSink({ registry: new Registry(), userLabels: ['a-b', 'a_b'], processMetrics: false }),
    /both become metric label a_b/,
  );
});

test('process metrics go to the injected registry; the exposition passes promtool when installed', async (t) => {
  const registry = new Registry();
  const sink = new PrometheusSink({ registry, userLabels: ['team'] });
  sink.write(httpRecord());
  const text = await registry.metrics();
  assert.match(text, /\nprocess_cpu_user_seconds_total \d/);
  let promtool = true;
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  } catch {
    promtool = false;
  }
  if (!promtool) {
    t.skip('promtool not installed');
    return;
  }
  // `check metrics` lints names and format; it exits 1 on lint warnings too, so look for errors.
  try {
    execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const out =
      String((err as { stdout?: Buffer }).stdout ?? '') + String((err as { stderr?: Buffer }).stderr ?? '');
    assert.doesNotMatch(out, /error while linting|parse error/i, out);
  }
});
