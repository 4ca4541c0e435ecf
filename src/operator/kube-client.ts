/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node 1.4.0 models are classes, but its ObjectSerializer takes plain JSON objects (the documented usage). */
/**
 * The small Kubernetes surface the operator needs, over `@kubernetes/client-node` 1.4.0
 * (kubernetes.md §1): custom objects (get, list, status merge patch with an explicit
 * Content-Type, finalizers with a resourceVersion precondition), Secrets, core v1 Events with
 * de-duplication, Leases, and informer factories. Every call takes an AbortSignal.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type CoreV1Event,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type ObservableMiddleware,
  type V1Lease,
} from '@kubernetes/client-node';
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { GROUP, VERSION } from '../model/schema.js';
import { jsonEqual } from './status.js';
import { SupervisedInformer, type SupervisedInformerOptions } from './informer.js';

/** A custom resource collection. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

/** `syntheticmonitors.synthctl.dev/v1alpha1`. */
export const MONITORS: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: 'syntheticmonitors',
  kind: 'SyntheticMonitor',
};
/** `syntheticsprojects.synthctl.dev/v1alpha1`. */
export const PROJECTS: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: 'syntheticsprojects',
  kind: 'SyntheticsProject',
};
/** The finalizer that makes deletion wait for the Kibana clean-up. */
export const FINALIZER = 'synthctl.dev/cleanup';

/** The metadata fields the operator reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

/** A custom object as the API returns it (JSON). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: Record<string, unknown>;
}

/** A failed API call: HTTP status (0 for network), Kubernetes reason and message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.reason = reason;
  }

  /** 409 (stale resourceVersion or exists), 429, 5xx and network errors: retry with backoff. */
  get isTransient(): boolean {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isConflict(): boolean {
    return this.status === 409;
  }
}

