import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MonitorSpecChecker } from './invalid-spec.js';
import type { KubeObject } from './kube-client.js';

const monitor = (generation: number, url: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'synthctl.dev/v1alpha1',
  kind: 'SyntheticMonitor',
  metadata: { name: 'm', namespace: 'ns', uid: 'u-1', generation, ...(labels ? { labels } : {}) },
  spec: { schedule: '1m', http: { url } },
});

test('MonitorSpecChecker remembers a result per uid, generation and labels, and re-checks a new generation', () => {
  const checker = new MonitorSpecChecker();
  const first = checker.check(monitor(1, 'https://ok.example.com/'));
  assert.deepEqual(first, []);
  assert.equal(checker.check(monitor(1, 'https://ok.example.com/')), first, 'same generation: remembered');
  const broken = checker.check(monitor(2, 'https://exa mple.com/'));
  assert.ok(broken.length > 0, 'a new generation is checked again');
  assert.ok(broken.some((d) => d.path.includes('spec.http.url')));
  const relabelled = checker.check(monitor(2, 'https://exa mple.com/', { team: 'a' }));
  assert.notEqual(relabelled, broken, 'new labels: checked again');
  const noUid = { ...monitor(3, 'https://ok.example.com/') };
  noUid.metadata = { name: 'm', namespace: 'ns', generation: 3 };
  assert.notEqual(checker.check(noUid), checker.check(noUid), 'no uid: never remembered');
});
