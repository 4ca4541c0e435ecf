import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { SyntheticMonitor, SyntheticMonitorSpec, SyntheticsProject } from '../model/schema.js';
import { MonitorTooLargeError } from './bundle.js';
import { paramKey } from './params.js';
import {
  DuplicateMonitorIdError,
  UntranslatableFieldError,
  assertTranslatable,
  expandStatus,
  journeyNameIn,
  jsonCheckExpression,
  translateMonitor,
  translateProject,
  type Translation,
} from './translate.js';
import { readZip } from './zip.js';

type Spec = SyntheticMonitorSpec;

const HTTP = { http: { url: 'https://example.com/' } } satisfies Spec;

function monitor(
  spec: SyntheticMonitorSpec,
  metadata: Partial<SyntheticMonitor['metadata']> = {},
): SyntheticMonitor {
  return {
    apiVersion: 'synthctl.dev/v1alpha1',
    kind: 'SyntheticMonitor',
    metadata: { name: 'orders', ...metadata },
    spec,
  };
}

function project(spec: Partial<SyntheticsProject['spec']> = {}): SyntheticsProject {
  return {
    apiVersion: 'synthctl.dev/v1alpha1',
    kind: 'SyntheticsProject',
    metadata: { name: 'shop', namespace: 'payments' },
    spec: { kibana: { url: 'https://kibana.example.com' }, projectId: 'shop', ...spec },
  };
}

const issueCodes = (t: Translation): string[] => t.issues.map((i) => `${i.severity} ${i.code} ${i.path}`);

/** The payload without the hash, for exact comparisons. */
async function payloadOf(m: SyntheticMonitor, p?: SyntheticsProject): Promise<Record<string, unknown>> {
  const { hash, ...rest } = (await translateMonitor(m, p === undefined ? {} : { project: p })).payload;
  assert.match(hash, /^[A-Za-z0-9+/]{43}=$/u, 'a base64 sha256');
  return rest;
}

describe('translateMonitor: identity and common keys', () => {
  const cases: {
    name: string;
    spec: Spec;
    metadata?: Partial<SyntheticMonitor['metadata']>;
    project?: SyntheticsProject;
    expect: Record<string, unknown>;
    absent?: string[];
  }[] = [
    {
      name: 'minimal http monitor: derived id and name, default schedule, no optional keys',
      spec: HTTP,
      expect: { id: 'default-orders', name: 'orders', type: 'http', schedule: 3, locations: [], params: {} },
      absent: [
        'enabled',
        'tags',
        'fields',
        'spaces',
        'timeout',
        'alert',
        'retestOnFailure',
        'privateLocations',
      ],
    },
    {
      name: 'namespace goes into the derived id',
      spec: HTTP,
      metadata: { namespace: 'shop' },
      expect: { id: 'shop-orders' },
    },
    {
      name: 'spec.id and spec.name win',
      spec: { ...HTTP, id: 'orders-api', name: 'Orders API' },
      expect: { id: 'orders-api', name: 'Orders API' },
    },
    { name: 'enabled false', spec: { ...HTTP, enabled: false }, expect: { enabled: false } },
    {
      name: 'retestOnFailure',
      spec: { ...HTTP, retestOnFailure: false },
      expect: { retestOnFailure: false },
    },
    { name: 'tags', spec: { ...HTTP, tags: ['a', 'b'] }, expect: { tags: ['a', 'b'] } },
    {
      name: 'fields (Kibana labels)',
      spec: { ...HTTP, fields: { team: 'x' } },
      expect: { fields: { team: 'x' } },
    },
    {
      name: 'alert keeps only what is set',
      spec: { ...HTTP, alert: { tls: { enabled: false } } },
      expect: { alert: { tls: { enabled: false } } },
    },
    { name: 'namespace', spec: { ...HTTP, namespace: 'prod_eu' }, expect: { namespace: 'prod_eu' } },
    {
      name: 'maintenanceWindows',
      spec: { ...HTTP, maintenanceWindows: ['mw-1'] },
      expect: { maintenanceWindows: ['mw-1'] },
    },
    {
      name: 'privateLocations',
      spec: { ...HTTP, privateLocations: ['My DC'] },
      expect: { privateLocations: ['My DC'] },
    },
    {
      name: 'serviceName as service.name',
      spec: { ...HTTP, serviceName: 'orders' },
      expect: { 'service.name': 'orders' },
    },
    { name: 'timeout in seconds', spec: { ...HTTP, timeout: '16s' }, expect: { timeout: '16s' } },
    {
      name: 'compound timeout becomes seconds',
      spec: { ...HTTP, timeout: '1m30s' },
      expect: { timeout: '90s' },
    },
    {
      name: 'literal params',
      spec: { ...HTTP, params: [{ name: 'host', value: 'a.example' }] },
      expect: { params: { host: 'a.example' } },
    },
    {
      name: 'spaces: the Kibana space first, then the monitor and project spaces',
      spec: { ...HTTP, spaces: ['team-a'] },
      project: project({ kibana: { url: 'https://k', space: 'ops' }, defaults: { spaces: ['team-b'] } }),
      expect: { spaces: ['ops', 'team-a', 'team-b'] },
    },
    { name: 'spaces: * alone', spec: { ...HTTP, spaces: ['team-a', '*'] }, expect: { spaces: ['*'] } },
    {
      name: 'project defaults fill what the monitor leaves out',
      spec: { ...HTTP, tags: ['own'] },
      project: project({
        defaults: {
          schedule: '5m',
          locations: ['germany'],
          tags: ['team'],
          fields: { env: 'prod' },
          timeout: '10s',
          enabled: true,
          params: [{ name: 'p', value: '1' }],
        },
      }),
      expect: {
        schedule: 5,
        locations: ['europe-west3-a'],
        tags: ['own'],
        fields: { env: 'prod' },
        timeout: '10s',
        enabled: true,
        params: { p: '1' },
      },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const payload = await payloadOf(monitor(c.spec, c.metadata), c.project);
      for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(payload[key], value, key);
      for (const key of c.absent ?? []) assert.equal(key in payload, false, `${key} absent`);
    });
  }
});

