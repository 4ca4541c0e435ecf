/**
 * The SyntheticsProject reconciler (issue 4 items 2–3): level-triggered, from the informer
 * caches. One reconcile of a project:
 * 1. deletion: the `synthctl.dev/cleanup` finalizer waits for the project's `deletionPolicy`
 *    (Orphan by default leaves the Kibana monitors; Delete bulk-deletes every monitor of the
 *    project id), then goes;
 * 2. collects the monitors the project selects (same namespace); invalid ones get
 *    `Ready=False InvalidSpec` (no hot loop) and block prune, as `blockedReasons` do for plan
 *    and apply; deleting ones are left out so the apply removes them, then lose their finalizer;
 * 3. resolves the API key and params from Secrets (fresh each reconcile: rotation reaches
 *    Kibana at the next sync), plans and applies with minimal writes;
 * 4. writes status on the project and on every monitor (no-op writes skipped), records
 *    Events, and re-queues after `driftCheckInterval` (default 5 minutes) for drift.
 * Kibana errors: transient (unreachable, 5xx, 429) → status `Synced=False`, then throw so the
 * controller retries with backoff; terminal (401, too old, rejected monitors) → status and a
 * re-check at the drift interval.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { SecretResolutionError } from '../checks/errors.js';
import { applyPlan, type ApplyResult } from '../kibana/apply.js';
import { KibanaClient, PROJECT_LIMITS, type KibanaApi, type KibanaClientOptions } from '../kibana/client.js';
import { isTransientKibanaError } from '../kibana/errors.js';
import { SecretDigestCache } from '../kibana/hash.js';
import { planProject, PlanError, type MonitorPlan, type Plan } from '../kibana/plan.js';
import { journeyId, monitorType, selectMonitors } from '../model/defaults.js';
import { tryParseDuration } from '../model/duration.js';
import type { Condition, SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import type { ReconcileContext, ReconcileResult, Reconciler } from './controller.js';
import { InvalidSpecGuard, MonitorSpecChecker } from './invalid-spec.js';
import {
  FINALIZER,
  KubeApiError,
  MONITORS,
  PROJECTS,
  type KubeClient,
  type KubeObject,
} from './kube-client.js';
import { KubeSecretResolver } from './kube-secrets.js';
import type { OperatorLogger } from './logger.js';
import { formatTime, setConditions, type DesiredCondition } from './status.js';

/** Default `spec.driftCheckInterval`. */
export const DEFAULT_DRIFT_CHECK_MS = 5 * 60 * 1000;

/** A read-only view of the informer caches the reconciler needs. */
export interface ObjectCacheView {
  get(key: string): KubeObject | undefined;
  /** Copies of the objects (of `namespace`) that `filter`, given the cached object, accepts. */
  list(namespace?: string, filter?: (object: KubeObject) => boolean): KubeObject[];
}

/** Options of {@link ProjectReconciler}. */
export interface ProjectReconcilerOptions {
  readonly client: KubeClient;
  readonly projects: ObjectCacheView;
  readonly monitors: ObjectCacheView;
  readonly logger: OperatorLogger;
  readonly now?: () => number;
  /** Extra KibanaClient options (retry policy, onRequest for metrics, dispatcher in tests). */
  readonly kibana?: Partial<Omit<KibanaClientOptions, 'url' | 'apiKey' | 'space'>>;
  /** The operator's environment, for `valueFrom.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default drift check interval (5 minutes). */
  readonly driftCheckMs?: number;
  /** Called with a project's drifted count after each sync, `undefined` when it is gone. */
  readonly onDrifted?: (namespace: string | undefined, project: string, count: number | undefined) => void;
  /** Upper bound of monitor Events per reconcile (the rest are summed up on the project). */
  readonly maxMonitorEvents?: number;
  /** The spec checker, shared with the monitor reconciler (one schema compile, one memo). */
  readonly checker?: MonitorSpecChecker;
}

