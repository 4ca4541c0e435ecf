/**
 * `planProject`: what `apply` would change in Kibana for a SyntheticsProject, computed from
 * live state. Reads the project's hash list (`GET …/project/{id}/monitors`, paginated with
 * `search_after`), the full stored configurations (`GET /api/synthetics/monitors?projects=<id>`,
 * paginated) for field-level diffs and drift, the params and private locations; translates the
 * monitors; and decides per monitor: create, update, replace (a type change: Kibana refuses
 * it, elastic.md §3), unchanged, drifted, delete (prune) or error. Nothing is written.
 *
 * Safety rules (elastic.md §11.1, §12.2): prune deletes only monitors of this project id,
 * never when an input failed to load, validate or translate (`blocked`), and never more than
 * `prune.maxDeletes` without `allowMassDelete`. Secret values are resolved here (so the hash
 * follows rotation) but kept out of the plan's data: only `paramValue()` returns them.
 */
import { createHash } from 'node:crypto';
import type { SecretResolver } from '../checks/types.js';
import { journeyId } from '../model/defaults.js';
import type { SyntheticsProject } from '../model/schema.js';
import type { KibanaApi, PrivateLocation, PublicMonitor, SyntheticsParam } from './client.js';
import { diffMonitor, type FieldChange } from './diff.js';
import { hashMonitor, secretDigest, type SecretDigestCache } from './hash.js';
import { PARAM_TAG, describeReference, projectParamTag, type ManagedParam } from './params.js';
import {
  translateProject,
  type ConfigMapReader,
  type MonitorSource,
  type ProjectMonitorPayload,
  type Translation,
} from './translate.js';
import type { KibanaCapabilities } from './version.js';

/** What apply does with a monitor. */
export const MONITOR_ACTIONS = [
  'create',
  'update',
  'replace',
  'delete',
  'drifted',
  'unchanged',
  'error',
] as const;
/** One of {@link MONITOR_ACTIONS}. */
export type MonitorAction = (typeof MONITOR_ACTIONS)[number];

/** Why a monitor counts as drifted. */
export type DriftReason =
  /** Kibana blanked the hash: the monitor was edited outside synthctl (kibana#143856). */
  | 'hash-blanked'
  /** The hash says Git's version is applied, but the stored configuration differs. */
  | 'config-differs';

/** The plan for one monitor. */
export interface MonitorPlan {
  /** Journey id. */
  readonly id: string;
  readonly name: string;
  /** Desired type, or the live type for deletes. */
  readonly type: string;
  readonly action: MonitorAction;
  /** Field-level differences, live → desired (masked). */
  readonly changes: readonly FieldChange[];
  /** Set when the monitor was changed in Kibana since synthctl applied it. */
  readonly drift?: { readonly reason: DriftReason; readonly reverted: boolean };
  /** The live type when a type change forces delete + create. */
  readonly liveType?: string;
  /** Kibana's saved-object id (`config_id`) when the monitor exists. */
  readonly configId?: string;
  readonly liveRevision?: number;
  /** For deletes: why the delete will not run (prune disabled, blocked, over the guard). */
  readonly skipped?: string;
  /** The file that declares the monitor. */
  readonly source?: string;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** What apply sends (absent for deletes and errors). Not rendered. */
  readonly payload?: ProjectMonitorPayload;
}

/** What apply does with a managed param. */
export type ParamAction = 'create' | 'update' | 'delete' | 'unchanged' | 'error';

/** The plan for one Kibana param that synthctl manages for this project. */
export interface ParamPlan {
  readonly key: string;
  readonly action: ParamAction;
  /** Kibana's param id when it exists. */
  readonly id?: string;
  /** What differs (`value`, `description`, `tags`); never the value itself. */
  readonly changed: readonly string[];
  /** The monitors that reference it. */
  readonly monitorIds: readonly string[];
  /** Where the value comes from (`environment variable X`), never the value. */
  readonly from?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly skipped?: string;
  readonly error?: string;
}

/** Counts by action. */
export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  drifted: number;
  unchanged: number;
  error: number;
  paramsCreate: number;
  paramsUpdate: number;
  paramsDelete: number;
}

