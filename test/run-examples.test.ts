/**
 * `synthctl run` end to end on loopback: the example monitors against the demo target, a
 * real Prometheus scraping the runner, refusal of invalid input, and hot reload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLocal, type LocalRunOptions } from '../src/runner/local-run.js';
import { freePort, hasPrometheus, startPrometheus } from './support/prometheus.js';

const root = new URL('..', import.meta.url).pathname;

function capture() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    },
    text: () => text,
  };
}

function baseOptions(signal: AbortSignal): Omit<LocalRunOptions, 'paths' | 'stdout' | 'stderr'> {
  return { cwd: root, env: {}, signal, db: false, watch: false };
}

/** What each example is designed to show. */
const EXPECTED: Record<string, 'up' | 'down'> = {
  'Cache port': 'up',
  'Checkout (flaky upstream)': 'up',
  'Gateway ping': 'up',
  'Orders API health': 'up',
  'Orders API over TLS': 'up',
  'Orders read replica': 'down',
  'Orders status page (XML)': 'up',
  'Shop login': 'up',
};

test('run --once: every example monitor reports its designed status; exit 1 because one is down', async () => {
  const out = capture();
  const err = capture();
  const code = await runLocal({
    ...baseOptions(new AbortController().signal),
    paths: ['examples/monitors'],
    stdout: out.stream,
    stderr: err.stream,
    once: true,
    demo: true,
  });
  assert.equal(code, 1, out.text() + err.text());
  for (const [name, status] of Object.entries(EXPECTED)) {
    const line = out
      .text()
      .split('\n')
      .find((l) => l.startsWith(`${name} `));
    assert.ok(line, `no row for ${name} in\n${out.text()}`);
    assert.match(line, new RegExp(`\\b${status.toUpperCase()}\\b`), line);
  }
  // The flaky endpoint fails its first attempt and passes the retest (Elastic semantics).
  assert.match(out.text(), /Checkout \(flaky upstream\)\s+http\s+UP\s+2\/2/);
  assert.match(out.text(), /\$\.status was "degraded", expected "ok"/);
  assert.match(out.text(), /certificate 1[12] days left/);
  assert.doesNotMatch(err.text(), /skipped:/);
});

test('run refuses to start on invalid input and shows the diagnostics', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-run-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'bad.yaml'),
    'apiVersion: synthctl.dev/v1alpha1\nkind: SyntheticMonitor\nmetadata:\n  name: bad\nspec:\n  schedule: often\n  http:\n    url: http://127.0.0.1:1/\n',
  );
  const out = capture();
  const err = capture();
  const code = await runLocal({
    ...baseOptions(new AbortController().signal),
    cwd: dir,
    paths: ['.'],
    stdout: out.stream,
    stderr: err.stream,
  });
  assert.equal(code, 1);
  assert.match(err.text(), /nothing was started/);
  assert.match(err.text(), /bad\.yaml:6:13/);
  assert.match(err.text(), /spec\.schedule/);
});

test(
  'continuous run: Prometheus scrapes probe_success for every monitor',
  { skip: !hasPrometheus() && 'prometheus is not installed (scripts/setup.sh installs it)' },
  async (t) => {
    const port = await freePort();
    const controller = new AbortController();
    const out = capture();
    const err = capture();
    let ready!: (url: string) => void;
    const readyUrl = new Promise<string>((resolve) => {
      ready = resolve;
    });
    const running = runLocal({
      ...baseOptions(controller.signal),
      paths: ['examples/monitors'],
      stdout: out.stream,
      stderr: err.stream,
      demo: true,
      listen: { host: '127.0.0.1', port },
      onReady: (info) => {
        ready(info.url ?? '');
      },
    });
    t.after(async () => {
      controller.abort();
      await running;
    });
    const url = await readyUrl;
    assert.equal(url, `http://127.0.0.1:${port}`);
    const prometheus = await startPrometheus([`127.0.0.1:${port}`]);
    t.after(() => prometheus.stop());

    // Monitors are spread over their interval (up to 1 minute here); wait for every series.
    let series: { metric: Record<string, string>; value: [number, string] }[] = [];
    for (let i = 0; i < 120 && series.length < Object.keys(EXPECTED).length; i++) {
      await sleep(1000);
      series = await prometheus.query('probe_success{job="synthctl"}');
    }
    const byName = new Map(series.map((s) => [s.metric.monitor_name, s.value[1]]));
    for (const [name, status] of Object.entries(EXPECTED)) {
      assert.equal(
        byName.get(name),
        status === 'up' ? '1' : '0',
        `probe_success for ${name}: ${JSON.stringify([...byName])}`,
      );
    }
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const api = (await (await fetch(`${url}/api/monitors`)).json()) as {
      monitors: { monitorName: string; status: string }[];
    };
    assert.equal(api.monitors.length, Object.keys(EXPECTED).length);
    for (const state of api.monitors)
      assert.equal(state.status, EXPECTED[state.monitorName], state.monitorName);

    const stoppedAt = Date.now();
    controller.abort();
    assert.equal(await running, 0);
    assert.ok(Date.now() - stoppedAt < 5000, 'stops within 5 s');
  },
);

test('continuous run: a bad edit keeps the last good configuration, a good edit reloads', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-reload-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const monitor = (name: string, schedule: string) =>
    `apiVersion: synthctl.dev/v1alpha1\nkind: SyntheticMonitor\nmetadata:\n  name: ${name}\nspec:\n  schedule: ${schedule}\n  tcp:\n    host: 127.0.0.1:1\n`;
  await writeFile(join(dir, 'a.yaml'), monitor('a', '1m'));
  const controller = new AbortController();
  const err = capture();
  let ready!: () => void;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const running = runLocal({
    ...baseOptions(controller.signal),
    cwd: dir,
    paths: ['.'],
    stdout: capture().stream,
    stderr: err.stream,
    watch: true,
    listen: { host: '127.0.0.1', port: 0 },
    onReady: () => {
      ready();
    },
  });
  t.after(async () => {
    controller.abort();
    await running;
  });
  await started;

  await writeFile(join(dir, 'a.yaml'), monitor('a', 'sometimes'));
  for (let i = 0; i < 50 && !err.text().includes('reload refused'); i++) await sleep(100);
  assert.match(err.text(), /reload refused: the input is invalid; the last good configuration keeps running/);

  await writeFile(join(dir, 'b.yaml'), monitor('b', '30s'));
  await writeFile(join(dir, 'a.yaml'), monitor('a', '2m'));
  for (let i = 0; i < 50 && !/reloaded: 1 added, 1 changed/.test(err.text()); i++) await sleep(100);
  assert.match(err.text(), /reloaded: 1 added, 1 changed, 0 removed/);
});
