/**
 * Semantic checks: what the schema cannot say about schema-valid resources. Identity (unique
 * journey ids and names), durations, what Kibana accepts for monitors that sync to it
 * (schedules, public locations, Heartbeat options), URL and host syntax, secret hygiene, and
 * that every embedded language (regular expressions, JSONPath, CEL, XPath, journey code)
 * compiles. Every problem is reported at once, each located at the field it is about.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, isAbsolute } from 'node:path';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse as parseCel } from '@bufbuild/cel';
import { DOMParser } from '@xmldom/xmldom';
import { transform, transformSync, type Loader, type Message, type TransformOptions } from 'esbuild';
import { JSONPath } from 'jsonpath-plus';
import xpath from 'xpath';
import { formatPath, type Diagnostic, type Severity } from './diagnostics.js';
import {
  effectiveMonitor,
  effectiveTiming,
  fieldOrigin,
  journeyId,
  monitorType,
  selectMonitors,
} from './defaults.js';
import { DurationError, formatDuration, parseDuration, tryParseDuration as tryDuration } from './duration.js';
import { redactUrlUserinfo } from './secret-path.js';
import {
  allowedSchedulesText,
  findUnsupportedFields,
  formatKibanaSchedule,
  kibanaScheduleOf,
  nearestKibanaSchedule,
  publicLocationsText,
  resolvePublicLocation,
  toKibanaTimeout,
  unsupportedFieldMessage,
} from './kibana-keys.js';
import type {
  MonitorDefaults,
  NamedValue,
  SyntheticMonitor,
  SyntheticMonitorSpec,
  SyntheticsProject,
} from './schema.js';

/** A field path as segments: keys are strings, sequence indexes numbers. */
export type SemanticPath = readonly (string | number)[];

/** One schema-valid resource with where it came from. */
export interface SemanticResource {
  readonly resource: SyntheticMonitor | SyntheticsProject;
  /** The file as the user named it (`<stdin>` for standard input). */
  readonly file: string;
  /** Where the field at `path` is; a missing field resolves to its nearest ancestor. */
  locate(path: SemanticPath): { line: number; column: number };
}

/** What `checkSemantics` reads. */
export interface SemanticInput {
  readonly resources: readonly SemanticResource[];
  /**
   * Reads a journey file; undefined when it does not exist or is not a file. Default: the
   * file system. Paths are the YAML file's directory joined with `journey.file`.
   */
  readonly readFile?: (path: string) => string | undefined;
  /** Journey syntax already checked by {@link checkInlineJourneys}; the rest is checked here. */
  readonly journeySyntax?: JourneySyntaxResults;
}

/** esbuild's verdict on inline journeys, by journey text: a problem, or undefined when it parses. */
export type JourneySyntaxResults = ReadonlyMap<string, string | undefined>;

/** Stable codes of the semantic checks. */
export const SEMANTIC_CODES = {
  duplicateName: 'resource.duplicate',
  duplicateId: 'monitor.duplicate-id',
  duplicateProject: 'project.duplicate',
  projectOverlap: 'project.overlap',
  projectEmpty: 'project.empty',
  projectApiKey: 'project.api-key',
  projectPrune: 'project.prune',
  projectKibanaUrl: 'project.kibana-url',
  duration: 'duration.invalid',
  scheduleTooShort: 'schedule.too-short',
  timeoutExceedsSchedule: 'timeout.exceeds-schedule',
  kibanaSchedule: 'kibana.schedule',
  kibanaLocation: 'kibana.location',
  kibanaLocationsRequired: 'kibana.locations-required',
  kibanaUnsupported: 'kibana.unsupported',
  kibanaWeaker: 'kibana.weaker-check',
  kibanaTimeout: 'kibana.timeout',
  url: 'url.invalid',
  proxy: 'proxy.invalid',
  host: 'host.invalid',
  secretLiteral: 'secret.literal',
  secretUrl: 'secret.url-credentials',
  paramUndefined: 'params.undefined',
  regex: 'regex.invalid',
  jsonPath: 'jsonpath.invalid',
  cel: 'cel.invalid',
  xpath: 'xpath.invalid',
  status: 'http.status',
  journeyMissing: 'browser.journey-missing',
  journeySyntax: 'browser.journey-syntax',
  journeyEmpty: 'browser.journey-empty',
  journeyImport: 'browser.journey-import',
  internal: 'semantic.internal',
} as const;

type Code = (typeof SEMANTIC_CODES)[keyof typeof SEMANTIC_CODES];

type MonitorEntry = SemanticResource & { readonly resource: SyntheticMonitor };
type ProjectEntry = SemanticResource & { readonly resource: SyntheticsProject };

/** Adds one diagnostic about a field of a resource. */
type Emit = (
  entry: SemanticResource,
  path: SemanticPath,
  severity: Severity,
  code: Code,
  message: string,
  hint?: string,
) => void;

/**
 * Runs every semantic check over schema-valid resources and returns all problems found.
 * Never throws: a check that fails unexpectedly becomes a `semantic.internal` diagnostic.
 */