/** A configuration problem that only a change can fix: reported in status, not retried hot. */
class TerminalError extends Error {
  override readonly name = 'TerminalError';
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

interface CachedClient {
  readonly fingerprint: string;
  readonly api: KibanaApi;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The user's part of a cached object, as synthctl's model types see it. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view of JSON
function asModel<T>(object: KubeObject, kind: string): T {
  const { name, namespace, labels, annotations } = object.metadata;
  return {
    apiVersion: object.apiVersion ?? 'synthctl.dev/v1alpha1',
    kind,
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: object.spec,
  } as T;
}

const isDeleting = (o: KubeObject): boolean => o.metadata.deletionTimestamp !== undefined;
const hasFinalizer = (o: KubeObject): boolean => (o.metadata.finalizers ?? []).includes(FINALIZER);
const keyOf = (o: KubeObject): string =>
  o.metadata.namespace === undefined ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;

/** True when `project` is live (not deleting) and selects `monitor`. */
export function ownsMonitor(project: KubeObject, monitor: KubeObject): boolean {
  return (
    !isDeleting(project) &&
    project.metadata.namespace === monitor.metadata.namespace &&
    selectMonitors(asModel<SyntheticsProject>(project, 'SyntheticsProject'), [{ metadata: monitor.metadata }])
      .length === 1
  );
}

/** The live (not deleting) projects that select `monitor`. */
export function owningProjects(monitor: KubeObject, projects: readonly KubeObject[]): KubeObject[] {
  return projects.filter((p) => ownsMonitor(p, monitor));
}

/** Reconciles SyntheticsProjects into Kibana. */
export class ProjectReconciler implements Reconciler {
  readonly #o: ProjectReconcilerOptions;
  readonly #now: () => number;
  readonly #guard: InvalidSpecGuard;
  readonly #clients = new Map<string, CachedClient>();
  /** Project key → `namespace/name` of the Secrets its last reconcile read. */
  readonly #secretRefs = new Map<string, Set<string>>();
  /** Project key → when the last sync that wrote to Kibana ran, and what it did. */
  readonly #lastSync = new Map<string, { at: string; summary: unknown }>();
  /** Secret digests across reconciles: scrypt per param per plan was most of a plan's CPU. */
  readonly #digests = new SecretDigestCache();

  constructor(options: ProjectReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#guard = new InvalidSpecGuard({
      client: options.client,
      now: this.#now,
      ...(options.checker === undefined ? {} : { checker: options.checker }),
    });
  }

