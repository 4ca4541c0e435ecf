/**
 * `synthctl plan` / `synthctl apply` end to end: the real CLI and the real Kibana client
 * against the fake Kibana on loopback (test/fakes/kibana). Covers creates, updates with field
 * diffs, no perpetual diff after apply, idempotence (zero writes), drift (UI edit through the
 * public PUT; Revert and Report), prune and its guards, params with secret rotation, unknown
 * private locations, type changes and the output formats.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FakeKibana } from './fakes/kibana/index.js';
import { paramKey } from '../src/kibana/params.js';
import { cli, http, ProjectDir, writes, type Json } from './kibana-sync-support.js';

const KEY = 'sync-test-key';
const BULK_UPDATE = '/api/synthetics/project/{projectId}/monitors/_bulk_update';
const BULK_DELETE = '/api/synthetics/project/{projectId}/monitors/_bulk_delete';

let fake: FakeKibana;
let project: ProjectDir;
let env: Record<string, string>;

before(async () => {
  fake = await FakeKibana.start({ apiKeys: [KEY] });
});
after(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.monitors.clear();
  fake.params.clear();
  fake.privateLocations.length = 0;
  fake.clearFaults();
  fake.clearRequests();
  project = new ProjectDir();
  env = { KIBANA_KEY: KEY };
});
afterEach(() => {
  project.cleanup();
});

const run = (...args: string[]) => cli(args, project.dir, env);

/** The fake's stored monitor of journey `id` in project `shop`. */
function stored(id: string) {
  const m = fake.projectMonitors('default', 'shop').find((x) => x.attributes['journey_id'] === id);
  assert.ok(m, `no stored monitor ${id}`);
  return m;
}

