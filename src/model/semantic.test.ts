import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadText } from '../load/loader.js';
import { ResourceValidator } from './resource-validator.js';
import { sortDiagnostics } from './diagnostics.js';
import {
  celProblem,
  checkSemantics,
  isCredentialHeader,
  isSecretName,
  jsonPathProblem,
  redactUrl,
  regexProblem,
  statusProblem,
  xpathProblem,
  type SemanticInput,
} from './semantic.js';

const FIXTURES = new URL('../../testdata/invalid/', import.meta.url).pathname;
const EXPECT = /^# expect: (\d+):(\d+) (\S*) :: (.+)$/;

/** Loads YAML text with the real loader, so positions are the ones `synthctl validate` shows. */
function load(text: string, file: string, readFile?: SemanticInput['readFile']) {
  const loaded = loadText(text, file);
  assert.deepEqual(loaded.diagnostics, [], `${file} loads cleanly`);
  const validator = new ResourceValidator();
  for (const resource of loaded.resources) {
    assert.deepEqual(validator.validate(resource), [], `${file}: ${resource.id} is schema-valid`);
  }
  const input: SemanticInput = {
    resources: loaded.resources.map((r) => ({
      resource: r.object as never,
      file: r.file,
      locate: (path) => r.locate(path),
    })),
    ...(readFile === undefined ? {} : { readFile }),
  };
  return checkSemantics(input);
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.startsWith('semantic-') && f.endsWith('.yaml'));

test('there are semantic fixtures for every family of checks', () => {
  assert.ok(fixtures.length >= 14, `${fixtures.length} fixtures`);
});

for (const name of fixtures) {
  test(`fixture ${name}: exactly the expected diagnostics`, () => {
    const file = join(FIXTURES, name);
    const text = readFileSync(file, 'utf8');
    const expected = text
      .split('\n')
      .map((line) => EXPECT.exec(line))
      .filter((m) => m !== null)
      .map((m) => ({ line: Number(m[1]), column: Number(m[2]), path: m[3]!, message: m[4]! }));
    assert.ok(expected.length > 0, 'the fixture declares its expectations');
    const actual = load(text, file);
    const shown = actual.map((d) => `${d.line}:${d.column} ${d.path} :: ${d.message}`).join('\n');
    for (const e of expected) {
      assert.ok(
        actual.some(
          (d) =>
            d.line === e.line && d.column === e.column && d.path === e.path && d.message.includes(e.message),
        ),
        `missing ${e.line}:${e.column} ${e.path} :: ${e.message}\nactual:\n${shown}`,
      );
    }
    assert.equal(actual.length, expected.length, `unexpected diagnostics:\n${shown}`);
    for (const d of actual) {
      assert.ok(d.code.length > 0 && d.resource !== undefined, 'every diagnostic has a code and a resource');
    }
  });
}

test('secret values never appear in diagnostics', () => {
  for (const name of [
    'semantic-url-credentials.yaml',
    'semantic-secret-header.yaml',
    'semantic-project-defaults.yaml',
  ]) {
    const file = join(FIXTURES, name);
    const out = JSON.stringify(load(readFileSync(file, 'utf8'), file));
    for (const secret of ['s3cr3t-pass', 'proxy-pass', 'hunter2', 'eyJhbGci', 'not-really-a-key']) {
      assert.ok(!out.includes(secret), `${name} leaks ${secret}`);
    }
  }
});

const VALID = `
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticsProject
metadata: { name: shop, namespace: shop }
spec:
  kibana:
    url: https://kibana.example.com
    space: shop
    apiKey: { valueFrom: { secretKeyRef: { name: kibana, key: apiKey } } }
  projectId: shop
  monitorSelector: { matchLabels: { sync: kibana } }
  defaults: { locations: [germany], privateLocations: [synthctl-eu], schedule: 5m }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: api, namespace: shop, labels: { sync: kibana } }
spec:
  params:
    - { name: base_url, value: "https://shop.example.com" }
    - name: api_token
      valueFrom: { secretKeyRef: { name: shop-api, key: token } }
  http:
    url: \${base_url}/health
    headers:
      - { name: Authorization, value: "Bearer \${api_token}" }
      - { name: Accept, value: application/json }
    auth: { basic: { username: probe, password: { valueFrom: { env: PROBE_PASSWORD } } } }
    proxy: { url: "socks5://proxy.example.com:1080" }
    checks:
      status: [200, "2xx", "200-204"]
      headers: [{ name: Content-Type, equals: application/json }]
      body: { contains: ['"ok"'], notMatches: ['error\\\\s+\\\\d+'] }
      json:
        - { path: "$.status", equals: ok }
        - { path: "$.items[0].count", greaterThan: 0 }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: db, namespace: shop, labels: { sync: kibana } }
spec:
  schedule: 30s
  timeout: 10s
  locations: [us-east4-a]
  tcp: { host: "[2001:db8::1]:5432", proxy: { url: "socks5://proxy.example.com:1080" } }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: login, namespace: shop, labels: { sync: kibana } }
spec:
  browser:
    journey: { file: journeys/login.journey.ts }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: runner-only, namespace: shop }
spec:
  schedule: 5s
  timeout: 2s
  locations: [my-laptop]
  http:
    url: http://127.0.0.1:8080/
    checks:
      maxResponseTime: 500ms
      xpath: [{ expression: "count(//item)", equals: "3" }]
      headers: [{ name: X-Cache, matches: "^(HIT|MISS)$" }]
      json:
        - { expression: 'body.status == "ok" && size(body.items) > 0' }
        - { path: "$.items[?(@.price < 10)]", exists: true }
        - { path: "$..id", exists: true }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: runner-ping, namespace: shop }
spec:
  icmp: { host: "2001:db8::1", count: 5 }
`;

