/**
 * synthctl's Grafana dashboards as code. `npm run generate` writes each as
 * `observability/dashboards/<name>.json` (scripts/generate.ts); test/generated-fresh.test.ts
 * fails when the committed JSON is stale.
 */
/* eslint-disable @typescript-eslint/no-deprecated -- the SDK deprecates the v1 dashboard model for v2,
   but v1 JSON (schemaVersion 42) is what file provisioning and the Grafana sidecar load everywhere. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { browserDashboard, httpDashboard, icmpDashboard, tcpDashboard } from './monitor-types.js';
import { overviewDashboard } from './overview.js';
import { synthctlDashboard } from './synthctl.js';

/** Every dashboard by file name (without `.json`). */
export function buildDashboards(): Map<string, Dashboard> {
  return new Map<string, Dashboard>([
    ['overview', overviewDashboard()],
    ['http', httpDashboard()],
    ['tcp', tcpDashboard()],
    ['icmp', icmpDashboard()],
    ['browser', browserDashboard()],
    ['synthctl', synthctlDashboard()],
  ]);
}

/** Repository-relative path → JSON text of every dashboard. */
export function renderDashboards(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, board] of buildDashboards()) {
    files.set(`observability/dashboards/${name}.json`, `${toJson(JSON.parse(JSON.stringify(board)))}\n`);
  }
  return files;
}

const PRINT_WIDTH = 110;

/**
 * JSON as Prettier (the repository's formatter, printWidth 110) prints it: objects expanded,
 * arrays of scalars on one line when they fit, so `prettier --check .` passes on the output.
 */
export function toJson(value: unknown, indent = '', prefix = 0, suffix = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const line = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
      if (prefix + line.length + suffix <= PRINT_WIDTH) return line;
    }
    const items = value.map(
      (v, i) => `${inner}${toJson(v, inner, inner.length, i < value.length - 1 ? 1 : 0)}`,
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v], i) => {
    const key = `${inner}${JSON.stringify(k)}: `;
    return `${key}${toJson(v, inner, key.length, i < entries.length - 1 ? 1 : 0)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
