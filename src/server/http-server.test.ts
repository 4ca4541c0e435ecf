import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { MonitorType } from '../model/schema.js';
import type { Check } from '../checks/types.js';
import { ManualClock } from '../runner/manual-clock.js';
import { Runner } from '../runner/runner.js';
import { HistoryStore, SqliteSink } from '../runner/sinks/sqlite.js';
import { RunnerHttpServer, ServerListenError } from './http-server.js';
import { FakeCheck, downOutcome, makeMonitor, upOutcome } from '../../test/runner-fakes.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function checks(...list: Check[]): Map<MonitorType, Check> {
  return new Map(list.map((c) => [c.type, c]));
}

test('serves metrics, health, readiness and the monitor API over loopback HTTP', async (t) => {
  const registry = new Registry();
  let calls = 0;
  const http = new FakeCheck('http', (m) =>
    Promise.resolve(m.id === 'api' && calls++ === 0 ? downOutcome() : upOutcome(42)),
  );
  const runner = new Runner({
    monitors: [
      makeMonitor('web', { name: 'Web' }),
      makeMonitor('api', { name: 'API', retestOnFailure: true }),
    ],
    checks: checks(http),
    location: 'laptop',
    registry,
    clock: new ManualClock(),
    prometheus: { processMetrics: false },
  });
  const server = new RunnerHttpServer({
    registry,
    status: runner,
    results: runner.results,
    isReady: () => runner.isReady,
    port: 0,
  });
  const { url, host } = await server.listen();
  t.after(async () => {
    await server.close();
    await runner.stop();
  });
  assert.equal(host, '127.0.0.1');

  assert.deepEqual(await get(`${url}/healthz`).then((r) => [r.status, r.body]), [200, 'ok\n']);
  assert.equal((await get(`${url}/readyz`)).status, 503);
  const pending = JSON.parse((await get(`${url}/api/monitors`)).body) as {
    monitors: { monitorId: string; status: string }[];
  };
  assert.deepEqual(
    pending.monitors.map((m) => [m.monitorId, m.status]),
    [
      ['api', 'pending'],
      ['web', 'pending'],
    ],
  );

  await runner.runOnce();
  assert.equal((await get(`${url}/readyz`)).status, 200);

  const metrics = await get(`${url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(
    metrics.body,
    /\nprobe_success\{monitor_id="web",monitor_name="Web",monitor_type="http",location="laptop"\} 1\n/,
  );
  assert.match(metrics.body, /\nsynthctl_checks_total\{monitor_type="http",result="down"\} 1\n/);

  const states = JSON.parse((await get(`${url}/api/monitors`)).body) as {
    monitors: { monitorId: string; status: string; location: string; durationMs: number }[];
  };
  assert.deepEqual(
    states.monitors.map((m) => [m.monitorId, m.status, m.location, m.durationMs]),
    [
      ['api', 'up', 'laptop', 42],
      ['web', 'up', 'laptop', 42],
    ],
  );
  const one = await get(`${url}/api/monitors/api`);
  assert.equal((JSON.parse(one.body) as { monitorName: string }).monitorName, 'API');

  const results = JSON.parse((await get(`${url}/api/monitors/api/results?limit=5`)).body) as {
    monitorId: string;
    results: { attempt: number; finalAttempt: boolean; status: string }[];
  };
  assert.equal(results.monitorId, 'api');
  assert.deepEqual(
    results.results.map((r) => [r.attempt, r.finalAttempt, r.status]),
    [
      [2, true, 'up'],
      [1, false, 'down'],
    ],
  );
  const limited = JSON.parse((await get(`${url}/api/monitors/api/results?limit=1`)).body) as {
    results: unknown[];
  };
  assert.equal(limited.results.length, 1);

  const bad = await get(`${url}/api/monitors/api/results?limit=abc`);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /limit must be an integer from 1 to 1000/);
  assert.equal((await get(`${url}/api/monitors/api/results?limit=5000`)).status, 400);
  const missing = await get(`${url}/api/monitors/nope/results`);
  assert.equal(missing.status, 404);
  assert.match(missing.body, /no monitor with id \\"nope\\"/);
  assert.equal((await get(`${url}/nothing`)).status, 404);
  const post = await get(`${url}/metrics`, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  const head = await get(`${url}/metrics`, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('results come from the SQLite history when the runner has one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-server-'));
  const registry = new Registry();
  const clock = new ManualClock();
  const store = HistoryStore.open({ path: join(dir, 'history.db') });
  const sqlite = new SqliteSink({ store, clock, batchSize: 100, retention: false });
  const runner = new Runner({
    monitors: [makeMonitor('web')],
    checks: checks(new FakeCheck('http')),
    location: 'laptop',
    registry,
    clock,
    sinks: [sqlite],
    prometheus: { processMetrics: false },
  });
  assert.equal(runner.results, sqlite);
  const server = new RunnerHttpServer({
    registry,
    status: runner,
    results: runner.results,
    isReady: () => true,
    port: 0,
  });
  const { url } = await server.listen();
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await runner.runOnce();
  await runner.runOnce();
  assert.equal(store.count(), 0, 'batched: nothing written yet');
  const body = JSON.parse((await get(`${url}/api/monitors/web/results`)).body) as { results: unknown[] };
  assert.equal(body.results.length, 2, 'the API reads its own writes from the history');
  await runner.stop();
});

test('a taken port is a clear error', async (t) => {
  const registry = new Registry();
  const status = { states: () => [], state: () => undefined };
  const results = { recentResults: () => [] };
  const first = new RunnerHttpServer({ registry, status, results, isReady: () => true, port: 0 });
  const { port } = await first.listen();
  t.after(async () => {
    await first.close();
  });
  const second = new RunnerHttpServer({ registry, status, results, isReady: () => true, port });
  await assert.rejects(second.listen(), (err: unknown) => {
    assert.ok(err instanceof ServerListenError);
    assert.equal(
      err.message,
      `cannot listen on 127.0.0.1:${port}: the address is already in use (another synthctl runner?); pick another with --listen`,
    );
    return true;
  });
});
