import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpCheck, parseHostPort } from './tcp.js';
import { EnvSecretResolver } from './secrets.js';
import { StaticResolver } from './resolver.js';
import {
  closedPort,
  startBannerTarget,
  startEchoTarget,
  startSilentTarget,
  startTlsEchoTarget,
  type TcpTarget,
} from '../../test/targets/tcp-target.js';
import { startSocks5Proxy, type ProxyTarget } from '../../test/targets/proxy-target.js';
import { createTestPki, type TestPki } from '../../test/targets/pki.js';
import { runnable } from '../../test/targets/monitor.js';
import type { TcpSpec } from '../model/schema.js';

const resolver = new StaticResolver({
  localhost: ['127.0.0.1'],
  'echo.test': ['127.0.0.1'],
  'v6.test': ['::1'],
});
const check = new TcpCheck({ secrets: new EnvSecretResolver({ PORT_SECRET: 'unused' }), resolver });
const signal = new AbortController().signal;
const run = (spec: TcpSpec, timeoutMs?: number) => check.run(runnable({ tcp: spec }, timeoutMs), signal);

describe('tcp check', () => {
  let echo: TcpTarget;
  let banner: TcpTarget;
  let silent: TcpTarget;
  let tlsEcho: TcpTarget;
  let socks: ProxyTarget;
  let socksAuth: ProxyTarget;
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
    echo = await startEchoTarget();
    banner = await startBannerTarget();
    silent = await startSilentTarget();
    tlsEcho = await startTlsEchoTarget({ key: pki.valid.key, cert: pki.valid.cert });
    socks = await startSocks5Proxy({ names: { 'echo.test': '127.0.0.1' } });
    socksAuth = await startSocks5Proxy({ auth: 'ops:socks-pass' });
  });
  after(async () => {
    await Promise.all([echo, banner, silent, tlsEcho, socks, socksAuth].map((t) => t.close()));
    await pki.cleanup();
  });

  test('host:port parsing', () => {
    assert.deepEqual(parseHostPort('example.com:443'), { host: 'example.com', port: 443 });
    assert.deepEqual(parseHostPort('[::1]:22'), { host: '::1', port: 22 });
    for (const bad of ['example.com', 'a:0', 'a:70000', '::1:22'])
      assert.throws(() => parseHostPort(bad), /is not host:port/);
  });

  test('connect only: up with connect timing', async () => {
    const out = await run({ host: `localhost:${echo.port}` });
    assert.equal(out.error, undefined);
    assert.equal(out.ip, '127.0.0.1');
    assert.ok((out.tcp?.connectMs ?? -1) >= 0);
    assert.ok((out.timings?.resolve ?? -1) >= 0);
  });

  test('closed port is refused; unknown host is a DNS error; bad host is config', async () => {
    const port = await closedPort();
    assert.deepEqual((await run({ host: `127.0.0.1:${port}` })).error, {
      type: 'io',
      message: `connection refused (127.0.0.1:${port})`,
    });
    assert.deepEqual((await run({ host: 'nowhere.test:80' })).error, {
      type: 'dns',
      message: 'could not resolve nowhere.test: no such host',
    });
    assert.equal((await run({ host: 'nowhere' })).error?.type, 'config');
    assert.equal(
      (await run({ host: `v6.test:${echo.port}` })).error?.message,
      `connection refused ([::1]:${echo.port})`,
    );
  });

  test('send and receive a substring or a regex', async () => {
    const out = await run({ host: `127.0.0.1:${echo.port}`, send: 'hello synthctl\n', receive: 'synthctl' });
    assert.equal(out.error, undefined);
    assert.equal(out.tcp?.received, 'hello synthctl\n');
    assert.ok((out.timings?.processing ?? -1) >= 0);
    assert.equal((await run({ host: `127.0.0.1:${banner.port}`, receiveMatches: '^220 ' })).up, true);
    assert.equal(
      (await run({ host: `127.0.0.1:${banner.port}`, send: 'PING\r\n', receive: 'PONG' })).up,
      true,
    );
    assert.equal((await run({ host: `127.0.0.1:${echo.port}`, send: 'only send' })).up, true);
  });

  test('an answer that never comes times out with what was received', async () => {
    assert.deepEqual((await run({ host: `127.0.0.1:${banner.port}`, receive: 'PONG' }, 300)).error, {
      type: 'timeout',
      message:
        'timed out after 300ms waiting for an answer containing "PONG" (received "220 synthctl test ready\\r\\n")',
    });
    assert.deepEqual((await run({ host: `127.0.0.1:${silent.port}`, receiveMatches: '^OK' }, 200)).error, {
      type: 'timeout',
      message: 'timed out after 200ms waiting for an answer matching ^OK (received nothing)',
    });
  });

  test('the server closing before the answer is a validate failure', async () => {
    assert.deepEqual(
      (await run({ host: `127.0.0.1:${banner.port}`, send: 'QUIT\r\n', receive: 'PONG' })).error,
      {
        type: 'validate',
        message:
          'connection closed before an answer containing "PONG" (received "220 synthctl test ready\\r\\n221 bye\\r\\n")',
      },
    );
    assert.equal((await run({ host: `127.0.0.1:${echo.port}`, receiveMatches: '(' })).error?.type, 'config');
  });

  test('TLS: verified with the CA, certificate facts, and failures', async () => {
    const out = await run({
      host: `localhost:${tlsEcho.port}`,
      tls: { certificateAuthorities: [{ pem: pki.ca.cert }] },
      send: 'over tls',
      receive: 'over tls',
    });
    assert.equal(out.error, undefined);
    assert.equal(out.certificate?.commonName, 'localhost');
    assert.ok((out.timings?.tls ?? -1) >= 0);
    const untrusted = await run({ host: `localhost:${tlsEcho.port}`, tls: {} });
    assert.equal(untrusted.error?.type, 'tls');
    assert.match(untrusted.error?.message ?? '', /^certificate is signed by an unknown authority/);
    assert.equal(untrusted.certificate?.commonName, 'localhost', 'facts even when verification fails');
    assert.equal(
      (await run({ host: `localhost:${tlsEcho.port}`, tls: { verificationMode: 'none' } })).up,
      true,
    );
    assert.deepEqual((await run({ host: `localhost:${echo.port}`, tls: {} })).error, {
      type: 'tls',
      message: 'TLS handshake failed: unexpected message from the server (is it speaking TLS?)',
    });
    assert.deepEqual((await run({ host: `localhost:${silent.port}`, tls: {} }, 300)).error, {
      type: 'timeout',
      message: 'timed out after 300ms during the TLS handshake with localhost',
    });
  });

  test('SOCKS5: remote resolution, local resolution, user/password', async () => {
    const remote = await run({
      host: `echo.test:${echo.port}`,
      proxy: { url: socks.url },
      send: 'x',
      receive: 'x',
    });
    assert.equal(remote.error, undefined);
    assert.equal(socks.log.at(-1), `SOCKS5 echo.test:${echo.port}`);
    const local = await run({
      host: `echo.test:${echo.port}`,
      proxy: { url: socks.url, useLocalResolver: true },
    });
    assert.equal(local.error, undefined);
    assert.equal(socks.log.at(-1), `SOCKS5 127.0.0.1:${echo.port}`);
    const authed = await run({
      host: `127.0.0.1:${echo.port}`,
      proxy: { url: socksAuth.url.replace('socks5://', 'socks5://ops:socks-pass@') },
    });
    assert.equal(authed.error, undefined);
    const wrong = await run({
      host: `127.0.0.1:${echo.port}`,
      proxy: { url: socksAuth.url.replace('socks5://', 'socks5://ops:wrong-pass@') },
    });
    assert.deepEqual(wrong.error, {
      type: 'io',
      message: `SOCKS5 proxy ${socksAuth.url} rejected the user name or password`,
    });
    assert.ok(!JSON.stringify(wrong).includes('wrong-pass'));
    const none = await run({ host: `127.0.0.1:${echo.port}`, proxy: { url: socksAuth.url } });
    assert.deepEqual(none.error, {
      type: 'io',
      message: `SOCKS5 proxy ${socksAuth.url} accepts none of our authentication methods (none)`,
    });
    const port = await closedPort();
    assert.deepEqual((await run({ host: `127.0.0.1:${port}`, proxy: { url: socks.url } })).error, {
      type: 'io',
      message: `SOCKS5 proxy ${socks.url} could not connect to 127.0.0.1:${port}: connection refused`,
    });
    assert.deepEqual(
      (await run({ host: `127.0.0.1:${echo.port}`, proxy: { url: 'http://127.0.0.1:3128' } })).error,
      {
        type: 'config',
        message: 'proxy http://127.0.0.1:3128 is not supported yet: use socks5://',
      },
    );
  });

  test('params in host', async () => {
    const out = await check.run(
      runnable({ tcp: { host: '127.0.0.1:${port}' }, params: [{ name: 'port', value: String(echo.port) }] }),
      signal,
    );
    assert.equal(out.up, true);
  });
});
