import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import formatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { CustomResourceDefinition as CrdModel } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import {
  RESOURCES,
  buildCrds,
  renderCrdFiles,
  renderCrdYaml,
  toCrdSchema,
  type JsonSchemaProps,
} from './crd.js';
import { CelRuleSet, listRules } from './cel.js';
import { KINDS, SyntheticMonitor } from './schema.js';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every schema node of a CRD schema, with its path. */
function nodes(schema: unknown, path = ''): [string, Node][] {
  if (!isNode(schema)) return [];
  const out: [string, Node][] = [[path, schema]];
  for (const [key, child] of Object.entries(isNode(schema['properties']) ? schema['properties'] : {})) {
    out.push(...nodes(child, `${path}.${key}`));
  }
  if (isNode(schema['items'])) out.push(...nodes(schema['items'], `${path}[]`));
  if (isNode(schema['additionalProperties'])) out.push(...nodes(schema['additionalProperties'], `${path}{}`));
  for (const j of ['anyOf', 'allOf', 'oneOf']) {
    if (Array.isArray(schema[j]))
      (schema[j] as unknown[]).forEach((b, i) => out.push(...nodes(b, `${path}.${j}[${i}]`)));
  }
  return out;
}

const schemaOf = (kind: string): JsonSchemaProps => {
  const crd = buildCrds().find((c) => c.spec.names.kind === kind)!;
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
};

test('one CRD per kind with the names, scope, short names and categories users type', () => {
  const crds = buildCrds();
  assert.deepEqual(
    crds.map((c) => [
      c.metadata.name,
      c.spec.names.kind,
      c.spec.names.shortNames,
      c.spec.names.categories,
      c.spec.scope,
    ]),
    [
      ['syntheticmonitors.synthctl.dev', 'SyntheticMonitor', ['sm'], ['synthctl'], 'Namespaced'],
      ['syntheticsprojects.synthctl.dev', 'SyntheticsProject', ['sproj'], ['synthctl'], 'Namespaced'],
    ],
  );
  for (const crd of crds) {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.spec.group, 'synthctl.dev');
    assert.equal(crd.spec.names.listKind, `${crd.spec.names.kind}List`);
    assert.equal(crd.spec.versions.length, 1);
    const version = crd.spec.versions[0]!;
    assert.deepEqual([version.name, version.served, version.storage], ['v1alpha1', true, true]);
    assert.deepEqual(version.subresources, { status: {} });
  }
});

test('the CRD schemas carry none of what the API server rejects or does not know', () => {
  for (const resource of RESOURCES) {
    for (const [path, node] of nodes(schemaOf(resource.kind))) {
      assert.notEqual(node['additionalProperties'], false, `${path}: additionalProperties: false`);
      for (const key of ['$ref', '$id', 'const', 'uniqueItems', 'kind'])
        assert.ok(!(key in node), `${path}: ${key}`);
      assert.equal(Object.getOwnPropertySymbols(node).length, 0, `${path}: TypeBox symbols`);
      if (typeof node['format'] === 'string')
        assert.ok(['int64', 'date-time'].includes(node['format']), path);
    }
  }
});

test('metadata is left to the API server and only spec is required', () => {
  for (const resource of RESOURCES) {
    const schema = schemaOf(resource.kind);
    const properties = schema['properties'] as Node;
    assert.deepEqual(properties['metadata'], { type: 'object' });
    assert.equal((properties['apiVersion'] as Node)['type'], 'string');
    assert.equal((properties['kind'] as Node)['type'], 'string');
    assert.deepEqual(schema['required'], ['spec']);
  }
});

test('int-or-string nodes use the exact pattern, with string limits moved to the node', () => {
  const status = nodes(schemaOf('SyntheticMonitor')).find(([path]) => path === '.spec.http.checks.status[]');
  assert.ok(status);
  assert.deepEqual(status[1]['anyOf'], [{ type: 'integer' }, { type: 'string' }]);
  assert.equal(status[1]['x-kubernetes-int-or-string'], true);
  assert.equal(status[1]['maxLength'], 64);
  assert.ok(!('type' in status[1]));
});

