import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { FakeKibana } from '../../test/fakes/kibana/index.js';
import { createTestPki, type TestPki } from '../../test/targets/pki.js';
import {
  KibanaClient,
  PUBLIC_API_VERSION,
  type KibanaApi,
  type KibanaClientOptions,
  type KibanaRequestEvent,
  type ProjectMonitorPayload,
} from './client.js';
import type { ProjectMonitorPayload as TranslatedPayload } from './translate.js';
import {
  isTransientKibanaError,
  KibanaHttpError,
  KibanaNetworkError,
  KibanaResponseError,
} from './errors.js';

// Compile-time: the translator's payloads go straight into bulkUpdate; the class is a KibanaApi.
const _payloadFits = (p: TranslatedPayload): ProjectMonitorPayload => p;
const _clientIsApi = (c: KibanaClient): KibanaApi => c;

const API_KEY = 'c3ludGhjdGw6c2VjcmV0LWtleS12YWx1ZQ==';
const PROJECT = '/api/synthetics/project/{projectId}/monitors';

/** A client against `fake` whose sleeps are recorded, not waited. */
function harness(fake: FakeKibana, extra: Partial<KibanaClientOptions> = {}) {
  const sleeps: number[] = [];
  const events: KibanaRequestEvent[] = [];
  const client = new KibanaClient({
    url: fake.url,
    apiKey: API_KEY,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    onRequest: (e) => events.push(e),
    ...extra,
  });
  return { client, sleeps, events };
}

function assertNoKey(err: unknown): void {
  for (const text of [
    String(err),
    (err as Error).message,
    inspect(err, { depth: 10 }),
    JSON.stringify(err),
  ]) {
    assert.equal(text.includes(API_KEY), false, `API key leaked in: ${text}`);
    assert.equal(text.includes('secret-key-value'), false);
  }
}

const lw = (id: string) => ({
  type: 'http',
  id,
  name: `Monitor ${id}`,
  schedule: 3,
  urls: 'http://127.0.0.1:9/',
  locations: ['us_east'],
});

