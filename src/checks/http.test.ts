import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpCheck } from './http.js';
import { EnvSecretResolver } from './secrets.js';
import { StaticResolver } from './resolver.js';
import { HEALTH_JSON, startHttpTarget, type HttpTarget } from '../../test/targets/http-target.js';
import { startHttpProxy, startSocks5Proxy, type ProxyTarget } from '../../test/targets/proxy-target.js';
import { createTestPki, type TestPki } from '../../test/targets/pki.js';
import { closedPort } from '../../test/targets/tcp-target.js';
import { runnable } from '../../test/targets/monitor.js';
import type { HttpSpec } from '../model/schema.js';

const SECRETS = {
  TOKEN: 's3cr3t-token',
  PASS: 'hunter2-pass',
  API_KEY: 'key-12345',
  BODY: '{"secret":"payload-xyz"}',
};
const resolver = new StaticResolver({
  localhost: ['127.0.0.1'],
  'wrong.example': ['127.0.0.1'],
  'dual.test': ['::1', '127.0.0.1'],
  'v6only.test': ['::1'],
  'twice.test': ['127.0.0.1', '::1'],
});
const check = new HttpCheck({ secrets: new EnvSecretResolver(SECRETS), resolver });
const signal = new AbortController().signal;
const run = (spec: HttpSpec, timeoutMs?: number) => check.run(runnable({ http: spec }, timeoutMs), signal);

function assertNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const s of Object.values(SECRETS)) assert.ok(!text.includes(s), `secret leaked: ${text}`);
}

