import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTime, jsonEqual, setCondition, setConditions } from './status.js';

const T0 = Date.UTC(2026, 0, 1);
const T1 = T0 + 60_000;

test('setCondition keeps lastTransitionTime while the status is unchanged and moves it when it changes', () => {
  const first = setCondition(
    undefined,
    { type: 'Ready', status: 'False', reason: 'Pending', message: 'waiting' },
    { now: T0, observedGeneration: 1 },
  );
  assert.equal(first[0]?.lastTransitionTime, formatTime(T0));
  const same = setCondition(
    first,
    { type: 'Ready', status: 'False', reason: 'SyncFailed', message: 'Kibana 503' },
    { now: T1, observedGeneration: 2 },
  );
  assert.equal(same[0]?.lastTransitionTime, formatTime(T0), 'same status: time kept');
  assert.equal(same[0]?.reason, 'SyncFailed');
  assert.equal(same[0]?.observedGeneration, 2);
  const flipped = setCondition(
    same,
    { type: 'Ready', status: 'True', reason: 'Synced', message: 'ok' },
    { now: T1 },
  );
  assert.equal(flipped[0]?.lastTransitionTime, formatTime(T1));
  assert.equal(first[0]?.reason, 'Pending', 'input not mutated');
});

test('setConditions keeps other conditions and their order', () => {
  const list = setConditions(
    undefined,
    [
      { type: 'Ready', status: 'True', reason: 'Synced', message: '' },
      { type: 'Synced', status: 'True', reason: 'Synced', message: '' },
    ],
    { now: T0 },
  );
  const next = setConditions(list, [{ type: 'Drifted', status: 'False', reason: 'InSync', message: '' }], {
    now: T1,
  });
  assert.deepEqual(
    next.map((c) => c.type),
    ['Ready', 'Synced', 'Drifted'],
  );
});

test('jsonEqual ignores key order and undefined members (no-op status detection)', () => {
  assert.ok(jsonEqual({ a: 1, b: [{ x: 1, y: 2 }] }, { b: [{ y: 2, x: 1 }], a: 1, c: undefined }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!jsonEqual({ a: 1 }, { a: '1' }));
});
