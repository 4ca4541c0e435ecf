/**
 * The CustomResourceDefinitions, derived from the one schema source (schema.ts).
 *
 * The schema is written for `synthctl validate` (JSON Schema with closed objects); the API
 * server wants a structural `openAPIV3Schema` instead (kubernetes.md §8). This module does
 * that translation and nothing else, so both reject the same documents wherever the API
 * server's dialect can express it; structural.ts checks the result.
 */
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { GROUP, VERSION, SyntheticMonitor, SyntheticsProject } from './schema.js';

/** A schema node in the API server's `JSONSchemaProps` dialect, as plain JSON. */
export type JsonSchemaProps = Record<string, unknown>;

/** One `additionalPrinterColumns` entry of a CRD version. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

/** An `apiextensions.k8s.io/v1` CustomResourceDefinition with one served, stored version. */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames: readonly string[];
      readonly categories: readonly string[];
    };
    readonly scope: 'Namespaced';
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly subresources: { readonly status: Record<string, never> };
      readonly additionalPrinterColumns: readonly PrinterColumn[];
      readonly schema: { readonly openAPIV3Schema: JsonSchemaProps };
    }[];
  };
}

/** What differs between our resources: names, schema source, columns and output file. */
export interface ResourceDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly schema: TSchema;
  readonly columns: readonly PrinterColumn[];
  /** The file under deploy/crds/ that holds this CRD. */
  readonly file: string;
  /** The file under schema/ that holds the editor JSON Schema. */
  readonly jsonSchemaFile: string;
}

/** `kubectl get synthctl` lists both kinds; `all` is left to built-in workloads, as is customary. */
export const CATEGORIES = ['synthctl'] as const;

const condition = (type: string): string => `.status.conditions[?(@.type=="${type}")].status`;

const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the resource was created.',
};

/** Our two kinds, in the order the CRDs are written. */
export const RESOURCES: readonly ResourceDefinition[] = [
  {
    kind: 'SyntheticMonitor',
    plural: 'syntheticmonitors',
    shortNames: ['sm'],
    schema: SyntheticMonitor,
    file: 'synthetic-monitors.yaml',
    jsonSchemaFile: 'synthetic-monitor.json',
    columns: [
      // A column is one JSONPath, which cannot say which of http/tcp/icmp/browser is set, so
      // the operator records the type in status and the targets get a wide column each.
      { name: 'Type', type: 'string', jsonPath: '.status.type', description: 'http, tcp, icmp or browser.' },
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'How often it runs.' },
      {
        name: 'Status',
        type: 'string',
        jsonPath: '.status.lastResult.state',
        description: 'The last result: up, down, pending or disabled.',
      },
      { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'In sync with Kibana.' },
      { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Ready condition.' },
      AGE,
      { name: 'URL', type: 'string', jsonPath: '.spec.http.url', description: 'HTTP target.', priority: 1 },
      {
        name: 'TCP Host',
        type: 'string',
        jsonPath: '.spec.tcp.host',
        description: 'TCP target.',
        priority: 1,
      },
      {
        name: 'ICMP Host',
        type: 'string',
        jsonPath: '.spec.icmp.host',
        description: 'ICMP target.',
        priority: 1,
      },
    ],
  },
  {
    kind: 'SyntheticsProject',
    plural: 'syntheticsprojects',
    shortNames: ['sproj'],
    schema: SyntheticsProject,
    file: 'synthetics-projects.yaml',
    jsonSchemaFile: 'synthetics-project.json',
    columns: [
      { name: 'Kibana URL', type: 'string', jsonPath: '.spec.kibana.url', description: 'Kibana base URL.' },
      {
        name: 'Space',
        type: 'string',
        jsonPath: '.spec.kibana.space',
        description: 'Kibana space (empty: default).',
      },
      { name: 'Project', type: 'string', jsonPath: '.spec.projectId', description: 'Elastic project id.' },
      { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'Last sync succeeded.' },
      {
        name: 'Drifted',
        type: 'string',
        jsonPath: condition('Drifted'),
        description: 'Kibana differs from Git.',
      },
      {
        name: 'Monitors',
        type: 'integer',
        jsonPath: '.status.monitors.total',
        description: 'Monitors selected by the project.',
      },
      AGE,
    ],
  },
];

/**
 * Formats the API server validates (kube-openapi `strfmt` default registry). Others are
 * accepted with a warning and ignored, so they are dropped rather than pretend to validate.
 */
const KNOWN_FORMATS: ReadonlySet<string> = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
]);

const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep copy of JSON data; drops TypeBox's symbol-keyed metadata on the way. */
const cloneJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * The int-or-string pattern exactly as the API server recognises it (`intOrStringAnyOf` in
 * apiextensions-apiserver `schema/structural.go`): any constraint inside a branch makes the
 * schema non-structural, so string constraints move to the node, where they apply to strings only.
 */
function convertIntOrString(node: Record<string, unknown>, out: JsonSchemaProps): void {
  out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  const branches = Array.isArray(node['anyOf']) ? (node['anyOf'] as unknown[]) : [];
  for (const branch of branches) {
    if (!isRecord(branch)) continue;
    for (const [key, value] of Object.entries(branch)) {
      if (key !== 'type' && !(key in out)) out[key] = cloneJson(value);
    }
  }
}