describe('http check, plain HTTP', () => {
  let t: HttpTarget;
  before(async () => {
    t = await startHttpTarget();
  });
  after(async () => {
    await t.close();
  });

  test('200 is up, with timings and facts', async () => {
    const out = await run({ url: `${t.origin}/ok` });
    assert.equal(out.error, undefined);
    assert.equal(out.up, true);
    assert.equal(out.http?.statusCode, 200);
    assert.equal(out.ip, '127.0.0.1');
    for (const phase of ['resolve', 'connect', 'processing', 'transfer'] as const) {
      assert.ok((out.timings?.[phase] ?? -1) >= 0, phase);
    }
    assert.equal(out.timings?.tls, undefined);
    assert.equal(out.http?.contentLength, 2);
    assert.equal(out.http?.body, undefined, 'on_error keeps no body when up');
    assert.equal(out.http?.headers?.['content-type'], 'text/plain; charset=utf-8');
    assert.equal(out.certificate, undefined);
  });

  test('status assertions: codes, classes, ranges, and the sentence', async () => {
    assert.deepEqual((await run({ url: `${t.origin}/status/503`, checks: { status: [200] } })).error, {
      type: 'validate',
      message: 'expected status 200, got 503',
    });
    assert.deepEqual((await run({ url: `${t.origin}/status/404`, checks: { status: ['2xx', 301] } })).error, {
      type: 'validate',
      message: 'expected status 2xx or 301, got 404',
    });
    assert.equal((await run({ url: `${t.origin}/status/404`, checks: { status: ['400-404'] } })).up, true);
    assert.equal((await run({ url: `${t.origin}/status/204`, checks: { status: ['200', '204'] } })).up, true);
    const dflt = await run({ url: `${t.origin}/status/500` });
    assert.equal(dflt.error?.message, 'expected status 2xx, got 500');
    assert.equal(dflt.http?.body, 'status 500', 'on_error keeps the body when down');
    assert.equal((await run({ url: `${t.origin}/ok`, checks: { status: ['abc'] } })).error?.type, 'config');
  });

  test('methods, headers, text/json/form/secret bodies reach the server', async () => {
    const cases: { body: NonNullable<HttpSpec['body']>; type: string; sent: string }[] = [
      { body: { text: 'hello' }, type: 'text/plain; charset=utf-8', sent: 'hello' },
      { body: { json: { a: 1 } }, type: 'application/json', sent: '{"a":1}' },
      { body: { form: { a: '1', b: 'x y' } }, type: 'application/x-www-form-urlencoded', sent: 'a=1&b=x+y' },
    ];
    for (const c of cases) {
      const out = await run({
        url: `${t.origin}/echo`,
        method: 'PUT',
        body: c.body,
        response: { includeBody: 'always', includeBodyMaxBytes: 4096 },
      });
      assert.equal(out.up, true);
      const echo = JSON.parse(out.http?.body ?? '{}');
      assert.equal(echo.method, 'PUT');
      assert.equal(echo.headers['content-type'], c.type);
      assert.equal(echo.body, c.sent);
    }
    const secretBody = await run({
      url: `${t.origin}/echo`,
      method: 'POST',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'X-Team', value: 'payments' },
      ],
      body: { valueFrom: { env: 'BODY' } },
    });
    const last = t.requests.at(-1);
    assert.equal(secretBody.up, true);
    assert.equal(last?.body, SECRETS.BODY);
    assert.equal(last?.headers['content-type'], 'application/json');
    assert.equal(last?.headers['x-team'], 'payments');
    assertNoSecrets(secretBody);
    for (const method of ['HEAD', 'DELETE', 'OPTIONS', 'PATCH'] as const) {
      const out = await run({ url: `${t.origin}/ok`, method });
      assert.equal(out.up, true, method);
      assert.equal(t.requests.at(-1)?.method, method);
    }
  });

  test('auth: basic, bearer, API key and header valueFrom, secrets never in results', async () => {
    await run({
      url: `${t.origin}/status/401`,
      auth: { basic: { username: 'ops', password: { valueFrom: { env: 'PASS' } } } },
    }).then(assertNoSecrets);
    assert.equal(
      t.requests.at(-1)?.headers.authorization,
      `Basic ${Buffer.from(`ops:${SECRETS.PASS}`).toString('base64')}`,
    );
    const bearer = await run({
      url: `${t.origin}/status/403`,
      auth: { bearer: { token: { valueFrom: { env: 'TOKEN' } } } },
    });
    assert.equal(t.requests.at(-1)?.headers.authorization, `Bearer ${SECRETS.TOKEN}`);
    assertNoSecrets(bearer);
    await run({
      url: `${t.origin}/ok`,
      auth: { apiKey: { header: 'X-API-Key', prefix: 'ApiKey ', value: { valueFrom: { env: 'API_KEY' } } } },
    }).then(assertNoSecrets);
    assert.equal(t.requests.at(-1)?.headers['x-api-key'], `ApiKey ${SECRETS.API_KEY}`);
    await run({ url: `${t.origin}/ok`, headers: [{ name: 'X-Token', valueFrom: { env: 'TOKEN' } }] }).then(
      assertNoSecrets,
    );
    assert.equal(t.requests.at(-1)?.headers['x-token'], SECRETS.TOKEN);
  });

  test('a missing secret is a config error naming the reference', async () => {
    const out = await run({
      url: `${t.origin}/ok`,
      auth: { bearer: { token: { valueFrom: { env: 'NOPE' } } } },
    });
    assert.deepEqual(out.error, {
      type: 'config',
      message: 'environment variable NOPE is not set (referenced as valueFrom.env)',
    });
    const k8s = await run({
      url: `${t.origin}/ok`,
      headers: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
    });
    assert.equal(
      k8s.error?.message,
      'secret creds key token cannot be resolved outside Kubernetes: use valueFrom.env, or run in a cluster',
    );
  });

  test('params in the url, inline and secret, secret redacted from messages', async () => {
    const out = await check.run(
      runnable({
        http: { url: `${t.origin}/\${path}?k=\${key}`, checks: { status: [201] } },
        params: [
          { name: 'path', value: 'ok' },
          { name: 'key', valueFrom: { env: 'API_KEY' } },
        ],
      }),
      signal,
    );
    assert.equal(t.requests.at(-1)?.url, `/ok?k=${SECRETS.API_KEY}`);
    assert.equal(out.error?.message, 'expected status 201, got 200');
    assertNoSecrets(out);
    const unknown = await run({ url: `${t.origin}/\${nope}` });
    assert.deepEqual(unknown.error, {
      type: 'config',
      message: 'url uses ${nope}, but the monitor has no param nope',
    });
  });

  test('redirects: followed up to the maximum, a loop verdict, not followed by default', async () => {
    const followed = await run({ url: `${t.origin}/redirect/3`, maxRedirects: 3 });
    assert.equal(followed.up, true);
    assert.equal(followed.http?.redirects, 3);
    assert.equal(followed.http?.finalUrl, `${t.origin}/ok`);
    const tooMany = await run({ url: `${t.origin}/redirect/3`, maxRedirects: 2 });
    assert.deepEqual(tooMany.error, {
      type: 'io',
      message: `too many redirects: stopped after 2 (maxRedirects), next was ${t.origin}/ok`,
    });
    const loop = await run({ url: `${t.origin}/loop/a`, maxRedirects: 10 });
    assert.deepEqual(loop.error, {
      type: 'io',
      message: `redirect loop: ${t.origin}/loop/a → ${t.origin}/loop/b → ${t.origin}/loop/a`,
    });
    const notFollowed = await run({ url: `${t.origin}/redirect/1` });
    assert.equal(notFollowed.error?.message, 'expected status 2xx, got 302');
    assert.equal(notFollowed.http?.redirects, 0);
  });

  test('redirects: 303 turns POST into GET; credentials stay on their origin', async () => {
    const other = await startHttpTarget();
    try {
      const out = await run({
        url: `${t.origin}/redirect-to?code=303&url=${encodeURIComponent(`${other.origin}/echo`)}`,
        method: 'POST',
        body: { text: 'x' },
        maxRedirects: 1,
        auth: { bearer: { token: { valueFrom: { env: 'TOKEN' } } } },
      });
      assert.equal(out.up, true);
      const seen = other.requests.at(-1);
      assert.equal(seen?.method, 'GET');
      assert.equal(seen?.body, '');
      assert.equal(seen?.headers.authorization, undefined);
      assert.equal(t.requests.at(-1)?.headers.authorization, `Bearer ${SECRETS.TOKEN}`);
    } finally {
      await other.close();
    }
  });

  test('header assertions: equals, contains, matches, absent, missing', async () => {
    const url = `${t.origin}/headers?x-version=2.4.1&content-type=text/html`;
    assert.equal(
      (
        await run({
          url,
          checks: {
            headers: [
              { name: 'X-Version', equals: '2.4.1' },
              { name: 'Content-Type', contains: 'html' },
              { name: 'X-Debug', absent: true },
            ],
          },
        })
      ).up,
      true,
    );
    assert.deepEqual(
      (await run({ url, checks: { headers: [{ name: 'Content-Type', matches: '^application/json' }] } }))
        .error,
      {
        type: 'validate',
        message: 'header Content-Type was "text/html", expected to match ^application/json',
      },
    );
    assert.equal(
      (await run({ url, checks: { headers: [{ name: 'X-Version', equals: '3' }] } })).error?.message,
      'header X-Version was "2.4.1", expected "3"',
    );
    assert.equal(
      (await run({ url, checks: { headers: [{ name: 'Content-Type', contains: 'json' }] } })).error?.message,
      'header Content-Type was "text/html", expected to contain "json"',
    );
    assert.equal(
      (await run({ url, checks: { headers: [{ name: 'X-Version', absent: true }] } })).error?.message,
      'header X-Version was "2.4.1", expected it to be absent',
    );
    assert.equal(
      (await run({ url, checks: { headers: [{ name: 'ETag', equals: 'x' }] } })).error?.message,
      'header ETag is missing, expected "x"',
    );
  });

  test('body assertions: contains, notContains, matches, notMatches', async () => {
    const url = `${t.origin}/json`;
    assert.equal(
      (
        await run({
          url,
          checks: {
            body: {
              contains: ['"ok"'],
              notContains: ['error'],
              matches: ['"version":"2\\.'],
              notMatches: ['degraded'],
            },
          },
        })
      ).up,
      true,
    );
    assert.deepEqual(
      (await run({ url: `${t.origin}/status/200`, checks: { body: { contains: ['ok'] } } })).error,
      { type: 'validate', message: 'body does not contain "ok"' },
    );
    assert.equal(
      (await run({ url, checks: { body: { notContains: ['version'] } } })).error?.message,
      'body contains "version", expected it not to',
    );
    const regex = await run({ url, checks: { body: { matches: ['"status":"down"'] } } });
    assert.equal(regex.error?.message, 'body does not match "status":"down"');
    assert.equal(regex.http?.failedDueToRegex, true);
    assert.equal(
      (await run({ url, checks: { body: { notMatches: ['"latencyMs":\\d+'] } } })).error?.message,
      'body matches "latencyMs":\\d+ (found "\\"latencyMs\\":42"), expected it not to',
    );
    assert.equal((await run({ url, checks: { body: { matches: ['('] } } })).error?.type, 'config');
  });

  test('JSON path assertions and their sentences', async () => {
    const url = `${t.origin}/json`;
    const ok = await run({
      url,
      checks: {
        json: [
          { path: '$.status', equals: 'ok' },
          { path: '$.nested', equals: { ready: true, region: 'eu-west-1' } },
          { path: '$.status', notEquals: 'down' },
          { path: '$.version', contains: '2.4' },
          { path: '$.version', matches: '^2\\.' },
          { path: '$.latencyMs', lessThan: 100 },
          { path: '$.latencyMs', greaterThan: 1 },
          { path: '$.items.length', equals: 3 },
          { path: '$.items[*].id', equals: [1, 2, 3] },
          { path: '$.nested.ready', exists: true },
          { path: '$.error', exists: false },
        ],
      },
    });
    assert.equal(ok.error, undefined);
    const degraded = await run({
      url: `${t.origin}/json/degraded`,
      checks: { status: ['5xx'], json: [{ path: '$.status', equals: 'ok' }] },
    });
    assert.deepEqual(degraded.error, { type: 'validate', message: '$.status was "degraded", expected "ok"' });
    const table: [NonNullable<HttpSpec['checks']>, string][] = [
      [{ json: [{ path: '$.status', notEquals: 'ok' }] }, '$.status was "ok", expected anything but "ok"'],
      [{ json: [{ path: '$.version', contains: '3.' }] }, '$.version was "2.4.1", expected to contain "3."'],
      [{ json: [{ path: '$.version', matches: '^3' }] }, '$.version was "2.4.1", expected to match ^3'],
      [{ json: [{ path: '$.latencyMs', lessThan: 10 }] }, '$.latencyMs was 42, expected less than 10'],
      [
        { json: [{ path: '$.latencyMs', greaterThan: 100 }] },
        '$.latencyMs was 42, expected greater than 100',
      ],
      [
        { json: [{ path: '$.status', greaterThan: 1 }] },
        '$.status was "ok", expected a number greater than 1',
      ],
      [{ json: [{ path: '$.missing', equals: 1 }] }, '$.missing not found, expected 1'],
      [{ json: [{ path: '$.missing', exists: true }] }, '$.missing not found'],
      [{ json: [{ path: '$.status', exists: false }] }, '$.status was "ok", expected it not to exist'],
      [
        { json: [{ description: 'service is healthy', path: '$.status', equals: 'up' }] },
        'service is healthy: $.status was "ok", expected "up"',
      ],
    ];
    for (const [checks, message] of table) {
      assert.deepEqual((await run({ url, checks })).error, { type: 'validate', message });
    }
    assert.equal(
      (
        await run({ url: `${t.origin}/ok`, checks: { json: [{ path: '$.a', exists: true }] } })
      ).error?.message.startsWith('body is not valid JSON: '),
      true,
    );
  });

  test('CEL expressions over the JSON body', async () => {
    const url = `${t.origin}/json`;
    assert.equal(
      (
        await run({
          url,
          checks: {
            json: [{ expression: 'body.status == "ok" && size(body.items) > 2 && body.latencyMs < 100' }],
          },
        })
      ).up,
      true,
    );
    assert.deepEqual(
      (await run({ url, checks: { json: [{ expression: 'body.status == "down"' }] } })).error,
      {
        type: 'validate',
        message: 'CEL expression body.status == "down" was false',
      },
    );
    assert.equal(
      (await run({ url, checks: { json: [{ expression: 'body.nope == 1' }] } })).error?.message,
      'CEL expression body.nope == 1 failed: field not found: nope',
    );
    assert.equal(
      (await run({ url, checks: { json: [{ expression: 'body.latencyMs' }] } })).error?.message,
      'CEL expression body.latencyMs returned 42, expected true or false',
    );
    assert.equal(
      (await run({ url, checks: { json: [{ expression: 'body.status ==' }] } })).error?.type,
      'config',
    );
  });

  test('XPath assertions over XML and HTML', async () => {
    const xml = `${t.origin}/xml`;
    assert.equal(
      (
        await run({
          url: xml,
          checks: {
            xpath: [
              { expression: '/health/status/text()', equals: 'up' },
              { expression: 'count(//item)', equals: '2' },
              { expression: '//item[@id="2"]', exists: true },
              { expression: '//error', exists: false },
              { expression: '/health/status', matches: '^u' },
              { expression: '/health/status', contains: 'p' },
            ],
          },
        })
      ).error,
      undefined,
    );
    assert.deepEqual(
      (await run({ url: xml, checks: { xpath: [{ expression: '/health/status', equals: 'down' }] } })).error,
      { type: 'validate', message: 'XPath /health/status was "up", expected "down"' },
    );
    assert.equal(
      (await run({ url: xml, checks: { xpath: [{ expression: '//missing', exists: true }] } })).error
        ?.message,
      'XPath //missing selected nothing',
    );
    assert.equal(
      (await run({ url: xml, checks: { xpath: [{ expression: '//item', exists: false }] } })).error?.message,
      'XPath //item selected 2 nodes, expected nothing',
    );
    assert.equal(
      (await run({ url: `${t.origin}/html`, checks: { xpath: [{ expression: '//title', equals: 'Shop' }] } }))
        .error,
      undefined,
    );
    assert.equal(
      (
        await run({ url: `${t.origin}/ok`, checks: { xpath: [{ expression: '/a', exists: true }] } })
      ).error?.message.startsWith('body is not valid XML'),
      true,
    );
  });

  test('maxResponseTime', async () => {
    const out = await run({ url: `${t.origin}/slow?ms=150`, checks: { maxResponseTime: '50ms' } });
    assert.equal(out.error?.type, 'validate');
    assert.match(out.error?.message ?? '', /^response took \d+ms, expected at most 50ms$/);
    assert.equal((await run({ url: `${t.origin}/ok`, checks: { maxResponseTime: '5s' } })).up, true);
  });

  test('bad URLs, unsupported redirects, a server that closes without answering', async () => {
    assert.deepEqual((await run({ url: 'not a url' })).error, {
      type: 'config',
      message: 'url "not a url" is not a valid URL',
    });
    assert.deepEqual((await run({ url: 'ftp://127.0.0.1/' })).error, {
      type: 'config',
      message: 'url must be http:// or https://, got ftp://',
    });
    assert.deepEqual(
      (
        await run({
          url: `${t.origin}/redirect-to?url=${encodeURIComponent('ftp://files.test/x')}`,
          maxRedirects: 2,
        })
      ).error,
      {
        type: 'io',
        message: 'redirect to unsupported scheme ftp:// (ftp://files.test/x)',
      },
    );
    assert.deepEqual((await run({ url: `${t.origin}/close` })).error, {
      type: 'io',
      message: `connection closed by the server before the response was complete (127.0.0.1:${t.port})`,
    });
  });

  test('timeouts name the phase', async () => {
    assert.deepEqual((await run({ url: `${t.origin}/hang` }, 300)).error, {
      type: 'timeout',
      message: 'timed out after 300ms waiting for response headers',
    });
    assert.deepEqual((await run({ url: `${t.origin}/slow-body` }, 300)).error, {
      type: 'timeout',
      message: 'timed out after 300ms reading the response body',
    });
  });

  test('response size limit, default 10 MiB', async () => {
    assert.deepEqual((await run({ url: `${t.origin}/huge` })).error, {
      type: 'validate',
      message: 'response body exceeds 10 MiB',
    });
    assert.deepEqual(
      (await run({ url: `${t.origin}/huge?bytes=5000`, response: { maxBodyBytes: 4096 } })).error,
      { type: 'validate', message: 'response body exceeds 4 KiB' },
    );
    const fits = await run({
      url: `${t.origin}/huge?bytes=4096`,
      response: { maxBodyBytes: 4096, includeBody: 'never' },
    });
    assert.equal(fits.up, true);
    assert.equal(fits.http?.contentLength, 4096);
  });

  test('gzip bodies are decoded, the limit applies after decoding, bad gzip is named', async () => {
    const out = await run({
      url: `${t.origin}/gzip`,
      checks: { json: [{ path: '$.status', equals: 'ok' }] },
    });
    assert.equal(out.error, undefined);
    assert.deepEqual((await run({ url: `${t.origin}/gzip-bomb` })).error, {
      type: 'validate',
      message: 'response body exceeds 10 MiB',
    });
    const bad = await run({ url: `${t.origin}/bad-gzip` });
    assert.equal(bad.error?.type, 'io');
    assert.match(bad.error?.message ?? '', /^response body is not valid gzip \(Content-Encoding\): /);
  });

  test('response options: includeBody always with max bytes, includeHeaders false', async () => {
    const out = await run({
      url: `${t.origin}/json`,
      response: { includeBody: 'always', includeBodyMaxBytes: 10, includeHeaders: false },
    });
    assert.equal(out.http?.body, JSON.stringify(HEALTH_JSON).slice(0, 10));
    assert.equal(out.http?.headers, undefined);
  });

  test('connection refused, DNS failure, IP preferences', async () => {
    const port = await closedPort();
    assert.deepEqual((await run({ url: `http://127.0.0.1:${port}/` })).error, {
      type: 'io',
      message: `connection refused (127.0.0.1:${port})`,
    });
    assert.deepEqual((await run({ url: `http://nowhere.test:${t.port}/` })).error, {
      type: 'dns',
      message: 'could not resolve nowhere.test: no such host',
    });
    const v4 = await run({ url: `http://dual.test:${t.port}/ok`, ipv6: false });
    assert.equal(v4.up, true);
    assert.equal(v4.ip, '127.0.0.1');
    assert.deepEqual((await run({ url: `http://v6only.test:${t.port}/ok`, ipv6: false })).error, {
      type: 'dns',
      message: 'v6only.test has no IPv4 address (found 1 address of the other family, and ipv6 is false)',
    });
    const any = await run({ url: `http://dual.test:${t.port}/ok` });
    assert.equal(any.ip, '::1');
    assert.equal(any.error?.message, `connection refused ([::1]:${t.port})`);
    const all = await run({ url: `http://dual.test:${t.port}/ok`, mode: 'all' });
    assert.equal(all.up, false);
    assert.equal(all.addresses?.length, 2);
    assert.equal(all.addresses?.[1]?.up, true);
    assert.equal(all.error?.message, `connection refused ([::1]:${t.port}) (1 of 2 addresses down)`);
    const dual = await startHttpTarget(undefined, '::');
    try {
      const both = await run({ url: `http://twice.test:${dual.port}/ok`, mode: 'all' });
      assert.equal(both.error, undefined);
      assert.equal(both.up, true);
      assert.deepEqual(
        both.addresses?.map((a) => a.ip),
        ['127.0.0.1', '::1'],
      );
      assert.equal(dual.requests.length, 2);
      const v6literal = await run({ url: `http://[::1]:${dual.port}/ok` });
      assert.equal(v6literal.error, undefined);
      assert.equal(v6literal.ip, '::1');
      const hung = await run({ url: `http://twice.test:${dual.port}/hang`, mode: 'all' }, 300);
      assert.deepEqual(hung.error, {
        type: 'timeout',
        message: 'timed out after 300ms waiting for response headers (2 of 2 addresses down)',
      });
      assert.deepEqual(
        hung.addresses?.map((a) => a.error?.message),
        [
          'timed out after 300ms waiting for response headers',
          'timed out after 300ms waiting for response headers',
        ],
      );
    } finally {
      await dual.close();
    }
  });

  test('an aborted signal rejects instead of reporting a verdict', async () => {
    const controller = new AbortController();
    const pending = check.run(runnable({ http: { url: `${t.origin}/hang` } }), controller.signal);
    setTimeout(() => {
      controller.abort(new Error('stopped'));
    }, 50).unref();
    await assert.rejects(pending, /stopped/);
  });
});

