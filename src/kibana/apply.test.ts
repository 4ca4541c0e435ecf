import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchPayloads } from './apply.js';
import type { ProjectMonitorPayload } from './translate.js';

const monitor = (id: string, type: 'http' | 'browser', extra: Record<string, unknown> = {}) =>
  ({
    id,
    name: id,
    type,
    schedule: 3,
    locations: [],
    params: {},
    hash: '',
    ...extra,
  }) as ProjectMonitorPayload;

describe('batchPayloads', () => {
  test('at most 1500 lightweight monitors per batch', () => {
    const batches = batchPayloads(Array.from({ length: 3001 }, (_, i) => monitor(`m${i}`, 'http')));
    assert.deepEqual(
      batches.map((b) => b.length),
      [1500, 1500, 1],
    );
  });

  test('at most 250 browser monitors per batch, lightweight ones alongside', () => {
    const payloads = [
      ...Array.from({ length: 300 }, (_, i) => monitor(`b${i}`, 'browser')),
      ...Array.from({ length: 10 }, (_, i) => monitor(`h${i}`, 'http')),
    ];
    const batches = batchPayloads(payloads);
    assert.ok(batches.every((b) => b.filter((m) => m.type === 'browser').length <= 250));
    assert.equal(batches.flat().length, 310);
  });

  test('split by bytes too', () => {
    const big = 'x'.repeat(400_000);
    const batches = batchPayloads(
      Array.from({ length: 10 }, (_, i) => monitor(`b${i}`, 'browser', { content: big })),
      { maxBatchBytes: 1_000_000 },
    );
    assert.deepEqual(
      batches.map((b) => b.length),
      [2, 2, 2, 2, 2],
    );
  });

  test('a test-sized limit', () => {
    const batches = batchPayloads(
      Array.from({ length: 5 }, (_, i) => monitor(`m${i}`, 'http')),
      { maxBatchSize: 2 },
    );
    assert.deepEqual(
      batches.map((b) => b.map((m) => m.id)),
      [['m0', 'm1'], ['m2', 'm3'], ['m4']],
    );
  });
});
