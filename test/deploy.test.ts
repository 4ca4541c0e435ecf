/**
 * The deployment assets render and validate offline: every Kustomize overlay (and the base)
 * built by the image's `kubectl kustomize` (environment.md §7), every object checked against
 * its Kubernetes schema with `kubernetes-models` and every synthctl resource with our own
 * validator; the restricted Pod Security rules (and the NET_RAW component's departures from them)
 * and RBAC without wildcards; and the Argo CD
 * health checks run by Debian's `lua5.1` against fixtures, as Argo CD's own health_test.yaml do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  type K8sObject,
  assertNoWildcards,
  assertRestrictedPod,
  parseObjects,
  podSecurityLevel,
  rbacRoles,
  validateObject,
  workloads,
} from './support/k8s-validate.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

const KUSTOMIZE_DIRS = [
  'deploy/kustomize/base',
  'deploy/kustomize/overlays/dev',
  'deploy/kustomize/overlays/staging',
  'deploy/kustomize/overlays/prod',
  'deploy/argocd/monitors/dev',
  'deploy/argocd/monitors/staging',
  'deploy/argocd/monitors/prod',
] as const;
const ENVS = ['dev', 'staging', 'prod'] as const;

async function kustomize(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  return parseObjects(stdout, dir);
}

const rendered = new Map<string, Promise<K8sObject[]>>();
function render(dir: string): Promise<K8sObject[]> {
  let objects = rendered.get(dir);
  if (objects === undefined) {
    objects = kustomize(dir);
    rendered.set(dir, objects);
  }
  return objects;
}

for (const dir of KUSTOMIZE_DIRS) {
  void test(`${dir} renders and every object validates`, async () => {
    const objects = await render(dir);
    assert.ok(objects.length > 0);
    for (const object of objects) await validateObject(object, dir);
  });
}

void test('the validation rejects broken objects (it can fail)', async () => {
  const [deployment] = (await render('deploy/kustomize/base')).filter((o) => o.kind === 'Deployment');
  const broken = structuredClone(deployment!) as K8sObject & { spec: Record<string, unknown> };
  delete broken.spec.selector;
  await assert.rejects(validateObject(broken, 'broken'));
  const monitor = (await render('deploy/argocd/monitors/dev')).find((o) => o.kind === 'SyntheticMonitor')!;
  const badMonitor = { ...structuredClone(monitor), spec: { type: 'carrier-pigeon' } };
  await assert.rejects(validateObject(badMonitor, 'broken'));
});

type Namespace = K8sObject & { metadata: { labels?: Record<string, string> } };
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;

/** Asserts that the namespace's enforced level admits every pod (the API server's check). */
function assertEnforcedAdmits(objects: K8sObject[], where: string): string {
  const namespace = objects.find((o): o is Namespace => o.kind === 'Namespace');
  const enforce = namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? '';
  assert.ok(LEVELS.includes(enforce as (typeof LEVELS)[number]), `${where}: enforce ${enforce}`);
  for (const w of workloads(objects)) {
    const needs = podSecurityLevel(w);
    assert.ok(
      // Ordered from the most permissive: a pod meeting a level meets every one before it.
      LEVELS.indexOf(needs) >= LEVELS.indexOf(enforce as (typeof LEVELS)[number]),
      `${where}: ${w.metadata.name} needs ${needs}, the namespace enforces ${enforce}`,
    );
  }
  assert.equal(namespace?.metadata.labels?.['pod-security.kubernetes.io/warn'], 'restricted', where);
  assert.equal(namespace?.metadata.labels?.['pod-security.kubernetes.io/audit'], 'restricted', where);
  return enforce;
}

