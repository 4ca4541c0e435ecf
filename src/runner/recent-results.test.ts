import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecord } from '../../test/runner-fakes.js';
import { RecentResultsRing } from './recent-results.js';

test('the ring keeps the newest records per monitor, newest first, and round-trips them', () => {
  const ring = new RecentResultsRing({ perMonitor: 3 });
  for (let i = 0; i < 5; i++) {
    ring.write(makeRecord({ monitorId: 'a', startedAt: new Date(1_000 * i).toISOString(), durationMs: i }));
  }
  const recent = ring.recentResults('a');
  assert.deepEqual(
    recent.map((r) => r.durationMs),
    [4, 3, 2],
  );
  const original = makeRecord({ monitorId: 'b', startedAt: new Date(5_000).toISOString() });
  ring.write(original);
  assert.deepEqual(ring.recentResults('b')[0], original);
  assert.deepEqual(ring.recentResults('missing'), []);
});

test('limit, since and finalOnly filter the answer', () => {
  const ring = new RecentResultsRing({ perMonitor: 10 });
  for (let i = 0; i < 6; i++) {
    ring.write(
      makeRecord({
        monitorId: 'a',
        startedAt: new Date(1_000 * i).toISOString(),
        durationMs: i,
        finalAttempt: i % 2 === 0,
      }),
    );
  }
  assert.deepEqual(
    ring.recentResults('a', { limit: 2 }).map((r) => r.durationMs),
    [5, 4],
  );
  assert.deepEqual(
    ring.recentResults('a', { since: 3_000 }).map((r) => r.durationMs),
    [5, 4, 3],
  );
  assert.deepEqual(
    ring.recentResults('a', { finalOnly: true }).map((r) => r.durationMs),
    [4, 2, 0],
  );
});

test('the total stays bounded: more monitors means fewer records each, at least one', () => {
  const ring = new RecentResultsRing({ perMonitor: 100, maxRecords: 1_000 });
  assert.equal(ring.perMonitor, 100);
  ring.setMonitorCount(50);
  assert.equal(ring.perMonitor, 20);
  ring.setMonitorCount(5_000);
  assert.equal(ring.perMonitor, 1);
  for (let m = 0; m < 20; m++) {
    for (let i = 0; i < 5; i++) ring.write(makeRecord({ monitorId: `m${m}`, durationMs: i }));
  }
  for (let m = 0; m < 20; m++) assert.equal(ring.recentResults(`m${m}`).length, 1);
  ring.removeMonitor('m0');
  assert.deepEqual(ring.recentResults('m0'), []);
});