describe('translateMonitor: schedules and locations', () => {
  const schedules: {
    schedule: string | undefined;
    type: 'http' | 'browser';
    expect: number | string;
    snapped?: boolean;
  }[] = [
    { schedule: '1m', type: 'http', expect: 1 },
    { schedule: '10s', type: 'http', expect: '10s' },
    { schedule: '30s', type: 'http', expect: '30s' },
    { schedule: '1h', type: 'http', expect: 60 },
    { schedule: '4h', type: 'http', expect: 240 },
    { schedule: '20s', type: 'http', expect: '30s', snapped: true },
    { schedule: '7m', type: 'http', expect: 5, snapped: true },
    { schedule: '30s', type: 'browser', expect: 1, snapped: true },
    { schedule: '15m', type: 'browser', expect: 15 },
    { schedule: undefined, type: 'http', expect: 3 },
    { schedule: undefined, type: 'browser', expect: 10 },
  ];
  for (const c of schedules) {
    test(`${c.type} schedule ${c.schedule ?? '(default)'} → ${JSON.stringify(c.expect)}`, async () => {
      const base: Spec =
        c.type === 'http' ? HTTP : { browser: { journey: { inline: "step('a', () => {});" } } };
      const t = await translateMonitor(
        monitor({ ...base, ...(c.schedule === undefined ? {} : { schedule: c.schedule }) }),
      );
      assert.equal(t.payload.schedule, c.expect);
      assert.deepEqual(
        issueCodes(t).filter((i) => i.includes('schedule')),
        c.snapped === true ? ['warning kibana.schedule.snapped spec.schedule'] : [],
      );
    });
  }

  const locations: { given: string; expect: string; unknown?: boolean }[] = [
    { given: 'us_east', expect: 'us-east4-a' },
    { given: 'japan', expect: 'asia-northeast1-a' },
    { given: 'europe-west2-a', expect: 'europe-west2-a' },
    { given: 'my-runner', expect: 'my-runner', unknown: true },
  ];
  for (const c of locations) {
    test(`location ${c.given} → ${c.expect}`, async () => {
      const t = await translateMonitor(monitor({ ...HTTP, locations: [c.given] }));
      assert.deepEqual(t.payload.locations, [c.expect]);
      assert.deepEqual(
        issueCodes(t),
        c.unknown === true ? ['warning kibana.location.unknown spec.locations[0]'] : [],
      );
    });
  }

  test('a sub-second timeout is rounded up, with a warning', async () => {
    const t = await translateMonitor(monitor({ ...HTTP, timeout: '500ms' }));
    assert.equal(t.payload['timeout'], '1s');
    assert.deepEqual(issueCodes(t), ['warning kibana.timeout.rounded spec.timeout']);
  });
});

