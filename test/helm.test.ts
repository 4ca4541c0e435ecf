/**
 * The Helm chart deploy/helm/synthctl renders and validates offline, for the default values and a
 * matrix of value sets: rendered with tools/helm-render (Helm's template engine libraries built
 * from Debian's Go packages; no helm binary exists here, environment.md §7–8), every object
 * checked with kubernetes-models, @kubernetes-models/prometheus-operator and our CRD schemas,
 * and the facts that matter asserted: restricted Pod Security in full (NET_RAW only in
 * runner.icmp.mode netRaw, under a privileged namespace), RBAC equal
 * to the Kustomize base, leader election, dashboards and rules equal to the committed ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  HelmRenderError,
  ROOT,
  renderChart,
  type RenderOptions,
  type Rendered,
} from './support/helm-render.js';
import {
  type K8sObject,
  type Workload,
  assertNoWildcards,
  type IcmpPod,
  assertRestrictedPod,
  canonicalRules,
  parseObjects,
  podSecurityLevel,
  rbacRoles,
  validateObject,
  workloads,
} from './support/k8s-validate.js';

const run = promisify(execFile);
const DIGEST = `sha256:${'a1'.repeat(32)}`;
const BROWSER_DIGEST = `sha256:${'b2'.repeat(32)}`;

/** A value set and the ICMP setting its runners must carry (the operator always `none`). */
type Case = { name: string; options: RenderOptions; icmp: IcmpPod };

/** The value sets every generic assertion runs on. */
const MATRIX: Case[] = [
  { name: 'default', options: {}, icmp: 'unprivileged' },
  {
    name: 'production',
    icmp: 'unprivileged',
    options: {
      values: [
        {
          operator: {
            replicas: 3,
            logLevel: 'warn',
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
          },
          runner: {
            location: 'prod-eu-west-1',
            replicas: 2,
            resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
          },
          metrics: {
            serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
            prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
          },
          dashboards: { enabled: true, annotations: { grafana_folder: 'Synthetics' } },
        },
      ],
    },
  },
  {
    name: 'minimal',
    icmp: 'none',
    options: {
      values: [
        {
          runner: { enabled: false },
          networkPolicy: { enabled: false },
          podDisruptionBudget: { enabled: false },
          rbac: { userRoles: false },
        },
      ],
    },
  },
  {
    name: 'browser runner without ICMP',
    icmp: 'none',
    options: {
      values: [{ runner: { browser: { enabled: true, maxBrowsers: 2 }, icmp: { mode: 'disabled' } } }],
    },
  },
  {
    name: 'runner only, ICMP disabled',
    icmp: 'none',
    options: { values: [{ operator: { enabled: false }, runner: { icmp: { mode: 'disabled' } } }] },
  },
  {
    name: 'ICMP with NET_RAW, two locations',
    icmp: 'netRaw',
    options: {
      values: [{ runner: { icmp: { mode: 'netRaw' }, additionalLocations: [{ name: 'eu-west' }] } }],
    },
  },
  {
    name: 'browser runner with NET_RAW',
    icmp: 'netRaw',
    options: { values: [{ runner: { browser: { enabled: true }, icmp: { mode: 'netRaw' } } }] },
  },
  {
    name: 'PodMonitors',
    icmp: 'unprivileged',
    options: { values: [{ metrics: { podMonitor: { enabled: true, interval: '15s' } } }] },
  },
  {
    name: 'two runner locations',
    icmp: 'unprivileged',
    options: {
      values: [
        {
          runner: {
            additionalLocations: [
              {
                name: 'eu-west',
                replicas: 2,
                nodeSelector: { 'topology.kubernetes.io/region': 'eu-west-1' },
              },
            ],
          },
        },
      ],
    },
  },
  {
    name: 'projects from values',
    icmp: 'unprivileged',
    options: {
      values: [
        {
          kibana: {
            url: 'https://kibana.example.com',
            space: 'shop',
            apiKeySecret: { name: 'kibana-synthetics', key: 'api-key' },
          },
          projects: [
            {
              name: 'shop',
              namespace: 'shop-prod',
              spec: { projectId: 'shop', defaults: { schedule: '5m', locations: ['us_east'] } },
            },
            {
              name: 'payments',
              spec: {
                projectId: 'payments',
                kibana: {
                  url: 'https://kibana.payments.example.com',
                  apiKey: { valueFrom: { env: 'KIBANA_API_KEY' } },
                },
              },
            },
          ],
          operator: { kibana: { apiKeySecret: { name: 'kibana-operator' } } },
        },
      ],
    },
  },
  {
    name: 'release namespace, no namespace object',
    icmp: 'unprivileged',
    options: { namespace: 'monitoring', values: [{ namespace: { name: '', create: false } }] },
  },
  {
    name: 'image digest',
    icmp: 'unprivileged',
    options: {
      values: [
        {
          image: { digest: DIGEST },
          runner: { browser: { enabled: true, image: { digest: BROWSER_DIGEST } } },
        },
      ],
    },
  },
  {
    name: 'pull secrets, scheduling, extra env',
    icmp: 'unprivileged',
    options: {
      release: 'synth',
      values: [
        {
          imagePullSecrets: ['regcred', { name: 'mirror' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'monitoring', effect: 'NoSchedule' }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'pool', operator: 'In', values: ['infra'] }] },
                ],
              },
            },
          },
          operator: {
            extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
            extraArgs: ['--workers=4'],
          },
          runner: { extraEnv: [{ name: 'TZ', value: 'UTC' }], nodeSelector: { pool: 'runners' } },
        },
      ],
      set: ['runner.replicas=3', 'commonLabels.team=platform'],
    },
  },
];

