import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStructural } from './structural.js';
import { buildCrds } from './crd.js';

/** A minimal valid root around one `spec` schema, so each case breaks exactly one rule. */
const root = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec,
  },
  ...extra,
});

const rulesBroken = (schema: unknown): string[] =>
  [...new Set(checkStructural(schema).map((v) => v.rule))].sort();

test('our CRDs are structural and break no API-server rule', () => {
  for (const crd of buildCrds()) {
    assert.deepEqual(checkStructural(crd.spec.versions[0]!.schema.openAPIV3Schema), [], crd.metadata.name);
  }
});

test('a minimal schema is fine', () => {
  assert.deepEqual(checkStructural(root({ type: 'object', properties: { a: { type: 'string' } } })), []);
});

const cases: [string, unknown, string][] = [
  ['type-missing', root({ properties: { a: { type: 'string' } } }), 'type is missing on spec'],
  ['type-missing', root({ type: 'array', items: { description: 'no type' } }), 'type is missing on items'],
  [
    'type-missing',
    root({ type: 'object', additionalProperties: { maxLength: 3 } }),
    'type is missing on a map value',
  ],
  [
    'junctor-unspecified',
    root({
      type: 'object',
      properties: { a: { type: 'string' } },
      anyOf: [{ required: ['a'] }, { properties: { b: { minLength: 1 } } }],
    }),
    'rule 2: b is only mentioned inside anyOf',
  ],
  [
    'junctor-keyword',
    root({ type: 'object', oneOf: [{ description: 'x' }] }),
    'rule 3: description in a junctor',
  ],
  ['junctor-keyword', root({ type: 'object', allOf: [{ type: 'object' }] }), 'rule 3: type in a junctor'],
  [
    'metadata',
    {
      ...root({ type: 'object' }),
      properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
    },
    'rule 4: labels constrained',
  ],
  [
    'metadata',
    {
      ...root({ type: 'object' }),
      properties: { metadata: { type: 'object', additionalProperties: { type: 'string' } } },
    },
    'rule 4: additionalProperties',
  ],
  ['unique-items', root({ type: 'array', uniqueItems: true, items: { type: 'string' } }), 'uniqueItems'],
  [
    'properties-and-additional',
    root({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }),
    'properties with additionalProperties',
  ],
  [
    'additional-properties-false',
    root({ type: 'object', additionalProperties: false }),
    'additionalProperties: false',
  ],
  ['forbidden-keyword', root({ type: 'object', properties: { a: { $ref: '#/definitions/a' } } }), '$ref'],
  [
    'unknown-keyword',
    root({ type: 'object', properties: { a: { type: 'string', const: 'x' } } }),
    'const is not in JSONSchemaProps',
  ],
  [
    'int-or-string',
    root({
      type: 'object',
      properties: {
        port: {
          'x-kubernetes-int-or-string': true,
          anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 5 }],
        },
      },
    }),
    'a constraint inside the int-or-string anyOf',
  ],
  [
    'list-map-keys',
    root({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', properties: { name: { type: 'string' } } },
    }),
    'a map key that is not required',
  ],
  [
    'list-type-set',
    root({
      type: 'array',
      'x-kubernetes-list-type': 'set',
      items: { type: 'object', properties: { a: { type: 'string' } } },
    }),
    'a set of objects',
  ],
  [
    'cel-unbounded',
    root({
      type: 'object',
      properties: { url: { type: 'string' } },
      'x-kubernetes-validations': [{ rule: 'self.url.startsWith("https://")', message: 'https only' }],
    }),
    'a rule reading an unbounded string',
  ],
  [
    'cel-shape',
    root({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true', message: 'two\nlines' }] }),
    'a multi-line message',
  ],
  [
    'cel-undefined-field',
    root({
      type: 'object',
      properties: { http: { type: 'object' } },
      'x-kubernetes-validations': [{ rule: 'has(self.htpp)', message: 'typo' }],
    }),
    'a rule reading an undeclared field',
  ],
  [
    'root-type',
    { ...root({ type: 'object' }), type: 'array', items: { type: 'string' } },
    'the root is not an object',
  ],
];

for (const [rule, schema, what] of cases) {
  test(`catches ${rule}: ${what}`, () => {
    assert.ok(
      rulesBroken(schema).includes(rule),
      `expected ${rule}, got ${JSON.stringify(checkStructural(schema))}`,
    );
  });
}

test('has() alone does not need bounds, and int-or-string in its exact form is fine', () => {
  const schema = root({
    type: 'object',
    properties: {
      json: { 'x-kubernetes-preserve-unknown-fields': true },
      url: { type: 'string' },
      port: {
        'x-kubernetes-int-or-string': true,
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        maxLength: 5,
      },
    },
    'x-kubernetes-validations': [{ rule: 'has(self.json) != has(self.url)', message: 'one of json or url' }],
  });
  assert.deepEqual(checkStructural(schema), []);
});

test('violations carry the path of the offending node', () => {
  const violations = checkStructural(
    root({ type: 'object', properties: { http: { type: 'object', properties: { url: {} } } } }),
  );
  assert.deepEqual(
    violations.map((v) => v.path),
    ['properties.spec.properties.http.properties.url'],
  );
});