/** An edit in Kibana's UI: the public PUT (internal, as the UI does for project monitors). */
async function editInKibana(configId: string, body: Json): Promise<void> {
  const res = await fetch(`${fake.url}/api/synthetics/monitors/${configId}?internal=true`, {
    method: 'PUT',
    headers: {
      authorization: `ApiKey ${KEY}`,
      'kbn-xsrf': 'true',
      'content-type': 'application/json',
      'elastic-api-version': '2023-10-31',
    },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('plan and apply', () => {
  test('creates, then no perpetual diff and a second apply sends zero writes', async () => {
    project
      .project(fake.url)
      .monitor('orders', http('https://orders.example.com/health', { timeout: '10s', tags: ['team:shop'] }))
      .monitor('cache', {
        schedule: '30s',
        locations: ['germany'],
        tcp: { host: 'cache.example.com:6379' },
      })
      .monitor('gw', { schedule: '5m', locations: ['us_east'], icmp: { host: 'gw.example.com' } });

    const planned = await run('plan');
    assert.equal(planned.code, 2, planned.stdout + planned.stderr);
    assert.match(planned.stdout, /\+ create default-orders \(http/);
    assert.match(planned.stdout, /urls: "https:\/\/orders.example.com\/health"/);
    assert.match(planned.stdout, /Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged\./);
    assert.deepEqual(writes(fake), [], 'plan writes nothing');

    const applied = await run('apply');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /Apply complete: 3 created/);
    assert.match(applied.stderr, /batch 1\/1/);
    assert.equal(fake.projectMonitors('default', 'shop').length, 3);

    fake.clearRequests();
    const again = await run('plan');
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /No changes\./);
    const noop = await run('apply');
    assert.equal(noop.code, 0, noop.stdout + noop.stderr);
    assert.deepEqual(writes(fake), [], 'a second apply with nothing changed sends zero write requests');
  });

  test('an update shows field: old → new; json and markdown formats', async () => {
    project.project(fake.url).monitor('orders', http('https://orders.example.com/health'));
    assert.equal((await run('apply')).code, 0);
    project.monitor(
      'orders',
      http('https://orders.example.com/v2/health', { schedule: '5m', retestOnFailure: false }),
    );
    const text = await run('plan');
    assert.equal(text.code, 2, text.stdout);
    assert.match(text.stdout, /~ update default-orders/);
    assert.match(text.stdout, /schedule: 1 → 5/);
    assert.match(
      text.stdout,
      /urls: "https:\/\/orders.example.com\/health" → "https:\/\/orders.example.com\/v2\/health"/,
    );
    assert.match(text.stdout, /retestOnFailure: true → false/);

    const json = JSON.parse((await run('plan', '--format', 'json')).stdout) as {
      summary: { update: number };
      monitors: { id: string; action: string; changes: { field: string }[] }[];
    };
    assert.equal(json.summary.update, 1);
    assert.deepEqual(
      json.monitors[0]!.changes.map((c) => c.field),
      ['retestOnFailure', 'schedule', 'urls'],
    );
    const md = await run('plan', '--format', 'markdown');
    assert.match(md.stdout, /\| Create \| Update \|/);
    assert.match(md.stdout, /<details>/);
    assert.match(md.stdout, /- schedule: 1\n\+ schedule: 5/);

    assert.equal((await run('apply')).code, 0);
    assert.equal(stored('default-orders').attributes['urls'], 'https://orders.example.com/v2/health');
    assert.equal((await run('plan')).code, 0);
  });
});

describe('translation warnings', () => {
  test('are shown with the monitor they concern', async () => {
    project.project(fake.url).monitor('odd', http('https://odd.example.com/', { schedule: '7m' }));
    const planned = await run('plan');
    // validate rejects the schedule for a Kibana-synced monitor (an error: exit 1, no deletes);
    // translation snaps it and says so next to the monitor.
    assert.equal(planned.code, 1, planned.stdout);
    assert.match(planned.stdout, /Deletes blocked/);
    assert.match(
      planned.stdout,
      /\+ create default-odd[^\n]*\n(?:.*\n)*? {4}warning: spec\.schedule: Kibana has no 7m schedule/,
    );
  });
});

describe('CLI input', () => {
  test('no SyntheticsProject and no flags: exit 1 with what to add', async () => {
    project.monitor('a', http('https://a.example.com/'));
    const r = await run('plan');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /declares no SyntheticsProject: add one, or pass --kibana-url and --project-id/);
  });

  test('flags name the project when the input has none', async () => {
    project.monitor('a', http('https://a.example.com/'));
    env['SYNTHETICS_API_KEY'] = KEY;
    const r = await run('apply', '--kibana-url', fake.url, '--project-id', 'adhoc');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(fake.projectMonitors('default', 'adhoc').length, 1);
  });

  test('a missing API key names the variable to set, never a value', async () => {
    project.project(fake.url).monitor('a', http('https://a.example.com/'));
    delete env['KIBANA_KEY'];
    const r = await run('plan');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /no Kibana API key: set KIBANA_KEY \(spec.kibana.apiKey.valueFrom.env\) or SYNTHETICS_API_KEY/,
    );
  });

  test('a wrong API key: Kibana answers 401, exit 1, the key is not printed', async () => {
    project.project(fake.url).monitor('a', http('https://a.example.com/'));
    env['KIBANA_KEY'] = 'wrong-key-value';
    const r = await run('plan');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /401.*check the API key/);
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-key-value/);
  });
});

describe('the examples', () => {
  test('examples/monitors (http, tcp, browser journey with params): apply, then no perpetual diff', async () => {
    const root = new URL('..', import.meta.url).pathname;
    const exampleEnv = { SYNTHETICS_API_KEY: KEY, DEMO_API_KEY: 'k1', DEMO_SHOP_PASSWORD: 'p1' };
    const args = ['examples/monitors', '--kibana-url', fake.url];
    const applied = await cli(['apply', ...args], root, exampleEnv);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    const types = fake.projectMonitors('default', 'shop-monitors').map((m) => m.attributes['type']);
    assert.ok(types.includes('browser') && types.includes('http') && types.includes('tcp'), String(types));
    fake.clearRequests();
    const planned = await cli(['plan', ...args], root, exampleEnv);
    assert.equal(planned.code, 0, planned.stdout);
    assert.match(planned.stdout, /No changes\./);
    assert.deepEqual(writes(fake), []);
  });
});