const cache = new Map<string, Promise<Rendered>>();
function render(c: Case): Promise<Rendered> {
  let r = cache.get(c.name);
  if (r === undefined) {
    r = renderChart(c.options);
    cache.set(c.name, r);
  }
  return r;
}

const namespaceOf = (c: Case): string =>
  c.name.startsWith('release namespace') ? 'monitoring' : 'synthetic-monitoring';
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

for (const c of MATRIX) {
  void test(`helm ${c.name}: every rendered object validates`, async () => {
    const { objects, sources } = await render(c);
    assert.ok(objects.length >= 5, `${objects.length} objects`);
    assert.equal(sources.length, objects.length, 'one # Source line per document');
    assert.ok(!sources.some((s) => s.endsWith('NOTES.txt') || s.includes('/_')), 'no NOTES or partials');
    for (const object of objects) await validateObject(object, `helm ${c.name}`);
  });

  void test(`helm ${c.name}: restricted Pod Security in full (runner: ${c.icmp}), namespaces, labels`, async () => {
    const { objects } = await render(c);
    const found = workloads(objects);
    assert.ok(found.length > 0);
    for (const w of found) {
      const isRunner = w.metadata.labels?.['app.kubernetes.io/component'] === 'runner';
      assertRestrictedPod(w, isRunner ? c.icmp : 'none');
      assert.equal(podSecurityLevel(w), isRunner && c.icmp === 'netRaw' ? 'privileged' : 'restricted');
      for (const container of w.spec.template.spec.containers) {
        assert.ok(container.resources?.requests?.memory, `${w.metadata.name}: memory request`);
        assert.ok(container.resources?.limits?.memory, `${w.metadata.name}: memory limit`);
      }
      // The selector must match the pod template, or the API server rejects the Deployment.
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) {
        assert.equal(
          (w.spec.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[k],
          v,
        );
      }
    }
    for (const o of objects) {
      const where = `${o.kind}/${o.metadata.name}`;
      if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.namespace, undefined, where);
      else if (o.kind !== 'SyntheticsProject') assert.equal(o.metadata.namespace, namespaceOf(c), where);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm', where);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'synthctl', where);
    }
    const ns = objects.find((o) => o.kind === 'Namespace');
    if (ns !== undefined) {
      // Baseline refuses adding NET_RAW as restricted does: netRaw needs privileged.
      assert.equal(
        ns.metadata.labels?.['pod-security.kubernetes.io/enforce'],
        c.icmp === 'netRaw' ? 'privileged' : 'restricted',
      );
      assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/warn'], 'restricted');
      assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/audit'], 'restricted');
    }
  });
}

function deployment(objects: K8sObject[], name: string): Workload {
  const found = workloads(objects).find((w) => w.metadata.name === name);
  assert.ok(
    found,
    `Deployment ${name} in ${workloads(objects)
      .map((w) => w.metadata.name)
      .join(', ')}`,
  );
  return found;
}

const byCase = (name: string): Case => MATRIX.find((c) => c.name === name)!;

