/**
 * Picks synthctl resources out of YAML documents: our kinds are kept (not yet validated),
 * `kind: List` is unpacked, other kinds are skipped with a notice, and documents that are
 * not resources at all become located errors.
 */
import { API_VERSION, GROUP, KINDS, type Kind } from '../model/schema.js';
import { formatPath, type Diagnostic, type Severity } from '../model/diagnostics.js';
import { editDistance, suggest } from '../model/did-you-mean.js';
import type { LocateTarget, PathSegments, SourcePosition, YamlDocument } from './yaml-document.js';

/** A synthctl resource as loaded: the raw object and where each of its fields is. */
export interface LoadedResource {
  readonly kind: Kind;
  readonly apiVersion: string;
  /** `metadata.name` when it is a string. */
  readonly name: string | undefined;
  /** `metadata.namespace` when it is a string. */
  readonly namespace: string | undefined;
  /** `Kind/namespace/name` (or `Kind/name`), as diagnostics name the resource. */
  readonly id: string;
  /** The resource object, exactly as written. */
  readonly object: Record<string, unknown>;
  readonly file: string;
  /** 0-based index of the YAML document in its file. */
  readonly document: number;
  /** Index in `items` when the resource came from a `kind: List`. */
  readonly item?: number;
  /** Where the resource starts. */
  readonly position: SourcePosition;
  /** Where a field of this resource is; a missing field resolves to its nearest ancestor. */
  locate(path: PathSegments, target?: LocateTarget): SourcePosition;
}

/** The resources and problems found in a set of YAML documents. */
export interface ExtractedResources {
  readonly resources: LoadedResource[];
  readonly diagnostics: Diagnostic[];
}

const KIND_NAMES = Object.keys(KINDS) as Kind[];

function isKind(kind: string): kind is Kind {
  return Object.hasOwn(KINDS, kind);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

/** Resource id as diagnostics print it. */
export function resourceId(kind: string, namespace: string | undefined, name: string | undefined): string {
  const shown = name ?? '<unnamed>';
  return namespace === undefined ? `${kind}/${shown}` : `${kind}/${namespace}/${shown}`;
}

/** Extracts resources from parsed documents. Never throws. */
export function extractResources(documents: readonly YamlDocument[]): ExtractedResources {
  const resources: LoadedResource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of documents) {
    diagnostics.push(...doc.diagnostics);
    // A document with syntax errors has an unreliable value: report the syntax only.
    if (doc.hasErrors) continue;
    // Empty documents (a trailing `---`, a file of comments) are allowed, as in kubectl.
    if (doc.value === null || doc.value === undefined) continue;
    visit(doc, doc.value, [], undefined, resources, diagnostics, 0);
  }
  return { resources, diagnostics };
}

