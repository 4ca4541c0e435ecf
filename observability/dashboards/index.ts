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
    files.set(`observability/dashboards/${name}.json`, `${JSON.stringify(board, null, 2)}\n`);
  }
  return files;
}
