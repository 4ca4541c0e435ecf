import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILTIN_DEFAULTS,
  effectiveMonitor,
  effectiveTiming,
  journeyId,
  matchesSelector,
  mergeDefaults,
  monitorType,
  selectMonitors,
  toRunnable,
} from './defaults.js';
import type { LabelSelector, SyntheticMonitor, SyntheticsProject } from './schema.js';

const monitor = (
  name: string,
  spec: Partial<SyntheticMonitor['spec']> = {},
  metadata: Partial<SyntheticMonitor['metadata']> = {},
): SyntheticMonitor => ({
  apiVersion: 'synthctl.dev/v1alpha1',
  kind: 'SyntheticMonitor',
  metadata: { name, ...metadata },
  spec: { http: { url: 'https://example.com/' }, ...spec },
});

const project = (
  spec: Partial<SyntheticsProject['spec']> = {},
  metadata: Partial<SyntheticsProject['metadata']> = {},
): SyntheticsProject => ({
  apiVersion: 'synthctl.dev/v1alpha1',
  kind: 'SyntheticsProject',
  metadata: { name: 'shop', ...metadata },
  spec: { kibana: { url: 'https://kibana.example.com' }, projectId: 'shop', ...spec },
});

test('journeyId: spec.id, else <namespace or default>-<name>', () => {
  assert.equal(journeyId(monitor('api', { id: 'custom-id' })), 'custom-id');
  assert.equal(journeyId(monitor('api', {}, { namespace: 'payments' })), 'payments-api');
  assert.equal(journeyId(monitor('api')), 'default-api');
  // The display name never changes the id.
  assert.equal(journeyId(monitor('api', { name: 'Renamed API' })), 'default-api');
});

test('monitorType reads the one type block', () => {
  assert.equal(monitorType({ tcp: { host: 'a:1' } }), 'tcp');
  assert.equal(monitorType({ icmp: { host: 'a' } }), 'icmp');
  assert.equal(monitorType({ browser: { journey: { inline: 'x' } } }), 'browser');
  assert.throws(() => monitorType({}), TypeError);
});

test('effectiveMonitor applies built-in defaults by type', () => {
  const http = effectiveMonitor(monitor('api')).spec;
  assert.equal(http.id, 'default-api');
  assert.equal(http.name, 'api');
  assert.equal(http.enabled, true);
  assert.equal(http.schedule, '3m');
  assert.equal(http.timeout, '16s');
  assert.equal(http.retestOnFailure, true);
  assert.deepEqual(http.alert, BUILTIN_DEFAULTS.alert);
  assert.equal(http.locations, undefined);
  const browser = effectiveMonitor(
    monitor('journey', { http: undefined, browser: { journey: { inline: 'x' } } } as never),
  ).spec;
  assert.equal(browser.schedule, '10m');
  assert.equal(browser.timeout, undefined);
});

test('effectiveMonitor merges project defaults: monitor wins, arrays replace, fields and params merge', () => {
  const p = project({
    defaults: {
      schedule: '5m',
      timeout: '30s',
      enabled: false,
      locations: ['germany', 'us_east'],
      tags: ['team:shop'],
      fields: { team: 'shop', env: 'prod' },
      params: [
        { name: 'url', value: 'https://shop.example.com' },
        { name: 'user', value: 'probe' },
      ],
      alert: { tls: { enabled: false } },
    },
  });
  const m = monitor('api', {
    schedule: '1m',
    tags: [],
    locations: ['japan'],
    fields: { env: 'staging', service: 'api' },
    params: [{ name: 'url', value: 'https://staging.example.com' }],
    alert: { status: { enabled: false } },
  });
  const spec = effectiveMonitor(m, p).spec;
  assert.equal(spec.schedule, '1m');
  assert.equal(spec.timeout, '30s');
  assert.equal(spec.enabled, false);
  assert.deepEqual(spec.locations, ['japan']);
  // An empty array does not replace the default, as in push's arrayMerge.
  assert.deepEqual(spec.tags, ['team:shop']);
  assert.deepEqual(spec.fields, { team: 'shop', env: 'staging', service: 'api' });
  assert.deepEqual(spec.params, [
    { name: 'url', value: 'https://staging.example.com' },
    { name: 'user', value: 'probe' },
  ]);
  assert.deepEqual(spec.alert, { status: { enabled: false }, tls: { enabled: false } });
  // The inputs are not mutated.
  assert.deepEqual(m.spec.tags, []);
  assert.deepEqual(mergeDefaults(m.spec, undefined), m.spec);
});