export function checkSemantics(input: SemanticInput): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const emit: Emit = (entry, path, severity, code, message, hint) => {
    const position = entry.locate(path);
    const diagnostic: Diagnostic = {
      severity,
      file: entry.file,
      line: position.line,
      column: position.column,
      path: formatPath(path),
      code,
      message,
      resource: resourceName(entry.resource),
      ...(hint === undefined ? {} : { hint }),
    };
    // A project default shared by many monitors is reported once, where it is written.
    const key = `${diagnostic.file}\u0000${diagnostic.line}\u0000${diagnostic.column}\u0000${code}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    diagnostics.push(diagnostic);
  };
  const readFile = input.readFile ?? readFileFromDisk;

  const monitors = input.resources.filter((r): r is MonitorEntry => r.resource.kind === 'SyntheticMonitor');
  const projects = input.resources.filter((r): r is ProjectEntry => r.resource.kind === 'SyntheticsProject');
  const projectsOf = new Map<MonitorEntry, ProjectEntry[]>(monitors.map((m) => [m, []]));
  const selectedBy = new Map<ProjectEntry, MonitorEntry[]>();
  // A project only selects monitors of its own namespace (selectMonitors): when every monitor
  // names its namespace, offering each project just those keeps 100 projects over 10,000
  // monitors at 10,000 selector matches instead of 1,000,000, with the same result in the same
  // order. Monitors without a namespace match every project, so then all are offered.
  const byNamespace = new Map<string, MonitorEntry[]>();
  let isEveryNamespaceSet = true;
  for (const monitor of monitors) {
    const namespace = monitor.resource.metadata.namespace;
    if (namespace === undefined) isEveryNamespaceSet = false;
    else {
      const group = byNamespace.get(namespace);
      if (group === undefined) byNamespace.set(namespace, [monitor]);
      else group.push(monitor);
    }
  }
  for (const project of projects) {
    const namespace = project.resource.metadata.namespace;
    const candidates =
      isEveryNamespaceSet && namespace !== undefined ? (byNamespace.get(namespace) ?? []) : monitors;
    // selectMonitors returns the very objects it is given; a Set keeps this linear for 10k monitors.
    const selected = new Set(
      selectMonitors(
        project.resource,
        candidates.map((m) => m.resource),
      ),
    );
    const entries = candidates.filter((m) => selected.has(m.resource));
    selectedBy.set(project, entries);
    for (const monitor of entries) projectsOf.get(monitor)!.push(project);
  }

  const guard = (entry: SemanticResource, what: string, check: () => void) => {
    try {
      check();
    } catch (error) {
      emit(
        entry,
        [],
        'error',
        SEMANTIC_CODES.internal,
        `internal error while checking ${what}: ${errorText(error)}`,
      );
    }
  };

  const first = input.resources[0];
  if (first !== undefined) {
    guard(first, 'resource names', () => {
      checkUniqueNames(input.resources, emit);
    });
    guard(first, 'journey ids', () => {
      checkUniqueIds(monitors, projectsOf, selectedBy, emit);
    });
    guard(first, 'projects', () => {
      checkUniqueProjects(projects, emit);
    });
    guard(first, 'project overlap', () => {
      checkProjectOverlap(monitors, projectsOf, emit);
    });
  }
  for (const project of projects) {
    guard(project, 'the project', () => {
      checkProject(project, selectedBy.get(project) ?? [], emit);
    });
  }
  for (const monitor of monitors) {
    const synced = projectsOf.get(monitor) ?? [];
    guard(monitor, 'durations', () => {
      checkDurations(monitor, synced, emit);
    });
    guard(monitor, 'targets', () => {
      checkTargets(monitor, emit);
    });
    guard(monitor, 'secrets', () => {
      checkSecrets(monitor, emit);
    });
    guard(monitor, 'assertions', () => {
      checkAssertions(monitor, emit);
    });
    guard(monitor, 'param references', () => {
      checkParamReferences(monitor, synced, emit);
    });
    guard(monitor, 'the journey', () => {
      checkJourney(monitor, readFile, emit, input.journeySyntax);
    });
    for (const project of synced) {
      guard(monitor, 'Kibana compatibility', () => {
        checkKibana(monitor, project, emit);
      });
    }
  }
  return diagnostics;
}

// ---------------------------------------------------------------------------------------
// Identity

function resourceName(resource: SyntheticMonitor | SyntheticsProject): string {
  const { namespace, name } = resource.metadata;
  return namespace === undefined ? `${resource.kind}/${name}` : `${resource.kind}/${namespace}/${name}`;
}

function where(entry: SemanticResource, path: SemanticPath): string {
  const { line, column } = entry.locate(path);
  return `${entry.file}:${line}:${column}`;
}

/** The API server keeps one object per kind, namespace and name; a second silently replaces the first. */
function checkUniqueNames(resources: readonly SemanticResource[], emit: Emit): void {
  const first = new Map<string, SemanticResource>();
  for (const entry of resources) {
    const { kind, metadata } = entry.resource;
    const key = `${kind}\u0000${metadata.namespace ?? ''}\u0000${metadata.name}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, entry);
      continue;
    }
    emit(
      entry,
      ['metadata', 'name'],
      'error',
      SEMANTIC_CODES.duplicateName,
      `${resourceName(entry.resource)} is declared twice; also declared at ${where(earlier, ['metadata', 'name'])}`,
      'names are unique per kind and namespace: the second declaration would replace the first',
    );
  }
}

/**
 * Kibana identifies a project monitor by its journey id within the project (push aborts on
 * duplicates); the runner identifies unsynced monitors by id within their namespace.
 */
function checkUniqueIds(
  monitors: readonly MonitorEntry[],
  projectsOf: ReadonlyMap<MonitorEntry, readonly ProjectEntry[]>,
  selectedBy: ReadonlyMap<ProjectEntry, readonly MonitorEntry[]>,
  emit: Emit,
): void {
  const report = (group: readonly MonitorEntry[], scope: string) => {
    const first = new Map<string, MonitorEntry>();
    for (const entry of group) {
      const id = journeyId(entry.resource);
      const earlier = first.get(id);
      if (earlier === undefined) {
        first.set(id, entry);
        continue;
      }
      // The same resource declared twice is reported once, as resource.duplicate.
      const same = (a: SyntheticMonitor, b: SyntheticMonitor) =>
        a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;
      if (same(entry.resource, earlier.resource)) continue;
      const path = idPath(entry.resource);
      emit(
        entry,
        path,
        'error',
        SEMANTIC_CODES.duplicateId,
        `journey id "${id}" is used twice ${scope}; also declared at ${where(earlier, idPath(earlier.resource))}`,
        entry.resource.spec.id === undefined
          ? 'the id derives from <namespace>-<name>; set spec.id to tell them apart'
          : 'give each monitor its own spec.id',
      );
    }
  };
  for (const [project, group] of selectedBy) report(group, `in project ${project.resource.spec.projectId}`);
  const byNamespace = new Map<string, MonitorEntry[]>();
  for (const entry of monitors) {
    if ((projectsOf.get(entry)?.length ?? 0) > 0) continue;
    const namespace = entry.resource.metadata.namespace ?? '';
    const group = byNamespace.get(namespace);
    if (group === undefined) byNamespace.set(namespace, [entry]);
    else group.push(entry);
  }
  for (const [namespace, group] of byNamespace) {
    report(
      group,
      namespace === '' ? 'among the runner monitors' : `among the runner monitors of namespace ${namespace}`,
    );
  }
}

function idPath(monitor: SyntheticMonitor): SemanticPath {
  return monitor.spec.id === undefined ? ['metadata', 'name'] : ['spec', 'id'];
}

function projectKey(project: SyntheticsProject): string {
  const kibana = project.spec.kibana;
  let url = kibana.url;
  try {
    const parsed = new URL(kibana.url);
    url = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/u, '')}`.toLowerCase();
  } catch {
    // Reported by checkProject; compare the text as written.
  }
  return `${url}\u0000${project.spec.projectId}\u0000${kibana.space ?? 'default'}`;
}

/**
 * Two projects with the same Kibana, project id and space would prune each other's monitors:
 * Kibana owns monitors by project id within a space.
 */
function checkUniqueProjects(projects: readonly ProjectEntry[], emit: Emit): void {
  const first = new Map<string, ProjectEntry>();
  for (const entry of projects) {
    const key = projectKey(entry.resource);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, entry);
      continue;
    }
    emit(
      entry,
      ['spec', 'projectId'],
      'error',
      SEMANTIC_CODES.duplicateProject,
      `project id "${entry.resource.spec.projectId}" in space ${entry.resource.spec.kibana.space ?? 'default'} of ${redactUrl(entry.resource.spec.kibana.url)} is already declared at ${where(earlier, ['spec', 'projectId'])}; each would delete the other's monitors`,
      'use one SyntheticsProject per Kibana, space and project id',
    );
  }
}

/** A monitor selected by two projects that push to the same Kibana space is created twice. */
function checkProjectOverlap(
  monitors: readonly MonitorEntry[],
  projectsOf: ReadonlyMap<MonitorEntry, readonly ProjectEntry[]>,
  emit: Emit,
): void {
  for (const entry of monitors) {
    const projects = projectsOf.get(entry) ?? [];
    if (projects.length < 2) continue;
    const names = projects.map((p) => resourceName(p.resource)).join(', ');
    emit(
      entry,
      ['metadata', 'name'],
      'warning',
      SEMANTIC_CODES.projectOverlap,
      `selected by ${projects.length} projects (${names}); each pushes its own copy of this monitor`,
      'narrow the projects’ monitorSelector so that one project owns each monitor',
    );
  }
}