/** Converts whatever client-node threw into a {@link KubeApiError}; rethrows aborts as is. */
export function toKubeApiError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof ApiException) {
    const body = parseStatus((error as ApiException<unknown>).body);
    return new KubeApiError(
      error.code,
      body.reason ?? 'Unknown',
      `${what}: ${String(error.code)} ${body.message ?? 'no message'}`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError(0, 'NetworkError', `${what}: ${message}`, { cause: error });
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  return {
    ...(typeof v['reason'] === 'string' ? { reason: v['reason'] } : {}),
    ...(typeof v['message'] === 'string' ? { message: v['message'] } : {}),
  };
}

/** A Lease as the elector sees it. */
export interface LeaseRecord {
  readonly resourceVersion: string;
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
  readonly leaseTransitions?: number;
}

/** The Lease fields the elector writes. */
export type LeaseSpec = Omit<LeaseRecord, 'resourceVersion'>;

/** Leases in `coordination.k8s.io/v1`. Conflicts throw a KubeApiError with status 409. */
export interface LeaseApi {
  read(namespace: string, name: string, signal: AbortSignal): Promise<LeaseRecord | undefined>;
  create(namespace: string, name: string, spec: LeaseSpec, signal: AbortSignal): Promise<LeaseRecord>;
  /** Replaces the lease if its resourceVersion is still `resourceVersion` (else 409). */
  replace(
    namespace: string,
    name: string,
    resourceVersion: string,
    spec: LeaseSpec,
    signal: AbortSignal,
  ): Promise<LeaseRecord>;
}

/** An Event to record about an object. */
export interface EventInput {
  readonly involved: KubeObject;
  readonly type: 'Normal' | 'Warning';
  /** CamelCase: `Created`, `Updated`, `Deleted`, `SyncFailed`, `InvalidSpec`. */
  readonly reason: string;
  readonly message: string;
  /** `reportingController`/`source.component`. */
  readonly component?: string;
}

/** What the operator does with the API. */
export interface KubeClient {
  get(
    ref: ResourceRef,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined>;
  list(
    ref: ResourceRef,
    options: { namespace?: string; labelSelector?: string },
    signal: AbortSignal,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /**
   * Merge-patches `/status` with `status` unless it equals the object's current status
   * (no-op writes are skipped: each write is a watch event for every informer). Returns the
   * updated object, or `undefined` when skipped.
   */
  patchStatus(
    ref: ResourceRef,
    object: KubeObject,
    status: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined>;
  /** Adds `finalizer` (no-op if present), conditional on the object's resourceVersion. */
  addFinalizer(
    ref: ResourceRef,
    object: KubeObject,
    finalizer: string,
    signal: AbortSignal,
  ): Promise<KubeObject>;
  /** Removes `finalizer` (no-op if absent); the object may be gone afterwards. */
  removeFinalizer(
    ref: ResourceRef,
    object: KubeObject,
    finalizer: string,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined>;
  /** A Secret's data, base64-decoded; undefined when it does not exist. */
  readSecret(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined>;
  /** A ConfigMap's `data` (and `binaryData` as UTF-8); undefined when it does not exist. */
  readConfigMap(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined>;
  /** Records a core v1 Event; a repeat of the same event bumps its count. Never throws. */
  recordEvent(event: EventInput, signal: AbortSignal): Promise<void>;
  readonly leases: LeaseApi;
}

/** Keep-alive agents by TLS settings; a handful at most (a rotated client certificate adds one). */
const keepAliveAgents = new Map<string, http.Agent>();
const MAX_KEEP_ALIVE_AGENTS = 8;

/**
 * A keep-alive agent with the same settings as `agent`, shared by every request with those
 * settings. client-node 1.x builds a fresh agent for every request (KubeConfig.createAgent), so
 * each call opened its own TCP connection (and TLS handshake): 10,000 status and finalizer
 * patches were 10,000 connections. Proxy agents and anything else unknown are left alone.
 */
export function keepAliveAgent(agent: http.Agent): http.Agent {
  const ctor = agent.constructor;
  if (ctor !== http.Agent && ctor !== https.Agent) return agent;
  const options = (agent as http.Agent & { options?: Record<string, unknown> }).options ?? {};
  const digest = createHash('sha256');
  digest.update(ctor === https.Agent ? 'https' : 'http');
  for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'])
    digest.update(`\u0000${key}=${tlsValue(options[key])}`);
  const id = digest.digest('hex');
  let shared = keepAliveAgents.get(id);
  if (shared === undefined) {
    const settings = { ...options, keepAlive: true };
    shared = ctor === https.Agent ? new https.Agent(settings) : new http.Agent(settings);
    if (keepAliveAgents.size >= MAX_KEEP_ALIVE_AGENTS) {
      const [oldest] = keepAliveAgents;
      if (oldest !== undefined) {
        keepAliveAgents.delete(oldest[0]);
        oldest[1].destroy();
      }
    }
    keepAliveAgents.set(id, shared);
  }
  return shared;
}

function tlsValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(tlsValue).join(',');
  if (Buffer.isBuffer(value) || typeof value === 'string')
    return createHash('sha256').update(value).digest('hex');
  return JSON.stringify(value);
}

/**
 * Client-node options that abort the request with `signal` (RequestContext.setSignal) and
 * send it over a shared keep-alive connection ({@link keepAliveAgent}).
 */
function withSignal(signal: AbortSignal, options?: ConfigurationOptions): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal);
      const agent = context.getAgent();
      if (agent !== undefined) context.setAgent(keepAliveAgent(agent));
      return of(context);
    },
    post: (response) => of(response),
  };
  return {
    ...options,
    middleware: [...(options?.middleware ?? []), middleware],
    middlewareMergeStrategy: 'append',
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The merge patch (RFC 7386) that turns status `current` into `next`: the full `next` (lists,
 * conditions included, are replaced whole), with every field `next` dropped set to null — at
 * any depth, since a merge patch merges nested objects: without the null, a field dropped from
 * `status.kibana` would stay on the server, the cache would keep differing from what the
 * reconciler wants, and every reconcile would send the same patch again.
 */
export function statusMergePatch(
  current: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...next };
  for (const [key, value] of Object.entries(current)) {
    const wanted = next[key];
    if (wanted === undefined) body[key] = null;
    else if (isPlainObject(value) && isPlainObject(wanted)) body[key] = statusMergePatch(value, wanted);
  }
  return body;
}

const mergePatch = (signal: AbortSignal): ConfigurationOptions =>
  withSignal(signal, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

function toLeaseRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    ...(spec.holderIdentity === undefined ? {} : { holderIdentity: spec.holderIdentity }),
    ...(spec.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: spec.leaseDurationSeconds }),
    ...(spec.acquireTime === undefined ? {} : { acquireTime: new Date(spec.acquireTime) }),
    ...(spec.renewTime === undefined ? {} : { renewTime: new Date(spec.renewTime) }),
    ...(spec.leaseTransitions === undefined ? {} : { leaseTransitions: spec.leaseTransitions }),
  };
}

function leaseBody(namespace: string, name: string, spec: LeaseSpec, resourceVersion?: string): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: {
      ...(spec.holderIdentity === undefined ? {} : { holderIdentity: spec.holderIdentity }),
      ...(spec.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: spec.leaseDurationSeconds }),
      ...(spec.acquireTime === undefined ? {} : { acquireTime: spec.acquireTime }),
      ...(spec.renewTime === undefined ? {} : { renewTime: spec.renewTime }),
      ...(spec.leaseTransitions === undefined ? {} : { leaseTransitions: spec.leaseTransitions }),
    },
  };
}