describe('translateMonitor: http, tcp and icmp keys', () => {
  const cases: { name: string; spec: Spec; expect: Record<string, unknown> }[] = [
    { name: 'url', spec: HTTP, expect: { urls: 'https://example.com/' } },
    {
      name: 'method',
      spec: { http: { url: 'u', method: 'POST' } },
      expect: { 'check.request.method': 'POST' },
    },
    { name: 'maxRedirects', spec: { http: { url: 'u', maxRedirects: 2 } }, expect: { max_redirects: 2 } },
    {
      name: 'literal headers',
      spec: { http: { url: 'u', headers: [{ name: 'Accept', value: 'text/plain' }] } },
      expect: { 'check.request.headers': { Accept: 'text/plain' } },
    },
    {
      name: 'text body',
      spec: { http: { url: 'u', body: { text: 'ping' } } },
      expect: { 'check.request.body': 'ping' },
    },
    {
      name: 'JSON body with its Content-Type',
      spec: { http: { url: 'u', body: { json: { a: 1 } } } },
      expect: {
        'check.request.body': { a: 1 },
        'check.request.headers': { 'Content-Type': 'application/json' },
      },
    },
    {
      name: 'JSON array body as text, keeping a given Content-Type',
      spec: {
        http: {
          url: 'u',
          headers: [{ name: 'content-type', value: 'application/vnd+json' }],
          body: { json: [1, 2] },
        },
      },
      expect: {
        'check.request.body': '[1,2]',
        'check.request.headers': { 'content-type': 'application/vnd+json' },
      },
    },
    {
      name: 'form body',
      spec: { http: { url: 'u', body: { form: { a: '1', b: 'x y' } } } },
      expect: {
        'check.request.body': 'a=1&b=x+y',
        'check.request.headers': { 'Content-Type': 'application/x-www-form-urlencoded' },
      },
    },
    {
      name: 'proxy',
      spec: { http: { url: 'u', proxy: { url: 'http://p:3128', headers: [{ name: 'X-T', value: 'v' }] } } },
      expect: { proxy_url: 'http://p:3128', proxy_headers: { 'X-T': 'v' } },
    },
    {
      name: 'ip mode',
      spec: { http: { url: 'u', mode: 'all', ipv4: true, ipv6: false } },
      expect: { mode: 'all', ipv4: true, ipv6: false },
    },
    {
      name: 'tls',
      spec: {
        http: {
          url: 'u',
          tls: {
            verificationMode: 'certificate',
            supportedProtocols: ['TLSv1.3'],
            certificateAuthorities: [{ pem: 'CA1' }, { pem: 'CA2' }],
            certificate: { pem: 'CERT' },
          },
        },
      },
      expect: {
        'ssl.verification_mode': 'certificate',
        'ssl.supported_protocols': ['TLSv1.3'],
        'ssl.certificate_authorities': 'CA1\nCA2',
        'ssl.certificate': 'CERT',
      },
    },
    {
      name: 'status codes',
      spec: { http: { url: 'u', checks: { status: [200, '204'] } } },
      expect: { 'check.response.status': [200, 204] },
    },
    {
      name: 'status range',
      spec: { http: { url: 'u', checks: { status: ['301-303'] } } },
      expect: { 'check.response.status': [301, 302, 303] },
    },
    {
      name: 'header equality',
      spec: { http: { url: 'u', checks: { headers: [{ name: 'Content-Type', equals: 'text/html' }] } } },
      expect: { 'check.response.headers': { 'Content-Type': 'text/html' } },
    },
    {
      name: 'body contains is regex-escaped, matches is kept',
      spec: {
        http: {
          url: 'u',
          checks: { body: { contains: ['a.b (c)'], notContains: ['$5'], notMatches: ['^err'] } },
        },
      },
      expect: {
        'check.response.body.positive': ['a\\.b \\(c\\)'],
        'check.response.body.negative': ['\\$5', '^err'],
      },
    },
    {
      name: 'json path checks become gval expressions',
      spec: {
        http: {
          url: 'u',
          checks: {
            json: [
              { path: '$.status', equals: 'ok' },
              { description: 'few', path: '$.items[0].count', lessThan: 5 },
            ],
          },
        },
      },
      expect: {
        'check.response.json': [
          { description: '$.status == "ok"', expression: '$.status == "ok"' },
          { description: 'few', expression: '$.items[0].count < 5' },
        ],
      },
    },
    {
      name: 'response options',
      spec: {
        http: {
          url: 'u',
          response: { includeBody: 'never', includeHeaders: false, includeBodyMaxBytes: 10 },
        },
      },
      expect: {
        'response.include_body': 'never',
        'response.include_headers': false,
        'response.include_body_max_bytes': 10,
      },
    },
    {
      name: 'tcp',
      spec: {
        tcp: {
          host: 'db:5432',
          send: 'x',
          receive: 'y',
          proxy: { url: 'socks5://p:1080', useLocalResolver: true },
          ipv6: false,
        },
      },
      expect: {
        type: 'tcp',
        hosts: 'db:5432',
        'check.send': 'x',
        'check.receive': 'y',
        proxy_url: 'socks5://p:1080',
        proxy_use_local_resolver: true,
        ipv6: false,
      },
    },
    {
      name: 'tcp over TLS with default options',
      spec: { tcp: { host: 'db:5432', tls: {} } },
      expect: { 'ssl.verification_mode': 'full' },
    },
    {
      name: 'icmp',
      spec: { icmp: { host: '10.0.0.1', wait: '2s', mode: 'any' } },
      expect: { type: 'icmp', hosts: '10.0.0.1', wait: '2s', mode: 'any' },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const t = await translateMonitor(monitor(c.spec));
      assert.deepEqual(t.issues, []);
      for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(t.payload[key], value, key);
    });
  }

  test('keys are the dotted Heartbeat keys, never nested', async () => {
    const t = await translateMonitor(
      monitor({
        http: { url: 'u', method: 'PUT', tls: { verificationMode: 'none' }, checks: { status: [200] } },
      }),
    );
    assert.equal('check' in t.payload, false);
    assert.equal('ssl' in t.payload, false);
  });
});