function visit(
  doc: YamlDocument,
  value: unknown,
  prefix: PathSegments,
  item: number | undefined,
  resources: LoadedResource[],
  diagnostics: Diagnostic[],
  depth: number,
): void {
  const locate = (path: PathSegments, target?: LocateTarget) =>
    doc.positions.locate([...prefix, ...path], target);
  // Name the resource in its diagnostics when it has a kind and a name to be named by.
  const meta = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
  const named =
    isRecord(value) && typeof value.kind === 'string' && typeof meta.name === 'string'
      ? resourceId(value.kind, typeof meta.namespace === 'string' ? meta.namespace : undefined, meta.name)
      : undefined;

  const report = (
    severity: Severity,
    path: PathSegments,
    target: LocateTarget,
    code: string,
    message: string,
    hint?: string,
  ) => {
    const position = locate(path, target);
    diagnostics.push({
      severity,
      file: doc.file,
      line: position.line,
      column: position.column,
      path: formatPath(path),
      code,
      message,
      ...(hint === undefined ? {} : { hint }),
      ...(named === undefined ? {} : { resource: named }),
    });
  };

  if (!isRecord(value)) {
    report(
      'error',
      [],
      'value',
      'resource.not-mapping',
      `expected a Kubernetes resource (a mapping with apiVersion and kind), found ${describe(value)}`,
      'each YAML document (separated by ---) must be one resource',
    );
    return;
  }
  const { apiVersion, kind } = value;
  if (typeof kind !== 'string' || kind === '') {
    report(
      'error',
      kind === undefined ? [] : ['kind'],
      'value',
      'resource.kind',
      kind === undefined
        ? `missing required field "kind"; synthctl reads ${KIND_NAMES.join(', ')} (other kinds are skipped)`
        : `"kind" must be a non-empty string, found ${describe(kind)}`,
    );
    return;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    report(
      'error',
      apiVersion === undefined ? [] : ['apiVersion'],
      'value',
      'resource.apiVersion',
      apiVersion === undefined
        ? `missing required field "apiVersion"${isKind(kind) ? `; for ${kind} it is ${API_VERSION}` : ''}`
        : `"apiVersion" must be a string such as ${API_VERSION}, found ${describe(apiVersion)}`,
    );
    return;
  }

  // `kubectl get -o yaml` wraps several objects in a List (or a typed `<Kind>List`).
  if (kind === 'List' || (kind.endsWith('List') && Object.hasOwn(value, 'items'))) {
    const items = value.items;
    if (!Array.isArray(items)) {
      report(
        'error',
        ['items'],
        'value',
        'resource.list',
        `"items" of a ${kind} must be a sequence, found ${describe(items)}`,
      );
      return;
    }
    if (depth > 4) {
      report('error', [], 'key', 'resource.list', `${kind} nested too deeply`);
      return;
    }
    items.forEach((entry, i) => {
      visit(doc, entry, [...prefix, 'items', i], i, resources, diagnostics, depth + 1);
    });
    return;
  }

  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (!isKind(kind)) {
    if (group === GROUP) {
      const guess = suggest(kind, KIND_NAMES);
      report(
        'error',
        ['kind'],
        'value',
        'resource.kind',
        `unknown kind "${kind}" in ${GROUP}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; valid kinds: ${KIND_NAMES.join(', ')}`,
      );
      return;
    }
    const metadata = isRecord(value.metadata) ? value.metadata : {};
    const name = typeof metadata.name === 'string' ? ` "${metadata.name}"` : '';
    // A near miss of ours (`synthctl.io`, `SyntheticMonitr`) is a typo, not someone else's kind:
    // skipping it quietly would leave the monitor out of every check.
    const kindGuess = suggest(kind, KIND_NAMES);
    const groupIsClose = group !== '' && editDistance(group.toLowerCase(), GROUP) <= 2;
    if (groupIsClose || (kindGuess !== undefined && !kind.endsWith('List'))) {
      const meant = kindGuess ?? (isKind(kind) ? kind : undefined);
      // A close group is ours misspelt; a close kind in a distant group may be another
      // vendor's resource, so it is skipped as before, but not without a word.
      report(
        groupIsClose ? 'error' : 'warning',
        [groupIsClose ? 'apiVersion' : 'kind'],
        'value',
        'resource.kind',
        `${groupIsClose ? '' : 'skipped: '}no kind "${kind}" is served in version "${apiVersion}"${meant === undefined ? '' : ` (did you mean kind: ${meant} with apiVersion: ${API_VERSION}?)`}; synthctl reads ${KIND_NAMES.join(', ')} in ${API_VERSION}`,
        'kubectl would answer: no matches for kind in version; ensure CRDs are installed first',
      );
      return;
    }
    report(
      'notice',
      [],
      'value',
      'resource.skipped',
      `skipped ${apiVersion} ${kind}${name}: not a synthctl kind`,
    );
    return;
  }
  if (apiVersion !== API_VERSION) {
    report(
      'error',
      ['apiVersion'],
      'value',
      'resource.apiVersion',
      `apiVersion "${apiVersion}" is not served for ${kind}${suggest(apiVersion, [API_VERSION]) === undefined ? '' : ` (did you mean "${API_VERSION}"?)`}; valid: ${API_VERSION}`,
      `write apiVersion: ${API_VERSION}`,
    );
    return;
  }

  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  resources.push({
    kind,
    apiVersion,
    name,
    namespace,
    id: resourceId(kind, namespace, name),
    object: value,
    file: doc.file,
    document: doc.index,
    ...(item === undefined ? {} : { item }),
    position: locate([], 'key'),
    locate,
  });
}
