/**
 * What the API server does with a custom resource body against its CRD's structural schema
 * (kubernetes.md §7): prune unknown fields (unless `x-kubernetes-preserve-unknown-fields`),
 * apply `default`s, validate with the OpenAPI schema (Ajv), then evaluate the CEL
 * `x-kubernetes-validations` with synthctl's evaluator (`src/model/cel.ts`).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { CelRuleSet } from '../../../src/model/cel.js';
import { formatPath } from '../../../src/model/diagnostics.js';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One field error, as in a `Status` `details.causes` entry. */
export interface FieldCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

/** A compiled CRD version schema. */
export class CrdSchema {
  readonly #schema: Node;
  readonly #validate: ValidateFunction;
  readonly #rules: CelRuleSet;

  constructor(openAPIV3Schema: Node) {
    this.#schema = openAPIV3Schema;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    formatsModule.default(ajv);
    ajv.addFormat('int64', true);
    ajv.addFormat('int32', true);
    this.#validate = ajv.compile(structuredClone(openAPIV3Schema));
    this.#rules = new CelRuleSet(openAPIV3Schema as unknown as TSchema);
  }

  /** Removes fields the schema does not declare; returns their paths (for fieldValidation). */
  prune(object: Node): string[] {
    const pruned: string[] = [];
    // apiVersion, kind and metadata are the server's; the schema never prunes them.
    const properties = isNode(this.#schema['properties']) ? this.#schema['properties'] : {};
    for (const key of Object.keys(object)) {
      if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
      const child = properties[key];
      if (!isNode(child)) {
        Reflect.deleteProperty(object, key);
        pruned.push(key);
      } else pruneNode(child, object[key], [key], pruned);
    }
    return pruned;
  }

  /** Fills in `default`s where a field is absent (after pruning, as the server does). */
  applyDefaults(object: Node): void {
    defaultNode(this.#schema, object, true);
  }

  /** Schema and CEL errors of a pruned, defaulted object; empty when valid. */
  validate(object: Node): FieldCause[] {
    const causes: FieldCause[] = [];
    if (!this.#validate(object)) for (const e of this.#validate.errors ?? []) causes.push(causeOf(e, object));
    if (causes.length > 0) return dedupe(causes);
    for (const violation of this.#rules.evaluate(object)) {
      const field = formatPath(violation.path);
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: "object": ${violation.error === undefined ? violation.message : `${violation.message} (${violation.error})`}`,
      });
    }
    return causes;
  }
}

function pruneNode(schema: Node, value: unknown, path: (string | number)[], pruned: string[]): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && !isNode(schema['properties'])) return;
  if (Array.isArray(value)) {
    if (isNode(schema['items']))
      value.forEach((item, i) => {
        pruneNode(schema['items'] as Node, item, [...path, i], pruned);
      });
    return;
  }
  if (!isNode(value)) return;
  const properties = isNode(schema['properties']) ? schema['properties'] : undefined;
  const additional = isNode(schema['additionalProperties']) ? schema['additionalProperties'] : undefined;
  for (const key of Object.keys(value)) {
    const child = properties?.[key] ?? additional;
    if (isNode(child)) pruneNode(child, value[key], [...path, key], pruned);
    else if (
      schema['x-kubernetes-preserve-unknown-fields'] !== true &&
      schema['additionalProperties'] !== true
    ) {
      Reflect.deleteProperty(value, key);
      pruned.push(formatPath([...path, key]));
    }
  }
}

function defaultNode(schema: Node, value: unknown, isRoot: boolean): void {
  if (Array.isArray(value)) {
    if (isNode(schema['items'])) for (const item of value) defaultNode(schema['items'], item, false);
    return;
  }
  if (!isNode(value)) return;
  const properties = isNode(schema['properties']) ? schema['properties'] : {};
  for (const [key, child] of Object.entries(properties)) {
    if (!isNode(child) || (isRoot && key === 'metadata')) continue;
    if (value[key] === undefined && child['default'] !== undefined)
      value[key] = structuredClone(child['default']);
    if (value[key] !== undefined) defaultNode(child, value[key], false);
  }
  if (isNode(schema['additionalProperties']))
    for (const [key, child] of Object.entries(value))
      if (!Object.hasOwn(properties, key)) defaultNode(schema['additionalProperties'], child, false);
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (isNode(value)) return '"object"';
  if (Array.isArray(value)) return '"array"';
  return JSON.stringify(value) ?? 'null';
}

/** Ajv errors in the API server's words (`k8s.io/kube-openapi/pkg/validation` messages). */
function causeOf(error: ErrorObject, root: unknown): FieldCause {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value = valueAt(root, path);
  const field = formatPath(path);
  switch (error.keyword) {
    case 'required':
      return {
        reason: 'FieldValueRequired',
        field: formatPath([...path, String(params['missingProperty'])]),
        message: 'Required value',
      };
    case 'enum':
      return {
        reason: 'FieldValueNotSupported',
        field,
        message: `Unsupported value: ${show(value)}: supported values: ${((params['allowedValues'] as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'type':
      return {
        reason: 'FieldValueTypeInvalid',
        field,
        message: `Invalid value: ${show(value)}: ${field} in body must be of type ${String(params['type'])}: ${show(typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'array' : 'object') : typeof value)}`,
      };
    case 'pattern':
      return {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${show(value)}: ${field} in body should match '${String(params['pattern'])}'`,
      };
    case 'maxLength':
      return {
        reason: 'FieldValueTooLong',
        field,
        message: `Too long: may not be more than ${String(params['limit'])} bytes`,
      };
    case 'maxItems':
      return {
        reason: 'FieldValueTooMany',
        field,
        message: `Too many: must have at most ${String(params['limit'])} items`,
      };
    case 'minLength':
      return {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${show(value)}: ${field} in body should be at least ${String(params['limit'])} chars long`,
      };
    default:
      return {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${show(value)}: ${field} in body ${error.message ?? 'is invalid'}`,
      };
  }
}

function dedupe(causes: FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = `${c.field}\u0000${c.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