describe('drift', () => {
  beforeEach(async () => {
    project.project(fake.url).monitor('orders', http('https://orders.example.com/health'));
    assert.equal((await run('apply')).code, 0);
    await editInKibana(stored('default-orders').id, { enabled: false });
    fake.clearRequests();
  });

  test('an edit in Kibana shows as drift; Report does not re-apply', async () => {
    const planned = await run('plan');
    assert.match(planned.stdout, /! drift default-orders .*edited in Kibana \(revision 2\)/);
    assert.match(planned.stdout, /enabled: false → true/);
    assert.equal(planned.code, 0, 'Report: nothing to write');
    const applied = await run('apply');
    assert.equal(applied.code, 0);
    assert.deepEqual(writes(fake), []);
    assert.equal(stored('default-orders').attributes['enabled'], false);
  });

  test('Revert re-applies the drifted monitor (same content, blank hash)', async () => {
    const planned = await run('plan', '--drift-policy', 'Revert');
    assert.equal(planned.code, 2);
    assert.match(planned.stdout, /~ update default-orders .*revert drift/);
    const applied = await run('apply', '--drift-policy', 'Revert');
    assert.equal(applied.code, 0, applied.stdout);
    const puts = fake.requestsTo(BULK_UPDATE);
    assert.equal(puts.length, 1);
    assert.deepEqual(
      (puts[0]!.body as { monitors: Json[] }).monitors.map((m) => m['id']),
      ['default-orders'],
    );
    assert.equal(stored('default-orders').attributes['enabled'], true);
    assert.notEqual(stored('default-orders').attributes['hash'], '');
    assert.equal((await run('plan')).code, 0);
  });
});

describe('drift behind an intact hash', () => {
  test('plan finds a stored configuration that differs from what the hash says; Revert repairs it', async () => {
    project.project(fake.url).monitor('orders', http('https://orders.example.com/health'));
    assert.equal((await run('apply')).code, 0);
    // A change that did not go through Kibana's edit path (a migration, a direct write).
    const m = stored('default-orders');
    m.attributes = { ...m.attributes, tags: ['edited'] };
    const planned = await run('plan');
    assert.match(
      planned.stdout,
      /! drift default-orders .*Kibana configuration differs from what was applied/,
    );
    assert.match(planned.stdout, /tags: \["edited"\] → \[\]/);
    const applied = await run('apply', '--drift-policy', 'Revert', '--live-configs', 'all');
    assert.equal(applied.code, 0, applied.stdout);
    assert.deepEqual(stored('default-orders').attributes['tags'], []);
    assert.equal((await run('plan')).code, 0);
  });
});

describe('spaces', () => {
  test('a project in another space syncs under /s/<space> and plans clean', async () => {
    fake.addSpace('team-b');
    project
      .project(fake.url, { kibana: { space: 'team-b' } })
      .monitor('orders', http('https://orders.example.com/health'));
    const applied = await run('apply');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.ok(fake.requests.every((r) => r.path.startsWith('/s/team-b/')));
    assert.equal(fake.projectMonitors('team-b', 'shop').length, 1);
    assert.equal(fake.projectMonitors('default', 'shop').length, 0);
    const planned = await run('plan');
    assert.equal(planned.code, 0, planned.stdout);
    assert.match(planned.stdout, /in space team-b/);
  });
});

