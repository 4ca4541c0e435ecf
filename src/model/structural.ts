/**
 * An offline check that a CRD `openAPIV3Schema` is structural and passes the API server's
 * other schema rules (kubernetes.md §8, apiextensions-apiserver `validation.go` and
 * `schema/validation.go`), so a bad schema fails a unit test instead of `kubectl apply`.
 */

/** One broken rule, with the JSON path of the offending schema node. */
export interface StructuralViolation {
  /** Schema path, e.g. `properties.spec.properties.http.items`. */
  readonly path: string;
  /** A stable rule id, e.g. `type-missing`. */
  readonly rule: string;
  readonly message: string;
}

/** The fields of `JSONSchemaProps`; anything else is an unknown field to the API server. */
const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'id',
  '$schema',
  '$ref',
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'patternProperties',
  'dependencies',
  'additionalItems',
  'definitions',
  'externalDocs',
  'example',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/** Keys the API server refuses in CRD schemas although `JSONSchemaProps` has them. */
const FORBIDDEN_KEYS = [
  '$ref',
  'id',
  '$schema',
  'definitions',
  'dependencies',
  'patternProperties',
  'additionalItems',
];

/** Keys that may not appear inside allOf/anyOf/oneOf/not (structural rule 3). */
const JUNCTOR_FORBIDDEN = ['description', 'type', 'default', 'additionalProperties', 'nullable'];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'];
const REASONS = ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'];

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** The int-or-string junctor exactly as `schema/structural.go` `intOrStringAnyOf` accepts it. */
function isIntOrStringAnyOf(value: unknown): boolean {
  return JSON.stringify(value) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
}

/** Collects the property names and whether `items` is mentioned anywhere in a junctor subtree. */
function mentioned(node: unknown, out: { properties: Set<string>; items: boolean }): void {
  if (Array.isArray(node)) for (const n of node) mentioned(n, out);
  if (!isNode(node)) return;
  if (isNode(node['properties'])) for (const key of Object.keys(node['properties'])) out.properties.add(key);
  if (node['items'] !== undefined) out.items = true;
  for (const j of JUNCTORS) if (node[j] !== undefined) mentioned(node[j], out);
}

/** Walks a junctor subtree for keywords forbidden inside junctors (rule 3). */
function checkJunctor(node: unknown, path: string, out: StructuralViolation[]): void {
  if (Array.isArray(node))
    node.forEach((n, i) => {
      checkJunctor(n, `${path}[${i}]`, out);
    });
  if (!isNode(node)) return;
  for (const key of JUNCTOR_FORBIDDEN) {
    if (key in node)
      out.push({
        path,
        rule: 'junctor-keyword',
        message: `${key} must not be set inside allOf/anyOf/oneOf/not`,
      });
  }
  for (const [key, child] of Object.entries(isNode(node['properties']) ? node['properties'] : {})) {
    checkJunctor(child, join(path, `properties.${key}`), out);
  }
  if (node['items'] !== undefined) checkJunctor(node['items'], join(path, 'items'), out);
  for (const j of JUNCTORS) if (node[j] !== undefined) checkJunctor(node[j], join(path, j), out);
}

/** Bounds a CEL rule relies on for its cost estimate: strings, lists and maps it reads need a maximum. */
function isBounded(node: Node): boolean {
  switch (node['type']) {
    case 'string':
      return 'maxLength' in node || 'enum' in node;
    case 'array':
      return 'maxItems' in node;
    case 'object':
      return 'properties' in node || 'maxProperties' in node;
    default:
      return true;
  }
}

