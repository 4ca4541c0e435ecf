/**
 * A fake Kubernetes API server on `node:http` for tests (never product code): discovery,
 * CRDs (from `deploy/crds/` and through `apiextensions.k8s.io/v1`), schema validation with
 * defaults, pruning and CEL, resourceVersion, list and watch with a bounded history and 410
 * Gone, 409 Conflict, generation, the status subresource, finalizers, merge/JSON/strategic
 * patches, a simplified server-side apply, Table output for kubectl, and fault injection.
 * Semantics follow `../shared/reference/kubernetes.md` §7; simplifications are in README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { CrdSchema, type FieldCause } from './crd-schema.js';
import { applyMerge, jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { toTable, wantsTable, type PrinterColumn } from './table.js';

type Obj = Record<string, unknown>;
type Meta = Record<string, unknown> & {
  name?: string;
  namespace?: string;
  resourceVersion?: string | undefined;
  finalizers?: string[];
  deletionTimestamp?: string;
  generation?: number;
};
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const metaOf = (o: Obj): Meta => (isObj(o['metadata']) ? o['metadata'] : (o['metadata'] = {}));

/** A served resource type. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly hasStatus: boolean;
  readonly hasGeneration: boolean;
  /** Custom resources: schema, printer columns, no unconditional updates, no strategic merge. */
  readonly schema?: CrdSchema;
  readonly columns?: readonly PrinterColumn[];
  readonly isCustom: boolean;
}

/** One entry of the request log. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  status: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface HistoryEvent {
  readonly rv: number;
  readonly typeKey: string;
  readonly type: EventType;
  readonly object: Obj;
  readonly old: Obj | undefined;
}

interface Watcher {
  readonly typeKey: string;
  readonly namespace: string | undefined;
  readonly matches: (o: Obj) => boolean;
  readonly res: ServerResponse;
  readonly table: { columns: readonly PrinterColumn[] | undefined; includeObject: string | null } | undefined;
  timers: NodeJS.Timeout[];
  stalled?: boolean;
}

/** Options of {@link FakeKubeApiServer}. */
export interface FakeKubeApiServerOptions {
  /** Folder of CRD YAML loaded at start; `false` for none (kubectl then creates them). */
  crdDir?: string | false;
  /** Events kept for watches from an old resourceVersion; older ones answer 410 Gone. */
  historyLimit?: number;
  /** Interval of BOOKMARK events for watches that ask for them. */
  bookmarkIntervalMs?: number;
  /** Watch timeout when the client gives no `timeoutSeconds`. */
  defaultWatchTimeoutSeconds?: number;
  now?: () => number;
}

/** Faults for the next requests; all counters decrement as they fire. */
export interface Faults {
  /** Answer 410 (an ERROR event) on the next N watches. */
  goneOnNextWatches: number;
  /** Answer 409 Conflict on the next N writes (create, update, patch, delete). */
  conflictOnNextWrites: number;
  /** Answer `errorStatus` on the next N requests (matching `errorFilter`, if set). */
  errorOnNextRequests: number;
  errorStatus: number;
  errorFilter: ((method: string, path: string) => boolean) | undefined;
  /** Delay before every response. */
  latencyMs: number;
}

const DEFAULT_CRD_DIR = new URL('../../../deploy/crds/', import.meta.url).pathname;
const MAX_BODY = 3 * 1024 * 1024;
const MAX_LOG = 10_000;

class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly reason: string;
  readonly details: Obj | undefined;
  constructor(status: number, reason: string, message: string, details?: Obj) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

const BUILTIN: readonly Omit<ResourceType, 'listKind' | 'categories' | 'isCustom'>[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    hasStatus: true,
    hasGeneration: false,
  },
  {
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    shortNames: [],
    hasStatus: false,
    hasGeneration: false,
  },
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
    hasStatus: false,
    hasGeneration: false,
  },
  {
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    hasStatus: false,
    hasGeneration: false,
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    hasStatus: false,
    hasGeneration: false,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
    shortNames: [],
    hasStatus: false,
    hasGeneration: false,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    hasStatus: true,
    hasGeneration: true,
  },
];

/** The fake API server. `start()` listens on 127.0.0.1 port 0; `url` is then set. */
export class FakeKubeApiServer {
  readonly faults: Faults = {
    goneOnNextWatches: 0,
    conflictOnNextWrites: 0,
    errorOnNextRequests: 0,
    errorStatus: 500,
    errorFilter: undefined,
    latencyMs: 0,
  };
  readonly requests: LoggedRequest[] = [];
  readonly #types = new Map<string, ResourceType>();
  readonly #objects = new Map<string, Map<string, Obj>>();
  readonly #history: HistoryEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  #stallAll = false;
  readonly #sockets = new Set<Socket>();
  readonly #historyLimit: number;
  readonly #bookmarkMs: number;
  readonly #defaultWatchTimeout: number;
  readonly #now: () => number;
  #rv = 1;
  #compactedRv = 0;
  #server: Server | undefined;
  #url = '';

