import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../runner/manual-clock.js';
import { OperatorMetrics } from './metrics.js';
import { DefaultRateLimiter, WorkQueue } from './work-queue.js';

const newQueue = (clock = new ManualClock(), options: { qps?: number; burst?: number } = {}) =>
  new WorkQueue({ name: 'test', clock, ...options });

test('a key is queued once however often it is added', async () => {
  const q = newQueue();
  for (const key of ['a', 'b', 'a', 'a', 'c', 'b']) q.add(key);
  assert.equal(q.length, 3);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
});

test('a key in flight is not handed to a second worker; dirtied in flight it comes back after done', async () => {
  const q = newQueue();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a'); // changed while being processed
  assert.equal(q.length, 0, 'not queued while in flight');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined, 'no second worker gets it');
  q.done('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(second, 'a', 're-queued after done');
  q.done('a');
  assert.equal(q.length, 0);
});

test('done without a re-add does not re-queue', async () => {
  const q = newQueue();
  q.add('a');
  q.done((await q.get())!);
  assert.equal(q.length, 0);
  assert.equal(q.inFlight, 0);
});

test('per-key backoff grows 5 ms, 10 ms, 20 ms ... up to 1000 s, and forget resets it', () => {
  const clock = new ManualClock();
  const limiter = new DefaultRateLimiter(clock, { qps: 1e9, burst: 1e9 });
  const delays = Array.from({ length: 5 }, () => limiter.when('k'));
  assert.deepEqual(delays, [5, 10, 20, 40, 80]);
  for (let i = 0; i < 40; i++) limiter.when('k');
  assert.equal(limiter.when('k'), 1_000_000, 'capped at 1000 s');
  assert.equal(limiter.when('other'), 5, 'per key');
  limiter.forget('k');
  assert.equal(limiter.when('k'), 5);
});

const bucketCases = [
  { name: 'burst of 100 passes without delay', count: 100, expectLast: 5 },
  { name: 'the 101st waits 1/qps', count: 101, expectLast: 100 },
  { name: 'the 110th waits 10/qps', count: 110, expectLast: 1000 },
];
for (const c of bucketCases) {
  test(`global token bucket (10 qps, burst 100): ${c.name}`, () => {
    const limiter = new DefaultRateLimiter(new ManualClock());
    let last = 0;
    for (let i = 0; i < c.count; i++) last = limiter.when(`key-${i}`);
    assert.equal(Math.round(last), c.expectLast);
  });
}

test('the token bucket refills with time', async () => {
  const clock = new ManualClock();
  const limiter = new DefaultRateLimiter(clock);
  for (let i = 0; i < 100; i++) limiter.when(`k${i}`);
  assert.equal(Math.round(limiter.when('x')), 100);
  await clock.advance(1000); // +10 tokens
  assert.equal(limiter.when('y'), 5);
});

test('addRateLimited waits the backoff; addAfter keeps the earliest schedule', async () => {
  const clock = new ManualClock();
  const q = newQueue(clock);
  assert.equal(q.addRateLimited('a'), 5);
  assert.equal(q.length, 0);
  await clock.advance(4);
  assert.equal(q.length, 0);
  await clock.advance(1);
  assert.equal(q.length, 1);
  q.done((await q.get())!);
  q.addAfter('b', 1000);
  q.addAfter('b', 100); // earlier wins
  q.addAfter('b', 5000); // later is ignored
  await clock.advance(100);
  assert.equal(q.length, 1);
  assert.equal(q.delayed, 0);
  assert.equal(q.numRequeues('a'), 1);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
});

test('shutDown refuses adds, cancels delayed adds, drains what is queued, then returns undefined', async () => {
  const clock = new ManualClock();
  const q = newQueue(clock);
  q.add('a');
  q.add('b');
  q.addAfter('c', 1000);
  const taken = await q.get();
  const drained = q.shutDownWithDrain();
  let isDrained = false;
  void drained.then(() => (isDrained = true));
  q.add('d');
  await clock.advance(2000);
  assert.equal(await q.get(), 'b', 'queued keys still drain');
  assert.equal(await q.get(), undefined);
  q.done('b');
  await clock.flush();
  assert.equal(isDrained, false, 'waits for in-flight work');
  q.done(taken!);
  await drained;
  assert.equal(clock.pendingTimers, 0);
});

test('idle getters wake with undefined on shutDown and on abort', async () => {
  const q = newQueue();
  const controller = new AbortController();
  const aborted = q.get(controller.signal);
  controller.abort();
  assert.equal(await aborted, undefined);
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
});

test('workqueue_* metrics carry the name label', async () => {
  const registry = new Registry();
  const clock = new ManualClock();
  const metrics = new OperatorMetrics(registry);
  const q = new WorkQueue({ name: 'syntheticmonitor', clock, metrics });
  q.add('a');
  q.add('b');
  await clock.advance(250);
  const key = await q.get();
  await clock.advance(1500);
  q.addRateLimited('x');
  const text = await registry.metrics();
  assert.match(text, /workqueue_depth\{name="syntheticmonitor",controller="syntheticmonitor"\} 1/);
  assert.match(text, /workqueue_adds_total\{name="syntheticmonitor",controller="syntheticmonitor"\} 2/);
  assert.match(text, /workqueue_retries_total\{name="syntheticmonitor",controller="syntheticmonitor"\} 1/);
  assert.match(
    text,
    /workqueue_unfinished_work_seconds\{name="syntheticmonitor",controller="syntheticmonitor"\} 1\.5/,
  );
  assert.match(
    text,
    /workqueue_longest_running_processor_seconds\{name="syntheticmonitor",controller="syntheticmonitor"\} 1\.5/,
  );
  assert.match(
    text,
    /workqueue_queue_duration_seconds_sum\{name="syntheticmonitor",controller="syntheticmonitor"\} 0\.25/,
  );
  q.done(key!);
  assert.match(
    await registry.metrics(),
    /workqueue_work_duration_seconds_sum\{name="syntheticmonitor",controller="syntheticmonitor"\} 1\.5/,
  );
});
