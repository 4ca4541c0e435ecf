/**
 * What Kibana's Synthetics app accepts from a project monitor, as facts synthctl checks before
 * any request: schedules, public locations, and which of our spec fields have a Heartbeat
 * option Kibana supports for the monitor's type.
 *
 * Sources (see /work/shared/reference/elastic.md §3, §5, §6, §7.3):
 * - `ALLOWED_SCHEDULES_IN_MINUTES` / `ALLOWED_SCHEDULES_IN_SECONDS` in Kibana's
 *   `common/constants/monitor_defaults.ts`, and `@elastic/synthetics` `ALLOWED_SCHEDULES`;
 * - push's `parseSchedule`/`nearestSchedule` (`@elastic/synthetics src/push/monitor.ts`);
 * - `DEFAULT_FIELDS[type]`: a lightweight key outside it makes Kibana answer
 *   "Unsupported Heartbeat option" and not save the monitor (`normalizeYamlConfig`).
 */
import { JSONPath } from 'jsonpath-plus';
import { formatDuration } from './duration.js';
import { PUBLIC_LOCATIONS, type MonitorType, type SyntheticMonitorSpec } from './schema.js';

// ---------------------------------------------------------------------------------------
// Schedules

/** Schedules Kibana accepts, in minutes (`ALLOWED_SCHEDULES_IN_MINUTES`). */
export const KIBANA_SCHEDULE_MINUTES = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 240] as const;
/** Sub-minute schedules Kibana accepts, lightweight monitors only (`ALLOWED_SCHEDULES_IN_SECONDS`). */
export const KIBANA_SCHEDULE_SECONDS = ['10s', '30s'] as const;

/** A schedule as push sends it: minutes as a number, or `'10s'` / `'30s'`. */
export type KibanaSchedule =
  (typeof KIBANA_SCHEDULE_MINUTES)[number] | (typeof KIBANA_SCHEDULE_SECONDS)[number];

/** A schedule text push cannot convert (a cron expression, an unknown unit). */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  readonly input: string;

  constructor(input: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.input = input;
  }
}

/** True for http, tcp and icmp: the types Kibana lets run every 10s or 30s. */
export function isLightweight(type: MonitorType): boolean {
  return type !== 'browser';
}

/** The schedule in milliseconds. */
export function kibanaScheduleMs(schedule: KibanaSchedule): number {
  return typeof schedule === 'number' ? schedule * 60_000 : Number.parseInt(schedule, 10) * 1000;
}

/** The Kibana schedule equal to `ms` for a monitor of `type`, or undefined when Kibana has none. */
export function kibanaScheduleOf(ms: number, type: MonitorType): KibanaSchedule | undefined {
  if (isLightweight(type)) {
    for (const seconds of KIBANA_SCHEDULE_SECONDS) if (kibanaScheduleMs(seconds) === ms) return seconds;
  }
  return KIBANA_SCHEDULE_MINUTES.find((minutes) => minutes * 60_000 === ms);
}

/**
 * The allowed schedule nearest to `ms`, by push's rule: under a minute, lightweight monitors
 * get `'10s'` below 20s and `'30s'` otherwise; else the nearest allowed minutes, ties going to
 * the larger value. Browser monitors cannot run more often than every minute.
 */
export function nearestKibanaSchedule(ms: number, type: MonitorType): KibanaSchedule {
  if (ms < 60_000 && ms > 0 && isLightweight(type)) return ms < 20_000 ? '10s' : '30s';
  return nearestMinutes(ms / 60_000);
}

// push's nearestSchedule: scans the list in order with `<=`, so a tie picks the later value.
function nearestMinutes(minutes: number): KibanaSchedule {
  let nearest: KibanaSchedule = KIBANA_SCHEDULE_MINUTES[0];
  let distance = Math.abs(nearest - minutes);
  for (const candidate of KIBANA_SCHEDULE_MINUTES) {
    const d = Math.abs(candidate - minutes);
    if (d <= distance) {
      nearest = candidate;
      distance = d;
    }
  }
  return nearest;
}