test('every CEL rule of the schema is in the CRD, unchanged, at the same node', () => {
  for (const resource of RESOURCES) {
    const crdRules = nodes(schemaOf(resource.kind)).flatMap(([path, node]) =>
      ((node['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? []).map(
        (r) => `${path}: ${r.rule}`,
      ),
    );
    const schemaRules = listRules(resource.schema).map(
      (r) => `${r.path === '' ? '' : `.${r.path}`.replace(/\{\}/g, '{}')}: ${r.rule}`,
    );
    assert.deepEqual(crdRules.sort(), schemaRules.sort());
    assert.ok(crdRules.length > 0);
  }
});

test('the CRD schema and the source schema judge a monitor alike (same rules, same typing)', () => {
  const crdRules = new CelRuleSet(schemaOf('SyntheticMonitor') as unknown as TSchema);
  const sourceRules = new CelRuleSet(SyntheticMonitor);
  const bad = {
    spec: {
      http: { url: 'https://a', auth: {}, checks: { status: [200, '2xx'], json: [{ path: '$.a' }] } },
      icmp: { host: 'a', count: 2 },
    },
  };
  assert.equal(sourceRules.evaluate(bad).length, 3);
  assert.deepEqual(crdRules.evaluate(bad), sourceRules.evaluate(bad));
});

test('printer columns point at fields that exist, with matching types', () => {
  for (const resource of RESOURCES) {
    const byPath = new Map(nodes(schemaOf(resource.kind)).map(([path, node]) => [path, node]));
    for (const column of resource.columns) {
      if (column.jsonPath === '.metadata.creationTimestamp') continue;
      // `.status.conditions[?(@.type=="Synced")].status` reads `status` of a condition.
      const path = column.jsonPath.replace(/\[\?\(@\.type=="[A-Za-z]+"\)\]/g, '[]');
      const node = byPath.get(path);
      assert.ok(node, `${resource.kind} column ${column.name}: ${column.jsonPath} is not in the schema`);
      const expected = column.type === 'date' ? 'string' : column.type;
      assert.equal(node['type'], expected, `${resource.kind} column ${column.name}`);
    }
    const names = resource.columns.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('Age') && names.includes('Synced'));
  }
});

test('defaults in the CRD are valid values of their own node (the API server requires it)', () => {
  let count = 0;
  for (const resource of RESOURCES) {
    for (const [path, node] of nodes(schemaOf(resource.kind))) {
      if (!('default' in node)) continue;
      count++;
      const value = node['default'];
      if (Array.isArray(node['enum'])) assert.ok(node['enum'].includes(value), path);
      if (node['type'] === 'boolean') assert.equal(typeof value, 'boolean', path);
      if (node['type'] === 'string') assert.equal(typeof value, 'string', path);
    }
  }
  assert.ok(count > 0);
});

test('kubernetes-models accepts the CRDs as apiextensions.k8s.io/v1 objects', () => {
  for (const crd of buildCrds()) {
    assert.doesNotThrow(() => {
      new CrdModel(crd as unknown as ConstructorParameters<typeof CrdModel>[0]).validate();
    }, crd.metadata.name);
  }
  const broken = structuredClone(buildCrds()[0]!) as unknown as {
    spec: { scope: unknown; versions: { served: unknown }[] };
  };
  broken.spec.versions[0]!.served = 'yes';
  assert.throws(() => {
    new CrdModel(broken as unknown as ConstructorParameters<typeof CrdModel>[0]).validate();
  });
});

test('the YAML is multi-document, parses back to the same objects and lists both CRDs in the kustomization', () => {
  const yaml = renderCrdYaml(buildCrds());
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as unknown);
  assert.deepEqual(docs, JSON.parse(JSON.stringify(buildCrds())));
  const files = renderCrdFiles();
  assert.deepEqual(
    [...files.keys()],
    ['synthetic-monitors.yaml', 'synthetics-projects.yaml', 'kustomization.yaml'],
  );
  assert.match(
    files.get('kustomization.yaml')!,
    /resources:\n {2}- synthetic-monitors.yaml\n {2}- synthetics-projects.yaml\n/,
  );
});

test('toCrdSchema drops closed-object markers and literals, keeps the Kubernetes extensions', () => {
  const converted = toCrdSchema({
    type: 'object',
    additionalProperties: false,
    $id: 'x',
    properties: {
      v: { const: 'synthctl.dev/v1alpha1', type: 'string' },
      tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      n: { type: 'integer', format: 'uint7' },
      m: { type: 'object', additionalProperties: { type: 'string' } },
    },
    'x-kubernetes-validations': [{ rule: 'true', message: 'm' }],
  });
  assert.deepEqual(converted, {
    type: 'object',
    properties: {
      v: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      n: { type: 'integer' },
      m: { type: 'object', additionalProperties: { type: 'string' } },
    },
    'x-kubernetes-validations': [{ rule: 'true', message: 'm' }],
  });
  assert.deepEqual(
    Object.keys(KINDS),
    RESOURCES.map((r) => r.kind),
  );
});

/** The API server's OpenAPI validation, approximated with Ajv: Kubernetes extensions are annotations. */
function crdValidator(kind: string) {
  // strictTypes off: on an int-or-string node `maxLength` applies to strings only, as in the API server.
  const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true });
  formatsModule.default(ajv);
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-validations',
  ]) {
    ajv.addKeyword(keyword);
  }
  return ajv.compile(schemaOf(kind));
}

test('the CRD schemas accept the example resources and reject a bad value, as the API server would', () => {
  const validators = {
    SyntheticMonitor: crdValidator('SyntheticMonitor'),
    SyntheticsProject: crdValidator('SyntheticsProject'),
  };
  const dir = join(import.meta.dirname, '../../examples/monitors');
  let count = 0;
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const value = doc.toJS() as { kind?: string } | null;
        if (value?.kind !== 'SyntheticMonitor' && value?.kind !== 'SyntheticsProject') continue;
        const validate = validators[value.kind];
        assert.ok(validate(value), `${file}: ${JSON.stringify(validate.errors)}`);
        count++;
      }
    }
  }
  const monitor = { apiVersion: 'synthctl.dev/v1alpha1', kind: 'SyntheticMonitor', metadata: { name: 'a' } };
  const validate = validators.SyntheticMonitor;
  assert.ok(validate({ ...monitor, spec: { http: { url: 'https://a', checks: { status: [200, '2xx'] } } } }));
  assert.ok(!validate({ ...monitor, spec: { http: { url: 'https://a', method: 'FETCH' } } }));
  assert.ok(
    !validate({ ...monitor, spec: { http: { url: 'https://a', checks: { status: ['x'.repeat(65)] } } } }),
  );
  // Unknown fields are pruned by the API server, not rejected: the CRD schema is open.
  assert.ok(validate({ ...monitor, spec: { http: { url: 'https://a', methd: 'GET' } } }));
  assert.ok(!existsSync(dir) || count > 0);
});