test('a valid set of resources yields no diagnostics, and runner-only features are fine off Kibana', () => {
  const reads: string[] = [];
  const readFile = (path: string) => {
    reads.push(path);
    return path === join('manifests', 'journeys', 'login.journey.ts')
      ? "import { journey, step } from '@elastic/synthetics';\njourney('login', ({ page }) => { step('open', async () => { await page.goto('https://shop.example.com'); }); });\n"
      : undefined;
  };
  assert.deepEqual(load(VALID, join('manifests', 'shop.yaml'), readFile), []);
  assert.deepEqual(reads, [join('manifests', 'journeys', 'login.journey.ts')]);
});

test('a journey file is resolved next to the YAML and its syntax errors are mapped into it', () => {
  const text = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: login }
spec:
  browser:
    journey:
      file: flows/login.journey.js
`;
  const [d, ...rest] = load(text, 'deploy/login.yaml', (path) =>
    path === join('deploy', 'flows', 'login.journey.js')
      ? 'journey("x", () => {\n  step("a", () => {)\n});\n'
      : undefined,
  );
  assert.equal(rest.length, 0);
  assert.equal(d?.code, 'browser.journey-syntax');
  assert.equal(d?.path, 'spec.browser.journey.file');
  assert.deepEqual([d?.line, d?.column], [7, 13]);
  assert.match(d?.message ?? '', /deploy\/flows\/login\.journey\.js:2:20: Unexpected "\)"/);
});

test('duplicate names per kind and namespace are reported at the second', () => {
  const doc = (kind: string, namespace: string) => `apiVersion: synthctl.dev/v1alpha1
kind: ${kind}
metadata: { name: api, namespace: ${namespace} }
spec:
${kind === 'SyntheticMonitor' ? '  http: { url: "https://a.example.com" }' : '  kibana: { url: "https://k.example.com", apiKey: { valueFrom: { env: K } } }\n  projectId: p-' + namespace + '\n  defaults: { locations: [japan] }'}
`;
  const text = [
    doc('SyntheticMonitor', 'a'),
    doc('SyntheticMonitor', 'b'),
    doc('SyntheticMonitor', 'a'),
  ].join('---\n');
  const dups = load(text, 'm.yaml').filter((d) => d.code === 'resource.duplicate');
  assert.equal(dups.length, 1);
  assert.equal(dups[0]?.line, 15);
  assert.match(
    dups[0]?.message ?? '',
    /SyntheticMonitor\/a\/api is declared twice; also declared at m\.yaml:3:/,
  );
});

test('a monitor the schema would have refused does not crash the checks', () => {
  const diagnostics = checkSemantics({
    resources: [
      {
        resource: {
          apiVersion: 'synthctl.dev/v1alpha1',
          kind: 'SyntheticMonitor',
          metadata: { name: 'x' },
          spec: {},
        } as never,
        file: 'x.yaml',
        locate: () => ({ line: 1, column: 1 }),
      },
    ],
  });
  assert.ok(diagnostics.every((d) => d.code === 'semantic.internal'));
});

test('statusProblem', () => {
  const valid = [200, 599, 100, '200', '2xx', '5XX', '200-299', '301 - 308'];
  for (const status of valid) assert.equal(statusProblem(status), undefined, String(status));
  const invalid: [number | string, RegExp][] = [
    [99, /100–599/],
    [600, /100–599/],
    [200.5, /100–599/],
    ['6xx', /class/],
    ['2x', /class/],
    ['299-200', /empty/],
    ['050-200', /leaves/],
    ['ok', /not a code/],
  ];
  for (const [status, reason] of invalid) assert.match(statusProblem(status) ?? '', reason, String(status));
});

test('jsonPathProblem', () => {
  for (const path of [
    '$.status',
    '$.items[0].id',
    '$..id',
    "$['a b']",
    '$.items[?(@.price < 10 && @.ok)]',
    '$.a[*]',
    '$.items.length',
    '$',
  ]) {
    assert.equal(jsonPathProblem(path), undefined, path);
  }
  const invalid: [string, RegExp][] = [
    ['status', /must start with \$/],
    ['$.a.', /ends with "\."/],
    ['$..', /ends with "\.\."/],
    ['$.a[0', /unclosed "\["/],
    ['$.a]', /unmatched "\]"/],
    ["$['a", /unterminated ' string/],
    ['$.a[]', /empty \[\]/],
    ['$[?(@.x == )]', /filter that does not parse/],
  ];
  for (const [path, reason] of invalid) assert.match(jsonPathProblem(path) ?? '', reason, path);
});

test('celProblem, xpathProblem and regexProblem report the engine complaint', () => {
  assert.equal(celProblem('body.status == "ok" && size(body.items) > 0'), undefined);
  assert.match(celProblem('body.status ==') ?? '', /^does not compile: 1:\d+: /);
  assert.equal(celProblem('body.items.all(i, i.ok) && type(body.n) == int'), undefined);
  assert.match(
    celProblem('body.items.exists(i, i.price > limit)') ?? '',
    /^uses limit, which is not defined/,
  );
  assert.equal(xpathProblem('/health/status/text()'), undefined);
  assert.equal(xpathProblem("count(//item[@state='ok']) > 0"), undefined);
  assert.match(xpathProblem('//a[') ?? '', /parse error/i);
  assert.match(xpathProblem('upper-case(/a)') ?? '', /Unknown function/);
  assert.equal(regexProblem('^(HIT|MISS)$'), undefined);
  assert.match(regexProblem('(') ?? '', /Unterminated group/);
});

test('secret name heuristics', () => {
  for (const name of [
    'Authorization',
    'proxy-authorization',
    'Cookie',
    'X-API-Key',
    'X-Auth-Token',
    'X-Vault-Token',
    'X-Client-Secret',
    'apikey',
  ]) {
    assert.equal(isCredentialHeader(name), true, name);
  }
  for (const name of ['Accept', 'Content-Type', 'X-Request-Id', 'Cache-Control'])
    assert.equal(isCredentialHeader(name), false, name);
  for (const name of [
    'password',
    'db_password',
    'token',
    'apiKey',
    'api_key',
    'API-KEY',
    'client_secret',
    'key',
    'private_key',
    'privateKey',
    'PRIVATE_KEY',
  ]) {
    assert.equal(isSecretName(name), true, name);
  }
  for (const name of ['url', 'base_url', 'username', 'monkey', 'turkey', 'keyboard_layout', 'region'])
    assert.equal(isSecretName(name), false, name);
  assert.equal(redactUrl('https://u:p@h.example.com/x'), 'https://***@h.example.com/x');
  assert.equal(redactUrl('https://h.example.com/a@b'), 'https://h.example.com/a@b');
});

test('Kibana notices: timeouts in whole seconds, none for browser; journey files need a journey()', () => {
  const text = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticsProject
metadata: { name: p }
spec:
  kibana: { url: "https://kibana.example.com", apiKey: { valueFrom: { env: KIBANA_API_KEY } } }
  projectId: p
  defaults: { locations: [brazil] }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: api }
spec:
  timeout: 1500ms
  http: { url: "https://api.example.com/" }
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: flow }
spec:
  timeout: 2m
  browser: { journey: { file: empty.journey.ts } }
`;
  const diagnostics = load(text, 'kibana.yaml', (path) =>
    path === 'empty.journey.ts' ? 'export const x = 1;\n' : undefined,
  );
  assert.deepEqual(
    sortDiagnostics(diagnostics).map((d) => [d.severity, d.code, d.path, d.line]),
    [
      ['notice', 'kibana.timeout', 'spec.timeout', 13],
      ['notice', 'kibana.timeout', 'spec.timeout', 20],
      ['warning', 'browser.journey-empty', 'spec.browser.journey.file', 21],
    ],
  );
  assert.ok(diagnostics.some((d) => d.message.includes('1500ms is sent as 2s')));
});

test('relative imports of a journey file must resolve the way esbuild resolves them', () => {
  const files: Record<string, string> = {
    [join('flows', 'a.journey.ts')]: [
      "import { journey, step } from '@elastic/synthetics';",
      "import { login } from './helpers/login.js';",
      "import data from './data.json';",
      "import x from '../shared/x';",
      "const y = require('./y');",
      "export { q } from './q';",
      "journey('a', () => { step('s', () => { void [login, data, x, y]; import('./lazy'); }); });",
    ].join('\n'),
    [join('flows', 'helpers', 'login.ts')]: 'export const login = 1;',
    [join('flows', 'data.json')]: '{}',
    [join('shared', 'x', 'index.ts')]: 'export default 1;',
    [join('flows', 'lazy.mjs')]: 'export {};',
  };
  const text = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: { name: a }
spec:
  browser: { journey: { file: flows/a.journey.ts } }
`;
  const diagnostics = load(text, 'a.yaml', (path) => files[path]);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.path, /imports "([^"]+)"/.exec(d.message)?.[1]]),
    [
      ['browser.journey-import', 'spec.browser.journey.file', './y'],
      ['browser.journey-import', 'spec.browser.journey.file', './q'],
    ],
  );
});