test('toRunnable builds the scheduler view', () => {
  const p = project({ defaults: { privateLocations: ['synthctl-eu'], fields: { team: 'shop' } } });
  const runnable = toRunnable(
    monitor('api', { schedule: '1m30s', locations: ['germany'], tags: ['a'] }, { namespace: 'payments' }),
    p,
    { file: 'a.yaml', line: 3 },
  );
  assert.equal(runnable.id, 'payments-api');
  assert.equal(runnable.type, 'http');
  assert.equal(runnable.namespace, 'payments');
  assert.equal(runnable.scheduleMs, 90_000);
  assert.equal(runnable.timeoutMs, 16_000);
  assert.deepEqual(runnable.locations, ['germany', 'synthctl-eu']);
  assert.deepEqual(runnable.labels, { team: 'shop' });
  assert.deepEqual(runnable.source, { file: 'a.yaml', line: 3 });
  assert.equal(runnable.spec.id, 'payments-api');
  const browser = toRunnable(
    monitor('j', { http: undefined, browser: { journey: { inline: 'x' } } } as never),
  );
  assert.equal(browser.timeoutMs, browser.scheduleMs);
  assert.equal(browser.namespace, undefined);
});

test('matchesSelector has Kubernetes label selector semantics', () => {
  const labels = { team: 'shop', tier: 'critical' };
  const cases: [LabelSelector | undefined, Record<string, string>, boolean][] = [
    [undefined, labels, true],
    [{}, labels, true],
    [{ matchLabels: { team: 'shop' } }, labels, true],
    [{ matchLabels: { team: 'ops' } }, labels, false],
    [{ matchLabels: { team: 'shop', env: 'prod' } }, labels, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['critical', 'high'] }] }, labels, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['low'] }] }, labels, false],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, labels, false],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['critical'] }] }, labels, false],
    [{ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels, true],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels, false],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels, true],
    [{ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels, false],
    [
      { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['low'] }] },
      labels,
      false,
    ],
    [{ matchLabels: { team: 'shop' } }, {}, false],
  ];
  cases.forEach(([selector, given, expected], index) => {
    assert.equal(matchesSelector(selector, given), expected, `case ${index}`);
  });
});

test('selectMonitors applies the selector and the project namespace', () => {
  const monitors = [
    monitor('a', {}, { namespace: 'shop', labels: { sync: 'kibana' } }),
    monitor('b', {}, { namespace: 'shop' }),
    monitor('c', {}, { namespace: 'ops', labels: { sync: 'kibana' } }),
    monitor('d', {}, { labels: { sync: 'kibana' } }),
  ];
  const names = (p: SyntheticsProject) => selectMonitors(p, monitors).map((m) => m.metadata.name);
  assert.deepEqual(
    names(project({ monitorSelector: { matchLabels: { sync: 'kibana' } } }, { namespace: 'shop' })),
    ['a', 'd'],
  );
  assert.deepEqual(names(project({}, { namespace: 'shop' })), ['a', 'b', 'd']);
  assert.deepEqual(names(project({ monitorSelector: { matchLabels: { sync: 'kibana' } } })), ['a', 'c', 'd']);
});

test('effectiveTiming equals the schedule and timeout of effectiveMonitor', () => {
  const monitors = [
    { metadata: { name: 'a' }, spec: { http: { url: 'https://a.example' } } },
    { metadata: { name: 'b' }, spec: { schedule: '1m', tcp: { host: 'b.example:1' } } },
    { metadata: { name: 'c' }, spec: { browser: { journey: { inline: "step('x', async () => {});" } } } },
    {
      metadata: { name: 'd' },
      spec: { timeout: '5s', browser: { journey: { inline: "step('x', async () => {});" } } },
    },
  ] as unknown as SyntheticMonitor[];
  const projects = [
    undefined,
    {
      metadata: { name: 'p' },
      spec: { projectId: 'p', kibana: { url: 'https://k' }, defaults: { schedule: '3m', timeout: '20s' } },
    },
    { metadata: { name: 'q' }, spec: { projectId: 'q', kibana: { url: 'https://k' }, defaults: {} } },
  ] as unknown as (SyntheticsProject | undefined)[];
  for (const m of monitors)
    for (const p of projects) {
      const full = effectiveMonitor(m, p).spec;
      assert.deepEqual(
        effectiveTiming(m, p),
        { schedule: full.schedule, timeout: full.timeout },
        `${m.metadata.name} ${p?.metadata.name ?? '-'}`,
      );
    }
});
