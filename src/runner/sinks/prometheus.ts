/**
 * Prometheus metrics of results, with blackbox_exporter's metric names (prober/http.go,
 * prober/tls.go, prober/icmp.go) so existing dashboards and alerts keep working. Blackbox
 * exposes one probe per scrape; we expose one series per monitor, identified by `monitor_id`,
 * `monitor_name`, `monitor_type`, `location`, plus a bounded allowlist of the monitor's own
 * labels. Only final attempts set gauges (a retested failure is not an outage). Every metric
 * lives on the injected registry; series of removed monitors are removed.
 */
import { isIP } from 'node:net';
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { MONITOR_TYPES } from '../../model/schema.js';
import type { ResultRecord, ResultSink } from '../result.js';
import { BrowserStepMetrics } from '../../checks/browser-metrics.js';

const BASE_LABELS = ['monitor_id', 'monitor_name', 'monitor_type', 'location'] as const;
const RESERVED = new Set<string>([
  ...BASE_LABELS,
  'phase',
  'version',
  'result',
  'job',
  'instance',
  'le',
  'quantile',
  // Labels of the browser step series (checks/browser-metrics.ts).
  'step',
  'step_index',
  'status',
]);
/** Phases of `probe_http_duration_seconds`, as blackbox_exporter names them. */
export const HTTP_PHASES = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;
/** The most monitor labels that may become metric labels. */
export const MAX_USER_LABELS = 8;
const MAX_LABEL_VALUE = 128;

/** Histogram buckets of `synthctl_check_duration_seconds` (16 s is Elastic's default timeout). */
export const CHECK_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16, 30, 60];

/** The registry and the label allowlist. */
export interface PrometheusSinkOptions {
  registry: Registry;
  /**
   * Keys of monitor `labels` to copy onto every per-monitor series (e.g. `team`), sanitized to
   * Prometheus label names. Bounded: at most `MAX_USER_LABELS`, because every key multiplies
   * nothing but adds a label that every dashboard query carries.
   */
  userLabels?: readonly string[];
  /** Registers process metrics (`process_*`, `nodejs_*`) on the registry (default true). */
  processMetrics?: boolean;
}

/** A `userLabels` entry that cannot become a Prometheus label. */
export class InvalidMetricLabelError extends Error {
  override readonly name = 'InvalidMetricLabelError';
  readonly label: string;
  constructor(label: string, message: string) {
    super(message);
    this.label = label;
  }
}

/** `team-name` → `team_name`; `1x` → `_1x`. */
export function sanitizeLabelName(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return name;
}

type Labels = Record<string, string>;

/**
 * What the sink keeps per monitor: the label objects of its series, built once, so a result
 * costs prom-client's own hashing and nothing more (no label object or spread per set), and
 * whether it has TLS series, so a monitor that never had a certificate costs no `remove`.
 */
interface SeriesState {
  labels: Labels;
  /** `labels` plus `phase`, one per `HTTP_PHASES` entry, built on the first HTTP result. */
  httpPhases?: Labels[];
  /** `labels` plus `phase` for `resolve` and `rtt`, built on the first ICMP result. */
  icmpPhases?: [Labels, Labels];
  /** The `probe_tls_version_info` labels of the series that exists, if one does. */
  tlsVersionLabels?: Labels;
  tlsVersion?: string;
  /** Whether the certificate expiry series exist. */
  hasCertificate: boolean;
  lastUp?: boolean;
}

/** Blackbox-compatible per-monitor metrics plus synthctl check counters. */
export class PrometheusSink implements ResultSink {
  readonly name = 'prometheus';
  readonly #userLabels: { key: string; label: string }[];
  readonly #series = new Map<string, SeriesState>();
  readonly #gauges: Gauge[] = [];
  readonly #phaseGauges: { gauge: Gauge; phases: readonly string[] }[] = [];