/** {@link KubeClient} over a client-node KubeConfig. */
export class ClientNodeKubeClient implements KubeClient {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #coordination: CoordinationV1Api;
  readonly #component: string;
  readonly #now: () => number;
  readonly leases: LeaseApi;

  constructor(kc: KubeConfig, options: { component?: string; now?: () => number } = {}) {
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#coordination = kc.makeApiClient(CoordinationV1Api);
    this.#component = options.component ?? 'synthctl-operator';
    this.#now = options.now ?? Date.now;
    const coordination = this.#coordination;
    this.leases = {
      async read(namespace, name, signal) {
        try {
          return toLeaseRecord(
            await coordination.readNamespacedLease({ namespace, name }, withSignal(signal)),
          );
        } catch (error) {
          const e = toKubeApiError(error, `read lease ${namespace}/${name}`);
          if (e.isNotFound) return undefined;
          throw e;
        }
      },
      async create(namespace, name, spec, signal) {
        try {
          return toLeaseRecord(
            await coordination.createNamespacedLease(
              { namespace, body: leaseBody(namespace, name, spec) },
              withSignal(signal),
            ),
          );
        } catch (error) {
          throw toKubeApiError(error, `create lease ${namespace}/${name}`);
        }
      },
      async replace(namespace, name, resourceVersion, spec, signal) {
        try {
          return toLeaseRecord(
            await coordination.replaceNamespacedLease(
              { namespace, name, body: leaseBody(namespace, name, spec, resourceVersion) },
              withSignal(signal),
            ),
          );
        } catch (error) {
          throw toKubeApiError(error, `replace lease ${namespace}/${name}`);
        }
      },
    };
  }

  async get(
    ref: ResourceRef,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined> {
    try {
      return (await this.#custom.getNamespacedCustomObject(
        { ...refParams(ref), namespace, name },
        withSignal(signal),
      )) as KubeObject;
    } catch (error) {
      const e = toKubeApiError(error, `get ${ref.plural} ${namespace}/${name}`);
      if (e.isNotFound) return undefined;
      throw e;
    }
  }

  async list(
    ref: ResourceRef,
    options: { namespace?: string; labelSelector?: string },
    signal: AbortSignal,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    try {
      const selector = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };
      const list = (
        options.namespace === undefined
          ? await this.#custom.listClusterCustomObject({ ...refParams(ref), ...selector }, withSignal(signal))
          : await this.#custom.listNamespacedCustomObject(
              { ...refParams(ref), namespace: options.namespace, ...selector },
              withSignal(signal),
            )
      ) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    } catch (error) {
      throw toKubeApiError(error, `list ${ref.plural}`);
    }
  }

  async patchStatus(
    ref: ResourceRef,
    object: KubeObject,
    status: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined> {
    if (jsonEqual(object.status ?? {}, status)) return undefined;
    const { name, namespace = '' } = object.metadata;
    try {
      return (await this.#custom.patchNamespacedCustomObjectStatus(
        {
          ...refParams(ref),
          namespace,
          name,
          body: { status: statusMergePatch(object.status ?? {}, status) },
        },
        mergePatch(signal),
      )) as KubeObject;
    } catch (error) {
      throw toKubeApiError(error, `patch status of ${ref.plural} ${namespace}/${name}`);
    }
  }

  async addFinalizer(
    ref: ResourceRef,
    object: KubeObject,
    finalizer: string,
    signal: AbortSignal,
  ): Promise<KubeObject> {
    const current = object.metadata.finalizers ?? [];
    if (current.includes(finalizer)) return object;
    return (await this.#setFinalizers(ref, object, [...current, finalizer], signal)) ?? object;
  }

  async removeFinalizer(
    ref: ResourceRef,
    object: KubeObject,
    finalizer: string,
    signal: AbortSignal,
  ): Promise<KubeObject | undefined> {
    const current = object.metadata.finalizers ?? [];
    if (!current.includes(finalizer)) return object;
    return this.#setFinalizers(
      ref,
      object,
      current.filter((f) => f !== finalizer),
      signal,
    );
  }

  async #setFinalizers(
    ref: ResourceRef,
    object: KubeObject,
    finalizers: string[],
    signal: AbortSignal,
  ): Promise<KubeObject | undefined> {
    const { name, namespace = '', resourceVersion } = object.metadata;
    // The resourceVersion makes the patch conditional: a concurrent change answers 409.
    const body = {
      metadata: {
        finalizers: finalizers.length === 0 ? null : finalizers,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
    };
    try {
      return (await this.#custom.patchNamespacedCustomObject(
        { ...refParams(ref), namespace, name, body },
        mergePatch(signal),
      )) as KubeObject;
    } catch (error) {
      const e = toKubeApiError(error, `set finalizers of ${ref.plural} ${namespace}/${name}`);
      if (e.isNotFound) return undefined;
      throw e;
    }
  }

  async readSecret(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.#core.readNamespacedSecret({ namespace, name }, withSignal(signal));
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {}))
        out[k] = Buffer.from(v, 'base64').toString('utf8');
      return out;
    } catch (error) {
      const e = toKubeApiError(error, `read secret ${namespace}/${name}`);
      if (e.isNotFound) return undefined;
      throw e;
    }
  }

  async readConfigMap(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    try {
      const map = await this.#core.readNamespacedConfigMap({ namespace, name }, withSignal(signal));
      const out: Record<string, string> = { ...map.data };
      for (const [k, v] of Object.entries(map.binaryData ?? {}))
        out[k] ??= Buffer.from(v, 'base64').toString('utf8');
      return out;
    } catch (error) {
      const e = toKubeApiError(error, `read configmap ${namespace}/${name}`);
      if (e.isNotFound) return undefined;
      throw e;
    }
  }

  async recordEvent(event: EventInput, signal: AbortSignal): Promise<void> {
    const { involved } = event;
    const namespace = involved.metadata.namespace ?? 'default';
    const digest = createHash('sha256')
      .update(
        `${involved.metadata.uid ?? involved.metadata.name}\u0000${event.type}\u0000${event.reason}\u0000${event.message}`,
      )
      .digest('hex')
      .slice(0, 16);
    const name = `${involved.metadata.name}.${digest}`;
    const now = new Date(this.#now());
    const component = event.component ?? this.#component;
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        ...(involved.apiVersion === undefined ? {} : { apiVersion: involved.apiVersion }),
        ...(involved.kind === undefined ? {} : { kind: involved.kind }),
        name: involved.metadata.name,
        namespace,
        ...(involved.metadata.uid === undefined ? {} : { uid: involved.metadata.uid }),
        ...(involved.metadata.resourceVersion === undefined
          ? {}
          : { resourceVersion: involved.metadata.resourceVersion }),
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
    };
    try {
      await this.#core.createNamespacedEvent({ namespace, body }, withSignal(signal));
    } catch (error) {
      const e = toKubeApiError(error, `create event ${namespace}/${name}`);
      if (e.status !== 409) return; // Events are best effort, as client-go's recorder.
      try {
        const existing = await this.#core.readNamespacedEvent({ namespace, name }, withSignal(signal));
        await this.#core.patchNamespacedEvent(
          { namespace, name, body: { count: (existing.count ?? 1) + 1, lastTimestamp: now.toISOString() } },
          mergePatch(signal),
        );
      } catch {
        // best effort
      }
    }
  }
}

