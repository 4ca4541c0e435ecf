/**
 * The operator end to end: an in-process {@link Operator} with the real project and monitor
 * reconcilers and client-node against the fake API server, syncing into the fake Kibana.
 * Scenarios (issue 4): create, update and delete monitors; invalid spec; secret rotation;
 * Kibana outage and recovery; dropped watches; project deletion under Orphan and Delete;
 * 150 monitors converge. Waits are bounded polls; nothing asserts on timing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { ClientNodeKubeClient } from '../src/operator/kube-client.js';
import { silentOperatorLogger } from '../src/operator/logger.js';
import { createReconcilers } from '../src/operator/monitor-reconciler.js';
import { Operator } from '../src/operator/operator.js';
import { FakeKibana } from './fakes/kibana/index.js';
import { FakeKubeApiServer, kubeConfigFor, writeKubeconfig } from './fakes/kube-apiserver/index.js';

type Obj = {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string; generation?: number };
  status?: {
    observedGeneration?: number;
    type?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
    kibana?: Record<string, unknown>;
    monitors?: Record<string, number>;
  };
};

const API = 'synthctl.dev/v1alpha1';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function condition(
  o: Obj | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return o?.status?.conditions?.find((c) => c.type === type);
}

describe('operator end to end (fake API server, fake Kibana)', { timeout: 600_000 }, () => {
  const server = new FakeKubeApiServer();
  let kibana: FakeKibana;
  let url = '';
  const stop = new AbortController();
  let running: Promise<'stopped' | 'lost'> | undefined;
  let closeReconcilers: (() => Promise<void>) | undefined;
  const registry = new Registry();

  const monitor = (name: string, namespace: string, spec: Record<string, unknown> = {}, team = 'shop') => ({
    apiVersion: API,
    kind: 'SyntheticMonitor',
    metadata: { name, namespace, labels: { team } },
    spec: { schedule: '1m', locations: ['us_east'], http: { url: `https://${name}.example.com/` }, ...spec },
  });
  const project = (name: string, namespace: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: API,
    kind: 'SyntheticsProject',
    metadata: { name, namespace },
    spec: {
      kibana: { url: kibana.url, apiKey: { valueFrom: { secretKeyRef: { name: 'kibana', key: 'apiKey' } } } },
      projectId: name,
      monitorSelector: { matchLabels: { team: name } },
      ...spec,
    },
  });
  const get = (kind: string, name: string, namespace: string) =>
    server.get(API, kind, name, namespace) as Obj | undefined;
  const inKibana = (projectId: string) =>
    kibana
      .projectMonitors('default', projectId)
      .map((m) => String(m.attributes['journey_id']))
      .sort();
  const namespace = (name: string, apiKey = 'key-1') => {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: name },
      data: { apiKey: b64(apiKey) },
    });
  };
  async function patch(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${url}${path}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  }

  before(async () => {
    url = await server.start();
    kibana = await FakeKibana.start({ apiKeys: ['key-1', 'key-2'], version: '9.1.0' });
    const kc = kubeConfigFor(url);
    const operator = new Operator({
      kubeConfig: kc,
      client: new ClientNodeKubeClient(kc),
      workers: 2,
      logger: silentOperatorLogger(),
      registry,
      reconcilers: (deps) => {
        const built = createReconcilers(deps, {
          registry,
          kibana: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
        });
        closeReconcilers = () => built.projects.close();
        return built;
      },
    });
    running = operator.run(stop.signal);
  });

  after(async () => {
    stop.abort();
    await running;
    await closeReconcilers?.();
    await kibana.stop();
    await server.stop();
  });

  test('create: monitors appear in Kibana, monitors and project report Synced', async () => {
    namespace('shop');
    server.create(
      monitor('orders', 'shop', {
        params: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
        http: { url: 'https://orders.example.com/', headers: [{ name: 'X-Token', value: '${token}' }] },
      }),
    );
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop' },
      data: { password: b64('first-secret') },
    });
    server.create(monitor('cart', 'shop'));
    server.create(monitor('unrelated', 'shop', {}, 'other'));
    server.create(project('shop', 'shop', { driftCheckInterval: '1h' }));
    await until('two monitors in Kibana', () => inKibana('shop').length === 2);
    assert.deepEqual(inKibana('shop'), ['shop-cart', 'shop-orders']);
    await until('monitors Synced', () =>
      ['orders', 'cart'].every(
        (n) => condition(get('SyntheticMonitor', n, 'shop'), 'Synced')?.status === 'True',
      ),
    );
    const cart = get('SyntheticMonitor', 'cart', 'shop')!;
    assert.equal(cart.status?.type, 'http');
    assert.equal(cart.status?.observedGeneration, 1);
    assert.equal(cart.status?.kibana?.['journeyId'], 'shop-cart');
    assert.equal(cart.status?.kibana?.['monitorId'], 'shop-cart-shop-default');
    assert.match(String(cart.status?.kibana?.['hash']), /.+/);
    assert.ok(cart.metadata.finalizers?.includes('synthctl.dev/cleanup'));
    assert.equal(get('SyntheticMonitor', 'unrelated', 'shop')?.status?.kibana, undefined);
    await until(
      'project Ready',
      () => condition(get('SyntheticsProject', 'shop', 'shop'), 'Ready')?.status === 'True',
    );
    const p = get('SyntheticsProject', 'shop', 'shop')!;
    assert.equal(condition(p, 'Synced')?.status, 'True');
    assert.equal(condition(p, 'Drifted')?.status, 'False');
    assert.equal(p.status?.kibana?.['version'], '9.1.0');
    assert.deepEqual(p.status?.monitors, { total: 2, synced: 2, failed: 0, drifted: 0, invalid: 0 });
    assert.ok(p.metadata.finalizers?.includes('synthctl.dev/cleanup'));
    assert.equal(
      [...kibana.params.values()].find((x) => x.key.includes('token'))?.value ??
        [...kibana.params.values()][0]?.value,
      'first-secret',
    );
    const events = server.list('v1', 'Event', 'shop') as {
      reason: string;
      involvedObject: { name: string };
    }[];
    assert.ok(events.some((e) => e.reason === 'Created' && e.involvedObject.name === 'shop'));
    const metrics = await registry.metrics();
    assert.match(
      metrics,
      /synthctl_kibana_requests_total\{route="\/api\/synthetics\/project\/\{projectId\}\/monitors\/_bulk_update",code="200"\} [1-9]/,
    );
  });

  test('update: a spec change reaches Kibana', async () => {
    await patch(`/apis/${API}/namespaces/shop/syntheticmonitors/cart`, {
      spec: { http: { url: 'https://cart-v2.example.com/' } },
    });
    await until('Kibana updated', () =>
      kibana
        .projectMonitors('default', 'shop')
        .some((m) => JSON.stringify(m.attributes).includes('cart-v2.example.com')),
    );
    await until(
      'observedGeneration 2',
      () => get('SyntheticMonitor', 'cart', 'shop')?.status?.observedGeneration === 2,
    );
  });

  test('secret rotation: the Secret watch re-queues the project (drift interval 1 h), the param follows', async () => {
    await patch('/api/v1/namespaces/shop/secrets/db', { data: { password: b64('second-secret') } });
    await until('param rotated', () => [...kibana.params.values()].some((x) => x.value === 'second-secret'));
    assert.ok(![...kibana.params.values()].some((x) => x.value === 'first-secret'));
  });

  test('browser journeys from ConfigMaps: configMapRef code and configMapKeyRef params reach Kibana; a missing key is reported', async () => {
    namespace('journeys');
    server.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'journeys-5h2k9', namespace: 'journeys' },
      data: {
        'login.journey.ts':
          "step('open the sign-in page', async () => {\n  await page.goto(params.baseUrl);\n});\n",
      },
    });
    server.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'journeys' },
      data: { baseUrl: 'https://shop.example.com/login' },
    });
    const browser = (name: string, key: string) =>
      monitor(
        name,
        'journeys',
        {
          schedule: '10m',
          params: [{ name: 'baseUrl', valueFrom: { configMapKeyRef: { name: 'settings', key: 'baseUrl' } } }],
          http: undefined,
          browser: { journey: { configMapRef: { name: 'journeys-5h2k9', key } } },
        },
        'journeys',
      );
    server.create(browser('login', 'login.journey.ts'));
    server.create(browser('broken', 'nope.journey.ts'));
    server.create(project('journeys', 'journeys', { driftCheckInterval: '1h' }));
    await until('the configMapRef monitor in Kibana', () => inKibana('journeys').includes('journeys-login'));
    const stored = kibana
      .projectMonitors('default', 'journeys')
      .find((m) => m.attributes['journey_id'] === 'journeys-login')!;
    assert.equal(stored.attributes['type'], 'browser');
    assert.match(String(stored.attributes['source.project.content']), /.{100,}/, 'the bundled journey');
    assert.ok(
      [...kibana.params.values()].some((x) => x.value === 'https://shop.example.com/login'),
      'the configMapKeyRef param',
    );
    await until(
      'login Synced',
      () => condition(get('SyntheticMonitor', 'login', 'journeys'), 'Synced')?.status === 'True',
    );
    await until(
      'broken reported',
      () => condition(get('SyntheticMonitor', 'broken', 'journeys'), 'Synced')?.status === 'False',
    );
    assert.match(
      String(condition(get('SyntheticMonitor', 'broken', 'journeys'), 'Synced')?.message),
      /ConfigMap journeys\/journeys-5h2k9 has no key "nope\.journey\.ts" \(journey\.configMapRef\); its keys: login\.journey\.ts/,
    );
    assert.ok(!inKibana('journeys').includes('journeys-broken'));
    // A new ConfigMap name (what Kustomize's configMapGenerator makes of an edited file) is a
    // spec change: the new code reaches Kibana at once.
    const before = String(stored.attributes['hash']);
    server.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'journeys-8d7f2', namespace: 'journeys' },
      data: {
        'login.journey.ts':
          "step('open the sign-in page, v2', async () => {\n  await page.goto(params.baseUrl);\n});\n",
      },
    });
    await patch(`/apis/${API}/namespaces/journeys/syntheticmonitors/login`, {
      spec: { browser: { journey: { configMapRef: { name: 'journeys-8d7f2', key: 'login.journey.ts' } } } },
    });
    await until('the new journey in Kibana', () =>
      kibana
        .projectMonitors('default', 'journeys')
        .some(
          (m) => m.attributes['journey_id'] === 'journeys-login' && String(m.attributes['hash']) !== before,
        ),
    );
  });

  test('invalid spec: Ready=False InvalidSpec, prune blocked, no hot loop', async () => {
    server.create(monitor('broken', 'shop', { http: { url: 'https://exa mple.com/' } }));
    await until(
      'InvalidSpec',
      () => condition(get('SyntheticMonitor', 'broken', 'shop'), 'Ready')?.reason === 'InvalidSpec',
    );
    await until(
      'project InvalidMonitors',
      () => condition(get('SyntheticsProject', 'shop', 'shop'), 'Synced')?.reason === 'InvalidMonitors',
    );
    const writes = () =>
      server.requests.filter(
        (r) => r.method === 'PATCH' && r.path.endsWith('/syntheticmonitors/broken/status'),
      ).length;
    // Drift checks every second: each re-reconcile finds nothing new to write.
    await patch(`/apis/${API}/namespaces/shop/syntheticsprojects/shop`, {
      spec: { driftCheckInterval: '1s' },
    });
    await until(
      'project generation 2 observed',
      () => get('SyntheticsProject', 'shop', 'shop')?.status?.observedGeneration === 2,
    );
    const before = writes();
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(writes(), before, 'no further status writes for an unchanged invalid monitor');
    await patch(`/apis/${API}/namespaces/shop/syntheticsprojects/shop`, {
      spec: { driftCheckInterval: '1h' },
    });
    assert.deepEqual(inKibana('shop'), ['shop-cart', 'shop-orders']);
    server.delete(API, 'SyntheticMonitor', 'broken', 'shop');
    await until(
      'project Synced again',
      () => condition(get('SyntheticsProject', 'shop', 'shop'), 'Synced')?.status === 'True',
    );
  });

  test('delete: a deleted monitor is removed from Kibana, then its finalizer', async () => {
    server.delete(API, 'SyntheticMonitor', 'cart', 'shop');
    await until('removed from Kibana', () => !inKibana('shop').includes('shop-cart'));
    await until('object gone', () => get('SyntheticMonitor', 'cart', 'shop') === undefined);
    assert.deepEqual(inKibana('shop'), ['shop-orders']);
  });

  test('Kibana outage: Synced=False while Kibana answers 503, then recovery', async () => {
    kibana.injectFault({ route: '/api/stats' }, { kind: 'status', status: 503 }, 1_000_000);
    server.create(monitor('checkout', 'shop'));
    await until(
      'Synced=False KibanaUnavailable',
      () => condition(get('SyntheticsProject', 'shop', 'shop'), 'Synced')?.reason === 'KibanaUnavailable',
    );
    assert.ok(!inKibana('shop').includes('shop-checkout'));
    kibana.clearFaults();
    await until('recovered', () => inKibana('shop').includes('shop-checkout'), 120_000);
    await until(
      'Synced=True',
      () => condition(get('SyntheticsProject', 'shop', 'shop'), 'Synced')?.status === 'True',
      120_000,
    );
    const metrics = await registry.metrics();
    assert.match(metrics, /synthctl_kibana_requests_total\{route="\/api\/stats",code="503"\} [1-9]/);
  });

  test('dropped watches: changes after a drop still arrive', async () => {
    server.dropWatches();
    server.create(monitor('after-drop', 'shop'));
    await until('synced after the drop', () => inKibana('shop').includes('shop-after-drop'), 120_000);
  });

  test('API server conflicts: 409 on the next writes are retried until the monitor syncs', async () => {
    server.create(monitor('after-conflict', 'shop'));
    server.faults.conflictOnNextWrites = 3; // the operator's next writes (finalizer, status)
    await until(
      'synced after conflicts',
      () => condition(get('SyntheticMonitor', 'after-conflict', 'shop'), 'Synced')?.status === 'True',
    );
    assert.ok(inKibana('shop').includes('shop-after-conflict'));
    assert.notEqual(
      condition(get('SyntheticsProject', 'shop', 'shop'), 'Synced')?.reason,
      'KibanaUnavailable',
    );
  });

  test('drift: a monitor edited in Kibana is reported Drifted (driftPolicy Report)', async () => {
    await patch(`/apis/${API}/namespaces/shop/syntheticsprojects/shop`, {
      spec: { driftCheckInterval: '1s' },
    });
    const configId = String(get('SyntheticMonitor', 'orders', 'shop')?.status?.kibana?.['configId']);
    kibana.editInUi(configId, { enabled: false });
    await until(
      'monitor Drifted',
      () => condition(get('SyntheticMonitor', 'orders', 'shop'), 'Drifted')?.status === 'True',
    );
    await until(
      'project Drifted',
      () => condition(get('SyntheticsProject', 'shop', 'shop'), 'Drifted')?.status === 'True',
    );
    assert.equal(get('SyntheticsProject', 'shop', 'shop')?.status?.monitors?.['drifted'], 1);
    assert.match(
      await registry.metrics(),
      /synthctl_project_drifted_monitors\{namespace="shop",project="shop"\} 1/,
    );
    await patch(`/apis/${API}/namespaces/shop/syntheticsprojects/shop`, {
      spec: { driftCheckInterval: '1h' },
    });
  });

  test('project deletion, Orphan (default): the Kibana monitors stay, the project goes', async () => {
    server.delete(API, 'SyntheticsProject', 'shop', 'shop');
    await until('project gone', () => get('SyntheticsProject', 'shop', 'shop') === undefined);
    assert.deepEqual(inKibana('shop'), [
      'shop-after-conflict',
      'shop-after-drop',
      'shop-checkout',
      'shop-orders',
    ]);
  });

  test('project deletion, Delete: the Kibana monitors of the project are deleted', async () => {
    namespace('pay', 'key-2');
    server.create(monitor('charge', 'pay', {}, 'pay'));
    server.create(monitor('refund', 'pay', {}, 'pay'));
    server.create(project('pay', 'pay', { deletionPolicy: 'Delete' }));
    await until('pay synced', () => inKibana('pay').length === 2);
    server.delete(API, 'SyntheticsProject', 'pay', 'pay');
    await until('project gone', () => get('SyntheticsProject', 'pay', 'pay') === undefined);
    assert.deepEqual(inKibana('pay'), []);
    assert.ok(inKibana('shop').length > 0, 'another project is untouched');
  });

  test('terminal errors: a missing Secret, then a wrong API key, are reported and fixed by a change', async () => {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keys' } });
    server.create(monitor('ping', 'keys', {}, 'keys'));
    server.create(project('keys', 'keys', { driftCheckInterval: '1h' }));
    const reason = () => condition(get('SyntheticsProject', 'keys', 'keys'), 'Synced')?.reason;
    await until('SecretNotFound', () => reason() === 'SecretNotFound');
    assert.doesNotMatch(condition(get('SyntheticsProject', 'keys', 'keys'), 'Synced')!.message, /key-/);
    // The Secret appears with a key Kibana refuses (401: terminal, not retried hot).
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: 'keys' },
      data: { apiKey: b64('key-wrong') },
    });
    await until('KibanaError', () => reason() === 'KibanaError');
    assert.doesNotMatch(condition(get('SyntheticsProject', 'keys', 'keys'), 'Synced')!.message, /key-wrong/);
    const stats = () => kibana.requestsTo('/api/stats').length;
    const before = stats();
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(stats() - before <= 1, 'no hot loop on a terminal error');
    await patch('/api/v1/namespaces/keys/secrets/kibana', { data: { apiKey: b64('key-1') } });
    await until('synced after the key is fixed', () => inKibana('keys').length === 1);
    await until('Synced', () => reason() === 'Synced');
  });

  test('1,000 monitors converge, every status Synced', async () => {
    namespace('bulk');
    const n = 1000;
    for (let i = 0; i < n; i++) server.create(monitor(`m-${String(i).padStart(4, '0')}`, 'bulk', {}, 'bulk'));
    server.create(project('bulk', 'bulk', { prune: { maxDeletes: 10 }, driftCheckInterval: '1h' }));
    await until(`${String(n)} in Kibana`, () => inKibana('bulk').length === n, 300_000);
    await until(
      'all Synced',
      () =>
        (server.list(API, 'SyntheticMonitor', 'bulk') as Obj[]).every(
          (m) => condition(m, 'Synced')?.status === 'True',
        ),
      300_000,
    );
    await until(
      'project counts',
      () => get('SyntheticsProject', 'bulk', 'bulk')?.status?.monitors?.['synced'] === n,
      120_000,
    );
  });
});

describe('leader failover between two operators', { timeout: 300_000 }, () => {
  const server = new FakeKubeApiServer();
  let kibana: FakeKibana;
  const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
  type Running = {
    stop: AbortController;
    done: Promise<'stopped' | 'lost'>;
    operator: Operator;
    registry: Registry;
    close: () => Promise<void>;
  };
  const operators: Running[] = [];

  function start(identity: string, url: string): Running {
    const kc = kubeConfigFor(url);
    let close = (): Promise<void> => Promise.resolve();
    const own = new Registry();
    const operator = new Operator({
      kubeConfig: kc,
      client: new ClientNodeKubeClient(kc),
      leaderElection: { namespace: 'default', name: 'synthctl-operator', identity, ...timing },
      logger: silentOperatorLogger(),
      registry: own,
      reconcilers: (deps) => {
        const built = createReconcilers(deps, {
          registry: own,
          kibana: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
        });
        close = () => built.projects.close();
        return built;
      },
    });
    const stop = new AbortController();
    const running: Running = {
      stop,
      done: operator.run(stop.signal),
      operator,
      registry: own,
      close: () => close(),
    };
    operators.push(running);
    return running;
  }

  after(async () => {
    for (const o of operators) o.stop.abort();
    for (const o of operators) {
      await o.done;
      await o.close();
    }
    await kibana.stop();
    await server.stop();
  });

  test('one leader applies; after it stops the other takes over without re-applying', async () => {
    const url = await server.start();
    kibana = await FakeKibana.start({ apiKeys: ['key-1'], version: '9.1.0' });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ha' } });
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: 'ha' },
      data: { apiKey: b64('key-1') },
    });
    const a = start('operator-a', url);
    await until('a leads', () => a.operator.isLeading);
    const b = start('operator-b', url);
    for (const name of ['one', 'two', 'three'])
      server.create({
        apiVersion: API,
        kind: 'SyntheticMonitor',
        metadata: { name, namespace: 'ha', labels: { team: 'ha' } },
        spec: { schedule: '1m', locations: ['us_east'], http: { url: `https://${name}.example.com/` } },
      });
    server.create({
      apiVersion: API,
      kind: 'SyntheticsProject',
      metadata: { name: 'ha', namespace: 'ha' },
      spec: {
        kibana: {
          url: kibana.url,
          apiKey: { valueFrom: { secretKeyRef: { name: 'kibana', key: 'apiKey' } } },
        },
        projectId: 'ha',
        monitorSelector: { matchLabels: { team: 'ha' } },
        driftCheckInterval: '1h',
      },
    });
    const synced = () =>
      condition(server.get(API, 'SyntheticsProject', 'ha', 'ha') as Obj | undefined, 'Synced')?.status ===
        'True' && kibana.projectMonitors('default', 'ha').length === 3;
    await until('synced by a', synced);
    assert.equal(b.operator.isLeading, false, 'b stands by');
    const bulk = () => kibana.requestsTo('/api/synthetics/project/{projectId}/monitors/_bulk_update').length;
    const revisions = () => kibana.projectMonitors('default', 'ha').map((m) => m.attributes['revision']);
    const appliedByA = bulk();
    assert.ok(
      revisions().every((r) => r === 1),
      'each monitor written once',
    );

    a.stop.abort();
    assert.equal(await a.done, 'stopped');
    await until('b leads', () => b.operator.isLeading);
    // b reconciles everything it has cached: a plan finds nothing to write.
    await until('b reconciled the project', async () =>
      /controller_runtime_reconcile_total\{controller="syntheticsproject",result="requeue_after"\} [1-9]/.test(
        await b.registry.metrics(),
      ),
    );
    assert.equal(bulk(), appliedByA, 'no second apply after failover');
    assert.ok(
      revisions().every((r) => r === 1),
      'no monitor re-written',
    );

    server.create({
      apiVersion: API,
      kind: 'SyntheticMonitor',
      metadata: { name: 'four', namespace: 'ha', labels: { team: 'ha' } },
      spec: { schedule: '1m', locations: ['us_east'], http: { url: 'https://four.example.com/' } },
    });
    await until('b applies the new monitor', () => kibana.projectMonitors('default', 'ha').length === 4);
    assert.ok(revisions().every((r) => r === 1));
  });
});

describe('leader failover between two `synthctl operator` processes', { timeout: 300_000 }, () => {
  const server = new FakeKubeApiServer();
  let kibana: FakeKibana;
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-operator-e2e-'));
  const children: { child: ChildProcess; exited: Promise<number | null>; output: () => string }[] = [];

  function operatorProcess(identity: string, kubeconfig: string): (typeof children)[number] {
    // cwd is the repository, so `--import tsx` resolves; the child runs `main(argv)`.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/kibana-sync-child.ts',
        'operator',
        '--kubeconfig',
        kubeconfig,
        '--leader-elect',
        '--lease-namespace',
        'default',
        '--metrics-addr',
        '0',
      ],
      { env: { ...process.env, POD_NAME: identity }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    const entry = { child, exited, output: () => output };
    children.push(entry);
    return entry;
  }

  after(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    await kibana.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SIGTERM on the leader: the standby takes the Lease and syncs, with no second apply', async () => {
    const url = await server.start();
    kibana = await FakeKibana.start({ apiKeys: ['key-1'], version: '9.1.0' });
    const kubeconfig = writeKubeconfig(url, dir);
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'proc' } });
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: 'proc' },
      data: { apiKey: b64('key-1') },
    });
    const processes = {
      'op-a': operatorProcess('op-a', kubeconfig),
      'op-b': operatorProcess('op-b', kubeconfig),
    };
    const holder = () =>
      (
        server.get('coordination.k8s.io/v1', 'Lease', 'synthctl-operator', 'default') as
          { spec?: { holderIdentity?: string } } | undefined
      )?.spec?.holderIdentity ?? '';
    await until('a leader', () => holder() === 'op-a' || holder() === 'op-b', 120_000);
    const leader = holder() as 'op-a' | 'op-b';
    const standby = leader === 'op-a' ? 'op-b' : 'op-a';
    const add = (name: string) =>
      server.create({
        apiVersion: API,
        kind: 'SyntheticMonitor',
        metadata: { name, namespace: 'proc', labels: { team: 'proc' } },
        spec: { schedule: '1m', locations: ['us_east'], http: { url: `https://${name}.example.com/` } },
      });
    add('one');
    add('two');
    server.create({
      apiVersion: API,
      kind: 'SyntheticsProject',
      metadata: { name: 'proc', namespace: 'proc' },
      spec: {
        kibana: {
          url: kibana.url,
          apiKey: { valueFrom: { secretKeyRef: { name: 'kibana', key: 'apiKey' } } },
        },
        projectId: 'proc',
        monitorSelector: { matchLabels: { team: 'proc' } },
      },
    });
    await until(
      'synced by the leader',
      () => kibana.projectMonitors('default', 'proc').length === 2,
      120_000,
    );
    const bulk = () => kibana.requestsTo('/api/synthetics/project/{projectId}/monitors/_bulk_update').length;
    await until(
      'project Synced',
      () =>
        condition(server.get(API, 'SyntheticsProject', 'proc', 'proc') as Obj | undefined, 'Synced')
          ?.status === 'True',
    );
    const before = bulk();

    processes[leader].child.kill('SIGTERM');
    assert.equal(await processes[leader].exited, 0, processes[leader].output());
    await until('the standby leads', () => holder() === standby, 120_000);
    add('three');
    await until(
      'the new leader syncs',
      () => kibana.projectMonitors('default', 'proc').length === 3,
      120_000,
    );
    assert.equal(bulk(), before + 1, 'one apply for the new monitor, none for the two already there');
    assert.ok(
      kibana.projectMonitors('default', 'proc').every((m) => m.attributes['revision'] === 1),
      'no monitor written twice',
    );
    assert.doesNotMatch(
      processes[leader].output() + processes[standby].output(),
      /key-1/,
      'no secret in logs',
    );
  });
});
