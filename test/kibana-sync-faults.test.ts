/**
 * `synthctl apply` under Kibana faults, against the fake Kibana on loopback with the real
 * client: 429 with Retry-After, 503, slow answers, a connection reset in the middle of a
 * batch, per-monitor `failedMonitors`, Kibana staying down, and a process killed between
 * batches — after which the next apply converges with no duplicates and no unintended deletes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FakeKibana } from './fakes/kibana/index.js';
import { cli, http, ProjectDir, writes } from './kibana-sync-support.js';

const KEY = 'faults-key';
const BULK_UPDATE = '/api/synthetics/project/{projectId}/monitors/_bulk_update';
const LIST = '/api/synthetics/project/{projectId}/monitors';
const CHILD = new URL('./kibana-sync-child.ts', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;

let fake: FakeKibana;
let project: ProjectDir;
const env = { KIBANA_KEY: KEY };

before(async () => {
  fake = await FakeKibana.start({ apiKeys: [KEY] });
});
after(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.monitors.clear();
  fake.params.clear();
  fake.clearFaults();
  fake.clearRequests();
  project = new ProjectDir().project(fake.url);
  for (let i = 1; i <= 6; i++) project.monitor(`m${i}`, http(`https://m${i}.example.com/`));
});
afterEach(() => {
  project.cleanup();
});

const run = (...args: string[]) => cli(args, project.dir, env);
const ids = () => fake.projectMonitors('default', 'shop').map((m) => String(m.attributes['journey_id']));
const ALL = ['default-m1', 'default-m2', 'default-m3', 'default-m4', 'default-m5', 'default-m6'];

/** Applies, then checks convergence: every monitor once, and the next apply writes nothing. */
async function assertConverged(): Promise<void> {
  assert.deepEqual(ids(), ALL);
  fake.clearRequests();
  const again = await run('apply');
  assert.equal(again.code, 0, again.stdout);
  assert.deepEqual(writes(fake), []);
}

describe('apply under faults', () => {
  test('429 with Retry-After is retried after the delay', async () => {
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'status', status: 429, retryAfter: '1' });
    const started = Date.now();
    const applied = await run('apply', '--batch-size', '2');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    assert.deepEqual(
      fake.requestsTo(BULK_UPDATE).map((r) => r.status),
      [429, 200, 200, 200],
    );
    await assertConverged();
  });

  test('503 twice, then success', async () => {
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'status', status: 503 }, 2);
    const applied = await run('apply', '--batch-size', '3');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(
      fake.requestsTo(BULK_UPDATE).map((r) => r.status),
      [503, 503, 200, 200],
    );
    await assertConverged();
  });

  test('slow answers on the live-state reads', async () => {
    fake.injectFault({ method: 'GET', route: LIST }, { kind: 'delay', ms: 1500 });
    fake.injectFault({ method: 'GET', route: '/api/synthetics/monitors' }, { kind: 'delay', ms: 1500 });
    const applied = await run('apply');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    await assertConverged();
  });

  test('a connection reset in the middle of a batch: the batch is re-sent, no duplicates', async () => {
    // First PUT passes (delay 0); the second is read, then its connection is reset.
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'delay', ms: 0 });
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'reset', phase: 'before-response' });
    const applied = await run('apply', '--batch-size', '2');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(
      fake.requestsTo(BULK_UPDATE).map((r) => r.status),
      [200, 0, 200, 200],
    );
    await assertConverged();
  });

  test('failedMonitors are reported per monitor while the others proceed', async () => {
    project.monitor('m3', http('https://m3.example.com/', { locations: ['mars-base-1'] }));
    const applied = await run('apply', '--batch-size', '2');
    assert.equal(applied.code, 1);
    assert.match(applied.stdout, /failed default-m3: .*Invalid locations specified/);
    assert.match(applied.stdout, /Apply incomplete: 5 created/);
    assert.deepEqual(
      ids(),
      ALL.filter((id) => id !== 'default-m3'),
    );
  });

  test('Kibana down through every retry: the rest is not attempted, exit 1', async () => {
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'status', status: 503 }, 100);
    const applied = await run('apply', '--batch-size', '2');
    assert.equal(applied.code, 1);
    assert.match(applied.stdout, /failed default-m1: bulk update failed/);
    assert.match(applied.stdout, /failed default-m6: not attempted — Kibana unavailable/);
    assert.equal(fake.requestsTo(BULK_UPDATE).length, 5, 'one batch, five attempts');
    fake.clearFaults();
    const again = await run('apply', '--batch-size', '2');
    assert.equal(again.code, 0, again.stdout);
    assert.deepEqual(ids(), ALL);
  });
});

describe('a process killed between batches', () => {
  test('the next apply converges: no duplicates, no unintended deletes', async (t) => {
    // Batch 1 passes; batch 2 hangs in Kibana until the child is killed.
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'delay', ms: 0 });
    fake.injectFault({ method: 'PUT', route: BULK_UPDATE }, { kind: 'delay', ms: 600_000 }, 10);
    // cwd is the repository, so `--import tsx` resolves; the project folder is the argument.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, 'apply', project.dir, '--batch-size', '2'],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 60_000;
    while (fake.requestsTo(BULK_UPDATE).length < 2) {
      assert.ok(Date.now() < deadline, `the child never sent its second batch:\n${output}`);
      assert.equal(child.exitCode, null, `the child exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.match(output, /batch 1\/3/);
    assert.deepEqual(ids(), ['default-m1', 'default-m2'], 'only the first batch landed');
    const revisions = new Map(
      fake.projectMonitors('default', 'shop').map((m) => [m.id, m.attributes['revision']]),
    );

    fake.clearFaults();
    fake.clearRequests();
    const applied = await run('apply', '--batch-size', '2');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /Plan: 4 to create, 0 to update, 0 to delete, 2 unchanged\./);
    const sent = fake
      .requestsTo(BULK_UPDATE)
      .flatMap((r) => (r.body as { monitors: { id: string }[] }).monitors.map((m) => m.id));
    assert.deepEqual(
      sent,
      ['default-m3', 'default-m4', 'default-m5', 'default-m6'],
      'the applied batch is not re-sent',
    );
    assert.equal(writes(fake).filter((w) => w.method === 'DELETE').length, 0, 'nothing deleted');
    for (const m of fake.projectMonitors('default', 'shop')) {
      if (revisions.has(m.id)) assert.equal(m.attributes['revision'], revisions.get(m.id));
    }
    await assertConverged();
  });
});
