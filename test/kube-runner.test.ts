/**
 * The runner in the cluster (issue 4 item 5) against the fake API server with client-node:
 * only the monitors assigned to its location run, `status.lastResult` follows up/down, a
 * repeated state writes nothing, spec edits reload and deletes remove. Bounded polls only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ClientNodeKubeClient, type KubeObject } from '../src/operator/kube-client.js';
import { createOperatorLogger, silentOperatorLogger } from '../src/operator/logger.js';
import { runnerSettings } from '../src/cli/runner.js';
import { KubeRunner, StatusWriter, type LastResult } from '../src/runner/kube-runner.js';
import { ManualClock } from '../src/runner/manual-clock.js';
import { FakeKubeApiServer, kubeConfigFor } from './fakes/kube-apiserver/index.js';
import { startHttpTarget, type HttpTarget } from './targets/http-target.js';
import { closedPort } from './targets/tcp-target.js';

const API = 'synthctl.dev/v1alpha1';
const NS = 'shop';

type Monitor = { status?: { lastResult?: { state: string; location: string; message?: string } } };

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('synthctl runner --kubernetes (fake API server)', { timeout: 120_000 }, () => {
  const server = new FakeKubeApiServer();
  const stop = new AbortController();
  let url = '';
  let target: HttpTarget;
  let refused = 0;
  let runner: KubeRunner;
  let running: Promise<void> | undefined;

  const monitor = (name: string, location: string, check: Record<string, unknown>) => ({
    apiVersion: API,
    kind: 'SyntheticMonitor',
    metadata: { name, namespace: NS },
    spec: { schedule: '1s', timeout: '1s', retestOnFailure: false, privateLocations: [location], ...check },
  });
  const lastResult = (name: string) =>
    (server.get(API, 'SyntheticMonitor', name, NS) as Monitor | undefined)?.status?.lastResult;
  const statusPatches = () =>
    server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;
  const checks = (id: string) => {
    const s = runner.runner.state(id);
    return s === undefined ? 0 : s.up + s.down;
  };

  before(async () => {
    url = await server.start();
    target = await startHttpTarget();
    refused = await closedPort();
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    server.create(monitor('web', 'cluster_a', { http: { url: `${target.origin}/ok` } }));
    server.create(monitor('db', 'cluster_a', { tcp: { host: `127.0.0.1:${refused}` } }));
    server.create(monitor('elsewhere', 'cluster_b', { http: { url: `${target.origin}/ok` } }));
    const kc = kubeConfigFor(url);
    runner = new KubeRunner({
      kubeConfig: kc,
      client: new ClientNodeKubeClient(kc),
      location: 'cluster_a',
      namespace: NS,
      logger: process.env['DEBUG_RUNNER'] ? createOperatorLogger({ level: 'debug' }) : silentOperatorLogger(),
      registry: new Registry(),
      debounceMs: 50,
      startupSpreadMs: 200,
    });
    running = runner.run(stop.signal);
  });

  after(async () => {
    stop.abort();
    await running;
    await target.close();
    await server.stop();
  });

  test('runs only the assigned monitors and writes their up/down state', async () => {
    await until(
      'web up and db down in status',
      () => lastResult('web')?.state === 'up' && lastResult('db')?.state === 'down',
    );
    assert.deepEqual(
      runner.runner
        .states()
        .map((s) => s.monitorId)
        .sort(),
      ['shop-db', 'shop-web'],
    );
    assert.equal(lastResult('elsewhere'), undefined);
    assert.equal(lastResult('web')?.location, 'cluster_a');
    assert.match(lastResult('db')?.message ?? '', /refused|ECONNREFUSED/i);
  });

  test('a repeated state writes no status', async () => {
    const patches = statusPatches();
    const web = checks('shop-web');
    const db = checks('shop-db');
    await until(
      'two more checks of each',
      () => checks('shop-web') >= web + 2 && checks('shop-db') >= db + 2,
    );
    assert.equal(statusPatches(), patches);
    assert.equal(runner.isReady, true);
    // Read-only for specs: every write the runner made went to /status.
    const writes = server.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/status'));
    assert.deepEqual(writes, []);
  });

  test('editing a spec reloads the monitor', async () => {
    const response = await fetch(`${url}/apis/${API}/namespaces/${NS}/syntheticmonitors/web`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { http: { url: `http://127.0.0.1:${refused}/` } } }),
    });
    assert.equal(response.status, 200, await response.text());
    await until('web down after the edit', () => lastResult('web')?.state === 'down');
    assert.equal(runner.runner.state('shop-web')?.status, 'down');
  });

  test('deleting a monitor removes it from the runner', async () => {
    server.delete(API, 'SyntheticMonitor', 'db', NS);
    await until('db gone from the runner', () => runner.runner.state('shop-db') === undefined);
    assert.deepEqual(
      runner.runner.states().map((s) => s.monitorId),
      ['shop-web'],
    );
  });
});

describe('synthctl runner flags', () => {
  const flags = { listen: '0.0.0.0:9464', logLevel: 'info' };
  test('--kubernetes and --location are required', () => {
    assert.throws(() => runnerSettings({ ...flags, location: 'eu' }), /--kubernetes/);
    assert.throws(() => runnerSettings({ ...flags, kubernetes: true }), /--location is required/);
  });
  test('valid flags become settings', () => {
    const settings = runnerSettings({
      ...flags,
      kubernetes: true,
      location: 'eu_west',
      listen: ':9000',
      concurrency: '8',
    });
    assert.deepEqual(settings.listen, { host: '0.0.0.0', port: 9000 });
    assert.equal(settings.concurrency, 8);
    assert.equal(settings.namespace, undefined);
    assert.throws(
      () => runnerSettings({ ...flags, kubernetes: true, location: 'eu', concurrency: '0' }),
      /--concurrency/,
    );
  });
});

describe('status writer', () => {
  test('token bucket, coalescing per monitor, no write when the status already says so', async () => {
    const clock = new ManualClock();
    const written: { name: string; result: LastResult }[] = [];
    const writer = new StatusWriter({
      client: {
        patchStatus: (_ref, object, status) => {
          written.push({ name: object.metadata.name, result: status['lastResult'] as LastResult });
          return Promise.resolve(undefined);
        },
      },
      informer: {
        get: (key) => {
          const name = key.split('/')[1] ?? key;
          const status = name === 'e' ? { lastResult: { state: 'up', location: 'x' } } : {};
          const object: KubeObject = { metadata: { name, namespace: NS }, status };
          return object as KubeObject & KubernetesObject;
        },
      },
      clock,
      logger: silentOperatorLogger(),
      signal: new AbortController().signal,
      perSecond: 1,
      burst: 2,
    });
    const result = (state: 'up' | 'down'): LastResult => ({
      state,
      since: new Date(clock.now()).toISOString(),
      location: 'x',
      consecutiveFailures: state === 'down' ? 1 : 0,
    });
    for (const name of ['a', 'b', 'c', 'd']) writer.enqueue(`${NS}/${name}`, result('up'));
    writer.enqueue(`${NS}/e`, result('up'));
    await clock.flush();
    assert.deepEqual(
      written.map((w) => w.name),
      ['a', 'b'],
    );
    const down = result('down');
    writer.enqueue(`${NS}/c`, down);
    await clock.advance(999);
    assert.equal(written.length, 2);
    await clock.advance(1);
    assert.deepEqual(written[2], { name: 'c', result: down });
    await clock.advance(1000);
    await clock.advance(1000);
    assert.deepEqual(
      written.map((w) => w.name),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(writer.writes, 4);
    writer.stop();
  });
});
