/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node 1.4.0 models are classes, but its ObjectSerializer takes plain JSON objects (the documented usage). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { SCENARIOS, monitorManifest, statusOf } from '../../contract/kube-scenarios.js';
import { FakeKubeApiServer, kubeConfigFor } from './index.js';

const GROUP = 'synthctl.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'syntheticmonitors';

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fake kube-apiserver driven by client-node 1.4.0', () => {
  const server = new FakeKubeApiServer();
  let kc: ReturnType<typeof kubeConfigFor>;
  before(async () => {
    kc = kubeConfigFor(await server.start());
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  });
  after(() => server.stop());

  for (const scenario of SCENARIOS) test(`contract: ${scenario.name}`, () => scenario.run(kc, 'shop'));

  test('defaults from the CRD schema are applied and unknown fields pruned', async () => {
    const co = kc.makeApiClient(CustomObjectsApi);
    const body = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SyntheticsProject',
      metadata: { name: 'defaults', namespace: 'shop' },
      spec: {
        projectId: 'shop',
        kibana: {
          url: 'https://kibana.example.com',
          apiKeyRef: { secretKeyRef: { name: 'kibana', key: 'apiKey' } },
        },
        bogus: 1,
      },
    };
    const created = (await co
      .createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'shop',
        plural: 'syntheticsprojects',
        body,
      })
      .catch((e: unknown) => {
        throw new Error(JSON.stringify(statusOf(e)));
      })) as { spec: Record<string, unknown> };
    assert.equal(created.spec['deletionPolicy'], 'Orphan');
    assert.equal(created.spec['bogus'], undefined);
  });

  test('watch streams events after a resourceVersion; a too-old one answers 410 Expired', async () => {
    const small = new FakeKubeApiServer({ historyLimit: 3 });
    const url = await small.start();
    try {
      small.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } });
      const start = small.resourceVersion;
      for (let i = 0; i < 5; i++) small.create(monitorManifest(`m${i}`, 'w'));
      const events: { type: string; code?: number }[] = [];
      const watch = new Watch(kubeConfigFor(url));
      let done = false;
      await watch.watch(
        `/apis/${GROUP}/${VERSION}/namespaces/w/${PLURAL}`,
        { resourceVersion: String(start) },
        (type, obj: { code?: number }) =>
          events.push({ type, ...(obj.code === undefined ? {} : { code: obj.code }) }),
        () => (done = true),
      );
      await until('410', () => done);
      assert.deepEqual(events, [{ type: 'ERROR', code: 410 }]);
    } finally {
      await small.stop();
    }
  });

  test('watch honours fieldSelector, allowWatchBookmarks and timeoutSeconds (raw HTTP, NDJSON chunks)', async () => {
    const small = new FakeKubeApiServer({ bookmarkIntervalMs: 100 });
    const url = await small.start();
    try {
      small.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } });
      small.create(monitorManifest('one', 'b'));
      small.create(monitorManifest('two', 'b'));
      const started = Date.now();
      const response = await fetch(
        `${url}/apis/${GROUP}/${VERSION}/namespaces/b/${PLURAL}?watch=true&fieldSelector=metadata.name%3Dtwo&allowWatchBookmarks=true&timeoutSeconds=1`,
      );
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('transfer-encoding'), 'chunked');
      const lines = (await response.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string } } });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 3000, `closed after timeoutSeconds (${elapsed} ms)`);
      assert.deepEqual(lines[0], { type: 'ADDED', object: lines[0]!.object });
      assert.equal(lines[0].object.metadata.name, 'two');
      assert.ok(lines.filter((l) => l.type === 'ADDED').length === 1, 'fieldSelector filters');
      assert.ok(
        lines.some((l) => l.type === 'BOOKMARK'),
        'bookmarks when asked',
      );
      const plain = await fetch(
        `${url}/apis/${GROUP}/${VERSION}/namespaces/b/${PLURAL}?watch=true&timeoutSeconds=1`,
      );
      assert.ok(!(await plain.text()).includes('BOOKMARK'), 'no bookmarks unless asked');
    } finally {
      await small.stop();
    }
  });

  test('informer: add, update, delete; a dropped watch fires error (client-node then stops)', async () => {
    const informer = makeInformer<KubernetesObject>(
      kc,
      `/apis/${GROUP}/${VERSION}/namespaces/shop/${PLURAL}`,
      async () =>
        (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: 'shop',
          plural: PLURAL,
        })) as never,
    );
    const seen: string[] = [];
    let errors = 0;
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name ?? ''}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name ?? ''}`));
    informer.on('error', () => errors++);
    await informer.start();
    await until('watch open', () => server.openWatches > 0);
    const co = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: GROUP, version: VERSION, namespace: 'shop', plural: PLURAL, name: 'informed' };
    await co.createNamespacedCustomObject({ ...ref, body: monitorManifest('informed', 'shop') });
    await co.patchNamespacedCustomObject(
      { ...ref, body: { spec: { schedule: '1m' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await co.deleteNamespacedCustomObject(ref);
    await until('three events', () => seen.length >= 3);
    assert.deepEqual(seen, ['add informed', 'update informed', 'delete informed']);
    server.dropWatches();
    await until('error on drop', () => errors > 0);
    await informer.stop();
  });

  test('faults: 409 on the next write, N × 500, 415 for unknown content types, latency, request log', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    server.faults.conflictOnNextWrites = 1;
    const conflict = await core
      .createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'c1' }, data: { a: '1' } } })
      .then(
        () => assert.fail('expected 409'),
        (e: unknown) => statusOf(e),
      );
    assert.equal(conflict.code, 409);
    await core.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'c1' }, data: { a: '1' } },
    });
    server.faults.errorOnNextRequests = 2;
    for (let i = 0; i < 2; i++)
      assert.equal(
        await core.readNamespacedConfigMap({ namespace: 'shop', name: 'c1' }).then(
          () => 0,
          (e: unknown) => statusOf(e).code,
        ),
        500,
      );
    assert.equal((await core.readNamespacedConfigMap({ namespace: 'shop', name: 'c1' })).data?.['a'], '1');
    const response = await fetch(`${server.url}/api/v1/namespaces/shop/configmaps/c1`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    assert.equal(response.status, 415);
    server.faults.latencyMs = 50;
    const started = Date.now();
    await core.readNamespacedConfigMap({ namespace: 'shop', name: 'c1' });
    assert.ok(Date.now() - started >= 45);
    server.faults.latencyMs = 0;
    assert.ok(server.requests.some((r) => r.method === 'PATCH' && r.status === 415));
  });

  test('strategic merge patch on a core type; server-side apply creates then merges', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({
      namespace: 'shop',
      body: {
        metadata: { name: 's1' },
        data: { k: Buffer.from('v').toString('base64') },
      },
    });
    const patched = await core.patchNamespacedSecret(
      { namespace: 'shop', name: 's1', body: { metadata: { labels: { a: 'b' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.equal(patched.metadata?.labels?.['a'], 'b');
    const co = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: GROUP, version: VERSION, namespace: 'shop', plural: PLURAL, name: 'applied' };
    const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const created = (await co.patchNamespacedCustomObject(
      { ...ref, body: monitorManifest('applied', 'shop'), fieldManager: 'test', force: true },
      ssa,
    )) as { metadata: { generation: number } };
    assert.equal(created.metadata.generation, 1);
    const merged = (await co.patchNamespacedCustomObject(
      {
        ...ref,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'SyntheticMonitor',
          metadata: { name: 'applied' },
          spec: { schedule: '1m' },
        },
        fieldManager: 'test',
        force: true,
      },
      ssa,
    )) as { spec: { schedule: string; http: unknown } };
    assert.equal(merged.spec.schedule, '1m');
    assert.ok(merged.spec.http !== undefined);
    await co.deleteNamespacedCustomObject(ref);
  });
});
