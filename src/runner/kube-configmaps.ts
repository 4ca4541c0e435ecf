/**
 * ConfigMap values for the runner in the cluster: a browser monitor's
 * `journey.configMapRef` (the code a team generates with Kustomize's configMapGenerator from
 * its journey files) and `valueFrom.configMapKeyRef` params. A ConfigMap is read with a GET
 * through the API (RBAC `get` on configmaps, no cluster-wide cache of every ConfigMap as an
 * informer would keep) and reused for a TTL, like the runner's Secret reads, so a check does
 * not cost a request while an edited journey runs within the TTL without a restart. Messages
 * name the ConfigMap, the key and the namespace, never a value.
 */
import { CoreV1Api, type KubeConfig, type ObservableMiddleware } from '@kubernetes/client-node';
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { CheckFailure, SecretResolutionError } from '../checks/errors.js';
import { describeReference } from '../checks/secrets.js';
import type { SecretResolver } from '../checks/types.js';
import { KubeApiError, toKubeApiError } from '../operator/kube-client.js';
import type { OperatorLogger } from '../operator/logger.js';
import type { Clock } from './clock.js';

type Reference = Parameters<SecretResolver['resolve']>[0];

/** Reads one ConfigMap's values; undefined when it does not exist. */
export type ConfigMapFetch = (
  namespace: string,
  name: string,
  signal: AbortSignal,
) => Promise<Record<string, string> | undefined>;

/** A GET of a ConfigMap by client-node's CoreV1Api; `binaryData` keys are decoded as UTF-8. */
export function coreV1ConfigMapFetch(kubeConfig: KubeConfig): ConfigMapFetch {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async (namespace, name, signal) => {
    // As KubeClient does it: client-node 1.4.0 aborts a request through RequestContext.setSignal.
    const abortable: ObservableMiddleware = {
      pre: (context) => {
        context.setSignal(signal);
        return of(context);
      },
      post: (response) => of(response),
    };
    try {
      const configMap = await core.readNamespacedConfigMap(
        { namespace, name },
        { middleware: [abortable], middlewareMergeStrategy: 'append' },
      );
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(configMap.binaryData ?? {}))
        out[k] = Buffer.from(v, 'base64').toString('utf8');
      Object.assign(out, configMap.data ?? {});
      return out;
    } catch (error) {
      if (signal.aborted) throw error;
      const e = toKubeApiError(error, `read configmap ${namespace}/${name}`);
      if (e.isNotFound) return undefined;
      throw e;
    }
  };
}

/** Options of {@link ConfigMapCache}. */
export interface ConfigMapCacheOptions {
  readonly fetch: ConfigMapFetch;
  readonly clock: Clock;
  /** How long a read (found or not found) is reused. */
  readonly ttlMs: number;
  /** Aborts in-flight reads when the runner stops. */
  readonly signal: AbortSignal;
  /** Limit of one read (default 10 s). */
  readonly timeoutMs?: number;
}

interface Entry {
  readAt: number;
  data: Record<string, string> | undefined;
}

/** Above this many cached ConfigMaps, expired entries are dropped on the next read. */
const PRUNE_ABOVE = 512;

/**
 * ConfigMaps by `namespace/name`, each reused for the TTL. Concurrent reads of one ConfigMap
 * share one request. A failed read is not cached: the last good values are used while the API
 * fails (an API server restart must not take every journey down), and the next check tries
 * again, at the monitor's schedule, so an outage costs no more than one GET per check.
 */
export class ConfigMapCache {
  readonly #o: ConfigMapCacheOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Record<string, string> | undefined>>();
  /** GET requests sent (for tests and logs). */
  reads = 0;
  /** Reads answered from expired values because the API failed. */
  staleReads = 0;

  constructor(options: ConfigMapCacheOptions) {
    this.#o = options;
  }