/**
 * Converts an Elastic lightweight schedule exactly as `@elastic/synthetics push` does
 * (`parseSchedule`): `@every` syntax (the prefix is optional here), integer terms with units
 * s, m, h, d; seconds of 60 or more round to minutes; seconds next to minutes are dropped;
 * then snapped to an allowed value. `@every 45m` → 60, `24m` → 20, `1d` → 240, `70s` → 1,
 * `15s` → `'10s'`, `25s` → `'30s'`.
 * @throws ScheduleError for cron expressions, which push refuses too, and for text push would
 *   silently misread (`@every 1.5m` becomes 5, `@every 5 minutes` becomes 1 there).
 */
export function snapSchedule(schedule: string): KibanaSchedule {
  const text = schedule.trim();
  const every = /^@every\s+/u.exec(text);
  if (every === null && text.startsWith('@')) {
    throw new ScheduleError(
      schedule,
      `schedule ${JSON.stringify(schedule)} is not supported: use '@every' syntax`,
    );
  }
  const body = every === null ? text : text.slice(every[0].length);
  if (!/^(\d+[smhd])+$/u.test(body)) {
    throw new ScheduleError(
      schedule,
      `schedule ${JSON.stringify(schedule)} is not supported: use '@every' with whole numbers of s, m, h or d (e.g. '@every 5m')`,
    );
  }
  let minutes = 0;
  let seconds = 0;
  for (const [, digits, unit] of body.matchAll(/(\d+)([smhd])/gu)) {
    const value = Number.parseInt(digits!, 10);
    if (unit === 's') {
      if (value < 60) seconds += value;
      else minutes += Math.round(value / 60);
    } else if (unit === 'm') minutes += value;
    else if (unit === 'h') minutes += value * 60;
    else minutes += value * 24 * 60;
  }
  if (seconds > 0 && minutes === 0) return seconds < 20 ? '10s' : '30s';
  return nearestMinutes(minutes);
}

/** A schedule for messages: `10s`, `5m`, `60m (1h)`. */
export function formatKibanaSchedule(schedule: KibanaSchedule): string {
  if (typeof schedule === 'string') return schedule;
  return schedule >= 60 ? `${schedule}m (${formatDuration(schedule * 60_000)})` : `${schedule}m`;
}

/** Every schedule Kibana accepts for `type`, for messages: `10s, 30s, 1m, 2m, …, 240m`. */
export function allowedSchedulesText(type: MonitorType): string {
  const minutes = KIBANA_SCHEDULE_MINUTES.map((m) => `${m}m`);
  return (isLightweight(type) ? [...KIBANA_SCHEDULE_SECONDS, ...minutes] : minutes).join(', ');
}

/**
 * A timeout as Kibana should receive it. Kibana converts `timeout` with `getValueInSeconds`,
 * which reads only the last unit letter and `parseInt`s the rest (`1m30s` would become 1s,
 * `500ms` 500s), so we always send whole seconds, rounded up.
 */
