/**
 * Scenarios that hold on any Kubernetes API server with synthctl's CRDs installed: run
 * against the fake API server by default and against a real cluster by the contract suite,
 * so the fake stays honest (kubernetes.md §6, layer 3). Each scenario works in the given
 * namespace, creates what it needs and deletes it.
 */
import assert from 'node:assert/strict';
import {
  ApiException,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

/** One scenario. */
export interface KubeScenario {
  readonly name: string;
  /** True when the scenario writes (creates or deletes objects). */
  readonly writes: boolean;
  run(kc: KubeConfig, namespace: string): Promise<void>;
}

const GROUP = 'synthctl.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'syntheticmonitors';

/** A minimal valid SyntheticMonitor. */
export function monitorManifest(
  name: string,
  namespace: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'SyntheticMonitor',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'contract' } },
    spec: { schedule: '5m', http: { url: 'https://example.com/healthz' }, ...extra },
  };
}

/** The parsed Status body of a client-node ApiException. */
export function statusOf(error: unknown): {
  code: number;
  reason?: string;
  message?: string;
  details?: { causes?: { field: string; message: string; reason: string }[] };
} {
  assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
  const body = typeof error.body === 'string' ? (JSON.parse(error.body) as object) : (error.body as object);
  return { code: error.code, ...body };
}

async function rejects(promise: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await promise;
  } catch (error) {
    return statusOf(error);
  }
  assert.fail('expected the API server to refuse the request');
}

