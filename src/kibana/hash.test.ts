import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import { canonicalJson, hashMonitor, SecretDigestCache, secretDigest } from './hash.js';
import { translateMonitor } from './translate.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('hashMonitor', () => {
  test('canonical JSON sorts keys at every level and drops undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined }], c: null } }),
      '{"a":{"c":null,"d":[{"z":1}]},"b":1}',
    );
  });

  test('key order and the hash member do not matter; content does', () => {
    const a = hashMonitor({ id: 'x', schedule: 3, hash: 'old' });
    assert.equal(a, hashMonitor({ schedule: 3, id: 'x' }));
    assert.notEqual(a, hashMonitor({ schedule: 5, id: 'x' }));
    assert.match(a, /^[A-Za-z0-9+/]{43}=$/u);
  });

  test('secret digests: rotation changes the hash, their order does not', () => {
    const payload = { id: 'x', password: '${synthctl_x_password}' };
    const base = hashMonitor(payload);
    const one = hashMonitor(payload, { secretDigests: { k1: 'a', k2: 'b' } });
    assert.notEqual(base, one);
    assert.equal(one, hashMonitor(payload, { secretDigests: { k2: 'b', k1: 'a' } }));
    assert.notEqual(one, hashMonitor(payload, { secretDigests: { k1: 'a', k2: 'c' } }));
    assert.equal(base, hashMonitor(payload, { secretDigests: {} }));
  });

  test('secretDigest is deterministic, salted by the param key, and hides the value', () => {
    const d = secretDigest('synthctl_x_password', 'hunter2');
    assert.equal(d, secretDigest('synthctl_x_password', 'hunter2'));
    assert.notEqual(d, secretDigest('synthctl_y_password', 'hunter2'));
    assert.notEqual(d, secretDigest('synthctl_x_password', 'hunter3'));
    assert.match(d, /^[0-9a-f]{64}$/u);
    assert.doesNotMatch(d, /hunter2/u);
  });
});

describe('the same project in two places', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('gives equal hashes and equal bundles wherever the checkout lives (unlike push)', async () => {
    const results: Map<string, string>[] = [];
    for (let copy = 0; copy < 2; copy++) {
      const dir = mkdtempSync(join(tmpdir(), `synthctl-hash-${copy}-`));
      dirs.push(dir);
      const work = join(dir, copy === 0 ? 'a' : 'somewhere/else/entirely');
      cpSync(join(ROOT, 'testdata', 'parity', 'journeys'), work, { recursive: true });
      const docs = parseAllDocuments(readFileSync(join(work, 'resources.yaml'), 'utf8')).map(
        (d) => d.toJS() as { kind: string },
      );
      const project = docs.find((d) => d.kind === 'SyntheticsProject') as unknown as SyntheticsProject;
      const hashes = new Map<string, string>();
      for (const monitor of docs.filter(
        (d) => d.kind === 'SyntheticMonitor',
      ) as unknown as SyntheticMonitor[]) {
        const t = await translateMonitor(monitor, { project, sourceFile: join(work, 'resources.yaml') });
        hashes.set(t.monitorId, t.payload.hash);
        hashes.set(`${t.monitorId}/content`, t.payload['content'] as string);
      }
      results.push(hashes);
    }
    assert.ok(results[0]!.size >= 6);
    assert.deepEqual(results[0], results[1]);
  });

  test('a change in an imported helper changes the hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synthctl-hash-helper-'));
    dirs.push(dir);
    cpSync(join(ROOT, 'testdata', 'parity', 'journeys'), dir, { recursive: true });
    const monitor: SyntheticMonitor = {
      apiVersion: 'synthctl.dev/v1alpha1',
      kind: 'SyntheticMonitor',
      metadata: { name: 'login' },
      spec: { browser: { journey: { file: 'journeys/login.journey.ts' } } },
    };
    const sourceFile = join(dir, 'resources.yaml');
    const before = (await translateMonitor(monitor, { sourceFile })).payload.hash;
    writeFileSync(
      join(dir, 'journeys', 'helpers.ts'),
      "export const loginPath = (b: string) => `${b}/signin`;\nexport const WELCOME = 'Hi';\n",
    );
    const after = (await translateMonitor(monitor, { sourceFile })).payload.hash;
    assert.notEqual(before, after);
  });
});

test('SecretDigestCache: the same digests as secretDigest, computed once per key and value, bounded', () => {
  const cache = new SecretDigestCache(2);
  assert.equal(cache.digest('shop.token', 's3cret'), secretDigest('shop.token', 's3cret'));
  assert.equal(cache.digest('shop.token', 's3cret'), secretDigest('shop.token', 's3cret'));
  assert.equal(cache.size, 1);
  // A rotated value and another key are new entries with their own digests.
  assert.equal(cache.digest('shop.token', 'rotated'), secretDigest('shop.token', 'rotated'));
  assert.notEqual(cache.digest('shop.other', 's3cret'), cache.digest('shop.token', 's3cret'));
  assert.equal(cache.size, 2, 'bounded: the least recently used entry left');
  assert.equal(cache.digest('shop.token', 'rotated'), secretDigest('shop.token', 'rotated'));
});
