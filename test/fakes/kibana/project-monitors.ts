/**
 * What Kibana does with one monitor of a project `_bulk_update` body: the `ProjectMonitorCodec`
 * check (`common/runtime_types/monitor_management/monitor_types_project.ts`), the lightweight
 * key check (`normalizeYamlConfig` with the keys of `DEFAULT_FIELDS[type]`,
 * `common/constants/monitor_defaults.ts`), location resolution and the saved-object attributes
 * (`server/synthetics_service/project_monitor/normalizers/*.ts`). Messages are Kibana's.
 */
import {
  formatLocation,
  PUBLIC_LOCATION_NAMES,
  type PrivateLocation,
  type PublicLocation,
} from './locations.js';

export const ALLOWED_SCHEDULES_IN_MINUTES = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 240] as const;
export const ALLOWED_SCHEDULES_IN_SECONDS = ['10s', '30s'] as const;

// ConfigKey values (`common/constants/monitor_management.ts`) that DEFAULT_COMMON_FIELDS holds.
const COMMON_KEYS = [
  'type',
  'form_monitor_type',
  'enabled',
  'alert',
  'schedule',
  'service.name',
  'config_id',
  'tags',
  'timeout',
  'name',
  'locations',
  'namespace',
  'origin',
  'journey_id',
  'hash',
  'id',
  'params',
  'labels',
  'max_attempts',
  'maintenance_windows',
  'spaces',
  'revision',
];
const TLS_KEYS = [
  'ssl.certificate_authorities',
  'ssl.certificate',
  'ssl.key',
  'ssl.key_passphrase',
  'ssl.verification_mode',
  'ssl.supported_protocols',
];
const MODE_KEYS = ['mode', 'ipv4', 'ipv6'];

/** `Object.keys(DEFAULT_FIELDS[type])` for the lightweight types. */
export const SUPPORTED_KEYS: Readonly<Record<'http' | 'tcp' | 'icmp', readonly string[]>> = {
  http: [
    ...COMMON_KEYS,
    '__ui',
    'urls',
    'max_redirects',
    'url.port',
    'password',
    'proxy_url',
    'proxy_headers',
    'check.response.body.negative',
    'check.response.body.positive',
    'check.response.json',
    'response.include_body',
    'check.response.headers',
    'response.include_headers',
    'check.response.status',
    'check.request.body',
    'check.request.headers',
    'check.request.method',
    'username',
    'response.include_body_max_bytes',
    ...MODE_KEYS,
    ...TLS_KEYS,
  ],
  tcp: [
    ...COMMON_KEYS,
    '__ui',
    'hosts',
    'urls',
    'url.port',
    'proxy_url',
    'proxy_use_local_resolver',
    'check.receive',
    'check.send',
    ...MODE_KEYS,
    ...TLS_KEYS,
  ],
  icmp: [...COMMON_KEYS, 'hosts', 'wait', ...MODE_KEYS],
};