type Obj = {
  metadata: {
    name: string;
    resourceVersion: string;
    generation: number;
    finalizers?: string[];
    deletionTimestamp?: string;
    uid: string;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const SCENARIOS: readonly KubeScenario[] = [
  {
    name: 'discovery maps SyntheticMonitor to syntheticmonitors (KubernetesObjectApi)',
    writes: false,
    async run(kc, namespace) {
      const api = KubernetesObjectApi.makeApiClient(kc);
      const list = await api.list(`${GROUP}/${VERSION}`, 'SyntheticMonitor', namespace);
      assert.ok(Array.isArray(list.items));
    },
  },
  {
    name: 'create sets uid, resourceVersion, generation 1; a second create is 409 AlreadyExists',
    writes: true,
    async run(kc, namespace) {
      const co = kc.makeApiClient(CustomObjectsApi);
      const created = (await co.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        body: monitorManifest('contract-create', namespace),
      })) as Obj;
      try {
        assert.equal(created.metadata.generation, 1);
        assert.match(created.metadata.resourceVersion, /^\d+$/);
        assert.ok(created.metadata.uid.length > 0);
        const again = await rejects(
          co.createNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural: PLURAL,
            body: monitorManifest('contract-create', namespace),
          }),
        );
        assert.equal(again.code, 409);
        assert.equal(again.reason, 'AlreadyExists');
      } finally {
        await co.deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name: 'contract-create',
        });
      }
    },
  },
  {
    name: 'an invalid monitor is 422 Invalid with the CEL message and the field',
    writes: true,
    async run(kc, namespace) {
      const co = kc.makeApiClient(CustomObjectsApi);
      const body = monitorManifest('contract-invalid', namespace);
      (body['spec'] as Record<string, unknown>)['tcp'] = { host: 'db.example.com:5432' };
      const status = await rejects(
        co.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body }),
      );
      assert.equal(status.code, 422);
      assert.equal(status.reason, 'Invalid');
      assert.ok(
        status.details?.causes?.some(
          (c) => c.field === 'spec' && /exactly one of http, tcp, icmp or browser/.test(c.message),
        ),
        JSON.stringify(status),
      );
    },
  },
  {
    name: 'generation moves with spec only; /status ignores spec; main writes ignore status; stale update is 409',
    writes: true,
    async run(kc, namespace) {
      const co = kc.makeApiClient(CustomObjectsApi);
      const ref = { group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'contract-generation' };
      const created = (await co.createNamespacedCustomObject({
        ...ref,
        body: monitorManifest(ref.name, namespace),
      })) as Obj;
      try {
        const withStatus = (await co.patchNamespacedCustomObjectStatus(
          {
            ...ref,
            body: {
              spec: { schedule: '1m' },
              status: {
                observedGeneration: 1,
                conditions: [
                  {
                    type: 'Ready',
                    status: 'True',
                    reason: 'Synced',
                    message: 'ok',
                    lastTransitionTime: '2026-01-01T00:00:00Z',
                  },
                ],
              },
            },
          },
          merge,
        )) as Obj;
        assert.equal(withStatus.metadata.generation, 1, 'a status write does not bump generation');
        assert.equal(withStatus.spec['schedule'], '5m', '/status ignores spec');
        assert.equal((withStatus.status?.['conditions'] as unknown[]).length, 1);
        const updated = (await co.patchNamespacedCustomObject(
          { ...ref, body: { spec: { schedule: '10m' }, status: { observedGeneration: 99 } } },
          merge,
        )) as Obj;
        assert.equal(updated.metadata.generation, 2);
        assert.equal(updated.status?.['observedGeneration'], 1, 'the main resource ignores status');
        const labelled = (await co.patchNamespacedCustomObject(
          { ...ref, body: { metadata: { labels: { extra: 'yes' } } } },
          merge,
        )) as Obj;
        assert.equal(labelled.metadata.generation, 2, 'metadata changes do not bump generation');
        const stale = {
          ...updated,
          metadata: { ...updated.metadata, resourceVersion: created.metadata.resourceVersion },
        };
        const conflict = await rejects(co.replaceNamespacedCustomObject({ ...ref, body: stale }));
        assert.equal(conflict.code, 409);
        assert.equal(conflict.reason, 'Conflict');
      } finally {
        await co.deleteNamespacedCustomObject(ref);
      }
    },
  },
  {
    name: "a patch with an object body and client-node's default json-patch content type is refused",
    writes: true,
    async run(kc, namespace) {
      const co = kc.makeApiClient(CustomObjectsApi);
      const ref = { group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'contract-jsonpatch' };
      await co.createNamespacedCustomObject({ ...ref, body: monitorManifest(ref.name, namespace) });
      try {
        const refused = await rejects(
          co.patchNamespacedCustomObjectStatus({ ...ref, body: { status: { observedGeneration: 1 } } }),
        );
        assert.ok(refused.code === 400 || refused.code === 422, `got ${refused.code}`);
        const patched = (await co.patchNamespacedCustomObject(
          { ...ref, body: [{ op: 'replace', path: '/spec/schedule', value: '15m' }] },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        )) as Obj;
        assert.equal(patched.spec['schedule'], '15m');
        const unsupported = await rejects(
          co.patchNamespacedCustomObject(
            { ...ref, body: { spec: { schedule: '1m' } } },
            setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
          ),
        );
        assert.equal(unsupported.code, 415, 'no strategic merge patch for custom resources');
      } finally {
        await co.deleteNamespacedCustomObject(ref);
      }
    },
  },
  {
    name: 'delete with a finalizer only marks; removing the last finalizer deletes; no new finalizer while deleting',
    writes: true,
    async run(kc, namespace) {
      const co = kc.makeApiClient(CustomObjectsApi);
      const ref = { group: GROUP, version: VERSION, namespace, plural: PLURAL, name: 'contract-finalizer' };
      const body = monitorManifest(ref.name, namespace);
      (body['metadata'] as Record<string, unknown>)['finalizers'] = ['synthctl.dev/cleanup'];
      await co.createNamespacedCustomObject({ ...ref, body });
      await co.deleteNamespacedCustomObject(ref);
      const marked = (await co.getNamespacedCustomObject(ref)) as Obj;
      assert.ok(marked.metadata.deletionTimestamp !== undefined, 'deletionTimestamp set');
      const forbidden = await rejects(
        co.patchNamespacedCustomObject(
          { ...ref, body: { metadata: { finalizers: ['synthctl.dev/cleanup', 'other.example/x'] } } },
          merge,
        ),
      );
      assert.equal(forbidden.code, 422);
      await co.patchNamespacedCustomObject({ ...ref, body: { metadata: { finalizers: null } } }, merge);
      const gone = await rejects(co.getNamespacedCustomObject(ref));
      assert.equal(gone.code, 404);
    },
  },
  {
    name: 'list by label selector',
    writes: true,
    async run(kc, namespace) {
      const co = kc.makeApiClient(CustomObjectsApi);
      const a = monitorManifest('contract-label-a', namespace);
      const b = monitorManifest('contract-label-b', namespace);
      (b['metadata'] as { labels: Record<string, string> }).labels['tier'] = 'gold';
      await co.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        body: a,
      });
      await co.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        body: b,
      });
      try {
        const gold = (await co.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          labelSelector: 'tier=gold',
        })) as { items: Obj[] };
        assert.deepEqual(
          gold.items.map((i) => i.metadata.name),
          ['contract-label-b'],
        );
        const notGold = (await co.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          labelSelector: 'app.kubernetes.io/part-of=contract,tier notin (gold)',
        })) as { items: Obj[] };
        assert.deepEqual(
          notGold.items.map((i) => i.metadata.name),
          ['contract-label-a'],
        );
      } finally {
        for (const name of ['contract-label-a', 'contract-label-b'])
          await co.deleteNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural: PLURAL,
            name,
          });
      }
    },
  },
];
