/**
 * JSON Schema validation of synthctl resources with Ajv 8, and the translation of Ajv's
 * errors into messages that say what was found and what is valid.
 *
 * The validators are Ajv's standalone code, generated ahead of time by `npm run generate` into
 * ./generated/schema-validators.ts (scripts/generate.ts, `renderSchemaValidators`): compiling
 * the schemas at every start cost about 0.45 s of CPU per command.
 * test/generated-fresh.test.ts fails when the module is stale.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as generatedValidators from './generated/schema-validators.js';
import { DURATION_PATTERN, KINDS, type Kind } from './schema.js';
import { suggest } from './did-you-mean.js';
import { apiServerPath } from './diagnostics.js';
import { checkListTypes } from './list-types.js';
import { isSecretPath, redactUrlUserinfo } from './secret-path.js';
import { checkObjectMeta } from './object-meta.js';

/** One schema problem, relative to the resource root. */
export interface SchemaIssue {
  readonly path: (string | number)[];
  /** Point at the field's key (unknown and missing fields) or its value. */
  readonly target: 'key' | 'value';
  /** `schema.<ajv keyword>`, e.g. `schema.required`. */
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  /** True when the node itself has the wrong type, so CEL rules on it cannot be evaluated. */
  readonly isTypeError: boolean;
}

type SchemaNode = Record<string, unknown>;