/** Converts one schema node (and its subtree) into the API server's dialect. */
export function toCrdSchema(schema: unknown): JsonSchemaProps {
  if (!isRecord(schema)) return {};
  const out: JsonSchemaProps = {};
  const isIntOrString = schema['x-kubernetes-int-or-string'] === true;
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case '$id':
      case '$schema':
      case 'kind':
      case 'title':
      case 'uniqueItems':
        // TypeBox bookkeeping; `uniqueItems` is rejected (quadratic) and becomes a set below.
        break;
      case 'const':
        // apiVersion/kind literals: the API server checks them itself before validation.
        if (!('type' in schema)) out['type'] = typeof value;
        break;
      case 'additionalProperties':
        // `false` is rejected; pruning drops unknown fields instead. `true` means nothing here.
        if (isRecord(value)) out[key] = toCrdSchema(value);
        break;
      case 'properties':
        out[key] = Object.fromEntries(
          Object.entries(isRecord(value) ? value : {}).map(([name, child]) => [name, toCrdSchema(child)]),
        );
        break;
      case 'items':
        out[key] = toCrdSchema(value);
        break;
      case 'format':
        if (typeof value === 'string' && KNOWN_FORMATS.has(value)) out[key] = value;
        break;
      default:
        if ((JUNCTORS as readonly string[]).includes(key)) {
          if (isIntOrString && key === 'anyOf') break;
          out[key] = Array.isArray(value) ? value.map((v) => toCrdSchema(v)) : toCrdSchema(value);
        } else {
          out[key] = cloneJson(value);
        }
    }
  }
  if (isIntOrString) convertIntOrString(schema, out);
  if (schema['uniqueItems'] === true && !('x-kubernetes-list-type' in out)) {
    out['x-kubernetes-list-type'] = 'set';
  }
  return orderKeys(out);
}

/** Key order of generated nodes, like controller-gen's, so a reviewer reads what a field is first. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'anyOf',
  'allOf',
  'oneOf',
  'not',
];

function orderKeys(node: JsonSchemaProps): JsonSchemaProps {
  const rank = (key: string): number => {
    const index = KEY_ORDER.indexOf(key);
    return index === -1 ? KEY_ORDER.length : index;
  };
  // Array.prototype.sort is stable, so x-kubernetes-* keys keep their source order at the end.
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => rank(a) - rank(b)));
}

/** The `openAPIV3Schema` of a resource: metadata left to the API server, only `spec` required. */
export function toOpenApiV3Schema(resource: TSchema): JsonSchemaProps {
  const root = toCrdSchema(resource);
  const properties = isRecord(root['properties']) ? root['properties'] : {};
  return {
    ...root,
    properties: {
      ...properties,
      apiVersion: {
        description:
          'APIVersion defines the versioned schema of this representation of an object: `synthctl.dev/v1alpha1`.',
        type: 'string',
      },
      kind: { description: 'Kind is the REST resource this object represents.', type: 'string' },
      // Only name and generateName may be constrained under metadata (structural rule 4);
      // the API server validates names itself.
      metadata: { type: 'object' },
    },
    // apiVersion, kind and metadata are always present once the API server has the object.
    required: Array.isArray(root['required'])
      ? (root['required'] as unknown[]).filter(
          (name) => !['apiVersion', 'kind', 'metadata'].includes(String(name)),
        )
      : [],
  };
}

/** Builds the CRD of one resource. */
export function buildCrd(resource: ResourceDefinition): CustomResourceDefinition {
  const singular = resource.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${resource.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'synthctl', 'app.kubernetes.io/part-of': 'synthctl' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: resource.kind,
        listKind: `${resource.kind}List`,
        plural: resource.plural,
        singular,
        shortNames: [...resource.shortNames],
        categories: [...CATEGORIES],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: resource.columns.map((column) => ({ ...column })),
          schema: { openAPIV3Schema: toOpenApiV3Schema(resource.schema) },
        },
      ],
    },
  };
}

/** The CRDs of every synthctl resource, in a stable order. */
export function buildCrds(): CustomResourceDefinition[] {
  return RESOURCES.map((resource) => buildCrd(resource));
}

/** The header of every generated CRD file. */
export const GENERATED_HEADER =
  '# Generated by `npm run generate` from src/model/schema.ts. Do not edit by hand.\n';

/**
 * Renders CRDs as multi-document YAML. Lines are never folded (`lineWidth: 0`) so the output
 * does not depend on description lengths and diffs stay one line per field.
 */
export function renderCrdYaml(crds: readonly CustomResourceDefinition[]): string {
  return (
    GENERATED_HEADER +
    crds.map((crd) => `---\n${stringify(crd, { lineWidth: 0, minContentWidth: 0 })}`).join('')
  );
}

/** The files of deploy/crds/: one CRD per file plus a kustomization listing them, by file name. */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const resource of RESOURCES) files.set(resource.file, renderCrdYaml([buildCrd(resource)]));
  files.set(
    'kustomization.yaml',
    [
      GENERATED_HEADER.trimEnd(),
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      ...RESOURCES.map((resource) => `  - ${resource.file}`),
      '',
    ].join('\n'),
  );
  return files;
}