/** What `planProject` found. JSON-safe: secret values are reachable only through `paramValue`. */
export interface Plan {
  readonly projectId: string;
  readonly space: string;
  readonly kibanaVersion: string;
  readonly capabilities: KibanaCapabilities;
  readonly driftPolicy: 'Revert' | 'Report';
  readonly prune: {
    readonly enabled: boolean;
    readonly maxDeletes: number;
    readonly allowMassDelete: boolean;
    /** True when apply will run the listed deletes. */
    readonly willDelete: boolean;
    /** Why it will not, when it will not and there is something to delete. */
    readonly refusal?: string;
  };
  /** True when an input failed to load, validate or translate: nothing is deleted. */
  readonly blocked: boolean;
  readonly blockedReasons: readonly string[];
  readonly monitors: readonly MonitorPlan[];
  readonly params: readonly ParamPlan[];
  /** Problems that make the plan fail as a whole (beyond per-monitor errors). */
  readonly errors: readonly string[];
  readonly summary: PlanSummary;
  /** True when apply would write something. */
  readonly hasChanges: boolean;
  /** The resolved value of a managed param for apply; never serialized. */
  paramValue(key: string): string | undefined;
}

/** Options of {@link planProject}. */
export interface PlanOptions {
  readonly project: SyntheticsProject;
  /** The monitors the project selects, with their files. */
  readonly monitors: readonly MonitorSource[];
  readonly api: KibanaApi;
  /** Resolves `valueFrom` of secrets (env outside Kubernetes, Secrets in the operator). */
  readonly secrets: SecretResolver;
  readonly signal?: AbortSignal;
  /**
   * Why the input is incomplete (files that failed to load or validate). Any reason blocks
   * every delete: a monitor missing because its file is broken must never be pruned.
   */
  readonly blockedReasons?: readonly string[];
  /** Overrides `spec.driftPolicy`. */
  readonly driftPolicy?: 'Revert' | 'Report';
  /** Overrides `spec.prune.enabled` (`--no-prune`). */
  readonly prune?: boolean;
  /** Lets prune exceed `spec.prune.maxDeletes` (`--allow-mass-delete`). */
  readonly allowMassDelete?: boolean;
  /** Project root for browser bundles (default: each monitor's folder). */
  readonly root?: string;
  readonly readConfigMap?: ConfigMapReader;
  /** Remembers secret digests across plans (the operator keeps one for its lifetime). */
  readonly digestCache?: SecretDigestCache;
  /**
   * Which full configurations to read: `all` (default) compares every monitor field by field,
   * which also finds a configuration changed behind an intact hash; `changed` reads only the
   * monitors whose hash differs (Kibana blanks the hash on every edit), which makes a no-op
   * read nothing but the hash list.
   */
  readonly liveConfigs?: 'all' | 'changed';
  /** Page size of the public monitors list (default 500). */
  readonly livePageSize?: number;
}

/** The plan could not be computed (Kibana unreachable, too old, …). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/** Default prune guard (`spec.prune.maxDeletes`). */
export const DEFAULT_MAX_DELETES = 10;

const LIGHTWEIGHT = new Set(['http', 'tcp', 'icmp']);
/** Up to this many changed monitors are read one by one; more, and the whole list is read. */
const CHANGED_READ_ONE_BY_ONE = 20;