for (const dir of KUSTOMIZE_DIRS.filter((d) => d.startsWith('deploy/kustomize'))) {
  void test(`${dir}: every pod meets restricted Pod Security in full, the namespace enforces it`, async () => {
    const found = workloads(await render(dir));
    assert.deepEqual(found.map((w) => w.metadata.name).sort(), ['synthctl-operator', 'synthctl-runner']);
    for (const workload of found) {
      // The runner pings over unprivileged ICMP sockets (the sysctl), the operator does not ping.
      assertRestrictedPod(workload, workload.metadata.name === 'synthctl-runner' ? 'unprivileged' : 'none');
      assert.equal(podSecurityLevel(workload), 'restricted', workload.metadata.name);
      for (const c of workload.spec.template.spec.containers) {
        const where = `${workload.metadata.name}/${c.name}`;
        assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${where}: requests`);
        assert.ok(c.resources?.limits?.memory, `${where}: memory limit`);
        assert.match(c.image ?? '', /^ghcr\.io\/synthctl\/synthctl:[\w.-]+$/, `${where}: tagged image`);
      }
    }
    assert.equal(assertEnforcedAdmits(await render(dir), dir), 'restricted');
    const operator = found.find((w) => w.metadata.name === 'synthctl-operator')!;
    const container = operator.spec.template.spec.containers[0]!;
    assert.equal(operator.spec.replicas, 2);
    assert.ok(container.args?.includes('--leader-elect'));
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
  });
}

void test('the restricted check can fail: NET_RAW, privilege escalation, an unsafe sysctl, a hostPath', async () => {
  const runner = workloads(await render('deploy/kustomize/base')).find(
    (w) => w.metadata.name === 'synthctl-runner',
  )!;
  const mutate = (change: (w: typeof runner) => void): typeof runner => {
    const copy = structuredClone(runner);
    change(copy);
    return copy;
  };
  const sc = (w: typeof runner) => w.spec.template.spec.containers[0]!.securityContext!;
  assert.throws(() => {
    assertRestrictedPod(
      mutate((w) => (sc(w).capabilities!.add = ['NET_RAW'])),
      'unprivileged',
    );
  }, /added capabilities/);
  assert.throws(() => {
    assertRestrictedPod(
      mutate((w) => (sc(w).allowPrivilegeEscalation = true)),
      'unprivileged',
    );
  }, /allowPrivilegeEscalation/);
  assert.throws(() => {
    assertRestrictedPod(
      mutate((w) =>
        w.spec.template.spec.securityContext!.sysctls!.push({ name: 'net.core.somaxconn', value: '1' }),
      ),
      'unprivileged',
    );
  }, /net\.core\.somaxconn is not a safe one/);
  assert.throws(() => {
    assertRestrictedPod(
      mutate((w) => w.spec.template.spec.volumes!.push({ name: 'host', hostPath: { path: '/' } })),
      'unprivileged',
    );
  }, /volume host of type hostPath/);
  assert.throws(() => {
    assertRestrictedPod(runner, 'none');
  }, /sysctls/);
  assert.equal(podSecurityLevel(mutate((w) => (sc(w).capabilities!.add = ['NET_RAW']))), 'privileged');
  assert.equal(podSecurityLevel(mutate((w) => (sc(w).allowPrivilegeEscalation = true))), 'baseline');
});

/**
 * Renders an overlay that adds `components` to `resource`, from a temporary directory (Kustomize
 * refuses absolute paths, so they are relative to it).
 */
async function renderWithComponents(resource: string, components: string[]): Promise<K8sObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-kustomize-'));
  try {
    const rel = (p: string): string => relative(dir, join(root, p));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${rel(resource)}]`,
        `components: [${components.map(rel).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
    return parseObjects(stdout, `${resource} + ${components.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const env of ['base', 'overlays/prod'] as const) {
  void test(`components/icmp-net-raw on ${env}: only the runner adds NET_RAW with privilege escalation, no sysctl; the namespace enforces privileged`, async () => {
    const where = `deploy/kustomize/${env} + icmp-net-raw`;
    const objects = await renderWithComponents(`deploy/kustomize/${env}`, [
      'deploy/kustomize/components/icmp-net-raw',
    ]);
    for (const object of objects) await validateObject(object, where);
    const found = workloads(objects);
    assert.deepEqual(found.map((w) => w.metadata.name).sort(), ['synthctl-operator', 'synthctl-runner']);
    for (const w of found) {
      const runner = w.metadata.name === 'synthctl-runner';
      assertRestrictedPod(w, runner ? 'netRaw' : 'none');
      assert.equal(podSecurityLevel(w), runner ? 'privileged' : 'restricted', w.metadata.name);
    }
    assert.equal(assertEnforcedAdmits(objects, where), 'privileged');
    // Everything else is the same as without the component.
    const plain = await render(`deploy/kustomize/${env}`);
    const strip = (list: K8sObject[]): unknown =>
      list.map((o) => {
        const copy = structuredClone(o) as K8sObject & {
          spec?: {
            template?: {
              spec: { securityContext?: { sysctls?: unknown }; containers: { securityContext?: object }[] };
            };
          };
        };
        delete copy.metadata.labels?.['pod-security.kubernetes.io/enforce'];
        const pod = copy.spec?.template?.spec;
        if (pod !== undefined) {
          delete pod.securityContext?.sysctls;
          for (const c of pod.containers) delete c.securityContext;
        }
        return copy;
      });
    assert.deepEqual(strip(objects), strip(plain));
  });
}

void test("the monitoring component (prod): ServiceMonitors with the rules' job labels, the rules, the dashboards", async () => {
  const objects = await render('deploy/kustomize/overlays/prod');
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor') as (K8sObject & {
    spec: {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; relabelings?: { targetLabel: string; replacement: string }[] }[];
    };
  })[];
  const services = objects.filter((o) => o.kind === 'Service') as (K8sObject & {
    metadata: { labels?: Record<string, string> };
    spec: { ports: { name: string }[] };
  })[];
  assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), ['synthctl-operator', 'synthctl-runner']);
  for (const m of monitors) {
    // Each ServiceMonitor selects exactly one Service, by a label it has, on a port it names.
    const selected = services.filter((svc) =>
      Object.entries(m.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels?.[k] === v),
    );
    assert.equal(selected.length, 1, `${m.metadata.name} selects one Service`);
    assert.ok(selected[0]!.spec.ports.some((p) => p.name === m.spec.endpoints[0]!.port));
    // RunnerDown selects up{job="synthctl-runner"}: the job label must be the ServiceMonitor's name.
    assert.deepEqual(m.spec.endpoints[0]!.relabelings, [
      { targetLabel: 'job', replacement: m.metadata.name },
    ]);
  }
  const rules = parseYaml(readFileSync(`${root}observability/prometheus/rules.yml`, 'utf8')) as {
    groups: unknown;
  };
  const rule = objects.find((o) => o.kind === 'PrometheusRule') as
    (K8sObject & { spec: { groups: unknown } }) | undefined;
  assert.deepEqual(rule?.spec.groups, rules.groups);
  const dashboards = objects.filter(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('synthctl-dashboard-'),
  ) as (K8sObject & {
    metadata: { labels?: Record<string, string> };
    data: Record<string, string>;
  })[];
  assert.equal(dashboards.length, 6);
  for (const cm of dashboards) {
    assert.equal(cm.metadata.labels?.['grafana_dashboard'], '1');
    assert.equal(cm.metadata.namespace, 'synthetic-monitoring');
    const [[file, json]] = Object.entries(cm.data) as [[string, string]];
    assert.equal(json, readFileSync(`${root}observability/dashboards/${file}`, 'utf8'), file);
  }
});

