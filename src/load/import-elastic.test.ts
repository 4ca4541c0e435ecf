import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { snapSchedule } from '../model/kibana-keys.js';
import { validateText } from '../model/validate.js';
import { ResourceValidator } from '../model/resource-validator.js';
import { SchemaValidator } from '../model/schema-validator.js';
import type { Diagnostic } from '../model/diagnostics.js';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import {
  envNameFor,
  importElasticProject,
  looksSecret,
  renderImportedStream,
  resourceNameFor,
  rootFieldsToBody,
  simpleJsonComparison,
  gvalToCel,
  type ImportElasticResult,
} from './import-elastic.js';
import { parsePushSchedule, scheduleToDuration } from './import-elastic-schedule.js';
import { evaluateJourneyFile, evaluateSyntheticsConfig } from './import-elastic-config.js';

const FIXTURES = resolve(import.meta.dirname, '../../testdata/elastic-projects');
// Compiled once: each compile of the schemas takes a noticeable moment.
const resourceValidator = new ResourceValidator();
const schemaValidator = new SchemaValidator();

interface Imported extends ImportElasticResult {
  readonly monitors: SyntheticMonitor[];
  readonly project: SyntheticsProject | undefined;
  readonly text: string;
  readonly dir: string;
}

function run(dir: string): Imported {
  const result = importElasticProject({ dir, cwd: dir, validator: schemaValidator });
  const monitors = result.resources
    .map((r) => r.resource)
    .filter((r): r is SyntheticMonitor => r.kind === 'SyntheticMonitor');
  const project = result.resources
    .map((r) => r.resource)
    .find((r): r is SyntheticsProject => r.kind === 'SyntheticsProject');
  return { ...result, monitors, project, text: renderImportedStream(result.resources), dir };
}

/** A temporary Elastic project with the given files. */
function project(files: Record<string, string>): Imported {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-import-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One lightweight monitor of `type` with `body` (YAML lines at monitor indentation). */
function lightweight(type: string, body: string, config?: string): Imported {
  const yaml = `heartbeat.monitors:\n  - type: ${type}\n    id: m1\n    name: M1\n${body
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;
  return project({
    'heartbeat.yml': yaml,
    ...(config === undefined ? {} : { 'synthetics.config.ts': config }),
  });
}

function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity}:${d.code}`);
}

function assertValid(text: string, dir: string): void {
  // Journey files are relative to the output, which is the project folder here (cwd).
  const result = validateText(text, join(dir, 'imported.yaml'), { validator: resourceValidator });
  const problems = result.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(problems, [], `imported YAML fails validate:\n${text}`);
}

// ---------------------------------------------------------------------------------------
// Schedules: push's parseSchedule, and the shared snapSchedule agreeing with it.

const SCHEDULES: [string, string][] = [
  ['@every 45m', '1h'],
  ['@every 70s', '1m'],
  ['@every 24m', '20m'],
  ['@every 1d', '4h'],
  ['@every 10s', '10s'],
  ['@every 19s', '10s'],
  ['@every 20s', '30s'],
  ['@every 59s', '30s'],
  ['@every 90s', '2m'],
  ['@every 1m30s', '1m'],
  ['@every 4m', '5m'], // tie between 3 and 5: the larger
  ['@every 7m', '5m'],
  ['@every 25m', '30m'], // tie between 20 and 30
  ['@every 2h', '2h'],
  ['@every 5h', '4h'],
  ['@every 3m', '3m'],
];

for (const [input, expected] of SCHEDULES) {
  test(`schedule ${input} -> ${expected}, as push`, () => {
    const parsed = parsePushSchedule(input);
    assert.ok(parsed.ok);
    assert.equal(scheduleToDuration(parsed.schedule), expected);
    assert.equal(scheduleToDuration(snapSchedule(input)), expected, 'kibana-keys snapSchedule agrees');
  });
}