  readonly #success: Gauge;
  readonly #duration: Gauge;
  readonly #dnsLookup: Gauge;
  readonly #ipProtocol: Gauge;
  readonly #httpStatus: Gauge;
  readonly #httpDuration: Gauge;
  readonly #httpRedirects: Gauge;
  readonly #httpSsl: Gauge;
  readonly #httpVersion: Gauge;
  readonly #httpContentLength: Gauge;
  readonly #failedRegex: Gauge;
  readonly #sslEarliest: Gauge;
  readonly #sslLastChain: Gauge;
  readonly #tlsVersion: Gauge;
  readonly #icmpDuration: Gauge;
  readonly #monitorUp: Gauge;
  readonly #lastCheck: Gauge;
  readonly #statusChanges: Counter;
  readonly #checkDuration: Histogram<'monitor_type' | 'result'>;
  readonly #checks: Counter<'monitor_type' | 'result'>;
  readonly #browserSteps: BrowserStepMetrics;
  /** `{monitor_type, result}` label objects of the per-attempt counters, built once each. */
  readonly #attemptLabels = new Map<string, { up: Labels; down: Labels }>();

  constructor(options: PrometheusSinkOptions) {
    const registry = options.registry;
    this.#userLabels = validateUserLabels(options.userLabels ?? []);
    const names = [...BASE_LABELS, ...this.#userLabels.map((u) => u.label)];
    const gauge = (name: string, help: string): Gauge => {
      const g = new Gauge({ name, help, labelNames: names, registers: [registry] });
      this.#gauges.push(g);
      return g;
    };
    const phased = (name: string, help: string, extra: string, phases: readonly string[]): Gauge => {
      const g = new Gauge({ name, help, labelNames: [...names, extra], registers: [registry] });
      this.#phaseGauges.push({ gauge: g, phases });
      return g;
    };
    this.#success = gauge('probe_success', 'Whether the last final attempt succeeded (1) or failed (0).');
    this.#duration = gauge('probe_duration_seconds', 'Duration of the last final attempt, in seconds.');
    this.#dnsLookup = gauge('probe_dns_lookup_time_seconds', 'DNS lookup time of the last final attempt.');
    this.#ipProtocol = gauge(
      'probe_ip_protocol',
      'IP protocol of the checked address: 4, 6, or 0 if unknown.',
    );
    this.#httpStatus = gauge('probe_http_status_code', 'HTTP status code of the final response (0 if none).');
    this.#httpDuration = phased(
      'probe_http_duration_seconds',
      'Duration of HTTP request phases summed over all redirects, in seconds.',
      'phase',
      HTTP_PHASES,
    );
    this.#httpRedirects = gauge('probe_http_redirects', 'Number of redirects followed.');
    this.#httpSsl = gauge('probe_http_ssl', 'Whether the final request used TLS (1) or not (0).');
    this.#httpVersion = gauge('probe_http_version', 'HTTP version of the final response (1.1, 2).');
    this.#httpContentLength = gauge(
      'probe_http_content_length',
      'Content length of the response (-1 if unknown).',
    );
    this.#failedRegex = gauge('probe_failed_due_to_regex', 'Whether a body regular expression check failed.');
    this.#sslEarliest = gauge(
      'probe_ssl_earliest_cert_expiry',
      'Earliest expiry of the presented certificate chain, in Unix seconds.',
    );
    // With one presented chain this equals the earliest expiry of that chain; blackbox computes
    // it over verified chains, which the checks do not report separately.
    this.#sslLastChain = gauge(
      'probe_ssl_last_chain_expiry_timestamp_seconds',
      'Earliest expiry of the last certificate chain, in Unix seconds.',
    );
    this.#tlsVersion = phased(
      'probe_tls_version_info',
      'The negotiated TLS version (value 1).',
      'version',
      [],
    );
    this.#icmpDuration = phased(
      'probe_icmp_duration_seconds',
      'Duration of ICMP phases, in seconds (rtt is the average round trip).',
      'phase',
      ['resolve', 'rtt'],
    );
    this.#monitorUp = gauge(
      'synthctl_monitor_up',
      'Whether the monitor is up (1) or down (0) per its last final attempt.',
    );
    this.#lastCheck = gauge(
      'synthctl_monitor_last_check_timestamp_seconds',
      'When the last final attempt ended, in Unix seconds (alert on staleness).',
    );
    this.#statusChanges = new Counter({
      name: 'synthctl_monitor_status_changes_total',
      help: 'Up/down transitions of the monitor, from final attempts.',
      labelNames: names,
      registers: [registry],
    });
    this.#checkDuration = new Histogram({
      name: 'synthctl_check_duration_seconds',
      help: 'Duration of check attempts (retests included), in seconds.',
      labelNames: ['monitor_type', 'result'],
      buckets: CHECK_DURATION_BUCKETS,
      registers: [registry],
    });
    this.#checks = new Counter({
      name: 'synthctl_checks_total',
      help: 'Check attempts (retests included), by result.',
      labelNames: ['monitor_type', 'result'],
      registers: [registry],
    });
    for (const t of MONITOR_TYPES) {
      for (const result of ['up', 'down']) this.#checks.inc({ monitor_type: t, result }, 0);
    }
    this.#browserSteps = new BrowserStepMetrics({ registry, labelNames: names });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  write(r: ResultRecord): void {
    const result = r.status;
    const attemptLabels = this.#attemptLabelsOf(r.monitorType, result);
    this.#checks.inc(attemptLabels);
    this.#checkDuration.observe(attemptLabels, r.durationMs / 1000);
    if (!r.finalAttempt) return;

    let state = this.#series.get(r.monitorId);
    if (state !== undefined && !this.#hasLabelsOf(state.labels, r)) {
      // The name or a user label changed: the old series would linger forever.
      this.removeMonitor(r.monitorId);
      state = undefined;
    }
    if (state === undefined) {
      state = { labels: this.#labelsOf(r), hasCertificate: false };
      this.#series.set(r.monitorId, state);
      this.#statusChanges.inc(state.labels, 0);
    }
    const labels = state.labels;
    const up = r.status === 'up';
    if (state.lastUp !== undefined && state.lastUp !== up) this.#statusChanges.inc(labels);
    state.lastUp = up;

    this.#success.set(labels, up ? 1 : 0);
    this.#monitorUp.set(labels, up ? 1 : 0);
    this.#duration.set(labels, r.durationMs / 1000);
    this.#lastCheck.set(labels, Date.parse(r.endedAt) / 1000);
    this.#dnsLookup.set(labels, (r.timings?.resolve ?? 0) / 1000);
    const family = r.ip === undefined ? 0 : isIP(r.ip);
    this.#ipProtocol.set(labels, family);

    if (r.monitorType === 'http') this.#writeHttp(r, state);
    if (r.monitorType === 'browser') this.#browserSteps.write(r, labels);
    if (r.monitorType === 'icmp') {
      state.icmpPhases ??= [
        { ...labels, phase: 'resolve' },
        { ...labels, phase: 'rtt' },
      ];
      this.#icmpDuration.set(state.icmpPhases[0], (r.timings?.resolve ?? 0) / 1000);
      this.#icmpDuration.set(state.icmpPhases[1], (r.icmp?.rttAvgMs ?? 0) / 1000);
    }

    const cert = r.certificate;
    if (cert !== undefined) {
      this.#sslEarliest.set(labels, cert.earliestExpiry);
      this.#sslLastChain.set(labels, cert.earliestExpiry);
      state.hasCertificate = true;
    } else if (state.hasCertificate) {
      // Blackbox has no TLS series when there was no handshake; a stale expiry would mislead.
      this.#sslEarliest.remove(labels);
      this.#sslLastChain.remove(labels);
      state.hasCertificate = false;
    }
    const version = cert?.tlsVersion === undefined ? undefined : blackboxTlsVersion(cert.tlsVersion);
    if (state.tlsVersion !== version) {
      if (state.tlsVersionLabels !== undefined) this.#tlsVersion.remove(state.tlsVersionLabels);
      delete state.tlsVersionLabels;
      delete state.tlsVersion;
      if (version !== undefined) {
        state.tlsVersion = version;
        state.tlsVersionLabels = { ...labels, version };
      }
    }
    if (state.tlsVersionLabels !== undefined) this.#tlsVersion.set(state.tlsVersionLabels, 1);
  }

  /** Drops every series of the monitor. */
  removeMonitor(monitorId: string): void {
    const state = this.#series.get(monitorId);
    if (state === undefined) return;
    this.#series.delete(monitorId);
    const labels = state.labels;
    for (const g of this.#gauges) g.remove(labels);
    for (const { gauge, phases } of this.#phaseGauges) {
      for (const phase of phases) gauge.remove({ ...labels, phase });
    }
    if (state.tlsVersionLabels !== undefined) this.#tlsVersion.remove(state.tlsVersionLabels);
    this.#statusChanges.remove(labels);
    this.#browserSteps.remove(monitorId);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #writeHttp(r: ResultRecord, state: SeriesState): void {
    const labels = state.labels;
    const http = r.http;
    this.#httpStatus.set(labels, http?.statusCode ?? 0);
    state.httpPhases ??= HTTP_PHASES.map((phase) => ({ ...labels, phase }));
    for (let i = 0; i < HTTP_PHASES.length; i++) {
      this.#httpDuration.set(state.httpPhases[i]!, (r.timings?.[HTTP_PHASES[i]!] ?? 0) / 1000);
    }
    this.#httpRedirects.set(labels, http?.redirects ?? 0);
    const finalUrl = http?.finalUrl;
    const ssl = finalUrl !== undefined ? finalUrl.startsWith('https:') : r.certificate !== undefined;
    this.#httpSsl.set(labels, ssl ? 1 : 0);
    this.#httpVersion.set(labels, parseHttpVersion(http?.httpVersion));
    this.#httpContentLength.set(labels, http?.statusCode === undefined ? 0 : (http.contentLength ?? -1));
    this.#failedRegex.set(labels, http?.failedDueToRegex === true ? 1 : 0);
  }

  #attemptLabelsOf(monitorType: ResultRecord['monitorType'], result: ResultRecord['status']): Labels {
    let byResult = this.#attemptLabels.get(monitorType);
    if (byResult === undefined) {
      byResult = {
        up: { monitor_type: monitorType, result: 'up' },
        down: { monitor_type: monitorType, result: 'down' },
      };
      this.#attemptLabels.set(monitorType, byResult);
    }
    return byResult[result];
  }

  /** Whether `labels` are still the series labels of the record's monitor (no new object). */
  #hasLabelsOf(labels: Labels, r: ResultRecord): boolean {
    if (
      labels.monitor_name !== r.monitorName ||
      labels.monitor_type !== r.monitorType ||
      labels.location !== r.location
    )
      return false;
    for (const { key, label } of this.#userLabels) {
      if (labels[label] !== userLabelValue(r.labels[key])) return false;
    }
    return true;
  }

  #labelsOf(r: ResultRecord): Labels {
    const labels: Labels = {
      monitor_id: r.monitorId,
      monitor_name: r.monitorName,
      monitor_type: r.monitorType,
      location: r.location,
    };
    for (const { key, label } of this.#userLabels) {
      labels[label] = userLabelValue(r.labels[key]);
    }
    return labels;
  }
}

