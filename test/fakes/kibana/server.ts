/**
 * A protocol-faithful fake of Kibana's Synthetics APIs for tests: a real `node:http` server on
 * 127.0.0.1, port 0. It serves the project monitors API `@elastic/synthetics push` uses
 * (`.../routes/monitor_cruds/project_monitor/*.ts`), the public monitors, params and private
 * locations APIs of `contracts/kibana-synthetics-openapi.yaml` (request bodies validated against
 * it), `/api/stats` and the internal locations route. Tests seed state, inject faults per route
 * and read the request log. Never used by product code.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { defaultPublicLocations, type PrivateLocation, type PublicLocation } from './locations.js';
import { OpenApiBodyValidator } from './openapi.js';
import {
  InvalidLocationError,
  normalizeProjectMonitor,
  validateProjectMonitorCodec,
  type FailedMonitor,
} from './project-monitors.js';

type Json = Record<string, unknown>;

/** A monitor saved object. `id` is the saved-object id, i.e. `config_id`. */
export interface SavedMonitor {
  id: string;
  /** Spaces the saved object lives in (`namespaces`); `*` means all. */
  namespaces: string[];
  attributes: Json;
  created_at: string;
  updated_at: string;
}

/** A synthetics parameter saved object. */
export interface SavedParam {
  id: string;
  key: string;
  value: string;
  description?: string;
  tags: string[];
  namespaces: string[];
}

/** One request as the fake received it. */
export interface LoggedRequest {
  method: string;
  /** Path without the query string, as sent (space prefix included). */
  path: string;
  query: Record<string, string | string[]>;
  /** Space the route resolved to (`default` without a prefix). */
  space: string;
  /** Matched route template without the space prefix, e.g. `GET /api/stats`; `''` when none. */
  route: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, the raw text when it was not JSON, or `undefined` when empty. */
  body: unknown;
  /** Status the fake answered with; `0` when the connection was destroyed. */
  status: number;
}

/** What to do to the next requests matching a route. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'delay'; ms: number }
  /**
   * Destroy the socket: `mid-request` as soon as the request arrives (its body unread),
   * `before-response` (default) after reading the body, `mid-body` after sending part of a 200.
   */
  | { kind: 'reset'; phase?: 'mid-request' | 'before-response' | 'mid-body' };

/** Selects requests for a fault: method and/or route template (see `LoggedRequest.route`). */
export interface FaultMatch {
  method?: string;
  /** Route template without the method, e.g. `/api/synthetics/project/{projectId}/monitors/_bulk_update`. */
  route?: string;
}

/** Options of `FakeKibana.start`. */
export interface FakeKibanaOptions {
  /** Accepted API keys (`Authorization: ApiKey <key>`). */
  apiKeys?: string[];
  /** Keys with only `read` on Synthetics: every write answers 403. */
  readOnlyApiKeys?: string[];
  version?: string;
  /** Existing spaces besides `default`. */
  spaces?: string[];
  publicLocations?: PublicLocation[];
  privateLocations?: PrivateLocation[];
  /** Body limit of the project `_bulk_update` route (Kibana: 100 MiB). */
  projectMaxBytes?: number;
  /** Body limit of every other route (Kibana's default `maxPayload`: 1 MiB). */
  maxBytes?: number;
  /** Default page size of the project monitors list (Kibana: 1000 when `per_page` is absent). */
  projectPerPage?: number;
  /** Serve HTTPS with this certificate instead of HTTP. */
  tls?: { cert: string; key: string };
}

interface ArmedFault {
  match: FaultMatch;
  fault: Fault;
  remaining: number;
}

class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const MiB = 1024 * 1024;
const MAX_BROWSER_PER_REQUEST = 250;
const MAX_LIGHTWEIGHT_PER_REQUEST = 1500;
const MAX_DELETE_PER_REQUEST = 500;

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  handler: (ctx: RequestContext) => unknown;
}

interface RequestContext {
  space: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  log: LoggedRequest;
}

/** The fake Kibana. Create with `FakeKibana.start()`, stop with `stop()`. */
export class FakeKibana {
  readonly requests: LoggedRequest[] = [];
  readonly monitors = new Map<string, SavedMonitor>();
  readonly params = new Map<string, SavedParam>();
  readonly privateLocations: PrivateLocation[];
  readonly publicLocations: PublicLocation[];
  readonly spaces: Set<string>;
  version: string;