// Patterns explained in words: a regular expression is not an answer to "what is valid here".
const PATTERN_MEANINGS: ReadonlyMap<string, string> = new Map([
  [DURATION_PATTERN, 'a duration such as 10s, 1m30s, 4h (units ms, s, m, h)'],
  [
    '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    'a DNS subdomain name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  ],
  [
    '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    'a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  ],
  [
    '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
    'a Kubernetes object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  ],
  ['^[-._a-zA-Z0-9]+$', 'letters, digits, "-", "_" and "."'],
  [
    '^[A-Za-z_][A-Za-z0-9_]*$',
    'an environment variable name: letters, digits and "_", not starting with a digit',
  ],
  [
    "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
    "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-, no spaces or colons)",
  ],
  [
    '^[A-Za-z_][A-Za-z0-9_.-]*$',
    'a parameter name: letters, digits, "_", "." and "-", starting with a letter or "_"',
  ],
  [
    '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
    'letters, digits, ".", "_", ":" and "-", starting with a letter or digit',
  ],
  ['^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'letters, digits, ".", "_" and "-", starting with a letter or digit'],
  ['^https?://', 'a URL starting with http:// or https://'],
  ['^[a-z0-9_-]+$', 'lower-case letters, digits, "_" and "-"'],
  ['^[a-z0-9_.]+$', 'lower-case letters, digits, "_" and "." (a data stream namespace)'],
]);

// One export per kind, named after it (scripts/generate.ts); the module is not type-checked.
const VALIDATORS = generatedValidators as unknown as Readonly<Record<Kind, ValidateFunction | undefined>>;

/** Validators for every synthctl kind (generated ahead of time: creating one is cheap). */
export class SchemaValidator {
  readonly #validators: ReadonlyMap<Kind, ValidateFunction>;

  constructor() {
    const validators = new Map<Kind, ValidateFunction>();
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const validate = VALIDATORS[kind];
      if (validate === undefined)
        throw new Error(`no generated schema validator for ${kind}: run npm run generate`);
      validators.set(kind, validate);
    }
    this.#validators = validators;
  }

  /** Validates one resource object against the schema of its kind. */
  validate(kind: Kind, object: unknown): SchemaIssue[] {
    const validate = this.#validators.get(kind);
    if (validate === undefined) return [];
    const issues = validate(object) ? [] : translateErrors(validate.errors ?? [], object);
    const metadata =
      typeof object === 'object' && object !== null ? (object as SchemaNode).metadata : undefined;
    return [...issues, ...checkObjectMeta(metadata), ...checkListTypes(KINDS[kind], object)];
  }
}

/** Turns Ajv errors into issues, collapsing the noise of anyOf branches. */
export function translateErrors(errors: readonly ErrorObject[], root: unknown): SchemaIssue[] {
  const dropped = new Set<ErrorObject>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    const branches = new Map<string, ErrorObject[]>();
    for (const other of errors) {
      if (other === error || !other.schemaPath.startsWith(`${error.schemaPath}/`)) continue;
      if (
        other.instancePath !== error.instancePath &&
        !other.instancePath.startsWith(`${error.instancePath}/`)
      )
        continue;
      const branch = other.schemaPath.slice(error.schemaPath.length + 1).split('/')[0] ?? '';
      branches.set(branch, [...(branches.get(branch) ?? []), other]);
    }
    // A branch whose type matched holds the real problem (a string too long, say): keep it.
    const matched = [...branches.values()].find(
      (list) => !list.some((e) => e.keyword === 'type' && e.instancePath === error.instancePath),
    );
    for (const list of branches.values()) {
      if (list !== matched) for (const e of list) dropped.add(e);
    }
    if (matched !== undefined) dropped.add(error);
  }
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (dropped.has(error)) continue;
    const issue = translate(error, root);
    const key = `${issue.path.join('\u0000')}\u0001${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function segmentsOf(instancePath: string, root: unknown): (string | number)[] {
  if (instancePath === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      out.push(index);
      node = node[index];
    } else {
      out.push(segment);
      node =
        typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return out;
}

function describeValue(value: unknown, secret: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping';
  if (secret) return `a ${typeof value === 'string' ? 'string' : typeof value} (value not shown)`;
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return typeof value;
}

function quote(raw: string): string {
  // The userinfo of a URL is never echoed.
  const value = redactUrlUserinfo(raw);
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(shown);
}

function shown(value: unknown, secret: boolean): string {
  if (secret) return '(value not shown)';
  return typeof value === 'string' ? quote(value) : (JSON.stringify(value) ?? String(value));
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a sequence',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  null: 'null',
};

/** A node that only takes a reference to secret material (`{valueFrom: {secretKeyRef|env}}`). */
function isSecretReference(schema: unknown): boolean {
  const node = schema as SchemaNode | undefined;
  const properties = node?.properties as Record<string, SchemaNode> | undefined;
  if (properties === undefined) return false;
  const keys = Object.keys(properties);
  if (keys.length === 1 && keys[0] === 'valueFrom') return isSecretSource(properties.valueFrom);
  return isSecretSource(node);
}

function isSecretSource(schema: unknown): boolean {
  const properties = (schema as SchemaNode | undefined)?.properties as Record<string, unknown> | undefined;
  if (properties === undefined) return false;
  return (
    'secretKeyRef' in properties &&
    'env' in properties &&
    !('configMapKeyRef' in properties) &&
    !('pem' in properties)
  );
}

const SECRET_ADVICE =
  'a secret is never written inline: use valueFrom.secretKeyRef (a key of a Kubernetes Secret) or valueFrom.env (an environment variable outside Kubernetes)';
const SECRET_HINT =
  'e.g. {valueFrom: {secretKeyRef: {name: my-secret, key: password}}} or {valueFrom: {env: MY_PASSWORD}}';

function fieldDescription(parent: unknown, field: string): string | undefined {
  const properties = (parent as SchemaNode | undefined)?.properties as Record<string, SchemaNode> | undefined;
  const description = properties?.[field]?.description;
  return typeof description === 'string' ? `${field}: ${description}` : undefined;
}

// Fields written one level off: `http:` beside `spec:` rather than under it, `labels:` under spec.
const METADATA_ONLY = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences', 'generateName']);

function misplacedHint(
  parent: SchemaNode | undefined,
  path: readonly (string | number)[],
  extra: string,
): string | undefined {
  const properties = parent?.properties as Record<string, SchemaNode> | undefined;
  const spec = properties?.spec?.properties as Record<string, unknown> | undefined;
  if (path.length === 0 && spec !== undefined && Object.hasOwn(spec, extra))
    return `${extra} belongs under spec: indent it below spec:`;
  if (path.length === 1 && path[0] === 'spec' && METADATA_ONLY.has(extra))
    return `${extra} belongs under metadata, not spec`;
  return undefined;
}

function translate(error: ErrorObject, root: unknown): SchemaIssue {
  const path = segmentsOf(error.instancePath, root);
  const secret = isSecretPath(path);
  const data: unknown = error.data;
  const parent = error.parentSchema as SchemaNode | undefined;
  const params = error.params as Record<string, unknown>;
  const code = `schema.${error.keyword}`;
  const issue = (
    message: string,
    options: {
      hint?: string | undefined;
      at?: (string | number)[];
      target?: 'key' | 'value';
      isTypeError?: boolean;
    } = {},
  ): SchemaIssue => ({
    path: options.at ?? path,
    target: options.target ?? 'value',
    code,
    message,
    ...(options.hint === undefined ? {} : { hint: options.hint }),
    isTypeError: options.isTypeError ?? false,
  });

  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const present = typeof data === 'object' && data !== null ? Object.keys(data) : [];
      const known = new Set(Object.keys((parent?.properties as object | undefined) ?? {}));
      const typo = suggest(
        missing,
        present.filter((k) => !known.has(k)),
      );
      return issue(
        `missing required field "${missing}"${typo === undefined ? '' : ` (found "${typo}": a typo?)`}`,
        { at: [...path, missing], target: 'key', hint: fieldDescription(parent, missing) },
      );
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const valid = Object.keys((parent?.properties as object | undefined) ?? {});
      if (isSecretReference(parent)) {
        return issue(`unknown field "${apiServerPath([...path, extra])}": ${SECRET_ADVICE}`, {
          at: [...path, extra],
          target: 'key',
          hint: SECRET_HINT,
        });
      }
      const guess = suggest(extra, valid);
      return issue(
        `unknown field "${apiServerPath([...path, extra])}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; valid fields here: ${valid.join(', ')}`,
        {
          at: [...path, extra],
          target: 'key',
          hint:
            misplacedHint(parent, path, extra) ??
            (guess === undefined ? undefined : fieldDescription(parent, guess)),
        },
      );
    }
    case 'type': {
      const expected = String(params.type)
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t)
        .join(' or ');
      if (isSecretReference(parent) && typeof data !== 'object') {
        return issue(
          `found ${describeValue(data, true)} where a secret reference belongs; ${SECRET_ADVICE}`,
          {
            hint: SECRET_HINT,
            isTypeError: true,
          },
        );
      }
      let hint: string | undefined;
      if (
        typeof data === 'string' &&
        /^(integer|number)$/.test(String(params.type)) &&
        /^-?\d+(\.\d+)?$/.test(data)
      )
        hint = 'remove the quotes: a number is written without them';
      else if (typeof data === 'string' && params.type === 'boolean')
        hint = 'write true or false, without quotes';
      else if ((typeof data === 'number' || typeof data === 'boolean') && params.type === 'string')
        hint =
          'quote the value to make it a string: kubectl reads YAML 1.1, where unquoted yes, no, on, off, y and n are booleans and 1.0 or 010 are numbers';
      else if (data === null) hint = 'the field is present but empty: give it a value or remove it';
      return issue(`expected ${expected}, found ${describeValue(data, secret)}`, { hint, isTypeError: true });
    }
    case 'enum': {
      const values = (params.allowedValues as unknown[]).map(String);
      const guess = typeof data === 'string' && !secret ? suggest(data, values) : undefined;
      return issue(
        `found ${shown(data, secret)}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; valid values: ${values.join(', ')}`,
      );
    }
    case 'const':
      return issue(
        `found ${shown(data, secret)}; the only valid value is ${JSON.stringify(params.allowedValue)}`,
      );
    case 'pattern': {
      const pattern = String(params.pattern);
      const meaning = PATTERN_MEANINGS.get(pattern);
      return issue(
        `found ${shown(data, secret)}; expected ${meaning ?? `text matching the regular expression ${pattern}`}`,
        { hint: meaning === undefined ? undefined : `pattern: ${pattern}` },
      );
    }
    case 'format': {
      const format = String(params.format);
      const meaning =
        format === 'date-time' ? 'an RFC 3339 date-time such as 2025-01-31T12:00:00Z' : `a ${format}`;
      return issue(`found ${shown(data, secret)}; expected ${meaning}`);
    }
    case 'minLength': {
      const limit = Number(params.limit);
      if (limit === 1) return issue('must not be empty');
      return issue(`is ${String(data).length} characters long; at least ${limit} required`);
    }
    case 'maxLength':
      return issue(`is ${String(data).length} characters long; at most ${String(params.limit)} allowed`);
    case 'minimum':
    case 'exclusiveMinimum':
      return issue(
        `found ${shown(data, secret)}; must be ${error.keyword === 'minimum' ? 'at least' : 'greater than'} ${String(params.limit)}`,
      );
    case 'maximum':
    case 'exclusiveMaximum':
      return issue(
        `found ${shown(data, secret)}; must be ${error.keyword === 'maximum' ? 'at most' : 'less than'} ${String(params.limit)}`,
      );
    case 'minItems':
      return issue(
        `has ${Array.isArray(data) ? data.length : 0} entries; at least ${String(params.limit)} required`,
      );
    case 'maxItems':
      return issue(
        `has ${Array.isArray(data) ? data.length : 0} entries; at most ${String(params.limit)} allowed`,
      );
    case 'minProperties':
    case 'maxProperties':
      return issue(error.message ?? 'has the wrong number of fields');
    case 'anyOf':
    case 'oneOf': {
      if (parent?.['x-kubernetes-int-or-string'] === true) {
        return issue(
          `expected an integer (such as 200) or a string (such as "2xx"), found ${describeValue(data, secret)}`,
          {
            isTypeError: true,
          },
        );
      }
      return issue(`found ${describeValue(data, secret)}, which matches none of the allowed forms`, {
        isTypeError: true,
      });
    }
    default:
      return issue(error.message ?? `failed ${error.keyword}`);
  }
}