void test('RBAC: no wildcards, least privilege, user roles aggregated into edit and view', async () => {
  const objects = await render('deploy/kustomize/base');
  const roles = rbacRoles(objects);
  assert.equal(roles.length, 5);
  assertNoWildcards(roles);
  const byName = new Map(roles.map((r) => [r.metadata.name, r]));
  const verbsOf = (name: string, resource: string): string[] =>
    (byName.get(name)?.rules ?? []).filter((r) => r.resources?.includes(resource)).flatMap((r) => r.verbs);
  assert.deepEqual(verbsOf('synthctl-operator', 'secrets'), ['get', 'list', 'watch']);
  assert.ok(!verbsOf('synthctl-operator', 'syntheticmonitors').includes('delete'));
  assert.deepEqual(verbsOf('synthctl-runner', 'syntheticmonitors/status'), ['patch']);
  assert.deepEqual(verbsOf('synthctl-runner', 'syntheticmonitors'), ['get', 'list', 'watch']);
  const lease = byName.get('synthctl-operator-leader-election')!;
  assert.equal(lease.kind, 'Role', 'Leases only in the operator namespace');
  assert.equal(lease.metadata.namespace, 'synthetic-monitoring');
  assert.equal(
    byName.get('synthctl-monitor-editor')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'],
    'true',
  );
  assert.equal(
    byName.get('synthctl-monitor-viewer')?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-view'],
    'true',
  );
  assert.deepEqual([...new Set(verbsOf('synthctl-monitor-viewer', 'syntheticmonitors'))].sort(), [
    'get',
    'list',
    'watch',
  ]);
});