/** One entry of `failedMonitors`. */
export interface FailedMonitor {
  id?: string;
  reason: string;
  details: string;
  payload?: unknown;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * The io-ts/zod `ProjectMonitorCodec`, loose like Kibana's: required keys and the types of the
 * known optional keys; unknown keys pass here and are judged by the per-type key check.
 * Returns one message per bad key, in Kibana's "Invalid value … supplied to" wording.
 */
export function validateProjectMonitorCodec(m: unknown): string[] {
  if (!isRecord(m)) return [`Invalid value ${JSON.stringify(m)} supplied to : ProjectMonitor`];
  const errors: string[] = [];
  const bad = (key: string, expected: string): void => {
    errors.push(`Invalid value ${JSON.stringify(m[key])} supplied to : ProjectMonitor/${key}: ${expected}`);
  };
  for (const key of ['type', 'id', 'name'] as const) if (typeof m[key] !== 'string') bad(key, 'string');
  const schedule = m['schedule'];
  const lightweight = m['type'] !== 'browser' && m['type'] !== 'api';
  const okSchedule =
    (typeof schedule === 'number' &&
      (ALLOWED_SCHEDULES_IN_MINUTES as readonly number[]).includes(schedule)) ||
    (lightweight && (schedule === '10s' || schedule === '30s'));
  if (!okSchedule)
    bad(
      'schedule',
      `one of ${ALLOWED_SCHEDULES_IN_MINUTES.join('|')}${lightweight ? " (minutes) or '10s'|'30s'" : ' (minutes)'}`,
    );
  const optional: Record<string, (v: unknown) => boolean> = {
    content: (v) => typeof v === 'string',
    timeout: (v) => typeof v === 'string',
    privateLocations: isStringArray,
    locations: isStringArray,
    throttling: (v) =>
      typeof v === 'boolean' ||
      (isRecord(v) && ['download', 'upload', 'latency'].every((k) => typeof v[k] === 'number')),
    screenshot: (v) => v === 'on' || v === 'off' || v === 'only-on-failure',
    tags: (v) => typeof v === 'string' || isStringArray(v),
    ignoreHTTPSErrors: (v) => typeof v === 'boolean',
    certificateErrorSpkiAllowlist: isStringArray,
    playwrightOptions: isRecord,
    filter: (v) => isRecord(v) && typeof v['match'] === 'string',
    params: isRecord,
    enabled: (v) => typeof v === 'boolean',
    alert: (v) =>
      isRecord(v) &&
      ['status', 'tls'].every(
        (k) =>
          v[k] === undefined || (isRecord(v[k]) && ['boolean', 'undefined'].includes(typeof v[k]['enabled'])),
      ),
    urls: (v) => typeof v === 'string' || isStringArray(v),
    hosts: (v) => typeof v === 'string' || isStringArray(v),
    max_redirects: (v) => typeof v === 'string' || typeof v === 'number',
    wait: (v) => typeof v === 'string',
    hash: (v) => typeof v === 'string',
    namespace: (v) => typeof v === 'string',
    retestOnFailure: (v) => typeof v === 'boolean',
    fields: (v) => isRecord(v) && Object.values(v).every((x) => typeof x === 'string'),
    'service.name': (v) => typeof v === 'string',
    maintenanceWindows: isStringArray,
    spaces: isStringArray,
  };
  for (const [key, check] of Object.entries(optional)) {
    if (m[key] !== undefined && !check(m[key])) bad(key, 'a value of the declared type');
  }
  return errors;
}

/**
 * `flattenAndFormatObject`: YAML-style nesting becomes dotted keys; flattening stops at a
 * supported key and at arrays (numbers in arrays become strings).
 */
export function flattenAndFormat(obj: Json, prefix: string, keys: readonly string[]): Json {
  const acc: Json = {};
  for (const [k, value] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(value)) {
      acc[key] = value.map((v: unknown) => (typeof v === 'number' ? String(v) : v));
    } else if (keys.includes(key) || !isRecord(value)) {
      acc[key] = value;
    } else {
      Object.assign(acc, flattenAndFormat(value, key, keys));
    }
  }
  return acc;
}

/** `normalizeYamlConfig`: the supported flattened keys and the unsupported ones. */
export function normalizeYamlConfig(m: Json): { yamlConfig: Json; unsupportedKeys: string[] } {
  const type = m['type'] as 'http' | 'tcp' | 'icmp';
  const keys = SUPPORTED_KEYS[type];
  // Keys the formatter consumes itself (camelCase agent keys), never stored as YAML options.
  const consumed = new Set([
    'fields',
    'locations',
    'privateLocations',
    'content',
    'id',
    'retestOnFailure',
    'maintenanceWindows',
  ]);
  const rest: Json = {};
  for (const [k, v] of Object.entries(m)) if (!consumed.has(k)) rest[k] = v;
  const flat = flattenAndFormat(rest, '', keys);
  const yamlConfig: Json = {};
  const unsupportedKeys: string[] = [];
  for (const [k, v] of Object.entries(flat)) {
    if (keys.includes(k)) yamlConfig[k] = v;
    else unsupportedKeys.push(k);
  }
  return { yamlConfig, unsupportedKeys };
}

/** `getValueInSeconds`: '16s' | '2m' | '1h' → seconds as a string. */
export function valueInSeconds(value: string): string {
  const unit = value.slice(-1);
  const factor = unit === 'h' ? 3600 : unit === 'm' ? 60 : 1;
  const n = /[hms]$/.test(value) ? parseInt(value.slice(0, -1), 10) : parseInt(value, 10);
  return String(n * factor);
}

/** `getMonitorSchedule`. */
export function formatSchedule(schedule: number | string): { number: string; unit: 'm' | 's' } {
  if (typeof schedule === 'string' && schedule.endsWith('s')) {
    return { number: schedule.slice(0, -1), unit: 's' };
  }
  return { number: String(schedule), unit: 'm' };
}

/** Context of one `_bulk_update` call. */
export interface NormalizeContext {
  projectId: string;
  spaceId: string;
  version: string;
  publicLocations: readonly PublicLocation[];
  privateLocations: readonly PrivateLocation[];
}