void test('helm default: the same objects as the Kustomize base, operator with leader election', async () => {
  const { objects, notes } = await render(byCase('default'));
  const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.deepEqual(kinds, [
    'Namespace/synthetic-monitoring',
    'NetworkPolicy/synthctl-default-deny-ingress',
    'NetworkPolicy/synthctl-operator-metrics',
    'NetworkPolicy/synthctl-runner-metrics',
    'PodDisruptionBudget/synthctl-operator',
    'PodDisruptionBudget/synthctl-runner',
    'ServiceAccount/synthctl-operator',
    'ServiceAccount/synthctl-runner',
    'ClusterRole/synthctl-operator',
    'ClusterRole/synthctl-runner',
    'ClusterRole/synthctl-monitor-editor',
    'ClusterRole/synthctl-monitor-viewer',
    'ClusterRoleBinding/synthctl-operator',
    'ClusterRoleBinding/synthctl-runner',
    'Role/synthctl-operator-leader-election',
    'RoleBinding/synthctl-operator-leader-election',
    'Service/synthctl-operator-metrics',
    'Service/synthctl-runner-metrics',
    'Deployment/synthctl-operator',
    'Deployment/synthctl-runner',
  ]);
  const operator = deployment(objects, 'synthctl-operator');
  const container = operator.spec.template.spec.containers[0]!;
  assert.equal(operator.spec.replicas, 2);
  assert.ok(container.args?.includes('--leader-elect'));
  assert.ok(container.args?.includes('--lease-name=synthctl-operator'));
  assert.equal(container.image, 'ghcr.io/synthctl/synthctl:0.1.0');
  assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
  const runner = deployment(objects, 'synthctl-runner').spec.template.spec.containers[0]!;
  assert.ok(runner.args?.includes('--location=local'));
  assert.ok(runner.args?.includes('--kubernetes'));
  assert.match(notes, /synthctl 0\.1\.0 is installed in namespace synthetic-monitoring/);
});

void test('helm RBAC equals the Kustomize base: same roles, same rules, same subjects', async () => {
  const { stdout } = await run('kubectl', ['kustomize', 'deploy/kustomize/base'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const kustomize = parseObjects(stdout, 'kustomize base');
  const { objects } = await render(byCase('default'));
  const rolesOf = (list: K8sObject[]) =>
    new Map(rbacRoles(list).map((r) => [`${r.kind}/${r.metadata.name}`, r]));
  const chartRoles = rolesOf(objects);
  const baseRoles = rolesOf(kustomize);
  assert.deepEqual([...chartRoles.keys()].sort(), [...baseRoles.keys()].sort());
  assertNoWildcards([...chartRoles.values()]);
  for (const [name, role] of baseRoles) {
    assert.deepEqual(canonicalRules(chartRoles.get(name)!), canonicalRules(role), name);
    for (const label of ['aggregate-to-edit', 'aggregate-to-admin', 'aggregate-to-view']) {
      const key = `rbac.authorization.k8s.io/${label}`;
      assert.equal(
        chartRoles.get(name)!.metadata.labels?.[key],
        role.metadata.labels?.[key],
        `${name} ${key}`,
      );
    }
  }
  type Binding = K8sObject & { roleRef: unknown; subjects: unknown[] };
  const bindingsOf = (list: K8sObject[]) =>
    list
      .filter((o): o is Binding => o.kind.endsWith('RoleBinding'))
      .map((b) => JSON.stringify([b.kind, b.metadata.name, b.metadata.namespace, b.roleRef, b.subjects]))
      .sort();
  assert.deepEqual(bindingsOf(objects), bindingsOf(kustomize));
});

void test('helm production: replicas, resources, ServiceMonitors, PrometheusRule and dashboards', async () => {
  const { objects } = await render(byCase('production'));
  const operator = deployment(objects, 'synthctl-operator');
  assert.equal(operator.spec.replicas, 3);
  assert.deepEqual(operator.spec.template.spec.containers[0]!.resources, {
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { memory: '512Mi' },
  });
  assert.ok(operator.spec.template.spec.containers[0]!.args?.includes('--log-level=warn'));
  const runner = deployment(objects, 'synthctl-runner');
  assert.equal(runner.spec.replicas, 2);
  assert.ok(runner.spec.template.spec.containers[0]!.args?.includes('--location=prod-eu-west-1'));
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
  assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), ['synthctl-operator', 'synthctl-runner']);
  for (const m of monitors) assert.equal(m.metadata.labels?.release, 'kube-prometheus-stack');
  const runnerMonitor = monitors.find((m) => m.metadata.name === 'synthctl-runner') as K8sObject & {
    spec: { endpoints: { relabelings: { targetLabel: string; replacement: string }[] }[] };
  };
  // observability/prometheus/rules.yml selects the runner with job="synthctl-runner".
  assert.deepEqual(runnerMonitor.spec.endpoints[0]!.relabelings, [
    { targetLabel: 'job', replacement: 'synthctl-runner' },
  ]);
  assert.equal(objects.filter((o) => o.kind === 'PodMonitor').length, 0);
});

