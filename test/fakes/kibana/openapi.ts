/**
 * Request-body validation of the public Synthetics routes against the published OpenAPI file
 * (`contracts/kibana-synthetics-openapi.yaml`, copied verbatim to `testdata/contracts/`). Only the
 * schemas are used: the file's JSON examples carry upstream syntax errors and are ignored.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/** Path of the verbatim copy of the contract. */
export const OPENAPI_PATH = fileURLToPath(
  new URL('../../../testdata/contracts/kibana-synthetics-openapi.yaml', import.meta.url),
);

type Json = Record<string, unknown>;

/** Validators of request bodies by `METHOD /path/template` of the OpenAPI file. */
export class OpenApiBodyValidator {
  readonly #validators = new Map<string, ValidateFunction>();
  readonly operations: ReadonlySet<string>;

  constructor(path: string = OPENAPI_PATH) {
    const doc = parse(readFileSync(path, 'utf8')) as Json;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const ops = new Set<string>();
    const paths = (doc['paths'] ?? {}) as Record<string, Record<string, Json>>;
    for (const [template, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${template}`;
        ops.add(key);
        const schema = ((op['requestBody'] as Json | undefined)?.['content'] as Json | undefined)?.[
          'application/json'
        ] as Json | undefined;
        if (schema?.['schema'] === undefined) continue;
        // Partial update: the operation says "You can also partially update a monitor", which its
        // schema's `required` lists contradict; Kibana merges with the stored monitor first.
        const partial = key === 'PUT /api/synthetics/monitors/{id}';
        const components = partial ? withoutRequired(doc['components']) : doc['components'];
        const root = { components, ...(schema['schema'] as Json) };
        this.#validators.set(key, ajv.compile(stripDiscriminator(root) as Json));
      }
    }
    this.operations = ops;
  }

  /** Returns the problems of `body` for operation `key`, empty when valid or not described. */
  validate(key: string, body: unknown): string[] {
    const validate = this.#validators.get(key);
    if (validate === undefined || validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  }
}

// Ajv's `discriminator` needs the property at the top level of each `oneOf` branch; these
// branches use `allOf`, so the plain `oneOf` (type enums are disjoint) is what validates.
function stripDiscriminator(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripDiscriminator);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'discriminator') out[k] = stripDiscriminator(v);
  return out;
}

function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'required') out[k] = withoutRequired(v);
  return out;
}
