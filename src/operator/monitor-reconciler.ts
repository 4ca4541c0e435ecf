/**
 * SyntheticMonitors are synced by their project (one `_bulk_update` per project, never one
 * request per monitor): a monitor event enqueues the project(s) that select it — before and
 * after the change, so a monitor that moves between projects is pruned from one and created
 * in the other. The monitor reconcile itself only handles monitors no project owns: an invalid
 * spec gets `Ready=False InvalidSpec` (no hot loop), and a deleted one loses the
 * `synthctl.dev/cleanup` finalizer at once (nothing in Kibana to remove).
 *
 * {@link createReconcilers} builds both reconcilers for {@link Operator}.
 */
import type { Registry } from 'prom-client';
import type { KibanaClientOptions } from '../kibana/client.js';
import type { ReconcileContext, ReconcileResult, Reconciler } from './controller.js';
import type { InformerEvent } from './informer.js';
import { InvalidSpecGuard, MonitorSpecChecker } from './invalid-spec.js';
import { KibanaRequestMetrics } from './kibana-metrics.js';
import { secretInformer } from './kube-secrets.js';
import { FINALIZER, MONITORS, type KubeObject } from './kube-client.js';
import { isRelevantChange, type OperatorDeps, type OperatorReconcilers } from './operator.js';
import {
  hasFinalizer,
  isDeleting,
  objectKeyOf,
  ownsMonitor,
  ProjectReconciler,
  type ProjectReconcilerOptions,
} from './project-reconciler.js';

/** Reconciles monitors that no project owns; owned ones go to their project's queue. */
export class MonitorReconciler implements Reconciler {
  readonly #deps: OperatorDeps;
  readonly #guard: InvalidSpecGuard;

  constructor(deps: OperatorDeps, options: { now?: () => number; checker?: MonitorSpecChecker } = {}) {
    this.#deps = deps;
    this.#guard = new InvalidSpecGuard({
      client: deps.client,
      now: options.now ?? (() => deps.clock.now()),
      ...(options.checker === undefined ? {} : { checker: options.checker }),
    });
  }

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult | undefined> {
    const monitor = this.#deps.monitors.get(key);
    if (monitor === undefined) return undefined;
    // An owned monitor is its project's: the monitor informer's handler below already queued
    // the project for this change (and a new leader or a resync queues every project). Queueing
    // it again from here would often land while that reconcile runs and cost a second one.
    if (this.#deps.projects.list(monitor.metadata.namespace, (p) => ownsMonitor(p, monitor)).length > 0)
      return undefined;
    if (isDeleting(monitor)) {
      if (hasFinalizer(monitor))
        await this.#deps.client.removeFinalizer(MONITORS, monitor, FINALIZER, context.signal);
      return undefined;
    }
    await this.#guard.handle(MONITORS, monitor, context.signal);
    return undefined;
  }
}

/** Queues the projects that select a monitor before or after a change. */
export function projectsOfMonitorEvent(
  event: InformerEvent<KubeObject>,
  projects: (namespace: string | undefined, filter: (project: KubeObject) => boolean) => KubeObject[],
): string[] {
  const keys = new Set<string>();
  for (const monitor of [event.object, event.old]) {
    if (monitor === undefined) continue;
    for (const p of projects(monitor.metadata.namespace, (project) => ownsMonitor(project, monitor)))
      keys.add(objectKeyOf(p));
  }
  return [...keys];
}

/** Options of {@link createReconcilers}. */
export interface ReconcilerOptions {
  /** The operator's registry: `synthctl_kibana_requests_total` is registered on it. */
  readonly registry?: Registry;
  readonly kibana?: ProjectReconcilerOptions['kibana'];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly driftCheckMs?: number;
  /** Watch Secrets so rotation re-queues the projects that use them (default true). */
  readonly watchSecrets?: boolean;
}

/**
 * The project and monitor reconcilers over the operator's caches and queues, with monitor
 * events mapped to their projects.
 */
export function createReconcilers(
  deps: OperatorDeps,
  options: ReconcilerOptions = {},
): OperatorReconcilers & { projects: ProjectReconciler } {
  const metrics = options.registry === undefined ? undefined : new KibanaRequestMetrics(options.registry);
  const userOnRequest = options.kibana?.onRequest;
  const onRequest: KibanaClientOptions['onRequest'] =
    metrics === undefined && userOnRequest === undefined
      ? undefined
      : (event) => {
          metrics?.onRequest(event);
          userOnRequest?.(event);
        };
  const checker = new MonitorSpecChecker();
  const projects = new ProjectReconciler({
    checker,
    client: deps.client,
    projects: deps.projects,
    monitors: deps.monitors,
    logger: deps.logger,
    now: () => deps.clock.now(),
    kibana: { ...options.kibana, ...(onRequest === undefined ? {} : { onRequest }) },
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.driftCheckMs === undefined ? {} : { driftCheckMs: options.driftCheckMs }),
    ...(metrics === undefined
      ? {}
      : {
          onDrifted: (ns: string | undefined, name: string, n: number | undefined) => {
            metrics.setDrifted(ns, name, n);
          },
        }),
  });
  deps.monitors.onEvent((event) => {
    if (!isRelevantChange(event)) return;
    for (const key of projectsOfMonitorEvent(event, (ns, filter) => deps.projects.list(ns, filter)))
      deps.projectQueue.add(key);
  });
  const informers = [];
  if (options.watchSecrets !== false) {
    const secrets = secretInformer({
      kubeConfig: deps.kubeConfig,
      namespace: deps.namespace,
      logger: deps.logger,
      clock: deps.clock,
    });
    secrets.onEvent((event) => {
      if (event.type === 'update' && event.old !== undefined && sameData(event.old.data, event.object.data))
        return;
      for (const key of projects.projectsReferencingSecret(event.key)) deps.projectQueue.add(key);
    });
    informers.push(secrets);
  }
  return { monitors: new MonitorReconciler(deps, { checker }), projects, informers };
}

function sameData(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}
