/**
 * The runner in the cluster (issue 4 item 5): SyntheticMonitors and SyntheticsProjects come
 * from supervised informers (list and watch only: the runner never writes a spec), the
 * monitors assigned to this runner's location run on the runner's scheduler, and a monitor's
 * `status.lastResult` is merge-patched on the `/status` subresource only when its up/down
 * state changes, through a token bucket and coalesced per monitor, so `kubectl get sm` shows
 * the current state without a write per check (every write is a watch event for every
 * informer of the kind, kubernetes.md §2). Browser monitors run on a pooled Chromium as in
 * `synthctl run` when their journey is `inline` or `configMapRef` (read through the API,
 * src/runner/kube-configmaps.ts); `file` journeys and, without Chromium, all browser monitors
 * are skipped with one log line per generation (src/runner/kube-browser.ts).
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { createBrowserCheck, type BrowserRuntime } from '../checks/browser.js';
import { CheckRegistry } from '../checks/index.js';
import type { RunnableMonitor, SecretResolver } from '../checks/types.js';
import { selectMonitors, toRunnable } from '../model/defaults.js';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import { objectKey, SupervisedInformer, type InformerEvent } from '../operator/informer.js';
import { describeDiagnostics, MonitorSpecChecker } from '../operator/invalid-spec.js';
import {
  supervisedCustomObjectInformer,
  KubeApiError,
  MONITORS,
  PROJECTS,
  type KubeClient,
  type KubeObject,
  type ResourceRef,
} from '../operator/kube-client.js';
import { KubeSecretResolver } from '../operator/kube-secrets.js';
import type { OperatorLogger } from '../operator/logger.js';
import { RunnerHttpServer } from '../server/http-server.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { MonitorState } from './monitor-state.js';
import {
  clusterBrowserConcurrency,
  clusterSkipReason,
  detectBrowser,
  type BrowserAvailability,
  type BrowserMode,
} from './kube-browser.js';
import {
  ConfigMapCache,
  ConfigMapValueResolver,
  coreV1ConfigMapFetch,
  type ConfigMapFetch,
} from './kube-configmaps.js';
import { Runner } from './runner.js';

type CachedObject = KubeObject & KubernetesObject;

/** `status.lastResult` of a SyntheticMonitor, as the CRD declares it. */
export interface LastResult {
  state: 'up' | 'down';
  since: string;
  checkedAt?: string;
  durationMs?: number;
  location: string;
  message?: string;
  consecutiveFailures: number;
}

/** Options of {@link KubeRunner}. */
export interface KubeRunnerOptions {
  readonly kubeConfig: KubeConfig;
  readonly client: KubeClient;
  /** This runner's location: monitors naming it in locations or privateLocations run here. */
  readonly location: string;
  /** undefined: every namespace. */
  readonly namespace?: string;
  readonly logger: OperatorLogger;
  readonly registry: Registry;
  /** Where /metrics, /healthz, /readyz and /api listen; undefined for no server. */
  readonly listen?: { host: string; port: number };
  /** Checks running at once (the scheduler's global limit). */
  readonly concurrency?: number;
  /** For `valueFrom.env` references. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  /** Quiet time after a change before the runnable set is rebuilt (default 200 ms). */
  readonly debounceMs?: number;
  /** Status writes: token bucket refill per second (default 5) and burst (default 20). */
  readonly statusWrites?: { perSecond?: number; burst?: number };
  /** How long Secret values are reused before they are read again (default 60 s). */
  readonly secretTtlMs?: number;
  /** First runs within this many ms of start (see `SchedulerOptions.startupSpreadMs`). */
  readonly startupSpreadMs?: number;
  readonly watchdogMs?: number;
  /** Called with the server's URL once it listens. */
  readonly onListening?: (url: string) => void;
  /** Browser monitors (inline and configMapRef journeys); default off. */
  readonly browser?: KubeRunnerBrowserOptions;
  /** How long ConfigMap values (journeys, params) are reused before they are read again (default 60 s). */
  readonly configMapTtlMs?: number;
  /** Reads ConfigMaps (default: a GET through client-node's CoreV1Api). */
  readonly configMaps?: ConfigMapFetch;
}

