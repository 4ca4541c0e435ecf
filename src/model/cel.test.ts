import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Type, type TSchema } from '@sinclair/typebox';
import { CelRuleSet, evaluateRules, listRules, parseFieldPath, type SchemaRule } from './cel.js';
import { KINDS, SyntheticMonitor } from './schema.js';
import { withRules } from './schema-helpers.js';

const FIXTURES = join(import.meta.dirname, '../../testdata/cel');

interface Fixture {
  readonly rule: string;
  readonly accept: unknown[];
  readonly reject: unknown[];
}

/** Fixture files are named after the rule's message, so two different rules cannot share one. */
const ruleId = (message: string): string =>
  message
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const allRules: SchemaRule[] = Object.values(KINDS).flatMap((schema) => listRules(schema));

function loadFixtures(): Map<string, Fixture> {
  const fixtures = new Map<string, Fixture>();
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'))) {
    fixtures.set(
      name.replace(/\.yaml$/, ''),
      parseYaml(readFileSync(join(FIXTURES, name), 'utf8')) as Fixture,
    );
  }
  return fixtures;
}

test('the schema has CEL rules, each with a message', () => {
  assert.ok(allRules.length >= 14, `found ${allRules.length} rules`);
  for (const rule of allRules) assert.ok(rule.message.length > 0, `${rule.path}: ${rule.rule}`);
});

test('rules with the same message are the same rule (the message names the fixture)', () => {
  const byId = new Map<string, string>();
  for (const rule of allRules) {
    const id = ruleId(rule.message);
    const seen = byId.get(id);
    assert.ok(seen === undefined || seen === rule.rule, `"${rule.message}" is used by two different rules`);
    byId.set(id, rule.rule);
  }
});

test('every rule in the schema has accept and reject fixtures, and every fixture a rule', () => {
  const fixtures = loadFixtures();
  const ids = new Set(allRules.map((r) => ruleId(r.message)));
  for (const rule of allRules) {
    const fixture = fixtures.get(ruleId(rule.message));
    assert.ok(
      fixture,
      `no testdata/cel/${ruleId(rule.message)}.yaml for the rule at ${rule.path}: ${rule.rule}`,
    );
    assert.equal(
      fixture.rule,
      rule.rule,
      `testdata/cel/${ruleId(rule.message)}.yaml is for another version of the rule`,
    );
    assert.ok(
      fixture.accept.length > 0 && fixture.reject.length > 0,
      `${ruleId(rule.message)}: accept and reject`,
    );
  }
  for (const id of fixtures.keys())
    assert.ok(ids.has(id), `testdata/cel/${id}.yaml matches no rule in the schema`);
});

test('every rule judges its fixtures correctly at every node that carries it', () => {
  const fixtures = loadFixtures();
  for (const rule of allRules) {
    const fixture = fixtures.get(ruleId(rule.message))!;
    // Each node types values by its own schema, so the same rule is checked at each of them.
    const set = new CelRuleSet(rule.node);
    const judge = (value: unknown): boolean =>
      !set.evaluateRoot(value).some((v) => v.rule === rule.rule && v.error === undefined);
    const errors = (value: unknown) => set.evaluateRoot(value).filter((v) => v.error !== undefined);
    for (const value of fixture.accept) {
      assert.deepEqual(errors(value), [], `${rule.path}: evaluation error on ${JSON.stringify(value)}`);
      assert.ok(judge(value), `${rule.path}: "${rule.message}" should accept ${JSON.stringify(value)}`);
    }
    for (const value of fixture.reject) {
      assert.deepEqual(errors(value), [], `${rule.path}: evaluation error on ${JSON.stringify(value)}`);
      assert.ok(!judge(value), `${rule.path}: "${rule.message}" should reject ${JSON.stringify(value)}`);
    }
  }
});

test('rules use only the standard CEL subset the offline evaluator has', () => {
  const set = new CelRuleSet(SyntheticMonitor);
  for (const rule of allRules) {
    assert.deepEqual(set.unsupportedFunctions(rule.rule), [], `${rule.path}: ${rule.rule}`);
    assert.doesNotMatch(
      rule.rule,
      /\.\?|\boldSelf\b/,
      `${rule.path}: optional fields and transition rules cannot be verified offline`,
    );
  }
  assert.deepEqual(set.unsupportedFunctions('isURL(self.url) && self.x.lowerAscii() == "a"'), ['isURL']);
});

test('rules never see a field the API server would type differently (timestamps, durations, bytes, nullable)', () => {
  // The API server types `format: date-time|date` strings as timestamps, `duration` as durations
  // and `byte` as bytes; cel.ts passes them as strings, which is only equivalent while no rule
  // reaches them.
  const offending: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (['date-time', 'date', 'duration', 'byte'].includes(String(n['format']))) offending.push(path);
    // @bufbuild/cel 0.6.1 treats a map entry holding null as absent (`has` is false), where the
    // API server keeps null in a nullable field.
    if (n['nullable'] === true) offending.push(path);
    for (const [key, child] of Object.entries((n['properties'] as object | undefined) ?? {}))
      walk(child, `${path}.${key}`);
    if (n['items'] !== undefined) walk(n['items'], `${path}[]`);
    if (typeof n['additionalProperties'] === 'object') walk(n['additionalProperties'], `${path}{}`);
  };
  for (const rule of allRules) walk(rule.node, rule.path);
  assert.deepEqual(offending, []);
});

const monitor = (spec: Record<string, unknown>) => ({
  apiVersion: 'synthctl.dev/v1alpha1',
  kind: 'SyntheticMonitor',
  metadata: { name: 'checkout' },
  spec,
});