describe('translateMonitor: secrets become Kibana params', () => {
  const ref = (name: string) => ({ valueFrom: { secretKeyRef: { name: 'creds', key: name } } });
  const cases: {
    name: string;
    spec: Spec;
    payloadKey: string;
    field: string;
    template: (r: string) => unknown;
  }[] = [
    {
      name: 'header',
      spec: { http: { url: 'u', headers: [{ name: 'X-API-Key', ...ref('k') }] } },
      payloadKey: 'check.request.headers',
      field: 'header_X-API-Key',
      template: (r) => ({ 'X-API-Key': r }),
    },
    {
      name: 'basic password',
      spec: { http: { url: 'u', auth: { basic: { username: 'probe', password: ref('pw') } } } },
      payloadKey: 'password',
      field: 'password',
      template: (r) => r,
    },
    {
      name: 'bearer token',
      spec: { http: { url: 'u', auth: { bearer: { token: ref('t') } } } },
      payloadKey: 'check.request.headers',
      field: 'bearer_token',
      template: (r) => ({ Authorization: `Bearer ${r}` }),
    },
    {
      name: 'API key with prefix',
      spec: {
        http: { url: 'u', auth: { apiKey: { header: 'Authorization', prefix: 'ApiKey ', value: ref('a') } } },
      },
      payloadKey: 'check.request.headers',
      field: 'api_key',
      template: (r) => ({ Authorization: `ApiKey ${r}` }),
    },
    {
      name: 'body',
      spec: { http: { url: 'u', body: { valueFrom: { env: 'BODY' } } } },
      payloadKey: 'check.request.body',
      field: 'body',
      template: (r) => r,
    },
    {
      name: 'proxy header',
      spec: {
        http: {
          url: 'u',
          proxy: { url: 'http://p', headers: [{ name: 'Proxy-Authorization', ...ref('p') }] },
        },
      },
      payloadKey: 'proxy_headers',
      field: 'proxy_header_Proxy-Authorization',
      template: (r) => ({ 'Proxy-Authorization': r }),
    },
    {
      name: 'ssl key',
      spec: { http: { url: 'u', tls: { key: ref('key') } } },
      payloadKey: 'ssl.key',
      field: 'ssl_key',
      template: (r) => r,
    },
    {
      name: 'ssl key passphrase',
      spec: { tcp: { host: 'h:1', tls: { keyPassphrase: ref('pp') } } },
      payloadKey: 'ssl.key_passphrase',
      field: 'ssl_key_passphrase',
      template: (r) => r,
    },
    {
      name: 'certificate from a Secret',
      spec: { http: { url: 'u', tls: { certificate: { secretKeyRef: { name: 'tls', key: 'crt' } } } } },
      payloadKey: 'ssl.certificate',
      field: 'ssl_certificate',
      template: (r) => r,
    },
    {
      name: 'param',
      spec: {
        ...HTTP,
        params: [
          { name: 'token', ...ref('tok') },
          { name: 'plain', value: 'x' },
        ],
      },
      payloadKey: 'params',
      field: 'param_token',
      template: (r) => ({ token: r, plain: 'x' }),
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const t = await translateMonitor(monitor(c.spec, { namespace: 'payments' }), { project: project() });
      const key = paramKey('payments-orders', c.field);
      assert.deepEqual(t.payload[c.payloadKey], c.template(`\${${key}}`));
      assert.equal(t.params.length, 1);
      const param = t.params[0]!;
      assert.equal(param.key, key);
      assert.deepEqual(param.tags, ['synthctl', 'synthctl-project:shop']);
      assert.equal(param.namespace, 'payments');
      assert.equal(param.monitorId, 'payments-orders');
      assert.match(param.description, /^synthctl: spec\./u);
      assert.ok(param.valueRef.secretKeyRef !== undefined || param.valueRef.env !== undefined);
      assert.doesNotMatch(JSON.stringify(t.payload), /creds|BODY/u, 'no reference details in the payload');
    });
  }

  test('param keys are deterministic, sanitized and collision-free', () => {
    assert.equal(paramKey('orders', 'password'), 'synthctl_orders_password');
    assert.match(paramKey('shop-orders', 'header_X-Key'), /^synthctl_shop_orders_header_X_Key_[0-9a-f]{8}$/u);
    assert.equal(paramKey('a-b', 'x'), paramKey('a-b', 'x'));
    assert.notEqual(paramKey('a-b', 'x'), paramKey('a_b', 'x'));
    assert.notEqual(paramKey('a-b', 'x'), paramKey('a.b', 'x'));
  });

  test('a secret param of a browser journey is flagged: Kibana does not substitute inside params', async () => {
    const t = await translateMonitor(
      monitor({
        params: [{ name: 'pw', valueFrom: { env: 'PW' } }],
        browser: { journey: { inline: "step('a', () => {});" } },
      }),
    );
    assert.deepEqual(issueCodes(t), ['warning kibana.param.browser-reference spec.params[0].valueFrom']);
  });

  test('secret digests change the hash, nothing else does', async () => {
    const m = monitor({ http: { url: 'u', auth: { basic: { username: 'u', password: ref('pw') } } } });
    const key = paramKey('default-orders', 'password');
    const a = await translateMonitor(m, { secretDigests: { [key]: 'd1' } });
    const b = await translateMonitor(m, { secretDigests: { [key]: 'd2' } });
    const c = await translateMonitor(m, { secretDigests: { [key]: 'd1' } });
    assert.notEqual(a.payload.hash, b.payload.hash);
    assert.equal(a.payload.hash, c.payload.hash);
    assert.deepEqual({ ...a.payload, hash: '' }, { ...b.payload, hash: '' });
    // Digests of secrets this monitor does not reference do not touch its hash.
    const other = await translateMonitor(m, {
      secretDigests: { [key]: 'd1', synthctl_other_password: 'zz' },
    });
    assert.equal(other.payload.hash, a.payload.hash);
  });
});