  /** The projects whose last reconcile read the Secret `namespace/name`. */
  projectsReferencingSecret(secretKey: string): string[] {
    const out: string[] = [];
    for (const [project, refs] of this.#secretRefs) if (refs.has(secretKey)) out.push(project);
    return out;
  }

  /** Closes every cached Kibana client. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.api.close().catch(() => undefined)));
  }

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult | undefined> {
    let project = this.#o.projects.get(key);
    if (project === undefined) {
      await this.#dropClient(key);
      return undefined;
    }
    if (isDeleting(project)) return this.#finalize(key, project, context);
    const { signal } = context;
    if (!hasFinalizer(project))
      project = await this.#o.client.addFinalizer(PROJECTS, project, FINALIZER, signal);
    const model = asModel<SyntheticsProject>(project, 'SyntheticsProject');
    const driftMs = this.#driftMs(model);
    // One signal per reconcile: its many concurrent requests each listen for the abort.
    const local = new AbortController();
    setMaxListeners(0, local.signal);
    const forward = (): void => {
      local.abort(signal.reason);
    };
    signal.addEventListener('abort', forward, { once: true });
    if (signal.aborted) forward();
    try {
      return await this.#sync(key, project, model, driftMs, { ...context, signal: local.signal });
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof TerminalError) {
        context.logger.warn({ reason: error.reason, error: error.message }, 'project cannot sync');
        await this.#writeProjectFailure(project, error.reason, error.message, signal);
        return { requeueAfterMs: driftMs };
      }
      // API server errors (409 on a finalizer, 5xx) are retried as they are: not Kibana's.
      if (error instanceof KubeApiError) throw error;
      const transient = !(error instanceof PlanError) || isTransientKibanaError(error.cause);
      const reason = transient ? 'KibanaUnavailable' : 'KibanaError';
      await this.#writeProjectFailure(project, reason, messageOf(error), signal).catch(() => undefined);
      if (transient) throw error;
      context.logger.warn({ reason, error: messageOf(error) }, 'project cannot sync');
      return { requeueAfterMs: driftMs };
    } finally {
      signal.removeEventListener('abort', forward);
    }
  }

  #driftMs(project: SyntheticsProject): number {
    const text = project.spec.driftCheckInterval;
    const parsed = text === undefined ? undefined : tryParseDuration(text);
    return parsed !== undefined && parsed > 0 ? parsed : (this.#o.driftCheckMs ?? DEFAULT_DRIFT_CHECK_MS);
  }

  /** The Kibana client of a project, rebuilt (and the old one closed) when its settings change. */
  async #api(key: string, project: SyntheticsProject, secrets: KubeSecretResolver): Promise<KibanaApi> {
    const kibana = project.spec.kibana;
    const ref = kibana.apiKey?.valueFrom;
    if (ref === undefined)
      throw new TerminalError(
        'MissingApiKey',
        'spec.kibana.apiKey is not set: reference a Secret key with the Kibana API key (valueFrom.secretKeyRef)',
      );
    let apiKey: string | undefined;
    const cas: string[] = [];
    try {
      apiKey = await secrets.resolve(ref, project.metadata.namespace);
      for (const source of kibana.tls?.certificateAuthorities ?? []) {
        if (source.pem !== undefined) cas.push(source.pem);
        else {
          const value = await secrets.resolve(source, project.metadata.namespace);
          if (value !== undefined) cas.push(value);
        }
      }
    } catch (error) {
      if (error instanceof SecretResolutionError)
        throw new TerminalError('SecretNotFound', error.message, { cause: error });
      throw error;
    }
    if (apiKey === undefined || apiKey.trim() === '')
      throw new TerminalError(
        'MissingApiKey',
        'the Kibana API key referenced by spec.kibana.apiKey is empty',
      );
    const insecure = kibana.tls?.insecureSkipVerify === true;
    const timeoutMs = kibana.timeout === undefined ? undefined : tryParseDuration(kibana.timeout);
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          kibana.url,
          kibana.space ?? 'default',
          apiKey,
          cas,
          insecure,
          kibana.proxy,
          timeoutMs,
        ]),
      )
      .digest('hex');
    const cached = this.#clients.get(key);
    if (cached?.fingerprint === fingerprint) return cached.api;
    if (cached !== undefined) await cached.api.close().catch(() => undefined);
    const api = new KibanaClient({
      userAgent: 'synthctl-operator',
      ...this.#o.kibana,
      url: kibana.url,
      apiKey,
      space: kibana.space ?? 'default',
      ...(cas.length > 0 || insecure ? { tls: { ...(cas.length > 0 ? { ca: cas } : {}), insecure } } : {}),
      ...(kibana.proxy === undefined ? {} : { proxy: { uri: kibana.proxy } }),
      ...(timeoutMs === undefined ? {} : { headersTimeoutMs: timeoutMs }),
    });
    this.#clients.set(key, { fingerprint, api });
    return api;
  }

  async #dropClient(key: string): Promise<void> {
    const slash = key.indexOf('/');
    this.#o.onDrifted?.(slash < 0 ? undefined : key.slice(0, slash), key.slice(slash + 1), undefined);
    this.#secretRefs.delete(key);
    this.#lastSync.delete(key);
    const cached = this.#clients.get(key);
    this.#clients.delete(key);
    await cached?.api.close().catch(() => undefined);
  }

  async #sync(
    key: string,
    project: KubeObject,
    model: SyntheticsProject,
    driftMs: number,
    context: ReconcileContext,
  ): Promise<ReconcileResult> {
    const { signal, logger } = context;
    const { client } = this.#o;
    const namespace = project.metadata.namespace;
    const selected = this.#o.monitors.list(
      namespace,
      (object) => selectMonitors(model, [{ metadata: object.metadata }]).length === 1,
    );
    const live: KubeObject[] = [];
    const deleting: KubeObject[] = [];
    const invalid: KubeObject[] = [];
    for (const monitor of selected) {
      if (isDeleting(monitor)) {
        if (hasFinalizer(monitor)) deleting.push(monitor);
        continue;
      }
      if (await this.#guard.handle(MONITORS, monitor, signal)) {
        invalid.push(monitor);
        continue;
      }
      live.push(monitor);
    }
    // New monitors get the finalizer before they reach Kibana: a few at a time, not one
    // round trip after the other (a new project of 250 monitors is 250 patches).
    await boundedAll(
      live.map((monitor, i) => async () => {
        if (!hasFinalizer(monitor)) live[i] = await client.addFinalizer(MONITORS, monitor, FINALIZER, signal);
      }),
      STATUS_WRITE_CONCURRENCY,
      signal,
    );
    const blockedReasons = invalid.map(
      (m) => `monitor ${keyOf(m)} has an invalid spec (see its Ready condition)`,
    );
    const secrets = new KubeSecretResolver({
      client,
      signal,
      ...(this.#o.env === undefined ? {} : { env: this.#o.env }),
    });
    let api: KibanaApi;
    try {
      api = await this.#api(key, model, secrets);
    } finally {
      this.#secretRefs.set(key, secrets.referenced);
    }
    const plan = await planProject({
      digestCache: this.#digests,
      // Journeys in ConfigMaps are read through the API on every reconcile, like Secrets: an
      // edit in place reaches Kibana at the next sync (drift interval), a new ConfigMap name
      // (Kustomize's configMapGenerator) at once, as a spec change.
      readConfigMap: (ref, ns) => secrets.readJourney(ref, ns),
      project: model,
      monitors: live.map((m) => ({ monitor: asModel<SyntheticMonitor>(m, 'SyntheticMonitor') })),
      api,
      secrets,
      signal,
      blockedReasons,
      liveConfigs: 'all',
    });
    this.#secretRefs.set(key, secrets.referenced);
    const result = await applyPlan(plan, { api, signal });
    signal.throwIfAborted();
    // A deleted monitor is removed from Kibana even when prune is off, refused or blocked:
    // the user deleted that one resource, and its journey id is this project's own.
    const deletingIds = new Set(
      deleting.map((m) => journeyId(asModel<SyntheticMonitor>(m, 'SyntheticMonitor'))),
    );
    const applied = new Set(result.deleted);
    const leftovers = plan.monitors
      .filter((m) => m.action === 'delete' && deletingIds.has(m.id) && !applied.has(m.id))
      .map((m) => m.id);
    let deleteError: Error | undefined;
    for (let i = 0; i < leftovers.length; i += PROJECT_LIMITS.deletePerRequest) {
      const batch = leftovers.slice(i, i + PROJECT_LIMITS.deletePerRequest);
      try {
        for (const id of await api.bulkDelete(model.spec.projectId, batch, { signal }))
          result.deleted.push(id);
      } catch (error) {
        deleteError ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (deleteError === undefined)
      for (const monitor of deleting) await client.removeFinalizer(MONITORS, monitor, FINALIZER, signal);

    const created = await this.#createdConfigIds(api, model.spec.projectId, result, signal, logger);
    const now = this.#now();
    const states = await this.#writeMonitorStatuses(model, live, plan, result, created, now, signal);
    await this.#events(project, live, deleting, result, context);
    const wrote =
      result.created.length + result.updated.length + result.deleted.length + result.replaced.length > 0;
    const counts = {
      total: selected.length,
      synced: states.synced,
      failed: states.failed,
      drifted: states.drifted,
      invalid: invalid.length,
    };
    this.#o.onDrifted?.(namespace, project.metadata.name, counts.drifted);
    const conditions = projectConditions(plan, result, counts, invalid);
    const previous = project.status ?? {};
    const previousKibana = (previous['kibana'] ?? {}) as Record<string, unknown>;
    const generation = project.metadata.generation;
    const lastSync = {
      created: result.created.length,
      updated: result.updated.length,
      deleted: result.deleted.length,
      unchanged: plan.summary.unchanged,
      failed: result.failed.length,
    };
    // The cache may not show our last status write yet: what the last writing sync did is
    // remembered here, so a no-op reconcile right after it never overwrites it with zeros.
    const remembered = this.#lastSync.get(key);
    const sync =
      wrote || (remembered === undefined && previous['lastSync'] === undefined)
        ? { at: formatTime(now), summary: lastSync }
        : (remembered ?? {
            at:
              typeof previousKibana['lastSyncTime'] === 'string'
                ? previousKibana['lastSyncTime']
                : formatTime(now),
            summary: previous['lastSync'],
          });
    this.#lastSync.set(key, sync);
    const status: Record<string, unknown> = {
      ...previous,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      conditions: setConditions(previous['conditions'] as Condition[] | undefined, conditions, {
        now,
        ...(generation === undefined ? {} : { observedGeneration: generation }),
      }),
      kibana: { version: plan.kibanaVersion, space: plan.space, lastSyncTime: sync.at },
      monitors: counts,
      lastSync: sync.summary,
    };
    await client.patchStatus(PROJECTS, project, status, signal);
    logger.debug(
      {
        created: result.created.length,
        updated: result.updated.length,
        deleted: result.deleted.length,
        failed: result.failed.length,
        unchanged: plan.summary.unchanged,
      },
      'project reconciled',
    );
    if (deleteError !== undefined) throw deleteError;
    // Whole requests that failed (5xx after retries, resets) are retried with backoff; monitors
    // Kibana rejected one by one wait for a change or the next drift check.
    const requestFailed = result.failed.some((f) =>
      ['bulk update failed', 'delete failed', 'type change: delete of the old monitor failed'].includes(
        f.reason,
      ),
    );
    if (requestFailed)
      throw new Error(
        `Kibana requests failed for project ${key}: ${result.failed
          .slice(0, 3)
          .map((f) => `${f.id}: ${f.reason}${f.details === undefined ? '' : ` (${f.details})`}`)
          .join('; ')}`,
      );
    return { requeueAfterMs: driftMs };
  }

  /**
   * Kibana's saved-object ids of the monitors this sync created, from one paged read of the
   * project's configurations: the plan cannot know them, and without them the next reconcile
   * would write the status of every new monitor a second time. Best effort: on an error the
   * ids come with the next reconcile.
   */
  async #createdConfigIds(
    api: KibanaApi,
    projectId: string,
    result: ApplyResult,
    signal: AbortSignal,
    logger: ReconcileContext['logger'],
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const wanted = new Set([...result.created, ...result.replaced]);
    if (wanted.size === 0) return ids;
    try {
      const listed = await api.listMonitors({ projects: [projectId], perPage: 500 }, { signal });
      for (const m of listed.monitors) {
        const journey = m['journey_id'];
        if (typeof journey === 'string' && wanted.has(journey)) ids.set(journey, m.config_id);
      }
    } catch (error) {
      if (signal.aborted) throw error;
      logger.debug({ error: messageOf(error) }, 'cannot read the config ids of the created monitors');
    }
    return ids;
  }

  async #writeMonitorStatuses(
    project: SyntheticsProject,
    live: readonly KubeObject[],
    plan: Plan,
    result: ApplyResult,
    createdConfigIds: ReadonlyMap<string, string>,
    now: number,
    signal: AbortSignal,
  ): Promise<{ synced: number; failed: number; drifted: number }> {
    const byId = new Map<string, MonitorPlan>(plan.monitors.map((m) => [m.id, m]));
    const failures = new Map(result.failed.map((f) => [f.id, f]));
    const written = new Set([...result.created, ...result.updated, ...result.replaced]);
    const space = plan.space;
    const projectId = project.spec.projectId;
    let synced = 0;
    let failed = 0;
    let drifted = 0;
    const writes: (() => Promise<unknown>)[] = [];
    for (const monitor of live) {
      const model = asModel<SyntheticMonitor>(monitor, 'SyntheticMonitor');
      const id = journeyId(model);
      const mp = byId.get(id);
      const failure = failures.get(id);
      const generation = monitor.metadata.generation;
      const previous = monitor.status ?? {};
      const previousKibana = (previous['kibana'] ?? {}) as Record<string, unknown>;
      let synced_: DesiredCondition;
      if (failure !== undefined) {
        synced_ = {
          type: 'Synced',
          status: 'False',
          reason: failure.reason === 'bulk update failed' ? 'KibanaUnavailable' : 'KibanaRejected',
          message: `${failure.reason}${failure.details === undefined ? '' : `: ${failure.details}`}`,
        };
      } else if (mp === undefined || mp.action === 'error') {
        synced_ = {
          type: 'Synced',
          status: 'False',
          reason: 'TranslationFailed',
          message: mp?.errors.join('; ') || 'the monitor could not be translated for Kibana',
        };
      } else {
        synced_ = {
          type: 'Synced',
          status: 'True',
          reason: 'Synced',
          message: `in Kibana project ${projectId}, space ${space}`,
        };
      }
      const isDrifted = mp?.action === 'drifted' && mp.drift?.reverted !== true;
      if (synced_.status === 'True') synced++;
      else failed++;
      if (isDrifted) drifted++;
      const conditions: DesiredCondition[] = [
        synced_.status === 'True'
          ? { type: 'Ready', status: 'True', reason: 'Synced', message: 'the monitor is in Kibana' }
          : { type: 'Ready', status: 'False', reason: synced_.reason, message: synced_.message },
        synced_,
        isDrifted
          ? {
              type: 'Drifted',
              status: 'True',
              reason: 'DriftDetected',
              message: `edited in Kibana (${mp.drift?.reason ?? 'config-differs'}); driftPolicy Report keeps the Kibana version`,
            }
          : { type: 'Drifted', status: 'False', reason: 'NoDrift', message: 'Kibana matches the spec' },
      ];
      // The hash of the content last applied: the payload's when this sync sent it, else the
      // one recorded before (an unchanged monitor has no payload; dropping the hash then would
      // rewrite the status of every monitor on every sync).
      const hash =
        failure === undefined && mp?.payload?.hash !== undefined
          ? mp.payload.hash
          : typeof previousKibana['hash'] === 'string'
            ? previousKibana['hash']
            : undefined;
      const configId =
        createdConfigIds.get(id) ??
        mp?.configId ??
        (typeof previousKibana['configId'] === 'string' ? previousKibana['configId'] : undefined);
      const kibana: Record<string, unknown> = {
        journeyId: id,
        monitorId: `${id}-${projectId}-${space}`,
        projectId,
        space,
        ...(configId === undefined ? {} : { configId }),
        ...(hash === undefined ? {} : { hash }),
      };
      const lastSyncTime =
        written.has(id) && failure === undefined
          ? formatTime(now)
          : typeof previousKibana['lastSyncTime'] === 'string'
            ? previousKibana['lastSyncTime']
            : synced_.status === 'True'
              ? formatTime(now)
              : undefined;
      if (lastSyncTime !== undefined) kibana['lastSyncTime'] = lastSyncTime;
      let type: string | undefined;
      try {
        type = monitorType(model.spec);
      } catch {
        type = undefined;
      }
      const status: Record<string, unknown> = {
        ...previous,
        ...(generation === undefined ? {} : { observedGeneration: generation }),
        ...(type === undefined ? {} : { type }),
        conditions: setConditions(previous['conditions'] as Condition[] | undefined, conditions, {
          now,
          ...(generation === undefined ? {} : { observedGeneration: generation }),
        }),
        kibana,
      };
      writes.push(() => this.#o.client.patchStatus(MONITORS, monitor, status, signal));
    }
    // Bounded concurrency: a project of 1,000 monitors writes at most 8 statuses at a time.
    await boundedAll(writes, STATUS_WRITE_CONCURRENCY, signal);
    return { synced, failed, drifted };
  }

  async #events(
    project: KubeObject,
    live: readonly KubeObject[],
    deleting: readonly KubeObject[],
    result: ApplyResult,
    context: ReconcileContext,
  ): Promise<void> {
    const { client } = this.#o;
    const { signal } = context;
    const list = (ids: readonly string[]): string =>
      `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}`;
    const summary: [string, string[], 'Normal' | 'Warning'][] = [
      ['Created', result.created, 'Normal'],
      ['Updated', [...result.updated, ...result.replaced], 'Normal'],
      ['Deleted', result.deleted, 'Normal'],
      ['SyncFailed', result.failed.map((f) => f.id), 'Warning'],
    ];
    for (const [reason, ids, type] of summary)
      if (ids.length > 0)
        await client.recordEvent(
          {
            involved: project,
            type,
            reason,
            message: `${reason === 'SyncFailed' ? 'Failed to sync' : reason} ${String(ids.length)} monitor${ids.length === 1 ? '' : 's'} in Kibana: ${list(ids)}`,
          },
          signal,
        );
    const limit = this.#o.maxMonitorEvents ?? 50;
    const byId = new Map(
      [...live, ...deleting].map((m) => [journeyId(asModel<SyntheticMonitor>(m, 'SyntheticMonitor')), m]),
    );
    const perMonitor: { id: string; type: 'Normal' | 'Warning'; reason: string; message: string }[] = [
      ...result.created.map((id) => ({
        id,
        type: 'Normal' as const,
        reason: 'Created',
        message: `created in Kibana as ${id}`,
      })),
      ...result.updated.map((id) => ({
        id,
        type: 'Normal' as const,
        reason: 'Updated',
        message: `updated in Kibana (${id})`,
      })),
      ...result.replaced.map((id) => ({
        id,
        type: 'Normal' as const,
        reason: 'Updated',
        message: `replaced in Kibana (type change, ${id})`,
      })),
      ...result.deleted.map((id) => ({
        id,
        type: 'Normal' as const,
        reason: 'Deleted',
        message: `deleted from Kibana (${id})`,
      })),
      ...result.failed.map((f) => ({
        id: f.id,
        type: 'Warning' as const,
        reason: 'SyncFailed',
        message: `${f.reason}${f.details === undefined ? '' : `: ${f.details}`}`,
      })),
    ];
    for (const e of perMonitor.slice(0, limit)) {
      const involved = byId.get(e.id);
      if (involved !== undefined)
        await client.recordEvent({ involved, type: e.type, reason: e.reason, message: e.message }, signal);
    }
  }

  async #writeProjectFailure(
    project: KubeObject,
    reason: string,
    message: string,
    signal: AbortSignal,
  ): Promise<void> {
    const previous = project.status ?? {};
    const generation = project.metadata.generation;
    const conditions = setConditions(
      previous['conditions'] as Condition[] | undefined,
      [
        { type: 'Ready', status: 'False', reason, message },
        { type: 'Synced', status: 'False', reason, message },
      ],
      { now: this.#now(), ...(generation === undefined ? {} : { observedGeneration: generation }) },
    );
    const status = {
      ...previous,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      conditions,
    };
    const written = await this.#o.client.patchStatus(PROJECTS, project, status, signal);
    if (written !== undefined)
      await this.#o.client.recordEvent(
        { involved: project, type: 'Warning', reason: 'SyncFailed', message: `${reason}: ${message}` },
        signal,
      );
  }

  /** The finalizer step: follow `deletionPolicy`, then let the project go. */
  async #finalize(
    key: string,
    project: KubeObject,
    context: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const { signal, logger } = context;
    const { client } = this.#o;
    if (!hasFinalizer(project)) {
      await this.#dropClient(key);
      return undefined;
    }
    const model = asModel<SyntheticsProject>(project, 'SyntheticsProject');
    const policy = model.spec.deletionPolicy ?? 'Orphan';
    if (policy === 'Delete') {
      const secrets = new KubeSecretResolver({
        client,
        signal,
        ...(this.#o.env === undefined ? {} : { env: this.#o.env }),
      });
      try {
        const api = await this.#api(key, model, secrets);
        const listed = await api.listProjectMonitors(model.spec.projectId, { signal, perPage: 1000 });
        const ids = listed.monitors.map((m) => m.journey_id);
        const deleted: string[] = [];
        for (let i = 0; i < ids.length; i += PROJECT_LIMITS.deletePerRequest)
          deleted.push(
            ...(await api.bulkDelete(
              model.spec.projectId,
              ids.slice(i, i + PROJECT_LIMITS.deletePerRequest),
              {
                signal,
              },
            )),
          );
        if (deleted.length > 0)
          await client.recordEvent(
            {
              involved: project,
              type: 'Normal',
              reason: 'Deleted',
              message: `deletionPolicy Delete: deleted ${String(deleted.length)} monitor${deleted.length === 1 ? '' : 's'} of project ${model.spec.projectId} from Kibana`,
            },
            signal,
          );
      } catch (error) {
        if (signal.aborted) throw error;
        const terminal = error instanceof TerminalError;
        const reason = terminal ? error.reason : 'DeleteFailed';
        await this.#writeProjectFailure(
          project,
          reason,
          `deletionPolicy Delete: the Kibana monitors could not be deleted (the finalizer ${FINALIZER} stays until they are; remove it by hand to orphan them): ${messageOf(error)}`,
          signal,
        ).catch(() => undefined);
        if (terminal) return { requeueAfterMs: this.#driftMs(model) };
        throw error;
      }
    } else {
      logger.info({ projectId: model.spec.projectId }, 'deletionPolicy Orphan: the Kibana monitors stay');
    }
    // Monitors being deleted that no other project owns would otherwise wait forever.
    const others = this.#o.projects.list(project.metadata.namespace).filter((p) => keyOf(p) !== key);
    for (const monitor of this.#o.monitors.list(project.metadata.namespace))
      if (isDeleting(monitor) && hasFinalizer(monitor) && owningProjects(monitor, others).length === 0)
        await client.removeFinalizer(MONITORS, monitor, FINALIZER, signal);
    await client.removeFinalizer(PROJECTS, project, FINALIZER, signal);
    await this.#dropClient(key);
    return undefined;
  }
}

