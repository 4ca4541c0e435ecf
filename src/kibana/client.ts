/**
 * The Kibana Synthetics client: the project monitors API that `@elastic/synthetics push` uses
 * (`/s/{space}/api/synthetics/project/{projectId}/monitors[/_bulk_update|/_bulk_delete]`),
 * `/api/stats`, and the public monitors, params and private-locations APIs
 * (`contracts/kibana-synthetics-openapi.yaml`). Headers and timeouts follow push
 * (`src/push/request.ts`: `ApiKey` auth, `kbn-xsrf`, 2-minute headers timeout, elastic/synthetics#851).
 * Transient failures are retried with bounded, jittered backoff; every attempt is reported to
 * `onRequest` with its route template so callers can count requests by route and status.
 */
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { KibanaHttpError, KibanaNetworkError, KibanaResponseError, type KibanaError } from './errors.js';
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  realSleep,
  withRetries,
  type RetryPolicy,
  type Sleep,
} from './retry.js';
import { kibanaCapabilities, type KibanaCapabilities } from './version.js';

/** The public REST version of the Synthetics APIs (`INITIAL_REST_VERSION`). */
export const PUBLIC_API_VERSION = '2023-10-31';
/** Kibana's limits on the project API (`add_monitor_project.ts`, `delete_monitor_project.ts`). */
export const PROJECT_LIMITS = {
  browserPerRequest: 250,
  lightweightPerRequest: 1500,
  deletePerRequest: 500,
} as const;

const MiB = 1024 * 1024;

/** One attempt, as reported to `onRequest`. */
export interface KibanaRequestEvent {
  method: string;
  /** Route template without the space prefix, e.g. `/api/synthetics/project/{projectId}/monitors`. */
  route: string;
  /** HTTP status, or `undefined` when no response arrived. */
  status: number | undefined;
  /** Metric label: the status as a string, or `network` / `timeout` when no response arrived. */
  code: string;
  attempt: number;
  durationMs: number;
}

/** TLS settings toward Kibana. */
export interface KibanaTlsOptions {
  /** PEM CA bundle(s) to trust in addition to none (replaces the system store, like Node's `ca`). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Skip certificate verification. Only for test clusters. */
  insecure?: boolean;
}

/** Options of `KibanaClient`. */
export interface KibanaClientOptions {
  /** Kibana base URL, e.g. `https://kibana.example.com:5601` (a path prefix is kept). */
  url: string;
  /** Base64 `id:key` API key; sent as `Authorization: ApiKey …`, never logged. */
  apiKey: string;
  /** Kibana space; `default` when absent. */
  space?: string;
  /** Time to wait for response headers (push: 2 minutes). */
  headersTimeoutMs?: number;
  /** Time allowed between body chunks. */
  bodyTimeoutMs?: number;
  /** Largest accepted response body. */
  maxResponseBytes?: number;
  retry?: Partial<RetryPolicy>;
  tls?: KibanaTlsOptions;
  /** HTTP(S) proxy (push: `--proxy-uri`, `--proxy-token`). */
  proxy?: { uri: string; token?: string; tls?: KibanaTlsOptions };
  /** A dispatcher to use instead of building one (tests, shared pools). Not closed by `close()`. */
  dispatcher?: Dispatcher;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  onRequest?: (event: KibanaRequestEvent) => void;
  onRetry?: (info: {
    method: string;
    route: string;
    attempt: number;
    delayMs: number;
    error: KibanaError;
  }) => void;
  userAgent?: string;
}

/** Options every call accepts. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** `{journey_id, hash}` of a project monitor. */
export interface ProjectMonitorHash {
  journey_id: string;
  hash: string;
}

/** One per-monitor failure of `_bulk_update`. */
export interface FailedMonitor {
  id?: string;
  reason: string;
  details: string;
  payload?: unknown;
}

/** Response of `_bulk_update`. */
export interface BulkUpdateResult {
  createdMonitors: string[];
  updatedMonitors: string[];
  failedMonitors: FailedMonitor[];
}

/** A monitor of the project request body (`MonitorSchema` of push); typed by the translator. */
export type ProjectMonitorPayload = { id: string; type: string } & Record<string, unknown>;

/** A monitor as the public API returns it (flat ConfigKey attributes). */
export type PublicMonitor = { config_id: string; id: string; name: string; type: string } & Record<
  string,
  unknown
>;