  constructor(options: FakeKubeApiServerOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 1000;
    this.#bookmarkMs = options.bookmarkIntervalMs ?? 1000;
    this.#defaultWatchTimeout = options.defaultWatchTimeoutSeconds ?? 1800;
    this.#now = options.now ?? Date.now;
    for (const t of BUILTIN)
      this.#register({ ...t, listKind: `${t.kind}List`, categories: [], isCustom: false });
    for (const ns of ['default', 'kube-system']) {
      this.#insert(this.#type('', 'namespaces'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
        status: { phase: 'Active' },
      });
    }
    const dir = options.crdDir === undefined ? DEFAULT_CRD_DIR : options.crdDir;
    if (dir !== false) {
      for (const file of readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()) {
        for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
          const crd = doc.toJS() as Obj | null;
          if (isObj(crd) && crd['kind'] === 'CustomResourceDefinition') this.create(crd);
        }
      }
    }
  }

  /** The base URL, `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.#url;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Open watch streams. */
  get openWatches(): number {
    return this.#watchers.size;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    for (const w of [...this.#watchers]) this.#endWatch(w);
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server)
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
  }

  /** Fault: destroys the sockets of every open watch (a network drop mid-stream). */
  dropWatches(): number {
    const watchers = [...this.#watchers];
    for (const w of watchers) {
      this.#clearWatch(w);
      w.res.socket?.destroy();
    }
    return watchers.length;
  }

  /**
   * Fault: the open watches stay connected but receive nothing more — the silent stall of
   * client-node issues #596/#958 that only a watchdog re-list recovers from.
   */
  stallWatches(): number {
    // Watches opened later stall too (a broken path stays broken) until resumeWatches().
    this.#stallAll = true;
    for (const w of this.#watchers) w.stalled = true;
    return this.#watchers.size;
  }

  /** Ends the stall fault: open and new watches deliver again (missed events are not replayed). */
  resumeWatches(): void {
    this.#stallAll = false;
    for (const w of this.#watchers) w.stalled = false;
  }

  /** Fault: ends every open watch cleanly, as the server's watch timeout does. */
  closeWatches(): void {
    for (const w of [...this.#watchers]) this.#endWatch(w);
  }

  /** Forgets all retained events, so any watch from an older resourceVersion gets 410. */
  compactHistory(): void {
    this.#compactedRv = this.#rv;
    this.#history.length = 0;
  }

  // ---- direct store access for tests (bypasses HTTP, still validates and emits events) ----

  /** Creates an object as a POST would; throws on invalid input. */
  create(object: Obj): Obj {
    const type = this.#typeForObject(object);
    return this.#create(type, metaOf(object).namespace, structuredClone(object), false);
  }

  /** The stored object, or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Obj | undefined {
    const type = this.#typeForObject({ apiVersion, kind });
    const found = this.#objects.get(this.#key(type))?.get(`${namespace ?? ''}/${name}`);
    return found === undefined ? undefined : structuredClone(found);
  }

  /** All stored objects of a kind, optionally in one namespace. */
  list(apiVersion: string, kind: string, namespace?: string): Obj[] {
    const type = this.#typeForObject({ apiVersion, kind });
    return this.#items(type, namespace).map((o) => structuredClone(o));
  }

  /** Deletes as a DELETE would (finalizers honoured). */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): void {
    const type = this.#typeForObject({ apiVersion, kind });
    this.#delete(type, namespace, name, undefined);
  }

  // ---------------------------------------------------------------------------------------

  #key(type: Pick<ResourceType, 'group' | 'plural'>): string {
    return `${type.group}/${type.plural}`;
  }

  #register(type: ResourceType): void {
    this.#types.set(`${type.group}/${type.version}/${type.plural}`, type);
    if (!this.#objects.has(this.#key(type))) this.#objects.set(this.#key(type), new Map());
  }

  #type(group: string, plural: string, version?: string): ResourceType {
    for (const t of this.#types.values())
      if (t.group === group && t.plural === plural && (version === undefined || t.version === version))
        return t;
    throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  }

  #typeForObject(object: Obj): ResourceType {
    const apiVersion = str(object['apiVersion']);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    for (const t of this.#types.values())
      if (t.group === group && t.version === version && t.kind === object['kind']) return t;
    throw new HttpError(
      404,
      'NotFound',
      `no matches for kind "${String(object['kind'])}" in version "${apiVersion}"`,
    );
  }

  #items(type: ResourceType, namespace: string | undefined): Obj[] {
    const store = this.#objects.get(this.#key(type)) ?? new Map<string, Obj>();
    return [...store.entries()]
      .filter(([k]) => namespace === undefined || k.startsWith(`${namespace}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v);
  }

  #qualified(type: ResourceType): string {
    return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
  }

  #notFound(type: ResourceType, name: string): HttpError {
    return new HttpError(404, 'NotFound', `${this.#qualified(type)} "${name}" not found`, {
      name,
      group: type.group,
      kind: type.plural,
    });
  }

  #conflict(type: ResourceType, name: string): HttpError {
    return new HttpError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${this.#qualified(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: type.group, kind: type.plural },
    );
  }

  #invalid(type: ResourceType, name: string, causes: readonly FieldCause[]): HttpError {
    const summary = causes.map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`));
    const what = `${type.kind}${type.group === '' ? '' : `.${type.group}`}`;
    return new HttpError(
      422,
      'Invalid',
      `${what} "${name}" is invalid: ${summary.length === 1 ? summary[0]! : `[${summary.join(', ')}]`}`,
      { name, group: type.group, kind: type.kind, causes },
    );
  }

  #writeFault(type: ResourceType, name: string): void {
    if (this.faults.conflictOnNextWrites > 0) {
      this.faults.conflictOnNextWrites--;
      throw this.#conflict(type, name);
    }
  }

  #emit(typeKey: string, type: EventType, object: Obj, old: Obj | undefined): void {
    const rv = Number(metaOf(object).resourceVersion);
    this.#history.push({ rv, typeKey, type, object: structuredClone(object), old });
    while (this.#history.length > this.#historyLimit) this.#compactedRv = this.#history.shift()!.rv;
    for (const w of this.#watchers) if (w.typeKey === typeKey) this.#deliver(w, type, object, old);
  }

  #deliver(w: Watcher, type: EventType, object: Obj, old: Obj | undefined): void {
    const inScope = (o: Obj): boolean =>
      (w.namespace === undefined || metaOf(o).namespace === w.namespace) && w.matches(o);
    const now = inScope(object);
    const before = old !== undefined && inScope(old);
    let effective: EventType | undefined;
    if (type === 'MODIFIED')
      effective = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    else effective = now ? type : undefined;
    if (effective === undefined) return;
    this.#writeEvent(w, effective, object);
  }

  #writeEvent(w: Watcher, type: string, object: Obj): void {
    if (w.stalled === true) return;
    const payload = w.table
      ? toTable([object], w.table.columns, {
          resourceVersion: metaOf(object).resourceVersion ?? '',
          now: this.#now(),
          includeObject: w.table.includeObject,
          headers: true,
        })
      : object;
    w.res.write(`${JSON.stringify({ type, object: payload })}\n`);
  }

  /** Stores a new object (no validation): used for built-in bootstrapping. */
  #insert(type: ResourceType, object: Obj): Obj {
    const meta = metaOf(object);
    meta.resourceVersion = String(++this.#rv);
    meta['uid'] = randomUUID();
    meta['creationTimestamp'] = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (type.hasGeneration) meta.generation = 1;
    this.#objects.get(this.#key(type))!.set(`${meta.namespace ?? ''}/${meta.name ?? ''}`, object);
    this.#emit(this.#key(type), 'ADDED', object, undefined);
    return object;
  }

  /** Prune, default, validate a custom resource; returns the pruned paths. */
  #admit(type: ResourceType, object: Obj, name: string): string[] {
    if (type.kind === 'Secret' && isObj(object['stringData'])) {
      // As the API server: stringData is write-only, merged into data base64-encoded.
      const data: Record<string, unknown> = isObj(object['data']) ? { ...object['data'] } : {};
      for (const [k, v] of Object.entries(object['stringData']))
        data[k] = Buffer.from(String(v)).toString('base64');
      object['data'] = data;
      delete object['stringData'];
    }
    if (type.kind === 'CustomResourceDefinition') this.#checkCrd(object, name);
    if (type.schema === undefined) return [];
    const pruned = type.schema.prune(object);
    type.schema.applyDefaults(object);
    const causes = type.schema.validate(object);
    if (causes.length > 0) throw this.#invalid(type, name, causes);
    return pruned;
  }

  #checkCrd(object: Obj, name: string): void {
    const spec = isObj(object['spec']) ? object['spec'] : {};
    const names = isObj(spec['names']) ? spec['names'] : {};
    const causes: FieldCause[] = [];
    if (typeof spec['group'] !== 'string')
      causes.push({ reason: 'FieldValueRequired', field: 'spec.group', message: 'Required value' });
    if (typeof names['plural'] !== 'string')
      causes.push({ reason: 'FieldValueRequired', field: 'spec.names.plural', message: 'Required value' });
    if (typeof names['kind'] !== 'string')
      causes.push({ reason: 'FieldValueRequired', field: 'spec.names.kind', message: 'Required value' });
    if (!Array.isArray(spec['versions']) || spec['versions'].length === 0)
      causes.push({ reason: 'FieldValueRequired', field: 'spec.versions', message: 'Required value' });
    if (causes.length === 0 && name !== `${String(names['plural'])}.${String(spec['group'])}`)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
      });
    if (causes.length > 0)
      throw this.#invalid(this.#type('apiextensions.k8s.io', 'customresourcedefinitions'), name, causes);
  }

  /** Serves the types a CRD declares and sets its status as an established CRD. */
  #establish(crd: Obj): void {
    const spec = crd['spec'] as Obj;
    const names = spec['names'] as Obj;
    for (const v of spec['versions'] as Obj[]) {
      if (v['served'] === false) continue;
      const schema =
        isObj(v['schema']) && isObj(v['schema']['openAPIV3Schema'])
          ? v['schema']['openAPIV3Schema']
          : undefined;
      const subresources = isObj(v['subresources']) ? v['subresources'] : {};
      this.#register({
        group: String(spec['group']),
        version: String(v['name']),
        plural: String(names['plural']),
        singular: str(names['singular'], str(names['kind']).toLowerCase()),
        kind: String(names['kind']),
        listKind: str(names['listKind'], `${str(names['kind'])}List`),
        namespaced: spec['scope'] !== 'Cluster',
        shortNames: Array.isArray(names['shortNames']) ? (names['shortNames'] as string[]) : [],
        categories: Array.isArray(names['categories']) ? (names['categories'] as string[]) : [],
        hasStatus: isObj(subresources['status']),
        hasGeneration: true,
        ...(schema === undefined ? {} : { schema: new CrdSchema(schema) }),
        ...(Array.isArray(v['additionalPrinterColumns'])
          ? { columns: v['additionalPrinterColumns'] as PrinterColumn[] }
          : {}),
        isCustom: true,
      });
    }
    const time = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const storage =
      (spec['versions'] as Obj[]).find((v) => v['storage'] === true) ?? (spec['versions'] as Obj[])[0];
    crd['status'] = {
      acceptedNames: names,
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: time,
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: time,
        },
      ],
      storedVersions: [str(storage?.['name'])],
    };
  }

  #unestablish(crd: Obj): void {
    const spec = crd['spec'] as Obj;
    const plural = String((spec['names'] as Obj)['plural']);
    const group = String(spec['group']);
    for (const [k, t] of [...this.#types])
      if (t.group === group && t.plural === plural) this.#types.delete(k);
    const typeKey = `${group}/${plural}`;
    for (const [key, object] of this.#objects.get(typeKey) ?? []) {
      this.#objects.get(typeKey)!.delete(key);
      metaOf(object).resourceVersion = String(++this.#rv);
      this.#emit(typeKey, 'DELETED', object, undefined);
    }
    this.#objects.delete(typeKey);
  }

  #create(
    type: ResourceType,
    namespace: string | undefined,
    body: Obj,
    dryRun: boolean,
    fieldValidation?: string,
    warnings?: string[],
  ): Obj {
    const meta = metaOf(body);
    if (type.namespaced) {
      if (meta.namespace !== undefined && namespace !== undefined && meta.namespace !== namespace)
        throw new HttpError(
          400,
          'BadRequest',
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      meta.namespace = namespace ?? meta.namespace ?? 'default';
      if (!this.#objects.get('/namespaces')!.has(`/${meta.namespace}`))
        throw new HttpError(404, 'NotFound', `namespaces "${meta.namespace}" not found`, {
          name: meta.namespace,
          kind: 'namespaces',
        });
    } else delete meta.namespace;
    if ((meta.name === undefined || meta.name === '') && typeof meta['generateName'] === 'string')
      meta.name = `${meta['generateName']}${randomBytes(3).toString('hex').slice(0, 5)}`;
    const name = meta.name ?? '';
    if (name === '')
      throw this.#invalid(type, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    if (body['kind'] !== undefined && body['kind'] !== type.kind)
      throw new HttpError(
        400,
        'BadRequest',
        `the kind of the object "${str(body['kind'])}" does not match the resource "${type.plural}"`,
      );
    body['apiVersion'] = type.group === '' ? type.version : `${type.group}/${type.version}`;
    body['kind'] = type.kind;
    this.#writeFault(type, name);
    const store = this.#objects.get(this.#key(type))!;
    if (store.has(`${meta.namespace ?? ''}/${name}`))
      throw new HttpError(409, 'AlreadyExists', `${this.#qualified(type)} "${name}" already exists`, {
        name,
        group: type.group,
        kind: type.plural,
      });
    for (const k of [
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'managedFields',
      'selfLink',
    ])
      Reflect.deleteProperty(meta, k);
    if (type.hasStatus) delete body['status'];
    if (type.kind === 'Namespace') body['status'] = { phase: 'Active' };
    const pruned = this.#admit(type, body, name);
    this.#strict(type, name, pruned, fieldValidation, warnings);
    if (type.kind === 'CustomResourceDefinition') this.#establish(body);
    if (dryRun) return body;
    return structuredClone(this.#insert(type, body));
  }

  #strict(
    type: ResourceType,
    name: string,
    pruned: readonly string[],
    fieldValidation: string | undefined,
    warnings?: string[],
  ): void {
    if (pruned.length === 0) return;
    if (fieldValidation === 'Strict')
      throw new HttpError(
        400,
        'BadRequest',
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`,
        { name },
      );
    if (fieldValidation === 'Warn') for (const p of pruned) warnings?.push(`unknown field "${p}"`);
  }

  #current(type: ResourceType, namespace: string | undefined, name: string): Obj {
    const found = this.#objects
      .get(this.#key(type))!
      .get(`${type.namespaced ? (namespace ?? '') : ''}/${name}`);
    if (found === undefined) throw this.#notFound(type, name);
    return found;
  }

  /** Update semantics shared by PUT and PATCH. */
  #update(
    type: ResourceType,
    old: Obj,
    candidate: Obj,
    subresource: string | undefined,
    opts: { requireRv: boolean; dryRun: boolean; fieldValidation?: string; warnings?: string[] },
  ): Obj {
    const oldMeta = metaOf(old);
    const name = oldMeta.name ?? '';
    const givenRv = isObj(candidate['metadata'])
      ? (candidate['metadata'] as Meta).resourceVersion
      : undefined;
    if (givenRv === undefined || givenRv === '') {
      if (opts.requireRv)
        throw this.#invalid(type, name, [
          {
            reason: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            message: 'Invalid value: 0x0: must be specified for an update',
          },
        ]);
    } else if (givenRv !== oldMeta.resourceVersion) throw this.#conflict(type, name);
    this.#writeFault(type, name);
    let next: Obj;
    if (subresource === 'status') {
      next = structuredClone(old);
      if (candidate['status'] === undefined) delete next['status'];
      else next['status'] = structuredClone(candidate['status']);
    } else {
      next = structuredClone(candidate);
      const meta = metaOf(next);
      for (const k of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
        'namespace',
        'name',
      ])
        if (oldMeta[k] === undefined) Reflect.deleteProperty(meta, k);
        else meta[k] = structuredClone(oldMeta[k]);
      delete meta['managedFields'];
      next['apiVersion'] = old['apiVersion'];
      next['kind'] = old['kind'];
      if (type.hasStatus) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = structuredClone(old['status']);
      }
    }
    const nextMeta = metaOf(next);
    nextMeta.resourceVersion = oldMeta.resourceVersion;
    if (oldMeta.deletionTimestamp !== undefined) {
      const before = new Set(oldMeta.finalizers ?? []);
      const added = (nextMeta.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0)
        throw this.#invalid(type, name, [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
          },
        ]);
    }
    const pruned = this.#admit(type, next, name);
    this.#strict(type, name, pruned, opts.fieldValidation, opts.warnings);
    const specOf = (o: Obj): string => JSON.stringify({ ...o, metadata: undefined, status: undefined });
    if (type.hasGeneration && subresource !== 'status' && specOf(old) !== specOf(next))
      nextMeta.generation = (oldMeta.generation ?? 0) + 1;
    if (JSON.stringify(next) === JSON.stringify(old)) return structuredClone(old); // no-op: no new RV, no event
    if (opts.dryRun) return next;
    const typeKey = this.#key(type);
    const storeKey = `${oldMeta.namespace ?? ''}/${name}`;
    nextMeta.resourceVersion = String(++this.#rv);
    if (nextMeta.deletionTimestamp !== undefined && (nextMeta.finalizers ?? []).length === 0) {
      this.#objects.get(typeKey)!.delete(storeKey);
      if (type.kind === 'CustomResourceDefinition') this.#unestablish(next);
      this.#emit(typeKey, 'DELETED', next, old);
      return structuredClone(next);
    }
    if (type.kind === 'CustomResourceDefinition' && subresource !== 'status') this.#establish(next);
    this.#objects.get(typeKey)!.set(storeKey, next);
    this.#emit(typeKey, 'MODIFIED', next, old);
    return structuredClone(next);
  }

  #delete(type: ResourceType, namespace: string | undefined, name: string, options: Obj | undefined): Obj {
    const old = this.#current(type, namespace, name);
    const pre = isObj(options?.['preconditions']) ? options['preconditions'] : {};
    const oldMeta = metaOf(old);
    if (pre['resourceVersion'] !== undefined && pre['resourceVersion'] !== oldMeta.resourceVersion)
      throw this.#conflict(type, name);
    if (pre['uid'] !== undefined && pre['uid'] !== oldMeta['uid']) throw this.#conflict(type, name);
    this.#writeFault(type, name);
    const typeKey = this.#key(type);
    if ((oldMeta.finalizers ?? []).length > 0) {
      if (oldMeta.deletionTimestamp !== undefined) return structuredClone(old);
      const next = structuredClone(old);
      const meta = metaOf(next);
      meta.deletionTimestamp = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      meta['deletionGracePeriodSeconds'] = 0;
      meta.resourceVersion = String(++this.#rv);
      this.#objects.get(typeKey)!.set(`${oldMeta.namespace ?? ''}/${name}`, next);
      this.#emit(typeKey, 'MODIFIED', next, old);
      return structuredClone(next);
    }
    if (type.kind === 'Namespace') {
      // Simplification: a namespace's contents go at once (no Terminating phase, no finalizers).
      for (const [key, store] of this.#objects) {
        for (const [k, o] of [...store]) {
          if (!k.startsWith(`${name}/`)) continue;
          store.delete(k);
          const gone = structuredClone(o);
          metaOf(gone).resourceVersion = String(++this.#rv);
          this.#emit(key, 'DELETED', gone, o);
        }
      }
    }
    this.#objects.get(typeKey)!.delete(`${oldMeta.namespace ?? ''}/${name}`);
    const gone = structuredClone(old);
    metaOf(gone).resourceVersion = String(++this.#rv);
    if (type.kind === 'CustomResourceDefinition') this.#unestablish(gone);
    this.#emit(typeKey, 'DELETED', gone, old);
    return gone;
  }

  // ------------------------------------------ HTTP ------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
      status: 0,
    };
    this.requests.push(entry);
    if (this.requests.length > MAX_LOG) this.requests.splice(0, this.requests.length - MAX_LOG);
    const warnings: string[] = [];
    try {
      if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
      if (
        this.faults.errorOnNextRequests > 0 &&
        (this.faults.errorFilter?.(entry.method, entry.path) ?? true)
      ) {
        this.faults.errorOnNextRequests--;
        const status = this.faults.errorStatus;
        throw new HttpError(
          status,
          status === 503 ? 'ServiceUnavailable' : 'InternalError',
          'an error on the server ("injected fault") has prevented the request from succeeding',
        );
      }
      const body = await this.#route(req, url, entry, res, warnings);
      if (body === undefined) return; // a watch answered itself
      if (warnings.length > 0)
        res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', '));
      this.#send(res, entry, body.status, body.body, body.contentType);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e =
        error instanceof HttpError
          ? error
          : error instanceof PatchError
            ? new HttpError(error.status, error.status === 400 ? 'BadRequest' : 'Invalid', error.message)
            : error instanceof SelectorError
              ? new HttpError(400, 'BadRequest', error.message)
              : new HttpError(
                  500,
                  'InternalError',
                  `internal error: ${error instanceof Error ? error.message : String(error)}`,
                );
      this.#send(res, entry, e.status, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: e.message,
        reason: e.reason,
        ...(e.details === undefined ? {} : { details: e.details }),
        code: e.status,
      });
    }
  }

  #send(
    res: ServerResponse,
    entry: LoggedRequest,
    status: number,
    body: unknown,
    contentType = 'application/json',
  ): void {
    entry.status = status;
    const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  async #readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) throw new HttpError(413, 'RequestEntityTooLarge', 'the request is too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #parseBody(text: string, contentType: string | undefined): Obj {
    const type = (contentType ?? 'application/json').split(';')[0]!.trim();
    let value: unknown;
    try {
      if (type === 'application/json' || type === '') value = JSON.parse(text);
      else if (type === 'application/yaml') value = parseYaml(text);
      else
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
        );
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(
        400,
        'BadRequest',
        `the object provided is unrecognized: ${(error as Error).message}`,
      );
    }
    if (!isObj(value)) throw new HttpError(400, 'BadRequest', 'the object provided is not a JSON object');
    return value;
  }

  async #route(
    req: IncomingMessage,
    url: URL,
    entry: LoggedRequest,
    res: ServerResponse,
    warnings: string[],
  ): Promise<{ status: number; body: unknown; contentType?: string } | undefined> {
    const parts = url.pathname.split('/').filter((p) => p !== '');
    const method = entry.method;
    if (method === 'GET') {
      const discovery = this.#discovery(parts, req.headers.accept);
      if (discovery !== undefined) return discovery;
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) [group, version, rest] = ['', parts[1]!, parts.slice(2)];
    else if (parts[0] === 'apis' && parts.length >= 4)
      [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
    else throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');

    let namespace: string | undefined;
    if (
      rest[0] === 'namespaces' &&
      rest.length >= 3 &&
      this.#maybeType(group, version, rest[2]!)?.namespaced
    ) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, subresource] = rest as [string, string | undefined, string | undefined];
    const type = this.#maybeType(group, version, plural);
    if (type === undefined)
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (subresource !== undefined && (subresource !== 'status' || !type.hasStatus))
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const q = url.searchParams;
    const dryRun = q.get('dryRun') === 'All';
    const fieldValidation = q.get('fieldValidation') ?? undefined;
    const ns = type.namespaced ? namespace : undefined;

    if (name === undefined) {
      if (method === 'GET') {
        if (q.get('watch') === 'true' || q.get('watch') === '1') {
          this.#watch(type, ns, q, req, res, entry);
          return undefined;
        }
        return { status: 200, body: this.#list(type, ns, q, req.headers.accept) };
      }
      if (method === 'POST') {
        const body = this.#parseBody(await this.#readBody(req), req.headers['content-type']);
        if (type.namespaced && ns === undefined)
          throw new HttpError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
        return { status: 201, body: this.#create(type, ns, body, dryRun, fieldValidation, warnings) };
      }
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }

    switch (method) {
      case 'GET': {
        const object = structuredClone(this.#current(type, ns, name));
        if (wantsTable(req.headers.accept))
          return {
            status: 200,
            body: toTable([object], type.columns, {
              resourceVersion: String(this.#rv),
              now: this.#now(),
              includeObject: q.get('includeObject'),
              headers: true,
            }),
          };
        return { status: 200, body: object };
      }
      case 'PUT': {
        const body = this.#parseBody(await this.#readBody(req), req.headers['content-type']);
        const bodyName = isObj(body['metadata']) ? (body['metadata'] as Meta).name : undefined;
        if (bodyName !== undefined && bodyName !== name)
          throw new HttpError(
            400,
            'BadRequest',
            `the name of the object (${bodyName}) does not match the name on the URL (${name})`,
          );
        const old = this.#current(type, ns, name);
        return {
          status: 200,
          body: this.#update(type, old, body, subresource, {
            requireRv: type.isCustom,
            dryRun,
            ...(fieldValidation === undefined ? {} : { fieldValidation }),
            warnings,
          }),
        };
      }
      case 'PATCH':
        return this.#patch(type, ns, name, subresource, req, q, warnings);
      case 'DELETE': {
        const text = await this.#readBody(req);
        const options = text.trim() === '' ? undefined : this.#parseBody(text, 'application/json');
        if (dryRun) return { status: 200, body: structuredClone(this.#current(type, ns, name)) };
        return { status: 200, body: this.#delete(type, ns, name, options) };
      }
      default:
        throw new HttpError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
    }
  }

  #maybeType(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#types.get(`${group}/${version}/${plural}`);
  }

  async #patch(
    type: ResourceType,
    ns: string | undefined,
    name: string,
    subresource: string | undefined,
    req: IncomingMessage,
    q: URLSearchParams,
    warnings: string[],
  ): Promise<{ status: number; body: unknown }> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const accepted = type.isCustom
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']
      : [
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/strategic-merge-patch+json',
          'application/apply-patch+yaml',
        ];
    if (!accepted.includes(contentType))
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      );
    const text = await this.#readBody(req);
    const dryRun = q.get('dryRun') === 'All';
    const fieldValidation = q.get('fieldValidation') ?? undefined;
    let patch: unknown;
    try {
      patch = contentType === 'application/apply-patch+yaml' ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, 'BadRequest', `error decoding patch: ${(error as Error).message}`);
    }
    const store = this.#objects.get(this.#key(type))!;
    const existing = store.get(`${ns ?? ''}/${name}`);
    if (contentType === 'application/apply-patch+yaml') {
      if (!q.get('fieldManager'))
        throw this.#invalid(type, name, [
          {
            reason: 'FieldValueRequired',
            field: 'fieldManager',
            message: 'Required value: is required for apply patch',
          },
        ]);
      if (!isObj(patch)) throw new HttpError(400, 'BadRequest', 'apply patch must be an object');
      if (existing === undefined) {
        if (subresource === 'status') throw this.#notFound(type, name);
        const body = structuredClone(patch);
        metaOf(body).name = name;
        return { status: 201, body: this.#create(type, ns, body, dryRun, fieldValidation, warnings) };
      }
      const merged = applyMerge(existing, patch) as Obj;
      return {
        status: 200,
        body: this.#update(type, existing, merged, subresource, {
          requireRv: false,
          dryRun,
          ...(fieldValidation === undefined ? {} : { fieldValidation }),
          warnings,
        }),
      };
    }
    if (existing === undefined) throw this.#notFound(type, name);
    let next: unknown;
    if (contentType === 'application/json-patch+json') next = jsonPatch(existing, patch);
    else if (!isObj(patch)) throw new HttpError(400, 'BadRequest', 'a merge patch must be a JSON object');
    else if (contentType === 'application/merge-patch+json') next = mergePatch(existing, patch);
    else next = strategicMergePatch(existing, patch);
    if (!isObj(next)) throw new HttpError(422, 'Invalid', 'the patch produced a non-object');
    // A patch without metadata.resourceVersion is unconditional: carry the current one.
    const patchedMeta = metaOf(next);
    const patchRv =
      isObj(patch) && isObj(patch['metadata']) ? (patch['metadata'] as Meta).resourceVersion : undefined;
    if (patchRv === undefined && contentType !== 'application/json-patch+json')
      patchedMeta.resourceVersion = metaOf(existing).resourceVersion;
    if (patchedMeta.resourceVersion === undefined)
      patchedMeta.resourceVersion = metaOf(existing).resourceVersion;
    return {
      status: 200,
      body: this.#update(type, existing, next, subresource, {
        requireRv: false,
        dryRun,
        ...(fieldValidation === undefined ? {} : { fieldValidation }),
        warnings,
      }),
    };
  }

  #list(type: ResourceType, ns: string | undefined, q: URLSearchParams, accept: string | undefined): Obj {
    const labels = q.get('labelSelector');
    const fields = q.get('fieldSelector');
    const byLabel = labels ? parseLabelSelector(labels) : () => true;
    const byField = fields ? parseFieldSelector(fields) : () => true;
    const items = this.#items(type, ns)
      .filter((o) => byLabel(o) && byField(o))
      .map((o) => structuredClone(o));
    if (wantsTable(accept))
      return toTable(items, type.columns, {
        resourceVersion: String(this.#rv),
        now: this.#now(),
        includeObject: q.get('includeObject'),
        headers: true,
      });
    return {
      apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
      kind: type.listKind,
      metadata: { resourceVersion: String(this.#rv) },
      items,
    };
  }

  #watch(
    type: ResourceType,
    ns: string | undefined,
    q: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
    entry: LoggedRequest,
  ): void {
    const labels = q.get('labelSelector');
    const fields = q.get('fieldSelector');
    const byLabel = labels ? parseLabelSelector(labels) : () => true;
    const byField = fields ? parseFieldSelector(fields) : () => true;
    const table = wantsTable(req.headers.accept)
      ? { columns: type.columns, includeObject: q.get('includeObject') }
      : undefined;
    entry.status = 200;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache',
    });
    // client-node's informer waits for the headers before it reports a connect (§7).
    res.flushHeaders();
    const w: Watcher = {
      typeKey: this.#key(type),
      namespace: ns,
      matches: (o) => byLabel(o) && byField(o),
      res,
      table,
      timers: [],
      stalled: this.#stallAll,
    };
    const rvParam = q.get('resourceVersion');
    const from = rvParam === null || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (
      this.faults.goneOnNextWatches > 0 ||
      (from !== undefined && (Number.isNaN(from) || from < this.#compactedRv))
    ) {
      if (this.faults.goneOnNextWatches > 0) this.faults.goneOnNextWatches--;
      res.end(
        `${JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${rvParam ?? ''} (${this.#compactedRv})`,
            reason: 'Expired',
            code: 410,
          },
        })}\n`,
      );
      return;
    }
    if (from === undefined) {
      for (const o of this.#items(type, ns)) if (w.matches(o)) this.#writeEvent(w, 'ADDED', o);
    } else {
      for (const e of this.#history)
        if (e.rv > from && e.typeKey === w.typeKey) this.#deliver(w, e.type, e.object, e.old);
    }
    this.#watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? this.#defaultWatchTimeout);
    w.timers.push(
      setTimeout(
        () => {
          this.#endWatch(w);
        },
        Math.max(0, timeout) * 1000,
      ),
    );
    if (q.get('allowWatchBookmarks') === 'true') {
      w.timers.push(
        setInterval(() => {
          const bookmark = {
            kind: type.kind,
            apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
            metadata: { resourceVersion: String(this.#rv) },
          };
          res.write(`${JSON.stringify({ type: 'BOOKMARK', object: bookmark })}\n`);
        }, this.#bookmarkMs),
      );
    }
    for (const t of w.timers) t.unref();
    req.on('close', () => {
      this.#clearWatch(w);
    });
    res.on('close', () => {
      this.#clearWatch(w);
    });
  }

  #clearWatch(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    this.#watchers.delete(w);
  }

  #endWatch(w: Watcher): void {
    this.#clearWatch(w);
    w.res.end();
  }

  // --------------------------------------- discovery ---------------------------------------

  #discovery(
    parts: string[],
    accept: string | undefined,
  ): { status: number; body: unknown; contentType?: string } | undefined {
    const path = `/${parts.join('/')}`;
    if (path === '/version')
      return {
        status: 200,
        body: { major: '1', minor: '32', gitVersion: 'v1.32.0-synthctl-fake', platform: 'linux/amd64' },
      };
    if (path === '/healthz' || path === '/readyz' || path === '/livez')
      return { status: 200, body: 'ok', contentType: 'text/plain' };
    if (path === '/openapi/v2') {
      // kubectl asks for protobuf; an empty message is a valid, empty openapi_v2.Document.
      if (accept?.includes('protobuf'))
        return {
          status: 200,
          body: Buffer.alloc(0),
          contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
        };
      return {
        status: 200,
        body: {
          swagger: '2.0',
          info: { title: 'Kubernetes', version: 'v1.32.0' },
          paths: {},
          definitions: {},
        },
      };
    }
    if (path === '/api') {
      return {
        status: 200,
        body: {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [
            { clientCIDR: '0.0.0.0/0', serverAddress: this.#url.replace('http://', '') },
          ],
        },
      };
    }
    if (path === '/apis') {
      const groups = new Map<string, Set<string>>();
      for (const t of this.#types.values())
        if (t.group !== '') groups.set(t.group, (groups.get(t.group) ?? new Set()).add(t.version));
      return {
        status: 200,
        body: {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: [...groups].map(([name, versions]) => {
            const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
            return { name, versions: list, preferredVersion: list[0] };
          }),
        },
      };
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const versions = [
        ...new Set([...this.#types.values()].filter((t) => t.group === parts[1]).map((t) => t.version)),
      ];
      if (versions.length === 0) return undefined;
      const list = versions.map((v) => ({ groupVersion: `${parts[1]!}/${v}`, version: v }));
      return {
        status: 200,
        body: {
          kind: 'APIGroup',
          apiVersion: 'v1',
          name: parts[1],
          versions: list,
          preferredVersion: list[0],
        },
      };
    }
    const gv =
      parts[0] === 'api' && parts.length === 2
        ? ['', parts[1]!]
        : parts[0] === 'apis' && parts.length === 3
          ? [parts[1]!, parts[2]!]
          : undefined;
    if (gv === undefined) return undefined;
    const [group, version] = gv as [string, string];
    const types = [...this.#types.values()].filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    return {
      status: 200,
      body: {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group === '' ? version : `${group}/${version}`,
        resources: types.flatMap((t) => [
          {
            name: t.plural,
            singularName: t.singular,
            namespaced: t.namespaced,
            kind: t.kind,
            verbs,
            ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length > 0 ? { categories: t.categories } : {}),
          },
          ...(t.hasStatus
            ? [
                {
                  name: `${t.plural}/status`,
                  singularName: '',
                  namespaced: t.namespaced,
                  kind: t.kind,
                  verbs: ['get', 'patch', 'update'],
                },
              ]
            : []),
        ]),
      },
    };
  }
}
