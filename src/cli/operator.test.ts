import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { FakeKubeApiServer, kubeConfigFor, writeKubeconfig } from '../../test/fakes/kube-apiserver/index.js';
import { monitorManifest } from '../../test/contract/kube-scenarios.js';
import { InvalidSpecGuard } from '../operator/invalid-spec.js';
import { ClientNodeKubeClient, MONITORS } from '../operator/kube-client.js';
import { silentOperatorLogger } from '../operator/logger.js';
import type { OperatorDeps } from '../operator/operator.js';
import type { CommandContext } from './context.js';
import { operatorCommand, operatorSettings, parseMetricsAddr, type OperatorFlags } from './operator.js';

const FLAGS: OperatorFlags = {
  leaseName: 'synthctl-operator',
  metricsAddr: '127.0.0.1:0',
  workers: '2',
  logLevel: 'info',
};

function capture(): CommandContext & { out: string; err: string; code: number } {
  const ctx = {
    out: '',
    err: '',
    code: 0,
    stdout: { write: (t: string) => (ctx.out += t) },
    stderr: { write: (t: string) => (ctx.err += t) },
    stdin: (async function* () {})(),
    env: {},
    cwd: process.cwd(),
    setExitCode: (c: number) => (ctx.code = Math.max(ctx.code, c)),
  };
  return ctx;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('flags are checked with messages that say what is valid', () => {
  assert.throws(
    () => operatorSettings({ ...FLAGS, workers: '0' }, {}),
    /--workers 0: expected a whole number from 1 to 64/,
  );
  assert.throws(
    () => operatorSettings({ ...FLAGS, logLevel: 'loud' }, {}),
    /--log-level loud: expected one of debug, info, warn, error/,
  );
  assert.throws(() => operatorSettings({ ...FLAGS, namespace: 'Bad_NS' }, {}), /--namespace Bad_NS/);
  assert.throws(() => parseMetricsAddr('8080'), /expected host:port/);
  assert.deepEqual(parseMetricsAddr(':8080'), { host: '0.0.0.0', port: 8080 });
  assert.equal(parseMetricsAddr('0'), undefined);
  const s = operatorSettings(FLAGS, { POD_NAME: 'op-0', POD_NAMESPACE: 'synthctl' }, () => undefined);
  assert.equal(s.identity, 'op-0');
  assert.equal(s.leaseNamespace, 'synthctl');
  assert.equal(s.namespace, undefined, 'all namespaces by default');
});

describe('synthctl operator against the fake API server', () => {
  const server = new FakeKubeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-operator-'));
  let url = '';
  before(async () => {
    url = await server.start();
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('by default the command runs the Kibana reconcilers and exports synthctl_kibana_requests_total', async () => {
    const kc = kubeConfigFor(url);
    const stop = new AbortController();
    let listening = '';
    const ctx = capture();
    const running = operatorCommand({ ...FLAGS, kubeconfig: writeKubeconfig(url, dir) }, ctx, {
      kubeConfig: kc,
      registry: new Registry(),
      logger: silentOperatorLogger(),
      signal: stop.signal,
      onListening: (u) => (listening = u),
    });
    await until('listening', () => listening !== '');
    await until('ready', async () => (await fetch(`${listening}/readyz`)).status === 200);
    const metrics = await (await fetch(`${listening}/metrics`)).text();
    assert.match(metrics, /# TYPE synthctl_kibana_requests_total counter/);
    stop.abort();
    assert.equal(await running, 0, ctx.err);
  });

  test('with a reconciler: leader election, InvalidSpec status without a hot loop, /readyz, /metrics, clean stop', async () => {
    const kc = kubeConfigFor(url);
    const client = new ClientNodeKubeClient(kc);
    const registry = new Registry();
    const stop = new AbortController();
    let listening = '';
    let reconciles = 0;
    // The monitor reconcile as the coming reconciler starts it: read the cache, InvalidSpec guard.
    const reconcilers = (deps: OperatorDeps) => {
      const guard = new InvalidSpecGuard({ client: deps.client });
      return {
        monitors: {
          async reconcile(key: string, ctx: { signal: AbortSignal }) {
            reconciles++;
            const object = deps.monitors.get(key);
            if (object === undefined) return undefined;
            await guard.handle(MONITORS, object, ctx.signal);
            return undefined;
          },
        },
      };
    };
    const ctx = capture();
    const running = operatorCommand({ ...FLAGS, leaderElect: true, leaseNamespace: 'default' }, ctx, {
      kubeConfig: kc,
      client,
      registry,
      logger: silentOperatorLogger(),
      reconcilers,
      signal: stop.signal,
      onListening: (u) => (listening = u),
    });
    await until('listening', () => listening !== '');
    await until('ready', async () => (await fetch(`${listening}/readyz`)).status === 200);
    server.create(monitorManifest('broken-url', 'shop', { http: { url: 'https://exa mple.com/' } }));
    server.create(monitorManifest('fine', 'shop'));
    const statusOf = () =>
      server.get('synthctl.dev/v1alpha1', 'SyntheticMonitor', 'broken-url', 'shop') as {
        status?: {
          observedGeneration?: number;
          conditions?: { type: string; status: string; reason: string; message: string }[];
        };
      };
    await until(
      'InvalidSpec status',
      () =>
        statusOf().status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'InvalidSpec') ?? false,
    );
    const ready = statusOf().status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.match(
      ready.message,
      /spec\.http\.url: http\.url "https:\/\/exa mple\.com\/" is not a valid absolute URL/,
    );
    assert.equal(statusOf().status?.observedGeneration, 1);
    // The Event follows the status write.
    await until('InvalidSpec event', () =>
      (
        server.list('v1', 'Event', 'shop') as {
          reason: string;
          involvedObject: { name: string };
          type: string;
        }[]
      ).some(
        (e) => e.reason === 'InvalidSpec' && e.involvedObject.name === 'broken-url' && e.type === 'Warning',
      ),
    );
    // No hot loop: our own status write is not a relevant change, so nothing re-queues it.
    await new Promise((r) => setTimeout(r, 300));
    const settled = reconciles;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reconciles, settled, 'no reconcile loop after the status write');
    assert.equal(
      server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/broken-url/status')).length,
      1,
      'one status write',
    );
    const metrics = await (await fetch(`${listening}/metrics`)).text();
    assert.match(
      metrics,
      /controller_runtime_reconcile_total\{controller="syntheticmonitor",result="success"\} [1-9]/,
    );
    assert.match(metrics, /workqueue_depth\{name="syntheticmonitor",controller="syntheticmonitor"\} 0/);
    assert.match(metrics, /controller_runtime_active_workers\{controller="syntheticmonitor"\} 0/);
    stop.abort();
    assert.equal(await running, 0);
    const lease = server.get('coordination.k8s.io/v1', 'Lease', 'synthctl-operator', 'default') as {
      spec: { holderIdentity: string };
    };
    assert.equal(lease.spec.holderIdentity, '', 'the lease is released on shutdown');
    await assert.rejects(fetch(`${listening}/healthz`), 'the health server is closed');
  });
});
