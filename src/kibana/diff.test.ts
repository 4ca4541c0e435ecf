import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffMonitor, maskValue } from './diff.js';

const ctx = { privateLocations: [{ id: 'dc-1', label: 'DC One', agentPolicyId: 'dc-1' }] };

// Kibana's stored shape (normalizers/common_fields.ts) next to the payload it came from:
// each pair must compare equal, or every plan would show a perpetual diff.
const equal: { name: string; desired: Record<string, unknown>; live: Record<string, unknown> }[] = [
  { name: 'schedule minutes', desired: { schedule: 5 }, live: { schedule: { number: '5', unit: 'm' } } },
  { name: 'schedule seconds', desired: { schedule: '30s' }, live: { schedule: { number: '30', unit: 's' } } },
  { name: 'timeout seconds', desired: { timeout: '16s' }, live: { timeout: '16' } },
  { name: 'fields ↔ labels', desired: { fields: { env: 'prod' } }, live: { labels: { env: 'prod' } } },
  { name: 'retest ↔ max_attempts', desired: { retestOnFailure: false }, live: { max_attempts: 1 } },
  {
    name: 'public locations by service id, any order',
    desired: { locations: ['us-east4-a', 'europe-west3-a'] },
    live: {
      locations: [
        { id: 'europe-west3-a', label: 'Germany', isServiceManaged: true },
        { id: 'us-east4-a', label: 'US East', isServiceManaged: true },
      ],
    },
  },
  {
    name: 'private location by id or any-case label',
    desired: { privateLocations: ['dc one'] },
    live: { locations: [{ id: 'dc-1', label: 'DC One', isServiceManaged: false }] },
  },
  {
    name: 'alert merged with defaults',
    desired: { alert: { tls: { enabled: true } } },
    live: { alert: { status: { enabled: true }, tls: { enabled: true } } },
  },
  { name: 'params JSON string', desired: { params: { a: '1' } }, live: { params: '{"a":"1"}' } },
  { name: 'numbers stored as strings', desired: { max_redirects: 3 }, live: { max_redirects: '3' } },
  {
    name: 'status codes flattened to strings',
    desired: { 'check.response.status': [200, 201] },
    live: { 'check.response.status': ['200', '201'] },
  },
  {
    name: 'json body',
    desired: { 'check.request.body': { a: 1 } },
    live: { 'check.request.body': { type: 'json', value: '{"a":1}' } },
  },
  { name: 'url alias of the public API', desired: { urls: 'https://x/' }, live: { url: 'https://x/' } },
  {
    name: 'browser keys',
    desired: { filter: { match: 'J' }, playwrightOptions: { headless: true }, screenshot: 'on' },
    live: { 'filter_journeys.match': 'J', playwright_options: '{"headless":true}', screenshots: 'on' },
  },
  {
    name: 'absent keys equal Kibana defaults',
    desired: {},
    live: { enabled: true, tags: [], labels: {}, max_attempts: 2, maintenance_windows: [], params: '' },
  },
];

describe('diffMonitor', () => {
  for (const c of equal) {
    test(`no diff: ${c.name}`, () => {
      assert.deepEqual(diffMonitor(c.desired, c.live, ctx), []);
    });
  }

  test('a real change shows live → desired', () => {
    assert.deepEqual(diffMonitor({ schedule: 10 }, { schedule: { number: '5', unit: 'm' } }, ctx), [
      { field: 'schedule', before: 5, after: 10 },
    ]);
  });

  test('a removed tag list resets to the default', () => {
    assert.deepEqual(diffMonitor({}, { tags: ['a'] }, ctx), [{ field: 'tags', before: ['a'], after: [] }]);
  });

  test('live secrets are masked, references are not', () => {
    const [change] = diffMonitor({ password: '${synthctl_x}' }, { password: 'hunter2' }, ctx);
    assert.deepEqual(change, {
      field: 'password',
      before: '(sensitive)',
      after: '${synthctl_x}',
      masked: true,
    });
    assert.deepEqual(maskValue('check.request.headers', { Authorization: 'Bearer abc', Accept: 'x' }).value, {
      Authorization: '(sensitive)',
      Accept: 'x',
    });
    assert.equal(maskValue('password', '${synthctl_a}').masked, false);
  });
});