function refParams(ref: ResourceRef): { group: string; version: string; plural: string } {
  return { group: ref.group, version: ref.version, plural: ref.plural };
}

/** Makes a fresh client-node informer whose list goes through `list` (the supervisor's hook). */
export type InformerFactory<T extends KubernetesObject> = (
  list: () => Promise<KubernetesListObject<T>>,
) => Informer<T> & ObjectCache<T>;

/** The informer factory and list call for a custom resource collection. */
export function customObjectInformer(
  kc: KubeConfig,
  ref: ResourceRef,
  options: { namespace?: string; labelSelector?: string } = {},
): {
  factory: InformerFactory<KubeObject & KubernetesObject>;
  list: () => Promise<KubernetesListObject<KubeObject & KubernetesObject>>;
} {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const path = `/apis/${ref.group}/${ref.version}${options.namespace === undefined ? '' : `/namespaces/${options.namespace}`}/${ref.plural}`;
  const selector = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };
  const list = async (): Promise<KubernetesListObject<KubeObject & KubernetesObject>> =>
    (options.namespace === undefined
      ? await custom.listClusterCustomObject({ ...refParams(ref), ...selector })
      : await custom.listNamespacedCustomObject({
          ...refParams(ref),
          namespace: options.namespace,
          ...selector,
        })) as KubernetesListObject<KubeObject & KubernetesObject>;
  return { factory: (wrapped) => makeInformer(kc, path, wrapped, options.labelSelector), list };
}

/** A supervised informer over a custom resource collection (all namespaces, or one). */
export function supervisedCustomObjectInformer(
  kc: KubeConfig,
  ref: ResourceRef,
  options: Omit<SupervisedInformerOptions<KubeObject & KubernetesObject>, 'factory' | 'list'> & {
    readonly namespace?: string | undefined;
  },
): SupervisedInformer<KubeObject & KubernetesObject> {
  const { namespace, ...rest } = options;
  const { factory, list } = customObjectInformer(kc, ref, namespace === undefined ? {} : { namespace });
  return new SupervisedInformer({ ...rest, factory, list });
}
