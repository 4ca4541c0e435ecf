import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANNOTATIONS_MAX_BYTES,
  checkObjectMeta,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  qualifiedNameErrors,
} from './object-meta.js';

const messages = (metadata: unknown) =>
  checkObjectMeta(metadata).map((i) => `${i.path.join('/')} ${i.code}: ${i.message}`);

test('names, namespaces, label keys and values follow apimachinery, in its words', () => {
  assert.deepEqual(dns1123SubdomainErrors('checkout.api-1'), []);
  assert.deepEqual(dns1123SubdomainErrors('Checkout'), [
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.deepEqual(dns1123SubdomainErrors('a'.repeat(253)), []);
  assert.deepEqual(dns1123SubdomainErrors('a'.repeat(254)), ['must be no more than 253 characters']);
  assert.deepEqual(dns1123LabelErrors('a.b').length, 1);
  assert.deepEqual(dns1123LabelErrors('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(qualifiedNameErrors('app.kubernetes.io/name'), []);
  assert.deepEqual(qualifiedNameErrors('/name'), ['prefix part must be non-empty']);
  assert.deepEqual(qualifiedNameErrors('example.com/'), [
    'name part must be non-empty',
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
  assert.match(qualifiedNameErrors('Example.com/x')[0]!, /^prefix part a lowercase RFC 1123 subdomain/);
  assert.deepEqual(qualifiedNameErrors(`x/${'n'.repeat(64)}`), [
    'name part must be no more than 63 characters',
  ]);
  assert.deepEqual(labelValueErrors(''), []);
  assert.deepEqual(labelValueErrors('v1.2_x-3'), []);
  assert.equal(labelValueErrors('-x').length, 1);
  assert.deepEqual(labelValueErrors('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('metadata is closed: unknown fields are errors with the API server path and a suggestion', () => {
  assert.deepEqual(messages({ name: 'ok', lables: { a: 'b' } }), [
    'metadata/lables schema.additionalProperties: unknown field "metadata.lables" (did you mean "labels"?); valid fields here: name, generateName, namespace, selfLink, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, labels, annotations, ownerReferences, finalizers, managedFields',
  ]);
  // What `kubectl get -o yaml` prints validates as it is.
  assert.deepEqual(
    messages({
      name: 'ok',
      namespace: 'payments',
      uid: '6a1f',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'app.kubernetes.io/name': 'synthctl' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      finalizers: ['synthctl.dev/cleanup'],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} }],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'y', controller: true }],
    }),
    [],
  );
  assert.deepEqual(messages({ name: 'ok', managedFields: [{ manger: 'x' }] }).length, 1);
  assert.deepEqual(messages({ name: 'ok', generation: -1 }), [
    'metadata/generation schema.metadata: Invalid value: -1: must be greater than or equal to 0',
  ]);
});

test('a missing name says what the API server says; generateName alone is not enough to apply', () => {
  const [missing] = checkObjectMeta({ generateName: 'checkout-' });
  assert.equal(missing!.code, 'schema.required');
  assert.match(missing!.message, /Required value: name or generateName is required/);
  assert.match(missing!.hint ?? '', /generateName only works with kubectl create/);
  assert.match(
    messages({ name: 'x', generateName: 'Bad_' })[0]!,
    /metadata\/generateName .*Invalid value: "Bad_"/,
  );
});

test('annotations may take 256 KiB in total, counted in bytes of keys and values', () => {
  const at = (size: number) => ({ name: 'ok', annotations: { note: 'é'.repeat((size - 4) / 2) } });
  assert.deepEqual(messages(at(ANNOTATIONS_MAX_BYTES)), []);
  assert.deepEqual(messages(at(ANNOTATIONS_MAX_BYTES + 2)), [
    'metadata/annotations schema.annotations: Too long: may not be more than 262144 bytes (keys and values here take 262146)',
  ]);
});

test('a boolean or number where a label value belongs carries the YAML 1.1 hint', () => {
  const [issue] = checkObjectMeta({ name: 'ok', labels: { tier: false } });
  assert.equal(issue!.message, 'expected a string, found the boolean false');
  assert.match(issue!.hint ?? '', /unquoted yes, no, on, off, y and n are booleans/);
});
