/**
 * Helpers of the observability tests: metric names referenced by PromQL, the names synthctl's
 * code registers, and the rule and dashboard files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { REPO_ROOT } from '../scripts/generate.js';
import { PrometheusSink } from '../src/runner/sinks/prometheus.js';
import { SchedulerMetrics } from '../src/runner/scheduler-metrics.js';
import { OperatorMetrics } from '../src/operator/metrics.js';
import { KibanaRequestMetrics } from '../src/operator/kibana-metrics.js';
import { ResultPipeline } from '../src/runner/pipeline.js';
import { systemClock } from '../src/runner/clock.js';

export const RULES_FILE = join(REPO_ROOT, 'observability/prometheus/rules.yml');
export const RULES_TEST_FILE = join(REPO_ROOT, 'observability/prometheus/rules_test.yml');
export const ALERTMANAGER_FILE = join(REPO_ROOT, 'observability/alertmanager/alertmanager.yml');

/**
 * Metrics the rules and dashboards use that synthctl does not export yet: the operator's
 * Kibana client and drift gauge (docs/observability.md, "Metrics not exported yet").
 */
export const PLANNED_METRICS = new Set<string>([]);

/** Prometheus' own per-target series. */
const PROMETHEUS_METRICS = new Set(['up']);

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression selects (a tokenizer, not a parser: enough for our queries). */
export function metricNames(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return names;
}

/** Metric names of a Grafana `label_values(selector, label)` query (the label is not a metric). */
export function variableMetricNames(query: string): Set<string> {
  return metricNames(query.replace(/^\s*label_values\((.*),\s*\w+\s*\)\s*$/s, '$1'));
}

/** Names of the series the runner's and operator's registries expose (histograms expanded). */
export async function registeredMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  new PrometheusSink({ registry });
  new SchedulerMetrics(registry);
  new ResultPipeline({ sinks: [], clock: systemClock, location: 'test', registry });
  new OperatorMetrics(registry);
  new KibanaRequestMetrics(registry);
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
    }
  }
  return names;
}

interface RuleFile {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}
/** One recording or alerting rule. */
export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The parsed rules.yml. */
export function loadRules(path = RULES_FILE): RuleFile {
  return parse(readFileSync(path, 'utf8')) as RuleFile;
}

/** Names of recording rules, which queries may use like metrics. */
export function recordedNames(rules: RuleFile = loadRules()): Set<string> {
  return new Set(
    rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record === undefined ? [] : [r.record]))),
  );
}

/** Every name a query may select: registered, recorded, Prometheus' own and the planned ones. */
export async function knownMetricNames(): Promise<Set<string>> {
  return new Set([
    ...(await registeredMetricNames()),
    ...recordedNames(),
    ...PROMETHEUS_METRICS,
    ...PLANNED_METRICS,
  ]);
}

/** `MonitorErrorBudgetBurnFast` → `monitor-error-budget-burn-fast`; `TLSCertificateExpiring` → `tls-certificate-expiring`. */
export function runbookName(alert: string): string {
  return alert
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}