void test('helm PrometheusRule groups equal observability/prometheus/rules.yml', async () => {
  const { objects } = await render(byCase('production'));
  const rule = objects.find((o) => o.kind === 'PrometheusRule') as
    (K8sObject & { spec: { groups: unknown } }) | undefined;
  assert.ok(rule);
  const committed = parseYaml(readFileSync(join(ROOT, 'observability/prometheus/rules.yml'), 'utf8')) as {
    groups: unknown[];
  };
  assert.ok(committed.groups.length > 0);
  assert.deepEqual(rule.spec.groups, committed.groups);
});

void test('helm dashboards: one ConfigMap per committed dashboard, holding its JSON, sidecar label', async () => {
  const { objects } = await render(byCase('production'));
  const dir = join(ROOT, 'observability/dashboards');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6);
  const maps = objects.filter((o) => o.kind === 'ConfigMap') as (K8sObject & {
    data: Record<string, string>;
  })[];
  assert.equal(maps.length, files.length);
  for (const file of files) {
    const name = `synthctl-dashboard-${file.replace(/\.json$/, '')}`;
    const map = maps.find((m) => m.metadata.name === name);
    assert.ok(map, name);
    assert.deepEqual(Object.keys(map.data), [file]);
    assert.equal(
      map.data[file],
      readFileSync(join(dir, file), 'utf8'),
      `${file} differs from the committed JSON`,
    );
    assert.equal(map.metadata.labels?.grafana_dashboard, '1');
    assert.equal(map.metadata.annotations?.grafana_folder, 'Synthetics');
  }
  const custom = await renderChart({
    values: [{ dashboards: { enabled: true, label: 'dashboards', labelValue: 'synthctl' } }],
  });
  const customMap = custom.objects.find((o) => o.kind === 'ConfigMap')!;
  assert.equal(customMap.metadata.labels?.dashboards, 'synthctl');
  assert.equal(customMap.metadata.labels?.grafana_dashboard, undefined);
});

void test('helm minimal: no runner, NetworkPolicies, PDBs or user roles', async () => {
  const { objects } = await render(byCase('minimal'));
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of ['NetworkPolicy', 'PodDisruptionBudget']) assert.ok(!kinds.has(kind), kind);
  assert.deepEqual(
    workloads(objects).map((w) => w.metadata.name),
    ['synthctl-operator'],
  );
  assert.deepEqual(
    rbacRoles(objects)
      .map((r) => r.metadata.name)
      .sort(),
    ['synthctl-operator', 'synthctl-operator-leader-election'],
  );
  assert.ok(!objects.some((o) => o.metadata.name.includes('runner')));
});

void test('helm browser runner: the -browser image, --browser=on, /dev/shm in memory, no NET_RAW', async () => {
  const { objects } = await render(byCase('browser runner without ICMP'));
  const runner = deployment(objects, 'synthctl-runner').spec.template.spec;
  const container = runner.containers[0]!;
  assert.equal(container.image, 'ghcr.io/synthctl/synthctl:0.1.0-browser');
  assert.ok(container.args?.includes('--browser=on'));
  assert.ok(container.args?.includes('--max-browsers=2'));
  assert.deepEqual(container.securityContext?.capabilities?.add, undefined);
  assert.ok(container.volumeMounts?.some((m) => m.name === 'dshm' && m.mountPath === '/dev/shm'));
  assert.equal(runner.volumes?.find((v) => v.name === 'dshm')?.emptyDir?.medium, 'Memory');
  // The operator keeps the standard image.
  assert.equal(
    deployment(objects, 'synthctl-operator').spec.template.spec.containers[0]!.image,
    'ghcr.io/synthctl/synthctl:0.1.0',
  );
});

