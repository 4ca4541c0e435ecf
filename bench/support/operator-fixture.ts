/**
 * The cluster of the operator benchmark and its `@elastic/synthetics push` twin: `projects`
 * SyntheticsProjects spread over a few namespaces, `monitors` SyntheticMonitors split evenly
 * between them (a mix of http, tcp and icmp; by default one monitor in ten, all http, sends a
 * header from a Secret through a param), and for push the same monitors as lightweight projects
 * (`synthetics.config.ts` + `heartbeat.yml`), one directory per project.
 */
import type { FakeKubeApiServer } from '../../test/fakes/kube-apiserver/index.js';
import { PushProject, syntheticsConfig } from '../../test/fakes/kibana/push-project.js';

const API = 'synthctl.dev/v1alpha1';
/** The Kibana API key every project's Secret holds (the fake Kibana accepts it). */
export const BENCH_API_KEY = 'bench-operator-key';
/** How many distinct secret tokens a namespace's `svc-tokens` Secret holds. */
const TOKENS = 10;

/** One monitor of the fixture, in both forms' terms. */
export interface FixtureMonitor {
  readonly namespace: string;
  readonly name: string;
  readonly project: string;
  readonly kind: 'http' | 'tcp' | 'icmp';
  /** The token key of `svc-tokens` the monitor's param reads, when it has one. */
  readonly token: string | undefined;
  readonly index: number;
}

/** One project of the fixture. */
export interface FixtureProject {
  readonly namespace: string;
  readonly name: string;
  readonly monitors: readonly FixtureMonitor[];
}

/** The whole fixture, independent of any server. */
export interface Fixture {
  readonly namespaces: readonly string[];
  readonly projects: readonly FixtureProject[];
  readonly monitors: readonly FixtureMonitor[];
}

/**
 * Builds the fixture: `projects` projects over ceil(projects / 5) namespaces; every
 * `paramsEvery`-th monitor (http only; 0 for none) sends a header from a Secret.
 */
export function buildFixture(monitorCount: number, projectCount: number, paramsEvery = 10): Fixture {
  const namespaceCount = Math.max(1, Math.ceil(projectCount / 5));
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `team-${String(i + 1)}`);
  const projects: { namespace: string; name: string; monitors: FixtureMonitor[] }[] = [];
  for (let p = 0; p < projectCount; p++)
    projects.push({
      namespace: namespaces[p % namespaceCount]!,
      name: `svc-${String(p + 1).padStart(2, '0')}`,
      monitors: [],
    });
  const monitors: FixtureMonitor[] = [];
  for (let i = 0; i < monitorCount; i++) {
    const project = projects[i % projectCount]!;
    // The mix is per project (j counts the project's own monitors): 60 % http, 25 % tcp,
    // 15 % icmp, and every `paramsEvery`-th monitor is an http one with a secret param.
    const j = Math.floor(i / projectCount);
    const r = j % 20;
    const token =
      paramsEvery > 0 && j % paramsEvery === 0 ? `token-${String((j / paramsEvery) % TOKENS)}` : undefined;
    const kind = token !== undefined || r < 12 ? 'http' : r < 17 ? 'tcp' : 'icmp';
    const monitor: FixtureMonitor = {
      namespace: project.namespace,
      name: `${project.name}-${kind}-${String(i).padStart(5, '0')}`,
      project: project.name,
      kind,
      token,
      index: i,
    };
    project.monitors.push(monitor);
    monitors.push(monitor);
  }
  return { namespaces, projects, monitors };
}

const host = (m: FixtureMonitor): string => `${m.name}.svc.example.com`;

/** The SyntheticMonitor resource of a fixture monitor. */
export function monitorResource(m: FixtureMonitor): Record<string, unknown> {
  let check: Record<string, unknown>;
  if (m.kind === 'http')
    check = {
      http: {
        url: `https://${host(m)}/healthz`,
        checks: { status: [200] },
        ...(m.token === undefined ? {} : { headers: [{ name: 'X-Token', value: '${token}' }] }),
      },
    };
  else if (m.kind === 'tcp') check = { tcp: { host: `${host(m)}:5432` } };
  else check = { icmp: { host: host(m) } };
  return {
    apiVersion: API,
    kind: 'SyntheticMonitor',
    metadata: { name: m.name, namespace: m.namespace, labels: { project: m.project } },
    spec: {
      schedule: '3m',
      timeout: '10s',
      tags: ['bench'],
      ...(m.token === undefined
        ? {}
        : { params: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'svc-tokens', key: m.token } } }] }),
      ...check,
    },
  };
}

/** The SyntheticsProject resource of a fixture project. */
export function projectResource(p: FixtureProject, kibanaUrl: string): Record<string, unknown> {
  return {
    apiVersion: API,
    kind: 'SyntheticsProject',
    metadata: { name: p.name, namespace: p.namespace },
    spec: {
      kibana: { url: kibanaUrl, apiKey: { valueFrom: { secretKeyRef: { name: 'kibana', key: 'apiKey' } } } },
      projectId: p.name,
      monitorSelector: { matchLabels: { project: p.name } },
      defaults: { locations: ['us_east'] },
    },
  };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const tokenValue = (namespace: string, key: string): string => `secret-${namespace}-${key}`;

/** Creates namespaces, Secrets, monitors and projects in the fake API server (store access). */
export function seedCluster(server: FakeKubeApiServer, fixture: Fixture, kibanaUrl: string): void {
  for (const ns of fixture.namespaces) {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: ns },
      data: { apiKey: b64(BENCH_API_KEY) },
    });
    const data: Record<string, string> = {};
    for (let t = 0; t < TOKENS; t++) data[`token-${String(t)}`] = b64(tokenValue(ns, `token-${String(t)}`));
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'svc-tokens', namespace: ns },
      data,
    });
  }
  for (const m of fixture.monitors) server.create(monitorResource(m));
  for (const p of fixture.projects) server.create(projectResource(p, kibanaUrl));
}

/**
 * The push twin of a project: the same monitors as `heartbeat.monitors` (ids as the operator's
 * journey ids), the secret tokens as config params.
 */
export function pushProject(p: FixtureProject, kibanaUrl: string): PushProject {
  const hb: string[] = ['heartbeat.monitors:'];
  for (const m of p.monitors) {
    const common = `    id: ${m.namespace}-${m.name}\n    name: ${m.name}\n    schedule: '@every 3m'\n    timeout: 10s\n    tags: [bench]`;
    if (m.kind === 'http')
      hb.push(
        `  - type: http\n${common}\n    urls: https://${host(m)}/healthz\n    check.response.status: [200]${m.token === undefined ? '' : `\n    check.request.headers:\n      X-Token: '\${${m.token}}'`}`,
      );
    else if (m.kind === 'tcp') hb.push(`  - type: tcp\n${common}\n    hosts: ${host(m)}:5432`);
    else hb.push(`  - type: icmp\n${common}\n    hosts: ${host(m)}`);
  }
  const params: Record<string, string> = {};
  for (const m of p.monitors) if (m.token !== undefined) params[m.token] = tokenValue(m.namespace, m.token);
  return new PushProject({
    'synthetics.config.ts': syntheticsConfig({
      id: p.name,
      url: kibanaUrl,
      schedule: 3,
      locations: ['us_east'],
      params,
    }),
    'heartbeat.yml': `${hb.join('\n')}\n`,
  });
}