function validateUserLabels(keys: readonly string[]): { key: string; label: string }[] {
  if (keys.length > MAX_USER_LABELS) {
    throw new InvalidMetricLabelError(
      keys[MAX_USER_LABELS] ?? '',
      `at most ${MAX_USER_LABELS} monitor labels can become metric labels, got ${keys.length}: ${keys.join(', ')}`,
    );
  }
  const seen = new Map<string, string>();
  return keys.map((key) => {
    const label = sanitizeLabelName(key);
    if (label === '' || label.startsWith('__') || RESERVED.has(label)) {
      throw new InvalidMetricLabelError(
        key,
        `monitor label ${JSON.stringify(key)} cannot be a metric label: ${JSON.stringify(label)} is reserved; valid are names other than ${[...RESERVED].join(', ')} not starting with __`,
      );
    }
    const other = seen.get(label);
    if (other !== undefined) {
      throw new InvalidMetricLabelError(
        key,
        `monitor labels ${JSON.stringify(other)} and ${JSON.stringify(key)} both become metric label ${label}`,
      );
    }
    seen.set(label, key);
    return { key, label };
  });
}

/** Node's `TLSv1.3` → blackbox's `TLS 1.3` (Go `tls.VersionName`). */
export function blackboxTlsVersion(version: string): string {
  const m = /^TLSv?(\d(?:\.\d)?)$/i.exec(version.trim());
  return m === null ? version : `TLS ${m[1]!.includes('.') ? m[1]! : `${m[1]!}.0`}`;
}

function parseHttpVersion(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v.replace(/^HTTP\//i, ''));
  return Number.isFinite(n) ? n : 0;
}

function userLabelValue(value: string | undefined): string {
  if (value === undefined) return '';
  return value.length > MAX_LABEL_VALUE ? value.slice(0, MAX_LABEL_VALUE) : value;
}