/** Monitor status and finalizer writes in flight at once, per reconcile. */
const STATUS_WRITE_CONCURRENCY = 8;

/**
 * Runs `tasks` with at most `limit` in flight; stops starting new ones once `signal` aborts.
 * Every started task settles before it returns; the first error is then thrown.
 */
export async function boundedAll(
  tasks: readonly (() => Promise<unknown>)[],
  limit: number,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length && !signal.aborted) {
        const task = tasks[next++]!;
        try {
          await task();
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

function projectConditions(
  plan: Plan,
  result: ApplyResult,
  counts: { total: number; synced: number; failed: number; drifted: number; invalid: number },
  invalid: readonly KubeObject[],
): DesiredCondition[] {
  let synced: DesiredCondition;
  if (result.failed.length > 0 || counts.failed > 0) {
    const ids = result.failed.map((f) => f.id);
    synced = {
      type: 'Synced',
      status: 'False',
      reason: 'SyncFailed',
      message: `${String(Math.max(ids.length, counts.failed))} of ${String(counts.total)} monitors did not sync${ids.length > 0 ? `: ${ids.slice(0, 10).join(', ')}` : ''}`,
    };
  } else if (invalid.length > 0) {
    synced = {
      type: 'Synced',
      status: 'False',
      reason: 'InvalidMonitors',
      message: `${String(invalid.length)} monitor${invalid.length === 1 ? ' has' : 's have'} an invalid spec and prune is blocked: ${invalid
        .slice(0, 10)
        .map((m) => m.metadata.name)
        .join(', ')}`,
    };
  } else if (result.pruneRefused !== undefined) {
    synced = { type: 'Synced', status: 'False', reason: 'PruneRefused', message: result.pruneRefused };
  } else {
    synced = {
      type: 'Synced',
      status: 'True',
      reason: 'Synced',
      message: `${String(counts.synced)} monitor${counts.synced === 1 ? '' : 's'} in sync with Kibana ${plan.kibanaVersion}`,
    };
  }
  const drifted: DesiredCondition =
    counts.drifted > 0
      ? {
          type: 'Drifted',
          status: 'True',
          reason: 'DriftDetected',
          message: `${String(counts.drifted)} monitor${counts.drifted === 1 ? ' was' : 's were'} edited in Kibana (driftPolicy ${plan.driftPolicy})`,
        }
      : { type: 'Drifted', status: 'False', reason: 'NoDrift', message: 'Kibana matches the specs' };
  const ready: DesiredCondition =
    synced.status === 'True'
      ? { type: 'Ready', status: 'True', reason: 'Synced', message: synced.message }
      : { type: 'Ready', status: 'False', reason: synced.reason, message: synced.message };
  return [ready, synced, drifted];
}

export { keyOf as objectKeyOf, isDeleting, hasFinalizer };