void test('helm runner.icmp.mode: the same securityContexts as the Kustomize base and its icmp-net-raw component; NOTES say which', async () => {
  const { stdout } = await run('kubectl', ['kustomize', 'deploy/kustomize/base'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const baseRunner = deployment(parseObjects(stdout, 'kustomize base'), 'synthctl-runner').spec.template.spec;
  const defaults = await render(byCase('default'));
  const chartRunner = deployment(defaults.objects, 'synthctl-runner').spec.template.spec;
  assert.deepEqual(chartRunner.securityContext, baseRunner.securityContext);
  assert.deepEqual(chartRunner.containers[0]!.securityContext, baseRunner.containers[0]!.securityContext);
  assert.match(defaults.notes, /ICMP monitors ping without capabilities/);
  assert.match(defaults.notes, /SysctlForbidden/);

  const netRaw = await render(byCase('ICMP with NET_RAW, two locations'));
  const runners = workloads(netRaw.objects).filter(
    (w) => w.metadata.labels?.['app.kubernetes.io/component'] === 'runner',
  );
  assert.deepEqual(
    runners.map((w) => w.metadata.name),
    ['synthctl-runner', 'synthctl-runner-eu-west'],
  );
  for (const w of runners) {
    const sc = w.spec.template.spec.containers[0]!.securityContext;
    assert.deepEqual(sc?.capabilities, { drop: ['ALL'], add: ['NET_RAW'] }, w.metadata.name);
    assert.equal(sc?.allowPrivilegeEscalation, true, w.metadata.name);
    assert.equal(w.spec.template.spec.securityContext?.sysctls, undefined, w.metadata.name);
  }
  assert.match(netRaw.notes, /runner\.icmp\.mode=netRaw/);
  assert.match(netRaw.notes, /the namespace enforces privileged and warns restricted/);

  const disabled = await render(byCase('runner only, ICMP disabled'));
  const off = deployment(disabled.objects, 'synthctl-runner').spec.template.spec;
  assert.equal(off.securityContext?.sysctls, undefined);
  assert.equal(off.containers[0]!.securityContext?.capabilities?.add, undefined);
  assert.match(disabled.notes, /ICMP is off \(runner\.icmp\.mode=disabled\)/);
});

void test('helm PodMonitors replace ServiceMonitors', async () => {
  const { objects } = await render(byCase('PodMonitors'));
  assert.deepEqual(
    objects
      .filter((o) => o.kind === 'PodMonitor')
      .map((o) => o.metadata.name)
      .sort(),
    ['synthctl-operator', 'synthctl-runner'],
  );
  assert.equal(objects.filter((o) => o.kind === 'ServiceMonitor').length, 0);
});

void test('helm two runner locations: one Deployment and PDB each, disjoint selectors', async () => {
  const { objects } = await render(byCase('two runner locations'));
  const primary = deployment(objects, 'synthctl-runner');
  const eu = deployment(objects, 'synthctl-runner-eu-west');
  assert.equal(eu.spec.replicas, 2);
  assert.ok(eu.spec.template.spec.containers[0]!.args?.includes('--location=eu-west'));
  assert.deepEqual(eu.spec.template.spec.nodeSelector, { 'topology.kubernetes.io/region': 'eu-west-1' });
  assert.equal(primary.spec.template.spec.nodeSelector, undefined);
  assert.notDeepEqual(primary.spec.selector.matchLabels, eu.spec.selector.matchLabels);
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name);
  assert.deepEqual(pdbs.sort(), ['synthctl-operator', 'synthctl-runner', 'synthctl-runner-eu-west']);
});

void test('helm projects: SyntheticsProjects with Kibana defaults, valid against our CRD', async () => {
  const { objects } = await render(byCase('projects from values'));
  type Project = K8sObject & { spec: { kibana: Record<string, unknown>; projectId: string } };
  const projects = objects.filter((o): o is Project => o.kind === 'SyntheticsProject');
  assert.equal(projects.length, 2);
  const shop = projects.find((p) => p.metadata.name === 'shop')!;
  assert.equal(shop.metadata.namespace, 'shop-prod');
  assert.deepEqual(shop.spec.kibana, {
    url: 'https://kibana.example.com',
    space: 'shop',
    apiKey: { valueFrom: { secretKeyRef: { name: 'kibana-synthetics', key: 'api-key' } } },
  });
  const payments = projects.find((p) => p.metadata.name === 'payments')!;
  assert.equal(payments.metadata.namespace, 'synthetic-monitoring');
  assert.deepEqual(payments.spec.kibana, {
    url: 'https://kibana.payments.example.com',
    space: 'shop',
    apiKey: { valueFrom: { env: 'KIBANA_API_KEY' } },
  });
  const env = deployment(objects, 'synthctl-operator').spec.template.spec.containers[0]!.env ?? [];
  assert.deepEqual(
    env.find((e) => e.name === 'KIBANA_API_KEY'),
    { name: 'KIBANA_API_KEY', valueFrom: { secretKeyRef: { name: 'kibana-operator', key: 'api-key' } } },
  );
  // The CRD validation can fail: a project the CRD refuses is caught.
  const broken = { ...structuredClone(shop), spec: { ...shop.spec, driftPolicy: 'Sometimes' } };
  await assert.rejects(validateObject(broken, 'broken'));
});

void test('helm with the release namespace: no Namespace object, everything in -n', async () => {
  const { objects } = await render(byCase('release namespace, no namespace object'));
  assert.ok(!objects.some((o) => o.kind === 'Namespace'));
  const binding = objects.find((o) => o.kind === 'ClusterRoleBinding') as K8sObject & {
    subjects: { namespace: string }[];
  };
  assert.equal(binding.subjects[0]!.namespace, 'monitoring');
});

void test('helm image digest: images pulled by digest, the browser variant by its own', async () => {
  const { objects } = await render(byCase('image digest'));
  const image = (name: string) => deployment(objects, name).spec.template.spec.containers[0]!.image;
  assert.equal(image('synthctl-operator'), `ghcr.io/synthctl/synthctl@${DIGEST}`);
  assert.equal(image('synthctl-runner'), `ghcr.io/synthctl/synthctl@${BROWSER_DIGEST}`);
});

void test('helm pull secrets, scheduling, extra env and --set', async () => {
  const { objects } = await render(byCase('pull secrets, scheduling, extra env'));
  const operator = deployment(objects, 'synth-synthctl-operator').spec.template.spec;
  const runner = deployment(objects, 'synth-synthctl-runner');
  assert.deepEqual(operator.imagePullSecrets, [{ name: 'regcred' }, { name: 'mirror' }]);
  assert.deepEqual(runner.spec.template.spec.imagePullSecrets, [{ name: 'regcred' }, { name: 'mirror' }]);
  assert.deepEqual(operator.nodeSelector, { 'kubernetes.io/os': 'linux' });
  assert.deepEqual(
    runner.spec.template.spec.nodeSelector,
    { pool: 'runners' },
    'the runner own nodeSelector wins',
  );
  assert.equal((operator.tolerations as { key: string }[])[0]!.key, 'dedicated');
  assert.ok(operator.affinity);
  assert.ok(operator.containers[0]!.env?.some((e) => e.name === 'HTTPS_PROXY'));
  assert.ok(operator.containers[0]!.args?.includes('--workers=4'));
  assert.ok(runner.spec.template.spec.containers[0]!.env?.some((e) => e.name === 'TZ'));
  assert.equal(runner.spec.replicas, 3, '--set runner.replicas=3');
  assert.equal(runner.metadata.labels?.team, 'platform', '--set commonLabels.team=platform');
});

void test('helm --include-crds prints the CRDs of deploy/crds first, and they validate', async () => {
  const { objects, sources } = await renderChart({ includeCrds: true });
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  assert.deepEqual(crds.map((o) => o.metadata.name).sort(), [
    'syntheticmonitors.synthctl.dev',
    'syntheticsprojects.synthctl.dev',
  ]);
  assert.ok(sources[0]!.startsWith('synthctl/crds/'));
  const committed = ['synthetic-monitors.yaml', 'synthetics-projects.yaml'].flatMap((f) =>
    parseObjects(readFileSync(join(ROOT, 'deploy/crds', f), 'utf8'), f),
  );
  assert.deepEqual(crds, committed);
  for (const crd of crds) await validateObject(crd, 'crds');
});

// --- values the chart refuses -------------------------------------------------------------

async function renderError(options: RenderOptions): Promise<string> {
  try {
    await renderChart(options);
  } catch (error) {
    if (error instanceof HelmRenderError) return error.message;
    throw error;
  }
  assert.fail(`rendering succeeded: ${JSON.stringify(options)}`);
}

void test('values.schema.json rejects bad values with a message naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [
      { operator: { replicas: 'three' } },
      /- operator\.replicas: Invalid type\. Expected: integer, given: string/,
    ],
    [{ operator: { replica: 3 } }, /- operator: Additional property replica is not allowed/],
    [{ runner: { location: 'Not A Location' } }, /- runner\.location: Does not match pattern/],
    [{ image: { digest: 'latest' } }, /- image\.digest: Does not match pattern/],
    [
      { image: { pullPolicy: 'Sometimes' } },
      /- image\.pullPolicy: image\.pullPolicy must be one of the following/,
    ],
    [
      { operator: { logLevel: 'loud' } },
      /- operator\.logLevel: operator\.logLevel must be one of the following/,
    ],
    [{ projects: [{ spec: {} }] }, /- projects\.0: name is required/],
    [
      { runner: { icmp: { mode: 'raw' } } },
      /- runner\.icmp\.mode: runner\.icmp\.mode must be one of the following: "unprivileged", "netRaw", "disabled"/,
    ],
    // The boolean of earlier chart versions is refused, not silently ignored.
    [{ runner: { icmp: { enabled: true } } }, /- runner\.icmp: Additional property enabled is not allowed/],
  ];
  for (const [values, message] of cases) {
    const error = await renderError({ values: [values] });
    assert.match(
      error,
      /^Error: values don't meet the specifications of the schema\(s\) in the following chart\(s\):\nsynthctl:\n/,
    );
    assert.match(error, message, JSON.stringify(values));
  }
});

