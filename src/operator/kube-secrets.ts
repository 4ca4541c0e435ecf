/**
 * Secret resolution in the cluster: `valueFrom.secretKeyRef` reads a Secret of the object's
 * namespace through {@link KubeClient.readSecret}, `configMapKeyRef` a ConfigMap through
 * {@link KubeClient.readConfigMap} (which also serves `browser.journey.configMapRef`, see
 * {@link KubeSecretResolver.readJourney}), `env` reads the operator's environment. Values are
 * read fresh on every reconcile (a rotated Secret reaches Kibana at the next sync) and cached
 * only for the duration of one reconcile. Messages name the reference, never the value.
 */
import {
  CoreV1Api,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type V1Secret,
} from '@kubernetes/client-node';
import { SecretResolutionError } from '../checks/errors.js';
import { describeReference } from '../checks/secrets.js';
import type { SecretResolver } from '../checks/types.js';
import type { Clock } from '../runner/clock.js';
import { SupervisedInformer } from './informer.js';
import type { KubeClient } from './kube-client.js';
import type { OperatorLogger } from './logger.js';

type Reference = Parameters<SecretResolver['resolve']>[0];

/** A {@link SecretResolver} over the Kubernetes API, for one reconcile. */
export class KubeSecretResolver implements SecretResolver {
  readonly #client: KubeClient;
  readonly #signal: AbortSignal;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #secrets = new Map<string, Promise<Record<string, string> | undefined>>();
  readonly #configMaps = new Map<string, Promise<Record<string, string> | undefined>>();
  /** `namespace/name` of every Secret read, for mapping Secret changes to projects. */
  readonly referenced = new Set<string>();

  constructor(options: {
    client: KubeClient;
    signal: AbortSignal;
    env?: Readonly<Record<string, string | undefined>>;
  }) {
    this.#client = options.client;
    this.#signal = options.signal;
    this.#env = options.env ?? process.env;
  }

  async resolve(ref: Reference, namespace: string | undefined): Promise<string | undefined> {
    const what = describeReference(ref, namespace);
    if (ref.secretKeyRef !== undefined) {
      const { name, key, optional } = ref.secretKeyRef;
      const ns = namespace ?? 'default';
      const id = `${ns}/${name}`;
      this.referenced.add(id);
      let pending = this.#secrets.get(id);
      if (pending === undefined) {
        pending = this.#client.readSecret(ns, name, this.#signal);
        this.#secrets.set(id, pending);
      }
      let data: Record<string, string> | undefined;
      try {
        data = await pending;
      } catch (error) {
        this.#secrets.delete(id);
        throw error; // API errors (5xx, network) are transient: the reconcile retries.
      }
      const value = data?.[key];
      if (value !== undefined) return value;
      if (optional === true) return undefined;
      throw new SecretResolutionError(
        what,
        data === undefined ? `${what}: the Secret does not exist` : `${what}: the Secret has no such key`,
      );
    }
    if (ref.configMapKeyRef !== undefined) {
      const { name, key } = ref.configMapKeyRef;
      const data = await this.#configMap(namespace ?? 'default', name);
      const value = data?.[key];
      if (value !== undefined) return value;
      throw new SecretResolutionError(
        what,
        data === undefined
          ? `${what}: the ConfigMap does not exist`
          : `${what}: the ConfigMap has no such key`,
      );
    }
    if (ref.env !== undefined) {
      const value = this.#env[ref.env];
      if (value === undefined)
        throw new SecretResolutionError(what, `environment variable ${ref.env} is not set in the operator`);
      return value;
    }
    throw new SecretResolutionError(what, `${what} cannot be resolved by the operator`);
  }

  /**
   * The code of a `browser.journey.configMapRef`, for the translation
   * (`TranslateOptions.readConfigMap`). A missing ConfigMap or key is an error naming both
   * and the keys there are, so the monitor reports it; API failures propagate (transient).
   */
  async readJourney(
    ref: { readonly name: string; readonly key: string },
    namespace: string | undefined,
  ): Promise<string> {
    const ns = namespace ?? 'default';
    const data = await this.#configMap(ns, ref.name);
    if (data === undefined)
      throw new JourneyConfigMapError(`ConfigMap ${ns}/${ref.name} does not exist (journey.configMapRef)`);
    const code = data[ref.key];
    if (code === undefined) {
      const keys = Object.keys(data).sort();
      throw new JourneyConfigMapError(
        `ConfigMap ${ns}/${ref.name} has no key ${JSON.stringify(ref.key)} (journey.configMapRef); its keys: ${keys.length === 0 ? 'none' : keys.join(', ')}`,
      );
    }
    return code;
  }

  #configMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const id = `${namespace}/${name}`;
    let pending = this.#configMaps.get(id);
    if (pending === undefined) {
      pending = this.#client.readConfigMap(namespace, name, this.#signal);
      this.#configMaps.set(id, pending);
      // A failed read is not remembered: the next reference tries again.
      pending.catch(() => this.#configMaps.delete(id));
    }
    return pending;
  }
}

/** A journey's ConfigMap or key is missing: the monitor cannot be translated until it exists. */
export class JourneyConfigMapError extends Error {
  override readonly name = 'JourneyConfigMapError';
}

/**
 * A supervised informer on core v1 Secrets (one namespace or all), so a rotated Secret
 * re-queues the projects that reference it at once instead of at the next drift check.
 * The reconcile still reads the value through the API (`readSecret`), never from this cache.
 */
export function secretInformer(options: {
  kubeConfig: KubeConfig;
  namespace: string | undefined;
  logger: OperatorLogger;
  clock?: Clock;
  watchdogMs?: number;
}): SupervisedInformer<V1Secret> {
  const { kubeConfig, namespace } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const path = namespace === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${namespace}/secrets`;
  const list = async (): Promise<KubernetesListObject<V1Secret>> =>
    namespace === undefined
      ? await core.listSecretForAllNamespaces()
      : await core.listNamespacedSecret({ namespace });
  return new SupervisedInformer<V1Secret>({
    name: 'secret',
    factory: (wrapped) => makeInformer(kubeConfig, path, wrapped),
    list,
    logger: options.logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.watchdogMs === undefined ? {} : { watchdogMs: options.watchdogMs }),
    resyncMs: 0,
  });
}