// ---------------------------------------------------------------------------------------
// Projects

function checkProject(entry: ProjectEntry, selected: readonly MonitorEntry[], emit: Emit): void {
  const spec = entry.resource.spec;
  const kibanaUrl = checkUrl(spec.kibana.url, ['http:', 'https:']);
  if (kibanaUrl.problem !== undefined) {
    emit(
      entry,
      ['spec', 'kibana', 'url'],
      'error',
      kibanaUrl.code,
      `kibana.url ${kibanaUrl.problem}`,
      kibanaUrl.hint,
    );
  } else if (kibanaUrl.url !== undefined && /\/(s\/[^/]+|app\/.*)\/?$/u.test(kibanaUrl.url.pathname)) {
    emit(
      entry,
      ['spec', 'kibana', 'url'],
      'warning',
      SEMANTIC_CODES.projectKibanaUrl,
      `kibana.url ends in ${kibanaUrl.url.pathname}: synthctl adds /s/<space>/api/… itself, so this would address a path inside Kibana`,
      'use the Kibana base URL and set kibana.space for the space',
    );
  }
  if (spec.kibana.proxy !== undefined) {
    const proxy = checkUrl(spec.kibana.proxy, ['http:', 'https:']);
    if (proxy.problem !== undefined) {
      emit(
        entry,
        ['spec', 'kibana', 'proxy'],
        'error',
        proxy.code === SEMANTIC_CODES.url ? SEMANTIC_CODES.proxy : proxy.code,
        `kibana.proxy ${proxy.problem}`,
        proxy.hint,
      );
    }
  }
  if (spec.kibana.apiKey === undefined) {
    emit(
      entry,
      ['spec', 'kibana'],
      'notice',
      SEMANTIC_CODES.projectApiKey,
      'no kibana.apiKey: synthctl plan and apply will need the SYNTHETICS_API_KEY environment variable',
      'in a cluster, reference a Secret with kibana.apiKey.valueFrom.secretKeyRef',
    );
  }
  const prune = spec.prune;
  if (prune?.enabled !== false && prune?.maxDeletes === 0) {
    emit(
      entry,
      ['spec', 'prune', 'maxDeletes'],
      'warning',
      SEMANTIC_CODES.projectPrune,
      'prune.maxDeletes is 0, so every prune that removes a monitor is refused',
      'set prune.enabled: false to keep removed monitors in Kibana, or allow at least 1 delete',
    );
  } else if (prune?.enabled === false && prune.maxDeletes !== undefined) {
    emit(
      entry,
      ['spec', 'prune', 'maxDeletes'],
      'notice',
      SEMANTIC_CODES.projectPrune,
      'prune.maxDeletes has no effect while prune.enabled is false',
    );
  }
  if (spec.kibana.timeout !== undefined) {
    checkPositiveDuration(entry, ['spec', 'kibana', 'timeout'], spec.kibana.timeout, emit);
  }
  if (spec.driftCheckInterval !== undefined) {
    checkPositiveDuration(entry, ['spec', 'driftCheckInterval'], spec.driftCheckInterval, emit);
  }
  const defaults = spec.defaults;
  if (defaults !== undefined) {
    for (const key of ['schedule', 'timeout'] as const) {
      const text = defaults[key];
      if (text !== undefined) checkPositiveDuration(entry, ['spec', 'defaults', key], text, emit);
    }
    defaults.locations?.forEach((location, index) => {
      checkPublicLocation(entry, ['spec', 'defaults', 'locations', index], location, emit);
    });
    checkParams(entry, ['spec', 'defaults', 'params'], defaults.params, emit);
  }
  if (selected.length === 0) {
    emit(
      entry,
      ['spec', 'monitorSelector'],
      'notice',
      SEMANTIC_CODES.projectEmpty,
      'selects none of the monitors in this input; applied alone it would prune every monitor of the project',
    );
  }
}

// ---------------------------------------------------------------------------------------
// Durations and schedules

/** A duration field that must parse and be positive; returns its ms, or undefined when reported. */
function checkPositiveDuration(
  entry: SemanticResource,
  path: SemanticPath,
  text: string,
  emit: Emit,
): number | undefined {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    emit(entry, path, 'error', SEMANTIC_CODES.duration, `${formatPath(path.slice(-1))} ${error.message}`);
    return undefined;
  }
  if (ms <= 0) {
    emit(
      entry,
      path,
      'error',
      SEMANTIC_CODES.duration,
      `${formatPath(path.slice(-1))} must be longer than 0, found ${text}`,
    );
    return undefined;
  }
  if (ms > MAX_TIMER_MS) {
    emit(
      entry,
      path,
      'error',
      SEMANTIC_CODES.duration,
      `${formatPath(path.slice(-1))} ${text} is longer than ${formatDuration(MAX_TIMER_MS)}, the longest wait a timer can take${ms > GO_MAX_DURATION_MS ? "; it is even beyond Go's time.Duration (2562047h47m16.854775807s), which Heartbeat and the API server read durations with" : ''}`,
    );
    return undefined;
  }
  return ms;
}

// Node timers hold at most 2^31-1 ms (about 24.8 days); a longer delay fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Go's time.Duration is an int64 of nanoseconds.
const GO_MAX_DURATION_MS = 9_223_372_036_854.775;

/** Where an effective common field is written: in the monitor, or in the project's defaults. */
function originOf(
  field: keyof MonitorDefaults,
  monitor: MonitorEntry,
  project: ProjectEntry | undefined,
): { entry: SemanticResource; path: SemanticPath } | undefined {
  const origin = fieldOrigin(field, monitor.resource, project?.resource);
  if (origin === 'monitor') return { entry: monitor, path: ['spec', field] };
  if (origin === 'project' && project !== undefined)
    return { entry: project, path: ['spec', 'defaults', field] };
  return undefined;
}

/**
 * Durations of the monitor (and of the defaults it inherits): they parse, the schedule is at
 * least 1s, and a timeout longer than the schedule is flagged.
 */
function checkDurations(monitor: MonitorEntry, projects: readonly ProjectEntry[], emit: Emit): void {
  const spec = monitor.resource.spec;
  const timeoutsFor = projects.length === 0 ? [undefined] : projects;
  for (const project of timeoutsFor) {
    const effective = effectiveTiming(monitor.resource, project?.resource);
    const scheduleAt = originOf('schedule', monitor, project);
    let scheduleMs: number | undefined;
    if (scheduleAt !== undefined) {
      scheduleMs = checkPositiveDuration(scheduleAt.entry, scheduleAt.path, effective.schedule, emit);
      if (scheduleMs !== undefined && scheduleMs < 1000) {
        emit(
          scheduleAt.entry,
          scheduleAt.path,
          'error',
          SEMANTIC_CODES.scheduleTooShort,
          `schedule ${effective.schedule} is shorter than 1s, the shortest interval the runner schedules`,
        );
        scheduleMs = undefined;
      }
    } else {
      scheduleMs = parseDuration(effective.schedule);
    }
    const timeoutAt = originOf('timeout', monitor, project);
    if (timeoutAt === undefined || effective.timeout === undefined) continue;
    const timeoutMs = checkPositiveDuration(timeoutAt.entry, timeoutAt.path, effective.timeout, emit);
    if (timeoutMs !== undefined && scheduleMs !== undefined && timeoutMs > scheduleMs) {
      emit(
        timeoutAt.entry,
        timeoutAt.path,
        'warning',
        SEMANTIC_CODES.timeoutExceedsSchedule,
        `timeout ${effective.timeout} is longer than the schedule ${effective.schedule} of ${resourceName(monitor.resource)}: a slow check would still be running when the next one is due`,
        `keep timeout at or below ${formatDuration(scheduleMs)}`,
      );
    }
  }
  if (spec.icmp?.wait !== undefined)
    checkPositiveDuration(monitor, ['spec', 'icmp', 'wait'], spec.icmp.wait, emit);
  const maxResponseTime = spec.http?.checks?.maxResponseTime;
  if (maxResponseTime !== undefined) {
    checkPositiveDuration(monitor, ['spec', 'http', 'checks', 'maxResponseTime'], maxResponseTime, emit);
  }
}