describe('KibanaClient against the fake Kibana', () => {
  let fake: FakeKibana;
  before(async () => {
    fake = await FakeKibana.start({ apiKeys: [API_KEY], spaces: ['team-b'], version: '8.19.2' });
  });
  after(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.clearFaults();
    fake.clearRequests();
  });

  test('getVersion sends push-compatible headers; public routes add elastic-api-version', async () => {
    const { client } = harness(fake);
    assert.equal(await client.getVersion(), '8.19.2');
    const caps = await client.getCapabilities();
    assert.equal(caps.monitorSpaces, true);
    assert.equal(caps.apiMonitors, false);
    await client.listPrivateLocations();
    const [stats, , locs] = fake.requests;
    assert.equal(stats!.headers['authorization'], `ApiKey ${API_KEY}`);
    assert.equal(stats!.headers['kbn-xsrf'], 'true');
    assert.equal(stats!.headers['x-elastic-internal-origin'], 'synthctl');
    assert.equal(stats!.headers['elastic-api-version'], undefined);
    assert.equal(locs!.headers['elastic-api-version'], PUBLIC_API_VERSION);
    await client.close();
  });

  test('space prefix on every route of a non-default space', async () => {
    const { client } = harness(fake, { space: 'team-b' });
    await client.getVersion();
    await client.listProjectMonitors('p');
    await client.listParams();
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      [
        '/s/team-b/api/stats',
        '/s/team-b/api/synthetics/project/p/monitors',
        '/s/team-b/api/synthetics/params',
      ],
    );
    await client.close();
  });

  test('bulkUpdate, listProjectMonitors across pages, bulkDelete', async () => {
    const { client } = harness(fake);
    const ids = ['g', 'a', 'e', 'c', 'b', 'f', 'd'];
    const res = await client.bulkUpdate('proj', [...ids.map(lw), { ...lw('bad'), locations: ['mars'] }]);
    assert.deepEqual(res.createdMonitors, ids);
    assert.equal(res.failedMonitors.length, 1);
    assert.equal(res.failedMonitors[0]!.id, 'bad');
    assert.match(res.failedMonitors[0]!.details, /Invalid locations specified/);

    fake.clearRequests();
    const listed = await client.listProjectMonitors('proj', { perPage: 3 });
    assert.equal(listed.total, 7);
    assert.deepEqual(
      listed.monitors.map((m) => m.journey_id),
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
    );
    assert.ok(listed.monitors.every((m) => m.hash === ''));
    assert.deepEqual(
      fake.requests.map((r) => r.query['search_after'] ?? null),
      [null, 'c', 'f'],
    );

    assert.deepEqual(await client.bulkDelete('proj', ['a', 'b']), ['a', 'b']);
    assert.equal((await client.listProjectMonitors('proj')).total, 5);
    await assert.rejects(
      client.bulkDelete(
        'proj',
        Array.from({ length: 501 }, (_, i) => `x${i}`),
      ),
      RangeError,
    );
    await client.close();
  });

  test('429 with Retry-After (seconds and HTTP date) is honoured, capped', async () => {
    const { client, sleeps, events } = harness(fake, { retry: { maxRetryAfterMs: 10_000 } });
    fake.injectFault({ route: '/api/stats' }, { kind: 'status', status: 429, retryAfter: '7' });
    fake.injectFault(
      { route: '/api/stats' },
      { kind: 'status', status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:02 GMT' },
    );
    fake.injectFault({ route: '/api/stats' }, { kind: 'status', status: 429, retryAfter: '3600' });
    assert.equal(await client.getVersion(), '8.19.2');
    assert.deepEqual(sleeps, [7000, 2000, 10_000]);
    assert.deepEqual(
      events.map((e) => [e.route, e.code]),
      [
        ['/api/stats', '429'],
        ['/api/stats', '429'],
        ['/api/stats', '429'],
        ['/api/stats', '200'],
      ],
    );
    await client.close();
  });

  test('503s and a reset mid-request are retried with full-jitter exponential backoff, then succeed', async () => {
    const { client, sleeps } = harness(fake, { retry: { baseDelayMs: 1000 } });
    fake.injectFault({ method: 'PUT', route: `${PROJECT}/_bulk_update` }, { kind: 'status', status: 503 }, 2);
    fake.injectFault(
      { method: 'PUT', route: `${PROJECT}/_bulk_update` },
      { kind: 'reset', phase: 'mid-request' },
    );
    const res = await client.bulkUpdate('retry', [lw('r1')]);
    assert.deepEqual(res.createdMonitors, ['r1']);
    // random() = 0.5: half of 1000, 2000, 4000.
    assert.deepEqual(sleeps, [500, 1000, 2000]);
    assert.equal(fake.requestsTo(`${PROJECT}/_bulk_update`).length, 4);
    await client.close();
  });

  test('400 is terminal: no retry, typed error with Kibana message', async () => {
    const { client, sleeps } = harness(fake);
    const err = await client
      .bulkDelete('proj', [])
      .then(() => undefined)
      .catch((e: unknown) => e);
    assert.equal(err, undefined);
    fake.injectFault(
      { route: `${PROJECT}/_bulk_delete` },
      {
        kind: 'status',
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: 'nope, not like that' },
      },
    );
    const e = await client.bulkDelete('proj', ['x']).catch((x: unknown) => x);
    assert.ok(e instanceof KibanaHttpError);
    assert.equal(e.status, 400);
    assert.equal(e.transient, false);
    assert.equal(isTransientKibanaError(e), false);
    assert.equal(e.kibanaMessage, 'nope, not like that');
    assert.equal(e.route, `${PROJECT}/_bulk_delete`);
    assert.deepEqual(sleeps, []);
    assert.equal(fake.requestsTo(`${PROJECT}/_bulk_delete`).length, 2);
    await client.close();
  });

  test('a connection reset before or during the response is retried', async () => {
    const { client, sleeps, events } = harness(fake);
    fake.injectFault({ route: PROJECT }, { kind: 'reset' });
    fake.injectFault({ route: PROJECT }, { kind: 'reset', phase: 'mid-body' });
    const listed = await client.listProjectMonitors('proj');
    assert.equal(listed.total, 5);
    assert.equal(sleeps.length, 2);
    assert.deepEqual(
      events.map((e) => e.code),
      ['network', 'network', '200'],
    );
    await client.close();
  });

  test('exhausted retries end in a typed error naming route and status, without the key', async () => {
    const { client, sleeps, events } = harness(fake, { retry: { maxAttempts: 4 } });
    fake.injectFault({ route: `${PROJECT}/_bulk_update` }, { kind: 'status', status: 502 }, 10);
    const e = await client.bulkUpdate('proj', [lw('z')]).catch((x: unknown) => x);
    assert.ok(e instanceof KibanaHttpError);
    assert.equal(e.status, 502);
    assert.equal(e.attempt, 4);
    assert.equal(e.transient, true);
    assert.match(
      e.message,
      /PUT \/api\/synthetics\/project\/\{projectId\}\/monitors\/_bulk_update answered 502/,
    );
    assert.equal(sleeps.length, 3);
    assert.equal(events.length, 4);
    assertNoKey(e);
    await client.close();
  });

  test('401 and network errors never carry the API key', async () => {
    const wrong = new KibanaClient({ url: fake.url, apiKey: 'c3ludGhjdGw6d3Jvbmc=' });
    const e401 = await wrong.getVersion().catch((x: unknown) => x);
    assert.ok(e401 instanceof KibanaHttpError);
    assert.equal(e401.status, 401);
    assert.match(e401.message, /check the API key/);
    assert.equal(String(e401).includes('c3ludGhjdGw6d3Jvbmc='), false);
    await wrong.close();

    const port = await closedPort();
    const sleeps: number[] = [];
    const down = new KibanaClient({
      url: `http://127.0.0.1:${port}`,
      apiKey: API_KEY,
      retry: { maxAttempts: 3 },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    const eNet = await down.getVersion().catch((x: unknown) => x);
    assert.ok(eNet instanceof KibanaNetworkError);
    assert.equal(eNet.code, 'ECONNREFUSED');
    assert.equal(eNet.transient, true);
    assert.equal(eNet.attempt, 3);
    assert.equal(sleeps.length, 2);
    assertNoKey(eNet);
    await down.close();
  });

  test('403 from a read-only key is terminal and says so', async () => {
    const ro = await FakeKibana.start({ readOnlyApiKeys: ['cmVhZG9ubHk='] });
    try {
      const sleeps: number[] = [];
      const client = new KibanaClient({
        url: ro.url,
        apiKey: 'cmVhZG9ubHk=',
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      });
      assert.deepEqual(await client.listProjectMonitors('p'), { total: 0, monitors: [] });
      const e = await client.bulkUpdate('p', [lw('x')]).catch((x: unknown) => x);
      assert.ok(e instanceof KibanaHttpError);
      assert.equal(e.status, 403);
      assert.equal(e.transient, false);
      assert.match(e.message, /lacks Synthetics privileges/);
      assert.deepEqual(sleeps, []);
      await client.close();
    } finally {
      await ro.stop();
    }
  });

  test('headers timeout is a transient network error and is retried', async () => {
    const { client, sleeps, events } = harness(fake, { headersTimeoutMs: 100 });
    fake.injectFault({ route: '/api/stats' }, { kind: 'delay', ms: 3000 });
    assert.equal(await client.getVersion(), '8.19.2');
    assert.equal(sleeps.length, 1, JSON.stringify(events));
    assert.deepEqual(
      events.map((e) => e.code),
      ['timeout', '200'],
    );
    await client.close();
  });

  test('a non-idempotent create is not retried after a reset', async () => {
    const { client } = harness(fake);
    fake.injectFault({ method: 'POST', route: '/api/synthetics/params' }, { kind: 'reset' });
    const e = await client.createParam({ key: 'once', value: 'v' }).catch((x: unknown) => x);
    assert.ok(e instanceof KibanaNetworkError);
    assert.equal(e.transient, false);
    assert.equal(fake.requestsTo('/api/synthetics/params', 'POST').length, 1);
    await client.close();
  });

  test('abort stops a pending retry', async () => {
    const ac = new AbortController();
    const client = new KibanaClient({
      url: fake.url,
      apiKey: API_KEY,
      sleep: (_ms, signal) =>
        new Promise((_, reject) => {
          signal?.addEventListener(
            'abort',
            () => {
              reject(signal.reason as Error);
            },
            { once: true },
          );
          ac.abort(new Error('stopped'));
        }),
    });
    fake.injectFault({ route: '/api/stats' }, { kind: 'status', status: 503 });
    await assert.rejects(client.getVersion({ signal: ac.signal }), /stopped/);
    await client.close();
  });

  test('response bodies over the limit are refused', async () => {
    const { client } = harness(fake, { maxResponseBytes: 100 });
    const e = await client.listProjectMonitors('proj').catch((x: unknown) => x);
    assert.ok(e instanceof KibanaResponseError);
    assert.match(e.message, /larger than 100 bytes/);
    await client.close();
  });

  test('a body that is not the documented shape is a terminal response error', async () => {
    const { client } = harness(fake);
    fake.injectFault({ route: '/api/stats' }, { kind: 'status', status: 200, body: { status: 'green' } });
    const e = await client.getVersion().catch((x: unknown) => x);
    assert.ok(e instanceof KibanaResponseError);
    assert.equal(e.transient, false);
    await client.close();
  });

  test('public API: monitors paginated and by id, params CRUD, private locations', async () => {
    const { client } = harness(fake);
    const all = await client.listMonitors({ projects: ['proj'], perPage: 2 });
    assert.equal(all.total, 5);
    assert.equal(all.monitors.length, 5);
    assert.equal(fake.requestsTo('/api/synthetics/monitors').length, 3);
    const one = await client.getMonitor(all.monitors[0]!.config_id);
    assert.equal(one?.name, all.monitors[0]!.name);
    assert.equal(await client.getMonitor('does-not-exist'), undefined);
    const found = await client.listMonitors({ query: 'Monitor e' });
    assert.deepEqual(
      found.monitors.map((m) => m['journey_id']),
      ['e'],
    );

    const p = await client.createParam({ key: 'token', value: 's3cr3t', tags: ['auth'] });
    const many = await client.createParams([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    assert.equal(many.length, 2);
    const updated = await client.updateParam(p.id, { value: 'rotated' });
    assert.equal(updated.value, 'rotated');
    assert.equal((await client.getParam(p.id))?.value, 'rotated');
    await client.deleteParam(p.id);
    assert.equal(await client.getParam(p.id), undefined);
    const deleted = await client.bulkDeleteParams(many.map((x) => x.id));
    assert.ok(deleted.every((d) => d.deleted));
    assert.deepEqual(await client.listParams(), []);

    fake.addPrivateLocation({ label: 'Runner DC', id: 'runner-dc' });
    const locs = await client.listPrivateLocations();
    assert.deepEqual(
      locs.map((l) => l.id),
      ['runner-dc'],
    );
    await client.close();
  });
});

describe('KibanaClient construction', () => {
  test('rejects a non-http URL and an empty key', () => {
    assert.throws(() => new KibanaClient({ url: 'ftp://x', apiKey: 'k' }), TypeError);
    assert.throws(() => new KibanaClient({ url: 'http://x', apiKey: ' ' }), TypeError);
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) =>
    srv.close(() => {
      resolve();
    }),
  );
  return port;
}

describe('KibanaClient TLS and proxy', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });
  after(async () => {
    await pki.cleanup();
  });

  test('HTTPS with a CA bundle, refused without it, accepted with insecure', async () => {
    const fake = await FakeKibana.start({
      apiKeys: [API_KEY],
      tls: { cert: pki.valid.cert, key: pki.valid.key },
    });
    try {
      const trusted = new KibanaClient({ url: fake.url, apiKey: API_KEY, tls: { ca: pki.ca.cert } });
      assert.equal(await trusted.getVersion(), '9.1.0');
      await trusted.close();

      const untrusted = new KibanaClient({ url: fake.url, apiKey: API_KEY, retry: { maxAttempts: 3 } });
      const e = await untrusted.getVersion().catch((x: unknown) => x);
      assert.ok(e instanceof KibanaNetworkError);
      assert.equal(e.transient, false, 'a certificate problem is terminal');
      assert.match(e.message, /certificate/i);
      assert.equal(fake.requests.length, 1);
      await untrusted.close();

      const insecure = new KibanaClient({ url: fake.url, apiKey: API_KEY, tls: { insecure: true } });
      assert.equal(await insecure.getVersion(), '9.1.0');
      await insecure.close();
    } finally {
      await fake.stop();
    }
  });

  test('an HTTP proxy with a token carries every call', async () => {
    const fake = await FakeKibana.start({ apiKeys: [API_KEY] });
    const proxy = await startConnectProxy();
    try {
      const client = new KibanaClient({
        url: fake.url,
        apiKey: API_KEY,
        proxy: { uri: proxy.url, token: 'Bearer proxy-token' },
      });
      assert.equal(await client.getVersion(), '9.1.0');
      await client.listProjectMonitors('p');
      await client.close();
      assert.ok(proxy.seen.length >= 1);
      assert.ok(
        proxy.seen.every((s) => s.target === new URL(fake.url).host && s.auth === 'Bearer proxy-token'),
      );
      assert.equal(fake.requests.length, 2);
    } finally {
      await proxy.close();
      await fake.stop();
    }
  });
});

/** A minimal CONNECT proxy on loopback that records targets and `proxy-authorization`. */
async function startConnectProxy(): Promise<{
  url: string;
  seen: { target: string; auth: string | undefined }[];
  close: () => Promise<void>;
}> {
  const seen: { target: string; auth: string | undefined }[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