/** Thrown by location resolution; its message is Kibana's `getInvalidLocationError`. */
export class InvalidLocationError extends Error {
  override readonly name = 'InvalidLocationError';
}

/** `getMonitorLocations`: public by id or public name, private by label or id, case-insensitive. */
export function resolveLocations(m: Json, ctx: NormalizeContext): Record<string, unknown>[] {
  const badPublic: string[] = [];
  const badPrivate: string[] = [];
  const found: Record<string, unknown>[] = [];
  for (const name of (m['locations'] as string[] | undefined) ?? []) {
    const id = PUBLIC_LOCATION_NAMES[name] ?? name;
    const loc = ctx.publicLocations.find((l) => l.id === id || l.id === name);
    if (loc) found.push(formatLocation(loc));
    else badPublic.push(name);
  }
  for (const name of (m['privateLocations'] as string[] | undefined) ?? []) {
    const lower = name.toLowerCase();
    const loc = ctx.privateLocations.find(
      (l) => l.label.toLowerCase() === lower || l.id.toLowerCase() === lower,
    );
    if (loc) found.push(formatLocation(loc));
    else badPrivate.push(name);
  }
  if (badPublic.length > 0 || badPrivate.length > 0) {
    const availPublic =
      ctx.publicLocations.length === 0
        ? 'No Elastic managed location available to use.'
        : `Available locations are '${ctx.publicLocations.map((l) => l.id).join('|')}'`;
    const availPrivate =
      ctx.privateLocations.length === 0
        ? 'No private location available to use.'
        : `Available private locations are '${ctx.privateLocations.map((l) => l.label).join('|')}'`;
    throw new InvalidLocationError(
      'Invalid locations specified.' +
        (badPublic.length > 0
          ? ` Elastic managed Location(s) '${badPublic.join('|')}' not found. ${availPublic}`
          : '') +
        (badPrivate.length > 0
          ? ` Private Location(s) '${badPrivate.join('|')}' not found. ${availPrivate}`
          : ''),
    );
  }
  const seen = new Set<unknown>();
  return found.filter((l) => (seen.has(l['id']) ? false : (seen.add(l['id']), true)));
}

const asList = (v: unknown): string[] =>
  Array.isArray(v) ? (v as string[]) : typeof v === 'string' && v !== '' ? v.split(',') : [];
const asUrls = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : v ? [v as string] : []);

/**
 * Normalizes one codec-valid project monitor into saved-object attributes, or returns the
 * per-monitor errors Kibana would put in `failedMonitors`. Throws `InvalidLocationError`.
 */