// ---------------------------------------------------------------------------------------
// Kibana

/** What Kibana would refuse for a monitor that `project` pushes to it. */
function checkKibana(monitor: MonitorEntry, project: ProjectEntry, emit: Emit): void {
  const resource = monitor.resource;
  const type = monitorType(resource.spec);
  const effective = effectiveMonitor(resource, project.resource).spec;
  const projectName = resourceName(project.resource);

  const scheduleAt = originOf('schedule', monitor, project);
  if (scheduleAt !== undefined) {
    let ms: number | undefined;
    try {
      ms = parseDuration(effective.schedule);
    } catch {
      ms = undefined; // reported by checkDurations
    }
    if (ms !== undefined && ms > 0 && kibanaScheduleOf(ms, type) === undefined) {
      const nearest = nearestKibanaSchedule(ms, type);
      const forType = type === 'browser' ? ' for browser monitors' : '';
      emit(
        scheduleAt.entry,
        scheduleAt.path,
        'error',
        SEMANTIC_CODES.kibanaSchedule,
        `schedule ${effective.schedule} is not accepted by Kibana${forType}; the nearest allowed is ${formatKibanaSchedule(nearest)}`,
        `Kibana accepts ${allowedSchedulesText(type)}${type === 'browser' ? '' : ' (10s and 30s for lightweight monitors only)'}`,
      );
    }
  }

  const locationsAt = originOf('locations', monitor, project);
  if (locationsAt !== undefined) {
    effective.locations?.forEach((location, index) => {
      checkPublicLocation(locationsAt.entry, [...locationsAt.path, index], location, emit);
    });
  }
  if ((effective.locations?.length ?? 0) === 0 && (effective.privateLocations?.length ?? 0) === 0) {
    emit(
      monitor,
      ['spec', 'locations'],
      'error',
      SEMANTIC_CODES.kibanaLocationsRequired,
      `no locations or privateLocations: ${projectName} pushes this monitor to Kibana, which needs at least one (push refuses it too)`,
      `set spec.locations (public: ${publicLocationsText()}) or spec.privateLocations, here or in the project's defaults`,
    );
  }

  const timeoutAt = originOf('timeout', monitor, project);
  if (timeoutAt !== undefined && effective.timeout !== undefined) {
    const ms = tryDuration(effective.timeout);
    if (type === 'browser') {
      emit(
        timeoutAt.entry,
        timeoutAt.path,
        'notice',
        SEMANTIC_CODES.kibanaTimeout,
        'Kibana ignores timeout for browser monitors (a journey may run until its next schedule); only the synthctl runner applies it',
      );
    } else if (ms !== undefined && ms > 0 && ms % 1000 !== 0) {
      emit(
        timeoutAt.entry,
        timeoutAt.path,
        'notice',
        SEMANTIC_CODES.kibanaTimeout,
        `Kibana stores timeouts in whole seconds: ${effective.timeout} is sent as ${toKibanaTimeout(ms)}`,
      );
    }
  }

  for (const field of findUnsupportedFields(resource.spec)) {
    emit(
      monitor,
      field.path,
      field.effect === 'weaken' ? 'warning' : 'error',
      field.effect === 'weaken' ? SEMANTIC_CODES.kibanaWeaker : SEMANTIC_CODES.kibanaUnsupported,
      unsupportedFieldMessage(field, formatPath(field.path)),
      `${projectName} syncs this monitor to Kibana: ${field.hint}`,
    );
  }
}

function checkPublicLocation(
  entry: SemanticResource,
  path: SemanticPath,
  location: string,
  emit: Emit,
): void {
  if (resolvePublicLocation(location) !== undefined) return;
  const lower = location.toLowerCase().replaceAll('-', '_');
  const close = resolvePublicLocation(lower);
  emit(
    entry,
    path,
    'error',
    SEMANTIC_CODES.kibanaLocation,
    `location "${location}" is not an Elastic public location; Kibana accepts ${publicLocationsText()}`,
    close !== undefined
      ? `did you mean ${close.name}?`
      : 'a synthctl runner or other private location registered in Kibana goes in privateLocations',
  );
}

// ---------------------------------------------------------------------------------------
// URLs and hosts

interface UrlCheck {
  readonly url?: URL;
  readonly problem?: string;
  readonly code: Code;
  readonly hint?: string;
}

const PLACEHOLDER = /\$\{[^}]*\}/gu;

/**
 * Checks a URL whose scheme must be one of `schemes`. `${param}` placeholders are allowed as
 * Kibana allows them (a URL with `${…}` need not parse): a URL that starts with one cannot be
 * checked; elsewhere they are replaced by a dummy word before parsing. Literal credentials in
 * the user-info part are refused. Messages never repeat the URL's user-info.
 */
function checkUrl(text: string, schemes: readonly string[]): UrlCheck {
  const shown = redactUrl(text);
  if (/\$\{[^}]*$/u.test(text)) {
    return { problem: `has an unterminated \${ placeholder: ${shown}`, code: SEMANTIC_CODES.url };
  }
  if (text.startsWith('${')) return { code: SEMANTIC_CODES.url };
  const substituted = text.replace(PLACEHOLDER, 'param');
  let url: URL;
  try {
    url = new URL(substituted);
  } catch {
    return {
      problem: `"${shown}" is not a valid absolute URL`,
      code: SEMANTIC_CODES.url,
      hint: `write the scheme and host, e.g. ${schemes[0]}//example.com/health`,
    };
  }
  if (!schemes.includes(url.protocol)) {
    return {
      problem: `has scheme ${url.protocol.replace(/:$/u, '')}, expected ${schemes.map((s) => s.replace(/:$/u, '')).join(', ')}`,
      code: SEMANTIC_CODES.url,
    };
  }
  if (url.hostname === '') return { problem: `"${shown}" has no host`, code: SEMANTIC_CODES.url };
  // WHATWG URL takes port 0; no check can connect to it.
  if (url.port === '0')
    return { problem: `"${shown}" has port 0; a port is 1 to 65535`, code: SEMANTIC_CODES.url };
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/iu.exec(text)?.[1];
  if (userinfo !== undefined) {
    const [user, password] = splitOnce(userinfo, ':');
    const literal = (part: string) => part !== '' && part.replace(PLACEHOLDER, '') !== '';
    if ((password !== undefined && literal(password)) || (password === undefined && literal(user))) {
      return {
        problem: `embeds credentials in the URL (${shown})`,
        code: SEMANTIC_CODES.secretUrl,
        hint: 'use auth.basic with password.valueFrom.secretKeyRef (or valueFrom.env), or a ${param} whose value comes from a Secret',
      };
    }
  }
  return { url, code: SEMANTIC_CODES.url };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

/** A URL with its user-info replaced by `***`, safe to print. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/iu, '$1***@');
}

const HOST_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`, 'u');

/** Why `host` is not a host name or IP address, or undefined when it is one. */
function hostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  if (host === '') return 'has no host name before the port';
  if (/^[\d.]+$/u.test(host)) return `${host} is not a valid IPv4 address`;
  if (HOSTNAME.test(host)) return undefined;
  // An internationalised name: Heartbeat's Go resolver takes the ASCII (punycode) form only.
  const ascii = /[\u0080-\uffff]/u.test(host) ? domainToASCII(host) : '';
  if (ascii !== '' && HOSTNAME.test(ascii))
    return `${host} is an internationalised domain name; write its ASCII form ${ascii}, which the checks resolve`;
  return `${host} is not a valid host name (letters, digits, - and . only) or IP address`;
}

