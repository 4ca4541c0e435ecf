/**
 * Uniqueness of `x-kubernetes-list-type: map` and `set` lists, which the API server enforces
 * as part of schema validation ("Duplicate value") and JSON Schema cannot express by key.
 */
import type { SchemaIssue } from './schema-validator.js';

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every duplicate entry of a map- or set-typed list in `value`, located at the later entry. */
export function checkListTypes(schema: unknown, value: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  visit(schema, value, [], out, 0);
  return out;
}

function visit(
  schema: unknown,
  value: unknown,
  path: (string | number)[],
  out: SchemaIssue[],
  depth: number,
): void {
  if (!isNode(schema) || depth > 64) return;
  if (Array.isArray(value)) {
    checkList(schema, value, path, out);
    value.forEach((item, i) => {
      visit(schema.items, item, [...path, i], out, depth + 1);
    });
    return;
  }
  if (!isNode(value)) return;
  const properties = isNode(schema.properties) ? schema.properties : {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = Object.hasOwn(properties, key) ? properties[key] : schema.additionalProperties;
    visit(childSchema, child, [...path, key], out, depth + 1);
  }
}

function checkList(schema: Node, list: unknown[], path: (string | number)[], out: SchemaIssue[]): void {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'map' && type !== 'set') return;
  const keys = Array.isArray(schema['x-kubernetes-list-map-keys'])
    ? (schema['x-kubernetes-list-map-keys'] as unknown[]).map(String)
    : [];
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    let identity: string;
    if (type === 'map') {
      if (!isNode(item) || keys.some((k) => item[k] === undefined)) return;
      identity = JSON.stringify(keys.map((k) => item[k]));
    } else {
      if (isNode(item) || Array.isArray(item)) return;
      identity = JSON.stringify(item);
    }
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, i);
      return;
    }
    const what =
      type === 'map'
        ? keys.map((k) => `${k} ${JSON.stringify((item as Node)[k])}`).join(', ')
        : JSON.stringify(item);
    out.push({
      path: type === 'map' ? [...path, i, keys[0]!] : [...path, i],
      target: 'value',
      code: 'schema.list-type',
      message: `duplicate entry with ${what} (first at index ${first}); ${
        type === 'map'
          ? `entries of this list are keyed by ${keys.join(', ')}`
          : 'the values of this list must be unique'
      }`,
      isTypeError: false,
    });
  });
}