describe('translateMonitor: fields Kibana cannot carry', () => {
  const cases: { name: string; spec: Spec; expect: string[]; absent?: string }[] = [
    {
      name: 'xpath',
      spec: { http: { url: 'u', checks: { xpath: [{ expression: '/a', exists: true }] } } },
      expect: ['error kibana.unsupported spec.http.checks.xpath'],
    },
    {
      name: 'maxResponseTime',
      spec: { http: { url: 'u', checks: { maxResponseTime: '2s' } } },
      expect: ['error kibana.unsupported spec.http.checks.maxResponseTime'],
    },
    {
      name: 'header regex',
      spec: { http: { url: 'u', checks: { headers: [{ name: 'A', matches: '^x' }] } } },
      expect: ['error kibana.unsupported spec.http.checks.headers[0].matches'],
      absent: 'check.response.headers',
    },
    {
      name: 'CEL expression',
      spec: { http: { url: 'u', checks: { json: [{ expression: 'body.ok' }] } } },
      expect: ['error kibana.unsupported spec.http.checks.json[0].expression'],
      absent: 'check.response.json',
    },
    {
      name: 'JSON exists',
      spec: { http: { url: 'u', checks: { json: [{ path: '$.a', exists: true }] } } },
      expect: ['error kibana.unsupported spec.http.checks.json[0].exists'],
    },
    {
      name: 'tcp receiveMatches',
      spec: { tcp: { host: 'h:1', receiveMatches: '^OK' } },
      expect: ['error kibana.unsupported spec.tcp.receiveMatches'],
    },
    {
      name: 'icmp count',
      spec: { icmp: { host: 'h', count: 3 } },
      expect: ['error kibana.unsupported spec.icmp.count'],
    },
    {
      name: 'TLS server name',
      spec: { http: { url: 'u', tls: { serverName: 'x' } } },
      expect: ['error kibana.unsupported spec.http.tls.serverName'],
    },
    {
      name: 'browser filter.tags',
      spec: { browser: { journey: { inline: "step('a', () => {});" }, filter: { tags: ['x'] } } },
      expect: ['error kibana.unsupported spec.browser.filter.tags'],
    },
    {
      name: 'maxBodyBytes is runner-only',
      spec: { http: { url: 'u', response: { maxBodyBytes: 10 } } },
      expect: ['warning kibana.runner-only spec.http.response.maxBodyBytes'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const t = await translateMonitor(monitor(c.spec));
      assert.deepEqual(issueCodes(t), c.expect);
      if (c.absent !== undefined) assert.equal(c.absent in t.payload, false);
      if (c.expect.some((e) => e.startsWith('error'))) {
        assert.throws(
          () => {
            assertTranslatable(t);
          },
          (error: unknown) => {
            assert.ok(error instanceof UntranslatableFieldError);
            assert.equal(error.monitorId, 'default-orders');
            assert.ok(error.issues.length > 0);
            return true;
          },
        );
      } else {
        assert.equal(assertTranslatable(t), t);
      }
    });
  }
});