test('schedule: cron is refused with push’s message; half-read text is flagged inexact', () => {
  const cron = parsePushSchedule('*/5 * * * *');
  assert.equal(cron.ok, false);
  assert.match(cron.ok ? '' : cron.reason, /use '@every' syntax instead/);
  const odd = parsePushSchedule('@every 1.5m');
  assert.ok(odd.ok);
  assert.equal(odd.exact, false);
  assert.equal(odd.schedule, 5); // push reads "1." (no unit) and "5m"
});

// ---------------------------------------------------------------------------------------
// Lightweight keys, field by field.

interface FieldCase {
  readonly name: string;
  readonly type: 'http' | 'tcp' | 'icmp';
  readonly yaml: string;
  readonly expect: Record<string, unknown>;
  readonly config?: string;
  readonly diagnostics?: string[];
}

const HTTP_URL = 'urls: https://a.example.com\nschedule: "@every 3m"';
const TCP_HOST = 'hosts: db:5432\nschedule: "@every 3m"';

const FIELD_CASES: FieldCase[] = [
  { name: 'urls as a string', type: 'http', yaml: HTTP_URL, expect: { 'http.url': 'https://a.example.com' } },
  {
    name: 'urls as a 1-item list',
    type: 'http',
    yaml: 'urls: [https://b.example.com]\nschedule: "@every 3m"',
    expect: { 'http.url': 'https://b.example.com' },
  },
  {
    name: 'max_redirects',
    type: 'http',
    yaml: `${HTTP_URL}\nmax_redirects: "4"`,
    expect: { 'http.maxRedirects': 4 },
  },
  {
    name: 'check.request.method dotted, lower case',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.request.method: post`,
    expect: { 'http.method': 'POST' },
  },
  {
    name: 'check.request.method nested',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck:\n  request:\n    method: HEAD`,
    expect: { 'http.method': 'HEAD' },
  },
  {
    name: 'check.request.headers',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.request.headers:\n  Accept: application/json`,
    expect: { 'http.headers': [{ name: 'Accept', value: 'application/json' }] },
  },
  {
    name: 'check.request.body string is text',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.request.body: hello`,
    expect: { 'http.body': { text: 'hello' } },
  },
  {
    name: 'check.request.body object is JSON',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.request.body: {a: 1}`,
    expect: { 'http.body': { json: { a: 1 } } },
  },
  {
    name: 'check.response.status scalar',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.response.status: 204`,
    expect: { 'http.checks.status': [204] },
  },
  {
    name: 'check.response.status list',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.response.status: ["200", 301]`,
    expect: { 'http.checks.status': [200, 301] },
  },
  {
    name: 'check.response.headers',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.response.headers:\n  X-Ok: "yes"`,
    expect: { 'http.checks.headers': [{ name: 'X-Ok', equals: 'yes' }] },
  },
  {
    name: 'check.response.body positive/negative',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.response.body.positive: up\ncheck.response.body.negative: [down, error]`,
    expect: { 'http.checks.body': { contains: ['up'], notContains: ['down', 'error'] } },
  },
  {
    name: 'check.response.json expression and condition',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.response.json:\n  - {description: d0, expression: '$.status == "ok"'}\n  - {description: d1, expression: 'ok == true && $.n > 1'}\n  - description: d2\n    condition: {equals: {a.b: 1}}`,
    expect: {
      'http.checks.json': [
        { description: 'd0', path: '$.status', equals: 'ok' },
        { description: 'd1', expression: 'body.ok == true && body.n > 1' },
        { description: 'd2', path: '$.a.b', equals: 1 },
      ],
    },
    diagnostics: ['warning:import.json-expression'],
  },
  {
    name: 'body patterns with regex syntax stay regular expressions',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.response.body.positive: ['"status":"ok"', 'ready\\.']\ncheck.response.body.negative: ['^err']`,
    expect: {
      'http.checks.body': { contains: ['"status":"ok"'], matches: ['ready\\.'], notMatches: ['^err'] },
    },
    diagnostics: ['notice:import.body-pattern'],
  },
  {
    name: 'response.include_body / include_headers',
    type: 'http',
    yaml: `${HTTP_URL}\nresponse.include_body: always\nresponse:\n  include_headers: false`,
    expect: { 'http.response': { includeBody: 'always', includeHeaders: false } },
  },
  {
    name: 'username/password become basic auth with a secret reference',
    type: 'http',
    yaml: `${HTTP_URL}\nusername: bob\npassword: s3cr3t-value`,
    expect: { 'http.auth': { basic: { username: 'bob', password: { valueFrom: { env: 'M1_PASSWORD' } } } } },
    diagnostics: ['warning:import.secret'],
  },
  {
    name: 'password from a param reads the param’s variable',
    type: 'http',
    yaml: `${HTTP_URL}\nusername: bob\npassword: \${dbPassword}`,
    expect: { 'http.auth.basic.password': { valueFrom: { env: 'DB_PASSWORD' } } },
    diagnostics: ['notice:import.secret'],
  },
  {
    name: 'proxy_url and proxy_headers',
    type: 'http',
    yaml: `${HTTP_URL}\nproxy_url: http://p:3128\nproxy_headers: {X-A: b}`,
    expect: { 'http.proxy': { url: 'http://p:3128', headers: [{ name: 'X-A', value: 'b' }] } },
  },
  {
    name: 'mode, ipv4, ipv6',
    type: 'http',
    yaml: `${HTTP_URL}\nmode: all\nipv4: false\nipv6: true`,
    expect: { 'http.mode': 'all', 'http.ipv4': false, 'http.ipv6': true },
  },
  {
    name: 'ssl dotted and nested; the key is a secret',
    type: 'http',
    yaml: `${HTTP_URL}\nssl.verification_mode: strict\nssl:\n  supported_protocols: [TLSv1.3]\n  key: "-----BEGIN PRIVATE KEY-----abc"`,
    expect: {
      'http.tls': {
        verificationMode: 'strict',
        supportedProtocols: ['TLSv1.3'],
        key: { valueFrom: { env: 'M1_TLS_KEY' } },
      },
    },
    diagnostics: ['warning:import.secret'],
  },
  {
    name: 'ssl.certificate_authorities as a path is reported, not read',
    type: 'http',
    yaml: `${HTTP_URL}\nssl.certificate_authorities: /etc/ca.pem`,
    expect: { 'http.tls': undefined },
    diagnostics: ['warning:import.tls-file'],
  },
  { name: 'timeout duration', type: 'http', yaml: `${HTTP_URL}\ntimeout: 30s`, expect: { timeout: '30s' } },
  { name: 'timeout in seconds', type: 'http', yaml: `${HTTP_URL}\ntimeout: 10`, expect: { timeout: '10s' } },
  {
    name: 'tcp hosts, check.send/receive, proxy',
    type: 'tcp',
    yaml: `${TCP_HOST}\ncheck.send: PING\ncheck:\n  receive: PONG\nproxy_url: socks5://p:1080\nproxy_use_local_resolver: true`,
    expect: {
      tcp: {
        host: 'db:5432',
        send: 'PING',
        receive: 'PONG',
        proxy: { url: 'socks5://p:1080', useLocalResolver: true },
      },
    },
  },
  {
    name: 'tcp ssl',
    type: 'tcp',
    yaml: `${TCP_HOST}\nssl.verification_mode: none`,
    expect: { 'tcp.tls.verificationMode': 'none' },
  },
  {
    name: 'icmp hosts and wait',
    type: 'icmp',
    yaml: 'hosts: [10.0.0.1]\nwait: 2s\nschedule: "@every 1m"',
    expect: { icmp: { host: '10.0.0.1', wait: '2s' } },
  },
  {
    name: 'fields dotted',
    type: 'http',
    yaml: `${HTTP_URL}\nfields.team: a\nfields.tier: 1`,
    expect: { fields: { team: 'a', tier: '1' } },
  },
  {
    name: 'fields nested',
    type: 'http',
    yaml: `${HTTP_URL}\nfields: {team: b}`,
    expect: { fields: { team: 'b' } },
  },
  {
    name: 'alert dotted',
    type: 'http',
    yaml: `${HTTP_URL}\nalert.status.enabled: false\nalert.tls.enabled: true`,
    expect: { alert: { status: { enabled: false }, tls: { enabled: true } } },
  },
  {
    name: 'alert nested and half-dotted',
    type: 'http',
    yaml: `${HTTP_URL}\nalert:\n  status: {enabled: false}\n  tls.enabled: false`,
    expect: { alert: { status: { enabled: false }, tls: { enabled: false } } },
  },
  {
    name: 'private_locations',
    type: 'http',
    yaml: `${HTTP_URL}\nprivate_locations: [DC 1]`,
    expect: { privateLocations: ['DC 1'] },
  },
  {
    name: 'privateLocations (camelCase)',
    type: 'http',
    yaml: `${HTTP_URL}\nprivateLocations: [DC 2]`,
    expect: { privateLocations: ['DC 2'] },
  },
  {
    name: 'retest_on_failure',
    type: 'http',
    yaml: `${HTTP_URL}\nretest_on_failure: false`,
    expect: { retestOnFailure: false },
  },
  {
    name: 'retestOnFailure in YAML is ignored, as push does',
    type: 'http',
    yaml: `${HTTP_URL}\nretestOnFailure: false`,
    expect: { retestOnFailure: undefined },
    diagnostics: ['warning:import.push-ignores'],
  },
  {
    name: 'maintenance_windows and maintenanceWindows',
    type: 'http',
    yaml: `${HTTP_URL}\nmaintenance_windows: [mw1]\nmaintenanceWindows: [mw2]`,
    expect: { maintenanceWindows: ['mw1'] },
  },
  {
    name: 'spaces, namespace, tags, enabled, locations',
    type: 'http',
    yaml: `${HTTP_URL}\nspaces: [b, a]\nnamespace: ns1\ntags: one\nenabled: false\nlocations: [us_east]`,
    expect: { spaces: ['a', 'b'], namespace: 'ns1', tags: ['one'], enabled: false, locations: ['us_east'] },
  },
  {
    name: 'spaces with * collapse to *',
    type: 'http',
    yaml: `${HTTP_URL}\nspaces: [a, '*']`,
    expect: { spaces: ['*'] },
  },
  {
    name: 'an unsupported key is reported at its line and dropped',
    type: 'http',
    yaml: `${HTTP_URL}\ncheck.request.query: a=b`,
    expect: { 'http.url': 'https://a.example.com' },
    diagnostics: ['warning:import.unsupported-key'],
  },
  {
    name: 'a key of another type is reported',
    type: 'icmp',
    yaml: 'hosts: h\nschedule: "@every 1m"\ncheck.send: x',
    expect: { 'icmp.host': 'h' },
    diagnostics: ['warning:import.unsupported-key'],
  },
];