/** Query of `GET /api/synthetics/monitors`. */
export interface MonitorQuery {
  projects?: string[];
  query?: string;
  tags?: string[];
  monitorTypes?: string[];
  locations?: string[];
  perPage?: number;
}

/** A synthetics parameter. `value` is present only for users with write access. */
export interface SyntheticsParam {
  id: string;
  key: string;
  value?: string;
  description?: string;
  tags?: string[];
  namespaces?: string[];
}

/** Body of a parameter create. */
export interface NewSyntheticsParam {
  key: string;
  value: string;
  description?: string;
  tags?: string[];
  share_across_spaces?: boolean;
}

/** A private location. */
export interface PrivateLocation {
  id: string;
  label: string;
  agentPolicyId: string;
  isInvalid?: boolean;
  geo?: { lat: number; lon: number };
  namespace?: string;
  tags?: string[];
  spaces?: string[];
}

interface Call {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Route template, placeholders filled from `params`. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** Public (versioned) API: send `elastic-api-version`. */
  isPublic?: boolean;
  /**
   * Safe to send twice. Non-idempotent calls retry only when Kibana cannot have acted on the
   * request (429/502/503/504, connection refused).
   */
  idempotent?: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * What plan/apply, drift and the operator need from Kibana. Depend on this, not on the class,
 * so tests can hand in a stub; `KibanaClient` is the real implementation.
 */
export interface KibanaApi {
  readonly space: string;
  getVersion(opts?: CallOptions): Promise<string>;
  getCapabilities(opts?: CallOptions): Promise<KibanaCapabilities>;
  listProjectMonitors(
    projectId: string,
    opts?: CallOptions & { perPage?: number },
  ): Promise<{ total: number; monitors: ProjectMonitorHash[] }>;
  bulkUpdate(
    projectId: string,
    monitors: readonly ProjectMonitorPayload[],
    opts?: CallOptions,
  ): Promise<BulkUpdateResult>;
  bulkDelete(projectId: string, journeyIds: readonly string[], opts?: CallOptions): Promise<string[]>;
  getMonitor(id: string, opts?: CallOptions & { internal?: boolean }): Promise<PublicMonitor | undefined>;
  listMonitors(
    query?: MonitorQuery,
    opts?: CallOptions,
  ): Promise<{ total: number; monitors: PublicMonitor[] }>;
  listParams(opts?: CallOptions): Promise<SyntheticsParam[]>;
  getParam(id: string, opts?: CallOptions): Promise<SyntheticsParam | undefined>;
  createParam(param: NewSyntheticsParam, opts?: CallOptions): Promise<SyntheticsParam>;
  createParams(params: readonly NewSyntheticsParam[], opts?: CallOptions): Promise<SyntheticsParam[]>;
  updateParam(
    id: string,
    patch: Partial<Pick<NewSyntheticsParam, 'key' | 'value' | 'description' | 'tags'>>,
    opts?: CallOptions,
  ): Promise<SyntheticsParam>;
  deleteParam(id: string, opts?: CallOptions): Promise<void>;
  bulkDeleteParams(ids: readonly string[], opts?: CallOptions): Promise<{ id: string; deleted: boolean }[]>;
  listPrivateLocations(opts?: CallOptions): Promise<PrivateLocation[]>;
  close(): Promise<void>;
}

/** The Kibana Synthetics API client. */
export class KibanaClient implements KibanaApi {
  readonly space: string;
  readonly #base: URL;
  /** Path prefix of the Kibana URL (`server.basePath`), without a trailing slash. */
  readonly #prefix: string;
  readonly #apiKey: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #policy: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #headersTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #onRequest: ((e: KibanaRequestEvent) => void) | undefined;
  readonly #onRetry: KibanaClientOptions['onRetry'];
  readonly #userAgent: string;

  constructor(opts: KibanaClientOptions) {
    const base = new URL(opts.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`Kibana URL must be http(s), got ${base.protocol}`);
    }
    if (opts.apiKey.trim() === '') throw new TypeError('Kibana API key is empty');
    this.#base = base;
    this.#prefix = base.pathname.replace(/\/+$/, '');
    this.#apiKey = opts.apiKey;
    this.space = opts.space ?? 'default';
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.#sleep = opts.sleep ?? realSleep;
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? Date.now;
    this.#headersTimeoutMs = opts.headersTimeoutMs ?? 120_000;
    this.#bodyTimeoutMs = opts.bodyTimeoutMs ?? 120_000;
    this.#maxResponseBytes = opts.maxResponseBytes ?? 64 * MiB;
    this.#onRequest = opts.onRequest;
    this.#onRetry = opts.onRetry;
    this.#userAgent = opts.userAgent ?? 'synthctl';
    if (opts.dispatcher !== undefined) {
      this.#dispatcher = opts.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = buildDispatcher(opts);
      this.#ownsDispatcher = true;
    }
  }