describe('prune', () => {
  beforeEach(async () => {
    project.project(fake.url, { prune: { maxDeletes: 1 } });
    for (const name of ['a', 'b', 'c']) project.monitor(name, http(`https://${name}.example.com/`));
    assert.equal((await run('apply')).code, 0);
    fake.clearRequests();
  });

  test('deletes over maxDeletes are refused; --allow-mass-delete lets them run', async () => {
    project.remove('a').remove('b');
    const planned = await run('plan');
    assert.match(planned.stdout, /- delete default-a .*\[not run: 2 deletes exceed prune.maxDeletes 1/);
    assert.equal(planned.code, 1);
    const refused = await run('apply');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /prune refused/);
    assert.equal(fake.requestsTo(BULK_DELETE).length, 0);
    assert.equal(fake.projectMonitors('default', 'shop').length, 3);

    const allowed = await run('apply', '--allow-mass-delete');
    assert.equal(allowed.code, 0, allowed.stdout);
    assert.deepEqual(
      fake.requestsTo(BULK_DELETE).map((r) => (r.body as { monitors: string[] }).monitors),
      [['default-a', 'default-b']],
    );
    assert.deepEqual(
      fake.projectMonitors('default', 'shop').map((m) => m.attributes['journey_id']),
      ['default-c'],
    );
  });

  test('nothing is deleted when an input file is invalid', async () => {
    project.remove('a');
    project.raw(
      'broken.yaml',
      'apiVersion: synthctl.dev/v1alpha1\nkind: SyntheticMonitor\nmetadata:\n  name: b\nspec:\n  schedule: 1m\n  http: {}\n',
    );
    project.remove('b');
    const planned = await run('plan', '--allow-mass-delete');
    assert.match(planned.stdout, /Deletes blocked/);
    assert.match(planned.stdout, /broken\.yaml/);
    const applied = await run('apply', '--allow-mass-delete');
    assert.equal(applied.code, 1);
    assert.equal(fake.requestsTo(BULK_DELETE).length, 0);
    assert.equal(fake.projectMonitors('default', 'shop').length, 3);
  });

  test('--no-prune keeps monitors and only reports them', async () => {
    project.remove('a');
    const applied = await run('apply', '--no-prune');
    assert.equal(applied.code, 0, applied.stdout);
    assert.match(applied.stdout, /- delete default-a .*\[not run: prune is disabled\]/);
    assert.equal(fake.requestsTo(BULK_DELETE).length, 0);
  });

  test('only monitors of this project id are deleted', async () => {
    fake.seedProjectMonitors('default', 'other', [
      {
        type: 'http',
        id: 'default-a',
        name: 'other A',
        schedule: 3,
        urls: 'https://x/',
        locations: ['us_east'],
      },
    ]);
    project.remove('a');
    assert.equal((await run('apply')).code, 0);
    assert.equal(fake.projectMonitors('default', 'other').length, 1);
    assert.equal(fake.projectMonitors('default', 'shop').length, 2);
  });
});