  readonly #apiKeys: Set<string>;
  readonly #readOnlyKeys: Set<string>;
  readonly #faults: ArmedFault[] = [];
  readonly #routes: Route[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sockets = new Set<Socket>();
  readonly #openapi = new OpenApiBodyValidator();
  readonly #projectMaxBytes: number;
  readonly #maxBytes: number;
  readonly #projectPerPage: number;
  #server: Server | undefined;
  #url = '';

  private constructor(opts: FakeKibanaOptions) {
    this.#apiKeys = new Set(opts.apiKeys ?? ['test-api-key']);
    this.#readOnlyKeys = new Set(opts.readOnlyApiKeys ?? []);
    this.version = opts.version ?? '9.1.0';
    this.spaces = new Set(['default', ...(opts.spaces ?? [])]);
    this.publicLocations = opts.publicLocations ?? defaultPublicLocations();
    this.privateLocations = [...(opts.privateLocations ?? [])];
    this.#projectMaxBytes = opts.projectMaxBytes ?? 100 * MiB;
    this.#maxBytes = opts.maxBytes ?? MiB;
    this.#projectPerPage = opts.projectPerPage ?? 1000;
    this.#defineRoutes();
  }

  /** Starts a fake on 127.0.0.1 with an ephemeral port. */
  static async start(opts: FakeKibanaOptions = {}): Promise<FakeKibana> {
    const fake = new FakeKibana(opts);
    const listener: RequestListener = (req, res) => {
      fake.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          fake.#send(res, 500, { statusCode: 500, error: 'Internal Server Error', message: String(err) });
      });
    };
    const server = opts.tls
      ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
      : createServer(listener);
    server.on('connection', (s: Socket) => {
      fake.#sockets.add(s);
      s.on('close', () => fake.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake.#server = server;
    fake.#url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return fake;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.#url;
  }

  /** The first accepted API key. */
  get apiKey(): string {
    return [...this.#apiKeys][0]!;
  }

  /** Stops the server, cancels delayed answers and drops open connections. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }

  // ---------------------------------------------------------------- faults and log

  /** Applies `fault` to the next `times` requests matching `match`. */
  injectFault(match: FaultMatch, fault: Fault, times = 1): void {
    this.#faults.push({ match, fault, remaining: times });
  }

  /** Removes every armed fault. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Requests whose route template (without method) equals `route`, optionally of `method`. */
  requestsTo(route: string, method?: string): LoggedRequest[] {
    return this.requests.filter(
      (r) => r.route === `${r.method} ${route}` && (method === undefined || r.method === method),
    );
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ---------------------------------------------------------------- seeding and inspection

  addSpace(id: string): void {
    this.spaces.add(id);
  }

  addPrivateLocation(loc: Partial<PrivateLocation> & { label: string }): PrivateLocation {
    const id = loc.id ?? loc.agentPolicyId ?? randomUUID();
    const full: PrivateLocation = {
      id,
      label: loc.label,
      agentPolicyId: loc.agentPolicyId ?? id,
      isInvalid: loc.isInvalid ?? false,
      geo: loc.geo ?? { lat: 0, lon: 0 },
      namespace: loc.namespace ?? 'default',
      ...(loc.tags ? { tags: loc.tags } : {}),
      ...(loc.spaces ? { spaces: loc.spaces } : {}),
    };
    this.privateLocations.push(full);
    return full;
  }

  addParam(p: {
    key: string;
    value: string;
    description?: string;
    tags?: string[];
    namespaces?: string[];
  }): SavedParam {
    const param: SavedParam = {
      id: randomUUID(),
      key: p.key,
      value: p.value,
      tags: p.tags ?? [],
      namespaces: p.namespaces ?? ['default'],
      ...(p.description === undefined ? {} : { description: p.description }),
    };
    this.params.set(param.id, param);
    return param;
  }

  /**
   * Seeds project monitors through the same path as `_bulk_update`; throws when any fails,
   * so a seed never silently differs from what the test meant.
   */
  seedProjectMonitors(space: string, projectId: string, monitors: Json[]): void {
    const result = this.#bulkUpdate(space, projectId, monitors);
    if (result.failedMonitors.length > 0) {
      throw new Error(`seed failed: ${JSON.stringify(result.failedMonitors)}`);
    }
  }

  /** Stores a raw monitor saved object (e.g. a UI monitor); returns its config id. */
  addMonitor(attributes: Json, namespaces: string[] = ['default']): SavedMonitor {
    const id = randomUUID();
    const now = new Date().toISOString();
    const saved: SavedMonitor = {
      id,
      namespaces,
      attributes: { origin: 'ui', revision: 1, hash: '', ...attributes, config_id: id },
      created_at: now,
      updated_at: now,
    };
    this.monitors.set(id, saved);
    return saved;
  }

  /** The project monitors of `projectId` visible in `space`, sorted by journey id. */
  projectMonitors(space: string, projectId: string): SavedMonitor[] {
    return [...this.monitors.values()]
      .filter((m) => m.attributes['project_id'] === projectId && this.#inSpace(m.namespaces, space))
      .sort((a, b) => String(a.attributes['journey_id']).localeCompare(String(b.attributes['journey_id'])));
  }

  /** Simulates an edit in the UI: Kibana blanks `hash` and bumps `revision` (kibana#143856). */
  editInUi(configId: string, changes: Json): void {
    const m = this.monitors.get(configId);
    if (m === undefined) throw new Error(`no monitor ${configId}`);
    this.#applyEdit(m, changes);
  }

  // ---------------------------------------------------------------- HTTP plumbing

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let path = url.pathname;
    let space = 'default';
    const spaceMatch = /^\/s\/([^/]+)(\/.*)$/.exec(path);
    if (spaceMatch) {
      space = decodeURIComponent(spaceMatch[1]!);
      path = spaceMatch[2]!;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const match = this.#match(method, path);
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const all = url.searchParams.getAll(key);
      query[key] = all.length === 1 ? all[0]! : all;
    }
    const log: LoggedRequest = {
      method,
      path: url.pathname,
      query,
      space,
      route: match ? `${method} ${match.route.template}` : '',
      headers: { ...req.headers },
      body: undefined,
      status: 0,
    };
    this.requests.push(log);

    const fault = this.#takeFault(method, match?.route.template);
    if (fault?.kind === 'reset' && fault.phase === 'mid-request') {
      req.socket.destroy();
      return;
    }

    const isProjectUpdate =
      match?.route.template === '/api/synthetics/project/{projectId}/monitors/_bulk_update';
    const limit = isProjectUpdate ? this.#projectMaxBytes : this.#maxBytes;
    let raw: Buffer;
    try {
      raw = await readBody(req, limit);
    } catch (err) {
      if (err instanceof HttpError) {
        this.#reply(res, log, err.status, errorBody(err.status, err.message), { connection: 'close' });
        return;
      }
      return; // client went away
    }
    const text = raw.toString('utf8');
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    log.body = body;

    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          resolve();
        }, fault.ms);
        this.#timers.add(t);
      });
      if (res.destroyed || this.#server === undefined) return;
    } else if (fault?.kind === 'reset') {
      if (fault.phase === 'mid-body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"partial":');
        setImmediate(() => req.socket.destroy());
      } else {
        req.socket.destroy();
      }
      return;
    } else if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      this.#reply(res, log, fault.status, fault.body ?? errorBody(fault.status, 'injected fault'), headers);
      return;
    }

    try {
      this.#authorize(req, method);
      if (match === undefined) throw new HttpError(404, 'Not Found');
      if (space !== 'default' && !this.spaces.has(space)) {
        throw new HttpError(404, `Saved object [space/${space}] not found`);
      }
      const opKey = `${method} ${match.route.template}`;
      if (this.#openapi.operations.has(opKey) && method !== 'GET' && method !== 'DELETE') {
        let toValidate = body;
        if (opKey === 'PUT /api/synthetics/monitors/{id}') {
          // Partial updates are validated merged with the stored type (the type cannot change).
          const existing = this.#findMonitor(match.params['id']!, space);
          if (existing && typeof body === 'object' && body !== null && !('type' in body)) {
            toValidate = { type: existing.attributes['type'], ...body };
          }
        }
        const problems = this.#openapi.validate(opKey, toValidate);
        if (problems.length > 0) {
          throw new HttpError(400, `[request body]: ${problems.join('; ')}`);
        }
      }
      const result = match.route.handler({ space, params: match.params, query: url.searchParams, body, log });
      this.#reply(res, log, 200, result ?? {});
    } catch (err) {
      if (err instanceof HttpError) this.#reply(res, log, err.status, errorBody(err.status, err.message));
      else throw err;
    }
  }

  #authorize(req: IncomingMessage, method: string): void {
    const auth = req.headers.authorization ?? '';
    const key = /^ApiKey (.+)$/.exec(auth)?.[1];
    const readOnly = key !== undefined && this.#readOnlyKeys.has(key);
    if (key === undefined || (!this.#apiKeys.has(key) && !readOnly)) {
      throw new HttpError(401, '[security_exception]: unable to authenticate with provided credentials');
    }
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if (isWrite && req.headers['kbn-xsrf'] === undefined) {
      throw new HttpError(400, 'Request must contain a kbn-xsrf header.');
    }
    if (isWrite && readOnly) {
      throw new HttpError(
        403,
        'API [' +
          method +
          '] is unauthorized for user, this action is granted by the Kibana privileges [synthetics-write]',
      );
    }
  }

  #takeFault(method: string, template: string | undefined): Fault | undefined {
    const i = this.#faults.findIndex(
      (f) =>
        (f.match.method === undefined || f.match.method.toUpperCase() === method) &&
        (f.match.route === undefined || f.match.route === template),
    );
    if (i < 0) return undefined;
    const armed = this.#faults[i]!;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#faults.splice(i, 1);
    return armed.fault;
  }

  #reply(
    res: ServerResponse,
    log: LoggedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    log.status = status;
    this.#send(res, status, body, headers);
  }

  #send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  #match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (m === null) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      return { route, params };
    }
    return undefined;
  }

  #on(method: string, template: string, handler: (ctx: RequestContext) => unknown): void {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((seg) => {
        const p = /^\{(\w+)\}$/.exec(seg);
        if (p) {
          names.push(p[1]!);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({ method, template, regex: new RegExp(`^${source}/?$`), names, handler });
  }

  #inSpace(namespaces: readonly string[], space: string): boolean {
    return namespaces.includes('*') || namespaces.includes(space);
  }

  // ---------------------------------------------------------------- routes

  #defineRoutes(): void {
    // Literal segments first so `_bulk_delete` never matches `{id}`.
    this.#on('GET', '/api/stats', () => ({
      kibana: { version: this.version, name: 'fake-kibana', status: 'green' },
    }));
    this.#on('GET', '/internal/uptime/service/locations', ({ space }) => ({
      locations: [
        ...this.publicLocations,
        ...this.#privateLocationsIn(space).map((l) => ({
          id: l.id,
          label: l.label,
          isServiceManaged: false,
        })),
      ],
    }));

    const project = '/api/synthetics/project/{projectId}/monitors';
    this.#on('GET', project, (ctx) => this.#listProject(ctx));
    this.#on('PUT', `${project}/_bulk_update`, (ctx) => this.#putProject(ctx));
    this.#on('DELETE', `${project}/_bulk_delete`, (ctx) => this.#deleteProject(ctx));

    this.#on('GET', '/api/synthetics/monitors', (ctx) => this.#listMonitors(ctx));
    this.#on('POST', '/api/synthetics/monitors', (ctx) => this.#createMonitor(ctx));
    this.#on('POST', '/api/synthetics/monitors/_bulk_delete', ({ space, body }) =>
      ((body as { ids: string[] }).ids ?? []).map((id) => ({ id, deleted: this.#deleteMonitor(id, space) })),
    );
    this.#on('GET', '/api/synthetics/monitors/{id}', ({ space, params }) => {
      const m = this.#findMonitor(params['id']!, space);
      if (m === undefined) throw new HttpError(404, `Monitor id ${params['id']} not found!`);
      return this.#publicMonitor(m, space);
    });
    this.#on('PUT', '/api/synthetics/monitors/{id}', (ctx) => this.#updateMonitor(ctx));
    this.#on('DELETE', '/api/synthetics/monitors/{id}', ({ space, params }) => {
      if (!this.#deleteMonitor(params['id']!, space))
        throw new HttpError(404, `Monitor id ${params['id']} not found!`);
      return [{ id: params['id'], deleted: true }];
    });

    this.#on('GET', '/api/synthetics/params', ({ space }) =>
      [...this.params.values()].filter((p) => this.#inSpace(p.namespaces, space)).map(publicParam),
    );
    this.#on('POST', '/api/synthetics/params', ({ space, body }) => {
      const create = (p: Json): Json => {
        if ([...this.params.values()].some((x) => x.key === p['key'] && this.#inSpace(x.namespaces, space))) {
          throw new HttpError(400, `A parameter with key ${String(p['key'])} already exists.`);
        }
        const saved = this.addParam({
          key: p['key'] as string,
          value: p['value'] as string,
          tags: (p['tags'] as string[] | undefined) ?? [],
          namespaces: p['share_across_spaces'] === true ? ['*'] : [space],
          ...(typeof p['description'] === 'string' ? { description: p['description'] } : {}),
        });
        return { ...publicParam(saved), share_across_spaces: p['share_across_spaces'] === true };
      };
      return Array.isArray(body) ? (body as Json[]).map(create) : create(body as Json);
    });
    this.#on('POST', '/api/synthetics/params/_bulk_delete', ({ space, body }) =>
      ((body as { ids?: string[] }).ids ?? []).map((id) => {
        const p = this.params.get(id);
        const deleted = p !== undefined && this.#inSpace(p.namespaces, space);
        if (deleted) this.params.delete(id);
        return { id, deleted };
      }),
    );
    this.#on('GET', '/api/synthetics/params/{id}', ({ space, params }) =>
      publicParam(this.#findParam(params['id']!, space)),
    );
    this.#on('PUT', '/api/synthetics/params/{id}', ({ space, params, body }) => {
      const p = this.#findParam(params['id']!, space);
      const b = body as Json;
      if (Object.keys(b).length === 0) throw new HttpError(400, 'Request body cannot be empty.');
      if (typeof b['key'] === 'string') p.key = b['key'];
      if (typeof b['value'] === 'string') p.value = b['value'];
      if (typeof b['description'] === 'string') p.description = b['description'];
      if (Array.isArray(b['tags'])) p.tags = b['tags'] as string[];
      return publicParam(p);
    });
    this.#on('DELETE', '/api/synthetics/params/{id}', ({ space, params }) => {
      const p = this.#findParam(params['id']!, space);
      this.params.delete(p.id);
      return [{ id: p.id, deleted: true }];
    });

    this.#on('GET', '/api/synthetics/private_locations', ({ space }) => this.#privateLocationsIn(space));
    this.#on('POST', '/api/synthetics/private_locations', ({ body }) => {
      const b = body as Json;
      if (this.privateLocations.some((l) => l.agentPolicyId === b['agentPolicyId'])) {
        throw new HttpError(
          400,
          `Private location with agentPolicyId ${String(b['agentPolicyId'])} already exists`,
        );
      }
      if (this.privateLocations.some((l) => l.label === b['label'])) {
        throw new HttpError(400, `Private location with label ${String(b['label'])} already exists`);
      }
      return this.addPrivateLocation({
        label: b['label'] as string,
        agentPolicyId: b['agentPolicyId'] as string,
        ...(b['geo'] ? { geo: b['geo'] as { lat: number; lon: number } } : {}),
        ...(b['tags'] ? { tags: b['tags'] as string[] } : {}),
        ...(b['spaces'] ? { spaces: b['spaces'] as string[] } : {}),
      });
    });
    this.#on('GET', '/api/synthetics/private_locations/{id}', ({ space, params }) =>
      this.#findPrivateLocation(params['id']!, space),
    );
    this.#on('PUT', '/api/synthetics/private_locations/{id}', ({ space, params, body }) => {
      const loc = this.#findPrivateLocation(params['id']!, space);
      loc.label = (body as { label: string }).label;
      for (const m of this.monitors.values()) {
        for (const l of (m.attributes['locations'] as Json[] | undefined) ?? [])
          if (l['id'] === loc.id) l['label'] = loc.label;
      }
      return loc;
    });
    this.#on('DELETE', '/api/synthetics/private_locations/{id}', ({ space, params }) => {
      const loc = this.#findPrivateLocation(params['id']!, space);
      const inUse = [...this.monitors.values()].some((m) =>
        ((m.attributes['locations'] as Json[] | undefined) ?? []).some((l) => l['id'] === loc.id),
      );
      if (inUse) {
        throw new HttpError(
          400,
          `Private location with id ${loc.id} cannot be deleted because it is used by monitors.`,
        );
      }
      this.privateLocations.splice(this.privateLocations.indexOf(loc), 1);
      return {};
    });
  }

  // ---------------------------------------------------------------- project monitors

  // `get_monitor_project.ts`: sorted by journey_id, `search_after` = comma-joined sort values.
  #listProject({ space, params, query }: RequestContext): unknown {
    const perPage = Number(query.get('per_page') ?? this.#projectPerPage);
    const searchAfter = query.get('search_after');
    if (searchAfter !== null && searchAfter.length > 1024) {
      throw new HttpError(
        400,
        '[request query.search_after]: value has length [1025] but it must have a maximum length of [1024].',
      );
    }
    const all = this.projectMonitors(space, params['projectId']!);
    const after =
      searchAfter === null ? all : all.filter((m) => String(m.attributes['journey_id']) > searchAfter);
    const page = after.slice(0, Math.max(0, perPage));
    return {
      total: all.length,
      after_key: page.length > 0 ? String(page[page.length - 1]!.attributes['journey_id']) : null,
      monitors: page.map((m) => ({
        journey_id: m.attributes['journey_id'],
        hash: m.attributes['hash'] || '',
      })),
    };
  }

  #putProject({ space, params, body }: RequestContext): unknown {
    const monitors = (body as { monitors?: unknown } | undefined)?.monitors;
    if (!Array.isArray(monitors)) {
      throw new HttpError(400, '[request body.monitors]: expected value of type [array] but got [undefined]');
    }
    return this.#bulkUpdate(space, params['projectId']!, monitors as Json[]);
  }

  #bulkUpdate(
    space: string,
    projectId: string,
    monitors: Json[],
  ): { createdMonitors: string[]; updatedMonitors: string[]; failedMonitors: FailedMonitor[] } {
    const browser = monitors.filter((m) => m['type'] === 'browser').length;
    if (browser > MAX_BROWSER_PER_REQUEST || monitors.length - browser > MAX_LIGHTWEIGHT_PER_REQUEST) {
      throw new HttpError(
        400,
        `Request payload is too large. Please send a max of ${MAX_BROWSER_PER_REQUEST} browser monitors and ${MAX_LIGHTWEIGHT_PER_REQUEST} lightweight monitors per request.`,
      );
    }
    // `add_monitor_project.ts`: listed spaces must exist and include the route's space.
    for (const m of monitors) {
      const spaces = m['spaces'];
      if (!Array.isArray(spaces)) continue;
      const missing = (spaces as string[]).filter((s) => s !== '*' && !this.spaces.has(s));
      if (missing.length > 0) throw new HttpError(404, `Kibana space(s) not found: ${missing.join(', ')}`);
      if (!spaces.includes(space) && !spaces.includes('*')) {
        throw new HttpError(
          400,
          `Monitor ${String(m['id'])} spaces [${spaces.join(', ')}] must include the space of the request (${space}).`,
        );
      }
    }
    const ctx = {
      projectId,
      spaceId: space,
      version: this.version,
      publicLocations: this.publicLocations,
      privateLocations: this.#privateLocationsIn(space),
    };
    const created: string[] = [];
    const updated: string[] = [];
    const failed: FailedMonitor[] = [];
    const existing = new Map(
      this.projectMonitors(space, projectId).map((m) => [m.attributes['journey_id'], m]),
    );
    for (const m of monitors) {
      const codecErrors = validateProjectMonitorCodec(m);
      const id = typeof m['id'] === 'string' ? m['id'] : undefined;
      if (codecErrors.length > 0) {
        failed.push({
          ...(id === undefined ? {} : { id }),
          reason: 'Failed to save or update monitor. Configuration is not valid',
          details: codecErrors.join('; '),
          payload: m,
        });
        continue;
      }
      const prev = existing.get(id);
      if (prev !== undefined && prev.attributes['type'] !== m['type']) {
        failed.push({
          id: id!,
          reason: 'Cannot update monitor to different type.',
          details: `Monitor ${id} of type ${String(prev.attributes['type'])} cannot be updated to type ${String(m['type'])}. Please delete the monitor first if you want to change its type.`,
          payload: m,
        });
        continue;
      }
      let normalized: ReturnType<typeof normalizeProjectMonitor>;
      try {
        normalized = normalizeProjectMonitor(m, ctx);
      } catch (err) {
        if (!(err instanceof InvalidLocationError)) throw err;
        failed.push({
          id: id!,
          reason: "Couldn't save or update monitor because of an invalid configuration.",
          details: err.message,
          payload: m,
        });
        continue;
      }
      if (normalized.errors.length > 0) {
        failed.push(...normalized.errors);
        continue;
      }
      const now = new Date().toISOString();
      const namespaces = (m['spaces'] as string[] | undefined) ?? [space];
      if (prev === undefined) {
        const configId = randomUUID();
        this.monitors.set(configId, {
          id: configId,
          namespaces,
          attributes: {
            ...normalized.attributes,
            config_id: configId,
            id: normalized.attributes['custom_heartbeat_id'],
            revision: 1,
          },
          created_at: now,
          updated_at: now,
        });
        created.push(id!);
      } else {
        prev.attributes = {
          ...prev.attributes,
          ...normalized.attributes,
          config_id: prev.id,
          id: normalized.attributes['custom_heartbeat_id'],
          revision: Number(prev.attributes['revision'] ?? 1) + 1,
        };
        prev.namespaces = namespaces;
        prev.updated_at = now;
        updated.push(id!);
      }
    }
    return { createdMonitors: created, updatedMonitors: updated, failedMonitors: failed };
  }

  // `delete_monitor_project.ts`: filters by project id + journey id, echoes the request ids.
  #deleteProject({ space, params, body }: RequestContext): unknown {
    const ids = (body as { monitors?: unknown } | undefined)?.monitors;
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) {
      throw new HttpError(400, '[request body.monitors]: expected value of type [array] but got [undefined]');
    }
    if (ids.length > MAX_DELETE_PER_REQUEST) {
      throw new HttpError(
        400,
        `You can only delete ${MAX_DELETE_PER_REQUEST} monitors at a time. Please reduce the number of monitors to delete.`,
      );
    }
    const wanted = new Set(ids);
    for (const m of this.projectMonitors(space, params['projectId']!)) {
      if (wanted.has(String(m.attributes['journey_id']))) this.monitors.delete(m.id);
    }
    return { deleted_monitors: ids };
  }

  // ---------------------------------------------------------------- public monitors

  #findMonitor(id: string, space: string): SavedMonitor | undefined {
    const byId = this.monitors.get(id);
    if (byId !== undefined) return this.#inSpace(byId.namespaces, space) ? byId : undefined;
    return [...this.monitors.values()].find(
      (m) => m.attributes['custom_heartbeat_id'] === id && this.#inSpace(m.namespaces, space),
    );
  }

  #publicMonitor(m: SavedMonitor, space: string): Json {
    return {
      ...m.attributes,
      config_id: m.id,
      id: m.attributes['custom_heartbeat_id'] ?? m.id,
      created_at: m.created_at,
      updated_at: m.updated_at,
      spaceId: space,
      spaces: m.namespaces,
    };
  }

  // `GET /api/synthetics/monitors`: page/per_page, `projects`, `query` (name, tags, urls, hosts).
  #listMonitors({ space, query }: RequestContext): unknown {
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const perPage = Math.max(1, Math.min(1000, Number(query.get('per_page') ?? 50)));
    const projects = query.getAll('projects').flatMap((p) => p.split(','));
    const types = query.getAll('monitorTypes');
    const text = (query.get('query') ?? '').toLowerCase();
    const inSpace = [...this.monitors.values()].filter((m) => this.#inSpace(m.namespaces, space));
    const matching = inSpace
      .filter((m) => projects.length === 0 || projects.includes(String(m.attributes['project_id'])))
      .filter((m) => types.length === 0 || types.includes(String(m.attributes['type'])))
      .filter(
        (m) =>
          text === '' ||
          [
            m.attributes['name'],
            m.attributes['urls'],
            m.attributes['hosts'],
            ...((m.attributes['tags'] as unknown[]) ?? []),
          ]
            .map((v) => (typeof v === 'string' ? v.toLowerCase() : ''))
            .some((v) => v.includes(text)),
      )
      .sort((a, b) => String(a.attributes['name']).localeCompare(String(b.attributes['name'])));
    return {
      page,
      perPage,
      total: matching.length,
      absoluteTotal: inSpace.length,
      monitors: matching
        .slice((page - 1) * perPage, page * perPage)
        .map((m) => this.#publicMonitor(m, space)),
    };
  }

  #createMonitor({ space, body }: RequestContext): unknown {
    const b = { ...(body as Json) };
    if (b['origin'] !== undefined && b['origin'] !== 'ui') {
      throw new HttpError(400, 'Unsupported origin type project, only ui type is supported via API.');
    }
    if (
      [...this.monitors.values()].some(
        (m) => m.attributes['name'] === b['name'] && this.#inSpace(m.namespaces, space),
      )
    ) {
      throw new HttpError(400, 'Monitor name must be unique');
    }
    const hasLocations = Array.isArray(b['locations']) && b['locations'].length > 0;
    const hasPrivate = Array.isArray(b['private_locations']) && b['private_locations'].length > 0;
    if (!hasLocations && !hasPrivate)
      throw new HttpError(
        400,
        'At least one location is required, either elastic managed or private e.g. locations: ["us_east"] or private_locations: ["test private location"]',
      );
    const saved = this.addMonitor({ schedule: { number: '3', unit: 'm' }, ...flattenPublicBody(b) }, [space]);
    return this.#publicMonitor(saved, space);
  }

  #updateMonitor({ space, params, query, body }: RequestContext): unknown {
    const m = this.#findMonitor(params['id']!, space);
    if (m === undefined) throw new HttpError(404, `Monitor id ${params['id']} not found!`);
    if (m.attributes['origin'] !== 'ui' && query.get('internal') !== 'true') {
      throw new HttpError(
        400,
        `Monitor ${params['id']} is a project monitor and cannot be edited via the public API. Update it through the project (origin: project).`,
      );
    }
    const b = body as Json;
    if (b['type'] !== undefined && b['type'] !== m.attributes['type']) {
      throw new HttpError(
        400,
        `Monitor type cannot be changed from ${String(m.attributes['type'])} to ${JSON.stringify(b['type'])}.`,
      );
    }
    this.#applyEdit(m, flattenPublicBody(b));
    return this.#publicMonitor(m, space);
  }

  // `edit_monitor.ts`: merge, blank the hash, bump the revision.
  #applyEdit(m: SavedMonitor, changes: Json): void {
    m.attributes = {
      ...m.attributes,
      ...changes,
      hash: '',
      revision: Number(m.attributes['revision'] ?? 1) + 1,
    };
    m.updated_at = new Date().toISOString();
  }

  #deleteMonitor(id: string, space: string): boolean {
    const m = this.#findMonitor(id, space);
    if (m === undefined) return false;
    this.monitors.delete(m.id);
    return true;
  }

  // ---------------------------------------------------------------- params, locations

  #findParam(id: string, space: string): SavedParam {
    const p = this.params.get(id);
    if (p === undefined || !this.#inSpace(p.namespaces, space))
      throw new HttpError(404, `Kibana saved object not found ${id}`);
    return p;
  }

  #privateLocationsIn(space: string): PrivateLocation[] {
    return this.privateLocations.filter((l) => l.spaces === undefined || this.#inSpace(l.spaces, space));
  }

  #findPrivateLocation(idOrLabel: string, space: string): PrivateLocation {
    const loc = this.#privateLocationsIn(space).find((l) => l.id === idOrLabel || l.label === idOrLabel);
    if (loc === undefined)
      throw new HttpError(404, `Private location with id or label "${idOrLabel}" not found`);
    return loc;
  }
}