void test('the chart fails with its own messages (fail and required)', async () => {
  assert.match(
    await renderError({ values: [{ operator: { replicas: 3, leaderElection: { enabled: false } } }] }),
    /execution error at \(synthctl\/templates\/operator\.yaml:\d+:\d+\): operator\.replicas > 1 needs operator\.leaderElection\.enabled/,
  );
  assert.match(
    await renderError({
      values: [{ metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } } }],
    }),
    /execution error at \(synthctl\/templates\/monitors\.yaml:\d+:\d+\): metrics\.serviceMonitor\.enabled and metrics\.podMonitor\.enabled: choose one/,
  );
  assert.match(
    await renderError({ values: [{ projects: [{ name: 'shop' }] }] }),
    /execution error at \(synthctl\/templates\/projects\.yaml:\d+:\d+\): projects\[0\] \(shop\): spec\.kibana\.url or kibana\.url is required/,
  );
  assert.match(
    await renderError({ values: [{ image: { digest: DIGEST }, runner: { browser: { enabled: true } } }] }),
    /runner\.browser\.image\.digest: image\.digest pins the standard image/,
  );
  assert.match(
    await renderError({ values: [{ runner: { additionalLocations: [{ name: 'local' }] } }] }),
    /location "local" appears twice/,
  );
  assert.match(
    await renderError({
      values: [{ runner: { icmp: { mode: 'netRaw' } }, namespace: { podSecurity: { enforce: 'baseline' } } }],
    }),
    /execution error at \(synthctl\/templates\/namespace\.yaml:\d+:\d+\): namespace\.podSecurity\.enforce baseline refuses the runner: runner\.icmp\.mode netRaw adds NET_RAW, which only privileged allows/,
  );
  assert.match(
    await renderError({ kubeVersion: '1.24.9' }),
    /chart requires kubeVersion: >=1\.25\.0-0 which is incompatible with Kubernetes v1\.24\.9/,
  );
});