  /** The ConfigMap's values, or undefined when it does not exist. Throws KubeApiError otherwise. */
  async get(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const id = `${namespace}/${name}`;
    const now = this.#o.clock.now();
    const entry = this.#entries.get(id);
    if (entry !== undefined && now - entry.readAt < this.#o.ttlMs) return entry.data;
    let pending = this.#inFlight.get(id);
    if (pending === undefined) {
      this.reads += 1;
      const signal = AbortSignal.any([this.#o.signal, AbortSignal.timeout(this.#o.timeoutMs ?? 10_000)]);
      pending = this.#o.fetch(namespace, name, signal).finally(() => this.#inFlight.delete(id));
      this.#inFlight.set(id, pending);
    }
    let data: Record<string, string> | undefined;
    try {
      data = await pending;
    } catch (error) {
      if (entry === undefined || this.#o.signal.aborted) throw error;
      this.staleReads += 1;
      return entry.data;
    }
    this.#prune(now);
    this.#entries.set(id, { readAt: this.#o.clock.now(), data });
    return data;
  }

  #prune(now: number): void {
    if (this.#entries.size < PRUNE_ABOVE) return;
    for (const [id, entry] of this.#entries)
      if (now - entry.readAt >= this.#o.ttlMs) this.#entries.delete(id);
  }
}

/**
 * A {@link SecretResolver} that answers `configMapKeyRef` from a {@link ConfigMapCache} and
 * hands every other reference to `next` (the runner's Secret and env resolver). A missing
 * ConfigMap or key is a SecretResolutionError (the browser check reports the monitor down
 * with it as a config error) and is logged once when it starts and once when it ends.
 */
export class ConfigMapValueResolver implements SecretResolver {
  readonly #cache: ConfigMapCache;
  readonly #next: SecretResolver;
  readonly #log: OperatorLogger;
  /** References that are missing now, so a problem is logged once, not per check. */
  readonly #missing = new Set<string>();

  constructor(options: { cache: ConfigMapCache; next: SecretResolver; logger: OperatorLogger }) {
    this.#cache = options.cache;
    this.#next = options.next;
    this.#log = options.logger;
  }

  async resolve(ref: Reference, namespace: string | undefined): Promise<string | undefined> {
    const selector = ref.configMapKeyRef;
    if (selector === undefined) return this.#next.resolve(ref, namespace);
    const ns = namespace ?? 'default';
    const what = describeReference(ref, ns);
    let data: Record<string, string> | undefined;
    try {
      data = await this.#cache.get(ns, selector.name);
    } catch (error) {
      // Not the spec's fault: the API is unreachable or refuses (403 means RBAC lacks `get`
      // on configmaps). An io error, so the monitor is down for a reason that says so.
      const hint =
        error instanceof KubeApiError && error.status === 403
          ? ' (the runner\u2019s ClusterRole needs get on configmaps)'
          : '';
      throw new CheckFailure(
        'io',
        `${what}: ${error instanceof Error ? error.message : String(error)}${hint}`,
        {
          cause: error,
        },
      );
    }
    const value = data?.[selector.key];
    const id = `${ns}/${selector.name}#${selector.key}`;
    if (value !== undefined) {
      if (this.#missing.delete(id))
        this.#log.info({ namespace: ns, configMap: selector.name, key: selector.key }, 'configmap key found');
      return value;
    }
    const keys = Object.keys(data ?? {}).sort();
    const problem =
      data === undefined
        ? `ConfigMap "${selector.name}" not found in namespace "${ns}"`
        : `ConfigMap "${selector.name}" in namespace "${ns}" has no key "${selector.key}" (keys: ${keys.length === 0 ? 'none' : keys.slice(0, 20).join(', ')})`;
    if (!this.#missing.has(id)) {
      if (this.#missing.size < 10_000) this.#missing.add(id);
      this.#log.warn(
        { namespace: ns, configMap: selector.name, key: selector.key, problem },
        'configmap key missing',
      );
    }
    throw new SecretResolutionError(what, `${what}: ${problem}`);
  }
}
