import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, suggest } from './did-you-mean.js';
import { isSecretPath, isSecretPathText } from './secret-path.js';

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('name', 'nmae'), 1);
  assert.equal(editDistance('method', 'methd'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('suggestions are close matches only, case differences first', () => {
  assert.equal(suggest('delete', ['Delete', 'Orphan']), 'Delete');
  assert.equal(suggest('shedule', ['schedule', 'timeout']), 'schedule');
  assert.equal(suggest('every', ['any', 'all']), undefined);
  assert.equal(suggest('x', []), undefined);
});

test('secret paths are the secret fields, not the references to them', () => {
  assert.ok(isSecretPath(['spec', 'http', 'auth', 'basic', 'password']));
  assert.ok(isSecretPath(['spec', 'tcp', 'tls', 'key']));
  assert.ok(isSecretPathText('spec.http.auth.bearer.token'));
  assert.ok(
    !isSecretPath(['spec', 'http', 'auth', 'basic', 'password', 'valueFrom', 'secretKeyRef', 'name']),
  );
  assert.ok(!isSecretPath(['spec', 'http', 'headers', 0, 'valueFrom', 'secretKeyRef', 'key']));
  assert.ok(!isSecretPath(['spec', 'http', 'url']));
});
