import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceValidator } from './resource-validator.js';
import { SyntheticMonitorSpec, JsonCheck } from './schema.js';
import type { CelRule } from './schema-helpers.js';
import { validateText } from './validate.js';

const validator = new ResourceValidator();
const run = (text: string) => validateText(text, 'm.yaml', { validator });

const monitor = (spec: string) => `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: m
spec:
${spec}`;

function ruleMessages(schema: unknown): string[] {
  return ((schema as { 'x-kubernetes-validations': CelRule[] })['x-kubernetes-validations'] ?? []).map(
    (r) => r.message,
  );
}

test('CEL rules are reported with exactly the message the schema (and so the API server) has', () => {
  const { diagnostics } = run(monitor('  http: {url: "https://a.example"}\n  icmp: {host: a}\n'));
  const [message] = ruleMessages(SyntheticMonitorSpec);
  const d = diagnostics.find((x) => x.code === 'schema.rule');
  assert.equal(d?.message, message);
  assert.equal(d?.path, 'spec');
  assert.equal(d?.hint, 'set here: http, icmp');
  assert.deepEqual([d?.line, d?.column], [5, 1]);
});

test('every message of a multi-rule node is reported, each once', () => {
  const { diagnostics } = run(
    monitor(
      '  http:\n    url: https://a.example\n    checks:\n      json:\n        - {path: $.a, equals: 1, expression: "true"}\n',
    ),
  );
  const rules = diagnostics.filter((d) => d.code === 'schema.rule').map((d) => d.message);
  const expected = ruleMessages(JsonCheck);
  assert.ok(rules.includes(expected[0]!));
  assert.ok(rules.includes(expected[2]!));
  assert.equal(new Set(rules).size, rules.length);
});

test('unknown fields list the valid ones and suggest the closest', () => {
  const { diagnostics } = run(monitor('  shedule: 1m\n  icmp: {host: a}\n'));
  assert.equal(diagnostics.length, 1);
  const [d] = diagnostics;
  assert.equal(d!.path, 'spec.shedule');
  assert.match(
    d!.message,
    /^unknown field "spec.shedule" \(did you mean "schedule"\?\); valid fields here: name, id, enabled, schedule/,
  );
  assert.deepEqual([d!.line, d!.column], [6, 3]);
});

test('a literal secret is refused without being echoed anywhere', () => {
  const { diagnostics } = run(
    monitor(
      '  http:\n    url: https://a.example\n    auth:\n      apiKey: {header: X-Key, value: s3cr3t-value}\n',
    ),
  );
  assert.ok(diagnostics.length > 0);
  assert.ok(diagnostics.some((d) => /valueFrom\.secretKeyRef/.test(d.message)));
  assert.ok(!JSON.stringify(diagnostics).includes('s3cr3t-value'));
  const { diagnostics: typed } = run(
    monitor('  http:\n    url: https://a.example\n    auth:\n      bearer: {token: 12345678}\n'),
  );
  assert.ok(typed.some((d) => d.path === 'spec.http.auth.bearer.token' && /secret/.test(d.message)));
  assert.ok(!JSON.stringify(typed).includes('12345678'));
});

test('schema-invalid resources are not passed to the semantic checks', () => {
  // The regular expression "(" is a semantic error; the enum a schema error in the same monitor.
  const text = monitor(
    '  http:\n    url: https://a.example\n    method: GETT\n    checks:\n      body:\n        matches: ["("]\n',
  );
  const result = run(text);
  assert.deepEqual(
    result.diagnostics.map((d) => d.code),
    ['schema.enum'],
  );
  assert.equal(result.accepted.length, 0);
  const fixed = run(text.replace('GETT', 'GET'));
  assert.ok(
    fixed.diagnostics.some((d) => d.code.startsWith('assert') || d.code.includes('regex')),
    JSON.stringify(fixed.diagnostics),
  );
  assert.equal(fixed.accepted.length, 1);
});

test('a valid monitor has no diagnostics and is accepted', () => {
  const result = run(monitor('  schedule: 3m\n  locations: [us_east]\n  icmp: {host: db.internal}\n'));
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.accepted.length, 1);
  assert.equal(result.resources[0]!.id, 'SyntheticMonitor/m');
});

test('integers given as strings, durations and enums say what would be valid', () => {
  const { diagnostics } = run(monitor('  schedule: 3 minutes\n  icmp: {host: a, count: "3"}\n'));
  const byPath = new Map(diagnostics.map((d) => [d.path, d]));
  assert.match(byPath.get('spec.schedule')!.message, /expected a duration such as 10s, 1m30s, 4h/);
  assert.equal(byPath.get('spec.icmp.count')!.hint, 'remove the quotes: a number is written without them');
});

test('input without any synthctl resource is a warning', () => {
  const result = run('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  assert.deepEqual(
    result.diagnostics.map((d) => [d.severity, d.code]),
    [
      ['warning', 'load.no-resources'],
      ['notice', 'resource.skipped'],
    ],
  );
});

test('a password in a URL is never echoed, whichever check reports the URL', () => {
  const url = 'https://admin:hunter2@x.example.com/p';
  const monitor = (spec: string, metadata = '') =>
    `apiVersion: synthctl.dev/v1alpha1\nkind: SyntheticMonitor\nmetadata:\n  name: a\n  namespace: n\n${metadata}spec:\n${spec}\n`;
  const texts = [
    monitor('  icmp:\n    host: a', `  labels:\n    l: "${url}"\n`),
    monitor(`  http:\n    url: ${url}`),
    monitor('  http:\n    url: "ftp://admin:hunter2@x"'),
    monitor(`  http:\n    url: https://x.example.com\n    proxy:\n      url: ${url}`),
    monitor('  tcp:\n    host: db:5432\n    proxy:\n      url: socks5://admin:hunter2@proxy:1080'),
    monitor(`  icmp:\n    host: "${url}"`),
    monitor(`  locations: ["${url}"]\n  icmp:\n    host: a`),
    monitor(`  schedule: "${url}"\n  icmp:\n    host: a`),
    monitor(`  http:\n    url: https://x.example.com\n    method: "${url}"`),
    monitor('  http:\n    url: "https://admin:hunter2@[::1]:99999/"'),
    monitor(`  params:\n    - name: base\n      value: ${url}\n  http:\n    url: \${base}/health`),
    monitor(
      `  http:\n    url: https://x.example.com\n    headers:\n      - name: Referer\n        value: ${url}`,
    ),
    `apiVersion: synthctl.dev/v1alpha1\nkind: SyntheticsProject\nmetadata:\n  name: p\n  namespace: n\nspec:\n  projectId: p\n  kibana:\n    url: "ftp://admin:hunter2@kibana"\n`,
  ];
  for (const text of texts) {
    const { diagnostics } = validateText(text, 'leak.yaml');
    assert.ok(
      diagnostics.some((d) => d.severity === 'error'),
      `no error for:\n${text}`,
    );
    for (const d of diagnostics) assert.doesNotMatch(`${d.message} ${d.hint ?? ''}`, /hunter2/, d.message);
  }
});