export function toKibanaTimeout(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

// ---------------------------------------------------------------------------------------
// Locations

/** Elastic public location names (`us_east`), as `locations` accepts them. */
export const PUBLIC_LOCATION_NAMES = Object.keys(PUBLIC_LOCATIONS) as (keyof typeof PUBLIC_LOCATIONS)[];

/** A public location with both of its spellings. */
export interface PublicLocation {
  readonly name: keyof typeof PUBLIC_LOCATIONS;
  readonly serviceId: string;
}

/**
 * The public location a `locations` entry means, by name (`us_east`) or service id
 * (`us-east4-a`), as Kibana matches them; undefined for anything else.
 */
export function resolvePublicLocation(location: string): PublicLocation | undefined {
  for (const name of PUBLIC_LOCATION_NAMES) {
    const serviceId = PUBLIC_LOCATIONS[name];
    if (location === name || location === serviceId) return { name, serviceId };
  }
  return undefined;
}

/** The valid public locations for messages: `japan (asia-northeast1-a), …`. */
export function publicLocationsText(): string {
  return PUBLIC_LOCATION_NAMES.map((name) => `${name} (${PUBLIC_LOCATIONS[name]})`).join(', ');
}

// ---------------------------------------------------------------------------------------
// Fields Kibana cannot carry

// How our spec maps onto Heartbeat options Kibana supports (`DEFAULT_FIELDS[type]`). Fields
// not flagged by findUnsupportedFields translate one to one (see elastic.md §6); the translator lives in
// src/kibana. Notable decisions:
// - `http.auth.bearer` / `http.auth.apiKey` become a `check.request.headers` entry whose value
//   references a Kibana param (`Bearer ${token}`), so they are supported;
// - `http.body.form` is sent as a text body with its Content-Type header;
// - `http.checks.status` classes and ranges are expanded into the list of codes;
// - `http.checks.body.contains` becomes `check.response.body.positive` regex-escaped, because
//   Heartbeat compiles those entries as Go (RE2) regular expressions; `matches` is carried
//   as is when the pattern means the same in RE2;
// - `http.checks.json[]` path comparisons become Heartbeat `check.response.json` expressions
//   (gval) when the path is a plain member/index chain and the comparison is `equals`,
//   `notEquals`, `lessThan` or `greaterThan` with a scalar.

/** One spec field that a Kibana project monitor of its type cannot carry. */
export interface UnsupportedField {
  /** Path from the monitor root, e.g. `['spec','http','checks','xpath']`. */
  readonly path: readonly (string | number)[];
  readonly type: MonitorType;
  /** The Heartbeat option the translation would need and Kibana does not support. */
  readonly heartbeatOption: string;
  /**
   * `refuse`: Kibana fails the monitor ("Unsupported Heartbeat option"); `drop`: Kibana ignores
   * the field silently; `weaken`: Kibana takes it but Heartbeat checks less than we do.
   */
  readonly effect: 'refuse' | 'drop' | 'weaken';
  /** Why, in a clause: `Heartbeat http monitors have no XPath assertion`. */
  readonly reason: string;
  /** What to do instead. */
  readonly hint: string;
}

const RUNNER_ONLY_HINT =
  'keep the check on the synthctl runner only (change the monitor labels so that no SyntheticsProject selects it)';

/**
 * Every field of `spec` that Kibana cannot carry for its type. Empty for monitors Kibana can
 * take as they are. Paths are relative to the resource root (`spec.…`).
 */
export function findUnsupportedFields(spec: SyntheticMonitorSpec): UnsupportedField[] {
  const out: UnsupportedField[] = [];
  if (spec.http !== undefined) {
    const http = spec.http;
    const type = 'http';
    const at = (...rest: (string | number)[]) => ['spec', 'http', ...rest];
    if (http.tls?.serverName !== undefined) {
      out.push({
        path: at('tls', 'serverName'),
        type,
        heartbeatOption: 'ssl.server_name',
        effect: 'refuse',
        reason: 'Kibana has no TLS server name option for http monitors',
        hint: `request the name in the URL instead, or ${RUNNER_ONLY_HINT}`,
      });
    }
    const checks = http.checks;
    if (checks?.maxResponseTime !== undefined) {
      out.push({
        path: at('checks', 'maxResponseTime'),
        type,
        heartbeatOption: 'check.response.max_duration',
        effect: 'refuse',
        reason: 'Heartbeat http monitors have no response-time assertion',
        hint: `use timeout, which fails the check when the request takes longer, or ${RUNNER_ONLY_HINT}`,
      });
    }
    if (checks?.xpath !== undefined && checks.xpath.length > 0) {
      out.push({
        path: at('checks', 'xpath'),
        type,
        heartbeatOption: 'check.response.xpath',
        effect: 'refuse',
        reason: 'Heartbeat http monitors have no XPath assertion',
        hint: `use checks.body.contains, or ${RUNNER_ONLY_HINT}`,
      });
    }
    checks?.headers?.forEach((header, index) => {
      const op =
        header.contains !== undefined
          ? 'contains'
          : header.matches !== undefined
            ? 'matches'
            : header.absent !== undefined
              ? 'absent'
              : undefined;
      if (op === undefined) return;
      out.push({
        path: at('checks', 'headers', index, op),
        type,
        heartbeatOption: `check.response.headers (${op})`,
        effect: 'refuse',
        reason: 'Heartbeat compares response headers for equality only',
        hint: `use equals, or ${RUNNER_ONLY_HINT}`,
      });
    });
    for (const key of ['matches', 'notMatches'] as const) {
      checks?.body?.[key]?.forEach((pattern, index) => {
        const problem = re2Incompatibility(pattern);
        if (problem === undefined) return;
        out.push({
          path: at('checks', 'body', key, index),
          type,
          heartbeatOption: `check.response.body.${key === 'matches' ? 'positive' : 'negative'}`,
          effect: 'refuse',
          reason: `Heartbeat compiles body patterns as Go RE2 regular expressions, which have no ${problem}`,
          hint: `rewrite the pattern without ${problem}, or ${RUNNER_ONLY_HINT}`,
        });
      });
    }
    // Heartbeat's checkBody passes when any one positive pattern matches
    // (heartbeat/monitors/active/http/respcheck.go), where our contains/matches all must.
    const positives = [
      ...(checks?.body?.contains ?? []).map((_, index) => ['contains', index] as const),
      ...(checks?.body?.matches ?? []).map((_, index) => ['matches', index] as const),
    ];
    if (positives.length > 1) {
      const [key, index] = positives[1]!;
      out.push({
        path: at('checks', 'body', key, index),
        type,
        heartbeatOption: 'check.response.body.positive',
        effect: 'weaken',
        reason: `Heartbeat passes when any one of its ${positives.length} positive body patterns matches, where synthctl requires all of them`,
        hint: 'keep one contains/matches entry for monitors synced to Kibana, or accept the weaker check there',
      });
    }
    checks?.json?.forEach((check, index) => {
      const problem = jsonCheckIncompatibility(check);
      if (problem === undefined) return;
      out.push({
        path: at('checks', 'json', index, problem.field),
        type,
        heartbeatOption: 'check.response.json',
        effect: 'refuse',
        reason: problem.reason,
        hint: `use a path with equals, notEquals, lessThan or greaterThan, or ${RUNNER_ONLY_HINT}`,
      });
    });
  }
  if (spec.tcp !== undefined) {
    const tcp = spec.tcp;
    const at = (...rest: (string | number)[]) => ['spec', 'tcp', ...rest];
    if (tcp.receiveMatches !== undefined) {
      out.push({
        path: at('receiveMatches'),
        type: 'tcp',
        heartbeatOption: 'check.receive (regular expression)',
        effect: 'refuse',
        reason: 'Heartbeat tcp monitors only check that the answer contains a string (check.receive)',
        hint: `use receive, or ${RUNNER_ONLY_HINT}`,
      });
    }
    if (tcp.tls?.serverName !== undefined) {
      out.push({
        path: at('tls', 'serverName'),
        type: 'tcp',
        heartbeatOption: 'ssl.server_name',
        effect: 'refuse',
        reason: 'Kibana has no TLS server name option for tcp monitors',
        hint: `connect to the name itself (host: name:port), or ${RUNNER_ONLY_HINT}`,
      });
    }
  }
  if (spec.icmp?.count !== undefined && spec.icmp.count > 1) {
    out.push({
      path: ['spec', 'icmp', 'count'],
      type: 'icmp',
      heartbeatOption: 'count',
      effect: 'refuse',
      reason: 'Heartbeat icmp monitors send one echo request per check',
      hint: `remove count (or set 1), or ${RUNNER_ONLY_HINT}`,
    });
  }
  if (spec.browser !== undefined) {
    const browser = spec.browser;
    if (browser.filter?.tags !== undefined && browser.filter.tags.length > 0) {
      out.push({
        path: ['spec', 'browser', 'filter', 'tags'],
        type: 'browser',
        heartbeatOption: 'filter.tags',
        effect: 'drop',
        reason: 'project monitors carry only filter.match, so Kibana would run every journey of the file',
        hint: 'select the journey with filter.match, or split the journeys into separate files',
      });
    }
    if (browser.syntheticsArgs !== undefined && browser.syntheticsArgs.length > 0) {
      out.push({
        path: ['spec', 'browser', 'syntheticsArgs'],
        type: 'browser',
        heartbeatOption: 'synthetics_args',
        effect: 'drop',
        reason: 'the project monitor API does not read synthetics_args',
        hint: 'move the options into playwrightOptions, or drop them for monitors synced to Kibana',
      });
    }
  }
  return out;
}

/** The message of a `kibana.unsupported` diagnostic for `field`. */
export function unsupportedFieldMessage(field: UnsupportedField, fieldPath: string): string {
  switch (field.effect) {
    case 'refuse':
      return `Kibana would refuse this ${field.type} monitor ('Unsupported Heartbeat option' ${field.heartbeatOption}): ${fieldPath} cannot be translated, because ${field.reason}`;
    case 'drop':
      return `Kibana would silently drop ${fieldPath} of this ${field.type} monitor (no ${field.heartbeatOption}): ${field.reason}`;
    case 'weaken':
      return `Kibana would check ${fieldPath} of this ${field.type} monitor more loosely (${field.heartbeatOption}): ${field.reason}`;
  }
}

/**
 * Why a JavaScript regular expression would not mean the same in Go's RE2, or undefined when
 * it would. RE2 has no lookaround and no backreferences, and writes `\x{…}` where JS writes
 * `\u…`; the scan skips escaped characters and character classes where that matters.
 */
export function re2Incompatibility(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/u.test(next) && !inClass) return 'backreferences';
      if (next === 'k' && pattern[i + 2] === '<') return 'backreferences';
      if (next === 'u') return '\\u escapes (RE2 writes \\x{…})';
      if (next === 'c') return '\\c control escapes';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      if (pattern.startsWith('[^]', i)) return 'match-anything class [^]';
      inClass = true;
      // A `]` right after `[` or `[^` is literal in both engines.
      if (pattern[i + 1] === ']') i++;
      else if (pattern.startsWith('^]', i + 1)) i += 2;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'lookahead';
      if (rest.startsWith('<=') || rest.startsWith('<!')) return 'lookbehind';
    }
  }
  return undefined;
}