/** How the cluster runner runs browser monitors, as `synthctl run` does (src/checks/browser.ts). */
export interface KubeRunnerBrowserOptions {
  /** auto: when Chromium is at `executablePath`; on: required (the constructor throws without); off: never. */
  readonly mode: BrowserMode;
  /** Default Debian's /usr/bin/chromium. */
  readonly executablePath?: string;
  /** Journeys at once (default: as `synthctl run`, CPUs bounded by memory, 1 to 8, within the cgroup limits). */
  readonly maxBrowsers?: number;
  /** Screenshots, traces and videos root (default `.synthctl/artifacts` under `cwd`); false keeps none. */
  readonly artifactsDir?: string | false;
  /** Folder relative artifact paths resolve against (default the process's). */
  readonly cwd?: string;
}

/** The CRD's `maxLength` of `status.lastResult.message`. */
const MAX_MESSAGE = 4096;

/**
 * Reads Secrets through the API, reusing each value for `ttlMs` so a check does not cost a
 * GET, while a rotated Secret is picked up within the TTL without a restart.
 */
class RefreshingSecretResolver implements SecretResolver {
  readonly #make: () => KubeSecretResolver;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #current: KubeSecretResolver;
  #madeAt: number;

  constructor(make: () => KubeSecretResolver, clock: Clock, ttlMs: number) {
    this.#make = make;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    this.#current = make();
    this.#madeAt = clock.now();
  }

  resolve(...args: Parameters<SecretResolver['resolve']>): ReturnType<SecretResolver['resolve']> {
    if (this.#clock.now() - this.#madeAt >= this.#ttlMs) {
      this.#current = this.#make();
      this.#madeAt = this.#clock.now();
    }
    return this.#current.resolve(...args);
  }
}

/**
 * Writes `status.lastResult` through a token bucket (golang.org/x/time/rate semantics without
 * debt), one write at a time, coalescing per monitor: a state queued while an older one waits
 * replaces it, so a flapping monitor costs at most one write per token.
 */
export class StatusWriter {
  readonly #pending = new Map<string, LastResult>();
  readonly #client: Pick<KubeClient, 'patchStatus'>;
  readonly #informer: Pick<SupervisedInformer<CachedObject>, 'get'>;
  readonly #clock: Clock;
  readonly #log: OperatorLogger;
  readonly #signal: AbortSignal;
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;
  #draining = false;
  #timer: TimerHandle | undefined;
  /** Status PATCH requests sent (for tests and logs). */
  writes = 0;

  constructor(options: {
    client: Pick<KubeClient, 'patchStatus'>;
    informer: Pick<SupervisedInformer<CachedObject>, 'get'>;
    clock: Clock;
    logger: OperatorLogger;
    signal: AbortSignal;
    perSecond: number;
    burst: number;
  }) {
    this.#client = options.client;
    this.#informer = options.informer;
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#signal = options.signal;
    this.#perSecond = options.perSecond;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#refilledAt = options.clock.now();
  }

