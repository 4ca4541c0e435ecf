import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { ResultRecord, ResultSink } from './result.js';
import { ManualClock } from './manual-clock.js';
import { ResultPipeline } from './pipeline.js';
import { makeMonitor, makeRecord } from '../../test/runner-fakes.js';

class CollectingSink implements ResultSink {
  readonly records: ResultRecord[] = [];
  readonly removed: string[] = [];
  closed = false;
  constructor(readonly name: string) {}
  write(record: ResultRecord): void {
    this.records.push(record);
  }
  removeMonitor(id: string): void {
    this.removed.push(id);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

class BrokenSink implements ResultSink {
  readonly name = 'broken';
  write(): void {
    throw new Error('disk full');
  }
  close(): Promise<void> {
    return Promise.reject(new Error('cannot flush'));
  }
}

function final(status: 'up' | 'down', i: number, extra: Partial<ResultRecord> = {}): ResultRecord {
  const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
  return makeRecord({
    up: status === 'up',
    status,
    startedAt: at,
    endedAt: at,
    checkGroup: `g${i}`,
    ...(status === 'down' ? { error: { type: 'io', message: 'connection refused' } } : {}),
    ...extra,
  });
}

test('every record reaches every sink; a failing sink is counted and never breaks the others', async () => {
  const registry = new Registry();
  const a = new CollectingSink('a');
  const b = new CollectingSink('b');
  const pipeline = new ResultPipeline({
    sinks: [a, new BrokenSink(), b],
    clock: new ManualClock(),
    location: 'local',
    registry,
  });
  pipeline.publish(final('down', 0, { finalAttempt: false, maxAttempts: 2 }));
  pipeline.publish(final('up', 1, { attempt: 2, maxAttempts: 2 }));
  assert.equal(a.records.length, 2);
  assert.equal(b.records.length, 2);
  await pipeline.close();
  assert.ok(a.closed && b.closed);
  const text = await registry.metrics();
  assert.match(text, /synthctl_sink_errors_total\{sink="broken"\} 3/);
  assert.match(text, /synthctl_sink_errors_total\{sink="a"\} 0/);
});

test('state follows final attempts only: up/down, since, consecutive failures, flap', () => {
  const pipeline = new ResultPipeline({ sinks: [], clock: new ManualClock(), location: 'local' });
  pipeline.setMonitors([
    makeMonitor('shop-home', { name: 'Shop home' }),
    makeMonitor('off', { enabled: false }),
  ]);
  assert.equal(pipeline.state('shop-home')?.status, 'pending');
  assert.equal(pipeline.state('off')?.status, 'disabled');

  const changes: string[] = [];
  pipeline.onStatusChange((c) => changes.push(`${c.from}->${c.to}`));
  pipeline.publish(final('down', 0, { finalAttempt: false }));
  assert.equal(pipeline.state('shop-home')?.status, 'pending', 'a non-final attempt changed the state');
  pipeline.publish(final('up', 1));
  pipeline.publish(final('up', 2));
  let s = pipeline.state('shop-home')!;
  assert.equal(s.status, 'up');
  assert.equal(s.since, '2026-01-01T00:01:00.000Z');
  assert.equal(s.checks, 2);
  pipeline.publish(final('down', 3));
  pipeline.publish(final('down', 4));
  s = pipeline.state('shop-home')!;
  assert.equal(s.status, 'down');
  assert.equal(s.since, '2026-01-01T00:03:00.000Z');
  assert.equal(s.consecutiveFailures, 2);
  assert.equal(s.message, 'connection refused');
  assert.deepEqual(s.ends, { status: 'up', since: '2026-01-01T00:01:00.000Z', checks: 2 });
  // up, down, up: three changes inside the threshold -> flap
  pipeline.publish(final('up', 5));
  pipeline.publish(final('down', 6));
  assert.equal(pipeline.state('shop-home')?.status, 'flap');
  pipeline.publish(final('down', 7));
  assert.equal(pipeline.state('shop-home')?.status, 'flap');
  pipeline.publish(final('down', 8));
  s = pipeline.state('shop-home')!;
  assert.equal(s.status, 'down', 'three agreeing checks end the flap');
  assert.equal(s.since, '2026-01-01T00:08:00.000Z');
  assert.equal(s.consecutiveFailures, 3);
  assert.deepEqual(s.flapHistory, []);
  assert.deepEqual(changes, ['pending->up', 'up->down', 'down->up', 'up->flap', 'flap->down']);
  assert.equal(s.statusChanges, 5);
});

test('removed monitors are forgotten in the state and in every sink', () => {
  const sink = new CollectingSink('s');
  const pipeline = new ResultPipeline({ sinks: [sink], clock: new ManualClock(), location: 'local' });
  pipeline.setMonitors([makeMonitor('a'), makeMonitor('b')]);
  pipeline.setMonitors([makeMonitor('b')]);
  assert.deepEqual(sink.removed, ['a']);
  assert.deepEqual(
    pipeline.states().map((s) => s.monitorId),
    ['b'],
  );
});