describe('http check, proxies', () => {
  let t: HttpTarget;
  let tls: HttpTarget;
  let pki: TestPki;
  let proxy: ProxyTarget;
  let authProxy: ProxyTarget;
  let socks: ProxyTarget;
  before(async () => {
    pki = await createTestPki();
    t = await startHttpTarget();
    tls = await startHttpTarget({ key: pki.valid.key, cert: pki.valid.cert });
    proxy = await startHttpProxy();
    authProxy = await startHttpProxy('ops:proxy-pass');
    socks = await startSocks5Proxy({ names: { localhost: '127.0.0.1' } });
  });
  after(async () => {
    await Promise.all([t.close(), tls.close(), proxy.close(), authProxy.close(), socks.close()]);
    await pki.cleanup();
  });

  test('http:// target through an HTTP proxy (absolute form), with proxy headers', async () => {
    const out = await run({
      url: `http://localhost:${t.port}/ok`,
      proxy: { url: proxy.url, headers: [{ name: 'X-Proxy-Team', value: 'sre' }] },
    });
    assert.equal(out.error, undefined);
    assert.equal(proxy.log.at(-1), `GET http://localhost:${t.port}/ok`);
    assert.equal(proxy.lastHeaders['x-proxy-team'], 'sre');
  });

  test('https:// target through CONNECT, TLS verified end to end', async () => {
    const out = await run({
      url: `https://localhost:${tls.port}/ok`,
      proxy: { url: proxy.url },
      tls: { certificateAuthorities: [{ pem: pki.ca.cert }] },
    });
    assert.equal(out.error, undefined);
    assert.equal(proxy.log.at(-1), `CONNECT localhost:${tls.port}`);
    assert.equal(out.certificate?.commonName, 'localhost');
  });

  test('proxy authentication from the URL, and the 407 sentence without it', async () => {
    const ok = await run({
      url: `https://localhost:${tls.port}/ok`,
      proxy: { url: authProxy.url.replace('http://', 'http://ops:proxy-pass@') },
      tls: { certificateAuthorities: [{ pem: pki.ca.cert }] },
    });
    assert.equal(ok.error, undefined);
    const denied = await run({ url: `https://localhost:${tls.port}/ok`, proxy: { url: authProxy.url } });
    assert.deepEqual(denied.error, {
      type: 'io',
      message: `proxy ${authProxy.url} requires authentication (407)`,
    });
  });

  test('SOCKS5 proxy for HTTP', async () => {
    const out = await run({ url: `http://localhost:${t.port}/ok`, proxy: { url: socks.url } });
    assert.equal(out.error, undefined);
    assert.equal(socks.log.at(-1), `SOCKS5 localhost:${t.port}`);
  });

  test('a proxy that refuses the CONNECT', async () => {
    assert.deepEqual((await run({ url: 'https://localhost:1/', proxy: { url: proxy.url } })).error, {
      type: 'io',
      message: `proxy ${proxy.url} refused to connect to localhost:1: 403 Forbidden`,
    });
  });

  test('unreachable proxy and unsupported proxy schemes', async () => {
    const port = await closedPort();
    assert.deepEqual(
      (await run({ url: `http://localhost:${t.port}/ok`, proxy: { url: `http://127.0.0.1:${port}` } })).error,
      {
        type: 'io',
        message: `proxy http://127.0.0.1:${port}: connection refused (127.0.0.1:${port})`,
      },
    );
    assert.deepEqual(
      (await run({ url: `http://localhost:${t.port}/ok`, proxy: { url: 'https://127.0.0.1:3128' } })).error,
      {
        type: 'config',
        message: 'proxy https://127.0.0.1:3128 is not supported yet: use http:// or socks5://',
      },
    );
  });
});

