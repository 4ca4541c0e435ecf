/**
 * docs/reference.md: the resource reference, rendered from the schema so it cannot drift from
 * what `synthctl validate` and the API server enforce. Every field is listed with its type,
 * default, constraints and description, and every CEL rule with its node.
 */
import { API_VERSION } from './schema.js';
import { CATEGORIES, RESOURCES, type ResourceDefinition } from './crd.js';
import { listRules } from './cel.js';

type Node = Record<string, unknown>;

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue: string;
  readonly constraints: string;
  readonly description: string;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Escapes a table cell: pipes end cells (also inside code spans, per GFM) and rows are one line. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
/** A code span whose fence is longer than any backtick run inside (CommonMark). */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A node is a scalar when it has nothing below it worth a row of its own. */
function isScalar(node: Node): boolean {
  return !isNode(node['properties']) && !isNode(node['items']) && !isNode(node['additionalProperties']);
}

function typeName(node: Node): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'int or string';
  if (node['type'] === undefined && node['x-kubernetes-preserve-unknown-fields'] === true) return 'any JSON';
  if ('const' in node) return `string (${code(String(node['const']))})`;
  switch (node['type']) {
    case 'array':
      return `[]${isNode(node['items']) ? typeName(node['items']) : 'any'}`;
    case 'object':
      if (isNode(node['additionalProperties'])) return `map[string]${typeName(node['additionalProperties'])}`;
      return node['x-kubernetes-preserve-unknown-fields'] === true ? 'object (free-form)' : 'object';
    default:
      return String(node['type']);
  }
}

function constraintsOf(node: Node, prefix = ''): string[] {
  const out: string[] = [];
  const range = (minimum: unknown, maximum: unknown, unit: string): void => {
    const min = typeof minimum === 'number' ? minimum : undefined;
    const max = typeof maximum === 'number' ? maximum : undefined;
    if (min !== undefined && max !== undefined) out.push(`${prefix}${min}–${max} ${unit}`);
    else if (min !== undefined) out.push(`${prefix}at least ${min} ${unit}`);
    else if (max !== undefined) out.push(`${prefix}at most ${max} ${unit}`);
  };
  if (Array.isArray(node['enum']))
    out.push(`${prefix}one of ${node['enum'].map((v) => code(String(v))).join(', ')}`);
  range(node['minLength'], node['maxLength'], 'characters');
  if (typeof node['pattern'] === 'string') out.push(`${prefix}pattern ${code(node['pattern'])}`);
  if (typeof node['format'] === 'string') out.push(`${prefix}format ${node['format']}`);
  range(node['minimum'], node['maximum'], node['type'] === 'integer' ? '(integer)' : '');
  range(node['minItems'], node['maxItems'], 'items');
  range(node['minProperties'], node['maxProperties'], 'entries');
  if (node['x-kubernetes-list-type'] === 'set') out.push(`${prefix}unique items (set)`);
  if (node['x-kubernetes-list-type'] === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) {
    out.push(
      `${prefix}unique by ${node['x-kubernetes-list-map-keys'].map((k) => code(String(k))).join(', ')}`,
    );
  }
  if (node['x-kubernetes-int-or-string'] === true && Array.isArray(node['anyOf'])) {
    for (const branch of node['anyOf'])
      if (isNode(branch) && branch['type'] === 'string') out.push(...constraintsOf(branch, 'as string: '));
  }
  if (node['additionalProperties'] === false) out.push(`${prefix}unknown fields rejected`);
  // Scalar list items and map values get no row of their own: their limits are listed here.
  if (isNode(node['items']) && isScalar(node['items']))
    out.push(...constraintsOf(node['items'], `${prefix}each: `));
  if (isNode(node['additionalProperties']) && isScalar(node['additionalProperties'])) {
    out.push(...constraintsOf(node['additionalProperties'], `${prefix}each value: `));
  }
  return out.map((c) => c.trimEnd());
}

function describe(node: Node): string {
  const description = typeof node['description'] === 'string' ? node['description'] : '';
  const rules = Array.isArray(node['x-kubernetes-validations'])
    ? (node['x-kubernetes-validations'] as unknown[])
    : [];
  const ruleText = rules
    .filter(isNode)
    .map((r) => `Rule: ${String(r['message'])} (${code(String(r['rule']))}).`);
  return [description, ...ruleText].filter((s) => s !== '').join(' ');
}

function collectRows(node: Node, path: string, required: boolean, out: Row[]): void {
  if (path !== '') {
    out.push({
      path,
      type: typeName(node),
      required,
      defaultValue: node['default'] === undefined ? '' : code(JSON.stringify(node['default'])),
      constraints: constraintsOf(node).join('; '),
      description: describe(node),
    });
  }
  if (isNode(node['properties'])) {
    const requiredNames = Array.isArray(node['required']) ? (node['required'] as unknown[]) : [];
    for (const [key, child] of Object.entries(node['properties'])) {
      if (isNode(child))
        collectRows(child, path === '' ? key : `${path}.${key}`, requiredNames.includes(key), out);
    }
  }
  if (isNode(node['items']) && !isScalar(node['items'])) collectRows(node['items'], `${path}[]`, false, out);
  const additional = node['additionalProperties'];
  if (isNode(additional) && !isScalar(additional)) collectRows(additional, `${path}.<key>`, false, out);
}

function renderResource(resource: ResourceDefinition): string {
  const schema = resource.schema as unknown as Node;
  const rows: Row[] = [];
  collectRows(schema, '', true, rows);
  const lines = [
    `## ${resource.kind}`,
    '',
    typeof schema['description'] === 'string' ? schema['description'] : '',
    '',
    `- apiVersion ${code(API_VERSION)}, kind ${code(resource.kind)}, namespaced`,
    `- Plural ${code(resource.plural)}, short names ${resource.shortNames.map(code).join(', ')}, categories ${CATEGORIES.map(code).join(', ')}`,
    `- ${code('kubectl get')} columns: ${resource.columns.map((c) => `${c.name}${c.priority === undefined ? '' : ' (wide)'} ${code(c.jsonPath)}`).join(', ')}`,
    '',
    `### ${resource.kind} fields`,
    '',
    '| Field | Type | Required | Default | Constraints | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${code(r.path)} | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.defaultValue)} | ${cell(r.constraints)} | ${cell(r.description)} |`,
    ),
    '',
    `### ${resource.kind} validation rules`,
    '',
    'CEL rules (`x-kubernetes-validations`), enforced by the API server and by `synthctl validate` alike.',
    '',
    '| Field | Message | Rule |',
    '| --- | --- | --- |',
    ...listRules(resource.schema).map(
      (r) => `| ${code(r.path)} | ${cell(r.message)} | ${cell(code(r.rule))} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** Renders docs/reference.md. */
export function renderReference(): string {
  return [
    '# Resource reference',
    '',
    '<!-- Generated by `npm run generate` from src/model/schema.ts. Do not edit by hand. -->',
    '',
    `synthctl's resources live in the API group ${code(API_VERSION.split('/')[0]!)}, version ${code(API_VERSION.split('/')[1]!)}.`,
    'Paths use `[]` for the items of a list and `<key>` for the values of a map. Unknown fields are',
    'errors in `synthctl validate` (like `kubectl --validate=strict`) and are pruned by the API server.',
    'The CRDs are in `deploy/crds/` (`synthctl crd` prints them); editor schemas are in `schema/`.',
    '',
    ...RESOURCES.map(renderResource),
  ].join('\n');
}
