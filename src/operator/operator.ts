/**
 * The operator process (kubernetes.md §5): supervised informers on SyntheticMonitors and
 * SyntheticsProjects (started before leadership, so a new leader has a warm cache), one work
 * queue and controller per kind, leader election gating the workers, `/healthz`, `/readyz`,
 * `/metrics`, and an orderly shutdown: stop workers, drain in-flight reconciles within a
 * deadline, stop informers, release the lease.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '../runner/clock.js';
import { Controller, type Reconciler } from './controller.js';
import { HealthServer } from './health-server.js';
import { SupervisedInformer, type InformerEvent } from './informer.js';
import {
  supervisedCustomObjectInformer,
  FINALIZER,
  MONITORS,
  PROJECTS,
  type KubeClient,
  type KubeObject,
  type ResourceRef,
} from './kube-client.js';
import { LeaderElector } from './leader-election.js';
import type { OperatorLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { WorkQueue } from './work-queue.js';

type CachedObject = KubeObject & KubernetesObject;

/** What reconcilers are built from: the client, the informer caches and the queues. */
export interface OperatorDeps {
  readonly client: KubeClient;
  readonly monitors: SupervisedInformer<CachedObject>;
  readonly projects: SupervisedInformer<CachedObject>;
  readonly monitorQueue: WorkQueue;
  readonly projectQueue: WorkQueue;
  readonly logger: OperatorLogger;
  readonly clock: Clock;
  readonly kubeConfig: KubeConfig;
  /** The watched namespace; undefined for all. */
  readonly namespace: string | undefined;
}

/** An extra informer the reconcilers need (Secrets): started and stopped with the others. */
export interface AuxiliaryInformer {
  start(signal?: AbortSignal): void;
  stop(): Promise<void>;
}

/** The reconcilers of the two kinds; a kind without one is not reconciled. */
export interface OperatorReconcilers {
  readonly monitors?: Reconciler;
  readonly projects?: Reconciler;
  /** Informers the reconcilers watch besides monitors and projects. */
  readonly informers?: readonly AuxiliaryInformer[];
}

/** Leader election settings (client-go defaults when unset). */
export interface LeaderElectionSettings {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

/** Options of {@link Operator}. */
export interface OperatorOptions {
  readonly kubeConfig: KubeConfig;
  readonly client: KubeClient;
  /** Watch one namespace; undefined watches all. */
  readonly namespace?: string;
  readonly leaderElection?: LeaderElectionSettings;
  /** Where `/healthz`, `/readyz` and `/metrics` listen; undefined for no server. */
  readonly listen?: { host: string; port: number };
  readonly workers?: number;
  readonly logger: OperatorLogger;
  readonly registry: Registry;
  readonly clock?: Clock;
  /** Full resync period (every key re-queued); controller-runtime's SyncPeriod is 10 h. */
  readonly resyncMs?: number;
  /** Informer watchdog: re-list after this long without events. */
  readonly watchdogMs?: number;
  /** How long shutdown waits for in-flight reconciles. */
  readonly drainTimeoutMs?: number;
  readonly reconcilers: (deps: OperatorDeps) => OperatorReconcilers;
  /** Called with the health server's URL once it listens. */
  readonly onListening?: (url: string) => void;
}

/**
 * True when an update matters to a reconcile: spec (generation), deletion, finalizers, labels
 * or annotations changed. Status-only updates (our own writes) are skipped —
 * controller-runtime's GenerationChangedPredicate plus the metadata reconcilers act on. So is
 * the update that only adds our finalizer: the reconcile that added it goes on with the
 * returned object, and re-queueing the project for it would re-plan every new project twice.
 */
export function isRelevantChange(event: InformerEvent<KubeObject>): boolean {
  if (event.type !== 'update' || event.old === undefined) return true;
  const a = event.old.metadata;
  const b = event.object.metadata;
  const before = a.finalizers ?? [];
  const after = b.finalizers ?? [];
  const finalizersChanged = JSON.stringify(before) !== JSON.stringify(after);
  const onlyOurFinalizerAdded =
    finalizersChanged &&
    !before.includes(FINALIZER) &&
    JSON.stringify([...before, FINALIZER]) === JSON.stringify(after);
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    (finalizersChanged && !onlyOurFinalizerAdded) ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {})
  );
}

/** The operator process. */
export class Operator {
  readonly #o: OperatorOptions;
  readonly #clock: Clock;
  readonly metrics: OperatorMetrics;
  readonly monitors: SupervisedInformer<CachedObject>;
  readonly projects: SupervisedInformer<CachedObject>;
  readonly monitorQueue: WorkQueue;
  readonly projectQueue: WorkQueue;
  #leading = false;

  constructor(options: OperatorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.metrics = new OperatorMetrics(options.registry);
    this.monitors = this.#informer('syntheticmonitor', MONITORS);
    this.projects = this.#informer('syntheticsproject', PROJECTS);
    this.monitorQueue = new WorkQueue({
      name: 'syntheticmonitor',
      clock: this.#clock,
      metrics: this.metrics,
    });
    this.projectQueue = new WorkQueue({
      name: 'syntheticsproject',
      clock: this.#clock,
      metrics: this.metrics,
    });
  }

