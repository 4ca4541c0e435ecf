/**
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the server-side printing kubectl
 * asks for. Custom resources get `Name`, then the CRD's `additionalPrinterColumns` evaluated by
 * JSONPath (apiextensions-apiserver `tableconvertor`); other types get `Name` and `Age`.
 */
import { JSONPath } from 'jsonpath-plus';

/** A CRD printer column. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

type Obj = Record<string, unknown>;

const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/** True when the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept.split(',')[0] ?? '');
}

/** `k8s.io/apimachinery/pkg/util/duration.HumanDuration`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}

function cell(column: PrinterColumn, object: Obj, now: number): unknown {
  let results: unknown[];
  try {
    results = JSONPath<unknown[]>({ path: `$${column.jsonPath}`, json: object, wrap: true });
  } catch {
    return null;
  }
  if (results.length === 0 || results[0] === undefined) return null;
  const value = results[0];
  switch (column.type) {
    case 'date':
      return typeof value === 'string' ? humanDuration(now - Date.parse(value)) : null;
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return value;
  }
}

/** A `meta.k8s.io/v1` Table of `objects`. */
export function toTable(
  objects: readonly Obj[],
  columns: readonly PrinterColumn[] | undefined,
  options: { resourceVersion: string; now: number; includeObject: string | null; headers: boolean },
): Obj {
  const custom = columns ?? [AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: options.headers
      ? [
          {
            name: 'Name',
            type: 'string',
            format: 'name',
            description: 'Name must be unique within a namespace.',
            priority: 0,
          },
          ...custom.map((c) => ({
            name: c.name,
            type: c.type,
            format: c.format ?? '',
            description: c.description ?? '',
            priority: c.priority ?? 0,
          })),
        ]
      : [],
    rows: objects.map((object) => {
      const metadata = (object['metadata'] ?? {}) as Obj;
      return {
        cells: [metadata['name'], ...custom.map((c) => cell(c, object, options.now))],
        object:
          options.includeObject === 'Object'
            ? object
            : options.includeObject === 'None'
              ? null
              : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata },
      };
    }),
  };
}