/** Checks one CEL rule list: shape, and that what the rule reads beyond `has()` is bounded. */
function checkRules(node: Node, path: string, out: StructuralViolation[]): void {
  const rules = node['x-kubernetes-validations'];
  if (rules === undefined) return;
  if (!Array.isArray(rules)) {
    out.push({ path, rule: 'cel-shape', message: 'x-kubernetes-validations must be a list' });
    return;
  }
  const properties = isNode(node['properties']) ? node['properties'] : {};
  rules.forEach((rule: unknown, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    if (!isNode(rule) || typeof rule['rule'] !== 'string' || rule['rule'].trim() === '') {
      out.push({ path: at, rule: 'cel-shape', message: 'a validation needs a non-empty rule' });
      return;
    }
    const message = rule['message'];
    if (
      message !== undefined &&
      (typeof message !== 'string' || message.trim() === '' || /[\r\n]/.test(message))
    ) {
      out.push({ path: at, rule: 'cel-shape', message: 'message must be a non-empty single line' });
    }
    if (rule['reason'] !== undefined && !REASONS.includes(rule['reason'] as string)) {
      out.push({ path: at, rule: 'cel-shape', message: `reason must be one of ${REASONS.join(', ')}` });
    }
    // The API server compiles rules against the declared fields: `self.typo` fails the CRD.
    if (
      isNode(node['properties']) &&
      node['additionalProperties'] === undefined &&
      node['x-kubernetes-preserve-unknown-fields'] !== true
    ) {
      for (const [, field] of rule['rule'].matchAll(/\bself\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        if (!(field! in properties))
          out.push({
            path: at,
            rule: 'cel-undefined-field',
            message: `the rule reads self.${field!}, which is not a declared property`,
          });
      }
    }
    // `has(self.x)` costs the same whatever x holds; any other read of x is charged by its size.
    const reads = rule['rule'].replace(/has\(self\.[A-Za-z_][A-Za-z0-9_]*\)/g, '');
    for (const [, field] of reads.matchAll(/\bself\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const child = properties[field!];
      if (isNode(child) && !isBounded(child)) {
        out.push({
          path: at,
          rule: 'cel-unbounded',
          message: `the rule reads ${field!}, which has no maxLength/maxItems/maxProperties`,
        });
      }
    }
    if (/\bself\b(?!\.)/.test(reads.replace(/\bself\.[A-Za-z_]\w*/g, '')) && !isBounded(node)) {
      out.push({
        path: at,
        rule: 'cel-unbounded',
        message: 'the rule reads self, which has no maxLength/maxItems/maxProperties',
      });
    }
  });
}

function walk(node: unknown, path: string, isRoot: boolean, out: StructuralViolation[]): void {
  if (!isNode(node)) {
    out.push({ path, rule: 'not-a-schema', message: 'a schema node must be an object' });
    return;
  }
  for (const key of Object.keys(node)) {
    if (!KNOWN_KEYS.has(key))
      out.push({ path, rule: 'unknown-keyword', message: `${key} is not a field of JSONSchemaProps` });
  }
  for (const key of FORBIDDEN_KEYS) {
    if (key in node)
      out.push({ path, rule: 'forbidden-keyword', message: `${key} is not allowed in CRD schemas` });
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node['type'] !== 'string' || node['type'] === '') {
    if (!intOrString && !preserve)
      out.push({ path, rule: 'type-missing', message: 'type must be set (structural rule 1)' });
  } else if (intOrString) {
    out.push({ path, rule: 'int-or-string', message: 'type must be empty with x-kubernetes-int-or-string' });
  }
  if (node['uniqueItems'] === true) {
    out.push({
      path,
      rule: 'unique-items',
      message: 'uniqueItems is quadratic and forbidden; use x-kubernetes-list-type: set',
    });
  }
  const additional = node['additionalProperties'];
  if (additional === false) {
    out.push({
      path,
      rule: 'additional-properties-false',
      message: 'additionalProperties: false is forbidden; unknown fields are pruned',
    });
  }
  if (additional !== undefined && node['properties'] !== undefined) {
    out.push({
      path,
      rule: 'properties-and-additional',
      message: 'properties and additionalProperties are mutually exclusive',
    });
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    const keys = node['x-kubernetes-list-map-keys'];
    const item = isNode(node['items']) ? node['items'] : {};
    const required = Array.isArray(item['required']) ? (item['required'] as unknown[]) : [];
    const props = isNode(item['properties']) ? item['properties'] : {};
    if (!Array.isArray(keys) || keys.length === 0) {
      out.push({
        path,
        rule: 'list-map-keys',
        message: 'x-kubernetes-list-type: map needs x-kubernetes-list-map-keys',
      });
    } else {
      for (const key of keys as unknown[]) {
        const prop = props[String(key)];
        if (!isNode(prop) || (!required.includes(key) && !('default' in prop))) {
          out.push({
            path,
            rule: 'list-map-keys',
            message: `map key ${String(key)} must be a required property of the items (or have a default)`,
          });
        }
      }
    }
  }
  if (
    node['x-kubernetes-list-type'] === 'set' &&
    isNode(node['items']) &&
    ['object', 'array'].includes(String(node['items']['type']))
  ) {
    out.push({ path, rule: 'list-type-set', message: 'x-kubernetes-list-type: set needs scalar items' });
  }
  if (intOrString && node['anyOf'] !== undefined && !isIntOrStringAnyOf(node['anyOf'])) {
    out.push({
      path: join(path, 'anyOf'),
      rule: 'int-or-string',
      message: 'int-or-string takes exactly anyOf: [{type: integer}, {type: string}]',
    });
  }
  const outside = {
    properties: new Set(Object.keys(isNode(node['properties']) ? node['properties'] : {})),
    items: node['items'] !== undefined,
  };
  for (const j of JUNCTORS) {
    if (node[j] === undefined || (j === 'anyOf' && intOrString && isIntOrStringAnyOf(node[j]))) continue;
    checkJunctor(node[j], join(path, j), out);
    const inside = { properties: new Set<string>(), items: false };
    mentioned(node[j], inside);
    for (const key of inside.properties) {
      if (!outside.properties.has(key))
        out.push({
          path: join(path, j),
          rule: 'junctor-unspecified',
          message: `property ${key} is used in ${j} but not specified outside it (structural rule 2)`,
        });
    }
    if (inside.items && !outside.items)
      out.push({
        path: join(path, j),
        rule: 'junctor-unspecified',
        message: `items is used in ${j} but not specified outside it (structural rule 2)`,
      });
  }
  checkRules(node, path, out);
  const properties = isNode(node['properties']) ? node['properties'] : {};
  for (const [key, child] of Object.entries(properties)) {
    const at = join(path, `properties.${key}`);
    if (isRoot && key === 'metadata') checkMetadata(child, at, out);
    else walk(child, at, false, out);
  }
  if (isNode(additional)) walk(additional, join(path, 'additionalProperties'), false, out);
  if (node['items'] !== undefined) walk(node['items'], join(path, 'items'), false, out);
}

/** Structural rule 4: under metadata only name and generateName may be constrained. */
function checkMetadata(node: unknown, path: string, out: StructuralViolation[]): void {
  if (!isNode(node) || node['type'] !== 'object') {
    out.push({ path, rule: 'metadata', message: 'metadata must be type: object' });
    return;
  }
  for (const key of Object.keys(node)) {
    if (!['type', 'description', 'properties'].includes(key))
      out.push({ path, rule: 'metadata', message: `metadata may not set ${key}` });
  }
  for (const [key, child] of Object.entries(isNode(node['properties']) ? node['properties'] : {})) {
    if (key !== 'name' && key !== 'generateName')
      out.push({
        path: join(path, `properties.${key}`),
        rule: 'metadata',
        message: 'only name and generateName may be constrained under metadata',
      });
    else walk(child, join(path, `properties.${key}`), false, out);
  }
}

/** Returns every structural or API-server rule the `openAPIV3Schema` breaks; empty when it is fine. */
export function checkStructural(openAPIV3Schema: unknown): StructuralViolation[] {
  const out: StructuralViolation[] = [];
  walk(openAPIV3Schema, '', true, out);
  if (isNode(openAPIV3Schema) && openAPIV3Schema['type'] !== 'object') {
    out.push({ path: '', rule: 'root-type', message: 'the root must be type: object' });
  }
  return out;
}