void test('overlays differ where environments differ: image tag, runner location, log level', async () => {
  const seen = new Map<string, string>();
  for (const env of ENVS) {
    const objects = await render(`deploy/kustomize/overlays/${env}`);
    const config = objects.find(
      (o) =>
        o.kind === 'ConfigMap' &&
        o.metadata.name.startsWith('synthctl-runner-') &&
        !o.metadata.name.includes('monitors'),
    ) as (K8sObject & { data: Record<string, string> }) | undefined;
    assert.ok(config, `${env}: runner ConfigMap`);
    assert.match(config.data.LOCATION ?? '', new RegExp(`^${env}-`));
    const runner = workloads(objects).find((w) => w.metadata.name === 'synthctl-runner')!;
    const image = runner.spec.template.spec.containers[0]!.image!;
    seen.set(env, `${image} ${config.data.LOG_LEVEL}`);
    for (const object of objects) {
      if (
        object.kind !== 'Namespace' &&
        !object.kind.startsWith('Cluster') &&
        object.kind !== 'CustomResourceDefinition'
      ) {
        assert.equal(
          object.metadata.namespace,
          'synthetic-monitoring',
          `${env}: ${object.kind}/${object.metadata.name}`,
        );
      }
    }
  }
  assert.equal(new Set(seen.values()).size, 3, JSON.stringify([...seen]));
});

void test('Argo CD sync waves: namespace -2, CRDs -1, operator 0, projects 1, monitors 2', async () => {
  const wave = (o: K8sObject): string => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0';
  const platform = await render('deploy/kustomize/overlays/prod');
  for (const o of platform) {
    const expected = o.kind === 'Namespace' ? '-2' : o.kind === 'CustomResourceDefinition' ? '-1' : '0';
    assert.equal(wave(o), expected, `${o.kind}/${o.metadata.name}`);
  }
  for (const env of ENVS) {
    const objects = await render(`deploy/argocd/monitors/${env}`);
    assert.ok(objects.some((o) => o.kind === 'SyntheticsProject'));
    assert.ok(
      objects.some((o) => o.kind === 'ConfigMap'),
      'the journeys ConfigMap',
    );
    for (const o of objects) {
      // Journey ConfigMaps are plain core objects: wave 0, before the monitors that read them.
      if (o.kind === 'ConfigMap') {
        assert.equal(wave(o), '0', `${o.kind}/${o.metadata.name}`);
        continue;
      }
      assert.equal(wave(o), o.kind === 'SyntheticsProject' ? '1' : '2', `${o.kind}/${o.metadata.name}`);
      assert.equal(
        o.metadata.annotations?.['argocd.argoproj.io/sync-options'],
        'SkipDryRunOnMissingResource=true',
      );
    }
  }
});

type AppSpec = {
  source: { path: string };
  syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean }; syncOptions?: string[] };
  ignoreDifferences?: { kind: string; jsonPointers?: string[] }[];
};
type AppSet = K8sObject & {
  spec: {
    goTemplate?: boolean;
    generators: { list?: { elements: { env: string }[] } }[];
    template: { spec: AppSpec };
  };
};