describe('translateMonitor: browser journeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-translate-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'journeys'));
  writeFileSync(
    join(dir, 'journeys', 'one.journey.ts'),
    "import { journey } from '@elastic/synthetics';\njourney('Only one', () => {});\n",
  );
  writeFileSync(
    join(dir, 'journeys', 'two.journey.ts'),
    "import { journey } from '@elastic/synthetics';\njourney('A', () => {});\njourney('B', () => {});\n",
  );
  const sourceFile = join(dir, 'monitors.yaml');

  test('inline journeys are wrapped into a journey named after the monitor', async () => {
    const t = await translateMonitor(
      monitor({
        name: 'Login',
        browser: { journey: { inline: "step('open', async () => { await page.goto(params.url); });" } },
      }),
    );
    assert.deepEqual(t.payload['filter'], { match: 'Login' });
    assert.deepEqual(t.payload['playwrightOptions'], { headless: true });
    assert.deepEqual(t.payload['tags'], []);
    assert.deepEqual(t.payload['fields'], {});
    assert.deepEqual(t.payload['spaces'], ['default']);
    const [file, ...rest] = readZip(Buffer.from(t.payload['content'] as string, 'base64'));
    assert.equal(rest.length, 0);
    assert.equal(file!.path, 'inline/default-orders.journey.ts');
    assert.equal(file!.dosDate, 0x0021, '1980-01-01');
    const code = file!.data.toString();
    assert.match(code, /require\("@elastic\/synthetics"\)/u);
    assert.match(code, /journey\)\("Login"/u);
    assert.match(code, /sourceMappingURL=data:application\/json;base64,/u);
  });

  test('a journey file is bundled relative to the declaring file; its only journey is the match', async () => {
    const t = await translateMonitor(
      monitor({ browser: { journey: { file: 'journeys/one.journey.ts' }, screenshots: 'off' } }),
      {
        sourceFile,
      },
    );
    assert.deepEqual(t.issues, []);
    assert.deepEqual(t.payload['filter'], { match: 'Only one' });
    assert.equal(t.payload['screenshot'], 'off');
    assert.equal(
      readZip(Buffer.from(t.payload['content'] as string, 'base64'))[0]!.path,
      'journeys/one.journey.ts',
    );
  });

  test('a file of several journeys needs filter.match', async () => {
    const t = await translateMonitor(monitor({ browser: { journey: { file: 'journeys/two.journey.ts' } } }), {
      sourceFile,
    });
    assert.deepEqual(issueCodes(t), ['error kibana.journey.match spec.browser.filter.match']);
    const ok = await translateMonitor(
      monitor({ browser: { journey: { file: 'journeys/two.journey.ts' }, filter: { match: 'B' } } }),
      {
        sourceFile,
      },
    );
    assert.deepEqual(ok.issues, []);
    assert.deepEqual(ok.payload['filter'], { match: 'B' });
  });

  test('playwrightOptions: executablePath is not sent; ignoreHttpsErrors goes to both places', async () => {
    const t = await translateMonitor(
      monitor({
        browser: {
          journey: { inline: "step('a', () => {});" },
          ignoreHttpsErrors: true,
          playwrightOptions: { executablePath: '/usr/bin/chromium', locale: 'de-DE', headless: false },
        },
      }),
    );
    assert.deepEqual(t.payload['playwrightOptions'], {
      locale: 'de-DE',
      headless: false,
      ignoreHTTPSErrors: true,
    });
    assert.equal(t.payload['ignoreHTTPSErrors'], true);
    assert.deepEqual(issueCodes(t), [
      'warning kibana.playwright.executable-path spec.browser.playwrightOptions.executablePath',
    ]);
  });

  test('configMapRef journeys are read through the injected reader', async () => {
    const m = monitor(
      { browser: { journey: { configMapRef: { name: 'journeys', key: 'login.ts' } } } },
      { namespace: 'web' },
    );
    const missing = await translateMonitor(m);
    assert.deepEqual(issueCodes(missing), [
      'error kibana.journey.configmap spec.browser.journey.configMapRef',
    ]);
    const seen: unknown[] = [];
    const t = await translateMonitor(m, {
      readConfigMap: (ref, namespace) => {
        seen.push([ref.name, ref.key, namespace]);
        return Promise.resolve("step('a', () => {});");
      },
    });
    assert.deepEqual(seen, [['journeys', 'login.ts', 'web']]);
    assert.deepEqual(t.issues, []);
    assert.equal(
      readZip(Buffer.from(t.payload['content'] as string, 'base64'))[0]!.path,
      'configmaps/journeys/login.ts.journey.ts',
    );
  });

  test('a monitor above 1500 kB is refused, naming it', async () => {
    // Random base64 hardly compresses: ~2 MB of it makes a zip far above the limit.
    const blob = randomBytes(1_500_000).toString('base64');
    await assert.rejects(
      translateMonitor(
        monitor({
          browser: { journey: { inline: `step('a', () => { console.log(${JSON.stringify(blob)}); });` } },
        }),
      ),
      (error: unknown) =>
        error instanceof MonitorTooLargeError &&
        error.monitorId === 'default-orders' &&
        /1500 kB/u.test(error.message),
    );
  });
});