// --- the renderer itself, against Helm's documented behaviour ------------------------------

const ENGINE = 'testdata/helm/engine';

void test('helm-render: values coalescing (null deletes a default, maps merge, later files win, --set typed)', async () => {
  const { objects } = await renderChart({
    chart: ENGINE,
    release: 'rel',
    namespace: 'ns',
    values: [{ a: { c: null, d: 3 }, keep: null, name: 'first' }, { name: 'second' }],
    set: ['list={7,8}', 'x.y=010', 'n=5', 'flag=true', 'gone=null'],
  });
  const data = (
    objects.find((o) => o.metadata.name === 'values') as K8sObject & { data: Record<string, string> }
  ).data;
  assert.deepEqual(JSON.parse(data.values!), {
    a: { b: 1, d: 3 },
    big: 1000000,
    flag: true,
    // A null for a key the chart does not define stays (Helm deletes only chart defaults).
    gone: null,
    greeting: 'hello {{ .Values.name }} from {{ include "engine.name" . }}',
    list: [7, 8],
    n: 5,
    name: 'second',
    x: { y: '010' },
  });
  // Numbers from YAML values become float64, as in Helm (sigs.k8s.io/yaml through JSON).
  assert.equal(data.big, '1e+06');
});

void test('helm-render: include + nindent, tpl, missing keys print nothing, built-in objects', async () => {
  const { objects, stdout } = await renderChart({ chart: ENGINE, release: 'rel', namespace: 'ns' });
  assert.match(stdout, /\n {2}labels:\n {4}app: engine-rel\n {4}chart: engine-1\.2\.3\n/);
  const data = (
    objects.find((o) => o.metadata.name === 'values') as K8sObject & { data: Record<string, string> }
  ).data;
  assert.equal(data.greeting, 'hello world from engine-rel');
  assert.equal(data.missing, '');
  assert.ok(!stdout.includes('<no value>'));
  assert.equal(data.release, 'rel ns Helm true false 1');
  assert.equal(data.chart, 'engine 1.2.3 4.5 v2');
  assert.equal(data.capabilities, 'v1.31.0 1 true false');
  assert.equal(data.template, 'engine/templates/values.yaml engine/templates');
  assert.equal(data.lookup, '{}');
  assert.equal(data.toYaml, 'a:\n- x\n- "true"\nm: |-\n  line1\n  line2\nz: 1');
  const withApi = await renderChart({
    chart: ENGINE,
    apiVersions: ['monitoring.coreos.com/v1'],
    kubeVersion: 'v1.29.3',
  });
  assert.match(withApi.stdout, /capabilities: "v1\.29\.3 1 true true"/);
});

