import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScheduleError,
  findUnsupportedFields,
  formatKibanaSchedule,
  isPlainJsonPath,
  kibanaScheduleOf,
  nearestKibanaSchedule,
  re2Incompatibility,
  resolvePublicLocation,
  snapSchedule,
  toKibanaTimeout,
  type KibanaSchedule,
} from './kibana-keys.js';
import type { SyntheticMonitorSpec } from './schema.js';

test('snapSchedule reproduces @elastic/synthetics push parseSchedule', () => {
  const cases: [string, KibanaSchedule][] = [
    ['@every 45m', 60],
    ['@every 24m', 20],
    ['@every 1d', 240],
    ['@every 70s', 1],
    ['@every 15s', '10s'],
    ['@every 25s', '30s'],
    ['@every 20s', '30s'],
    ['@every 19s', '10s'],
    ['@every 2m30s', 2],
    ['@every 90s', 2],
    ['@every 1h', 60],
    ['@every 4h', 240],
    ['@every 12h', 240],
    ['@every 4m', 5], // tie between 3 and 5 goes to the larger
    ['@every 45s', '30s'],
    ['45m', 60],
    ['24m', 20],
    ['1d', 240],
    ['70s', 1],
    ['15s', '10s'],
    ['25s', '30s'],
  ];
  for (const [input, expected] of cases) assert.equal(snapSchedule(input), expected, input);
});

test('snapSchedule refuses cron and unknown syntax as push does', () => {
  for (const input of ['*/5 * * * *', '@hourly', '@every 1.5m', '@every 5 minutes']) {
    assert.throws(() => snapSchedule(input), ScheduleError, input);
  }
});

test('kibanaScheduleOf accepts exactly the allowed values', () => {
  assert.equal(kibanaScheduleOf(10_000, 'http'), '10s');
  assert.equal(kibanaScheduleOf(30_000, 'tcp'), '30s');
  assert.equal(kibanaScheduleOf(30_000, 'browser'), undefined);
  assert.equal(kibanaScheduleOf(60_000, 'browser'), 1);
  assert.equal(kibanaScheduleOf(3_600_000, 'icmp'), 60);
  assert.equal(kibanaScheduleOf(45 * 60_000, 'http'), undefined);
  assert.equal(kibanaScheduleOf(4 * 60_000, 'http'), undefined);
  assert.equal(kibanaScheduleOf(20_000, 'http'), undefined);
});

test('nearestKibanaSchedule follows push, and browser never goes below a minute', () => {
  const cases: [number, 'http' | 'browser', KibanaSchedule][] = [
    [45 * 60_000, 'http', 60],
    [24 * 60_000, 'http', 20],
    [15_000, 'http', '10s'],
    [25_000, 'http', '30s'],
    [30_000, 'browser', 1],
    [7 * 60_000, 'http', 5],
    [8 * 60_000, 'http', 10],
    [24 * 3_600_000, 'browser', 240],
    [90_000, 'http', 2],
  ];
  for (const [ms, type, expected] of cases)
    assert.equal(nearestKibanaSchedule(ms, type), expected, `${ms} ${type}`);
});

test('formatKibanaSchedule and toKibanaTimeout', () => {
  assert.equal(formatKibanaSchedule(60), '60m (1h)');
  assert.equal(formatKibanaSchedule(240), '240m (4h)');
  assert.equal(formatKibanaSchedule(5), '5m');
  assert.equal(formatKibanaSchedule('10s'), '10s');
  assert.equal(toKibanaTimeout(90_000), '90s');
  assert.equal(toKibanaTimeout(1500), '2s');
  assert.equal(toKibanaTimeout(200), '1s');
});

test('resolvePublicLocation knows names and service ids, nothing else', () => {
  assert.deepEqual(resolvePublicLocation('us_east'), { name: 'us_east', serviceId: 'us-east4-a' });
  assert.deepEqual(resolvePublicLocation('europe-west3-a'), { name: 'germany', serviceId: 'europe-west3-a' });
  assert.equal(resolvePublicLocation('us-east'), undefined);
  assert.equal(resolvePublicLocation('US_EAST'), undefined);
  assert.equal(resolvePublicLocation('my-dc'), undefined);
});

test('re2Incompatibility finds what Go regexp lacks', () => {
  const cases: [string, string | undefined][] = [
    ['"status":\\s*"ok"', undefined],
    ['^application/(json|xml)$', undefined],
    ['(?<name>\\w+)', undefined],
    ['[(?=]', undefined],
    ['\\(?=x', undefined],
    ['foo(?=bar)', 'lookahead'],
    ['foo(?!bar)', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'lookbehind'],
    ['(a)\\1', 'backreferences'],
    ['(?<x>a)\\k<x>', 'backreferences'],
    ['\\u00e9', '\\u escapes (RE2 writes \\x{…})'],
    ['[^]', 'match-anything class [^]'],
  ];
  for (const [pattern, expected] of cases) assert.equal(re2Incompatibility(pattern), expected, pattern);
});

