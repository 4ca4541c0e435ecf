/**
 * SyntheticMonitor (+ its SyntheticsProject's defaults) → the project monitor that
 * `@elastic/synthetics push` sends to `PUT …/project/{id}/monitors/_bulk_update` for the same
 * monitor (`MonitorSchema`, elastic.md §2.4). `test/kibana-parity.test.ts` holds us to push.
 *
 * - Agent keys are camelCase as push sends them (`privateLocations`, `retestOnFailure`, …).
 * - Lightweight options are sent as Heartbeat YAML keys. Push passes YAML through as written,
 *   nested or dotted; we always write the dotted form Kibana stores (`check.request.method`,
 *   `ssl.verification_mode`), which is the key list of Kibana's `DEFAULT_FIELDS`, so Kibana's
 *   flattening (`normalizeYamlConfig`) is the identity on our payloads.
 * - Optional keys appear only when the monitor or the project sets them, as with push; Kibana
 *   fills the same defaults (`src/model/defaults.ts` BUILTIN_DEFAULTS) for missing keys.
 * - Secret material never enters the payload: every `valueFrom` becomes `${<param key>}` and a
 *   ManagedParam the apply step resolves and creates (src/kibana/params.ts).
 * - Fields Kibana cannot carry come back as issues (`kibana.unsupported`), never dropped
 *   silently; `assertTranslatable` turns error issues into UntranslatableFieldError.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JSONPath } from 'jsonpath-plus';
import { formatPath, type Severity } from '../model/diagnostics.js';
import { effectiveMonitor, mergeDefaults, monitorType } from '../model/defaults.js';
import { tryParseDuration } from '../model/duration.js';
import {
  findUnsupportedFields,
  isPlainJsonPath,
  kibanaScheduleOf,
  nearestKibanaSchedule,
  resolvePublicLocation,
  toKibanaTimeout,
  unsupportedFieldMessage,
  type KibanaSchedule,
} from '../model/kibana-keys.js';
import type {
  BrowserSpec,
  HttpSpec,
  IcmpSpec,
  JsonCheck,
  MonitorType,
  NamedValue,
  SyntheticMonitor,
  SyntheticMonitorSpec,
  SyntheticsProject,
  TcpSpec,
  TlsOptions,
} from '../model/schema.js';
import { bundleJourney, checkMonitorSize, wrapInlineJourney, type JourneyInput } from './bundle.js';
import { hashMonitor } from './hash.js';
import {
  PARAM_TAG,
  copyValueReference,
  describeReference,
  paramKey,
  paramReference,
  projectParamTag,
  type ManagedParam,
  type ValueReference,
} from './params.js';

/** A project monitor as sent in `{"monitors": [...]}`: push's `MonitorSchema`. */
export interface ProjectMonitorPayload {
  id: string;
  name: string;
  type: MonitorType;
  schedule: KibanaSchedule;
  locations: string[];
  params: Record<string, string>;
  hash: string;
  /** Every other key, camelCase agent keys and dotted Heartbeat keys. */
  [key: string]: unknown;
}

/** Something about the translation the user should know; `error` means Kibana cannot take it. */
export interface TranslationIssue {
  readonly severity: Extract<Severity, 'error' | 'warning'>;
  /** Rule id: `kibana.unsupported`, `kibana.schedule.snapped`, … */
  readonly code: string;
  /** The spec field, `spec.http.checks.xpath`. */
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}

/** The result of translating one monitor. */
export interface Translation {
  /** The journey id (`payload.id`). */
  readonly monitorId: string;
  readonly payload: ProjectMonitorPayload;
  /** Kibana params the payload references, for the apply step to create or update. */
  readonly params: readonly ManagedParam[];
  readonly issues: readonly TranslationIssue[];
}

/** Reads the journey code of a `journey.configMapRef` (the operator passes its informer's view). */
export type ConfigMapReader = (
  ref: { readonly name: string; readonly key: string },
  namespace: string | undefined,
) => Promise<string>;

/** Options of `translateMonitor`. */
export interface TranslateOptions {
  /** The project the monitor syncs through: defaults, space, project id (for param tags). */
  readonly project?: SyntheticsProject;
  /** The file that declares the monitor: `browser.journey.file` is relative to its folder. */
  readonly sourceFile?: string;
  /**
   * The project root: zip entry paths are relative to it. Default: the folder of `sourceFile`
   * (push uses its working directory, the folder of `synthetics.config.ts`).
   */
  readonly root?: string;
  /** Reads `browser.journey.configMapRef` code; without it such monitors get an error issue. */
  readonly readConfigMap?: ConfigMapReader;
  /**
   * Param key → `secretDigest(key, value)`, so that rotating a secret changes the hash. May
   * hold the digests of a whole project: only the keys this monitor references count. A
   * referenced key without a digest hashes as if its secret were unknown (the empty digest).
   */
  readonly secretDigests?: Readonly<Record<string, string>>;
}

