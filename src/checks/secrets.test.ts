import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvSecretResolver, describeReference } from './secrets.js';
import { SecretResolutionError } from './errors.js';

test('env references resolve; a missing one names the variable, not a value', async () => {
  const r = new EnvSecretResolver({ DB_TOKEN: 'tok-123' });
  assert.equal(await r.resolve({ env: 'DB_TOKEN' }, undefined), 'tok-123');
  await assert.rejects(r.resolve({ env: 'MISSING' }, undefined), (err: unknown) => {
    assert.ok(err instanceof SecretResolutionError);
    assert.equal(err.reference, 'env MISSING');
    assert.equal(err.message, 'environment variable MISSING is not set (referenced as valueFrom.env)');
    return true;
  });
});

test('Kubernetes references need a cluster, unless optional', async () => {
  const r = new EnvSecretResolver({});
  await assert.rejects(r.resolve({ secretKeyRef: { name: 'db', key: 'password' } }, 'payments'), {
    name: 'SecretResolutionError',
    message:
      'secret payments/db key password cannot be resolved outside Kubernetes: use valueFrom.env, or run in a cluster',
  });
  assert.equal(
    await r.resolve({ secretKeyRef: { name: 'db', key: 'password', optional: true } }, undefined),
    undefined,
  );
  assert.equal(
    describeReference({ configMapKeyRef: { name: 'cm', key: 'ca.pem' } }),
    'configmap cm key ca.pem',
  );
});