function at(object: unknown, path: string): unknown {
  let node = object;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

for (const c of FIELD_CASES) {
  test(`lightweight ${c.type}: ${c.name}`, () => {
    const result = lightweight(c.type, c.yaml, c.config);
    assert.equal(result.monitors.length, 1, JSON.stringify(result.diagnostics, null, 2));
    const spec = result.monitors[0]!.spec;
    for (const [path, expected] of Object.entries(c.expect)) {
      assert.deepEqual(at(spec, path), expected, `spec.${path}`);
    }
    const found = codes(result.diagnostics).filter((d) => !d.startsWith('notice:import.config-missing'));
    for (const expected of c.diagnostics ?? [])
      assert.ok(found.includes(expected), `${expected} in ${found.join(', ')}`);
    assert.ok(!found.some((d) => d.startsWith('error:')), found.join(', '));
    assertValid(result.text, result.dir);
  });
}

test('secret values never reach the output or the diagnostics', () => {
  const result = lightweight(
    'http',
    `${HTTP_URL}\nusername: bob\npassword: hunter2-literal\ncheck.request.headers:\n  Authorization: Bearer tok-123456\nssl.key_passphrase: pass-phrase-9`,
  );
  const everything = result.text + JSON.stringify(result.diagnostics);
  for (const secret of ['hunter2-literal', 'tok-123456', 'pass-phrase-9']) {
    assert.ok(!everything.includes(secret), `${secret} leaked`);
  }
  assert.deepEqual(result.monitors[0]!.spec.http?.headers, [
    { name: 'Authorization', valueFrom: { env: 'M1_AUTHORIZATION' } },
  ]);
});

test('YAML merge keys (<<) are resolved and keys point at the anchor', () => {
  const result = project({
    'heartbeat.yml': `base: &base
  schedule: '@every 45m'
  fields.team: payments
  frobnicate: 1
heartbeat.monitors:
  - <<: *base
    type: http
    id: a
    name: A
    urls: https://a.example.com
  - <<: [*base]
    type: http
    id: b
    name: B
    urls: https://b.example.com
    schedule: '@every 2m'
`,
  });
  assert.deepEqual(
    result.monitors.map((m) => [m.spec.id, m.spec.schedule, m.spec.fields]),
    [
      ['a', '1h', { team: 'payments' }],
      ['b', '2m', { team: 'payments' }],
    ],
  );
  const unsupported = result.diagnostics.filter((d) => d.code === 'import.unsupported-key');
  assert.equal(unsupported.length, 2);
  assert.deepEqual([unsupported[0]!.line, unsupported[0]!.column], [4, 3]);
});

test('browser entries in YAML are skipped with a warning; duplicate ids and cron are errors', () => {
  const result = project({
    'monitors.yml': `heartbeat.monitors:
  - {type: browser, id: b, name: B, schedule: '@every 10m'}
  - {type: http, id: dup, name: One, urls: 'https://1.example.com', schedule: '@every 5m'}
  - {type: http, id: dup, name: Two, urls: 'https://2.example.com', schedule: '@every 5m'}
  - {type: http, id: cron, name: Cron, urls: 'https://3.example.com', schedule: '*/5 * * * *'}
  - {type: http, id: many, name: Many, urls: ['https://4.example.com', 'https://5.example.com']}
`,
  });
  const byCode = new Map(result.diagnostics.map((d) => [`${d.code}:${d.severity}`, d]));
  assert.equal(byCode.get('import.browser-yaml:warning')?.severity, 'warning');
  const dup = byCode.get('import.duplicate-id:error')!;
  assert.equal(dup.severity, 'error');
  assert.equal(dup.line, 4);
  assert.match(dup.message, /monitors\.yml:3:5/);
  assert.match(byCode.get('import.schedule:error')!.message, /use '@every' syntax instead/);
  assert.equal(byCode.get('import.target:error')?.severity, 'error');
  assert.deepEqual(
    result.monitors.map((m) => m.spec.id),
    ['dup', 'cron'],
  );
});

// ---------------------------------------------------------------------------------------
// Project settings and journeys.

test('fixture journey-project: SyntheticsProject, defaults, params with secrets, journeys', () => {
  const result = run(join(FIXTURES, 'journey-project'));
  assert.ok(
    !result.diagnostics.some((d) => d.severity === 'error'),
    JSON.stringify(result.diagnostics, null, 2),
  );
  const spec = result.project!.spec;
  assert.equal(spec.projectId, 'shop-monitors');
  assert.deepEqual(spec.kibana, {
    url: 'https://kibana.example.com',
    space: 'shop',
    apiKey: { valueFrom: { env: 'SYNTHETICS_API_KEY' } },
  });
  assert.equal(spec.defaults?.schedule, '10m');
  assert.deepEqual(spec.defaults?.locations, ['us_east']);
  assert.deepEqual(spec.defaults?.fields, { team: 'shop', env: 'development' });
  assert.deepEqual(spec.defaults?.params, [
    { name: 'url', value: 'https://shop.example.com' },
    { name: 'username', value: 'synthetics-bot' },
    { name: 'password', valueFrom: { env: 'SHOP_PASSWORD' } },
    { name: 'apiKey', valueFrom: { env: 'API_KEY' } },
    { name: 'retries', value: '3' },
  ]);
  assert.ok(!result.text.includes('c2VjcmV0LWtleS0xMjM0NTY3ODkwYWJjZGVm'), 'apiKey value leaked');
  assert.ok(!result.text.includes('super-secret-token'), 'header value leaked');

  const byId = new Map(result.monitors.map((m) => [m.spec.id, m.spec]));
  const login = byId.get('shop-login')!;
  assert.equal(login.schedule, '5m');
  assert.deepEqual(login.tags, ['login']); // a non-empty monitor.use list replaces the default
  assert.deepEqual(login.fields, { flow: 'login' }); // merged over the defaults by key
  assert.deepEqual(login.browser, {
    journey: { file: './journeys/login.journey.ts' },
    filter: { match: 'Login' },
    screenshots: 'only-on-failure',
    playwrightOptions: { ignoreHTTPSErrors: false },
  });
  const checkout = byId.get('shop-checkout')!;
  assert.equal(checkout.name, 'Checkout');
  assert.deepEqual(checkout.tags, ['checkout']);
  assert.deepEqual(checkout.privateLocations, ['Paris DC']);
  assert.deepEqual(checkout.spaces, ['ops', 'shop']);
  assert.equal(checkout.schedule, undefined, 'inherits the project default');
  const skipped = byId.get('search-flaky')!;
  assert.equal(skipped.enabled, false);
  // Lightweight: project fields win over fields.* (push applies them last).
  assert.deepEqual(byId.get('shop-health')!.fields, { owner: 'alice' });
  assert.equal(byId.get('shop-api')!.schedule, '4h');
  assertValid(result.text, result.dir);
});

test('fixture lightweight-only and hostile: every written resource validates', () => {
  const light = run(join(FIXTURES, 'lightweight-only'));
  assert.equal(light.monitors.length, 4);
  assert.equal(light.project, undefined);
  assertValid(light.text, light.dir);
  const hostile = run(join(FIXTURES, 'hostile'));
  assertValid(hostile.text, hostile.dir);
  const errors = hostile.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
  for (const code of [
    'import.schedule',
    'import.duplicate-id',
    'import.target',
    'import.required',
    'import.yaml',
  ]) {
    assert.ok(errors.includes(code), `${code} in ${errors.join(', ')}`);
  }
  assert.ok(errors.includes('import.journey-file'), 'the endless journey file is reported, not hung on');
  assert.ok(!hostile.text.includes('eyJhbGciOiJIUzI1NiJ9'), 'token leaked');
});

const CONFIG_SHAPES: [string, string][] = [
  [
    'export default {…}',
    `export default { project: { id: 'p', url: 'https://k.example.com' }, monitor: { schedule: 3 } };`,
  ],
  [
    'export default (env) => { return {…} }',
    `export default (env: string) => { const c = { project: { id: 'p', url: 'https://k.example.com' }, monitor: { schedule: env === 'development' ? 3 : 60 } }; return c; };`,
  ],
  [
    'const config = {…}; export default config',
    `import type { SyntheticsConfig } from '@elastic/synthetics';\nconst config: SyntheticsConfig = { project: { id: 'p', url: 'https://k.example.com' }, monitor: { schedule: 3 } };\nexport default config;`,
  ],
  [
    'an async config function',
    `export default async () => ({ project: { id: 'p', url: 'https://k.example.com' }, monitor: { schedule: 3 } });`,
  ],
  [
    'module.exports',
    `module.exports = { project: { id: 'p', url: 'https://k.example.com' }, monitor: { schedule: 3 } };`,
  ],
];

for (const [shape, source] of CONFIG_SHAPES) {
  test(`synthetics.config: ${shape}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'synthctl-config-'));
    try {
      const file = join(dir, 'synthetics.config.ts');
      writeFileSync(file, source);
      const evaluated = evaluateSyntheticsConfig(file);
      assert.deepEqual(evaluated.config, {
        project: { id: 'p', url: 'https://k.example.com' },
        monitor: { schedule: 3 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('synthetics.config runs without authority: no fs, no env values, bounded time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-config-'));
  try {
    const marker = join(dir, 'pwned');
    const file = join(dir, 'synthetics.config.ts');
    writeFileSync(
      file,
      `import fs from 'node:fs';
       try { fs.writeFileSync(${JSON.stringify(marker)}, 'x'); } catch {}
       export default { params: { home: process.env.HOME, node: process.env.NODE_ENV } };`,
    );
    const evaluated = evaluateSyntheticsConfig(file, { environment: 'staging' });
    assert.equal(existsSync(marker), false, 'the config wrote a file');
    assert.deepEqual(evaluated.stubbedModules, ['node:fs']);
    assert.deepEqual(evaluated.envRead, ['HOME']);
    assert.equal((evaluated.config.params as Record<string, string>).node, 'staging');
    assert.notEqual((evaluated.config.params as Record<string, string>).home, process.env.HOME);

    writeFileSync(file, 'while (true) {}\nexport default {};');
    assert.throws(() => evaluateSyntheticsConfig(file, { timeoutMs: 200 }), /did not finish within 200 ms/);
    writeFileSync(file, 'export default Promise.resolve(this.constructor.constructor("return process")())');
    assert.throws(() => evaluateSyntheticsConfig(file), /cannot|threw|no default/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('journey files: string and object journeys, monitor.use, loops, skip, apiJourney', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-journey-'));
  try {
    const file = join(dir, 'many.journey.ts');
    writeFileSync(
      file,
      `import { journey, apiJourney, step, monitor } from '@elastic/synthetics';
for (const page of ['home', 'about']) {
  journey(\`Page \${page}\`, ({ params }) => {
    monitor.use({ id: \`page-\${page}\`, schedule: params.every });
    step('open', async () => {});
  });
}
journey.skip({ name: 'Skipped', id: 'skipped' }, () => {});
apiJourney('API', () => {});
`,
    );
    const evaluated = evaluateJourneyFile(file, { every: 15 });
    assert.deepEqual(
      evaluated.journeys.map((j) => [j.kind, j.name, j.id, j.modifier, j.monitor, j.steps]),
      [
        ['journey', 'Page home', 'Page home', undefined, { id: 'page-home', schedule: 15 }, 1],
        ['journey', 'Page about', 'Page about', undefined, { id: 'page-about', schedule: 15 }, 1],
        ['journey', 'Skipped', 'skipped', 'skip', undefined, 0],
        ['apiJourney', 'API', 'API', undefined, undefined, 0],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('helpers: resource names, env names, secret heuristics', () => {
  assert.equal(resourceNameFor('My Example Journey'), 'my-example-journey');
  assert.equal(resourceNameFor('--A_b..c--'), 'a-b.c');
  assert.equal(envNameFor('apiKey'), 'API_KEY');
  assert.equal(envNameFor('db-password'), 'DB_PASSWORD');
  assert.equal(envNameFor('1st'), '_1ST');
  assert.ok(looksSecret('password', 'x'));
  assert.ok(looksSecret('x', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc'));
  assert.ok(looksSecret('x', 'ghp_0123456789abcdefABCDEF0123456789'));
  assert.ok(!looksSecret('url', 'https://shop.example.com/a/b/c/d/e/f'));
  assert.ok(!looksSecret('region', 'europe-west3-a-long-name-here'));
});

test('Heartbeat JSON expressions: top-level fields become body.<field>', () => {
  const cases: [string, string][] = [
    ['status == "green"', 'body.status == "green"'],
    ['foo.bar == "x" && size(items) > 0', 'body.foo.bar == "x" && size(body.items) > 0'],
    ['items.all(i, i.ok == true)', 'body.items.all(i, i.ok == true)'],
    ["has(a.b) && c in ['x', 'y']", "has(body.a.b) && body.c in ['x', 'y']"],
    ['x > 1.5e3 && y == 2u', 'body.x > 1.5e3 && body.y == 2u'],
    ["name.startsWith('a') || 'status' == s", "body.name.startsWith('a') || 'status' == body.s"],
  ];
  for (const [input, expected] of cases) assert.equal(rootFieldsToBody(input), expected, input);
});

test('credentials in a URL become basic auth; the password is not kept', () => {
  const result = lightweight('http', 'urls: https://bob:pa55word-x@a.example.com/x\nschedule: "@every 1m"');
  const http = result.monitors[0]!.spec.http!;
  assert.equal(http.url, 'https://a.example.com/x');
  assert.deepEqual(http.auth, {
    basic: { username: 'bob', password: { valueFrom: { env: 'M1_PASSWORD' } } },
  });
  assert.ok(!(result.text + JSON.stringify(result.diagnostics)).includes('pa55word-x'));
});

test('a journey file that cannot be evaluated falls back to its literal journey names, with warnings', () => {
  const result = run(join(FIXTURES, 'hostile'));
  const spins = result.monitors.find((m) => m.spec.name === 'Spins');
  assert.equal(spins?.spec.browser?.filter?.match, 'Spins');
  assert.ok(result.diagnostics.some((d) => d.code === 'import.journey-static' && d.line === 2));
  assert.ok(result.diagnostics.some((d) => d.code === 'import.journey-file' && d.severity === 'error'));
});

// Golden files: the YAML users read and the diagnostics they see, per fixture project.
// Regenerate with UPDATE_GOLDEN=1 node scripts/run-tests.mjs import-elastic.test
for (const name of ['lightweight-only', 'journey-project', 'journey-js', 'hostile']) {
  test(`golden: ${name}`, () => {
    const result = run(join(FIXTURES, name));
    const diagnostics = result.diagnostics
      .map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`)
      .join('\n');
    const actual = `${result.text}\n# --- diagnostics ---\n${diagnostics
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n')}\n`;
    const golden = join(FIXTURES, 'golden', `${name}.yaml`);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(join(FIXTURES, 'golden'), { recursive: true });
      writeFileSync(golden, actual);
    }
    assert.equal(actual, readFileSync(golden, 'utf8'));
  });
}

test('--project-id/--kibana-url/--space win over the config, and make a project without one', () => {
  const hostile = importElasticProject({
    dir: join(FIXTURES, 'hostile'),
    cwd: join(FIXTURES, 'hostile'),
    projectId: 'from-flag',
    kibanaUrl: 'https://kibana.flag.example.com',
    validator: schemaValidator,
  });
  const project = hostile.resources.find((r) => r.resource.kind === 'SyntheticsProject')?.resource as
    SyntheticsProject | undefined;
  assert.equal(project?.spec.projectId, 'from-flag');
  assert.equal(project?.spec.kibana.url, 'https://kibana.flag.example.com');
  assert.ok(!hostile.diagnostics.some((d) => d.code === 'import.project'));

  const light = importElasticProject({
    dir: join(FIXTURES, 'lightweight-only'),
    cwd: join(FIXTURES, 'lightweight-only'),
    projectId: 'light',
    kibanaUrl: 'https://k.example.com',
    space: 'ops',
    validator: schemaValidator,
  });
  const lightProject = light.resources.find((r) => r.resource.kind === 'SyntheticsProject')?.resource as
    SyntheticsProject | undefined;
  assert.deepEqual(lightProject?.spec.kibana.space, 'ops');
  assert.equal(lightProject?.spec.defaults, undefined);
});

test('Heartbeat gval JSON expressions: simple comparisons become path checks, the rest CEL', () => {
  assert.deepEqual(simpleJsonComparison('$.queue.depth < 100'), { path: '$.queue.depth', lessThan: 100 });
  assert.deepEqual(simpleJsonComparison('$.items[0].id != "x"'), { path: '$.items[0].id', notEquals: 'x' });
  assert.equal(simpleJsonComparison('$.a == "x" && $.b > 1'), undefined);
  assert.equal(simpleJsonComparison('$.a < "x"'), undefined);
  assert.equal(gvalToCel('$.a == "$x" && b > 1'), 'body.a == "$x" && body.b > 1');
  assert.equal(gvalToCel('$["a-b"] == 1'), 'body["a-b"] == 1');
});