void test('Argo CD: AppProject, ApplicationSets over dev/staging/prod pointing at paths that render', async () => {
  const objects = await render('deploy/argocd');
  assert.deepEqual(objects.map((o) => o.kind).sort(), ['AppProject', 'ApplicationSet', 'ApplicationSet']);
  for (const set of objects.filter((o): o is AppSet => o.kind === 'ApplicationSet')) {
    assert.equal(set.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(set.spec.goTemplate, true);
    const envs = set.spec.generators.flatMap((g) => g.list?.elements.map((e) => e.env) ?? []);
    assert.deepEqual(envs, [...ENVS]);
    const spec = set.spec.template.spec;
    assert.deepEqual(spec.syncPolicy?.automated, { prune: true, selfHeal: true });
    for (const env of envs) {
      const path = spec.source.path.replace('{{.env}}', env);
      assert.ok((await render(path)).length > 0, `${set.metadata.name}: ${path}`);
    }
    if (set.metadata.name === 'synthctl-monitors') {
      assert.ok(spec.syncPolicy?.syncOptions?.includes('SkipDryRunOnMissingResource=true'));
      assert.deepEqual(
        spec.ignoreDifferences?.map((d) => `${d.kind} ${d.jsonPointers?.join()}`),
        ['SyntheticMonitor /status', 'SyntheticsProject /status'],
      );
    }
  }
});

// --- Argo CD health checks in Lua --------------------------------------------------------

const argocdCm = parseYaml(readFileSync(`${root}deploy/argocd/argocd-cm-patch.yaml`, 'utf8')) as K8sObject & {
  data: Record<string, string>;
};

void test('argocd-cm patch is a valid ConfigMap that ignores status in diffs', async () => {
  await validateObject(argocdCm, 'argocd-cm');
  assert.match(argocdCm.data['resource.compareoptions'] ?? '', /ignoreResourceStatusField: all/);
});

/** A Lua table literal of a JSON value; JSON null becomes nil, as gopher-lua's decoding does. */
function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  // JSON string escapes are valid Lua 5.1 escapes except \uXXXX, which our fixtures do not use.
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  const fields = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `[${JSON.stringify(k)}] = ${luaLiteral(v)}`,
  );
  return `{${fields.join(', ')}}`;
}

const hasLua = spawnSync('lua5.1', ['-v']).status === 0;

/**
 * Runs a health script as Argo CD does: a chunk with a global `obj` that returns `{status,
 * message}`. The environment holds only `obj`, `ipairs` and `pairs`, so a script that reaches
 * for the `string` library (absent in Argo CD without useOpenLibs) fails here too.
 */
function runHealth(script: string, obj: unknown): { status: string; message: string } {
  const harness = `
local chunk = assert(loadstring(${JSON.stringify(script)}, "health.lua"))
setfenv(chunk, { obj = ${luaLiteral(obj)}, ipairs = ipairs, pairs = pairs })
local hs = chunk()
io.write(tostring(hs.status), "\\n", tostring(hs.message))
`;
  const result = spawnSync('lua5.1', ['-'], { input: harness, encoding: 'utf8', timeout: 5000 });
  assert.equal(result.status, 0, result.stderr);
  const [status = '', message = ''] = result.stdout.split('\n');
  return { status, message };
}

const conditions = (ready: string, reason: string, message: string, synced = 'True') => [
  { type: 'Synced', status: synced, reason: synced === 'True' ? 'Synced' : reason, message },
  { type: 'Ready', status: ready, reason, message },
];
const monitor = (extra: { spec?: object; status?: object; generation?: number }) => ({
  apiVersion: 'synthctl.dev/v1alpha1',
  kind: 'SyntheticMonitor',
  metadata: { name: 'checkout-api', namespace: 'shop-dev', generation: extra.generation ?? 2 },
  spec: { type: 'http', http: { url: 'https://checkout.example.com' }, ...extra.spec },
  ...(extra.status === undefined ? {} : { status: extra.status }),
});