/** Why `value` is not `host:port` / `[ipv6]:port` with a port in 1–65535. */
function hostPortProblem(value: string): string | undefined {
  if (value.includes('${')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(value)) {
    return `"${value}" has a scheme; write host:port (for TLS, set tcp.tls)`;
  }
  // `user:password@host:port` is no TCP endpoint, and the password is not repeated.
  if (value.includes('@'))
    return `"***@${value.slice(value.lastIndexOf('@') + 1)}" has credentials before the host; a TCP endpoint is host:port only`;
  if (/^\[[^\]]*\]$/u.test(value)) return `"${value}" has no port; write ${value}:port`;
  let host: string;
  let port: string;
  const bracketed = /^\[([^\]]*)\]:(.*)$/u.exec(value);
  if (bracketed !== null) {
    host = bracketed[1]!;
    port = bracketed[2]!;
    if (isIP(host) !== 6) return `[${host}] is not an IPv6 address`;
  } else {
    const colon = value.lastIndexOf(':');
    if (colon < 0) return `"${value}" has no port; write host:port, e.g. ${value}:443`;
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(':')) {
      return isIP(value) === 6
        ? `"${value}" has no port; write an IPv6 endpoint as [address]:port`
        : `IPv6 addresses need brackets: write [${host}]:${port}`;
    }
    const problem = hostProblem(host);
    if (problem !== undefined) return problem;
  }
  if (!/^\d{1,5}$/u.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return `port "${port}" is not a number from 1 to 65535`;
  }
  return undefined;
}

/** The endpoints a monitor reaches: URL, proxies, TCP and ICMP hosts. */
function checkTargets(monitor: MonitorEntry, emit: Emit): void {
  const spec = monitor.resource.spec;
  const checkProxy = (type: 'http' | 'tcp', value: string, schemes: string[], hint: string): void => {
    const proxy = checkUrl(value, schemes);
    if (proxy.problem === undefined) return;
    emit(
      monitor,
      ['spec', type, 'proxy', 'url'],
      'error',
      proxy.code === SEMANTIC_CODES.url ? SEMANTIC_CODES.proxy : proxy.code,
      `${type}.proxy.url ${proxy.problem}`,
      proxy.hint ?? hint,
    );
  };
  if (spec.http !== undefined) {
    const url = checkUrl(spec.http.url, ['http:', 'https:']);
    if (url.problem !== undefined) {
      emit(monitor, ['spec', 'http', 'url'], 'error', url.code, `http.url ${url.problem}`, url.hint);
    }
    if (spec.http.proxy !== undefined) {
      checkProxy(
        'http',
        spec.http.proxy.url,
        ['http:', 'https:', 'socks5:'],
        'Heartbeat http monitors take http://, https:// or socks5:// proxies',
      );
    }
  }
  if (spec.tcp !== undefined) {
    const problem = hostPortProblem(spec.tcp.host);
    if (problem !== undefined) {
      emit(
        monitor,
        ['spec', 'tcp', 'host'],
        'error',
        // A secret code has the value masked wherever the source line is shown.
        spec.tcp.host.includes('@') ? SEMANTIC_CODES.secretUrl : SEMANTIC_CODES.host,
        `tcp.host ${problem}`,
        'e.g. db.internal:5432 or [2001:db8::1]:443',
      );
    }
    if (spec.tcp.proxy !== undefined) {
      checkProxy(
        'tcp',
        spec.tcp.proxy.url,
        ['socks5:'],
        'tcp monitors reach their host through a SOCKS5 proxy only (Heartbeat proxy_url)',
      );
    }
  }
  if (spec.icmp !== undefined) {
    const host = spec.icmp.host;
    let problem: string | undefined;
    if (host.includes('${')) problem = undefined;
    else if (/^\[.*\]$/u.test(host))
      problem = isIP(host.slice(1, -1)) === 6 ? undefined : `${host} is not an IPv6 address`;
    else if (/^[^:]+:\d+$/u.test(host))
      problem = `"${host}" has a port; ICMP has no ports, write the host alone`;
    else if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(host))
      problem = `"${host}" is a URL; write the host name or IP alone`;
    else problem = hostProblem(host);
    if (problem !== undefined) {
      emit(monitor, ['spec', 'icmp', 'host'], 'error', SEMANTIC_CODES.host, `icmp.host ${problem}`);
    }
  }
}

/** `${name}` and `${name:default}` references, as Elastic writes them (kibana#147467). */
const PARAM_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_.-]*)(:[^}]*)?\}/gu;

/**
 * Every `${name}` in a target must name a param: the runner fails each check otherwise. A
 * monitor synced to Kibana may use Kibana's global params too, so there it is a warning.
 */
