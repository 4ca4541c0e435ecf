/**
 * Structure of the dashboards, rules and Alertmanager example: every panel queries something
 * that exists, ids and variables are consistent, every alert has a runbook and a promtool test,
 * and promtool/amtool accept the files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from '../scripts/generate.js';
import { buildDashboards, renderDashboards } from '../observability/dashboards/index.js';
import {
  ALERTMANAGER_FILE,
  PLANNED_METRICS,
  RULES_FILE,
  RULES_TEST_FILE,
  knownMetricNames,
  loadRules,
  metricNames,
  runbookName,
  variableMetricNames,
} from './observability-support.js';

const run = promisify(execFile);
const PROMTOOL = '/usr/bin/promtool';
const AMTOOL = '/usr/bin/amtool';

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { uid?: string };
  targets?: Target[];
  gridPos?: { x: number; y: number; w: number; h: number };
}
interface Board {
  uid?: string;
  title: string;
  panels?: Panel[];
  templating?: { list?: { name: string; query?: unknown; type: string }[] };
}

const boards = [...buildDashboards()].map(([name, b]) => [name, b as unknown as Board] as const);

test('metricNames finds selected metrics, not functions, labels, keywords or variables', () => {
  assert.deepEqual(
    [
      ...metricNames(
        'histogram_quantile(0.99, sum by (le, instance) (rate(foo_bucket{a="b c", d=~"$x"}[$__rate_interval]))) > on (x) group_left () bar:baz or vector(1) and up offset 5m',
      ),
    ].sort(),
    ['bar:baz', 'foo_bucket', 'up'],
  );
});

test('dashboards: unique uids, panel ids, refIds; every panel queries the datasource variable', () => {
  const uids = new Set<string>();
  for (const [name, board] of boards) {
    assert.ok(board.uid !== undefined && !uids.has(board.uid), `${name}: uid`);
    uids.add(board.uid);
    const panels = board.panels ?? [];
    assert.ok(panels.length >= 5, `${name}: ${panels.length} panels`);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${name}: duplicate panel ids ${JSON.stringify(ids)}`);
    assert.ok(
      ids.every((id) => typeof id === 'number' && id > 0),
      `${name}: panel without id`,
    );
    for (const panel of panels) {
      if (panel.type === 'row') continue;
      const where = `${name} / ${panel.title ?? '?'}`;
      assert.equal(panel.datasource?.uid, '${datasource}', `${where}: datasource`);
      const targets = panel.targets ?? [];
      assert.ok(targets.length > 0, `${where}: no query`);
      const refIds = targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${where}: refIds`);
      for (const t of targets) {
        assert.ok(typeof t.expr === 'string' && t.expr.trim() !== '', `${where}: empty expr`);
        assert.equal(t.datasource?.uid, '${datasource}', `${where}: target datasource`);
      }
    }
  }
});

test('dashboards: panels do not overlap and fit the 24-column grid', () => {
  for (const [name, board] of boards) {
    const cells = new Map<string, string>();
    for (const panel of board.panels ?? []) {
      const g = panel.gridPos;
      assert.ok(g !== undefined, `${name} / ${panel.title ?? '?'}: gridPos`);
      assert.ok(g.x >= 0 && g.x + g.w <= 24, `${name} / ${panel.title ?? '?'}: outside the grid`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const other = cells.get(`${x},${y}`);
          assert.equal(other, undefined, `${name}: ${panel.title ?? '?'} overlaps ${other ?? ''}`);
          cells.set(`${x},${y}`, panel.title ?? '?');
        }
      }
    }
  }
});

test('dashboards: every variable used is defined, every variable defined is used', () => {
  for (const [name, board] of boards) {
    const defined = new Set((board.templating?.list ?? []).map((v) => v.name));
    assert.ok(defined.has('datasource'), `${name}: datasource variable`);
    const text = JSON.stringify(board.panels) + JSON.stringify(board.templating);
    const used = new Set(
      [...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!).filter((v) => !v.startsWith('__')),
    );
    for (const v of used) assert.ok(defined.has(v), `${name}: $${v} is not a variable`);
    for (const v of defined) assert.ok(used.has(v), `${name}: variable ${v} is never used`);
  }
});

test('dashboards and rules select only metrics synthctl exports, rules record, or are planned', async () => {
  const known = await knownMetricNames();
  const unknown: string[] = [];
  const planned = new Set<string>();
  const check = (where: string, expr: string, names = metricNames(expr)): void => {
    for (const name of names) {
      if (!known.has(name)) unknown.push(`${where}: ${name}`);
      if (PLANNED_METRICS.has(name)) planned.add(name);
    }
  };
  for (const [name, board] of boards) {
    for (const panel of board.panels ?? []) {
      for (const t of panel.targets ?? []) check(`${name} / ${panel.title ?? '?'}`, t.expr ?? '');
    }
    for (const v of board.templating?.list ?? []) {
      if (v.type === 'query' && typeof v.query === 'string')
        check(`${name} $${v.name}`, v.query, variableMetricNames(v.query));
    }
  }
  for (const group of loadRules().groups) {
    for (const rule of group.rules) check(`rules ${rule.alert ?? rule.record ?? '?'}`, rule.expr);
  }
  assert.deepEqual(unknown, []);
  // Planned names stay listed only while something uses them.
  assert.deepEqual([...planned].sort(), [...PLANNED_METRICS].sort());
});

test('every alert: severity, summary, description, a runbook that exists, a promtool test', () => {
  const rules = loadRules();
  const tested = new Set(
    (
      parse(readFileSync(RULES_TEST_FILE, 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string }[] }[];
      }
    ).tests
      .flatMap((t) => t.alert_rule_test ?? [])
      .map((a) => a.alertname),
  );
  const alerts = rules.groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined));
  const names = new Set(alerts.map((a) => a.alert!));
  for (const required of [
    'MonitorDown',
    'MonitorFlapping',
    'TLSCertificateExpiring',
    'HighLatency',
    'RunnerDown',
    'SchedulerLagging',
    'OperatorSyncFailing',
    'KibanaDrift',
    'MonitorErrorBudgetBurnFast',
    'MonitorErrorBudgetBurnSlow',
  ]) {
    assert.ok(names.has(required), `missing alert ${required}`);
  }
  for (const a of alerts) {
    const name = a.alert!;
    assert.match(a.labels?.['severity'] ?? '', /^(critical|warning)$/, `${name}: severity`);
    assert.ok((a.annotations?.['summary'] ?? '') !== '', `${name}: summary`);
    assert.ok((a.annotations?.['description'] ?? '') !== '', `${name}: description`);
    const url = a.annotations?.['runbook_url'] ?? '';
    const file = `docs/runbooks/${runbookName(name)}.md`;
    assert.ok(url.endsWith(`/${file}`), `${name}: runbook_url ${url} should end with ${file}`);
    assert.ok(existsSync(join(REPO_ROOT, file)), `${file} is missing`);
    const runbook = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const section of ['## Meaning', '## Check', '## Fix']) {
      assert.ok(runbook.includes(section), `${file}: section ${section}`);
    }
    assert.ok(tested.has(name), `${name} has no alert_rule_test in rules_test.yml`);
  }
  // TLS expiry alerts at 14 and 3 days.
  const tls = alerts.filter((a) => a.alert === 'TLSCertificateExpiring').map((a) => a.expr);
  assert.ok(tls.some((e) => e.includes('< 14')) && tls.some((e) => e.includes('< 3')));
});

test(
  'promtool check rules and test rules',
  { skip: !existsSync(PROMTOOL) && 'promtool is not installed (scripts/setup.sh installs prometheus)' },
  async () => {
    const check = await run(PROMTOOL, ['check', 'rules', RULES_FILE]);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
    const unit = await run(PROMTOOL, ['test', 'rules', RULES_TEST_FILE]);
    assert.match(unit.stdout, /SUCCESS/);
  },
);

test(
  'promtool test rules fails when an expectation is wrong (the tests can fail)',
  {
    skip: !existsSync(PROMTOOL) && 'promtool is not installed (scripts/setup.sh installs prometheus)',
  },
  async (t) => {
    const { mkdtemp, rm, writeFile, copyFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'synthctl-promtool-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await copyFile(RULES_FILE, join(dir, 'rules.yml'));
    const broken = readFileSync(RULES_TEST_FILE, 'utf8').replace('eval_time: 7m', 'eval_time: 15m');
    assert.notEqual(broken, readFileSync(RULES_TEST_FILE, 'utf8'));
    await writeFile(join(dir, 'rules_test.yml'), broken);
    await assert.rejects(
      run(PROMTOOL, ['test', 'rules', join(dir, 'rules_test.yml')]),
      (err: { stdout?: string; stderr?: string }) => {
        assert.match(`${err.stdout ?? ''}${err.stderr ?? ''}`, /FAILED[\s\S]*MonitorDown/);
        return true;
      },
    );
  },
);

test(
  'amtool: the Alertmanager example is valid and routes by team and severity',
  {
    skip:
      !existsSync(AMTOOL) && 'amtool is not installed (scripts/setup.sh installs prometheus-alertmanager)',
  },
  async () => {
    const check = await run(AMTOOL, ['check-config', ALERTMANAGER_FILE]);
    assert.match(check.stdout, /SUCCESS/);
    const route = async (...labels: string[]): Promise<string> =>
      (
        await run(AMTOOL, ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_FILE}`, ...labels])
      ).stdout.trim();
    assert.equal(await route('team=payments', 'severity=critical'), 'payments-pagerduty,payments-slack');
    assert.equal(await route('team=payments', 'severity=warning'), 'payments-slack-email');
    assert.equal(
      await route('team=synthctl-platform', 'severity=critical'),
      'platform-pagerduty,platform-slack',
    );
    assert.equal(await route('team=synthctl-platform', 'severity=warning'), 'platform-slack');
    assert.equal(await route('severity=critical', 'alertname=MonitorDown'), 'oncall-pagerduty,oncall-slack');
    assert.equal(await route('severity=warning', 'alertname=HighLatency'), 'oncall-email,oncall-slack');
  },
);

test('the Alertmanager example holds no inline secret, only *_file references', () => {
  const text = readFileSync(ALERTMANAGER_FILE, 'utf8');
  for (const key of [
    'api_url',
    'routing_key',
    'service_key',
    'auth_password',
    'smtp_auth_password',
    'slack_api_url',
  ]) {
    assert.doesNotMatch(text, new RegExp(`^\\s*-?\\s*${key}:`, 'm'), `${key} must be ${key}_file`);
  }
  assert.match(text, /routing_key_file:/);
  assert.match(text, /api_url_file:/);
  assert.match(text, /smtp_auth_password_file:/);
});

test('docs/observability.md lists every dashboard panel with its queries', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/observability.md'), 'utf8');
  const missing: string[] = [];
  for (const [name, board] of boards) {
    if (!doc.includes(`(\`${name}.json\``)) missing.push(`${name}.json`);
    for (const panel of board.panels ?? []) {
      if (
        !doc.includes(`| ${panel.title ?? '?'} |`) &&
        !doc.includes(`| **${panel.title ?? '?'}** (row) |`)
      ) {
        missing.push(`${name} / ${panel.title ?? '?'}`);
      }
      for (const t of panel.targets ?? []) {
        const expr = `\`${(t.expr ?? '').replace(/\|/g, '\\|')}\``;
        if (!doc.includes(expr)) missing.push(`${name} / ${panel.title ?? '?'}: ${t.expr ?? ''}`);
      }
    }
  }
  assert.deepEqual(missing, [], 'run the dashboard listing again (see docs/observability.md, Dashboards)');
});

test('the generated dashboard JSON is formatted as Prettier would (format:check stays green)', async () => {
  const prettier = await import('prettier');
  const config =
    (await prettier.resolveConfig(join(REPO_ROOT, 'observability/dashboards/overview.json'))) ?? {};
  for (const [path, text] of renderDashboards()) {
    assert.ok(
      await prettier.check(text, { ...config, filepath: join(REPO_ROOT, path) }),
      `${path} is not Prettier-formatted`,
    );
  }
});
