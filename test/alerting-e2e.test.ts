/**
 * End to end alerting: a synthctl runner checks a local HTTP target, Debian's Prometheus
 * scrapes it and evaluates MonitorDown from observability/prometheus/rules.yml, Debian's
 * Alertmanager routes the alert to a webhook receiver on loopback. The target then goes down
 * and the test waits (bounded) for the firing MonitorDown to arrive at the webhook.
 *
 * The rules file Prometheus loads is derived from the real one: the same groups and alert
 * expressions, evaluated every second, with MonitorDown's `for` cut from 3m to 1s (the only
 * change; the test asserts the expression is the committed one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { runLocal } from '../src/runner/local-run.js';
import { buildDashboards } from '../observability/dashboards/index.js';
import { freePort, hasPrometheus, startPrometheus } from './support/prometheus.js';
import {
  PLANNED_METRICS,
  RULES_FILE,
  metricNames,
  recordedNames,
  type Rule,
} from './observability-support.js';

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
const MONITOR_NAME = 'e2e-orders';
/** The journey id synthctl derives: `<namespace>-<metadata.name>`, namespace `default` outside a cluster. */
const MONITOR_ID = `default-${MONITOR_NAME}`;
/** Shortened `for` of MonitorDown in the derived rules file. */
const SHORT_FOR = '1s';

interface WebhookPayload {
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Polls `probe` every 500 ms until it returns a value, at most `ms`; fails with `what`. */
async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`, { cause: lastError });
}

/** The real rules with every group evaluated each second and MonitorDown's `for` shortened. */
async function deriveTestRules(): Promise<{ text: string; original: Rule; derived: Rule }> {
  const rules = parse(await readFile(RULES_FILE, 'utf8')) as {
    groups: { interval?: string; rules: Rule[] }[];
  };
  let original: Rule | undefined;
  let derived: Rule | undefined;
  for (const group of rules.groups) {
    group.interval = '1s';
    for (const rule of group.rules) {
      if (rule.alert !== 'MonitorDown') continue;
      original = { ...rule };
      rule.for = SHORT_FOR;
      derived = rule;
    }
  }
  assert.ok(original !== undefined && derived !== undefined, 'rules.yml has no MonitorDown');
  return { text: stringify(rules), original, derived };
}

/** Starts Alertmanager with a webhook receiver and 1 s grouping; returns host:port and a stop. */
async function startAlertmanager(
  dir: string,
  webhookUrl: string,
): Promise<{ address: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const config = {
    route: {
      receiver: 'webhook',
      group_by: ['alertname', 'monitor_id', 'location'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  };
  await writeFile(join(dir, 'alertmanager.yml'), stringify(config));
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor('Alertmanager /-/ready', 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}: ${stderr}`);
      const res = await fetch(`http://127.0.0.1:${port}/-/ready`);
      await res.body?.cancel();
      return res.ok ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { address: `127.0.0.1:${port}`, stop };
}