test('isPlainJsonPath separates member chains from JSONPath features', () => {
  for (const path of ['$.status', '$.items[0].id', "$['a b'].c"])
    assert.equal(isPlainJsonPath(path), true, path);
  for (const path of [
    '$',
    '$..id',
    '$.items[*].id',
    '$.items[?(@.ok)]',
    '$.items.length',
    '$.a[0,1]',
    '$.a[1:3]',
  ]) {
    assert.equal(isPlainJsonPath(path), false, path);
  }
});

const http = (
  checks: NonNullable<SyntheticMonitorSpec['http']>['checks'],
  extra: object = {},
): SyntheticMonitorSpec => ({
  http: { url: 'https://example.com', ...extra, ...(checks === undefined ? {} : { checks }) },
});

test('findUnsupportedFields: table of spec fields and what Kibana does with them', () => {
  const cases: { name: string; spec: SyntheticMonitorSpec; expected: [string, string][] }[] = [
    { name: 'plain http', spec: http({ status: [200, '2xx'], body: { contains: ['ok'] } }), expected: [] },
    {
      name: 'bearer auth and form body translate',
      spec: http(undefined, {
        auth: { bearer: { token: { valueFrom: { env: 'TOKEN' } } } },
        body: { form: { q: 'x' } },
      }),
      expected: [],
    },
    {
      name: 'xpath',
      spec: http({ xpath: [{ expression: '/a', exists: true }] }),
      expected: [['spec.http.checks.xpath', 'refuse']],
    },
    {
      name: 'maxResponseTime',
      spec: http({ maxResponseTime: '1s' }),
      expected: [['spec.http.checks.maxResponseTime', 'refuse']],
    },
    { name: 'header equals', spec: http({ headers: [{ name: 'A', equals: 'b' }] }), expected: [] },
    {
      name: 'header absent',
      spec: http({ headers: [{ name: 'A', absent: true }] }),
      expected: [['spec.http.checks.headers.0.absent', 'refuse']],
    },
    { name: 'RE2-safe body regex', spec: http({ body: { matches: ['"n":\\s*\\d+'] } }), expected: [] },
    {
      name: 'lookahead body regex',
      spec: http({ body: { notMatches: ['error(?!s)'] } }),
      expected: [['spec.http.checks.body.notMatches.0', 'refuse']],
    },
    {
      name: 'two positive body patterns',
      spec: http({ body: { contains: ['a'], matches: ['b+'] } }),
      expected: [['spec.http.checks.body.matches.0', 'weaken']],
    },
    {
      name: 'json equals on a member chain',
      spec: http({ json: [{ path: '$.status', equals: 'ok' }] }),
      expected: [],
    },
    {
      name: 'json CEL expression',
      spec: http({ json: [{ expression: 'body.ok' }] }),
      expected: [['spec.http.checks.json.0.expression', 'refuse']],
    },
    {
      name: 'json filter path',
      spec: http({ json: [{ path: '$.items[?(@.ok)]', greaterThan: 0 }] }),
      expected: [['spec.http.checks.json.0.path', 'refuse']],
    },
    {
      name: 'json contains',
      spec: http({ json: [{ path: '$.name', contains: 'x' }] }),
      expected: [['spec.http.checks.json.0.contains', 'refuse']],
    },
    {
      name: 'tls server name',
      spec: http(undefined, { tls: { serverName: 'a.example.com' } }),
      expected: [['spec.http.tls.serverName', 'refuse']],
    },
    { name: 'tcp receive', spec: { tcp: { host: 'a:1', receive: 'x' } }, expected: [] },
    {
      name: 'tcp receiveMatches',
      spec: { tcp: { host: 'a:1', receiveMatches: 'x' } },
      expected: [['spec.tcp.receiveMatches', 'refuse']],
    },
    { name: 'icmp count 1', spec: { icmp: { host: 'a', count: 1 } }, expected: [] },
    {
      name: 'icmp count 3',
      spec: { icmp: { host: 'a', count: 3 } },
      expected: [['spec.icmp.count', 'refuse']],
    },
    {
      name: 'browser filter tags and synthetics args',
      spec: { browser: { journey: { inline: 'x' }, filter: { tags: ['a'] }, syntheticsArgs: ['--x'] } },
      expected: [
        ['spec.browser.filter.tags', 'drop'],
        ['spec.browser.syntheticsArgs', 'drop'],
      ],
    },
  ];
  for (const { name, spec, expected } of cases) {
    const found = findUnsupportedFields(spec).map((f) => [f.path.join('.'), f.effect]);
    assert.deepEqual(found, expected, name);
  }
});
