/**
 * The JSON Schema (draft-07) files under schema/, for editors: yaml-language-server and the
 * VS Code YAML extension read `# yaml-language-server: $schema=...` and complete, hover and
 * flag fields. Closed objects stay closed so a typo is underlined as you type, exactly as
 * `synthctl validate` reports it.
 */
import type { TSchema } from '@sinclair/typebox';

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** Formats draft-07 defines; others (`int64`) would be unknown formats to strict validators. */
const DRAFT_07_FORMATS: ReadonlySet<string> = new Set([
  'date-time',
  'date',
  'time',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keyword values that are schemas (or maps/lists of schemas) and so are converted recursively. */
const SCHEMA_MAPS = new Set(['properties']);
const SCHEMA_VALUES = new Set(['items', 'additionalProperties', 'not']);
const SCHEMA_LISTS = new Set(['anyOf', 'allOf', 'oneOf']);

function convert(node: unknown): unknown {
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // Kubernetes extensions mean nothing to an editor; CEL rules are described in prose.
    if (key.startsWith('x-kubernetes-') || key === '$id') continue;
    if (key === 'format' && !(typeof value === 'string' && DRAFT_07_FORMATS.has(value))) continue;
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convert(child)]));
    } else if (SCHEMA_VALUES.has(key)) {
      out[key] = convert(value);
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map(convert);
    } else {
      out[key] = JSON.parse(JSON.stringify(value)) as unknown;
    }
  }
  return out;
}

/** The editor JSON Schema of one resource kind. */
export function toEditorJsonSchema(schema: TSchema, title: string): Record<string, unknown> {
  const converted = convert(schema) as Record<string, unknown>;
  return { $schema: DRAFT_07, title, ...converted };
}
