/**
 * Field-level diff of a desired project monitor (push's `MonitorSchema`, what translate makes)
 * against the live monitor Kibana returns from `GET /api/synthetics/monitors` (its stored
 * saved-object attributes). Kibana stores a normalized shape (elastic.md §3,
 * `normalizers/common_fields.ts`): the live value is mapped back into the payload's key space
 * before comparing, so a monitor that was just applied shows no difference — the perpetual
 * diffs of Terraform's provider (terraform-provider-elasticstack#800, #965) come from comparing
 * the two shapes directly.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './hash.js';
import type { PrivateLocation } from './client.js';

type Json = Record<string, unknown>;

/** One field that differs. `before`/`after` are display values, already masked. */
export interface FieldChange {
  /** Payload key, e.g. `schedule`, `check.request.headers`. */
  readonly field: string;
  /** Live value (display form); `undefined` when Kibana has none. */
  readonly before: unknown;
  /** Desired value (display form); `undefined` when the key is reset to Kibana's default. */
  readonly after: unknown;
  /** True when a value was hidden (secret material). */
  readonly masked?: boolean;
}

/** What the diff needs to know about the Kibana it reads. */
export interface DiffContext {
  /** Private locations of the space, to compare labels and ids alike (Kibana accepts both). */
  readonly privateLocations: readonly PrivateLocation[];
}

// Kibana's defaults for common keys a payload may leave out (`common_fields.ts`): comparing an
// absent desired key against them is how resetting a field to its default shows up.
const COMMON_DEFAULTS: Readonly<Record<string, unknown>> = {
  enabled: true,
  tags: [],
  fields: {},
  alert: { status: { enabled: true }, tls: { enabled: true } },
  retestOnFailure: true,
  maintenanceWindows: [],
  params: {},
  'service.name': '',
  privateLocations: [],
};

// Keys whose stored value is encrypted by Kibana (`secretKeys`, elastic.md §8.3) and which can
// hold secret material typed into the UI; shown as `(sensitive)` unless they are `${param}`
// references only.
const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'password',
  'ssl.key',
  'ssl.key_passphrase',
  'check.request.body',
  'check.send',
  'check.receive',
]);
const SENSITIVE_NAME = /auth|token|secret|pass|key|cookie|session|credential/iu;
const ONLY_REFERENCES = /^(?:[^$]*\$\{[A-Za-z0-9_.]+\}[^$]*)+$/u;

/** Keys the diff never shows (bookkeeping, or Kibana-owned). */
const IGNORED_KEYS: ReadonlySet<string> = new Set(['id', 'hash']);

/**
 * The live monitor in the desired payload's key space: for each key of `desired`, the value
 * Kibana stores for it, mapped back (schedule `{number,unit}` → `3` | `'30s'`, timeout seconds
 * → `'16s'`, labels → fields, locations → service ids and private labels, max_attempts →
 * retestOnFailure, params JSON → object, …). Keys Kibana does not hold come back `undefined`.
 */
