/**
 * `metadata` of a synthctl resource checked as the API server checks a namespaced custom
 * resource's ObjectMeta (`ValidateObjectMetaAccessor` with `NameIsDNSSubdomain`) and as strict
 * field validation (`kubectl --validate=strict`, the default) decodes it: unknown fields are
 * errors, and names, namespaces, labels, annotations and finalizers follow apimachinery's
 * rules, reported in apimachinery's words. The CRD cannot say any of this (under `metadata` a
 * CRD schema may only constrain name and generateName), so it is a validate-side rule.
 */
import { apiServerPath } from './diagnostics.js';
import { suggest } from './did-you-mean.js';
import type { SchemaIssue } from './schema-validator.js';
import { redactUrlUserinfo } from './secret-path.js';

type FieldType = 'string' | 'integer' | 'boolean' | 'map' | 'list' | 'object' | 'any';

// ObjectMeta's JSON fields (k8s.io/apimachinery/pkg/apis/meta/v1 types.go): what
// `kubectl get -o yaml` prints, so a resource read back from a cluster validates.
const OBJECT_META: Readonly<Record<string, FieldType>> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'integer',
  creationTimestamp: 'any',
  deletionTimestamp: 'any',
  deletionGracePeriodSeconds: 'integer',
  labels: 'map',
  annotations: 'map',
  ownerReferences: 'list',
  finalizers: 'list',
  managedFields: 'list',
};

const OWNER_REFERENCE: Readonly<Record<string, FieldType>> = {
  apiVersion: 'string',
  kind: 'string',
  name: 'string',
  uid: 'string',
  controller: 'boolean',
  blockOwnerDeletion: 'boolean',
};

const MANAGED_FIELDS_ENTRY: Readonly<Record<string, FieldType>> = {
  manager: 'string',
  operation: 'string',
  apiVersion: 'string',
  time: 'any',
  fieldsType: 'string',
  fieldsV1: 'object',
  subresource: 'string',
};

// apimachinery/pkg/util/validation/validation.go, verbatim: the API server's own words.
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** The total size of annotation keys and values the API server accepts (TotalAnnotationSizeLimitB). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  // Go's RegexError joins "'x', " and " or ", hence the double space: kept to match verbatim.
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${format}')`;
}

const maxLenError = (length: number) => `must be no more than ${length} characters`;

/** apimachinery's IsDNS1123Subdomain: the messages for an invalid resource name (empty when valid). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value))
    errors.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  return errors;
}

/** apimachinery's IsDNS1123Label: the messages for an invalid namespace name (empty when valid). */
export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLenError(63));
  if (!DNS1123_LABEL.test(value))
    errors.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        'my-name',
        '123-abc',
      ),
    );
  return errors;
}

/** apimachinery's IsQualifiedName: label keys, annotation keys, finalizers (empty when valid). */
export function qualifiedNameErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME.test(name))
    errors.push(
      `name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  return errors;
}

/** apimachinery's IsValidLabelValue (empty when valid). */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLenError(63));
  if (!LABEL_VALUE.test(value))
    errors.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errors;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${shown(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${value}`;
  return typeof value;
}

/** A value as the API server quotes it (Go %q), shortened: messages stay one readable line. */
function shown(raw: string): string {
  const value = redactUrlUserinfo(raw);
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

const TYPE_NAMES: Readonly<Record<FieldType, string>> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  map: 'a mapping of strings to strings',
  list: 'a sequence',
  object: 'a mapping',
  any: 'a value',
};

const YAML_11_HINT =
  'quote the value to make it a string: kubectl reads YAML 1.1, where unquoted yes, no, on, off, y and n are booleans and 1.0 or 010 are numbers';

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'map':
    case 'object':
      return isRecord(value);
    case 'list':
      return Array.isArray(value);
    case 'any':
      return true;
  }
}

/**
 * Every problem the API server (with strict field validation) finds in `metadata`, as schema
 * issues with paths from the resource root. `metadata` itself must be a mapping (the schema
 * says so); anything else yields nothing here.
 */