function checkParamReferences(monitor: MonitorEntry, projects: readonly ProjectEntry[], emit: Emit): void {
  const spec = monitor.resource.spec;
  const targets: [SemanticPath, string | undefined][] = [
    [['spec', 'http', 'url'], spec.http?.url],
    [['spec', 'tcp', 'host'], spec.tcp?.host],
    [['spec', 'icmp', 'host'], spec.icmp?.host],
  ];
  const declared = new Set((spec.params ?? []).map((p) => p.name));
  for (const project of projects)
    for (const p of project.resource.spec.defaults?.params ?? []) declared.add(p.name);
  const synced = projects.length > 0;
  for (const [path, text] of targets) {
    if (text === undefined) continue;
    for (const [, name, fallback] of text.matchAll(PARAM_REFERENCE)) {
      if (name === undefined || fallback !== undefined || declared.has(name)) continue;
      emit(
        monitor,
        path,
        synced ? 'warning' : 'error',
        SEMANTIC_CODES.paramUndefined,
        `${formatPath(path.slice(1))} uses \${${name}}, but no param ${name} is declared${synced ? ' (Kibana may still have a global param of that name)' : '; every check would fail'}`,
        `declare it in spec.params (or the project's defaults.params), or write \${${name}:default}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------
// Secrets

const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
]);

/** True for header names that carry credentials. */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || /token|secret|password|apikey|api-key/u.test(lower);
}

/** True for param (and form field) names that look like they hold a secret. */
export function isSecretName(name: string): boolean {
  if (/password|passwd|token|secret|api[_-]?key|credential/iu.test(name)) return true;
  // `key`, `private_key`, `privateKey`, `PRIVATE_KEY`, but not `monkey`.
  return /(?:^|[_.-])key$/iu.test(name) || /[a-z0-9]Key$/u.test(name) || /^[A-Z0-9_]*_KEY$/u.test(name);
}

/** An inline value that references a param (`Bearer ${token}`) is not itself a literal secret. */
function isLiteral(value: string): boolean {
  return value !== '' && !/\$\{[^}]+\}/u.test(value);
}

// `scheme://user:password@`: a password written into a URL, wherever the URL is written.
const URL_WITH_PASSWORD = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@\s:]*:([^/?#@\s]+)@/u;

/**
 * An inline value (param, header, form field) holding a URL with a literal password: refused,
 * like a URL field with one, since the value reaches Kibana and logs as written. True when
 * reported.
 */
function checkUrlPassword(
  entry: SemanticResource,
  path: SemanticPath,
  what: string,
  value: string,
  emit: Emit,
): boolean {
  const match = URL_WITH_PASSWORD.exec(value);
  if (match === null || !isLiteral(match[1]!)) return false;
  emit(
    entry,
    path,
    'error',
    SEMANTIC_CODES.secretUrl,
    `${what} holds a URL with a password inline (${redactUrlUserinfo(value)}); the password would reach Kibana and logs as written`,
    "put the password in a Secret: valueFrom.secretKeyRef (Kubernetes) or valueFrom.env, or auth.basic for the monitor's own URL",
  );
  return true;
}

function checkHeaders(
  entry: SemanticResource,
  path: SemanticPath,
  headers: readonly NamedValue[] | undefined,
  emit: Emit,
): void {
  headers?.forEach((header, index) => {
    if (
      header.value !== undefined &&
      checkUrlPassword(entry, [...path, index, 'value'], `header ${header.name}`, header.value, emit)
    )
      return;
    if (header.value === undefined || !isCredentialHeader(header.name) || !isLiteral(header.value)) return;
    emit(
      entry,
      [...path, index, 'value'],
      'error',
      SEMANTIC_CODES.secretLiteral,
      `header ${header.name} holds a credential inline; use valueFrom.secretKeyRef (Kubernetes) or valueFrom.env`,
      'secrets never belong in Git; synthctl reads them at run time and sends them to Kibana as params',
    );
  });
}

function checkParams(
  entry: SemanticResource,
  path: SemanticPath,
  params: readonly NamedValue[] | undefined,
  emit: Emit,
): void {
  params?.forEach((param, index) => {
    if (
      param.value !== undefined &&
      checkUrlPassword(entry, [...path, index, 'value'], `param ${param.name}`, param.value, emit)
    )
      return;
    if (param.value === undefined || !isSecretName(param.name) || !isLiteral(param.value)) return;
    emit(
      entry,
      [...path, index, 'value'],
      'error',
      SEMANTIC_CODES.secretLiteral,
      `param ${param.name} looks like a secret but holds its value inline; use valueFrom.secretKeyRef (Kubernetes) or valueFrom.env`,
      'if the value is not secret, rename the param',
    );
  });
}

/** Credentials written inline in headers, params, form bodies. URLs are checked with targets. */
function checkSecrets(monitor: MonitorEntry, emit: Emit): void {
  const spec = monitor.resource.spec;
  checkParams(monitor, ['spec', 'params'], spec.params, emit);
  if (spec.http === undefined) return;
  checkHeaders(monitor, ['spec', 'http', 'headers'], spec.http.headers, emit);
  checkHeaders(monitor, ['spec', 'http', 'proxy', 'headers'], spec.http.proxy?.headers, emit);
  for (const [name, value] of Object.entries(spec.http.body?.form ?? {})) {
    if (checkUrlPassword(monitor, ['spec', 'http', 'body', 'form', name], `form field ${name}`, value, emit))
      continue;
    if (!isSecretName(name) || !isLiteral(value)) continue;
    emit(
      monitor,
      ['spec', 'http', 'body', 'form', name],
      'error',
      SEMANTIC_CODES.secretLiteral,
      `form field ${name} holds a credential inline; use body.valueFrom, or a \${param} whose value comes from valueFrom.secretKeyRef`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Assertions: status codes, regular expressions, JSONPath, CEL, XPath

type HttpChecksSpec = NonNullable<NonNullable<SyntheticMonitorSpec['http']>['checks']>;

function checkAssertions(monitor: MonitorEntry, emit: Emit): void {
  const spec = monitor.resource.spec;
  if (spec.tcp?.receiveMatches !== undefined) {
    checkRegex(monitor, ['spec', 'tcp', 'receiveMatches'], spec.tcp.receiveMatches, emit);
  }
  const checks: HttpChecksSpec | undefined = spec.http?.checks;
  if (checks === undefined) return;
  const at = (...rest: (string | number)[]) => ['spec', 'http', 'checks', ...rest];
  checks.status?.forEach((status, index) => {
    const problem = statusProblem(status);
    if (problem !== undefined) {
      emit(
        monitor,
        at('status', index),
        'error',
        SEMANTIC_CODES.status,
        problem,
        'write a code (200), a class ("2xx") or a range ("200-299") within 100–599',
      );
    }
  });
  checks.headers?.forEach((header, index) => {
    if (header.matches !== undefined)
      checkRegex(monitor, at('headers', index, 'matches'), header.matches, emit);
  });
  for (const key of ['matches', 'notMatches'] as const) {
    checks.body?.[key]?.forEach((pattern, index) => {
      checkRegex(monitor, at('body', key, index), pattern, emit);
    });
  }
  checks.json?.forEach((check, index) => {
    if (check.path !== undefined) {
      const problem = jsonPathProblem(check.path);
      if (problem !== undefined) {
        emit(
          monitor,
          at('json', index, 'path'),
          'error',
          SEMANTIC_CODES.jsonPath,
          `JSONPath ${JSON.stringify(check.path)} ${problem}`,
          'e.g. $.status, $.items[0].id, $.items[?(@.ok == true)]',
        );
      }
    }
    if (check.matches !== undefined) checkRegex(monitor, at('json', index, 'matches'), check.matches, emit);
    if (check.expression !== undefined) {
      const problem = celProblem(check.expression);
      if (problem !== undefined) {
        emit(
          monitor,
          at('json', index, 'expression'),
          'error',
          SEMANTIC_CODES.cel,
          `CEL expression ${problem}`,
          'the parsed body is `body`, e.g. body.status == "ok" && size(body.items) > 0',
        );
      }
    }
  });
  checks.xpath?.forEach((check, index) => {
    const problem = xpathProblem(check.expression);
    if (problem !== undefined) {
      emit(
        monitor,
        at('xpath', index, 'expression'),
        'error',
        SEMANTIC_CODES.xpath,
        `XPath ${JSON.stringify(check.expression)} does not compile: ${problem}`,
        'XPath 1.0, e.g. /health/status/text() or count(//item)',
      );
    }
    if (check.matches !== undefined) checkRegex(monitor, at('xpath', index, 'matches'), check.matches, emit);
  });
}

/** Why an accepted-status entry is not a code, class or range within 100–599. */
export function statusProblem(status: number | string): string | undefined {
  const inRange = (code: number) => Number.isInteger(code) && code >= 100 && code <= 599;
  if (typeof status === 'number') {
    return inRange(status) ? undefined : `status ${status} is not an HTTP status code (100–599)`;
  }
  const text = status.trim();
  if (/^\d{3}$/u.test(text)) {
    return inRange(Number(text)) ? undefined : `status "${status}" is not an HTTP status code (100–599)`;
  }
  if (/^[1-5]xx$/iu.test(text)) return undefined;
  const range = /^(\d{3})\s*-\s*(\d{3})$/u.exec(text);
  if (range !== null) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (!inRange(low) || !inRange(high)) return `status range "${status}" leaves 100–599`;
    if (low > high) return `status range "${status}" is empty: ${low} is above ${high}`;
    return undefined;
  }
  return `status "${status}" is not a code (200), a class (2xx) or a range (200-299)`;
}

function checkRegex(entry: SemanticResource, path: SemanticPath, pattern: string, emit: Emit): void {
  const problem = regexProblem(pattern);
  if (problem === undefined) return;
  emit(
    entry,
    path,
    'error',
    SEMANTIC_CODES.regex,
    `regular expression does not compile: ${problem}`,
    'patterns are JavaScript regular expressions, written without slashes or flags',
  );
}

/** The JavaScript engine's complaint about `pattern`, or undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

type ScriptClass = new (code: string) => unknown;

/**
 * Why jsonpath-plus could not evaluate `path`, or undefined. `JSONPath.toPathArray` never
 * fails (it drops what it cannot read), so brackets, quotes and filters are checked here, and
 * filter/script expressions are parsed with jsonpath-plus's own safe-eval parser, after the
 * same `@` rewriting it applies before evaluating them (`JSONPath.prototype._eval`).
 */
export function jsonPathProblem(path: string): string | undefined {
  if (!path.startsWith('$')) return 'must start with $ (the document root)';
  if (/\.$/u.test(path) && !path.endsWith('..')) return 'ends with "."; name a member after it';
  if (path.endsWith('..')) return 'ends with ".."; name the member to search for, e.g. $..id';
  if (path.includes('...')) return 'has "..." ; use ".." for recursive descent';
  const stack: { char: string; at: number }[] = [];
  let quote: string | undefined;
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') stack.push({ char: c, at: i });
    else if (c === ']' || c === ')') {
      const open = stack.pop();
      const expected = c === ']' ? '[' : '(';
      if (open?.char !== expected) return `has an unmatched "${c}" at character ${i + 1}`;
      if (c === ']' && path[open.at + 1] === ']') return `has an empty [] at character ${open.at + 1}`;
    }
  }
  if (quote !== undefined) return `has an unterminated ${quote} string`;
  const open = stack.pop();
  if (open !== undefined) return `has an unclosed "${open.char}" at character ${open.at + 1}`;
  const Script = (JSONPath as unknown as { prototype: { safeVm: { Script: ScriptClass } } }).prototype.safeVm
    .Script;
  for (const segment of JSONPath.toPathArray(path)) {
    const script = /^\??\((.*)\)$/su.exec(segment)?.[1];
    if (script === undefined) continue;
    const code = script
      .replaceAll('@parentProperty', '_$_parentProperty')
      .replaceAll('@parent', '_$_parent')
      .replaceAll('@property', '_$_property')
      .replaceAll('@root', '_$_root')
      .replaceAll(/@([.\s)[])/gu, '_$_v$1')
      .replaceAll(/@$/gu, '_$_v')
      .replaceAll('@path', '_$_path');
    try {
      new Script(code);
    } catch (error) {
      return `has a filter that does not parse: (${script}): ${errorText(error)}`;
    }
  }
  return undefined;
}

/**
 * The CEL parser's complaint about `expression`, or undefined when it parses and names no
 * variable but `body`, the only one the runner binds (src/checks/http-assertions.ts).
 */
export function celProblem(expression: string): string | undefined {
  let parsed: CelExpr;
  try {
    parsed = parseCel(expression).expr;
  } catch (error) {
    return `does not compile: ${errorText(error).replace(/^<input>:/u, '')}`;
  }
  const unbound = new Set<string>();
  collectUnbound(parsed, new Set(['body', ...CEL_TYPE_NAMES]), unbound);
  if (unbound.size === 0) return undefined;
  const names = [...unbound].join(', ');
  return `uses ${names}, which ${unbound.size === 1 ? 'is' : 'are'} not defined; the parsed response body is \`body\``;
}

type CelExpr = ReturnType<typeof parseCel>['expr'];

// Type denotations are identifiers in CEL (`type(x) == int`).
const CEL_TYPE_NAMES = [
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
];

/** Identifiers `expr` reads that are not in `scope`; comprehensions (macros) bind their own. */
function collectUnbound(expr: CelExpr | undefined, scope: ReadonlySet<string>, out: Set<string>): void {
  if (expr === undefined) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (!scope.has(kind.value.name)) out.add(kind.value.name);
      return;
    case 'selectExpr':
      collectUnbound(kind.value.operand, scope, out);
      return;
    case 'callExpr':
      collectUnbound(kind.value.target, scope, out);
      for (const arg of kind.value.args) collectUnbound(arg, scope, out);
      return;
    case 'listExpr':
      for (const element of kind.value.elements) collectUnbound(element, scope, out);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') collectUnbound(entry.keyKind.value, scope, out);
        collectUnbound(entry.value, scope, out);
      }
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      collectUnbound(c.iterRange, scope, out);
      collectUnbound(c.accuInit, scope, out);
      const inner = new Set([...scope, c.iterVar, c.accuVar]);
      collectUnbound(c.loopCondition, inner, out);
      collectUnbound(c.loopStep, inner, out);
      collectUnbound(c.result, new Set([...scope, c.accuVar]), out);
      return;
    }
    default:
      return;
  }
}

const EMPTY_XML = new DOMParser().parseFromString('<synthctl/>', 'text/xml');

/**
 * Why `expression` is not XPath 1.0 the runner can evaluate: evaluating it against an empty
 * document reports syntax errors, unknown functions, wrong arities and unbound prefixes.
 */
export function xpathProblem(expression: string): string | undefined {
  try {
    xpath.select(expression, EMPTY_XML as unknown as Parameters<typeof xpath.select>[1]);
    return undefined;
  } catch (error) {
    const text = errorText(error);
    if (/Cannot resolve QName/u.test(text)) {
      return `${text}: namespace prefixes cannot be bound; match by local-name(), e.g. //*[local-name()='status']`;
    }
    return text;
  }
}

// ---------------------------------------------------------------------------------------
// Browser journeys

function readFileFromDisk(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const LOADERS: Record<string, Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

function checkJourney(
  monitor: MonitorEntry,
  readFile: (path: string) => string | undefined,
  emit: Emit,
  checked: JourneySyntaxResults | undefined,
): void {
  const journey = monitor.resource.spec.browser?.journey;
  if (journey === undefined) return;
  if (journey.file !== undefined) {
    const path = ['spec', 'browser', 'journey', 'file'];
    const base = monitor.file === '<stdin>' || monitor.file === '-' ? '.' : dirname(monitor.file);
    const resolved = isAbsolute(journey.file) ? journey.file : join(base, journey.file);
    const source = readFile(resolved);
    if (source === undefined) {
      emit(
        monitor,
        path,
        'error',
        SEMANTIC_CODES.journeyMissing,
        `journey file ${resolved} does not exist`,
        'journey.file is relative to the YAML file that declares the monitor',
      );
      return;
    }
    const loader = LOADERS[extname(resolved).toLowerCase()] ?? 'ts';
    const problem = journeySyntaxProblem(source, loader, resolved, 0);
    if (problem !== undefined) {
      emit(monitor, path, 'error', SEMANTIC_CODES.journeySyntax, `journey file does not parse: ${problem}`);
    } else if (!/\bjourney(?:\.only)?\s*\(/u.test(source)) {
      // push bundles every journey(...) of the file; one without any makes a monitor that runs nothing.
      emit(
        monitor,
        path,
        'warning',
        SEMANTIC_CODES.journeyEmpty,
        `journey file ${resolved} declares no journey(...)`,
        "journey files call journey('name', ({ page, params }) => { step(...) }) from @elastic/synthetics",
      );
    }
    if (problem === undefined) {
      for (const missing of missingRelativeImports(source, resolved, readFile)) {
        emit(
          monitor,
          path,
          'error',
          SEMANTIC_CODES.journeyImport,
          `journey file ${resolved} imports ${JSON.stringify(missing)}, which does not exist next to it`,
          'push bundles the journey with its relative imports (esbuild); the runner loads them the same way',
        );
      }
    }
  }
  if (journey.inline !== undefined) {
    // `--inline` runs the text as the body of an async journey callback: wrap it the same way
    // so that `await` parses, and report lines of the inline text itself.
    const problem =
      checked?.has(journey.inline) === true
        ? checked.get(journey.inline)
        : journeySyntaxProblem(wrapInline(journey.inline), 'ts', INLINE_NAME, 1);
    if (problem !== undefined) {
      emit(
        monitor,
        ['spec', 'browser', 'journey', 'inline'],
        'error',
        SEMANTIC_CODES.journeySyntax,
        `inline journey does not parse: ${problem}`,
      );
    }
  }
}

// Static and dynamic imports and requires of a module text, by specifier.
const IMPORT_SPECIFIER =
  /(?:\bimport|\bexport)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1|\bimport\s*(['"])([^'"]+)\3|\b(?:require|import)\s*\(\s*(['"])([^'"]+)\5\s*\)/gu;
const RESOLVE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.jsx', '.json'];

/**
 * Relative imports of a journey that resolve to no file, tried the way esbuild resolves them
 * when push bundles the journey: as written, with each extension, as a folder index, and a
 * `.js` specifier as the `.ts` file TypeScript projects write it for.
 */
function missingRelativeImports(
  source: string,
  file: string,
  readFile: (path: string) => string | undefined,
): string[] {
  const missing = new Set<string>();
  for (const match of source.matchAll(IMPORT_SPECIFIER)) {
    const specifier = match[2] ?? match[4] ?? match[6];
    if (specifier === undefined || !(specifier.startsWith('./') || specifier.startsWith('../'))) continue;
    const base = join(dirname(file), specifier);
    const stem = base.replace(/\.(?:m|c)?js$/u, '');
    const candidates = [
      base,
      ...RESOLVE_EXTENSIONS.map((ext) => `${base}${ext}`),
      ...RESOLVE_EXTENSIONS.map((ext) => join(base, `index${ext}`)),
      ...(stem === base ? [] : ['.ts', '.tsx', '.mts', '.cts'].map((ext) => `${stem}${ext}`)),
    ];
    if (!candidates.some((candidate) => readFile(candidate) !== undefined)) missing.add(specifier);
  }
  return [...missing];
}

const INLINE_NAME = 'inline journey';

// `--inline` runs the text as the body of an async journey callback: wrap it the same way so
// that `await` parses, and report lines of the inline text itself (line offset 1).
function wrapInline(inline: string): string {
  return `(async () => {\n${inline}\n})();\n`;
}

function transformOptions(loader: Loader, name: string): TransformOptions {
  return { loader, sourcefile: name, logLevel: 'silent', format: 'esm', target: 'es2022' };
}

/** esbuild's first syntax error as `file:line:column: text`, or undefined when the code parses. */
function journeySyntaxProblem(
  source: string,
  loader: Loader,
  name: string,
  lineOffset: number,
): string | undefined {
  try {
    transformSync(source, transformOptions(loader, name));
    return undefined;
  } catch (error) {
    return syntaxProblemOf(error, name, lineOffset);
  }
}

// Inline journeys in flight at once: esbuild's service works on them in parallel, and one
// synchronous call each (a round trip through a worker thread and the esbuild process) is what
// made 1,500 browser monitors take seconds (docs/benchmarks.md, Validation).
const JOURNEY_CONCURRENCY = 64;

/**
 * Checks the inline journeys of SyntheticMonitor objects (as loaded, not yet validated) with
 * esbuild's asynchronous API, many at once, for {@link SemanticInput.journeySyntax}: the same
 * options and the same message as the check inside {@link checkSemantics}, which then only
 * looks the results up.
 */
export async function checkInlineJourneys(
  objects: Iterable<unknown>,
  signal?: AbortSignal,
): Promise<JourneySyntaxResults> {
  const results = new Map<string, string | undefined>();
  const pending: string[] = [];
  for (const object of objects) {
    const inline = inlineJourneyOf(object);
    if (inline === undefined || results.has(inline)) continue;
    results.set(inline, undefined);
    pending.push(inline);
  }
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < pending.length) {
      signal?.throwIfAborted();
      const inline = pending[next++]!;
      try {
        await transform(wrapInline(inline), transformOptions('ts', INLINE_NAME));
      } catch (error) {
        // Only esbuild's verdict on the code is kept; a failure of the service itself (no
        // messages) is left to the synchronous check, which reports it as it always has.
        if ((error as { errors?: Message[] }).errors?.length)
          results.set(inline, syntaxProblemOf(error, INLINE_NAME, 1));
        else results.delete(inline);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOURNEY_CONCURRENCY, pending.length) }, work));
  return results;
}

function inlineJourneyOf(object: unknown): string | undefined {
  const monitor = object as { kind?: unknown; spec?: { browser?: { journey?: { inline?: unknown } } } };
  if (typeof object !== 'object' || object === null || monitor.kind !== 'SyntheticMonitor') return undefined;
  const inline = monitor.spec?.browser?.journey?.inline;
  return typeof inline === 'string' ? inline : undefined;
}

function syntaxProblemOf(error: unknown, name: string, lineOffset: number): string {
  const errors = (error as { errors?: Message[] }).errors;
  const first = errors?.[0];
  if (first === undefined) return errorText(error);
  const location = first.location;
  const at = location === null ? name : `${name}:${location.line - lineOffset}:${location.column + 1}`;
  const more = errors!.length > 1 ? ` (and ${errors!.length - 1} more)` : '';
  return `${at}: ${first.text}${more}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