describe('http check, TLS', () => {
  let pki: TestPki;
  const servers: Record<string, HttpTarget> = {};
  before(async () => {
    pki = await createTestPki();
    servers.valid = await startHttpTarget({ key: pki.valid.key, cert: pki.valid.cert });
    servers.expired = await startHttpTarget({ key: pki.expired.key, cert: pki.expired.cert });
    servers.future = await startHttpTarget({ key: pki.notYetValid.key, cert: pki.notYetValid.cert });
    servers.self = await startHttpTarget({ key: pki.selfSigned.key, cert: pki.selfSigned.cert });
    servers.nosan = await startHttpTarget({ key: pki.noSan.key, cert: pki.noSan.cert });
    servers.mtls = await startHttpTarget({
      key: pki.valid.key,
      cert: pki.valid.cert,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    servers.tls12 = await startHttpTarget({
      key: pki.valid.key,
      cert: pki.valid.cert,
      maxVersion: 'TLSv1.2',
    });
    servers.tls11 = await startHttpTarget({
      key: pki.valid.key,
      cert: pki.valid.cert,
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    servers.chain = await startHttpTarget({ key: pki.valid.key, cert: `${pki.valid.cert}${pki.ca.cert}` });
  });
  after(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    await pki.cleanup();
  });
  const url = (name: string, host = 'localhost') => `https://${host}:${servers[name]?.port ?? 0}/ok`;
  const ca = () => ({ certificateAuthorities: [{ pem: pki.ca.cert }] });

  test('valid chain: up, with certificate facts and tls timing', async () => {
    const out = await run({ url: url('valid'), tls: ca() });
    assert.equal(out.error, undefined);
    const c = out.certificate;
    assert.equal(c?.commonName, 'localhost');
    assert.equal(c?.subject, 'CN=localhost');
    assert.equal(c?.issuer, 'CN=synthctl Test CA, O=synthctl tests');
    assert.deepEqual(c?.subjectAltNames, [
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
    ]);
    assert.equal(c?.tlsVersion, 'TLSv1.3');
    assert.ok((c?.cipher ?? '').length > 0);
    assert.ok(c !== undefined && c.daysLeft >= 28 && c.daysLeft <= 30, String(c?.daysLeft));
    assert.ok(c !== undefined && Math.abs(c.earliestExpiry - Date.parse(c.notAfter) / 1000) < 2);
    assert.ok((out.timings?.tls ?? -1) >= 0);
  });

  test('untrusted without the CA; certificate mode skips the host, none skips all', async () => {
    assert.deepEqual((await run({ url: url('valid') })).error, {
      type: 'tls',
      message:
        'certificate is signed by an unknown authority (issuer CN=synthctl Test CA, O=synthctl tests, presented for CN=localhost)',
    });
    assert.deepEqual((await run({ url: url('self'), tls: ca() })).error, {
      type: 'tls',
      message: 'certificate is self-signed and not trusted (CN=localhost)',
    });
    assert.equal((await run({ url: url('self'), tls: { verificationMode: 'none' } })).up, true);
    assert.equal(
      (await run({ url: url('valid', 'wrong.example'), tls: { ...ca(), verificationMode: 'certificate' } }))
        .up,
      true,
    );
  });

  test('expired and not yet valid', async () => {
    const out = await run({ url: url('expired'), tls: ca() });
    assert.deepEqual(out.error, { type: 'tls', message: 'certificate expired 3 days ago (CN=localhost)' });
    assert.equal(out.certificate?.daysLeft, -4);
    const future = await run({ url: url('future'), tls: ca() });
    assert.equal(future.error?.type, 'tls');
    assert.match(
      future.error?.message ?? '',
      /^certificate is not valid before \d{4}-\d\d-\d\dT[\d:.]+Z \(CN=localhost\)$/,
    );
  });

  test('wrong host, serverName (SNI and verification), strict needs a SAN', async () => {
    assert.deepEqual((await run({ url: url('valid', 'wrong.example'), tls: ca() })).error, {
      type: 'tls',
      message:
        'certificate is for localhost, 127.0.0.1, 0:0:0:0:0:0:0:1, not wrong.example (SAN: DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1)',
    });
    assert.equal(
      (await run({ url: url('valid', 'wrong.example'), tls: { ...ca(), serverName: 'localhost' } })).up,
      true,
    );
    assert.equal(servers.valid?.serverNames.at(-1), 'localhost', 'serverName is sent as SNI');
    assert.equal((await run({ url: url('valid', '127.0.0.1'), tls: ca() })).up, true, 'IP SAN');
    assert.equal(servers.valid?.serverNames.at(-1), false, 'no SNI for an IP address');
    assert.equal((await run({ url: url('nosan'), tls: ca() })).up, true, 'full falls back to the CN');
    assert.deepEqual((await run({ url: url('nosan'), tls: { ...ca(), verificationMode: 'strict' } })).error, {
      type: 'tls',
      message:
        'certificate for CN=localhost has no subject alternative names, and strict verification needs localhost there',
    });
    assert.equal((await run({ url: url('valid'), tls: { ...ca(), verificationMode: 'strict' } })).up, true);
  });

  test('client certificates: required, given, encrypted key, unknown to the server', async () => {
    assert.deepEqual((await run({ url: url('mtls'), tls: ca() })).error, {
      type: 'tls',
      message: 'server requires a client certificate (TLS alert: certificate required)',
    });
    const withCert = await check.run(
      runnable({
        http: {
          url: url('mtls'),
          tls: { ...ca(), certificate: { pem: pki.client.cert }, key: { valueFrom: { env: 'CLIENT_KEY' } } },
        },
      }),
      signal,
    );
    // The key is a secret: resolved from the environment of this resolver only.
    assert.equal(withCert.error?.type, 'config');
    const mtls = new HttpCheck({
      secrets: new EnvSecretResolver({
        CLIENT_KEY: pki.client.key,
        ENC_KEY: pki.clientEncryptedKey,
        PASSPHRASE: pki.clientKeyPassphrase,
        STRANGER_KEY: pki.strangerClient.key,
      }),
      resolver,
    });
    const ok = await mtls.run(
      runnable({
        http: {
          url: url('mtls'),
          tls: { ...ca(), certificate: { pem: pki.client.cert }, key: { valueFrom: { env: 'CLIENT_KEY' } } },
        },
      }),
      signal,
    );
    assert.equal(ok.error, undefined);
    const enc = await mtls.run(
      runnable({
        http: {
          url: url('mtls'),
          tls: {
            ...ca(),
            certificate: { pem: pki.client.cert },
            key: { valueFrom: { env: 'ENC_KEY' } },
            keyPassphrase: { valueFrom: { env: 'PASSPHRASE' } },
          },
        },
      }),
      signal,
    );
    assert.equal(enc.error, undefined);
    const stranger = await mtls.run(
      runnable({
        http: {
          url: url('mtls'),
          tls: {
            ...ca(),
            certificate: { pem: pki.strangerClient.cert },
            key: { valueFrom: { env: 'STRANGER_KEY' } },
          },
        },
      }),
      signal,
    );
    assert.deepEqual(stranger.error, {
      type: 'tls',
      message: `the server closed the connection right after the TLS handshake (127.0.0.1:${servers.mtls?.port ?? 0}): it probably rejected our client certificate`,
    });
  });

  test('protocol versions from supportedProtocols', async () => {
    const v12 = await run({ url: url('valid'), tls: { ...ca(), supportedProtocols: ['TLSv1.2'] } });
    assert.equal(v12.certificate?.tlsVersion, 'TLSv1.2');
    assert.deepEqual(
      (await run({ url: url('tls12'), tls: { ...ca(), supportedProtocols: ['TLSv1.3'] } })).error,
      {
        type: 'tls',
        message:
          'TLS handshake failed: no protocol version in common with the server (we offer TLSv1.3 only)',
      },
    );
  });

  test('TLS 1.1 when asked for, a root sent by the server is still not trusted', async () => {
    const v11 = await run({ url: url('tls11'), tls: { ...ca(), supportedProtocols: ['TLSv1.1'] } });
    assert.equal(v11.error, undefined);
    assert.equal(v11.certificate?.tlsVersion, 'TLSv1.1');
    assert.deepEqual((await run({ url: url('chain') })).error, {
      type: 'tls',
      message:
        'certificate chain ends in an untrusted root (CN=synthctl Test CA), presented for CN=localhost',
    });
    assert.equal((await run({ url: url('chain'), tls: ca() })).up, true);
  });

  test('unusable client TLS material is a config error', async () => {
    const secrets = new EnvSecretResolver({
      ENC_KEY: pki.clientEncryptedKey,
      WRONG: 'not the passphrase',
      KEY: pki.client.key,
    });
    const c = new HttpCheck({ secrets, resolver });
    const wrong = await c.run(
      runnable({
        http: {
          url: url('mtls'),
          tls: {
            ...ca(),
            certificate: { pem: pki.client.cert },
            key: { valueFrom: { env: 'ENC_KEY' } },
            keyPassphrase: { valueFrom: { env: 'WRONG' } },
          },
        },
      }),
      signal,
    );
    assert.deepEqual(wrong.error, {
      type: 'config',
      message: 'TLS options are not usable: the client key could not be decrypted (wrong keyPassphrase?)',
    });
    assert.ok(!JSON.stringify(wrong).includes('not the passphrase'));
    const mismatch = await c.run(
      runnable({
        http: {
          url: url('mtls'),
          tls: { ...ca(), certificate: { pem: pki.valid.cert }, key: { valueFrom: { env: 'KEY' } } },
        },
      }),
      signal,
    );
    assert.deepEqual(mismatch.error, {
      type: 'config',
      message: 'TLS options are not usable: the client key does not belong to the client certificate',
    });
    const half = await c.run(
      runnable({ http: { url: url('mtls'), tls: { certificate: { pem: pki.client.cert } } } }),
      signal,
    );
    assert.deepEqual(half.error, {
      type: 'config',
      message: 'tls.certificate and tls.key must be given together for a client certificate',
    });
  });

  test('TLS to a plain HTTP port', async () => {
    const plain = await startHttpTarget();
    try {
      assert.deepEqual((await run({ url: `https://localhost:${plain.port}/ok` })).error, {
        type: 'tls',
        message: 'TLS handshake failed: the server did not answer with TLS',
      });
    } finally {
      await plain.close();
    }
  });
});
