import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../runner/manual-clock.js';
import { Controller, type ReconcileResult, type Reconciler } from './controller.js';
import { silentOperatorLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { WorkQueue } from './work-queue.js';

function setup(reconcile: Reconciler['reconcile'], workers = 2) {
  const clock = new ManualClock();
  const registry = new Registry();
  const metrics = new OperatorMetrics(registry);
  const queue = new WorkQueue({ name: 'sm', clock, metrics });
  const controller = new Controller({
    name: 'sm',
    queue,
    reconciler: { reconcile },
    logger: silentOperatorLogger(),
    workers,
    metrics,
    clock,
  });
  const stop = new AbortController();
  const running = controller.run(stop.signal);
  return { clock, registry, queue, controller, stop, running };
}

test('an error re-queues with growing backoff; success forgets it', async () => {
  const calls: number[] = [];
  let failures = 3;
  const { clock, queue, stop, running, registry } = setup(() => {
    calls.push(clock.now());
    if (failures-- > 0) return Promise.reject(new Error('Kibana is down'));
    return Promise.resolve(undefined);
  });
  const t0 = clock.now();
  queue.add('ns/a');
  await clock.advance(1000);
  assert.deepEqual(
    calls.map((t) => t - t0),
    [0, 5, 15, 35],
    'retried after 5, 10, 20 ms',
  );
  assert.equal(queue.numRequeues('ns/a'), 0, 'forgotten after success');
  const text = await registry.metrics();
  assert.match(text, /controller_runtime_reconcile_total\{controller="sm",result="error"\} 3/);
  assert.match(text, /controller_runtime_reconcile_total\{controller="sm",result="success"\} 1/);
  assert.match(text, /controller_runtime_reconcile_errors_total\{controller="sm"\} 3/);
  assert.match(text, /controller_runtime_max_concurrent_reconciles\{controller="sm"\} 2/);
  stop.abort();
  await running;
});

test('requeueAfter schedules the next reconcile without counting an error', async () => {
  const calls: number[] = [];
  const { clock, queue, stop, running, registry } = setup((): Promise<ReconcileResult> => {
    calls.push(clock.now());
    return Promise.resolve({ requeueAfterMs: 300_000 });
  });
  const t0 = clock.now();
  queue.add('ns/a');
  await clock.advance(600_000);
  assert.deepEqual(
    calls.map((t) => t - t0),
    [0, 300_000, 600_000],
  );
  assert.match(await registry.metrics(), /result="requeue_after"\} 3/);
  stop.abort();
  await running;
});

test('a key is never reconciled by two workers at once, even when re-added in flight', async () => {
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  let release: (() => void) | undefined;
  const { clock, queue, stop, running } = setup(async () => {
    calls++;
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((r) => (release = r));
    active--;
    return undefined;
  }, 4);
  queue.add('ns/a');
  await clock.flush();
  queue.add('ns/a');
  queue.add('ns/a');
  await clock.flush();
  assert.equal(calls, 1);
  release!();
  await clock.flush();
  assert.equal(calls, 2, 'the in-flight re-add runs once after done');
  release!();
  await clock.flush();
  assert.equal(maxActive, 1);
  stop.abort();
  await running;
});

test('stopping aborts the reconcile context and workers return', async () => {
  let seen: AbortSignal | undefined;
  const { clock, queue, stop, running } = setup(async (_key, ctx) => {
    seen = ctx.signal;
    await new Promise((r) => {
      ctx.signal.addEventListener('abort', r);
    });
    throw ctx.signal.reason;
  });
  queue.add('ns/a');
  await clock.flush();
  stop.abort();
  await running;
  assert.equal(seen?.aborted, true);
  assert.equal(queue.delayed, 0, 'an aborted reconcile is not re-queued');
});