void test('helm-render: Files (Glob, AsConfig, AsSecrets, Get, Lines) and .helmignore', async () => {
  const { objects } = await renderChart({ chart: ENGINE });
  const data = (name: string) =>
    (objects.find((o) => o.metadata.name === name) as K8sObject & { data: Record<string, string> }).data;
  assert.deepEqual(data('files'), { 'a.txt': 'alpha\n' });
  const deep = data('files-deep');
  assert.equal(
    deep.names,
    'files/a.txt,files/b.conf,files/sub/c.txt,',
    '** crosses directories; *.ignored is ignored',
  );
  assert.equal(deep.braces, 'files/a.txt,files/b.conf,');
  assert.equal(deep.get, 'one\ntwo\n');
  assert.equal(deep.absent, '');
  assert.equal(deep.lines, '["one","two"]');
  assert.equal(deep.secrets, `a.txt: ${Buffer.from('alpha\n').toString('base64')}`);
});

void test('helm-render: output order by kind, partials, NOTES.txt and empty templates not emitted', async () => {
  const { sources, objects, notes } = await renderChart({ chart: ENGINE, release: 'rel' });
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata.name}`),
    ['Namespace/first', 'ConfigMap/files', 'ConfigMap/files-deep', 'ConfigMap/values'],
  );
  assert.deepEqual(sources, [
    'engine/templates/z-first.yaml',
    'engine/templates/files.yaml',
    'engine/templates/files.yaml',
    'engine/templates/values.yaml',
  ]);
  assert.equal(notes, 'Notes for rel.\n');
});

void test('helm-render: fail, required, nil pointers and schema errors as Helm reports them', async () => {
  assert.equal(
    await renderError({ chart: ENGINE, set: ['fail=boom'] }),
    'Error: execution error at (engine/templates/guard.yaml:1:25): boom',
  );
  assert.equal(
    await renderError({ chart: ENGINE, set: ['requireIt.other=1'] }),
    'Error: execution error at (engine/templates/guard.yaml:2:30): requireIt.value is required',
  );
  assert.match(
    await renderError({ chart: ENGINE, set: ['deep.a=1'] }),
    /at <\.Values\.deep\.nope\.deeper>: nil pointer evaluating interface \{\}\.deeper/,
  );
  assert.equal(
    await renderError({ chart: ENGINE, set: ['a.b=x'] }),
    "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nengine:\n- a.b: Invalid type. Expected: integer, given: string",
  );
});

void test('helm-render: template parse errors and invalid Chart.yaml are reported, not skipped', async () => {
  assert.match(
    await renderError({ chart: 'testdata/helm/broken' }),
    /^Error: parse error at \(broken\/templates\/cm\.yaml:5\): unclosed action/,
  );
  assert.equal(
    await renderError({ chart: 'testdata/helm/badchart' }),
    'Error: validation: chart.metadata.version "one" is invalid',
  );
});