describe('helpers', () => {
  test('expandStatus', () => {
    assert.deepEqual(expandStatus(200), [200]);
    assert.deepEqual(expandStatus('404'), [404]);
    assert.equal(expandStatus('2xx')!.length, 100);
    assert.deepEqual(expandStatus('200-202'), [200, 201, 202]);
    assert.equal(expandStatus('202-200'), undefined);
    assert.equal(expandStatus('ok'), undefined);
  });

  test('jsonCheckExpression', () => {
    assert.equal(jsonCheckExpression({ path: '$.a.b', equals: true }), '$.a.b == true');
    assert.equal(jsonCheckExpression({ path: "$['odd key']", notEquals: 'x' }), '$["odd key"] != "x"');
    assert.equal(jsonCheckExpression({ path: '$.n', greaterThan: 1.5 }), '$.n > 1.5');
    assert.equal(jsonCheckExpression({ path: '$..a', equals: 1 }), undefined);
    assert.equal(jsonCheckExpression({ expression: 'body.a' }), undefined);
  });

  test('journeyNameIn', () => {
    assert.equal(journeyNameIn("journey('A b', () => {})"), 'A b');
    assert.equal(journeyNameIn('journey({ name: "N", id: "x" }, () => {})'), 'N');
    assert.equal(journeyNameIn("journey('A', f); journey('B', g)"), undefined);
    assert.equal(journeyNameIn('journey(`x ${y}`, f)'), undefined);
    assert.equal(journeyNameIn("journey('it\\'s', f)"), "it's");
  });
});

