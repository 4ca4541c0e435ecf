/**
 * The fake Kibana checked against its real counterparts: `@elastic/synthetics push` 1.26.3 as a
 * real client of the project API, and the OpenAPI contract for the public routes. Set
 * `UPDATE_PUSH_PAYLOADS=1` to rewrite `testdata/push-payloads/*.json` from what push sends.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { FakeKibana } from './index.js';
import { OPENAPI_PATH } from './openapi.js';
import { parseDiff, PushProject, PUSH_BIN, syntheticsConfig } from './push-project.js';

const PAYLOADS_DIR = new URL('../../../testdata/push-payloads/', import.meta.url);
const PROJECT_ROUTE = '/api/synthetics/project/{projectId}/monitors';

const LIGHTWEIGHT = `heartbeat.monitors:
- type: http
  id: http-1
  name: HTTP one
  urls: "http://127.0.0.1:9/health"
  schedule: '@every 3m'
  timeout: 16s
  check.response.status: [200]
  ssl:
    verification_mode: none
  fields.team: payments
  retest_on_failure: false
- type: tcp
  id: tcp-1
  name: TCP one
  hosts: ["127.0.0.1:9"]
  schedule: '@every 10s'
  alert.status.enabled: false
- type: icmp
  id: icmp-1
  name: ICMP one
  hosts: "127.0.0.1"
  schedule: '@every 1m'
  wait: 1s
`;

const JOURNEY = `import { journey, step, monitor, expect } from '@elastic/synthetics';

journey('Journey A', ({ page, params }) => {
  monitor.use({ id: 'journey-a', schedule: 15, tags: ['web'] });
  step('open', async () => {
    await page.goto(params.base);
    expect(await page.title()).toBeTruthy();
  });
});
`;

async function json(
  fake: FakeKibana,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(fake.url + path, {
    method,
    headers: {
      authorization: `ApiKey ${fake.apiKey}`,
      'kbn-xsrf': 'true',
      'content-type': 'application/json',
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

describe(
  'fake Kibana with @elastic/synthetics push 1.26.3',
  { skip: !existsSync(PUSH_BIN) && 'push CLI not installed' },
  () => {
    let fake: FakeKibana;
    let project: PushProject;
    const pushOpts = () => ({ url: fake.url, apiKey: fake.apiKey, id: 'synthctl-demo' });

    before(async () => {
      fake = await FakeKibana.start({ version: '9.1.0' });
      project = new PushProject({
        'synthetics.config.ts': syntheticsConfig({
          id: 'synthctl-demo',
          url: fake.url,
          params: { base: 'http://127.0.0.1:9/' },
        }),
        'lightweight/heartbeat.yml': LIGHTWEIGHT,
        'journeys/a.journey.ts': JOURNEY,
      });
    });
    after(async () => {
      project.dispose();
      await fake.stop();
    });

    test('first push creates every monitor with Kibana normalization', async () => {
      const r = await project.push(pushOpts());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(parseDiff(r.stdout + r.stderr), { added: 4, updated: 0, removed: 0, unchanged: 0 });
      console.log(`push (4 new monitors) took ${r.ms.toFixed(0)} ms`);

      const routes = fake.requests.map((q) => q.route);
      assert.deepEqual(routes, [
        'GET /api/stats',
        `GET ${PROJECT_ROUTE}`,
        `PUT ${PROJECT_ROUTE}/_bulk_update`,
      ]);
      for (const q of fake.requests) {
        assert.equal(q.headers['authorization'], `ApiKey ${fake.apiKey}`);
        assert.equal(q.path.startsWith('/s/default/'), true);
        if (q.method !== 'GET') assert.equal(q.headers['kbn-xsrf'], 'true');
      }
      const put = fake.requestsTo(`${PROJECT_ROUTE}/_bulk_update`)[0]!;
      assert.equal(put.status, 200);
      const sent = (put.body as { monitors: Record<string, unknown>[] }).monitors;
      assert.deepEqual(sent.map((m) => m['id']).sort(), ['http-1', 'icmp-1', 'journey-a', 'tcp-1']);

      const saved = new Map(
        fake.projectMonitors('default', 'synthctl-demo').map((m) => [m.attributes['journey_id'], m]),
      );
      assert.equal(saved.size, 4);
      const http = saved.get('http-1')!;
      assert.match(http.id, /^[0-9a-f-]{36}$/);
      assert.equal(http.attributes['config_id'], http.id);
      assert.deepEqual(http.attributes['schedule'], { number: '3', unit: 'm' });
      assert.equal(http.attributes['timeout'], '16');
      assert.equal(http.attributes['max_attempts'], 1);
      assert.deepEqual(http.attributes['labels'], { team: 'payments' });
      assert.equal(http.attributes['params'], JSON.stringify({ base: 'http://127.0.0.1:9/' }));
      assert.deepEqual(http.attributes['check.response.status'], ['200']);
      assert.equal(http.attributes['ssl.verification_mode'], 'none');
      assert.equal(http.attributes['urls'], 'http://127.0.0.1:9/health');
      assert.equal(http.attributes['custom_heartbeat_id'], 'http-1-synthctl-demo-default');
      assert.equal(http.attributes['origin'], 'project');
      assert.equal(http.attributes['revision'], 1);
      assert.deepEqual(http.attributes['alert'], { status: { enabled: true }, tls: { enabled: true } });
      assert.equal((http.attributes['locations'] as { id: string }[])[0]!.id, 'us-east4-a');
      const tcp = saved.get('tcp-1')!;
      assert.deepEqual(tcp.attributes['schedule'], { number: '10', unit: 's' });
      assert.deepEqual(tcp.attributes['alert'], { status: { enabled: false }, tls: { enabled: true } });
      assert.equal(tcp.attributes['hosts'], '127.0.0.1:9');
      assert.equal(saved.get('icmp-1')!.attributes['wait'], '1');
      const browser = saved.get('journey-a')!;
      assert.deepEqual(browser.attributes['schedule'], { number: '15', unit: 'm' });
      assert.equal(browser.attributes['filter_journeys.match'], 'Journey A');
      assert.equal(typeof browser.attributes['source.project.content'], 'string');
      assert.ok((browser.attributes['source.project.content'] as string).length > 100);
      assert.deepEqual(browser.attributes['tags'], ['web']);

      if (process.env['UPDATE_PUSH_PAYLOADS'] === '1') {
        mkdirSync(PAYLOADS_DIR, { recursive: true });
        for (const m of sent) {
          // `hash` covers the absolute journey path of the temp project, so it varies per run.
          const stable = { ...m, hash: '<sha256(config + content + absolute source path), varies>' };
          writeFileSync(
            new URL(`${String(m['id'])}.json`, PAYLOADS_DIR),
            JSON.stringify(stable, null, 2) + '\n',
          );
        }
      }
    });

    test('second push sends nothing', async () => {
      fake.clearRequests();
      const r = await project.push(pushOpts());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(parseDiff(r.stdout + r.stderr), { added: 0, updated: 0, removed: 0, unchanged: 4 });
      assert.equal(fake.requestsTo(`${PROJECT_ROUTE}/_bulk_update`).length, 0);
      assert.equal(fake.requestsTo(`${PROJECT_ROUTE}/_bulk_delete`).length, 0);
    });

    test('an edit through the public API blanks the hash, so push re-sends that monitor', async () => {
      const http = fake
        .projectMonitors('default', 'synthctl-demo')
        .find((m) => m.attributes['journey_id'] === 'http-1')!;
      const refused = await json(fake, 'PUT', `/api/synthetics/monitors/${http.id}`, { enabled: false });
      assert.equal(refused.status, 400);
      const edited = await json(fake, 'PUT', `/api/synthetics/monitors/${http.id}?internal=true`, {
        enabled: false,
      });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.equal(edited.body.hash, '');
      assert.equal(edited.body.revision, 2);
      assert.equal(edited.body.enabled, false);

      fake.clearRequests();
      const r = await project.push(pushOpts());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(parseDiff(r.stdout + r.stderr), { added: 0, updated: 1, removed: 0, unchanged: 3 });
      const put = fake.requestsTo(`${PROJECT_ROUTE}/_bulk_update`);
      assert.equal(put.length, 1);
      assert.deepEqual(
        (put[0]!.body as { monitors: { id: string }[] }).monitors.map((m) => m.id),
        ['http-1'],
      );
      const after = fake.monitors.get(http.id)!;
      assert.notEqual(after.attributes['hash'], '');
      assert.equal(after.attributes['enabled'], true);
      assert.equal(after.attributes['revision'], 3);
    });

    test('a monitor removed from the project is deleted', async () => {
      project.write('lightweight/heartbeat.yml', LIGHTWEIGHT.slice(0, LIGHTWEIGHT.indexOf('- type: icmp')));
      fake.clearRequests();
      const r = await project.push(pushOpts());
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(parseDiff(r.stdout + r.stderr), { added: 0, updated: 0, removed: 1, unchanged: 3 });
      const del = fake.requestsTo(`${PROJECT_ROUTE}/_bulk_delete`);
      assert.equal(del.length, 1);
      assert.deepEqual(del[0]!.body, { monitors: ['icmp-1'] });
      assert.equal(fake.projectMonitors('default', 'synthctl-demo').length, 3);
    });

    test('an unsupported Heartbeat option fails that monitor and push exits 1', async () => {
      project.write(
        'lightweight/bad.yml',
        `heartbeat.monitors:\n- type: http\n  id: bad-1\n  name: Bad\n  urls: http://127.0.0.1:9/\n  schedule: '@every 5m'\n  check.request.nonsense: 1\n`,
      );
      const r = await project.push(pushOpts());
      project.remove('lightweight/bad.yml');
      assert.equal(r.code, 1);
      assert.match(r.stdout + r.stderr, /Unsupported Heartbeat option/);
      assert.match(r.stdout + r.stderr, /check\.request\.nonsense/);
      assert.equal(
        fake.projectMonitors('default', 'synthctl-demo').some((m) => m.attributes['journey_id'] === 'bad-1'),
        false,
      );
    });

    test('an unknown private location is reported with the available ones', async () => {
      fake.addPrivateLocation({ label: 'DC One', id: 'dc-1' });
      project.write(
        'lightweight/private.yml',
        `heartbeat.monitors:\n- type: tcp\n  id: priv-1\n  name: Private\n  hosts: 127.0.0.1:9\n  schedule: '@every 5m'\n  private_locations: [dc one, Nowhere]\n`,
      );
      const r = await project.push(pushOpts());
      assert.equal(r.code, 1);
      assert.match(
        r.stdout + r.stderr,
        /Invalid locations specified\. Private Location\(s\) 'Nowhere' not found\. Available private locations are 'DC One'/,
      );
      project.write(
        'lightweight/private.yml',
        `heartbeat.monitors:\n- type: tcp\n  id: priv-1\n  name: Private\n  hosts: 127.0.0.1:9\n  schedule: '@every 5m'\n  private_locations: [dc one]\n`,
      );
      const ok = await project.push(pushOpts());
      project.remove('lightweight/private.yml');
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const priv = fake
        .projectMonitors('default', 'synthctl-demo')
        .find((m) => m.attributes['journey_id'] === 'priv-1')!;
      assert.deepEqual(
        (priv.attributes['locations'] as { id: string }[]).map((l) => l.id),
        ['us-east4-a', 'dc-1'],
      );
    });

    test('push into a space prefixes every call and stores the space', async () => {
      fake.addSpace('team-b');
      fake.clearRequests();
      const r = await project.push({ ...pushOpts(), space: 'team-b' });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.ok(fake.requests.every((q) => q.path.startsWith('/s/team-b/')));
      const inB = fake.projectMonitors('team-b', 'synthctl-demo');
      assert.equal(inB.length, 3);
      assert.equal(
        inB[0]!.attributes['custom_heartbeat_id'],
        `${String(inB[0]!.attributes['journey_id'])}-synthctl-demo-team-b`,
      );
    });
  },
);

describe('fake Kibana project API', () => {
  let fake: FakeKibana;
  before(async () => {
    fake = await FakeKibana.start({ spaces: ['team-b'], projectMaxBytes: 64 * 1024 });
  });
  after(async () => {
    await fake.stop();
  });

  const lw = (id: string, extra: Record<string, unknown> = {}) => ({
    type: 'http',
    id,
    name: id,
    schedule: 3,
    urls: 'http://127.0.0.1:9/',
    locations: ['us-east4-a'],
    ...extra,
  });
  const put = (body: unknown, space = 'default') =>
    json(fake, 'PUT', `/s/${space}/api/synthetics/project/p1/monitors/_bulk_update`, body);

  test('auth: API key required, kbn-xsrf required on writes', async () => {
    const noKey = await fetch(`${fake.url}/api/stats`);
    assert.equal(noKey.status, 401);
    const badKey = await json(fake, 'GET', '/api/stats', undefined, { authorization: 'ApiKey nope' });
    assert.equal(badKey.status, 401);
    const res = await fetch(`${fake.url}/s/default/api/synthetics/project/p1/monitors/_bulk_update`, {
      method: 'PUT',
      headers: { authorization: `ApiKey ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ monitors: [] }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /kbn-xsrf/);
  });

  test('stats reports the configured version', async () => {
    fake.version = '8.19.2';
    const r = await json(fake, 'GET', '/s/team-b/api/stats');
    assert.equal(r.body.kibana.version, '8.19.2');
    fake.version = '9.1.0';
  });

  test('codec: missing keys and bad schedules fail per monitor; others are saved', async () => {
    const r = await put({
      monitors: [
        lw('ok-1'),
        { type: 'http', id: 'no-name', schedule: 3 },
        lw('bad-schedule', { schedule: 7 }),
        { ...lw('browser-seconds'), type: 'browser', schedule: '10s' },
        lw('lw-seconds', { schedule: '30s' }),
      ],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.createdMonitors, ['ok-1', 'lw-seconds']);
    assert.deepEqual(
      r.body.failedMonitors.map((f: { id: string }) => f.id),
      ['no-name', 'bad-schedule', 'browser-seconds'],
    );
    assert.match(r.body.failedMonitors[0].details, /ProjectMonitor\/name/);
  });

  test('unsupported keys are flattened like Kibana before the check', async () => {
    const r = await put({
      monitors: [
        lw('nested-ok', {
          check: { request: { method: 'POST', headers: { a: 'b' } } },
          response: { include_body: 'always' },
        }),
        lw('nested-bad', { check: { request: { nope: 1 } }, foo: 'x' }),
        {
          type: 'icmp',
          id: 'icmp-bad',
          name: 'i',
          schedule: 3,
          hosts: 'h',
          locations: ['us_east'],
          max_redirects: 2,
        },
      ],
    });
    assert.deepEqual(r.body.createdMonitors, ['nested-ok']);
    const details = r.body.failedMonitors.map((f: { details: string }) => f.details);
    assert.match(
      details[0],
      /not supported for http project monitors in 9\.1\.0: check\.request\.nope\|foo\./,
    );
    assert.match(details[1], /not supported for icmp project monitors in 9\.1\.0: max_redirects\./);
    const saved = fake
      .projectMonitors('default', 'p1')
      .find((m) => m.attributes['journey_id'] === 'nested-ok')!;
    assert.equal(saved.attributes['check.request.method'], 'POST');
    assert.deepEqual(saved.attributes['check.request.headers'], { a: 'b' });
    assert.equal(saved.attributes['response.include_body'], 'always');
  });

  test('locations: public names and ids accepted, unknown ones listed with what is available', async () => {
    const r = await put({
      monitors: [
        lw('loc-ok', { locations: ['germany', 'us-west1-a'] }),
        lw('loc-bad', { locations: ['mars'] }),
      ],
    });
    assert.deepEqual(r.body.createdMonitors, ['loc-ok']);
    assert.match(
      r.body.failedMonitors[0].details,
      /^Invalid locations specified\. Elastic managed Location\(s\) 'mars' not found\. Available locations are 'asia-northeast1-a\|/,
    );
  });

  test('type change is refused; updates bump the revision', async () => {
    const first = await put({ monitors: [lw('typed')] });
    assert.deepEqual(first.body.createdMonitors, ['typed']);
    const again = await put({ monitors: [lw('typed', { name: 'renamed' })] });
    assert.deepEqual(again.body.updatedMonitors, ['typed']);
    const m = fake.projectMonitors('default', 'p1').find((x) => x.attributes['journey_id'] === 'typed')!;
    assert.equal(m.attributes['revision'], 2);
    assert.equal(m.attributes['name'], 'renamed');
    const changed = await put({ monitors: [{ ...lw('typed'), type: 'tcp', hosts: 'h:1', urls: undefined }] });
    assert.equal(changed.body.failedMonitors[0].reason, 'Cannot update monitor to different type.');
    assert.equal(fake.monitors.get(m.id)!.attributes['type'], 'http');
  });

  test('limits: 251 browser or 1501 lightweight → 400; body over the limit → 413', async () => {
    const browsers = Array.from({ length: 251 }, (_, i) => ({
      type: 'browser',
      id: `b${i}`,
      name: `b${i}`,
      schedule: 10,
    }));
    const tooMany = await put({ monitors: browsers });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.message, /^Request payload is too large/);
    const lws = Array.from({ length: 1501 }, (_, i) => ({
      type: 'icmp',
      id: `i${i}`,
      name: 'i',
      schedule: 3,
    }));
    const big = JSON.stringify({ monitors: lws });
    const limited = await FakeKibana.start();
    try {
      const r = await json(limited, 'PUT', '/s/default/api/synthetics/project/p1/monitors/_bulk_update', big);
      assert.equal(r.status, 400);
    } finally {
      await limited.stop();
    }
    const tooBig = await put({ monitors: [lw('huge', { params: { blob: 'x'.repeat(70 * 1024) } })] });
    assert.equal(tooBig.status, 413);
  });

  test('spaces: listed spaces must exist and include the route space', async () => {
    const missing = await put({ monitors: [lw('sp', { spaces: ['default', 'ghost'] })] });
    assert.equal(missing.status, 404);
    const excluded = await put({ monitors: [lw('sp', { spaces: ['team-b'] })] });
    assert.equal(excluded.status, 400);
    const shared = await put({ monitors: [lw('sp', { spaces: ['default', 'team-b'] })] });
    assert.deepEqual(shared.body.createdMonitors, ['sp']);
    const inB = await json(fake, 'GET', '/s/team-b/api/synthetics/project/p1/monitors');
    assert.ok(inB.body.monitors.some((m: { journey_id: string }) => m.journey_id === 'sp'));
    const unknownSpace = await json(fake, 'GET', '/s/nowhere/api/synthetics/project/p1/monitors');
    assert.equal(unknownSpace.status, 404);
  });

  test('list paginates with per_page and search_after, sorted by journey_id', async () => {
    const all = await json(fake, 'GET', '/api/synthetics/project/p1/monitors');
    const ids: string[] = all.body.monitors.map((m: { journey_id: string }) => m.journey_id);
    assert.deepEqual(ids, [...ids].sort());
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const q: string = `?per_page=2${after === null ? '' : `&search_after=${encodeURIComponent(after)}`}`;
      const page = await json(fake, 'GET', `/api/synthetics/project/p1/monitors${q}`);
      assert.equal(page.body.total, ids.length);
      seen.push(...page.body.monitors.map((m: { journey_id: string }) => m.journey_id));
      after = page.body.after_key;
      if (page.body.monitors.length === 0) {
        assert.equal(after, null);
        break;
      }
    }
    assert.deepEqual(seen, ids);
  });

  test('bulk delete: ≤ 500 ids, only this project, echoes the request', async () => {
    const other = await json(fake, 'PUT', '/api/synthetics/project/p2/monitors/_bulk_update', {
      monitors: [lw('typed')],
    });
    assert.deepEqual(other.body.createdMonitors, ['typed']);
    const tooMany = await json(fake, 'DELETE', '/api/synthetics/project/p1/monitors/_bulk_delete', {
      monitors: Array.from({ length: 501 }, (_, i) => `x${i}`),
    });
    assert.equal(tooMany.status, 400);
    const r = await json(fake, 'DELETE', '/api/synthetics/project/p1/monitors/_bulk_delete', {
      monitors: ['typed', 'never-was'],
    });
    assert.deepEqual(r.body, { deleted_monitors: ['typed', 'never-was'] });
    assert.equal(
      fake.projectMonitors('default', 'p1').some((m) => m.attributes['journey_id'] === 'typed'),
      false,
    );
    assert.equal(fake.projectMonitors('default', 'p2').length, 1);
  });
});

// The project's contract lives outside the repository on development machines; where it is
// present, the copy the fake validates against must be that file, byte for byte.
const SHARED_CONTRACT = '/work/shared/contracts/kibana-synthetics-openapi.yaml';
test(
  'the OpenAPI copy is the published contract, verbatim',
  { skip: !existsSync(SHARED_CONTRACT) && 'shared contract not present' },
  () => {
    assert.equal(readFileSync(OPENAPI_PATH, 'utf8'), readFileSync(SHARED_CONTRACT, 'utf8'));
  },
);

describe('fake Kibana public API (OpenAPI-validated)', () => {
  let fake: FakeKibana;
  before(async () => {
    fake = await FakeKibana.start();
    fake.seedProjectMonitors('default', 'proj', [
      {
        type: 'http',
        id: 'a',
        name: 'Alpha',
        schedule: 3,
        urls: 'http://a/',
        locations: ['us_east'],
        tags: ['t1'],
      },
      { type: 'tcp', id: 'b', name: 'Beta', schedule: 3, hosts: 'b:1', locations: ['us_east'] },
    ]);
  });
  after(async () => {
    await fake.stop();
  });

  test('monitors list filters by project and query, paginates', async () => {
    fake.addMonitor({ type: 'http', name: 'UI monitor', urls: 'http://ui/' });
    const all = await json(fake, 'GET', '/api/synthetics/monitors?per_page=1&page=2');
    assert.equal(all.body.total, 3);
    assert.equal(all.body.monitors.length, 1);
    const proj = await json(fake, 'GET', '/api/synthetics/monitors?projects=proj');
    assert.equal(proj.body.total, 2);
    const q = await json(fake, 'GET', '/api/synthetics/monitors?query=alp');
    assert.deepEqual(
      q.body.monitors.map((m: { name: string }) => m.name),
      ['Alpha'],
    );
    const byId = await json(fake, 'GET', `/api/synthetics/monitors/${q.body.monitors[0].config_id}`);
    assert.equal(byId.body.journey_id, 'a');
    const byCustomId = await json(fake, 'GET', '/api/synthetics/monitors/a-proj-default');
    assert.equal(byCustomId.body.config_id, q.body.monitors[0].config_id);
  });

  test('request bodies are validated against the OpenAPI schemas', async () => {
    const noUrl = await json(fake, 'POST', '/api/synthetics/monitors', {
      type: 'http',
      name: 'x',
      locations: ['us_east'],
    });
    assert.equal(noUrl.status, 400);
    assert.match(noUrl.body.message, /url/);
    const badParam = await json(fake, 'POST', '/api/synthetics/params', { key: 'k' });
    assert.equal(badParam.status, 400);
    assert.match(badParam.body.message, /value/);
    const badLoc = await json(fake, 'POST', '/api/synthetics/private_locations', { label: 'L' });
    assert.equal(badLoc.status, 400);
    assert.match(badLoc.body.message, /agentPolicyId/);
    const badPut = await json(fake, 'PUT', '/api/synthetics/monitors/a-proj-default?internal=true', {
      enabled: 'yes',
    });
    assert.equal(badPut.status, 400);
  });

  test('UI monitor create, edit, delete', async () => {
    const created = await json(fake, 'POST', '/api/synthetics/monitors', {
      type: 'http',
      name: 'Created',
      url: 'http://c/',
      locations: ['us_east'],
      check: { request: { method: 'HEAD' } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.urls, 'http://c/');
    assert.equal(created.body['check.request.method'], 'HEAD');
    const dup = await json(fake, 'POST', '/api/synthetics/monitors', {
      type: 'http',
      name: 'Created',
      url: 'http://c/',
      locations: ['us_east'],
    });
    assert.equal(dup.status, 400);
    const edited = await json(fake, 'PUT', `/api/synthetics/monitors/${created.body.config_id}`, {
      name: 'Renamed',
      schedule: 5,
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(edited.body.schedule, { number: '5', unit: 'm' });
    assert.equal(edited.body.revision, 2);
    const deleted = await json(fake, 'DELETE', `/api/synthetics/monitors/${created.body.config_id}`);
    assert.equal(deleted.status, 200);
    const gone = await json(fake, 'GET', `/api/synthetics/monitors/${created.body.config_id}`);
    assert.equal(gone.status, 404);
  });

  test('params: create one or many, update, list by tag space, bulk delete', async () => {
    const one = await json(fake, 'POST', '/api/synthetics/params', { key: 'k1', value: 'v1', tags: ['a'] });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    const many = await json(fake, 'POST', '/api/synthetics/params', [
      { key: 'k2', value: 'v2' },
      { key: 'k3', value: 'v3', share_across_spaces: true },
    ]);
    assert.equal(many.body.length, 2);
    const dup = await json(fake, 'POST', '/api/synthetics/params', { key: 'k1', value: 'again' });
    assert.equal(dup.status, 400);
    const put = await json(fake, 'PUT', `/api/synthetics/params/${one.body.id}`, { value: 'v1b' });
    assert.equal(put.body.value, 'v1b');
    fake.addSpace('other');
    const inOther = await json(fake, 'GET', '/s/other/api/synthetics/params');
    assert.deepEqual(
      inOther.body.map((p: { key: string }) => p.key),
      ['k3'],
    );
    const del = await json(fake, 'POST', '/api/synthetics/params/_bulk_delete', {
      ids: [one.body.id, 'nope'],
    });
    assert.deepEqual(del.body, [
      { id: one.body.id, deleted: true },
      { id: 'nope', deleted: false },
    ]);
  });

  test('private locations: create, get by id or label, refuse duplicates, refuse delete in use', async () => {
    const created = await json(fake, 'POST', '/api/synthetics/private_locations', {
      label: 'DC',
      agentPolicyId: 'pol-1',
    });
    assert.equal(created.body.id, 'pol-1');
    const dup = await json(fake, 'POST', '/api/synthetics/private_locations', {
      label: 'DC',
      agentPolicyId: 'pol-2',
    });
    assert.equal(dup.status, 400);
    assert.equal((await json(fake, 'GET', '/api/synthetics/private_locations/DC')).body.id, 'pol-1');
    fake.seedProjectMonitors('default', 'proj', [
      { type: 'icmp', id: 'c', name: 'Gamma', schedule: 3, hosts: 'c', privateLocations: ['dc'] },
    ]);
    const inUse = await json(fake, 'DELETE', '/api/synthetics/private_locations/pol-1');
    assert.equal(inUse.status, 400);
    const locs = await json(fake, 'GET', '/internal/uptime/service/locations');
    assert.ok(
      locs.body.locations.some(
        (l: { id: string; isServiceManaged: boolean }) => l.id === 'pol-1' && !l.isServiceManaged,
      ),
    );
  });
});

describe('fake Kibana fault injection', () => {
  test('status, delay and reset faults apply to the next N matching requests and are logged', async () => {
    const fake = await FakeKibana.start();
    try {
      fake.injectFault({ route: '/api/stats' }, { kind: 'status', status: 429, retryAfter: '3' }, 2);
      const a = await json(fake, 'GET', '/api/stats');
      const b = await json(fake, 'GET', '/api/stats');
      const c = await json(fake, 'GET', '/api/stats');
      assert.deepEqual([a.status, b.status, c.status], [429, 429, 200]);
      assert.equal(a.headers.get('retry-after'), '3');

      fake.injectFault({ method: 'GET', route: '/api/stats' }, { kind: 'delay', ms: 150 });
      const t0 = performance.now();
      assert.equal((await json(fake, 'GET', '/api/stats')).status, 200);
      assert.ok(performance.now() - t0 >= 140);

      fake.injectFault({ route: '/api/stats' }, { kind: 'reset' });
      await assert.rejects(json(fake, 'GET', '/api/stats'));
      fake.injectFault({ route: '/api/stats' }, { kind: 'reset', phase: 'mid-body' });
      await assert.rejects(json(fake, 'GET', '/api/stats'));
      assert.equal((await json(fake, 'GET', '/api/stats')).status, 200);
      assert.deepEqual(
        fake.requests.map((r) => r.status),
        [429, 429, 200, 200, 0, 0, 200],
      );
    } finally {
      await fake.stop();
    }
  });
});