  /** Queues `result` for the monitor `key`, replacing any queued one. */
  enqueue(key: string, result: LastResult): void {
    if (this.#signal.aborted) return;
    this.#pending.set(key, result);
    this.#drain();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond);
    this.#refilledAt = now;
  }

  #drain(): void {
    if (this.#draining || this.#timer !== undefined || this.#signal.aborted) return;
    const next = this.#pending.entries().next();
    if (next.done === true) return;
    this.#refill();
    if (this.#tokens < 1) {
      const waitMs = Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000);
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.#drain();
      }, waitMs);
      return;
    }
    this.#tokens -= 1;
    const [key, result] = next.value;
    this.#pending.delete(key);
    this.#draining = true;
    void this.#write(key, result).finally(() => {
      this.#draining = false;
      this.#drain();
    });
  }

  async #write(key: string, result: LastResult): Promise<void> {
    const cached = this.#informer.get(key);
    if (cached === undefined) return; // deleted meanwhile
    const current = cached.status?.['lastResult'] as Partial<LastResult> | undefined;
    // Restarts and re-added monitors report a transition from `pending`; what `kubectl get sm`
    // shows is already right when the state and location match, so no write.
    if (current?.state === result.state && current.location === result.location) return;
    try {
      // Only `lastResult` is ours: the patch names that key alone, leaving the operator's
      // conditions and Kibana identity as they are (RFC 7386 merges the rest).
      this.writes += 1;
      await this.#client.patchStatus(
        MONITORS,
        {
          metadata: cached.metadata,
          status: current === undefined ? {} : { lastResult: current },
        },
        { lastResult: result },
        this.#signal,
      );
    } catch (error) {
      if (this.#signal.aborted) return;
      const apiError = error instanceof KubeApiError ? error : undefined;
      if (apiError?.isNotFound === true) return;
      this.#log.warn(
        { monitor: key, status: apiError?.status, reason: apiError?.reason, err: errorMessage(error) },
        'status write failed',
      );
      // Transient failures retry through the bucket, unless a newer state is queued.
      if (apiError === undefined || apiError.isTransient || apiError.isConflict) {
        if (!this.#pending.has(key)) this.#pending.set(key, result);
      }
    }
  }
}

/** Runs the SyntheticMonitors assigned to one location, from the cluster's informers. */
export class KubeRunner {
  readonly runner: Runner;
  readonly monitors: SupervisedInformer<CachedObject>;
  readonly projects: SupervisedInformer<CachedObject>;
  readonly #o: KubeRunnerOptions;
  readonly #clock: Clock;
  readonly #checker = new MonitorSpecChecker();
  /** Validation results by `key@generation`, so an invalid monitor is checked and logged once. */
  readonly #verdicts = new Map<string, { marker: string; problem: string | undefined }>();
  /** journey id → object key, for status writes. */
  #keysById = new Map<string, string>();
  #ready = false;
  #writer: StatusWriter | undefined;
  /** Whether browser monitors run here (decided once, at construction). */
  readonly browser: BrowserAvailability;
  readonly #browserRuntime: BrowserRuntime | undefined;
  /** Aborts ConfigMap reads in flight when the runner stops. */
  readonly #stopReads = new AbortController();
  readonly #configMaps: ConfigMapCache;