export function checkObjectMeta(metadata: unknown): SchemaIssue[] {
  if (!isRecord(metadata)) return [];
  const issues: SchemaIssue[] = [];
  const base = ['metadata'];
  const push = (
    path: (string | number)[],
    message: string,
    options: { code?: string; target?: 'key' | 'value'; hint?: string; isTypeError?: boolean } = {},
  ) =>
    issues.push({
      path,
      target: options.target ?? 'value',
      code: options.code ?? 'schema.metadata',
      message,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      isTypeError: options.isTypeError ?? false,
    });

  const fields = (
    node: Record<string, unknown>,
    at: (string | number)[],
    known: Readonly<Record<string, FieldType>>,
  ): boolean => {
    let ok = true;
    for (const [key, value] of Object.entries(node)) {
      const type = known[key];
      if (type === undefined) {
        const guess = suggest(key, Object.keys(known));
        push(
          [...at, key],
          `unknown field "${apiServerPath([...at, key])}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; valid fields here: ${Object.keys(known).join(', ')}`,
          { code: 'schema.additionalProperties', target: 'key' },
        );
        continue;
      }
      // `null` is how the API server's JSON decoding spells "absent" for these fields.
      if (value === null || hasType(value, type)) continue;
      ok = false;
      push([...at, key], `expected ${TYPE_NAMES[type]}, found ${describe(value)}`, {
        code: 'schema.type',
        isTypeError: true,
        ...(type === 'string' && (typeof value === 'boolean' || typeof value === 'number')
          ? { hint: YAML_11_HINT }
          : {}),
      });
    }
    return ok;
  };
  fields(metadata, base, OBJECT_META);

  const { name, generateName, namespace, labels, annotations, finalizers } = metadata;
  if (typeof generateName === 'string' && generateName !== '') {
    // NameIsDNSSubdomain in prefix mode: a trailing "-" is allowed, a random suffix follows.
    const prefix = generateName.endsWith('-') ? generateName.slice(0, -1) : generateName;
    for (const message of dns1123SubdomainErrors(prefix))
      push([...base, 'generateName'], `Invalid value: ${shown(generateName)}: ${message}`);
  }
  if (name === undefined || name === null || name === '') {
    push(
      [...base, 'name'],
      'missing required field "name"; the API server says "Required value: name or generateName is required"',
      {
        code: 'schema.required',
        target: name === undefined || name === null ? 'key' : 'value',
        hint:
          typeof generateName === 'string'
            ? 'generateName only works with kubectl create; kubectl apply, synthctl and GitOps tools need a name'
            : 'a DNS subdomain name such as checkout-api',
      },
    );
  } else if (typeof name === 'string') {
    for (const message of dns1123SubdomainErrors(name))
      push([...base, 'name'], `Invalid value: ${shown(name)}: ${message}`, { code: 'schema.pattern' });
  }
  if (typeof namespace === 'string' && namespace !== '') {
    for (const message of dns1123LabelErrors(namespace))
      push([...base, 'namespace'], `Invalid value: ${shown(namespace)}: ${message}`, {
        code: 'schema.pattern',
      });
  }
  if (isRecord(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      const at = [...base, 'labels', key];
      for (const message of qualifiedNameErrors(key))
        push(at, `Invalid value: ${shown(key)}: ${message}`, { code: 'schema.labels', target: 'key' });
      if (typeof value === 'string') {
        for (const message of labelValueErrors(value))
          push(at, `Invalid value: ${shown(value)}: ${message}`, { code: 'schema.labels' });
      } else if (value !== null) {
        push(at, `expected a string, found ${describe(value)}`, {
          code: 'schema.type',
          isTypeError: true,
          hint: YAML_11_HINT,
        });
      }
    }
  }
  if (isRecord(annotations)) {
    let size = 0;
    for (const [key, value] of Object.entries(annotations)) {
      const at = [...base, 'annotations', key];
      // ValidateAnnotations checks the lower-cased key.
      for (const message of qualifiedNameErrors(key.toLowerCase()))
        push(at, `Invalid value: ${shown(key)}: ${message}`, { code: 'schema.annotations', target: 'key' });
      size += Buffer.byteLength(key);
      if (typeof value === 'string') size += Buffer.byteLength(value);
      else if (value !== null)
        push(at, `expected a string, found ${describe(value)}`, {
          code: 'schema.type',
          isTypeError: true,
          hint: YAML_11_HINT,
        });
    }
    if (size > ANNOTATIONS_MAX_BYTES)
      push(
        [...base, 'annotations'],
        `Too long: may not be more than ${ANNOTATIONS_MAX_BYTES} bytes (keys and values here take ${size})`,
        {
          code: 'schema.annotations',
          target: 'key',
          hint: 'annotations are limited to 256 KiB in total; keep large data in a ConfigMap',
        },
      );
  }
  if (Array.isArray(finalizers)) {
    finalizers.forEach((finalizer, i) => {
      const at = [...base, 'finalizers', i];
      if (typeof finalizer !== 'string') {
        push(at, `expected a string, found ${describe(finalizer)}`, {
          code: 'schema.type',
          isTypeError: true,
        });
        return;
      }
      for (const message of qualifiedNameErrors(finalizer))
        push(at, `Invalid value: ${shown(finalizer)}: ${message}`, { code: 'schema.finalizers' });
    });
  }
  const entries = (field: string, known: Readonly<Record<string, FieldType>>) => {
    const list = metadata[field];
    if (!Array.isArray(list)) return;
    list.forEach((entry, i) => {
      const at = [...base, field, i];
      if (isRecord(entry)) fields(entry, at, known);
      else
        push(at, `expected a mapping, found ${describe(entry)}`, { code: 'schema.type', isTypeError: true });
    });
  };
  entries('ownerReferences', OWNER_REFERENCE);
  entries('managedFields', MANAGED_FIELDS_ENTRY);
  if (typeof metadata.generation === 'number' && metadata.generation < 0)
    push(
      [...base, 'generation'],
      `Invalid value: ${metadata.generation}: must be greater than or equal to 0`,
    );
  return issues;
}
