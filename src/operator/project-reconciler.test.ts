/**
 * ProjectReconciler against the fake API server and the fake Kibana, with cache views that read
 * the server's store (always current), so the write counts below are the reconciler's own: a
 * no-op reconcile writes nothing, a one-monitor change writes that monitor's status only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeKibana } from '../../test/fakes/kibana/index.js';
import { FakeKubeApiServer, kubeConfigFor } from '../../test/fakes/kube-apiserver/index.js';
import { ClientNodeKubeClient, type KubeObject } from './kube-client.js';
import { silentOperatorLogger } from './logger.js';
import { boundedAll, ProjectReconciler, type ObjectCacheView } from './project-reconciler.js';

const API = 'synthctl.dev/v1alpha1';
const NS = 'pr';

describe('ProjectReconciler status writes', () => {
  const server = new FakeKubeApiServer();
  let kibana: FakeKibana;
  let url = '';
  let reconciler: ProjectReconciler;
  const logger = silentOperatorLogger();
  const context = { signal: AbortSignal.timeout(120_000), reconcileId: 'test', logger };

  const view = (kind: string): ObjectCacheView => ({
    get: (key) => {
      const [ns, name] = key.split('/');
      return server.get(API, kind, name!, ns) as KubeObject | undefined;
    },
    list: (ns) => server.list(API, kind, ns) as unknown as KubeObject[],
  });
  const monitors = (): KubeObject[] => server.list(API, 'SyntheticMonitor', NS) as unknown as KubeObject[];
  const writes = (): { method: string; path: string }[] => server.requests.filter((r) => r.method !== 'GET');

  before(async () => {
    url = await server.start();
    kibana = await FakeKibana.start({ apiKeys: ['k'], version: '9.1.0' });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: NS },
      data: { apiKey: Buffer.from('k').toString('base64') },
    });
    for (let i = 0; i < 12; i++)
      server.create({
        apiVersion: API,
        kind: 'SyntheticMonitor',
        metadata: { name: `m${String(i)}`, namespace: NS, labels: { team: 'p' } },
        spec:
          i % 3 === 0
            ? { schedule: '3m', tcp: { host: `db${String(i)}.example.com:5432` } }
            : { schedule: '3m', http: { url: `https://m${String(i)}.example.com/` } },
      });
    server.create({
      apiVersion: API,
      kind: 'SyntheticsProject',
      metadata: { name: 'p', namespace: NS },
      spec: {
        kibana: {
          url: kibana.url,
          apiKey: { valueFrom: { secretKeyRef: { name: 'kibana', key: 'apiKey' } } },
        },
        projectId: 'p',
        monitorSelector: { matchLabels: { team: 'p' } },
        defaults: { locations: ['us_east'] },
      },
    });
    const client = new ClientNodeKubeClient(kubeConfigFor(url));
    reconciler = new ProjectReconciler({
      client,
      projects: view('SyntheticsProject'),
      monitors: view('SyntheticMonitor'),
      logger,
    });
  });

  after(async () => {
    await reconciler.close();
    await kibana.stop();
    await server.stop();
  });

  test('the first sync records the Kibana config id and hash of every new monitor', async () => {
    await reconciler.reconcile(`${NS}/p`, context);
    assert.equal(kibana.projectMonitors('default', 'p').length, 12);
    const configIds = new Map(
      kibana.projectMonitors('default', 'p').map((m) => [String(m.attributes['journey_id']), m.id]),
    );
    for (const m of monitors()) {
      const k = m.status?.['kibana'] as Record<string, unknown> | undefined;
      assert.equal(k?.['configId'], configIds.get(`${NS}-${m.metadata.name}`), m.metadata.name);
      assert.match(String(k?.['hash']), /.+/, m.metadata.name);
      assert.ok(m.metadata.finalizers?.includes('synthctl.dev/cleanup'));
    }
  });

  test('a reconcile with nothing changed writes nothing, to the API server or to Kibana', async () => {
    const before = writes().length;
    const bulk = kibana.requests.filter((r) => r.method !== 'GET').length;
    await reconciler.reconcile(`${NS}/p`, context);
    assert.deepEqual(writes().slice(before), []);
    assert.equal(kibana.requests.filter((r) => r.method !== 'GET').length, bulk);
  });

  test('a change to one monitor writes its status only; the others keep their hash', async () => {
    const hashes = new Map(
      monitors().map((m) => [m.metadata.name, (m.status?.['kibana'] as Record<string, unknown>)['hash']]),
    );
    const response = await fetch(`${url}/apis/${API}/namespaces/${NS}/syntheticmonitors/m1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { tags: ['changed'] } }),
    });
    assert.equal(response.status, 200);
    const before = writes().length;
    await reconciler.reconcile(`${NS}/p`, context);
    const statusWrites = writes()
      .slice(before)
      .filter((r) => r.path.includes('/syntheticmonitors/') && r.path.endsWith('/status'))
      .map((r) => r.path.replace(/.*syntheticmonitors\//, ''));
    assert.deepEqual(statusWrites, ['m1/status']);
    for (const m of monitors()) {
      const hash = (m.status?.['kibana'] as Record<string, unknown>)['hash'];
      if (m.metadata.name === 'm1') assert.notEqual(hash, hashes.get('m1'));
      else assert.equal(hash, hashes.get(m.metadata.name), m.metadata.name);
      assert.equal(m.status?.['observedGeneration'], m.metadata.generation);
    }
    assert.ok(
      kibana
        .projectMonitors('default', 'p')
        .some((m) => JSON.stringify(m.attributes['tags']) === JSON.stringify(['changed'])),
    );
  });
});

test('boundedAll keeps at most `limit` tasks in flight, runs all, and throws the first error', async () => {
  let inFlight = 0;
  let peak = 0;
  const done: number[] = [];
  const task = (i: number) => async (): Promise<void> => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    done.push(i);
    if (i === 5) throw new Error('task 5');
  };
  await assert.rejects(
    boundedAll(
      Array.from({ length: 20 }, (_, i) => task(i)),
      3,
      new AbortController().signal,
    ),
    /task 5/,
  );
  assert.equal(peak, 3);
  assert.equal(done.length, 20);
});