type JsonCheckSpec = NonNullable<
  NonNullable<NonNullable<SyntheticMonitorSpec['http']>['checks']>['json']
>[number];

function jsonCheckIncompatibility(check: JsonCheckSpec): { field: string; reason: string } | undefined {
  if (check.expression !== undefined) {
    return {
      field: 'expression',
      reason: 'Heartbeat evaluates check.response.json expressions in gval, not CEL',
    };
  }
  for (const op of ['contains', 'matches', 'exists'] as const) {
    if (check[op] !== undefined) {
      return { field: op, reason: `Heartbeat JSON expressions have no ${op} comparison we can translate to` };
    }
  }
  for (const op of ['equals', 'notEquals'] as const) {
    const value = check[op];
    if (value !== undefined && value !== null && typeof value === 'object') {
      return { field: op, reason: 'Heartbeat JSON expressions compare scalars only, not objects or lists' };
    }
  }
  if (check.path !== undefined && !isPlainJsonPath(check.path)) {
    return {
      field: 'path',
      reason:
        'Heartbeat JSON expressions address fields by plain member and index chains, without wildcards, filters, recursive descent or .length',
    };
  }
  return undefined;
}

/** True for `$.a.b[0].c`-style paths that gval can address; false for wildcards, filters, `..`. */
export function isPlainJsonPath(path: string): boolean {
  const segments = JSONPath.toPathArray(path);
  if (segments[0] !== '$' || segments.length < 2) return false;
  return segments.slice(1).every((segment, index, all) => {
    if (segment === '' || segment === '..' || segment === '*' || segment === '~' || segment === '^')
      return false;
    if (segment.startsWith('?(') || segment.startsWith('(') || segment.startsWith('@')) return false;
    if (/[,:]/u.test(segment)) return false;
    // jsonpath-plus reads `.length` of an array as its size; gval cannot.
    if (segment === 'length' && index === all.length - 1) return false;
    return true;
  });
}
