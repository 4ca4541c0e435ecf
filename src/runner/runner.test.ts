import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { MonitorType } from '../model/schema.js';
import type { Check } from '../checks/types.js';
import { CheckRegistry } from '../checks/index.js';
import { EnvSecretResolver } from '../checks/secrets.js';
import type { ResultRecord, ResultSink } from './result.js';
import { ManualClock } from './manual-clock.js';
import { Runner } from './runner.js';
import { FakeCheck, downOutcome, makeMonitor, upOutcome } from '../../test/runner-fakes.js';

class Collecting implements ResultSink {
  readonly name = 'collect';
  readonly records: ResultRecord[] = [];
  closed = false;
  write(r: ResultRecord): void {
    this.records.push(r);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

test('scheduled runner: metrics, state, hot reload removing series, stop flushing sinks', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const registry = new Registry();
  const sink = new Collecting();
  const checks = new Map<MonitorType, Check>([
    ['http', new FakeCheck('http')],
    ['tcp', new FakeCheck('tcp', () => Promise.resolve(downOutcome('connection refused')))],
  ]);
  const runner = new Runner({
    monitors: [makeMonitor('web'), makeMonitor('db', { type: 'tcp', retestOnFailure: true })],
    checks,
    location: 'laptop',
    registry,
    clock,
    sinks: [sink],
    prometheus: { processMetrics: false },
    newId: () => 'group',
  });
  assert.equal(runner.isReady, false);
  runner.start();
  assert.equal(runner.isReady, true);
  const next = runner.state('web')?.nextRunAt;
  assert.ok(next !== undefined && Date.parse(next) > clock.now() && Date.parse(next) <= clock.now() + 60_000);
  await clock.advance(60_000);
  assert.deepEqual(sink.records.map((r) => [r.monitorId, r.attempt, r.finalAttempt]).sort(), [
    ['db', 1, false],
    ['db', 2, true],
    ['web', 1, true],
  ]);
  assert.equal(runner.state('db')?.status, 'down');
  assert.equal(runner.state('db')?.message, 'connection refused');
  let text = await registry.metrics();
  assert.match(text, /\nsynthctl_scheduler_lag_seconds_count\{monitor_type="http"\} 1\n/);
  assert.match(text, /\nsynthctl_scheduler_missed_runs_total\{monitor_type="http",reason="overlap"\} 0\n/);
  assert.match(text, /\nsynthctl_scheduler_monitors 2\n/);
  assert.match(
    text,
    /\nprobe_success\{monitor_id="db",monitor_name="Monitor db",monitor_type="tcp",location="laptop"\} 0\n/,
  );
  assert.match(text, /\nsynthctl_sink_errors_total\{sink="collect"\} 0\n/);

  const diff = runner.update([makeMonitor('web')]);
  assert.deepEqual(diff.removed, ['db']);
  text = await registry.metrics();
  assert.doesNotMatch(text, /monitor_id="db"/, 'series of a removed monitor remained');
  assert.equal(runner.state('db'), undefined);
  assert.match(text, /\nsynthctl_scheduler_monitors 1\n/);

  await runner.stop();
  assert.equal(sink.closed, true);
  assert.equal(runner.isReady, false);
  assert.equal(clock.pendingTimers, 0);
});

test('with the real check registry (http, tcp) against loopback targets', async (t) => {
  const web = createHttpServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 503, { 'content-type': 'text/plain' });
    res.end('hello');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const tcp = createTcpServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  // A port that was free a moment ago: connection refused.
  const closed = createTcpServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) =>
    closed.close(() => {
      r();
    }),
  );
  t.after(() => {
    web.close();
    tcp.close();
  });
  const webPort = (web.address() as AddressInfo).port;
  const tcpPort = (tcp.address() as AddressInfo).port;

  const registry = new Registry();
  const runner = new Runner({
    monitors: [
      makeMonitor('web-ok', { spec: { http: { url: `http://127.0.0.1:${webPort}/ok` } }, timeoutMs: 10_000 }),
      makeMonitor('web-503', {
        spec: { http: { url: `http://127.0.0.1:${webPort}/broken` } },
        retestOnFailure: true,
        timeoutMs: 10_000,
      }),
      makeMonitor('tcp-ok', {
        type: 'tcp',
        spec: { tcp: { host: `127.0.0.1:${tcpPort}` } },
        timeoutMs: 10_000,
      }),
      makeMonitor('tcp-refused', {
        type: 'tcp',
        spec: { tcp: { host: `127.0.0.1:${closedPort}` } },
        timeoutMs: 10_000,
      }),
    ],
    checks: new CheckRegistry({ secrets: new EnvSecretResolver({}) }),
    location: 'laptop',
    registry,
    prometheus: { processMetrics: false },
  });
  const finals = await runner.runOnce();
  assert.deepEqual(
    finals.map((r) => [r.monitorId, r.status, r.attempt, r.http?.statusCode]),
    [
      ['web-ok', 'up', 1, 200],
      ['web-503', 'down', 2, 503],
      ['tcp-ok', 'up', 1, undefined],
      ['tcp-refused', 'down', 1, undefined],
    ],
  );
  assert.equal(finals[3]?.error?.type, 'io');
  const text = await registry.metrics();
  assert.match(text, /\nprobe_http_status_code\{monitor_id="web-ok",[^}]*\} 200\n/);
  assert.match(text, /\nprobe_http_status_code\{monitor_id="web-503",[^}]*\} 503\n/);
  assert.match(text, /\nprobe_success\{monitor_id="tcp-ok",[^}]*\} 1\n/);
  assert.match(text, /\nprobe_ip_protocol\{monitor_id="web-ok",[^}]*\} 4\n/);
  assert.equal(runner.results.recentResults('web-503').length, 2);
  await runner.stop();
});

