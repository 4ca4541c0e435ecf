/**
 * planProject against a stub KibanaApi (no HTTP): version gates, blocked input, prune guard
 * arithmetic and secret handling. The HTTP path is covered in test/kibana-sync*.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretResolver } from '../checks/types.js';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import type { KibanaApi, ProjectMonitorHash, PublicMonitor, SyntheticsParam } from './client.js';
import { planProject } from './plan.js';
import { kibanaCapabilities } from './version.js';

function stubApi(opts: {
  version?: string;
  hashes?: ProjectMonitorHash[];
  monitors?: PublicMonitor[];
  params?: SyntheticsParam[];
}): KibanaApi {
  const fail = (): never => {
    throw new Error('planProject must not write');
  };
  return {
    space: 'default',
    getVersion: () => Promise.resolve(opts.version ?? '9.1.0'),
    getCapabilities: () => Promise.resolve(kibanaCapabilities(opts.version ?? '9.1.0')),
    listProjectMonitors: () =>
      Promise.resolve({ total: opts.hashes?.length ?? 0, monitors: opts.hashes ?? [] }),
    listMonitors: () => Promise.resolve({ total: opts.monitors?.length ?? 0, monitors: opts.monitors ?? [] }),
    getMonitor: () => Promise.resolve(undefined),
    listParams: () => Promise.resolve(opts.params ?? []),
    getParam: () => Promise.resolve(undefined),
    listPrivateLocations: () => Promise.resolve([]),
    bulkUpdate: fail,
    bulkDelete: fail,
    createParam: fail,
    createParams: fail,
    updateParam: fail,
    deleteParam: fail,
    bulkDeleteParams: fail,
    close: () => Promise.resolve(),
  };
}

const project = (spec: Partial<SyntheticsProject['spec']> = {}): SyntheticsProject => ({
  apiVersion: 'synthctl.dev/v1alpha1',
  kind: 'SyntheticsProject',
  metadata: { name: 'p' },
  spec: { kibana: { url: 'http://kibana' }, projectId: 'p', ...spec },
});

const monitor = (name: string, spec: Record<string, unknown> = {}): { monitor: SyntheticMonitor } => ({
  monitor: {
    apiVersion: 'synthctl.dev/v1alpha1',
    kind: 'SyntheticMonitor',
    metadata: { name },
    spec: { schedule: '1m', locations: ['us_east'], http: { url: `https://${name}.example.com/` }, ...spec },
  },
});

const noSecrets: SecretResolver = { resolve: () => Promise.reject(new Error('no secrets here')) };

describe('planProject', () => {
  test('Kibana before 8.6 has no bulk API: the plan fails', async () => {
    await assert.rejects(
      planProject({
        project: project(),
        monitors: [],
        api: stubApi({ version: '8.5.1' }),
        secrets: noSecrets,
      }),
      /older than 8\.6\.0/,
    );
  });

  test('monitor spaces need Kibana 8.19 / 9.1', async () => {
    const plan = await planProject({
      project: project(),
      monitors: [monitor('a', { spaces: ['team-b'] })],
      api: stubApi({ version: '9.0.3' }),
      secrets: noSecrets,
    });
    assert.equal(plan.monitors[0]!.action, 'error');
    assert.match(plan.monitors[0]!.errors.join('\n'), /rejects monitor spaces \(needs 8\.19\.0 or 9\.1\.0\)/);
  });

  test('blocked input: deletes are listed but never run, and the plan says why', async () => {
    const plan = await planProject({
      project: project(),
      monitors: [monitor('a')],
      api: stubApi({ hashes: [{ journey_id: 'default-gone', hash: 'h' }] }),
      secrets: noSecrets,
      blockedReasons: ['monitors/b.yaml:3:1: bad'],
    });
    assert.equal(plan.blocked, true);
    assert.equal(plan.prune.willDelete, false);
    const del = plan.monitors.find((m) => m.action === 'delete')!;
    assert.match(del.skipped ?? '', /input incomplete/);
    assert.equal(plan.summary.delete, 0);
  });

  test('the prune guard counts deletes against maxDeletes; allowMassDelete lifts it', async () => {
    const hashes = ['x', 'y', 'z'].map((id) => ({ journey_id: id, hash: 'h' }));
    const guarded = await planProject({
      project: project({ prune: { maxDeletes: 2 } }),
      monitors: [],
      api: stubApi({ hashes }),
      secrets: noSecrets,
    });
    assert.equal(guarded.prune.willDelete, false);
    assert.match(guarded.errors.join('\n'), /3 deletes exceed prune\.maxDeletes 2/);
    const allowed = await planProject({
      project: project({ prune: { maxDeletes: 2 } }),
      monitors: [],
      api: stubApi({ hashes }),
      secrets: noSecrets,
      allowMassDelete: true,
    });
    assert.equal(allowed.prune.willDelete, true);
    assert.equal(allowed.summary.delete, 3);
  });

  test('while prune is refused, owned params stay too (remaining monitors may use them)', async () => {
    const plan = await planProject({
      project: project({ prune: { maxDeletes: 1 } }),
      monitors: [],
      api: stubApi({
        hashes: ['x', 'y'].map((id) => ({ journey_id: id, hash: 'h' })),
        params: [
          { id: 'p1', key: 'synthctl_x_password', value: 'v', tags: ['synthctl', 'synthctl-project:p'] },
        ],
      }),
      secrets: noSecrets,
    });
    const param = plan.params.find((p) => p.key === 'synthctl_x_password')!;
    assert.equal(param.action, 'delete');
    assert.match(param.skipped ?? '', /monitor prune refused/);
    assert.equal(plan.summary.paramsDelete, 0);
  });

  test('secret values stay out of the plan data; paramValue hands them to apply', async () => {
    const secrets: SecretResolver = { resolve: () => Promise.resolve('top-secret') };
    const plan = await planProject({
      project: project(),
      monitors: [
        monitor('a', {
          http: { url: 'https://a.example.com/', headers: [{ name: 'X-Key', valueFrom: { env: 'K' } }] },
        }),
      ],
      api: stubApi({}),
      secrets,
    });
    const text = JSON.stringify(plan);
    assert.doesNotMatch(text, /top-secret/);
    assert.equal(plan.params.length, 1);
    assert.equal(plan.paramValue(plan.params[0]!.key), 'top-secret');
  });
});