  constructor(options: KubeRunnerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.monitors = this.#informer('syntheticmonitor', MONITORS);
    this.projects = this.#informer('syntheticsproject', PROJECTS);
    const secrets = new RefreshingSecretResolver(
      () =>
        new KubeSecretResolver({
          client: options.client,
          // Checks bound their own time; a Secret read only ends with the process.
          signal: new AbortController().signal,
          ...(options.env === undefined ? {} : { env: options.env }),
        }),
      this.#clock,
      options.secretTtlMs ?? 60_000,
    );
    this.#configMaps = new ConfigMapCache({
      fetch: options.configMaps ?? coreV1ConfigMapFetch(options.kubeConfig),
      clock: this.#clock,
      ttlMs: options.configMapTtlMs ?? 60_000,
      signal: this.#stopReads.signal,
    });
    const values = new ConfigMapValueResolver({
      cache: this.#configMaps,
      next: secrets,
      logger: options.logger,
    });
    const checks = new CheckRegistry({ secrets: values });
    this.browser = detectBrowser(options.browser?.mode ?? 'off', options.browser?.executablePath);
    if (this.browser.enabled) {
      // Browsers start on the first journey, as in `synthctl run`.
      this.#browserRuntime = createBrowserCheck({
        secrets: values,
        cwd: options.browser?.cwd ?? process.cwd(),
        ...(options.browser?.artifactsDir === undefined
          ? {}
          : { artifactsDir: options.browser.artifactsDir }),
        pool: {
          executablePath: this.browser.executablePath,
          size: options.browser?.maxBrowsers ?? clusterBrowserConcurrency(),
        },
        ...(options.env === undefined ? {} : { env: options.env }),
        logger: options.logger,
      });
      checks.register(this.#browserRuntime.check);
    }
    const browsers = this.#browserRuntime?.pool.size;
    this.runner = new Runner({
      monitors: [],
      checks,
      location: options.location,
      registry: options.registry,
      clock: this.#clock,
      logger: options.logger,
      // `lastResult.state` is up or down (the CRD's enum has no flap).
      flapping: { enabled: false },
      startupSpreadMs: options.startupSpreadMs ?? 30_000,
      concurrency: {
        ...(options.concurrency === undefined ? {} : { global: options.concurrency }),
        ...(browsers === undefined ? {} : { perType: { browser: browsers } }),
      },
    });
  }

  /** ConfigMap GET requests sent so far. */
  get configMapReads(): number {
    return this.#configMaps.reads;
  }

  /** True once both informers synced and the first schedule is loaded. */
  get isReady(): boolean {
    return this.#ready && this.runner.isReady;
  }

  /** Status PATCH requests sent so far. */
  get statusWrites(): number {
    return this.#writer?.writes ?? 0;
  }

  /** Runs until `signal` aborts; in-flight checks get 4 s to finish. */
  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.#o;
    const server =
      this.#o.listen === undefined
        ? undefined
        : new RunnerHttpServer({
            registry: this.#o.registry,
            status: this.runner,
            results: this.runner.results,
            isReady: () => this.isReady,
            host: this.#o.listen.host,
            port: this.#o.listen.port,
            logger,
          });
    const stopInformers = new AbortController();
    const writer = new StatusWriter({
      client: this.#o.client,
      informer: this.monitors,
      clock: this.#clock,
      logger,
      signal: stopInformers.signal,
      perSecond: this.#o.statusWrites?.perSecond ?? 5,
      burst: this.#o.statusWrites?.burst ?? 20,
    });
    this.#writer = writer;
    let debounce: TimerHandle | undefined;
    const schedule = (): void => {
      if (debounce !== undefined || !this.#ready) return;
      debounce = this.#clock.setTimeout(() => {
        debounce = undefined;
        this.#rebuild();
      }, this.#o.debounceMs ?? 200);
    };
    const unsubscribe = [
      this.monitors.onEvent((event) => {
        if (isSpecChange(event)) schedule();
      }),
      this.projects.onEvent((event) => {
        if (isSpecChange(event)) schedule();
      }),
      this.runner.onStatusChange((change) => {
        if (change.to !== 'up' && change.to !== 'down') return;
        const key = this.#keysById.get(change.monitorId);
        const state = this.runner.state(change.monitorId);
        if (key !== undefined && state !== undefined) writer.enqueue(key, lastResult(state, change.to));
      }),
    ];
    try {
      if (server !== undefined) {
        const address = await server.listen();
        this.#o.onListening?.(address.url);
      }
      this.monitors.start(stopInformers.signal);
      this.projects.start(stopInformers.signal);
      const synced = (await this.monitors.waitForSync(signal)) && (await this.projects.waitForSync(signal));
      if (synced && !signal.aborted) {
        this.#ready = true;
        this.#rebuild();
        this.runner.start();
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else
            signal.addEventListener(
              'abort',
              () => {
                resolve();
              },
              { once: true },
            );
        });
      }
    } finally {
      for (const u of unsubscribe) u();
      if (debounce !== undefined) this.#clock.clearTimeout(debounce);
      stopInformers.abort();
      writer.stop();
      await Promise.all([this.monitors.stop(), this.projects.stop()]);
      await this.runner.stop({ graceMs: 4000 });
      this.#stopReads.abort();
      await this.#browserRuntime?.close();
      await server?.close();
    }
  }

  /** The monitors of the cache this runner should run, and why others are left out. */
  #rebuild(): void {
    const { location, logger } = this.#o;
    const projects = this.projects
      .list()
      .filter((p) => p.metadata.deletionTimestamp === undefined)
      .sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
    const runnable: RunnableMonitor[] = [];
    const keysById = new Map<string, string>();
    const seen = new Set<string>();
    for (const object of this.monitors.list().sort((a, b) => objectKey(a).localeCompare(objectKey(b)))) {
      const key = objectKey(object);
      seen.add(key);
      const monitor = object as unknown as SyntheticMonitor;
      const owner = projects.find(
        (p) => selectMonitors(p as unknown as SyntheticsProject, [monitor]).length > 0,
      );
      const project = owner as unknown as SyntheticsProject | undefined;
      const marker = `${object.metadata.generation ?? 0}/${owner === undefined ? '' : `${objectKey(owner)}@${owner.metadata.generation ?? 0}`}`;
      let verdict = this.#verdicts.get(key);
      let monitorRunnable: RunnableMonitor | undefined;
      if (verdict?.marker !== marker) {
        const errors = this.#checker.check(object);
        let problem = errors.length > 0 ? describeDiagnostics(errors) : undefined;
        if (problem === undefined) {
          try {
            monitorRunnable = toRunnable(monitor, project);
          } catch (error) {
            problem = errorMessage(error);
          }
        }
        verdict = { marker, problem };
        this.#verdicts.set(key, verdict);
        if (problem !== undefined) logger.warn({ monitor: key, problem }, 'invalid monitor skipped');
      }
      if (verdict.problem !== undefined) continue;
      monitorRunnable ??= toRunnable(monitor, project);
      if (!monitorRunnable.locations.includes(location) || !monitorRunnable.enabled) continue;
      if (object.metadata.deletionTimestamp !== undefined) continue;
      const skip = clusterSkipReason(monitorRunnable, this.browser);
      if (skip !== undefined) {
        // One line per monitor generation: rebuilds happen on every change of any monitor.
        const logged = this.#verdicts.get(`${key}#type`);
        if (logged?.marker !== marker || logged.problem !== skip) {
          this.#verdicts.set(`${key}#type`, { marker, problem: skip });
          logger.warn({ monitor: key, type: monitorRunnable.type, reason: skip }, `monitor skipped: ${skip}`);
        }
        continue;
      }
      const other = keysById.get(monitorRunnable.id);
      if (other !== undefined) {
        logger.warn({ monitor: key, other, id: monitorRunnable.id }, 'duplicate journey id; skipped');
        continue;
      }
      keysById.set(monitorRunnable.id, key);
      runnable.push(monitorRunnable);
    }
    for (const key of this.#verdicts.keys())
      if (!seen.has(key.replace(/#type$/, ''))) this.#verdicts.delete(key);
    this.#keysById = keysById;
    this.runner.update(runnable);
  }

  #informer(name: string, ref: ResourceRef): SupervisedInformer<CachedObject> {
    return supervisedCustomObjectInformer(this.#o.kubeConfig, ref, {
      name,
      namespace: this.#o.namespace,
      logger: this.#o.logger,
      clock: this.#clock,
      ...(this.#o.watchdogMs === undefined ? {} : { watchdogMs: this.#o.watchdogMs }),
      // Level-triggered rebuilds need no periodic resync; the watchdog covers silent watches.
      resyncMs: 0,
    });
  }
}

/** Adds, deletes, and updates that change the spec, labels or deletion (not status writes). */
function isSpecChange(event: InformerEvent<CachedObject>): boolean {
  if (event.type !== 'update' || event.old === undefined) return true;
  const before = event.old.metadata;
  const after = event.object.metadata;
  return (
    before.generation !== after.generation ||
    before.deletionTimestamp !== after.deletionTimestamp ||
    JSON.stringify(before.labels ?? {}) !== JSON.stringify(after.labels ?? {})
  );
}

/** `status.lastResult` from the runner's state; the message is the check's, never a value. */
function lastResult(state: MonitorState, to: 'up' | 'down'): LastResult {
  const result: LastResult = {
    state: to,
    since: state.since,
    location: state.location,
    consecutiveFailures: state.consecutiveFailures,
  };
  if (state.checkedAt !== undefined) result.checkedAt = state.checkedAt;
  if (state.durationMs !== undefined) result.durationMs = Math.max(0, Math.round(state.durationMs));
  if (to === 'down' && state.message !== undefined) result.message = state.message.slice(0, MAX_MESSAGE);
  return result;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