test('evaluateRules reports each violated rule with the path of its node', () => {
  const violations = evaluateRules(
    SyntheticMonitor,
    monitor({
      http: {
        url: 'https://shop.example.com',
        headers: [
          { name: 'X-Ok', value: 'a' },
          {
            name: 'Authorization',
            value: 'x',
            valueFrom: { env: 'TOKEN', secretKeyRef: { name: 'a', key: 'b' } },
          },
        ],
        checks: { json: [{ path: '$.a', equals: 1 }, { path: '$.a' }] },
      },
      tcp: { host: 'db:5432' },
    }),
  );
  assert.deepEqual(violations.map((v) => [v.path.join('/'), v.message]).sort(), [
    ['spec', 'exactly one of http, tcp, icmp or browser must be set'],
    [
      'spec/http/checks/json/1',
      'a path check needs exactly one of equals, notEquals, contains, matches, lessThan, greaterThan or exists',
    ],
    ['spec/http/headers/1', 'exactly one of value or valueFrom must be set'],
    ['spec/http/headers/1/valueFrom', 'exactly one of secretKeyRef, configMapKeyRef or env must be set'],
  ]);
});

test('evaluateRules accepts a valid monitor and ignores absent nodes', () => {
  assert.deepEqual(evaluateRules(SyntheticMonitor, monitor({ icmp: { host: '10.0.0.1' } })), []);
  assert.deepEqual(
    evaluateRules(
      SyntheticMonitor,
      monitor({
        http: {
          url: 'https://a',
          auth: { bearer: { token: { valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } } } },
        },
        params: [{ name: 'user', value: 'alice' }],
      }),
    ),
    [],
  );
});

test('evaluateRules never throws on odd input and leaves mistyped nodes to the schema validator', () => {
  for (const value of [
    null,
    undefined,
    'text',
    42,
    [],
    [1, 2],
    { spec: 'x' },
    { spec: { http: 5 } },
    { spec: [] },
  ]) {
    assert.doesNotThrow(() => evaluateRules(SyntheticMonitor, value));
  }
  assert.deepEqual(evaluateRules(SyntheticMonitor, { spec: 'x' }), []);
  // An object with odd leaves is still judged: the rule is about which keys are present.
  assert.equal(evaluateRules(SyntheticMonitor, { spec: { http: 5, tcp: 'x' } }).length, 1);
});

test('a rule that fails to evaluate is reported as a violation with its message', () => {
  const schema = withRules(Type.Object({ port: Type.Optional(Type.Integer()) }), [
    { rule: 'self.port > 0', message: 'port must be positive' },
    { rule: 'self.port ==', message: 'broken rule' },
  ]);
  const violations = evaluateRules(schema, {});
  assert.deepEqual(
    violations.map((v) => v.message),
    ['port must be positive', 'broken rule'],
  );
  assert.ok(violations.every((v) => v.error !== undefined));
});

test('values are typed from the schema: integers are int, numbers double, unknown JSON as the API server types it', () => {
  const schema = withRules(
    Type.Object({
      count: Type.Integer(),
      ratio: Type.Number(),
      free: Type.Unsafe<unknown>({ 'x-kubernetes-preserve-unknown-fields': true }),
    }),
    [
      { rule: 'self.count + 1 == 3', message: 'int' },
      { rule: 'self.ratio * 2.0 == 3.0', message: 'double' },
      { rule: 'self.free.n + 1 == 2 && self.free.d > 0.25', message: 'unstructured' },
    ],
  );
  assert.deepEqual(evaluateRules(schema, { count: 2, ratio: 1.5, free: { n: 1, d: 0.5 } }), []);
  // A whole-number double is still a JSON number of type `number`: typed double, not int.
  assert.deepEqual(evaluateRules(schema, { count: 2, ratio: 1.5, free: { n: 1, d: 0.5 } }).length, 0);
});

test('nulls are pruned from non-nullable fields before rules run, as the API server does', () => {
  const schema = withRules(Type.Object({ a: Type.Optional(Type.String()) }), [
    { rule: '!has(self.a)', message: 'a is pruned' },
  ]);
  assert.deepEqual(evaluateRules(schema, { a: null }), []);
});

test('transition rules (oldSelf) are skipped: offline validation is a create', () => {
  const schema = withRules(Type.Object({ id: Type.String() }), [
    { rule: 'self.id == oldSelf.id', message: 'id is immutable' },
  ]);
  assert.deepEqual(evaluateRules(schema, { id: 'a' }), []);
});

test('fieldPath moves the violation to the named field', () => {
  assert.deepEqual(parseFieldPath(".spec.http['x-y'][3].url"), ['spec', 'http', 'x-y', 3, 'url']);
  const schema = withRules(Type.Object({ url: Type.Optional(Type.String()) }), [
    { rule: 'has(self.url)', message: 'url is required', fieldPath: '.url' },
  ]);
  assert.deepEqual(evaluateRules(schema, {})[0]?.path, ['url']);
});

test('listRules gives the field path of every rule node', () => {
  const paths = listRules(SyntheticMonitor).map((r) => r.path);
  assert.ok(paths.includes('spec'));
  assert.ok(paths.includes('spec.http.headers[]'));
  assert.ok(paths.includes('spec.http.auth.basic.password.valueFrom'));
  const schema: TSchema = Type.Object({
    m: Type.Record(Type.String(), withRules(Type.Object({}), [{ rule: 'true', message: 'x' }])),
  });
  assert.ok(listRules(schema).length <= 1);
});