  /** Closes the connection pool this client created. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  // ------------------------------------------------------------------ project API

  /** `GET /api/stats` → `kibana.version` (push reads the same field). */
  async getVersion(opts: CallOptions = {}): Promise<string> {
    const body = await this.#call({ method: 'GET', route: '/api/stats', signal: opts.signal });
    const version = (body as { kibana?: { version?: unknown } } | undefined)?.kibana?.version;
    if (typeof version !== 'string') {
      throw this.#shapeError('GET', '/api/stats', 'no kibana.version string in the body');
    }
    return version;
  }

  /** The version and the feature gates it implies. */
  async getCapabilities(opts: CallOptions = {}): Promise<KibanaCapabilities> {
    return kibanaCapabilities(await this.getVersion(opts));
  }

  /**
   * Every `{journey_id, hash}` of a project, following `search_after` until `total` is reached
   * (`get_monitor_project.ts`). Bounded: stops on an empty page and fails on a cursor that does
   * not advance or more pages than `total` allows.
   */
  async listProjectMonitors(
    projectId: string,
    opts: CallOptions & { perPage?: number } = {},
  ): Promise<{ total: number; monitors: ProjectMonitorHash[] }> {
    const route = '/api/synthetics/project/{projectId}/monitors';
    const perPage = opts.perPage ?? 500;
    const monitors: ProjectMonitorHash[] = [];
    let total = 0;
    let after: string | undefined;
    let maxPages = Infinity;
    for (let page = 0; ; page++) {
      if (page > maxPages) {
        throw this.#shapeError('GET', route, `pagination did not finish after ${page} pages of ${perPage}`);
      }
      const body = (await this.#call({
        method: 'GET',
        route,
        params: { projectId },
        query: { per_page: String(perPage), search_after: after },
        signal: opts.signal,
      })) as { total?: unknown; after_key?: unknown; monitors?: unknown } | undefined;
      if (typeof body?.total !== 'number' || !Array.isArray(body.monitors)) {
        throw this.#shapeError('GET', route, 'expected {total: number, monitors: []}');
      }
      total = body.total;
      maxPages = Math.ceil(total / perPage) + 1;
      const items = body.monitors as { journey_id?: unknown; hash?: unknown }[];
      for (const m of items) {
        if (typeof m.journey_id !== 'string')
          throw this.#shapeError('GET', route, 'a monitor has no journey_id');
        monitors.push({ journey_id: m.journey_id, hash: typeof m.hash === 'string' ? m.hash : '' });
      }
      if (monitors.length >= total || items.length === 0) break;
      const next = body.after_key;
      if (typeof next !== 'string' || next === after) {
        throw this.#shapeError('GET', route, `after_key did not advance (${JSON.stringify(next)})`);
      }
      after = next;
    }
    return { total, monitors };
  }

  /**
   * `PUT …/_bulk_update`: creates or updates monitors; per-monitor failures come back in
   * `failedMonitors` (Kibana applies the others). Callers batch: at most 250 browser and 1500
   * lightweight monitors per call.
   */
  async bulkUpdate(
    projectId: string,
    monitors: readonly ProjectMonitorPayload[],
    opts: CallOptions = {},
  ): Promise<BulkUpdateResult> {
    const route = '/api/synthetics/project/{projectId}/monitors/_bulk_update';
    const browser = monitors.filter((m) => m.type === 'browser' || m.type === 'api').length;
    if (
      browser > PROJECT_LIMITS.browserPerRequest ||
      monitors.length - browser > PROJECT_LIMITS.lightweightPerRequest
    ) {
      throw new RangeError(
        `bulkUpdate takes at most ${PROJECT_LIMITS.browserPerRequest} browser and ${PROJECT_LIMITS.lightweightPerRequest} lightweight monitors per call, got ${browser} and ${monitors.length - browser}`,
      );
    }
    const body = (await this.#call({
      method: 'PUT',
      route,
      params: { projectId },
      body: { monitors },
      idempotent: true,
      signal: opts.signal,
    })) as Partial<BulkUpdateResult> | undefined;
    if (body === undefined || typeof body !== 'object') throw this.#shapeError('PUT', route, 'empty body');
    return {
      createdMonitors: Array.isArray(body.createdMonitors) ? body.createdMonitors : [],
      updatedMonitors: Array.isArray(body.updatedMonitors) ? body.updatedMonitors : [],
      failedMonitors: Array.isArray(body.failedMonitors) ? body.failedMonitors : [],
    };
  }

  /** `DELETE …/_bulk_delete` of journey ids (≤ 500 per call); Kibana ignores other projects' ids. */
  async bulkDelete(
    projectId: string,
    journeyIds: readonly string[],
    opts: CallOptions = {},
  ): Promise<string[]> {
    const route = '/api/synthetics/project/{projectId}/monitors/_bulk_delete';
    if (journeyIds.length > PROJECT_LIMITS.deletePerRequest) {
      throw new RangeError(
        `bulkDelete takes at most ${PROJECT_LIMITS.deletePerRequest} ids per call, got ${journeyIds.length}`,
      );
    }
    const body = (await this.#call({
      method: 'DELETE',
      route,
      params: { projectId },
      body: { monitors: journeyIds },
      idempotent: true,
      signal: opts.signal,
    })) as { deleted_monitors?: unknown } | undefined;
    return Array.isArray(body?.deleted_monitors) ? (body.deleted_monitors as string[]) : [];
  }

  // ------------------------------------------------------------------ public monitors API

  /** `GET /api/synthetics/monitors/{id}` (config id or custom id); `undefined` on 404. */
  async getMonitor(
    id: string,
    opts: CallOptions & { internal?: boolean } = {},
  ): Promise<PublicMonitor | undefined> {
    try {
      return (await this.#call({
        method: 'GET',
        route: '/api/synthetics/monitors/{id}',
        params: { id },
        query: { internal: opts.internal ? 'true' : undefined },
        isPublic: true,
        signal: opts.signal,
      })) as PublicMonitor;
    } catch (err) {
      if (err instanceof KibanaHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Every monitor matching `query`, page by page (bounded by `total`). */
  async listMonitors(
    query: MonitorQuery = {},
    opts: CallOptions = {},
  ): Promise<{ total: number; monitors: PublicMonitor[] }> {
    const route = '/api/synthetics/monitors';
    const perPage = query.perPage ?? 100;
    const monitors: PublicMonitor[] = [];
    let total = 0;
    for (let page = 1; ; page++) {
      const body = (await this.#call({
        method: 'GET',
        route,
        query: {
          page: String(page),
          per_page: String(perPage),
          projects: query.projects,
          query: query.query,
          tags: query.tags,
          monitorTypes: query.monitorTypes,
          locations: query.locations,
        },
        isPublic: true,
        signal: opts.signal,
      })) as { total?: unknown; monitors?: unknown } | undefined;
      if (typeof body?.total !== 'number' || !Array.isArray(body.monitors)) {
        throw this.#shapeError('GET', route, 'expected {total: number, monitors: []}');
      }
      total = body.total;
      monitors.push(...(body.monitors as PublicMonitor[]));
      if (body.monitors.length === 0 || monitors.length >= total) break;
      if (page > Math.ceil(total / perPage))
        throw this.#shapeError('GET', route, 'more pages than total allows');
    }
    return { total, monitors };
  }

  // ------------------------------------------------------------------ params API

  /** `GET /api/synthetics/params`. */
  async listParams(opts: CallOptions = {}): Promise<SyntheticsParam[]> {
    const body = await this.#call({
      method: 'GET',
      route: '/api/synthetics/params',
      isPublic: true,
      signal: opts.signal,
    });
    if (!Array.isArray(body)) throw this.#shapeError('GET', '/api/synthetics/params', 'expected an array');
    return body as SyntheticsParam[];
  }

  /** `GET /api/synthetics/params/{id}`; `undefined` on 404. */
  async getParam(id: string, opts: CallOptions = {}): Promise<SyntheticsParam | undefined> {
    try {
      return (await this.#call({
        method: 'GET',
        route: '/api/synthetics/params/{id}',
        params: { id },
        isPublic: true,
        signal: opts.signal,
      })) as SyntheticsParam;
    } catch (err) {
      if (err instanceof KibanaHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** `POST /api/synthetics/params` with one parameter. */
  async createParam(param: NewSyntheticsParam, opts: CallOptions = {}): Promise<SyntheticsParam> {
    return (await this.#call({
      method: 'POST',
      route: '/api/synthetics/params',
      body: param,
      isPublic: true,
      signal: opts.signal,
    })) as SyntheticsParam;
  }

  /** `POST /api/synthetics/params` with an array. */
  async createParams(
    params: readonly NewSyntheticsParam[],
    opts: CallOptions = {},
  ): Promise<SyntheticsParam[]> {
    const body = await this.#call({
      method: 'POST',
      route: '/api/synthetics/params',
      body: params,
      isPublic: true,
      signal: opts.signal,
    });
    if (!Array.isArray(body)) throw this.#shapeError('POST', '/api/synthetics/params', 'expected an array');
    return body as SyntheticsParam[];
  }

  /** `PUT /api/synthetics/params/{id}` with any of key, value, description, tags. */
  async updateParam(
    id: string,
    patch: Partial<Pick<NewSyntheticsParam, 'key' | 'value' | 'description' | 'tags'>>,
    opts: CallOptions = {},
  ): Promise<SyntheticsParam> {
    return (await this.#call({
      method: 'PUT',
      route: '/api/synthetics/params/{id}',
      params: { id },
      body: patch,
      isPublic: true,
      idempotent: true,
      signal: opts.signal,
    })) as SyntheticsParam;
  }

  /** `DELETE /api/synthetics/params/{id}`. */
  async deleteParam(id: string, opts: CallOptions = {}): Promise<void> {
    await this.#call({
      method: 'DELETE',
      route: '/api/synthetics/params/{id}',
      params: { id },
      isPublic: true,
      idempotent: true,
      signal: opts.signal,
    });
  }

  /** `POST /api/synthetics/params/_bulk_delete` → `[{id, deleted}]`. */
  async bulkDeleteParams(
    ids: readonly string[],
    opts: CallOptions = {},
  ): Promise<{ id: string; deleted: boolean }[]> {
    const body = await this.#call({
      method: 'POST',
      route: '/api/synthetics/params/_bulk_delete',
      body: { ids },
      isPublic: true,
      idempotent: true,
      signal: opts.signal,
    });
    return Array.isArray(body) ? (body as { id: string; deleted: boolean }[]) : [];
  }

  // ------------------------------------------------------------------ private locations

  /** `GET /api/synthetics/private_locations` (those visible in this space). */
  async listPrivateLocations(opts: CallOptions = {}): Promise<PrivateLocation[]> {
    const route = '/api/synthetics/private_locations';
    const body = await this.#call({ method: 'GET', route, isPublic: true, signal: opts.signal });
    if (!Array.isArray(body)) throw this.#shapeError('GET', route, 'expected an array');
    return body as PrivateLocation[];
  }

  // ------------------------------------------------------------------ plumbing

  #shapeError(method: string, route: string, detail: string): KibanaResponseError {
    return new KibanaResponseError({ method, route, attempt: 1, detail });
  }

  #url(call: Call): URL {
    let path = call.route.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = call.params?.[name];
      if (value === undefined) throw new TypeError(`missing route parameter ${name} for ${call.route}`);
      return encodeURIComponent(value);
    });
    // `/s/{space}` prefixes every space but the default one (Kibana accepts both forms there).
    if (this.space !== 'default') path = `/s/${encodeURIComponent(this.space)}${path}`;
    const url = new URL(this.#base.toString());
    url.pathname = `${this.#prefix}${path}`;
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, item);
    }
    return url;
  }

  async #call(call: Call): Promise<unknown> {
    const url = this.#url(call);
    const text = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers: Record<string, string> = {
      authorization: `ApiKey ${this.#apiKey}`,
      accept: 'application/json',
      'user-agent': this.#userAgent,
      'kbn-xsrf': 'true',
      'x-elastic-internal-origin': 'synthctl',
    };
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (call.isPublic) headers['elastic-api-version'] = PUBLIC_API_VERSION;
    return withRetries((attempt) => this.#attempt(call, url, headers, text, attempt), {
      policy: this.#policy,
      sleep: this.#sleep,
      random: this.#random,
      signal: call.signal,
      onRetry: (info) =>
        this.#onRetry?.({
          method: call.method,
          route: call.route,
          attempt: info.attempt,
          delayMs: info.delayMs,
          error: info.error as KibanaError,
        }),
    });
  }

  async #attempt(
    call: Call,
    url: URL,
    headers: Record<string, string>,
    text: string | undefined,
    attempt: number,
  ): Promise<unknown> {
    const started = performance.now();
    const report = (status: number | undefined, code: string): void => {
      this.#onRequest?.({
        method: call.method,
        route: call.route,
        status,
        code,
        attempt,
        durationMs: performance.now() - started,
      });
    };
    const where = { method: call.method, route: call.route, attempt };
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: call.method,
        headers,
        dispatcher: this.#dispatcher,
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
        ...(text === undefined ? {} : { body: text }),
        ...(call.signal === undefined ? {} : { signal: call.signal }),
      });
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason as Error;
      const netErr = this.#networkError(err, call, attempt);
      report(undefined, netErr.code?.includes('TIMEOUT') ? 'timeout' : 'network');
      throw netErr;
    }
    const status = res.statusCode;
    let raw = '';
    try {
      const limit = status >= 200 && status < 300 ? this.#maxResponseBytes : 64 * 1024;
      raw = await readLimited(res.body, limit);
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason as Error;
      if (!(err instanceof BodyTooLargeError)) {
        // The connection broke while the body streamed: no usable answer arrived.
        report(undefined, 'network');
        throw this.#networkError(err, call, attempt);
      }
      if (status >= 200 && status < 300) {
        report(status, String(status));
        throw new KibanaResponseError({ ...where, detail: `body larger than ${err.limit} bytes` });
      }
      // An oversized error body: keep the status, drop the text.
    }
    report(status, String(status));
    if (status < 200 || status >= 300) {
      throw new KibanaHttpError({
        ...where,
        status,
        kibanaMessage: this.#redact(kibanaMessageOf(raw)),
        retryAfterMs: parseRetryAfter(headerValue(res.headers['retry-after']), this.#now()),
      });
    }
    if (raw === '') return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new KibanaResponseError({ ...where, detail: 'body is not JSON', cause: err });
    }
  }

  #networkError(err: unknown, call: Call, attempt: number): KibanaNetworkError {
    const e = err as { code?: unknown; message?: unknown; name?: unknown };
    const code =
      typeof e.code === 'string'
        ? e.code
        : /socket hang up|other side closed/i.test(String(e.message))
          ? 'ECONNRESET'
          : undefined;
    const detail = this.#redact(typeof e.message === 'string' ? e.message : String(err)) ?? 'request failed';
    // A non-idempotent request may have been processed when the connection broke after sending;
    // only a refused connection proves it was not.
    const retryable = call.idempotent === true || call.method === 'GET' || code === 'ECONNREFUSED';
    return new KibanaNetworkError({
      method: call.method,
      route: call.route,
      attempt,
      code,
      detail: code === undefined ? detail : `${code}: ${detail}`,
      cause: new SanitizedCause(detail, code),
      retryable,
    });
  }

  #redact(text: string | undefined): string | undefined {
    return text?.split(this.#apiKey).join('[redacted]');
  }
}