test('a result sink that throws is isolated and counted', async () => {
  const registry = new Registry();
  const good = new Collecting();
  const runner = new Runner({
    monitors: [makeMonitor('web')],
    checks: new Map<MonitorType, Check>([
      ['http', new FakeCheck('http', () => Promise.resolve(upOutcome()))],
    ]),
    location: 'laptop',
    registry,
    clock: new ManualClock(),
    sinks: [
      {
        name: 'flaky',
        write: () => {
          throw new Error('boom');
        },
        close: () => Promise.resolve(),
      },
      good,
    ],
    prometheus: { processMetrics: false },
  });
  await runner.runOnce();
  assert.equal(good.records.length, 1);
  assert.match(await registry.metrics(), /\nsynthctl_sink_errors_total\{sink="flaky"\} 1\n/);
  await runner.stop();
});

test('with the real icmp check against 127.0.0.1 (fping/ping with cap_net_raw or ping_group_range)', async (t) => {
  const registry = new Registry();
  const runner = new Runner({
    monitors: [makeMonitor('lo', { type: 'icmp', spec: { icmp: { host: '127.0.0.1' } }, timeoutMs: 10_000 })],
    checks: new CheckRegistry({ secrets: new EnvSecretResolver({}) }),
    location: 'laptop',
    registry,
    prometheus: { processMetrics: false },
  });
  const [rec] = await runner.runOnce();
  await runner.stop();
  if (rec?.status === 'down' && rec.error?.type === 'config') {
    t.skip(`this machine cannot ping: ${rec.error.message}`);
    return;
  }
  assert.equal(rec?.status, 'up', JSON.stringify(rec?.error));
  assert.equal(rec?.icmp?.received, 1);
  const text = await registry.metrics();
  assert.match(text, /\nprobe_icmp_duration_seconds\{monitor_id="lo",[^}]*,phase="rtt"\} \d/);
  assert.match(text, /\nprobe_success\{monitor_id="lo",[^}]*\} 1\n/);
});