/** A monitor has fields Kibana cannot carry; `issues` lists them with the fix. */
export class UntranslatableFieldError extends Error {
  override readonly name = 'UntranslatableFieldError';
  readonly monitorId: string;
  readonly issues: readonly TranslationIssue[];

  constructor(monitorId: string, issues: readonly TranslationIssue[]) {
    const first = issues[0];
    super(
      `monitor ${monitorId} cannot be sent to Kibana: ${first === undefined ? 'untranslatable fields' : `${first.path}: ${first.message}`}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
    );
    this.monitorId = monitorId;
    this.issues = issues;
  }
}

/** Returns `translation` when it has no error issue; throws UntranslatableFieldError otherwise. */
export function assertTranslatable(translation: Translation): Translation {
  const errors = translation.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) throw new UntranslatableFieldError(translation.monitorId, errors);
  return translation;
}

// ---------------------------------------------------------------------------------------

/** Collects params and issues while one monitor is translated. */
class TranslationContext {
  readonly params: ManagedParam[] = [];
  readonly issues: TranslationIssue[] = [];
  readonly monitorId: string;
  readonly #namespace: string | undefined;
  readonly #tags: readonly string[];

  constructor(monitorId: string, namespace: string | undefined, projectId: string | undefined) {
    this.monitorId = monitorId;
    this.#namespace = namespace;
    this.#tags = projectId === undefined ? [PARAM_TAG] : [PARAM_TAG, projectParamTag(projectId)];
  }

  /** Registers a Kibana param for the secret at `path` and returns `${key}`. */
  secret(path: readonly (string | number)[], field: string, ref: ValueReference): string {
    const key = paramKey(this.monitorId, field);
    const fieldPath = formatPath(path);
    if (!this.params.some((param) => param.key === key)) {
      const param: ManagedParam = {
        key,
        valueRef: copyValueReference(ref),
        tags: [...this.#tags],
        description: `synthctl: ${fieldPath} of monitor ${this.monitorId}, from ${describeReference(ref)}`,
        monitorId: this.monitorId,
        field: fieldPath,
        ...(this.#namespace === undefined ? {} : { namespace: this.#namespace }),
      };
      this.params.push(param);
    }
    return paramReference(key);
  }

  issue(
    severity: TranslationIssue['severity'],
    code: string,
    path: readonly (string | number)[],
    message: string,
    hint?: string,
  ): void {
    this.issues.push({
      severity,
      code,
      path: formatPath(path),
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

// A refused or dropped field changes what Kibana runs (an error); a weakened check still
// holds there, only more loosely (a warning).
const WARNING_EFFECTS: ReadonlySet<string> = new Set(['weaken']);

/**
 * Translates one monitor into the payload push would send, with the params it references and
 * the issues found. Bundles browser journeys (async). Throws BundleError when a journey does
 * not bundle and MonitorTooLargeError above push's 1500 kB.
 */
export async function translateMonitor(
  monitor: SyntheticMonitor,
  options: TranslateOptions = {},
): Promise<Translation> {
  const project = options.project;
  const effective = effectiveMonitor(monitor, project).spec;
  // Keys push only sends when configured: read them before built-in defaults are applied.
  const configured = mergeDefaults(monitor.spec, project?.spec.defaults);
  const type = monitorType(effective);
  const ctx = new TranslationContext(effective.id, monitor.metadata.namespace, project?.spec.projectId);

  for (const field of findUnsupportedFields(configured)) {
    const path = formatPath(field.path);
    ctx.issue(
      WARNING_EFFECTS.has(field.effect) ? 'warning' : 'error',
      'kibana.unsupported',
      field.path,
      unsupportedFieldMessage(field, path),
      field.hint,
    );
  }

  const payload: ProjectMonitorPayload = {
    id: effective.id,
    name: effective.name,
    type,
    schedule: translateSchedule(effective.schedule, type, ctx),
    locations: translateLocations(configured.locations ?? [], ctx),
    params: translateParams(configured.params ?? [], type, ctx),
    hash: '',
  };
  // Push unions a monitor's spaces with the project's (`parseSpaces`); other lists replace.
  addCommonKeys(payload, { ...configured, spaces: monitor.spec.spaces ?? [] }, type, project, ctx);

  switch (type) {
    case 'http':
      addHttpKeys(payload, effective.http!, ctx);
      break;
    case 'tcp':
      addTcpKeys(payload, effective.tcp!, ctx);
      break;
    case 'icmp':
      addIcmpKeys(payload, effective.icmp!, ctx);
      break;
    case 'browser':
      await addBrowserKeys(payload, effective.browser!, monitor, options, ctx);
      break;
  }

  payload.hash = hashMonitor(payload, {
    secretDigests: referencedDigests(ctx.params, options.secretDigests),
  });
  checkMonitorSize(payload.id, payload, options.sourceFile);
  return { monitorId: payload.id, payload, params: ctx.params, issues: ctx.issues };
}

/** The digests of the params `params` names, so another monitor's rotation leaves this hash. */
function referencedDigests(
  params: readonly ManagedParam[],
  digests: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (digests === undefined) return {};
  const out: Record<string, string> = {};
  for (const param of params) out[param.key] = digests[param.key] ?? '';
  return out;
}

// ---------------------------------------------------------------------------------------
// Common keys

function translateSchedule(schedule: string, type: MonitorType, ctx: TranslationContext): KibanaSchedule {
  const ms = tryParseDuration(schedule);
  if (ms === undefined) {
    ctx.issue(
      'error',
      'kibana.schedule',
      ['spec', 'schedule'],
      `schedule ${JSON.stringify(schedule)} is not a duration`,
    );
    return type === 'browser' ? 10 : 3;
  }
  const exact = kibanaScheduleOf(ms, type);
  if (exact !== undefined) return exact;
  const nearest = nearestKibanaSchedule(ms, type);
  ctx.issue(
    'warning',
    'kibana.schedule.snapped',
    ['spec', 'schedule'],
    `Kibana has no ${schedule} schedule for ${type} monitors; sent as the nearest allowed, ${typeof nearest === 'number' ? `${nearest}m` : nearest}, as push does`,
    'use 10s or 30s (lightweight only), or 1m, 2m, 3m, 5m, 10m, 15m, 20m, 30m, 1h, 2h or 4h',
  );
  return nearest;
}

/** Public names become service ids (push's `translateLocation`); ids and other names pass. */
function translateLocations(locations: readonly string[], ctx: TranslationContext): string[] {
  return locations.map((location, index) => {
    const known = resolvePublicLocation(location);
    if (known !== undefined) return known.serviceId;
    ctx.issue(
      'warning',
      'kibana.location.unknown',
      ['spec', 'locations', index],
      `${JSON.stringify(location)} is not an Elastic public location; sent as written, Kibana will refuse it unless it knows the id`,
      'name Kibana private locations in privateLocations, and synthctl runner locations only on monitors not synced to Kibana',
    );
    return location;
  });
}

/** Literal params stay; referenced ones become Kibana params (`${key}`). */
function translateParams(
  params: readonly NamedValue[],
  type: MonitorType,
  ctx: TranslationContext,
): Record<string, string> {
  const out: Record<string, string> = {};
  params.forEach((param, index) => {
    if (param.valueFrom !== undefined) {
      out[param.name] = ctx.secret(
        ['spec', 'params', index, 'valueFrom'],
        `param_${param.name}`,
        param.valueFrom,
      );
      if (type === 'browser') {
        ctx.issue(
          'warning',
          'kibana.param.browser-reference',
          ['spec', 'params', index, 'valueFrom'],
          `params.${param.name} reaches the journey as the text ${out[param.name]!}: Kibana substitutes \${…} references in lightweight options, not inside browser params`,
          `read the secret in the journey as params.${paramKey(ctx.monitorId, `param_${param.name}`)} (the Kibana param), or keep the journey on the synthctl runner`,
        );
      }
    } else {
      out[param.name] = param.value ?? '';
    }
  });
  return out;
}

function addCommonKeys(
  payload: ProjectMonitorPayload,
  spec: SyntheticMonitorSpec,
  type: MonitorType,
  project: SyntheticsProject | undefined,
  ctx: TranslationContext,
): void {
  const browser = type === 'browser';
  if (spec.enabled !== undefined) payload['enabled'] = spec.enabled;
  if (spec.privateLocations !== undefined && spec.privateLocations.length > 0) {
    payload['privateLocations'] = [...spec.privateLocations];
  }
  // Push's global monitor config gives journeys `tags: []` and `fields: {}` always; YAML
  // monitors get them only when set (`buildMonitorFromYaml`).
  if (spec.tags !== undefined && spec.tags.length > 0) payload['tags'] = [...spec.tags];
  else if (browser) payload['tags'] = [];
  if (spec.fields !== undefined && Object.keys(spec.fields).length > 0)
    payload['fields'] = { ...spec.fields };
  else if (browser) payload['fields'] = {};
  if (spec.alert !== undefined) {
    const alert: Record<string, { enabled: boolean }> = {};
    if (spec.alert.status !== undefined) alert['status'] = { enabled: spec.alert.status.enabled };
    if (spec.alert.tls !== undefined) alert['tls'] = { enabled: spec.alert.tls.enabled };
    if (Object.keys(alert).length > 0) payload['alert'] = alert;
  }
  if (spec.retestOnFailure !== undefined) payload['retestOnFailure'] = spec.retestOnFailure;
  const spaces = translateSpaces(
    spec.spaces ?? [],
    project?.spec.defaults?.spaces ?? [],
    project?.spec.kibana.space ?? 'default',
    browser,
  );
  if (spaces !== undefined) payload['spaces'] = spaces;
  if (spec.namespace !== undefined) payload['namespace'] = spec.namespace;
  if (spec.maintenanceWindows !== undefined && spec.maintenanceWindows.length > 0) {
    payload['maintenanceWindows'] = [...spec.maintenanceWindows];
  }
  if (spec.serviceName !== undefined) payload['service.name'] = spec.serviceName;
  if (spec.timeout !== undefined) {
    const ms = tryParseDuration(spec.timeout);
    if (ms === undefined) {
      ctx.issue(
        'error',
        'kibana.timeout',
        ['spec', 'timeout'],
        `timeout ${JSON.stringify(spec.timeout)} is not a duration`,
      );
    } else {
      payload['timeout'] = toKibanaTimeout(ms);
      if (ms % 1000 !== 0 || ms === 0) {
        ctx.issue(
          'warning',
          'kibana.timeout.rounded',
          ['spec', 'timeout'],
          `Kibana keeps timeouts in whole seconds; ${spec.timeout} is sent as ${String(payload['timeout'])}`,
        );
      }
    }
  }
}

/**
 * Push's `parseSpaces`: the Kibana space first, then the monitor's spaces, then the project's
 * default spaces (a union, unlike other lists); `*` alone when listed. Journeys always carry
 * the Kibana space (push's runner adds it); YAML monitors only when some space is set.
 */
function translateSpaces(
  own: readonly string[],
  defaults: readonly string[],
  space: string,
  browser: boolean,
): string[] | undefined {
  if (own.length === 0 && defaults.length === 0) return browser ? [space] : undefined;
  const all = [...new Set([space, ...own, ...defaults])];
  return all.includes('*') ? ['*'] : all;
}

// ---------------------------------------------------------------------------------------
// HTTP

function addHttpKeys(payload: ProjectMonitorPayload, http: HttpSpec, ctx: TranslationContext): void {
  const at = (...rest: (string | number)[]) => ['spec', 'http', ...rest];
  payload['urls'] = http.url;
  if (http.maxRedirects !== undefined) payload['max_redirects'] = http.maxRedirects;
  if (http.method !== undefined) payload['check.request.method'] = http.method;

  const headers = new Map<string, string>();
  const setHeader = (name: string, value: string, path: readonly (string | number)[]): void => {
    const existing = [...headers.keys()].find((key) => key.toLowerCase() === name.toLowerCase());
    if (existing !== undefined) {
      ctx.issue(
        'warning',
        'kibana.header.duplicate',
        path,
        `header ${name} is set twice; the later value (${formatPath(path)}) is sent`,
      );
      headers.delete(existing);
    }
    headers.set(name, value);
  };
  http.headers?.forEach((header, index) => {
    const value =
      header.valueFrom !== undefined
        ? ctx.secret(at('headers', index, 'valueFrom'), `header_${header.name}`, header.valueFrom)
        : (header.value ?? '');
    setHeader(header.name, value, at('headers', index));
  });

  const auth = http.auth;
  if (auth?.basic !== undefined) {
    payload['username'] = auth.basic.username;
    payload['password'] = ctx.secret(
      at('auth', 'basic', 'password'),
      'password',
      auth.basic.password.valueFrom,
    );
  }
  if (auth?.bearer !== undefined) {
    const token = ctx.secret(at('auth', 'bearer', 'token'), 'bearer_token', auth.bearer.token.valueFrom);
    setHeader('Authorization', `Bearer ${token}`, at('auth', 'bearer'));
  }
  if (auth?.apiKey !== undefined) {
    const key = ctx.secret(at('auth', 'apiKey', 'value'), 'api_key', auth.apiKey.value.valueFrom);
    setHeader(auth.apiKey.header, `${auth.apiKey.prefix ?? ''}${key}`, at('auth', 'apiKey'));
  }

  const body = http.body;
  if (body !== undefined) {
    const hasContentType = (): boolean =>
      [...headers.keys()].some((key) => key.toLowerCase() === 'content-type');
    if (body.text !== undefined) payload['check.request.body'] = body.text;
    else if (body.valueFrom !== undefined)
      payload['check.request.body'] = ctx.secret(at('body', 'valueFrom'), 'body', body.valueFrom);
    else if (body.form !== undefined) {
      payload['check.request.body'] = new URLSearchParams(body.form).toString();
      if (!hasContentType()) headers.set('Content-Type', 'application/x-www-form-urlencoded');
    } else if (body.json !== undefined) {
      // Kibana reads an object body as JSON (`{type: 'json'}`) and anything else as text.
      const json = body.json;
      payload['check.request.body'] =
        json !== null && typeof json === 'object' && !Array.isArray(json) ? json : JSON.stringify(json);
      if (!hasContentType()) headers.set('Content-Type', 'application/json');
    }
  }
  if (headers.size > 0) payload['check.request.headers'] = Object.fromEntries(headers);

  if (http.proxy !== undefined) {
    payload['proxy_url'] = http.proxy.url;
    if (http.proxy.headers !== undefined && http.proxy.headers.length > 0) {
      const proxyHeaders: Record<string, string> = {};
      http.proxy.headers.forEach((header, index) => {
        proxyHeaders[header.name] =
          header.valueFrom !== undefined
            ? ctx.secret(
                at('proxy', 'headers', index, 'valueFrom'),
                `proxy_header_${header.name}`,
                header.valueFrom,
              )
            : (header.value ?? '');
      });
      payload['proxy_headers'] = proxyHeaders;
    }
  }
  addIpKeys(payload, http);
  if (http.tls !== undefined) addTlsKeys(payload, http.tls, at('tls'), false, ctx);
  addHttpChecks(payload, http, ctx);

  const response = http.response;
  if (response?.includeBody !== undefined) payload['response.include_body'] = response.includeBody;
  if (response?.includeHeaders !== undefined) payload['response.include_headers'] = response.includeHeaders;
  if (response?.includeBodyMaxBytes !== undefined)
    payload['response.include_body_max_bytes'] = response.includeBodyMaxBytes;
  if (response?.maxBodyBytes !== undefined) {
    ctx.issue(
      'warning',
      'kibana.runner-only',
      at('response', 'maxBodyBytes'),
      'maxBodyBytes bounds what the synthctl runner reads; Heartbeat has no such option, so Kibana runs the check without it',
    );
  }
}

function addIpKeys(payload: ProjectMonitorPayload, spec: Pick<HttpSpec, 'mode' | 'ipv4' | 'ipv6'>): void {
  if (spec.mode !== undefined) payload['mode'] = spec.mode;
  if (spec.ipv4 !== undefined) payload['ipv4'] = spec.ipv4;
  if (spec.ipv6 !== undefined) payload['ipv6'] = spec.ipv6;
}

// Go's regexp.QuoteMeta set: Heartbeat compiles body.positive/negative as RE2 patterns.
const quoteMeta = (text: string): string => text.replace(/[\\.+*?()|[\]{}^$]/gu, '\\$&');

/** `200`, `'200'`, `'2xx'`, `'200-299'` → the status codes, or undefined when unreadable. */
export function expandStatus(status: number | string): number[] | undefined {
  if (typeof status === 'number') return [status];
  const text = status.trim();
  if (/^\d{3}$/u.test(text)) return [Number(text)];
  const klass = /^([1-5])xx$/iu.exec(text);
  if (klass !== null) {
    const base = Number(klass[1]) * 100;
    return Array.from({ length: 100 }, (_, i) => base + i);
  }
  const range = /^(\d{3})\s*-\s*(\d{3})$/u.exec(text);
  if (range !== null) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (from > to) return undefined;
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  return undefined;
}

function addHttpChecks(payload: ProjectMonitorPayload, http: HttpSpec, ctx: TranslationContext): void {
  const checks = http.checks;
  if (checks === undefined) return;
  const at = (...rest: (string | number)[]) => ['spec', 'http', 'checks', ...rest];
  if (checks.status !== undefined) {
    const codes: number[] = [];
    checks.status.forEach((status, index) => {
      const expanded = expandStatus(status);
      if (expanded === undefined) {
        ctx.issue(
          'error',
          'kibana.status',
          at('status', index),
          `status ${JSON.stringify(status)} is not a code, class (2xx) or range (200-299)`,
        );
      } else {
        for (const code of expanded) if (!codes.includes(code)) codes.push(code);
      }
    });
    if (codes.length > 0) payload['check.response.status'] = codes;
  }
  const headerChecks: Record<string, string> = {};
  checks.headers?.forEach((check) => {
    if (check.equals !== undefined) headerChecks[check.name] = check.equals;
  });
  if (Object.keys(headerChecks).length > 0) payload['check.response.headers'] = headerChecks;

  const positive = [...(checks.body?.contains ?? []).map(quoteMeta), ...(checks.body?.matches ?? [])];
  const negative = [...(checks.body?.notContains ?? []).map(quoteMeta), ...(checks.body?.notMatches ?? [])];
  if (positive.length > 0) payload['check.response.body.positive'] = positive;
  if (negative.length > 0) payload['check.response.body.negative'] = negative;

  const json: { description: string; expression: string }[] = [];
  checks.json?.forEach((check) => {
    const expression = jsonCheckExpression(check);
    if (expression !== undefined) json.push({ description: check.description ?? expression, expression });
  });
  if (json.length > 0) payload['check.response.json'] = json;
}

/**
 * A JSON check as a Heartbeat `check.response.json` expression (gval with the JSONPath
 * placeholder extension): `$.status == "ok"`. Undefined for checks findUnsupportedFields
 * reports (CEL expressions, contains/matches/exists, non-scalar values, complex paths).
 */
export function jsonCheckExpression(check: JsonCheck): string | undefined {
  if (check.path === undefined || !isPlainJsonPath(check.path)) return undefined;
  const segments = JSONPath.toPathArray(check.path).slice(1);
  const selector =
    '$' +
    segments
      .map((segment) =>
        /^\d+$/u.test(segment)
          ? `[${segment}]`
          : /^[A-Za-z_][A-Za-z0-9_]*$/u.test(segment)
            ? `.${segment}`
            : `[${JSON.stringify(segment)}]`,
      )
      .join('');
  const scalar = (value: unknown): string | undefined =>
    value === null || ['string', 'number', 'boolean'].includes(typeof value)
      ? JSON.stringify(value)
      : undefined;
  if (check.equals !== undefined) {
    const value = scalar(check.equals);
    return value === undefined ? undefined : `${selector} == ${value}`;
  }
  if (check.notEquals !== undefined) {
    const value = scalar(check.notEquals);
    return value === undefined ? undefined : `${selector} != ${value}`;
  }
  if (check.lessThan !== undefined) return `${selector} < ${check.lessThan}`;
  if (check.greaterThan !== undefined) return `${selector} > ${check.greaterThan}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// TLS, TCP, ICMP

function addTlsKeys(
  payload: ProjectMonitorPayload,
  tls: TlsOptions,
  at: readonly (string | number)[],
  enableWhenEmpty: boolean,
  ctx: TranslationContext,
): void {
  const pem = (
    source: NonNullable<TlsOptions['certificate']>,
    path: readonly (string | number)[],
    field: string,
  ): string => {
    if (source.pem !== undefined) return source.pem;
    const ref: ValueReference = {
      ...(source.secretKeyRef === undefined ? {} : { secretKeyRef: source.secretKeyRef }),
      ...(source.configMapKeyRef === undefined ? {} : { configMapKeyRef: source.configMapKeyRef }),
      ...(source.env === undefined ? {} : { env: source.env }),
    };
    return ctx.secret(path, field, ref);
  };
  const before = Object.keys(payload).length;
  if (tls.certificateAuthorities !== undefined && tls.certificateAuthorities.length > 0) {
    // Kibana keeps one PEM text (`ssl.certificate_authorities` is a string field).
    payload['ssl.certificate_authorities'] = tls.certificateAuthorities
      .map((ca, index) => pem(ca, [...at, 'certificateAuthorities', index], `ssl_ca_${index}`))
      .join('\n');
  }
  if (tls.certificate !== undefined)
    payload['ssl.certificate'] = pem(tls.certificate, [...at, 'certificate'], 'ssl_certificate');
  if (tls.key !== undefined) payload['ssl.key'] = ctx.secret([...at, 'key'], 'ssl_key', tls.key.valueFrom);
  if (tls.keyPassphrase !== undefined) {
    payload['ssl.key_passphrase'] = ctx.secret(
      [...at, 'keyPassphrase'],
      'ssl_key_passphrase',
      tls.keyPassphrase.valueFrom,
    );
  }
  if (tls.verificationMode !== undefined) payload['ssl.verification_mode'] = tls.verificationMode;
  if (tls.supportedProtocols !== undefined) payload['ssl.supported_protocols'] = [...tls.supportedProtocols];
  // A TCP monitor speaks TLS when it has ssl options; `tls: {}` must still say so.
  if (enableWhenEmpty && Object.keys(payload).length === before) payload['ssl.verification_mode'] = 'full';
}

function addTcpKeys(payload: ProjectMonitorPayload, tcp: TcpSpec, ctx: TranslationContext): void {
  payload['hosts'] = tcp.host;
  if (tcp.send !== undefined) payload['check.send'] = tcp.send;
  if (tcp.receive !== undefined) payload['check.receive'] = tcp.receive;
  if (tcp.proxy !== undefined) {
    payload['proxy_url'] = tcp.proxy.url;
    if (tcp.proxy.useLocalResolver !== undefined)
      payload['proxy_use_local_resolver'] = tcp.proxy.useLocalResolver;
  }
  addIpKeys(payload, tcp);
  if (tcp.tls !== undefined) addTlsKeys(payload, tcp.tls, ['spec', 'tcp', 'tls'], true, ctx);
}

function addIcmpKeys(payload: ProjectMonitorPayload, icmp: IcmpSpec, ctx: TranslationContext): void {
  payload['hosts'] = icmp.host;
  if (icmp.wait !== undefined) {
    const ms = tryParseDuration(icmp.wait);
    if (ms === undefined) {
      ctx.issue(
        'error',
        'kibana.wait',
        ['spec', 'icmp', 'wait'],
        `wait ${JSON.stringify(icmp.wait)} is not a duration`,
      );
    } else {
      // Kibana converts `wait` like `timeout` (getValueInSeconds): whole seconds only.
      payload['wait'] = toKibanaTimeout(ms);
      if (ms % 1000 !== 0) {
        ctx.issue(
          'warning',
          'kibana.wait.rounded',
          ['spec', 'icmp', 'wait'],
          `Kibana keeps the ICMP wait in whole seconds; ${icmp.wait} is sent as ${String(payload['wait'])}`,
        );
      }
    }
  }
  addIpKeys(payload, icmp);
}

// ---------------------------------------------------------------------------------------
// Browser

const JOURNEY_FILE = /\.journey\.([mc]js|[jt]s?)$/u;

async function addBrowserKeys(
  payload: ProjectMonitorPayload,
  browser: BrowserSpec,
  monitor: SyntheticMonitor,
  options: TranslateOptions,
  ctx: TranslationContext,
): Promise<void> {
  const at = (...rest: (string | number)[]) => ['spec', 'browser', ...rest];
  const baseDir = options.sourceFile === undefined ? process.cwd() : dirname(resolve(options.sourceFile));
  const root = options.root === undefined ? baseDir : resolve(options.root);
  const journey = browser.journey;
  let input: JourneyInput | undefined;
  let match = browser.filter?.match;

  if (journey.file !== undefined) {
    const file = resolve(baseDir, journey.file);
    input = { kind: 'file', file };
    if (!JOURNEY_FILE.test(file)) {
      ctx.issue(
        'warning',
        'kibana.journey.pattern',
        at('journey', 'file'),
        `${journey.file} does not match *.journey.(ts|js); Heartbeat runs only journey files of the bundle`,
      );
    }
    if (match === undefined) {
      match = await journeyNameOf(file);
      if (match === undefined) {
        ctx.issue(
          'error',
          'kibana.journey.match',
          at('filter', 'match'),
          `cannot tell which journey of ${journey.file} this monitor runs: it does not declare exactly one journey('<name>', …) with a literal name`,
          'set browser.filter.match to the journey name',
        );
      }
    }
  } else if (journey.inline !== undefined) {
    // Named after the monitor, as push names its journeys, so filter.match selects it.
    input = {
      kind: 'module',
      code: wrapInlineJourney(journey.inline, payload.name),
      path: `inline/${payload.id}.journey.ts`,
    };
    match ??= payload.name;
  } else if (journey.configMapRef !== undefined) {
    const ref = journey.configMapRef;
    if (options.readConfigMap === undefined) {
      ctx.issue(
        'error',
        'kibana.journey.configmap',
        at('journey', 'configMapRef'),
        `the journey in ConfigMap ${ref.name} key ${ref.key} cannot be read here`,
      );
    } else {
      const code = await options.readConfigMap(ref, monitor.metadata.namespace);
      const path = `configmaps/${ref.name}/${JOURNEY_FILE.test(ref.key) ? ref.key : `${ref.key}.journey.ts`}`;
      input = { kind: 'module', code: wrapInlineJourney(code, payload.name), path };
      match ??= /^\s*(?:import|export)\b/mu.test(code) ? journeyNameIn(code) : payload.name;
    }
  }

  const playwrightOptions: Record<string, unknown> = { ...browser.playwrightOptions };
  if (Object.hasOwn(playwrightOptions, 'executablePath')) {
    delete playwrightOptions['executablePath'];
    ctx.issue(
      'warning',
      'kibana.playwright.executable-path',
      at('playwrightOptions', 'executablePath'),
      'executablePath names a browser on this machine; it is not sent to Kibana, whose locations bring their own Chromium',
    );
  }
  // Push always sends headless (`getHeadlessFlag`: the config's value, else true).
  playwrightOptions['headless'] =
    typeof playwrightOptions['headless'] === 'boolean' ? playwrightOptions['headless'] : true;
  if (browser.ignoreHttpsErrors !== undefined) {
    // Push carries it inside playwrightOptions; Kibana also has the top-level option the UI shows.
    playwrightOptions['ignoreHTTPSErrors'] = browser.ignoreHttpsErrors;
    payload['ignoreHTTPSErrors'] = browser.ignoreHttpsErrors;
  }
  payload['playwrightOptions'] = playwrightOptions;
  if (browser.screenshots !== undefined) payload['screenshot'] = browser.screenshots;

  if (input !== undefined) {
    const bundle = await bundleJourney(input, { root });
    payload['content'] = bundle.content;
  }
  payload['filter'] = { match: match ?? payload.name };
}

/** The journey name of a file that declares exactly one journey with a literal name. */
async function journeyNameOf(file: string): Promise<string | undefined> {
  let code: string;
  try {
    code = await readFile(file, 'utf8');
  } catch {
    // bundleJourney reports the unreadable file with esbuild's message.
    return undefined;
  }
  return journeyNameIn(code);
}

const JOURNEY_CALL = /\bjourney\s*\(\s*(?:\{\s*name\s*:\s*)?(['"`])((?:\\.|(?!\1)[^\\])*)\1/gu;

/** The single literal journey name in `code`, or undefined for zero, several or computed names. */
export function journeyNameIn(code: string): string | undefined {
  const names = [...code.matchAll(JOURNEY_CALL)].map((m) => m[2]!);
  if (names.length !== 1) return undefined;
  const name = names[0]!;
  return name.includes('${') ? undefined : name.replace(/\\(.)/gu, '$1');
}

// ---------------------------------------------------------------------------------------
// A whole project

/** A monitor and the file that declares it. */
export interface MonitorSource {
  readonly monitor: SyntheticMonitor;
  readonly sourceFile?: string;
}

/** Two or more monitors of one project share a journey id; Kibana would keep only one. */
export class DuplicateMonitorIdError extends Error {
  override readonly name = 'DuplicateMonitorIdError';
  readonly monitorId: string;
  /** Where each monitor with that id is declared (`file` or `<namespace>/<name>`). */
  readonly sources: readonly string[];

  constructor(monitorId: string, sources: readonly string[]) {
    super(
      `${sources.length} monitors have the journey id ${monitorId} (${sources.join(', ')}); give each a unique spec.id`,
    );
    this.monitorId = monitorId;
    this.sources = sources;
  }
}

/** One monitor that could not be translated, and why. */
export interface TranslationFailure {
  readonly source: MonitorSource;
  /** BundleError, MonitorTooLargeError, DuplicateMonitorIdError, ... */
  readonly error: Error;
}

/** The translation of a project: per monitor, so one bad monitor never blocks the others. */
export interface ProjectTranslation {
  readonly translations: readonly Translation[];
  readonly failures: readonly TranslationFailure[];
}

/** Options of `translateProject`. */
export interface TranslateProjectOptions extends Omit<TranslateOptions, 'sourceFile'> {
  /** Stops between monitors; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Translates every monitor of a project, one at a time (bundling is CPU-bound). Monitors
 * sharing a journey id all fail with DuplicateMonitorIdError (push aborts the whole push on
 * duplicates; we keep the rest going).
 */
export async function translateProject(
  sources: readonly MonitorSource[],
  options: TranslateProjectOptions = {},
): Promise<ProjectTranslation> {
  const { signal, ...translateOptions } = options;
  const done: { source: MonitorSource; translation: Translation }[] = [];
  const failures: TranslationFailure[] = [];
  for (const source of sources) {
    signal?.throwIfAborted();
    try {
      const translation = await translateMonitor(source.monitor, {
        ...translateOptions,
        ...(source.sourceFile === undefined ? {} : { sourceFile: source.sourceFile }),
      });
      done.push({ source, translation });
    } catch (error) {
      failures.push({ source, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  const byId = new Map<string, { source: MonitorSource; translation: Translation }[]>();
  for (const entry of done) {
    byId.set(entry.translation.monitorId, [...(byId.get(entry.translation.monitorId) ?? []), entry]);
  }
  const translations: Translation[] = [];
  for (const [id, entries] of byId) {
    if (entries.length === 1) {
      translations.push(entries[0]!.translation);
      continue;
    }
    const where = entries.map(
      ({ source }) =>
        source.sourceFile ??
        `${source.monitor.metadata.namespace ?? 'default'}/${source.monitor.metadata.name}`,
    );
    for (const { source } of entries)
      failures.push({ source, error: new DuplicateMonitorIdError(id, where) });
  }
  return { translations, failures };
}
