/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node 1.4.0 models are classes, but its ObjectSerializer takes plain JSON objects (the documented usage). */
/**
 * The Kubernetes contract suite: the scenarios the fake API server passes
 * (`kube-scenarios.ts`), run against a real cluster when `KUBECONFIG` is set. Without one it
 * reports itself skipped, never passed. It installs nothing: the synthctl CRDs must already
 * be there (`kubectl apply -f deploy/crds/`). It creates one temporary namespace and deletes it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { SCENARIOS } from './kube-scenarios.js';

const kubeconfig = process.env['KUBECONFIG'];
const skip =
  kubeconfig === undefined || kubeconfig === ''
    ? 'skipped: no cluster (set KUBECONFIG to run the Kubernetes contract suite)'
    : false;

describe('Kubernetes contract suite (real cluster)', { skip }, () => {
  const kc = new KubeConfig();
  const namespace = `synthctl-contract-${randomBytes(3).toString('hex')}`;
  let crdsInstalled = false;

  before(async () => {
    kc.loadFromDefault();
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    try {
      await ext.readCustomResourceDefinition({ name: 'syntheticmonitors.synthctl.dev' });
      crdsInstalled = true;
    } catch {
      crdsInstalled = false;
    }
    if (crdsInstalled)
      await kc.makeApiClient(CoreV1Api).createNamespace({
        body: {
          metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'synthctl-contract' } },
        },
      });
  });

  after(async () => {
    if (crdsInstalled)
      await kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: namespace })
        .catch(() => undefined);
  });

  test('the installed CRD serves the generated printer columns and the status subresource', async (t) => {
    if (!crdsInstalled) {
      t.skip('the synthctl CRDs are not installed in this cluster (kubectl apply -f deploy/crds/)');
      return;
    }
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const served = await ext.readCustomResourceDefinition({ name: 'syntheticmonitors.synthctl.dev' });
    const generated = parseAllDocuments(
      readFileSync(new URL('../../deploy/crds/synthetic-monitors.yaml', import.meta.url), 'utf8'),
    )
      .map(
        (d) =>
          d.toJS() as {
            kind?: string;
            spec: {
              versions: { name: string; additionalPrinterColumns: { name: string; jsonPath: string }[] }[];
            };
          },
      )
      .find((d) => d.kind === 'CustomResourceDefinition')!;
    const version = served.spec.versions.find((v) => v.name === 'v1alpha1');
    assert.ok(version !== undefined, 'v1alpha1 is served');
    assert.ok(version.subresources?.status !== undefined, 'status subresource');
    assert.deepEqual(
      version.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath]),
      generated.spec.versions[0]!.additionalPrinterColumns.map((c) => [c.name, c.jsonPath]),
    );
    assert.ok(served.spec.names.shortNames?.includes('sm'));
  });

  for (const scenario of SCENARIOS) {
    test(scenario.name, async (t) => {
      if (!crdsInstalled) {
        t.skip('the synthctl CRDs are not installed in this cluster');
        return;
      }
      await scenario.run(kc, namespace);
    });
  }
});

// node:test's summary counts skipped tests, not suites: one skipped test makes `skipped 1` say
// that the contract suite did not run, instead of a silent `skipped 0`.
if (skip !== false)
  void test('Kubernetes contract suite: the scenarios against a real cluster', { skip }, () => undefined);