/** The cause kept on network errors: the message and code only, never request options. */
class SanitizedCause extends Error {
  override readonly name = 'KibanaTransportError';
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly limit: number;
  constructor(limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function kibanaMessageOf(raw: string): string | undefined {
  if (raw === '') return undefined;
  try {
    const parsed = JSON.parse(raw) as { message?: unknown; error?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: fall through to the text
  }
  return raw.length > 500 ? `${raw.slice(0, 500)}…` : raw;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function buildDispatcher(opts: KibanaClientOptions): Dispatcher {
  const tls = (
    t: KibanaTlsOptions | undefined,
  ): { ca?: KibanaTlsOptions['ca']; rejectUnauthorized?: boolean } => ({
    ...(t?.ca === undefined ? {} : { ca: t.ca }),
    ...(t?.insecure === true ? { rejectUnauthorized: false } : {}),
  });
  const common = {
    headersTimeout: opts.headersTimeoutMs ?? 120_000,
    bodyTimeout: opts.bodyTimeoutMs ?? 120_000,
    connections: 8,
  };
  if (opts.proxy !== undefined) {
    return new ProxyAgent({
      uri: opts.proxy.uri,
      ...(opts.proxy.token === undefined ? {} : { token: opts.proxy.token }),
      requestTls: tls(opts.tls),
      proxyTls: tls(opts.proxy.tls),
      ...common,
    });
  }
  return new Agent({ connect: tls(opts.tls), ...common });
}