test(
  'MonitorDown fires when a checked target goes down and reaches a webhook through Alertmanager',
  {
    skip:
      (!hasPrometheus() && 'prometheus is not installed (scripts/setup.sh installs it)') ||
      (!existsSync(ALERTMANAGER_BIN) &&
        'prometheus-alertmanager is not installed (scripts/setup.sh installs it)'),
    timeout: 240_000,
  },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'synthctl-alerting-'));
    t.after(() => rm(dir, { recursive: true, force: true }));

    // The target: healthy until the test closes it.
    const target = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
    const targetPort = await listen(target);
    t.after(() => close(target));

    // The webhook receiver Alertmanager delivers to.
    const received: WebhookPayload[] = [];
    const webhook = createServer((req, res) => {
      body(req).then(
        (text) => {
          received.push(JSON.parse(text) as WebhookPayload);
          res.writeHead(200).end();
        },
        () => res.writeHead(400).end(),
      );
    });
    const webhookPort = await listen(webhook);
    t.after(() => close(webhook));

    // The runner, checking the target every 2 s.
    await writeFile(
      join(dir, 'orders.yaml'),
      [
        'apiVersion: synthctl.dev/v1alpha1',
        'kind: SyntheticMonitor',
        'metadata:',
        `  name: ${MONITOR_NAME}`,
        'spec:',
        '  name: E2E orders',
        '  schedule: 2s',
        '  timeout: 1s',
        '  retestOnFailure: false',
        '  http:',
        `    url: http://127.0.0.1:${targetPort}/health`,
        '',
      ].join('\n'),
    );
    const runnerPort = await freePort();
    const controller = new AbortController();
    const stderr: string[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const running = runLocal({
      paths: [dir],
      cwd: dir,
      env: {},
      db: false,
      watch: false,
      signal: controller.signal,
      stdout: { write: () => true },
      stderr: { write: (s: string) => stderr.push(s) },
      listen: { host: '127.0.0.1', port: runnerPort },
      onReady: () => {
        ready();
      },
    });
    t.after(async () => {
      controller.abort();
      await running;
    });
    await Promise.race([
      isReady,
      running.then((code) => {
        throw new Error(`runner exited with ${code}: ${stderr.join('')}`);
      }),
      sleep(30_000).then(() => {
        throw new Error('runner not ready in 30 s');
      }),
    ]);

    // Cross-check: every runner metric the dashboards query is in a real scrape of the runner.
    const scrape = await (await fetch(`http://127.0.0.1:${runnerPort}/metrics`)).text();
    const exposed = new Set<string>();
    for (const m of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exposed.add(m[1]!);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exposed.add(`${m[1]!}${s}`);
    }
    const recorded = recordedNames();
    const missing = new Set<string>();
    for (const board of buildDashboards().values()) {
      for (const panel of board.panels ?? []) {
        for (const target of (panel as { targets?: { expr?: string }[] }).targets ?? []) {
          for (const name of metricNames(target.expr ?? '')) {
            // Operator metrics come from `synthctl operator`, not from the runner.
            const operator = /^(controller_runtime_|workqueue_|synthctl_kibana_|synthctl_project_)/.test(
              name,
            );
            if (operator || name === 'up' || recorded.has(name) || PLANNED_METRICS.has(name)) continue;
            if (!exposed.has(name)) missing.add(name);
          }
        }
      }
    }
    assert.deepEqual([...missing], [], 'dashboard metrics absent from the runner /metrics');

    const alertmanager = await startAlertmanager(dir, `http://127.0.0.1:${webhookPort}/alerts`);
    t.after(() => alertmanager.stop());

    const rules = await deriveTestRules();
    assert.equal(rules.derived.expr, rules.original.expr, 'the alert expression is the committed one');
    assert.equal(rules.original.for, '3m');
    await writeFile(join(dir, 'rules.yml'), rules.text);
    const prometheus = await startPrometheus([`127.0.0.1:${runnerPort}`], undefined, {
      job: 'synthctl-runner',
      ruleFiles: [join(dir, 'rules.yml')],
      alertmanagers: [alertmanager.address],
    });
    t.after(() => prometheus.stop());

    let last = '';
    await waitFor('probe_success 1 in Prometheus', 60_000, async () => {
      const r = await prometheus.query(`probe_success{monitor_id="${MONITOR_ID}"} or up`);
      const api = await (await fetch(`http://127.0.0.1:${runnerPort}/api/monitors`)).text();
      last = `${JSON.stringify(r)} ${api}`;
      return r.some((s) => s.metric['__name__'] === 'probe_success' && s.value[1] === '1') ? r : undefined;
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}; last: ${last}`);
    });
    assert.deepEqual(await prometheus.query('ALERTS{alertname="MonitorDown"}'), []);

    // The target goes down.
    await close(target);

    const alert = await waitFor('a firing MonitorDown at the webhook', 90_000, () =>
      Promise.resolve(
        received
          .filter((p) => p.status === 'firing')
          .flatMap((p) => p.alerts)
          .find((a) => a.labels['alertname'] === 'MonitorDown' && a.status === 'firing'),
      ),
    );
    assert.equal(alert.labels['monitor_id'], MONITOR_ID);
    assert.equal(alert.labels['monitor_name'], 'E2E orders');
    assert.equal(alert.labels['monitor_type'], 'http');
    assert.equal(alert.labels['location'], 'local');
    assert.equal(alert.labels['severity'], 'critical');
    assert.equal(alert.labels['job'], 'synthctl-runner');
    assert.equal(alert.annotations['summary'], 'Monitor E2E orders is down in local');
    assert.match(alert.annotations['runbook_url'] ?? '', /\/docs\/runbooks\/monitor-down\.md$/);
    assert.equal(received[0]?.receiver, 'webhook');
    // Prometheus agrees it is firing.
    const alerts = await prometheus.query('ALERTS{alertname="MonitorDown", alertstate="firing"}');
    assert.equal(alerts[0]?.metric['monitor_id'], MONITOR_ID);
  },
);