/** Computes the plan of `project` against the Kibana behind `api`. Writes nothing. */
export async function planProject(options: PlanOptions): Promise<Plan> {
  const { project, api, signal } = options;
  const projectId = project.spec.projectId;
  const opts = signal === undefined ? {} : { signal };

  let capabilities: KibanaCapabilities;
  try {
    capabilities = await api.getCapabilities(opts);
  } catch (error) {
    throw new PlanError(`cannot read the Kibana version: ${messageOf(error)}`, { cause: error });
  }
  if (!capabilities.bulkProjectApi) {
    throw new PlanError(
      `Kibana ${capabilities.version} is older than 8.6.0 and has no project monitors bulk API; synthctl needs 8.6.0 or later`,
    );
  }

  // Live state and translation are independent: read Kibana while esbuild bundles.
  // Kibana's default page (`get_monitor_project.ts`), as push reads it: 5 requests for 5,000.
  const liveHashes = api.listProjectMonitors(projectId, { ...opts, perPage: 1000 });
  const listAll = (): Promise<{ total: number; monitors: PublicMonitor[] }> =>
    api.listMonitors({ projects: [projectId], perPage: options.livePageSize ?? 500 }, opts);
  const fullRead = (options.liveConfigs ?? 'all') === 'all';
  const liveConfigs = fullRead ? listAll() : undefined;
  const liveParams = api.listParams(opts);
  // Avoid unhandled rejections while translation runs; awaited below.
  for (const p of [liveHashes, liveConfigs, liveParams]) p?.catch(() => undefined);

  const translated = await translateProject(options.monitors, {
    project,
    ...(signal === undefined ? {} : { signal }),
    ...(options.root === undefined ? {} : { root: options.root }),
    ...(options.readConfigMap === undefined ? {} : { readConfigMap: options.readConfigMap }),
  });
  const needsPrivate = translated.translations.some(
    (t) => Array.isArray(t.payload['privateLocations']) && t.payload['privateLocations'].length > 0,
  );
  let hashes: Awaited<typeof liveHashes>;
  let configs: PublicMonitor[] | undefined;
  let params: SyntheticsParam[];
  let privateLocations: PrivateLocation[] = [];
  try {
    let listed: { monitors: PublicMonitor[] } | undefined;
    [hashes, listed, params] = await Promise.all([liveHashes, liveConfigs, liveParams]);
    configs = listed?.monitors;
    if (needsPrivate) privateLocations = await api.listPrivateLocations(opts);
  } catch (error) {
    throw new PlanError(`cannot read the live state of project ${projectId}: ${messageOf(error)}`, {
      cause: error,
    });
  }

  const blockedReasons = [...(options.blockedReasons ?? [])];
  const monitorPlans: MonitorPlan[] = [];
  const declared = new Set<string>();
  for (const failure of translated.failures) {
    let id: string;
    try {
      id = journeyId(failure.source.monitor);
    } catch {
      id = failure.source.monitor.metadata.name;
    }
    declared.add(id);
    blockedReasons.push(`monitor ${id} could not be translated: ${failure.error.message}`);
    monitorPlans.push({
      id,
      name: failure.source.monitor.spec.name ?? failure.source.monitor.metadata.name,
      type: typeOf(failure.source.monitor.spec),
      action: 'error',
      changes: [],
      errors: [failure.error.message],
      warnings: [],
      ...(failure.source.sourceFile === undefined ? {} : { source: failure.source.sourceFile }),
    });
  }
  const blocked = blockedReasons.length > 0;

  // ---- params: resolve every referenced secret once; digests enter the hashes.
  const wanted = new Map<string, { param: ManagedParam; monitorIds: string[] }>();
  for (const t of translated.translations) {
    for (const param of t.params) {
      const entry = wanted.get(param.key);
      if (entry === undefined) wanted.set(param.key, { param, monitorIds: [t.monitorId] });
      else entry.monitorIds.push(t.monitorId);
    }
  }
  const values = new Map<string, string>();
  const paramErrors = new Map<string, string>();
  const digests: Record<string, string> = {};
  for (const [key, { param }] of wanted) {
    signal?.throwIfAborted();
    try {
      const value = await options.secrets.resolve(param.valueRef, param.namespace);
      if (value === undefined) {
        paramErrors.set(key, `${describeReference(param.valueRef)} is not set (optional reference)`);
        continue;
      }
      values.set(key, value);
      digests[key] = options.digestCache?.digest(key, value) ?? secretDigest(key, value);
    } catch (error) {
      paramErrors.set(key, `cannot resolve ${describeReference(param.valueRef)}: ${messageOf(error)}`);
    }
  }
  const ownedTags = [PARAM_TAG, projectParamTag(projectId)];
  const isOwned = (p: SyntheticsParam): boolean => ownedTags.every((tag) => p.tags?.includes(tag));
  const liveByKey = new Map(params.map((p) => [p.key, p]));
  const paramPlans: ParamPlan[] = [];
  for (const [key, { param, monitorIds }] of wanted) {
    const live = liveByKey.get(key);
    const base = {
      key,
      monitorIds,
      from: describeReference(param.valueRef),
      description: param.description,
      tags: param.tags,
      ...(live === undefined ? {} : { id: live.id }),
    };
    const error =
      paramErrors.get(key) ??
      (live !== undefined && !isOwned(live)
        ? `a Kibana param ${key} exists in space ${api.space} and is not owned by project ${projectId} (tags ${JSON.stringify(live.tags ?? [])}); synthctl will not overwrite it`
        : undefined);
    if (error !== undefined) {
      // Monitors referencing it fail too: they would point at someone else's value.
      paramErrors.set(key, error);
      paramPlans.push({ ...base, action: 'error', changed: [], error });
      continue;
    }
    if (live === undefined) {
      paramPlans.push({ ...base, action: 'create', changed: ['value', 'description', 'tags'] });
      continue;
    }
    const changed: string[] = [];
    const value = values.get(key)!;
    if (live.value === undefined || sha256(live.value) !== sha256(value)) changed.push('value');
    if ((live.description ?? '') !== param.description) changed.push('description');
    if (!sameSet(live.tags ?? [], param.tags)) changed.push('tags');
    paramPlans.push({ ...base, action: changed.length > 0 ? 'update' : 'unchanged', changed });
  }
  const pruneEnabled = options.prune ?? project.spec.prune?.enabled ?? true;
  for (const live of params) {
    if (!isOwned(live) || wanted.has(live.key)) continue;
    paramPlans.push({
      key: live.key,
      id: live.id,
      action: 'delete',
      changed: [],
      monitorIds: [],
      ...(live.tags === undefined ? {} : { tags: live.tags }),
      ...(blocked
        ? { skipped: 'input incomplete: nothing is deleted' }
        : !pruneEnabled
          ? { skipped: 'prune disabled' }
          : {}),
    });
  }
  paramPlans.sort((a, b) => a.key.localeCompare(b.key));

  // ---- monitors
  const driftPolicy = options.driftPolicy ?? project.spec.driftPolicy ?? 'Report';
  const hashById = new Map(hashes.monitors.map((m) => [m.journey_id, m.hash]));
  const payloads = new Map(translated.translations.map((t) => [t.monitorId, finalPayload(t, digests)]));
  if (configs === undefined) {
    // `changed`: Kibana blanks the hash on every edit (kibana#143856), so only monitors whose
    // hash differs can differ; read just those, one by one when few.
    const declaredIds = new Set([...declared, ...payloads.keys()]);
    const needed = [
      ...[...payloads.values()]
        .filter((p) => {
          const live = hashById.get(p.id);
          return live !== undefined && live !== p.hash;
        })
        .map((p) => p.id),
      // Deletes too, so the plan names what it removes.
      ...hashes.monitors.filter((m) => !declaredIds.has(m.journey_id)).map((m) => m.journey_id),
    ];
    try {
      if (needed.length > CHANGED_READ_ONE_BY_ONE) configs = (await listAll()).monitors;
      else {
        configs = [];
        for (const id of needed) {
          const m = await api.getMonitor(`${id}-${projectId}-${api.space}`, opts);
          if (m !== undefined) configs.push(m);
        }
      }
    } catch (error) {
      throw new PlanError(`cannot read the live monitors of project ${projectId}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }
  const configById = new Map<string, PublicMonitor>();
  for (const m of configs) {
    if (m['project_id'] !== undefined && m['project_id'] !== projectId) continue;
    const jid = m['journey_id'];
    if (typeof jid === 'string') configById.set(jid, m);
  }
  const diffCtx = { privateLocations };
  const sources = sourceFiles(options.monitors);
  for (const t of translated.translations) {
    declared.add(t.monitorId);
    monitorPlans.push(
      planMonitor(t, payloads.get(t.monitorId)!, {
        paramErrors,
        capabilities,
        privateLocations,
        needsPrivate,
        space: api.space,
        liveHash: hashById.get(t.monitorId),
        live: configById.get(t.monitorId),
        driftPolicy,
        blocked,
        diffCtx,
        source: sources.get(t.monitorId),
      }),
    );
  }

  // ---- prune: live monitors of this project id that no input declares.
  const deletes = hashes.monitors.filter((m) => !declared.has(m.journey_id));
  const maxDeletes = project.spec.prune?.maxDeletes ?? DEFAULT_MAX_DELETES;
  const allowMassDelete = options.allowMassDelete ?? false;
  let refusal: string | undefined;
  if (deletes.length > 0) {
    if (!pruneEnabled) refusal = 'prune is disabled';
    else if (blocked) refusal = 'input incomplete (files failed to load, validate or translate)';
    else if (deletes.length > maxDeletes && !allowMassDelete) {
      refusal = `${deletes.length} deletes exceed prune.maxDeletes ${maxDeletes}; rerun with --allow-mass-delete if that is intended`;
    }
  }
  if (refusal !== undefined) {
    // Monitors that stay in Kibana may still reference these params: keep them too.
    for (const [i, p] of paramPlans.entries()) {
      if (p.action === 'delete' && p.skipped === undefined) {
        paramPlans[i] = { ...p, skipped: `monitor prune refused: ${refusal}` };
      }
    }
  }
  for (const d of deletes) {
    const live = configById.get(d.journey_id);
    monitorPlans.push({
      id: d.journey_id,
      name: typeof live?.name === 'string' ? live.name : d.journey_id,
      type: typeof live?.type === 'string' ? live.type : 'unknown',
      action: 'delete',
      changes: [],
      errors: [],
      warnings: [],
      ...(live === undefined ? {} : { configId: live.config_id }),
      ...(refusal === undefined ? {} : { skipped: refusal }),
    });
  }
  monitorPlans.sort((a, b) => a.id.localeCompare(b.id));

  const summary: PlanSummary = {
    create: 0,
    update: 0,
    replace: 0,
    delete: 0,
    drifted: 0,
    unchanged: 0,
    error: 0,
    paramsCreate: 0,
    paramsUpdate: 0,
    paramsDelete: 0,
  };
  for (const m of monitorPlans) {
    if (m.action === 'delete' && m.skipped !== undefined) continue;
    summary[m.action] += 1;
  }
  for (const p of paramPlans) {
    if (p.action === 'create') summary.paramsCreate += 1;
    if (p.action === 'update') summary.paramsUpdate += 1;
    if (p.action === 'delete' && p.skipped === undefined) summary.paramsDelete += 1;
  }
  const errors: string[] = [];
  if (refusal !== undefined && pruneEnabled) errors.push(`prune refused: ${refusal}`);
  const hasChanges =
    summary.create + summary.update + summary.replace + summary.delete > 0 ||
    summary.paramsCreate + summary.paramsUpdate + summary.paramsDelete > 0;

  const plan: Plan = {
    projectId,
    space: api.space,
    kibanaVersion: capabilities.version,
    capabilities,
    driftPolicy,
    prune: {
      enabled: pruneEnabled,
      maxDeletes,
      allowMassDelete,
      willDelete: refusal === undefined && deletes.length > 0,
      ...(refusal === undefined ? {} : { refusal }),
    },
    blocked,
    blockedReasons,
    monitors: monitorPlans,
    params: paramPlans,
    errors,
    summary,
    hasChanges,
    paramValue: (key) => values.get(key),
  };
  // Keep the accessor out of JSON and object spreads.
  Object.defineProperty(plan, 'paramValue', { enumerable: false });
  return plan;
}

interface MonitorContext {
  paramErrors: ReadonlyMap<string, string>;
  capabilities: KibanaCapabilities;
  privateLocations: readonly PrivateLocation[];
  needsPrivate: boolean;
  space: string;
  liveHash: string | undefined;
  live: PublicMonitor | undefined;
  driftPolicy: 'Revert' | 'Report';
  blocked: boolean;
  diffCtx: { privateLocations: readonly PrivateLocation[] };
  source: string | undefined;
}

/** The payload with its final hash, which covers the digests of the secrets it references. */
function finalPayload(t: Translation, digests: Readonly<Record<string, string>>): ProjectMonitorPayload {
  if (t.params.length === 0) return t.payload;
  const referenced: Record<string, string> = {};
  for (const p of t.params) referenced[p.key] = digests[p.key] ?? '';
  const payload: ProjectMonitorPayload = { ...t.payload };
  payload.hash = hashMonitor(payload, { secretDigests: referenced });
  return payload;
}

function planMonitor(t: Translation, payload: ProjectMonitorPayload, ctx: MonitorContext): MonitorPlan {
  const errors: string[] = t.issues
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.path}: ${i.message}`);
  const warnings: string[] = t.issues
    .filter((i) => i.severity === 'warning')
    .map((i) => `${i.path}: ${i.message}`);
  for (const p of t.params) {
    const e = ctx.paramErrors.get(p.key);
    if (e !== undefined) errors.push(`${p.field}: ${e}`);
  }
  errors.push(...gateErrors(payload, ctx.capabilities));
  const privateNames = (payload['privateLocations'] as string[] | undefined) ?? [];
  const unknown = privateNames.filter(
    (name) =>
      !ctx.privateLocations.some(
        (l) => l.label.toLowerCase() === name.toLowerCase() || l.id.toLowerCase() === name.toLowerCase(),
      ),
  );
  if (unknown.length > 0) {
    const available =
      ctx.privateLocations.length === 0
        ? 'none exist'
        : `those that exist: ${ctx.privateLocations.map((l) => `'${l.label}' (id ${l.id})`).join(', ')}`;
    errors.push(
      `unknown private location${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} in space ${ctx.space}; ${available}`,
    );
  }

  const base = {
    id: t.monitorId,
    name: payload.name,
    type: payload.type,
    warnings,
    ...(ctx.source === undefined ? {} : { source: ctx.source }),
    ...(ctx.live === undefined
      ? {}
      : {
          configId: ctx.live.config_id,
          ...(typeof ctx.live['revision'] === 'number' ? { liveRevision: ctx.live['revision'] } : {}),
        }),
  };
  if (errors.length > 0) return { ...base, action: 'error', changes: [], errors };
  const exists = ctx.liveHash !== undefined;
  if (!exists) {
    const changes = diffMonitor(payload, {}, ctx.diffCtx);
    return { ...base, action: 'create', changes, errors, payload };
  }
  const live = ctx.live;
  if (live !== undefined && live.type !== payload.type) {
    if (ctx.blocked) {
      return {
        ...base,
        action: 'error',
        changes: [],
        liveType: live.type,
        errors: [
          `type change ${live.type} → ${payload.type} needs a delete, and nothing is deleted while the input is incomplete`,
        ],
      };
    }
    const changes = diffMonitor(payload, {}, ctx.diffCtx);
    return { ...base, action: 'replace', liveType: live.type, changes, errors, payload };
  }
  const changes = live === undefined ? [] : diffMonitor(payload, live, ctx.diffCtx);
  const revert = ctx.driftPolicy === 'Revert';
  if (ctx.liveHash === '') {
    return {
      ...base,
      action: revert ? 'update' : 'drifted',
      drift: { reason: 'hash-blanked', reverted: revert },
      changes,
      errors,
      ...(revert ? { payload } : {}),
    };
  }
  if (ctx.liveHash === payload.hash) {
    if (changes.length === 0) return { ...base, action: 'unchanged', changes, errors };
    return {
      ...base,
      action: revert ? 'update' : 'drifted',
      drift: { reason: 'config-differs', reverted: revert },
      changes,
      errors,
      ...(revert ? { payload } : {}),
    };
  }
  return { ...base, action: 'update', changes, errors, payload };
}

/** Version gates of push (`src/push/utils.ts`, elastic.md §2.11) that concern one monitor. */
function gateErrors(payload: ProjectMonitorPayload, caps: KibanaCapabilities): string[] {
  const errors: string[] = [];
  const lightweight = LIGHTWEIGHT.has(payload.type);
  if (lightweight && !caps.lightweightMonitors) {
    errors.push(`Kibana ${caps.version} does not take lightweight project monitors (needs 8.5.0)`);
  }
  if (lightweight && !caps.lightweightParams && Object.keys(payload.params).length > 0) {
    errors.push(`Kibana ${caps.version} does not attach params to lightweight monitors (needs 8.7.2)`);
  }
  if (payload['spaces'] !== undefined && !caps.monitorSpaces) {
    errors.push(`Kibana ${caps.version} rejects monitor spaces (needs 8.19.0 or 9.1.0)`);
  }
  if ((payload.type as string) === 'api' && !caps.apiMonitors) {
    errors.push(`Kibana ${caps.version} does not take api monitors (needs 9.6.0)`);
  }
  return errors;
}

function typeOf(spec: object): string {
  for (const type of ['http', 'tcp', 'icmp', 'browser']) if (type in spec) return type;
  return 'unknown';
}

function sourceFiles(sources: readonly MonitorSource[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of sources) {
    if (s.sourceFile !== undefined) out.set(journeyId(s.monitor), s.sourceFile);
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