export function normalizeProjectMonitor(
  m: Json,
  ctx: NormalizeContext,
): { attributes: Json; errors: FailedMonitor[] } {
  const id = m['id'] as string;
  const type = m['type'] as string;
  const errors: FailedMonitor[] = [];
  const locations = resolveLocations(m, ctx);
  const alert = isRecord(m['alert']) ? m['alert'] : undefined;
  const alertStatus = isRecord(alert?.['status']) ? alert['status'] : undefined;
  const alertTls = isRecord(alert?.['tls']) ? alert['tls'] : undefined;
  const params = isRecord(m['params']) ? m['params'] : {};
  const common: Json = {
    type,
    journey_id: id,
    origin: 'project',
    name: m['name'],
    schedule: formatSchedule(m['schedule'] as number | string),
    project_id: ctx.projectId,
    locations,
    tags: asList(m['tags']),
    namespace: m['namespace'] || ctx.spaceId.toLowerCase().replace(/[^a-z0-9_]/g, '_') || 'default',
    original_space: ctx.spaceId,
    custom_heartbeat_id: `${id}-${ctx.projectId}-${ctx.spaceId}`,
    enabled: m['enabled'] ?? true,
    timeout:
      typeof m['timeout'] === 'string' ? valueInSeconds(m['timeout']) : type === 'browser' ? null : '16',
    hash: m['hash'] || '',
    max_attempts: m['retestOnFailure'] === false ? 1 : 2,
    params: Object.keys(params).length > 0 ? JSON.stringify(params) : '',
    alert: {
      status: { enabled: (alertStatus?.['enabled'] as boolean | undefined) ?? true },
      tls: { enabled: (alertTls?.['enabled'] as boolean | undefined) ?? true },
    },
    labels: isRecord(m['fields']) ? m['fields'] : {},
    maintenance_windows: m['maintenanceWindows'] ?? [],
    spaces: m['spaces'] ?? [ctx.spaceId],
    'service.name': m['service.name'] ?? '',
  };

  if (type === 'browser') {
    const throttling = m['throttling'];
    return {
      errors,
      attributes: {
        ...common,
        form_monitor_type: 'multistep',
        'source.project.content': m['content'] ?? '',
        'source.inline.script': '',
        playwright_options: isRecord(m['playwrightOptions']) ? JSON.stringify(m['playwrightOptions']) : '',
        screenshots: m['screenshot'] ?? 'on',
        'filter_journeys.match': (m['filter'] as Json | undefined)?.['match'] ?? '',
        'filter_journeys.tags': [],
        ignore_https_errors: m['ignoreHTTPSErrors'] ?? false,
        synthetics_args: [],
        throttling:
          throttling === false
            ? { id: 'no-throttling', label: 'No throttling', value: null }
            : isRecord(throttling)
              ? { id: 'custom', label: 'Custom', value: throttling }
              : { id: 'default', label: 'Default', value: { download: '5', upload: '3', latency: '20' } },
        'ssl.verification_mode': 'full',
        'ssl.supported_protocols': ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
      },
    };
  }
  if (type !== 'http' && type !== 'tcp' && type !== 'icmp') {
    errors.push({
      id,
      reason: 'Unsupported monitor type',
      details: `Monitor type ${type} is not supported for project monitors in ${ctx.version}.`,
    });
    return { errors, attributes: common };
  }
  const { yamlConfig, unsupportedKeys } = normalizeYamlConfig(m);
  const targetKey = type === 'http' ? 'urls' : 'hosts';
  const targets = asUrls(m[targetKey]);
  if (targets.length !== 1) {
    errors.push({
      id,
      reason: 'Invalid Heartbeat configuration',
      details: `\`${type}\` project monitors must have exactly one value for field \`${targetKey}\` in version \`${ctx.version}\`. Your monitor was not created or updated.`,
    });
  } else if (type === 'http' && !/\$\{/.test(targets[0]!) && !URL.canParse(targets[0]!)) {
    errors.push({
      id,
      reason: 'Invalid Heartbeat configuration',
      details: `\`${type}\` project monitors must specify a valid URL for field \`monitor.urls\` in version \`${ctx.version}\`. Your monitor definition with ID \`${id}\` was not saved.`,
    });
  }
  if (unsupportedKeys.length > 0) {
    errors.push({
      id,
      reason: 'Unsupported Heartbeat option',
      details: `The following Heartbeat options are not supported for ${type} project monitors in ${ctx.version}: ${unsupportedKeys.join('|')}. You monitor was not created or updated.`,
    });
  }
  const attributes: Json = {
    mode: 'any',
    ipv4: true,
    ipv6: true,
    ...yamlConfig,
    ...common,
    form_monitor_type: type,
    [targetKey]: targets[0] ?? '',
  };
  if (type === 'http') {
    const body = yamlConfig['check.request.body'];
    Object.assign(attributes, {
      max_redirects: m['max_redirects'] === undefined ? '0' : String(m['max_redirects'] as string | number),
      'check.request.method': yamlConfig['check.request.method'] ?? 'GET',
      'check.request.body': isRecord(body)
        ? { type: 'json', value: JSON.stringify(body) }
        : { type: 'text', value: typeof body === 'string' ? body : '' },
      'response.include_body': yamlConfig['response.include_body'] ?? 'on_error',
      'response.include_headers': yamlConfig['response.include_headers'] ?? true,
      'response.include_body_max_bytes': String(
        (yamlConfig['response.include_body_max_bytes'] as string | number | undefined) ?? '1024',
      ),
      'ssl.verification_mode': yamlConfig['ssl.verification_mode'] ?? 'full',
      'ssl.supported_protocols':
        yamlConfig['ssl.supported_protocols'] !== undefined
          ? asList(yamlConfig['ssl.supported_protocols'])
          : ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
      __ui: { is_tls_enabled: Object.keys(m).some((k) => k.includes('ssl')) },
    });
  } else if (type === 'tcp') {
    Object.assign(attributes, {
      'ssl.verification_mode': yamlConfig['ssl.verification_mode'] ?? 'full',
      proxy_use_local_resolver: yamlConfig['proxy_use_local_resolver'] ?? false,
      __ui: { is_tls_enabled: Object.keys(m).some((k) => k.includes('ssl')) },
    });
  } else {
    attributes['wait'] = typeof m['wait'] === 'string' ? valueInSeconds(m['wait']) : '1';
  }
  return { attributes, errors };
}