  #informer(name: string, ref: ResourceRef): SupervisedInformer<CachedObject> {
    return supervisedCustomObjectInformer(this.#o.kubeConfig, ref, {
      name,
      namespace: this.#o.namespace,
      logger: this.#o.logger,
      clock: this.#clock,
      ...(this.#o.watchdogMs === undefined ? {} : { watchdogMs: this.#o.watchdogMs }),
      resyncMs: this.#o.resyncMs ?? 10 * 60 * 60 * 1000,
    });
  }

  /** Why `/readyz` fails, or undefined. */
  notReadyReason(): string | undefined {
    if (!this.monitors.hasSynced) return 'SyntheticMonitor informer not synced';
    if (!this.projects.hasSynced) return 'SyntheticsProject informer not synced';
    return undefined;
  }

  /** True while this process runs the workers (always true without leader election). */
  get isLeading(): boolean {
    return this.#leading;
  }

  /**
   * Runs until `signal` aborts ('stopped') or leadership is lost ('lost': the caller should
   * exit non-zero, as controller-runtime does, so a fresh process campaigns again).
   */
  async run(signal: AbortSignal): Promise<'stopped' | 'lost'> {
    const { logger } = this.#o;
    const health =
      this.#o.listen === undefined
        ? undefined
        : new HealthServer({
            registry: this.#o.registry,
            notReadyReason: () => this.notReadyReason(),
            host: this.#o.listen.host,
            port: this.#o.listen.port,
          });
    if (health !== undefined) this.#o.onListening?.(await health.start());
    const stopInformers = new AbortController();
    const unsubscribe = [
      ...this.#wire(this.monitors, this.monitorQueue),
      ...this.#wire(this.projects, this.projectQueue),
    ];
    this.monitors.start(stopInformers.signal);
    this.projects.start(stopInformers.signal);
    const reconcilers = this.#o.reconcilers({
      client: this.#o.client,
      monitors: this.monitors,
      projects: this.projects,
      monitorQueue: this.monitorQueue,
      projectQueue: this.projectQueue,
      logger,
      clock: this.#clock,
      kubeConfig: this.#o.kubeConfig,
      namespace: this.#o.namespace,
    });
    for (const informer of reconcilers.informers ?? []) informer.start(stopInformers.signal);
    let outcome: 'stopped' | 'lost' = 'stopped';
    try {
      const election = this.#o.leaderElection;
      if (election === undefined) {
        await this.#lead(reconcilers, signal);
      } else {
        let leading: Promise<void> = Promise.resolve();
        const elector = new LeaderElector({
          ...election,
          leases: this.#o.client.leases,
          logger,
          clock: this.#clock,
          onStartedLeading: (leadingSignal) => {
            leading = this.#lead(reconcilers, leadingSignal);
          },
          beforeRelease: () => leading,
        });
        const result = await elector.run(signal);
        await leading;
        if (result === 'lost') outcome = 'lost';
      }
    } finally {
      for (const u of unsubscribe) u();
      stopInformers.abort();
      await Promise.all([
        this.monitors.stop(),
        this.projects.stop(),
        ...(reconcilers.informers ?? []).map((i) => i.stop()),
      ]);
      this.monitorQueue.shutDown();
      this.projectQueue.shutDown();
      await health?.stop();
    }
    return outcome;
  }

  #wire(informer: SupervisedInformer<CachedObject>, queue: WorkQueue): (() => void)[] {
    return [
      informer.onEvent((event) => {
        if (isRelevantChange(event)) queue.add(event.key);
      }),
      informer.onResync((keys) => {
        for (const key of keys) queue.add(key);
      }),
    ];
  }

  /** Runs the workers while `signal` holds; on abort, drains in-flight reconciles. */
  async #lead(reconcilers: OperatorReconcilers, signal: AbortSignal): Promise<void> {
    const synced = (await this.monitors.waitForSync(signal)) && (await this.projects.waitForSync(signal));
    if (!synced) return;
    this.#leading = true;
    const workers = this.#o.workers ?? 2;
    const controllers: Controller[] = [];
    if (reconcilers.monitors !== undefined)
      controllers.push(
        new Controller({
          name: 'syntheticmonitor',
          queue: this.monitorQueue,
          reconciler: reconcilers.monitors,
          logger: this.#o.logger,
          workers,
          metrics: this.metrics,
          clock: this.#clock,
        }),
      );
    if (reconcilers.projects !== undefined)
      controllers.push(
        new Controller({
          name: 'syntheticsproject',
          queue: this.projectQueue,
          reconciler: reconcilers.projects,
          logger: this.#o.logger,
          workers,
          metrics: this.metrics,
          clock: this.#clock,
        }),
      );
    // A new leader reconciles everything it has cached: level-triggered from a clean slate.
    for (const key of this.monitors.keys()) this.monitorQueue.add(key);
    for (const key of this.projects.keys()) this.projectQueue.add(key);
    try {
      if (controllers.length > 0) await Promise.all(controllers.map((c) => c.run(signal)));
      else if (!signal.aborted)
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            resolve();
          });
        });
    } finally {
      this.#leading = false;
      const drain = AbortSignal.timeout(this.#o.drainTimeoutMs ?? 10_000);
      await Promise.all([
        this.monitorQueue.shutDownWithDrain(drain),
        this.projectQueue.shutDownWithDrain(drain),
      ]);
    }
  }
}