describe('params and secrets', () => {
  test('a secret becomes a param; rotation updates the param and the monitor hash; never printed', async () => {
    env['ORDERS_TOKEN'] = 'first-secret-value';
    project.project(fake.url).monitor(
      'orders',
      http(
        'https://orders.example.com/',
        {},
        {
          headers: [{ name: 'X-Token', valueFrom: { env: 'ORDERS_TOKEN' } }],
        },
      ),
    );
    const first = await run('apply');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const params = [...fake.params.values()];
    assert.equal(params.length, 1);
    assert.equal(params[0]!.value, 'first-secret-value');
    assert.deepEqual(params[0]!.tags, ['synthctl', 'synthctl-project:shop']);
    const hash1 = stored('default-orders').attributes['hash'];
    assert.equal((await run('plan')).code, 0);

    env['ORDERS_TOKEN'] = 'second-secret-value';
    const planned = await run('plan', '--format', 'json');
    assert.equal(planned.code, 2);
    assert.doesNotMatch(planned.stdout, /secret-value/);
    const plan = JSON.parse(planned.stdout) as { params: { action: string; changed: string[] }[] };
    assert.deepEqual(
      plan.params.map((p) => [p.action, p.changed]),
      [['update', ['value']]],
    );
    const applied = await run('apply');
    assert.equal(applied.code, 0);
    assert.doesNotMatch(applied.stdout + applied.stderr, /secret-value/);
    assert.equal([...fake.params.values()][0]!.value, 'second-secret-value');
    assert.notEqual(stored('default-orders').attributes['hash'], hash1);

    // The monitor goes away: its param goes with it.
    project.remove('orders');
    assert.equal((await run('apply')).code, 0);
    assert.equal(fake.params.size, 0);
  });

  test('a param with the same key that synthctl does not own is not overwritten', async () => {
    env['ORDERS_TOKEN'] = 'v';
    const key = paramKey('default-orders', 'header_X-Token');
    fake.addParam({ key, value: 'theirs', tags: ['team-a'] });
    project.project(fake.url).monitor(
      'orders',
      http(
        'https://orders.example.com/',
        {},
        {
          headers: [{ name: 'X-Token', valueFrom: { env: 'ORDERS_TOKEN' } }],
        },
      ),
    );
    const planned = await run('plan');
    assert.equal(planned.code, 1, planned.stdout);
    assert.match(planned.stdout, new RegExp(`x error param ${key}: .*not owned by project shop`));
    const applied = await run('apply');
    assert.equal(applied.code, 1);
    assert.equal([...fake.params.values()][0]!.value, 'theirs');
  });
});

describe('locations and types', () => {
  test('an unknown private location fails the plan with the list of those that exist', async () => {
    fake.addPrivateLocation({ label: 'DC One', id: 'dc-1' });
    project
      .project(fake.url)
      .monitor('orders', {
        schedule: '1m',
        privateLocations: ['DC Two'],
        http: { url: 'https://o.example.com/' },
      })
      .monitor('ok', {
        schedule: '1m',
        privateLocations: ['dc one'],
        http: { url: 'https://ok.example.com/' },
      });
    const planned = await run('plan');
    assert.equal(planned.code, 1);
    assert.match(
      planned.stdout,
      /unknown private location 'DC Two' in space default; those that exist: 'DC One' \(id dc-1\)/,
    );
    const applied = await run('apply');
    assert.equal(applied.code, 1);
    assert.deepEqual(
      fake.projectMonitors('default', 'shop').map((m) => m.attributes['journey_id']),
      ['default-ok'],
      'the valid monitor is applied, the other is not',
    );
    assert.equal(
      (await run('plan')).stdout.includes('default-ok'),
      false,
      'no perpetual diff on private locations',
    );
  });

  test('a type change is announced and applied as delete then create', async () => {
    project.project(fake.url).monitor('svc', http('https://svc.example.com/'));
    assert.equal((await run('apply')).code, 0);
    project.monitor('svc', { schedule: '1m', locations: ['us_east'], tcp: { host: 'svc.example.com:443' } });
    const planned = await run('plan');
    assert.match(planned.stdout, /-\/\+ replace default-svc .*type http → tcp \(delete, then create\)/);
    fake.clearRequests();
    const applied = await run('apply');
    assert.equal(applied.code, 0, applied.stdout);
    const order = writes(fake).map((w) => w.route);
    assert.deepEqual(order, [`DELETE ${BULK_DELETE}`, `PUT ${BULK_UPDATE}`]);
    assert.equal(stored('default-svc').attributes['type'], 'tcp');
  });

  test('a Kibana older than 8.6 is refused', async () => {
    fake.version = '8.5.3';
    try {
      project.project(fake.url).monitor('a', http('https://a.example.com/'));
      const planned = await run('plan');
      assert.equal(planned.code, 1);
      assert.match(planned.stderr, /older than 8\.6\.0/);
    } finally {
      fake.version = '9.1.0';
    }
  });
});