const HEALTH_CASES = [
  {
    name: 'ready',
    obj: monitor({
      status: { observedGeneration: 2, conditions: conditions('True', 'Synced', 'In Kibana') },
    }),
    want: { status: 'Healthy', message: 'Synced: In Kibana' },
  },
  {
    name: 'failed: invalid spec',
    obj: monitor({
      status: {
        observedGeneration: 2,
        conditions: conditions('False', 'InvalidSpec', 'spec.http.url: not a URL'),
      },
    }),
    want: { status: 'Degraded', message: 'InvalidSpec: spec.http.url: not a URL' },
  },
  {
    name: 'failed: not synced',
    obj: monitor({
      status: {
        observedGeneration: 2,
        conditions: [{ type: 'Synced', status: 'False', reason: 'KibanaUnavailable', message: '503' }],
      },
    }),
    want: { status: 'Degraded', message: 'KibanaUnavailable: 503' },
  },
  {
    name: 'progressing: no status',
    obj: monitor({}),
    want: { status: 'Progressing', message: 'Waiting for the operator to reconcile' },
  },
  {
    name: 'progressing: status without conditions',
    obj: monitor({ status: { observedGeneration: 2 } }),
    want: { status: 'Progressing', message: 'Waiting for the operator to reconcile' },
  },
  {
    name: 'stale generation (old Ready=True must not open the next wave)',
    obj: monitor({
      generation: 3,
      status: { observedGeneration: 2, conditions: conditions('True', 'Synced', 'In Kibana') },
    }),
    want: { status: 'Progressing', message: 'Spec change not yet observed by the operator' },
  },
  {
    name: 'disabled',
    obj: monitor({
      spec: { enabled: false },
      status: { observedGeneration: 2, conditions: conditions('True', 'Synced', 'In Kibana') },
    }),
    want: { status: 'Healthy', message: 'Monitor is disabled (spec.enabled: false)' },
  },
] as const;

const projectCases = [
  {
    name: 'ready',
    status: { observedGeneration: 2, conditions: conditions('True', 'Synced', '3 monitors') },
    want: { status: 'Healthy', message: 'Synced: 3 monitors' },
  },
  {
    name: 'failed',
    status: { observedGeneration: 2, conditions: conditions('False', 'MissingApiKey', 'no key', 'False') },
    want: { status: 'Degraded', message: 'MissingApiKey: no key' },
  },
  {
    name: 'progressing',
    status: undefined,
    want: { status: 'Progressing', message: 'Waiting for the operator to reconcile' },
  },
  {
    name: 'stale generation',
    status: { observedGeneration: 1, conditions: conditions('True', 'Synced', '3 monitors') },
    want: { status: 'Progressing', message: 'Spec change not yet observed by the operator' },
  },
] as const;

void test(
  'Argo CD health Lua for SyntheticMonitor (lua5.1)',
  { skip: hasLua ? false : 'lua5.1 not installed (scripts/setup.sh)' },
  () => {
    const script = argocdCm.data['resource.customizations.health.synthctl.dev_SyntheticMonitor'];
    assert.ok(script);
    for (const c of HEALTH_CASES) assert.deepEqual(runHealth(script, c.obj), c.want, c.name);
  },
);

void test(
  'Argo CD health Lua for SyntheticsProject (lua5.1)',
  { skip: hasLua ? false : 'lua5.1 not installed (scripts/setup.sh)' },
  () => {
    const script = argocdCm.data['resource.customizations.health.synthctl.dev_SyntheticsProject'];
    assert.ok(script);
    for (const c of projectCases) {
      const obj = {
        apiVersion: 'synthctl.dev/v1alpha1',
        kind: 'SyntheticsProject',
        metadata: { name: 'shop', generation: 2 },
        spec: {},
        ...(c.status === undefined ? {} : { status: c.status }),
      };
      assert.deepEqual(runHealth(script, obj), c.want, c.name);
    }
  },
);

void test(
  'the Lua harness can fail: a script using the string library errors as in Argo CD',
  { skip: hasLua ? false : 'lua5.1 not installed' },
  () => {
    assert.throws(() => runHealth('return { status = string.upper("healthy") }', {}), /string/);
  },
);
