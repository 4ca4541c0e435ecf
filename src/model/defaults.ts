/**
 * The effective monitor: a SyntheticMonitor with its SyntheticsProject's defaults and the
 * built-in defaults applied, and its journey id derived. Every consumer (validate, the Kibana
 * translator, the runner) goes through here so that they agree on what a monitor means.
 *
 * Merge rules follow `@elastic/synthetics` (`Monitor.update`, a deepmerge of the journey's
 * config over the project's): the monitor wins; a non-empty array replaces the default one (an
 * empty array does not, as in push); `fields` merge key by key; `params` merge by name;
 * `alert.status` / `alert.tls` merge separately.
 */
import type { RunnableMonitor } from '../checks/types.js';
import { parseDuration } from './duration.js';
import type {
  LabelSelector,
  MonitorDefaults,
  MonitorType,
  NamedValue,
  SyntheticMonitor,
  SyntheticMonitorSpec,
  SyntheticsProject,
} from './schema.js';

/** Built-in defaults, as Kibana's `DEFAULT_FIELDS` (elastic.md §6) has them. */
export const BUILTIN_DEFAULTS = {
  enabled: true,
  /** Kibana's default schedule for lightweight monitors. */
  schedule: '3m',
  /** Kibana's default schedule for browser monitors. */
  browserSchedule: '10m',
  /** Heartbeat's default timeout for lightweight monitors; browser journeys have none. */
  timeout: '16s',
  /** Kibana's `max_attempts: 2`. */
  retestOnFailure: true,
  alert: { status: { enabled: true }, tls: { enabled: true } },
  /** The namespace the derived journey id uses when the resource has none (outside Kubernetes). */
  namespace: 'default',
} as const;

/** A monitor spec after defaults: identity, schedule and the common switches are always set. */
export type EffectiveSpec = SyntheticMonitorSpec & {
  id: string;
  name: string;
  enabled: boolean;
  schedule: string;
  retestOnFailure: boolean;
  alert: NonNullable<SyntheticMonitorSpec['alert']>;
};

/** A SyntheticMonitor whose spec has every default applied. */
export type EffectiveMonitor = Omit<SyntheticMonitor, 'spec'> & { spec: EffectiveSpec };

/** The monitor's type: which of http, tcp, icmp or browser its spec sets. */
export function monitorType(spec: SyntheticMonitorSpec): MonitorType {
  if (spec.http !== undefined) return 'http';
  if (spec.tcp !== undefined) return 'tcp';
  if (spec.icmp !== undefined) return 'icmp';
  if (spec.browser !== undefined) return 'browser';
  // The schema's CEL rule guarantees one of the four; reaching here is a caller bug.
  throw new TypeError('monitor spec sets none of http, tcp, icmp or browser');
}

/**
 * The Kibana journey id: `spec.id`, else `<metadata.namespace or "default">-<metadata.name>`.
 * Derived from the resource's identity rather than the display name, so renaming `spec.name`
 * never orphans the Kibana monitor (push uses the journey name, elastic/synthetics#590).
 */
export function journeyId(monitor: Pick<SyntheticMonitor, 'metadata' | 'spec'>): string {
  return (
    monitor.spec.id ?? `${monitor.metadata.namespace ?? BUILTIN_DEFAULTS.namespace}-${monitor.metadata.name}`
  );
}

const REPLACING_ARRAYS = ['locations', 'privateLocations', 'tags', 'spaces', 'maintenanceWindows'] as const;
const SCALARS = ['enabled', 'schedule', 'timeout', 'retestOnFailure', 'namespace', 'serviceName'] as const;

/** The project's defaults merged under the monitor's own common fields (the monitor wins). */
export function mergeDefaults(
  spec: SyntheticMonitorSpec,
  defaults: MonitorDefaults | undefined,
): SyntheticMonitorSpec {
  if (defaults === undefined) return { ...spec };
  const out: SyntheticMonitorSpec = { ...spec };
  for (const key of SCALARS) {
    if (out[key] === undefined && defaults[key] !== undefined)
      (out as Record<string, unknown>)[key] = defaults[key];
  }
  for (const key of REPLACING_ARRAYS) {
    const own = spec[key];
    const fallback = defaults[key];
    if ((own === undefined || own.length === 0) && fallback !== undefined) out[key] = [...fallback];
  }
  if (defaults.fields !== undefined) out.fields = { ...defaults.fields, ...spec.fields };
  if (defaults.params !== undefined) out.params = mergeParams(defaults.params, spec.params ?? []);
  if (defaults.alert !== undefined) {
    const alert = { ...defaults.alert, ...spec.alert };
    out.alert = alert;
  }
  return out;
}

/** Params by name: the project's first, each replaced by the monitor's of the same name. */
function mergeParams(base: readonly NamedValue[], own: readonly NamedValue[]): NamedValue[] {
  const byName = new Map<string, NamedValue>();
  for (const param of base) byName.set(param.name, param);
  for (const param of own) byName.set(param.name, param);
  return [...byName.values()];
}

/**
 * The monitor with `project`'s defaults and the built-in defaults applied, `spec.id` set to
 * the journey id and `spec.name` to the display name (default `metadata.name`). `locations`
 * stays unset when nobody set it: the runner then treats the monitor as runnable anywhere.
 */