export function liveInPayloadShape(live: Readonly<Json>, keys: Iterable<string>, ctx: DiffContext): Json {
  const out: Json = {};
  for (const key of keys) {
    const value = liveValue(live, key, ctx);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function liveValue(live: Readonly<Json>, key: string, ctx: DiffContext): unknown {
  switch (key) {
    case 'schedule': {
      const s = live['schedule'] as { number?: unknown; unit?: unknown } | undefined;
      if (s === undefined || s === null) return undefined;
      const n = Number(s.number);
      if (s.unit === 's') return `${String(s.number)}s`;
      if (s.unit === 'h') return n * 60;
      return n;
    }
    case 'locations':
      return locationsOf(live)
        .filter((l) => l['isServiceManaged'] !== false)
        .map((l) => String(l['id']));
    case 'privateLocations':
      return locationsOf(live)
        .filter((l) => l['isServiceManaged'] === false)
        .map((l) => privateLabel(String(l['id']), String(l['label'] ?? l['id']), ctx));
    case 'fields':
      return live['labels'] ?? {};
    case 'retestOnFailure':
      return live['max_attempts'] === undefined ? undefined : Number(live['max_attempts']) !== 1;
    case 'maintenanceWindows':
      return live['maintenance_windows'] ?? [];
    case 'params': {
      const p = live['params'];
      if (typeof p === 'string') {
        if (p === '') return {};
        try {
          return JSON.parse(p) as unknown;
        } catch {
          return p;
        }
      }
      return p ?? {};
    }
    case 'timeout':
    case 'wait': {
      const seconds = live[key];
      return typeof seconds === 'string' || typeof seconds === 'number' ? `${seconds}s` : undefined;
    }
    case 'urls':
      return live['urls'] ?? live['url'];
    case 'hosts':
      return live['hosts'] ?? live['host'];
    case 'content':
      return live['source.project.content'];
    case 'filter':
      return live['filter_journeys.match'] === undefined
        ? undefined
        : { match: live['filter_journeys.match'] };
    case 'playwrightOptions': {
      const p = live['playwright_options'];
      if (typeof p !== 'string') return p;
      try {
        return p === '' ? {} : (JSON.parse(p) as unknown);
      } catch {
        return p;
      }
    }
    case 'screenshot':
      return live['screenshots'];
    case 'ignoreHTTPSErrors':
      return live['ignore_https_errors'];
    case 'check.request.body': {
      const b = live['check.request.body'] as { type?: unknown; value?: unknown } | string | undefined;
      if (b === undefined || typeof b === 'string') return b;
      if (b.type === 'json' && typeof b.value === 'string') {
        try {
          return JSON.parse(b.value) as unknown;
        } catch {
          return b.value;
        }
      }
      return b.value === '' ? undefined : b.value;
    }
    case 'spaces': {
      const s = live['spaces'];
      return Array.isArray(s) ? s : undefined;
    }
    default:
      return live[key];
  }
}

function locationsOf(live: Readonly<Json>): Json[] {
  const l = live['locations'];
  return Array.isArray(l) ? (l as Json[]) : [];
}

function privateLabel(id: string, label: string, ctx: DiffContext): string {
  const known = ctx.privateLocations.find((l) => l.id === id);
  return known?.label ?? label;
}

/** A desired private location (label or id, case-insensitive in Kibana) as its label. */
function desiredPrivateLabel(name: string, ctx: DiffContext): string {
  const lower = name.toLowerCase();
  const known = ctx.privateLocations.find(
    (l) => l.label.toLowerCase() === lower || l.id.toLowerCase() === lower,
  );
  return known?.label ?? name;
}

/** Values compared the way Kibana stores them: numbers and strings alike, order-free sets. */
function comparable(key: string, value: unknown, ctx: DiffContext): unknown {
  if (value === undefined) return undefined;
  switch (key) {
    case 'locations':
    case 'tags':
    case 'spaces':
    case 'maintenanceWindows':
      return Array.isArray(value) ? [...(value as unknown[]).map(String)].sort() : value;
    case 'privateLocations':
      return Array.isArray(value)
        ? (value as string[]).map((name) => desiredPrivateLabel(name, ctx).toLowerCase()).sort()
        : value;
    case 'alert': {
      const a = value as { status?: { enabled?: boolean }; tls?: { enabled?: boolean } };
      return {
        status: { enabled: a.status?.enabled ?? true },
        tls: { enabled: a.tls?.enabled ?? true },
      };
    }
    default:
      return stringifyScalars(value);
  }
}

// Kibana's flattening turns numbers in arrays into strings and stores several numbers as
// strings (`max_redirects`, `response.include_body_max_bytes`): compare scalars as text.
function stringifyScalars(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (value !== null && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = stringifyScalars(v);
    return out;
  }
  return value;
}

/**
 * The fields where `live` (Kibana's stored monitor) differs from `desired` (the payload),
 * secrets masked. Keys absent from `desired` count as Kibana's default for the common keys.
 */
export function diffMonitor(desired: Readonly<Json>, live: Readonly<Json>, ctx: DiffContext): FieldChange[] {
  const keys = new Set(Object.keys(desired).filter((k) => !IGNORED_KEYS.has(k)));
  for (const key of Object.keys(COMMON_DEFAULTS)) keys.add(key);
  const changes: FieldChange[] = [];
  for (const key of [...keys].sort()) {
    const wanted = key in desired ? desired[key] : COMMON_DEFAULTS[key];
    let actual = liveValue(live, key, ctx);
    // Kibana fills defaults the payload did not send; an absent desired key equals them.
    if (!(key in desired) && actual === undefined) actual = COMMON_DEFAULTS[key];
    if (key === 'spaces' && !(key in desired)) continue;
    if (key === 'timeout' && !(key in desired)) continue;
    const a = comparable(key, wanted, ctx);
    const b = comparable(key, actual, ctx);
    if (a === undefined && (b === undefined || isEmpty(b))) continue;
    if (canonicalJson(a) === canonicalJson(b)) continue;
    changes.push(displayChange(key, actual, wanted));
  }
  return changes;
}

function isEmpty(value: unknown): boolean {
  return (
    value === '' ||
    value === null ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
  );
}

function displayChange(field: string, before: unknown, after: unknown): FieldChange {
  // Desired values come from Git, where secrets are references (`${param}`) by construction;
  // live values may hold whatever was typed into Kibana's UI.
  const b = maskValue(field, before);
  const a = { value: after, masked: false };
  const masked = b.masked;
  if (field === 'content') {
    return { field, before: digestLabel(before), after: digestLabel(after) };
  }
  return { field, before: b.value, after: a.value, ...(masked ? { masked } : {}) };
}

/** `bundle sha256:1a2b3c4d…` for a browser bundle: the zip is not readable in a plan. */
function digestLabel(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const digest = createHash('sha256').update(value).digest('hex').slice(0, 12);
  return `<bundle ${Math.round((value.length * 3) / 4 / 1024)} KiB sha256:${digest}>`;
}

/**
 * `value` with secret material replaced by `(sensitive)`: values of Kibana's encrypted keys and
 * of secret-looking header/param names, unless they consist of `${param}` references only.
 */
export function maskValue(field: string, value: unknown): { value: unknown; masked: boolean } {
  if (value === undefined || value === null) return { value, masked: false };
  const isReference = (v: unknown): boolean => typeof v === 'string' && ONLY_REFERENCES.test(v);
  if (SENSITIVE_KEYS.has(field)) {
    if (isReference(value) || value === '') return { value, masked: false };
    return { value: '(sensitive)', masked: true };
  }
  if (
    (field === 'check.request.headers' ||
      field === 'proxy_headers' ||
      field === 'params' ||
      field === 'check.response.headers') &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    let masked = false;
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      if (SENSITIVE_NAME.test(k) && !isReference(v)) {
        out[k] = '(sensitive)';
        masked = true;
      } else out[k] = v;
    }
    return { value: out, masked };
  }
  return { value, masked: false };
}