function publicParam(p: SavedParam): Json {
  return {
    id: p.id,
    key: p.key,
    value: p.value,
    tags: p.tags,
    namespaces: p.namespaces,
    ...(p.description === undefined ? {} : { description: p.description }),
  };
}

// `add_monitor.ts`/`edit_monitor.ts`: public aliases to ConfigKeys, nested objects to dotted keys.
function flattenPublicBody(b: Json): Json {
  const out: Json = {};
  const alias: Record<string, string> = {
    url: 'urls',
    host: 'hosts',
    inline_script: 'source.inline.script',
  };
  const walk = (obj: Json, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (!prefix && k === 'retest_on_failure') out['max_attempts'] = v === false ? 1 : 2;
      else if (!prefix && k === 'schedule' && typeof v === 'number')
        out['schedule'] = { number: String(v), unit: 'm' };
      else if (!prefix && k in alias) out[alias[k]!] = v;
      else if (!prefix && (k === 'alert' || k === 'labels' || k === 'locations' || k === 'params'))
        out[k] = v;
      else if (
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        (k === 'check' || k === 'ssl' || k === 'response' || prefix)
      )
        walk(v as Json, key);
      else out[key] = v;
    }
  };
  walk(b, '');
  return out;
}

function errorBody(status: number, message: string): Json {
  return { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new HttpError(413, `Payload content length greater than maximum allowed: ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `Payload content length greater than maximum allowed: ${limit}`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('aborted', () => {
      reject(new Error('aborted'));
    });
  });
}