export function effectiveMonitor(monitor: SyntheticMonitor, project?: SyntheticsProject): EffectiveMonitor {
  const merged = mergeDefaults(monitor.spec, project?.spec.defaults);
  const type = monitorType(merged);
  const spec: EffectiveSpec = {
    ...merged,
    id: journeyId(monitor),
    name: merged.name ?? monitor.metadata.name,
    enabled: merged.enabled ?? BUILTIN_DEFAULTS.enabled,
    schedule:
      merged.schedule ?? (type === 'browser' ? BUILTIN_DEFAULTS.browserSchedule : BUILTIN_DEFAULTS.schedule),
    retestOnFailure: merged.retestOnFailure ?? BUILTIN_DEFAULTS.retestOnFailure,
    alert: {
      status: merged.alert?.status ?? { ...BUILTIN_DEFAULTS.alert.status },
      tls: merged.alert?.tls ?? { ...BUILTIN_DEFAULTS.alert.tls },
    },
  };
  if (spec.timeout === undefined && type !== 'browser') spec.timeout = BUILTIN_DEFAULTS.timeout;
  return { ...monitor, spec };
}

/**
 * The effective `schedule` and `timeout` alone, as {@link effectiveMonitor} computes them
 * (the monitor's own, else the project's default, else the built-in one): what the duration
 * checks need for every monitor and project pair, without merging the whole spec.
 */
export function effectiveTiming(
  monitor: Pick<SyntheticMonitor, 'spec'>,
  project?: Pick<SyntheticsProject, 'spec'>,
): { schedule: string; timeout: string | undefined } {
  const defaults = project?.spec.defaults;
  const browser = monitorType(monitor.spec) === 'browser';
  const schedule =
    monitor.spec.schedule ??
    defaults?.schedule ??
    (browser ? BUILTIN_DEFAULTS.browserSchedule : BUILTIN_DEFAULTS.schedule);
  const timeout =
    monitor.spec.timeout ?? defaults?.timeout ?? (browser ? undefined : BUILTIN_DEFAULTS.timeout);
  return { schedule, timeout };
}

/**
 * A monitor ready for the scheduler. Browser journeys without a timeout may use the whole
 * schedule interval. Call on validated monitors: a malformed duration throws DurationError.
 */
export function toRunnable(
  monitor: SyntheticMonitor,
  project?: SyntheticsProject,
  source?: { file: string; line: number },
): RunnableMonitor {
  const effective = effectiveMonitor(monitor, project);
  const spec = effective.spec;
  const scheduleMs = parseDuration(spec.schedule);
  const runnable: RunnableMonitor = {
    id: spec.id,
    name: spec.name,
    type: monitorType(spec),
    scheduleMs,
    timeoutMs: spec.timeout === undefined ? scheduleMs : parseDuration(spec.timeout),
    // A synthctl runner registered in Kibana as a private location is named in
    // privateLocations; the scheduler matches its own location against both lists.
    locations: [...(spec.locations ?? []), ...(spec.privateLocations ?? [])],
    retestOnFailure: spec.retestOnFailure,
    tags: [...(spec.tags ?? [])],
    // Kibana stores `fields` as the monitor's `labels` (elastic.md §3).
    labels: { ...spec.fields },
    enabled: spec.enabled,
    spec,
  };
  if (monitor.metadata.namespace !== undefined) runnable.namespace = monitor.metadata.namespace;
  if (source !== undefined) runnable.source = source;
  return runnable;
}

/**
 * True when `labels` satisfy `selector`, with Kubernetes semantics: every matchLabels entry
 * and every requirement must hold; `NotIn` and `DoesNotExist` hold for absent labels; an
 * empty selector matches everything.
 */
export function matchesSelector(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>> = {},
): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!has || !values.includes(labels[requirement.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[requirement.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/**
 * The monitors a project owns: those its `monitorSelector` matches (by `metadata.labels`),
 * in the project's namespace when both have one (a namespaced SyntheticsProject only sees its
 * namespace, as a namespaced controller would).
 */
export function selectMonitors<M extends Pick<SyntheticMonitor, 'metadata'>>(
  project: Pick<SyntheticsProject, 'metadata' | 'spec'>,
  monitors: readonly M[],
): M[] {
  const namespace = project.metadata.namespace;
  return monitors.filter(
    (monitor) =>
      (namespace === undefined ||
        monitor.metadata.namespace === undefined ||
        monitor.metadata.namespace === namespace) &&
      matchesSelector(project.spec.monitorSelector, monitor.metadata.labels),
  );
}

/** Where an effective common field's value comes from, for pointing diagnostics at it. */
export type FieldOrigin = 'monitor' | 'project' | 'builtin';

/** Which resource set `field` of the effective monitor: the monitor, the project defaults, or neither. */
export function fieldOrigin(
  field: keyof MonitorDefaults,
  monitor: SyntheticMonitor,
  project?: SyntheticsProject,
): FieldOrigin {
  const own = monitor.spec[field];
  if (own !== undefined && !(Array.isArray(own) && own.length === 0)) return 'monitor';
  if (project?.spec.defaults?.[field] !== undefined) return 'project';
  return 'builtin';
}