describe('translateProject', () => {
  test('translates each monitor; duplicates and bundle failures fail alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synthctl-project-'));
    try {
      writeFileSync(join(dir, 'bad.journey.ts'), "journey('x', () => {\n");
      const result = await translateProject(
        [
          { monitor: monitor(HTTP, { name: 'a' }) },
          { monitor: monitor({ ...HTTP, id: 'same' }, { name: 'b' }), sourceFile: join(dir, 'b.yaml') },
          { monitor: monitor({ ...HTTP, id: 'same' }, { name: 'c' }), sourceFile: join(dir, 'c.yaml') },
          {
            monitor: monitor(
              { browser: { journey: { file: 'bad.journey.ts' }, filter: { match: 'x' } } },
              { name: 'd' },
            ),
            sourceFile: join(dir, 'd.yaml'),
          },
        ],
        { project: project() },
      );
      assert.deepEqual(
        result.translations.map((t) => t.monitorId),
        ['default-a'],
      );
      assert.deepEqual(result.failures.map((f) => [f.source.monitor.metadata.name, f.error.name]).sort(), [
        ['b', 'DuplicateMonitorIdError'],
        ['c', 'DuplicateMonitorIdError'],
        ['d', 'BundleError'],
      ]);
      const duplicate = result.failures.map((f) => f.error).find((e) => e instanceof DuplicateMonitorIdError);
      assert.ok(duplicate instanceof DuplicateMonitorIdError);
      assert.deepEqual(duplicate.sources, [join(dir, 'b.yaml'), join(dir, 'c.yaml')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(
      translateProject([{ monitor: monitor(HTTP) }], { signal: controller.signal }),
      /stop/u,
    );
  });
});
