/**
 * The HTTP check. One fresh connection per request, as blackbox_exporter does: connection
 * reuse would hide connect and TLS times and certificate changes. The connection is opened by
 * our own undici `connect` function, which gives the phase timings (resolve, connect, tls,
 * processing, transfer, summed over redirects as blackbox sums them), verifies TLS the way the
 * monitor says and tunnels through a proxy (HTTP CONNECT or SOCKS5).
 */
import { performance } from 'node:perf_hooks';
import { isIP, type Socket } from 'node:net';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Client, errors as undiciErrors, type buildConnector } from 'undici';
import type { HttpSpec, NamedValue } from '../model/schema.js';
import { CheckFailure } from './errors.js';
import { Deadline } from './deadline.js';
import { formatBytes } from './duration.js';
import { CelProgramCache, assertResponse } from './http-assertions.js';
import {
  connectTcp,
  formatHostPort,
  httpConnectTunnel,
  parseProxyUrl,
  socketFailure,
  socks5Connect,
  type ProxyEndpoint,
} from './net.js';
import { resolveAddresses, type AddressResolver, type ResolvedAddress } from './resolver.js';
import { Redactions, combineAddresses, outcomeError, substituteParams, toFailure } from './common.js';
import {
  SecureContextCache,
  TlsVerificationFailure,
  resolveTlsSettings,
  startTls,
  tlsErrorFailure,
  type TlsSettings,
} from './tls.js';
import type {
  CertificateFacts,
  Check,
  CheckOutcome,
  PhaseTimings,
  RunnableMonitor,
  SecretResolver,
} from './types.js';

/** What the HTTP check needs from outside. */
export interface HttpCheckDeps {
  secrets: SecretResolver;
  resolver: AddressResolver;
  /** Wall clock in epoch ms, for certificate expiry (default `Date.now`). */
  now?: () => number;
  /** The User-Agent sent unless the monitor sets one. */
  userAgent?: string;
}

/** Default `response.maxBodyBytes`. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Default `response.includeBodyMaxBytes` (Elastic `response.include_body_max_bytes`). */
export const DEFAULT_INCLUDE_BODY_BYTES = 1024;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const MAX_HEADER_BYTES = 64 * 1024;

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Lower-case names of headers that carry credentials: dropped when a redirect leaves the origin. */
  credentialHeaders: Set<string>;
  tls: TlsSettings;
  proxy: { endpoint: ProxyEndpoint; headers: Record<string, string> } | undefined;
  maxBodyBytes: number;
  keepBody: boolean;
}

/** The facts one attempt collects, kept even when it fails half-way. */
interface AttemptState {
  timings: PhaseTimings;
  ip?: string;
  certificate?: CertificateFacts;
  statusCode?: number;
  redirects: number;
  finalUrl?: string;
  contentLength?: number;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Set by the connect function when the connection is ready for the request. */
  readyAt?: number;
  connectError?: unknown;
  /** An OpenSSL error seen on the connection after the handshake (a late TLS 1.3 alert). */
  tlsAlert?: CheckFailure;
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function add(timings: PhaseTimings, phase: keyof PhaseTimings, ms: number): void {
  timings[phase] = (timings[phase] ?? 0) + ms;
}

/** A URL for messages: without user info. */
function displayUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

function joinHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The body decoded per Content-Encoding (Go's client decodes gzip transparently; we do too). */
function decoded(body: Readable, encoding: string): Readable {
  let decoder: Transform;
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
  else if (encoding === 'deflate') decoder = createInflate();
  else if (encoding === 'br') decoder = createBrotliDecompress();
  else
    throw new CheckFailure(
      'io',
      `the response uses Content-Encoding ${encoding}, which the runner cannot decode`,
    );
  return pipeline(body, decoder, () => undefined);
}

/** Maps undici and socket errors that are not ours yet. */
function classifyHttpError(
  err: unknown,
  where: string,
  tls: TlsSettings | undefined,
): CheckFailure | undefined {
  const tlsFailure = tlsErrorFailure(err, tls);
  if (tlsFailure !== undefined) return tlsFailure;
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET': {
      const cause = (err as { cause?: unknown }).cause;
      const inner = cause === undefined ? undefined : tlsErrorFailure(cause, tls);
      if (inner !== undefined) return inner;
      return new CheckFailure(
        'io',
        `connection closed by the server before the response was complete (${where})`,
        {
          cause: err,
        },
      );
    }
    case 'UND_ERR_HEADERS_OVERFLOW':
      return new CheckFailure('io', `response headers exceed ${formatBytes(MAX_HEADER_BYTES)} (${where})`, {
        cause: err,
      });
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return new CheckFailure('io', `response body length does not match Content-Length (${where})`, {
        cause: err,
      });
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_HEADER_TOKEN':
      return new CheckFailure('io', `the server did not answer with valid HTTP (${where})`, { cause: err });
    default:
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return socketFailure(err, where);
      if (typeof code === 'string' && code.startsWith('HPE_')) {
        return new CheckFailure('io', `invalid HTTP response: ${(err as Error).message} (${where})`, {
          cause: err,
        });
      }
      return undefined;
  }
}

/**
 * A TLS 1.3 server that refuses our client certificate may close without an alert we can
 * read; a close right after the handshake, before any response, when we presented one, says so.
 */
function clientCertificateRejected(
  err: unknown,
  url: URL,
  state: AttemptState,
  tls: TlsSettings,
  where: string,
): CheckFailure | undefined {
  const code = (err as { code?: unknown }).code;
  if (url.protocol !== 'https:' || tls.cert === undefined || state.statusCode !== undefined) return undefined;
  if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') return undefined;
  return new CheckFailure(
    'tls',
    `the server closed the connection right after the TLS handshake (${where}): it probably rejected our client certificate`,
    { cause: err },
  );
}

function isUndiciReset(err: Error | undefined): boolean {
  return (
    err instanceof undiciErrors.InformationalError &&
    (err as { code?: unknown }).code === 'UND_ERR_INFO' &&
    err.message === 'reset'
  );
}

/** Runs HTTP(S) monitors. */
export class HttpCheck implements Check {
  readonly type = 'http' as const;
  readonly #secrets: SecretResolver;
  readonly #resolver: AddressResolver;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #cel = new CelProgramCache();
  readonly #contexts = new SecureContextCache();
  readonly #finished = new Error('check finished');
  readonly #reset = new undiciErrors.InformationalError('reset');

  constructor(deps: HttpCheckDeps) {
    this.#secrets = deps.secrets;
    this.#resolver = deps.resolver;
    this.#now = deps.now ?? Date.now;
    this.#userAgent = deps.userAgent ?? 'synthctl-runner';
  }

  /** Runs one attempt. Resolves with the verdict; rejects only when `signal` aborts. */
  async run(monitor: RunnableMonitor, signal: AbortSignal): Promise<CheckOutcome> {
    const started = performance.now();
    const deadline = new Deadline(monitor.timeoutMs, signal);
    const redactions = new Redactions();
    try {
      const spec = monitor.spec.http;
      if (spec === undefined) throw new CheckFailure('config', `monitor ${monitor.id} has no http block`);
      const request = await this.#prepare(spec, monitor, redactions);
      const resolveStart = performance.now();
      let addresses: (ResolvedAddress | undefined)[] = [undefined];
      if (request.proxy === undefined) {
        deadline.phase = `resolving ${hostOf(request.url)}`;
        addresses = await resolveAddresses(this.#resolver, hostOf(request.url), spec, deadline.signal);
      }
      const resolveMs = performance.now() - resolveStart;
      const outcomes = await Promise.all(
        addresses.map((address) =>
          deadline.with(addresses.length > 1, (d) =>
            this.#attempt(spec, request, address, resolveMs, d, redactions, started),
          ),
        ),
      );
      return combineAddresses(outcomes, performance.now() - started);
    } catch (err) {
      const failure = toFailure(err, deadline);
      return { up: false, durationMs: performance.now() - started, error: outcomeError(failure, redactions) };
    } finally {
      deadline.dispose();
    }
  }

  async #prepare(spec: HttpSpec, monitor: RunnableMonitor, redactions: Redactions): Promise<PreparedRequest> {
    const ns = monitor.namespace;
    const params = monitor.spec.params;
    const rawUrl = await substituteParams(spec.url, params, this.#secrets, ns, redactions, 'url');
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch (err) {
      throw new CheckFailure('config', `url ${JSON.stringify(redactions.apply(rawUrl))} is not a valid URL`, {
        cause: err,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CheckFailure('config', `url must be http:// or https://, got ${url.protocol}//`);
    }
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    const credentialHeaders = new Set<string>(['authorization', 'cookie', 'proxy-authorization']);
    const resolveNamed = async (h: NamedValue): Promise<string | undefined> => {
      if (h.valueFrom === undefined) return h.value;
      const v = await this.#secrets.resolve(h.valueFrom, ns);
      redactions.add(v);
      credentialHeaders.add(h.name.toLowerCase());
      return v;
    };
    for (const h of spec.headers ?? []) {
      const v = await resolveNamed(h);
      if (v !== undefined) headers[h.name.toLowerCase()] = v;
    }
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      redactions.add(pass);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    const auth = spec.auth;
    const secret = async (ref: { valueFrom: Parameters<SecretResolver['resolve']>[0] }, what: string) => {
      const v = await this.#secrets.resolve(ref.valueFrom, ns);
      if (v === undefined)
        throw new CheckFailure('config', `${what} resolved to nothing (optional secret missing)`);
      redactions.add(v);
      return v;
    };
    if (auth?.basic !== undefined) {
      const pass = await secret(auth.basic.password, 'auth.basic.password');
      const token = Buffer.from(`${auth.basic.username}:${pass}`).toString('base64');
      redactions.add(token);
      headers.authorization = `Basic ${token}`;
    } else if (auth?.bearer !== undefined) {
      headers.authorization = `Bearer ${await secret(auth.bearer.token, 'auth.bearer.token')}`;
    } else if (auth?.apiKey !== undefined) {
      const name = auth.apiKey.header.toLowerCase();
      headers[name] = `${auth.apiKey.prefix ?? ''}${await secret(auth.apiKey.value, 'auth.apiKey.value')}`;
      credentialHeaders.add(name);
    }
    let body: string | undefined;
    let contentType: string | undefined;
    const b = spec.body;
    if (b?.text !== undefined) {
      body = b.text;
      contentType = 'text/plain; charset=utf-8';
    } else if (b?.json !== undefined) {
      body = JSON.stringify(b.json);
      contentType = 'application/json';
    } else if (b?.form !== undefined) {
      body = new URLSearchParams(b.form).toString();
      contentType = 'application/x-www-form-urlencoded';
    } else if (b?.valueFrom !== undefined) {
      body = await secret({ valueFrom: b.valueFrom }, 'body.valueFrom');
    }
    if (contentType !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = contentType;
    let proxy: PreparedRequest['proxy'];
    if (spec.proxy !== undefined) {
      const endpoint = parseProxyUrl(spec.proxy.url, ['http', 'socks5']);
      redactions.add(endpoint.password);
      const proxyHeaders: Record<string, string> = {};
      for (const h of spec.proxy.headers ?? []) {
        const v = await resolveNamed(h);
        if (v !== undefined) proxyHeaders[h.name] = v;
      }
      proxy = { endpoint, headers: proxyHeaders };
    }
    const tls = await resolveTlsSettings(spec.tls, this.#secrets, ns);
    redactions.add(tls.key);
    redactions.add(tls.passphrase);
    const c = spec.checks;
    const includeBody = spec.response?.includeBody ?? 'on_error';
    const keepBody =
      includeBody !== 'never' ||
      c?.body !== undefined ||
      (c?.json?.length ?? 0) > 0 ||
      (c?.xpath?.length ?? 0) > 0;
    return {
      url,
      method: spec.method ?? 'GET',
      headers,
      body,
      credentialHeaders,
      tls,
      proxy,
      maxBodyBytes: spec.response?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      keepBody,
    };
  }

  /** One address: the request, its redirects, the assertions. Never throws except on cancel. */
  async #attempt(
    spec: HttpSpec,
    request: PreparedRequest,
    address: ResolvedAddress | undefined,
    resolveMs: number,
    deadline: Deadline,
    redactions: Redactions,
    started: number,
  ): Promise<CheckOutcome> {
    const state: AttemptState = { timings: {}, redirects: 0 };
    if (address !== undefined) {
      state.timings.resolve = resolveMs;
      state.ip = address.address;
    }
    let failure: CheckFailure | undefined;
    let hop: Hop = {
      url: request.url,
      method: request.method,
      headers: { ...request.headers },
      body: request.body,
    };
    const chain = [displayUrl(request.url)];
    const visited = new Set([request.url.href]);
    const maxRedirects = spec.maxRedirects ?? 0;
    try {
      for (;;) {
        const pinned = address !== undefined && hostOf(hop.url) === hostOf(request.url) ? address : undefined;
        const location = await this.#exchange(hop, pinned, request, state, deadline);
        state.finalUrl = displayUrl(hop.url);
        if (location === undefined || maxRedirects === 0 || !REDIRECT_CODES.has(state.statusCode ?? 0)) break;
        let next: URL;
        try {
          next = new URL(location, hop.url);
        } catch (err) {
          throw new CheckFailure('io', `redirect to an invalid location ${JSON.stringify(location)}`, {
            cause: err,
          });
        }
        chain.push(displayUrl(next));
        if (visited.has(next.href)) throw new CheckFailure('io', `redirect loop: ${chain.join(' → ')}`);
        if (state.redirects >= maxRedirects) {
          throw new CheckFailure(
            'io',
            `too many redirects: stopped after ${maxRedirects} (maxRedirects), next was ${displayUrl(next)}`,
          );
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new CheckFailure(
            'io',
            `redirect to unsupported scheme ${next.protocol}// (${displayUrl(next)})`,
          );
        }
        visited.add(next.href);
        state.redirects++;
        hop = this.#redirectHop(hop, next, state.statusCode ?? 0, request);
      }
      const responseTimeMs = performance.now() - started;
      assertResponse(
        spec.checks,
        {
          statusCode: state.statusCode ?? 0,
          headers: state.headers ?? {},
          body: state.body?.toString('utf8') ?? '',
          responseTimeMs,
        },
        this.#cel,
      );
    } catch (err) {
      const where = formatHostPort(state.ip ?? hostOf(hop.url), portOf(hop.url));
      failure = toFailure(
        state.connectError ?? err,
        deadline,
        (e) =>
          state.tlsAlert ??
          clientCertificateRejected(e, hop.url, state, request.tls, where) ??
          classifyHttpError(e, where, request.tls),
      );
      if (failure instanceof TlsVerificationFailure) state.certificate = failure.certificate;
    }
    return this.#outcome(spec, state, failure, redactions, started);
  }

  #redirectHop(hop: Hop, next: URL, status: number, request: PreparedRequest): Hop {
    const headers = { ...hop.headers };
    let method = hop.method;
    let body = hop.body;
    // Browsers and Go's client turn a POST into a GET on 301/302 and anything but HEAD on 303.
    if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
      delete headers['content-length'];
    }
    // Credentials go to the origin they were written for, never to where it redirects (Go's
    // client does the same for Authorization and Cookie).
    const kept =
      next.origin === hop.url.origin
        ? headers
        : Object.fromEntries(
            Object.entries(headers).filter(([name]) => !request.credentialHeaders.has(name)),
          );
    return { url: next, method, headers: kept, body };
  }

  /** One request on a fresh connection. Returns the Location header of a redirect. */
  async #exchange(
    hop: Hop,
    pinned: ResolvedAddress | undefined,
    request: PreparedRequest,
    state: AttemptState,
    deadline: Deadline,
  ): Promise<string | undefined> {
    const isHttps = hop.url.protocol === 'https:';
    const proxy = request.proxy;
    const absoluteForm = proxy !== undefined && proxy.endpoint.protocol === 'http' && !isHttps;
    let ip = pinned?.address;
    if (proxy === undefined && ip === undefined) {
      const t = performance.now();
      deadline.phase = `resolving ${hostOf(hop.url)}`;
      const [first] = await resolveAddresses(
        this.#resolver,
        hostOf(hop.url),
        { mode: 'any' },
        deadline.signal,
      );
      add(state.timings, 'resolve', performance.now() - t);
      ip = first?.address;
    }
    if (ip !== undefined) state.ip = ip;
    const connector: buildConnector.connector = (_options, callback) => {
      this.#open(hop.url, ip, request, absoluteForm, state, deadline).then(
        (socket) => {
          callback(null, socket);
        },
        (err: unknown) => {
          state.connectError = err;
          callback(err as Error, null);
        },
      );
    };
    const origin = absoluteForm
      ? `http://${formatHostPort(proxy.endpoint.host, proxy.endpoint.port)}`
      : hop.url.origin;
    const client = new Client(origin, {
      connect: connector,
      headersTimeout: 0,
      bodyTimeout: 0,
      pipelining: 1,
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    try {
      const headers = { ...hop.headers };
      if (absoluteForm) {
        headers.host = hop.url.host;
        for (const [k, v] of Object.entries(proxy.headers)) headers[k.toLowerCase()] = v;
        if (proxy.endpoint.username !== undefined) {
          const token = Buffer.from(`${proxy.endpoint.username}:${proxy.endpoint.password ?? ''}`).toString(
            'base64',
          );
          headers['proxy-authorization'] = `Basic ${token}`;
        }
      } else if (isIP(hostOf(hop.url)) === 0 || hop.url.port !== '') {
        headers.host = hop.url.host;
      }
      deadline.phase = 'waiting for response headers';
      const response = await client.request({
        path: absoluteForm ? displayUrl(hop.url) : `${hop.url.pathname}${hop.url.search}`,
        method: hop.method,
        headers,
        body: hop.body ?? null,
        signal: deadline.signal,
        reset: true,
      });
      const headersAt = performance.now();
      add(state.timings, 'processing', headersAt - (state.readyAt ?? headersAt));
      state.statusCode = response.statusCode;
      state.headers = joinHeaders(response.headers);
      const location = state.headers.location;
      if (location !== undefined && REDIRECT_CODES.has(response.statusCode)) {
        // The redirect's body is of no interest: drain a little, the connection closes below.
        await response.body.dump({ limit: 64 * 1024, signal: deadline.signal }).catch(() => undefined);
        add(state.timings, 'transfer', performance.now() - headersAt);
        return location;
      }
      deadline.phase = 'reading the response body';
      const chunks: Buffer[] = [];
      let size = 0;
      const encoding = (state.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      const source = decoded(response.body, encoding);
      try {
        // The limit applies to the decoded body: a small gzip must not inflate without bound.
        for await (const chunk of source as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > request.maxBodyBytes) {
            throw new CheckFailure('validate', `response body exceeds ${formatBytes(request.maxBodyBytes)}`);
          }
          if (request.keepBody) chunks.push(chunk);
        }
      } catch (err) {
        if (err instanceof CheckFailure || deadline.signal.aborted) throw err;
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('Z_')) {
          throw new CheckFailure(
            'io',
            `response body is not valid ${encoding} (Content-Encoding): ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
        throw err;
      } finally {
        source.destroy();
        response.body.destroy();
      }
      add(state.timings, 'transfer', performance.now() - headersAt);
      state.contentLength = size;
      if (request.keepBody) state.body = Buffer.concat(chunks);
      else delete state.body;
      return undefined;
    } finally {
      // destroy() without an error builds a ClientDestroyedError (a stack trace per check);
      // handing it one prepared error keeps the hot path free of that cost.
      await client.destroy(this.#finished).catch(() => undefined);
    }
  }

  /** The connect function given to undici: TCP (or proxy tunnel), then TLS, with timings. */
  async #open(
    url: URL,
    ip: string | undefined,
    request: PreparedRequest,
    absoluteForm: boolean,
    state: AttemptState,
    deadline: Deadline,
  ): Promise<Socket> {
    const host = hostOf(url);
    const port = portOf(url);
    const proxy = request.proxy;
    let socket: Socket;
    const connectStart = performance.now();
    if (proxy !== undefined) {
      const endpoint = proxy.endpoint;
      deadline.phase = `resolving proxy ${endpoint.display}`;
      const [proxyAddress] = await resolveAddresses(
        this.#resolver,
        endpoint.host,
        { mode: 'any' },
        deadline.signal,
      );
      socket = await connectTcp(proxyAddress?.address ?? endpoint.host, endpoint.port, deadline).catch(
        (err: unknown) => {
          throw err instanceof CheckFailure
            ? new CheckFailure(err.type, `proxy ${endpoint.display}: ${err.message}`, { cause: err })
            : err;
        },
      );
      try {
        if (endpoint.protocol === 'socks5') await socks5Connect(socket, endpoint, { host, port }, deadline);
        else if (!absoluteForm)
          await httpConnectTunnel(socket, endpoint, { host, port }, proxy.headers, deadline);
      } catch (err) {
        socket.destroy();
        throw err;
      }
    } else {
      socket = await connectTcp(ip ?? host, port, deadline);
    }
    const connected = performance.now();
    add(state.timings, 'connect', connected - connectStart);
    if (url.protocol === 'https:') {
      const tls = await startTls(socket, host, request.tls, deadline, this.#now, this.#contexts, [
        'http/1.1',
      ]);
      if (tls.certificate !== undefined) state.certificate = tls.certificate;
      socket = tls.socket;
      // In TLS 1.3 the server judges our client certificate after our handshake is done; its
      // alert arrives as a socket error that undici reports only as "other side closed".
      socket.on('error', (err) => {
        const alert = tlsErrorFailure(err, request.tls);
        if (alert !== undefined) state.tlsAlert ??= alert;
      });
      add(state.timings, 'tls', performance.now() - connected);
    }
    deadline.phase = 'waiting for response headers';
    state.readyAt = performance.now();
    // undici listens from here on, but not after it lets go of the socket: a late error
    // (a reset after destroy) must not become an uncaught exception.
    socket.on('error', () => undefined);
    // undici ends every `reset: true` exchange with `destroy(socket, new
    // InformationalError('reset'))` (dispatcher/client-h1.js onMessageComplete), and Node reads
    // the stack of an error a stream is destroyed with (streams/destroy.js checkError): one
    // stack trace formatted per check, ~5 % of its CPU in a profile. One prepared error of the
    // same class, code and message goes on instead; undici looks only at code and message.
    const destroy = socket.destroy.bind(socket);
    const reset = this.#reset;
    socket.destroy = (err?: Error) => destroy(isUndiciReset(err) ? reset : err);
    return socket;
  }

  #outcome(
    spec: HttpSpec,
    state: AttemptState,
    failure: CheckFailure | undefined,
    redactions: Redactions,
    started: number,
  ): CheckOutcome {
    const up = failure === undefined;
    const includeBody = spec.response?.includeBody ?? 'on_error';
    const http: NonNullable<CheckOutcome['http']> = { redirects: state.redirects, httpVersion: '1.1' };
    if (state.statusCode !== undefined) http.statusCode = state.statusCode;
    if (state.finalUrl !== undefined) http.finalUrl = redactions.apply(state.finalUrl);
    if (state.contentLength !== undefined) http.contentLength = state.contentLength;
    if (state.headers !== undefined && spec.response?.includeHeaders !== false) http.headers = state.headers;
    if (state.body !== undefined && (includeBody === 'always' || (includeBody === 'on_error' && !up))) {
      const max = spec.response?.includeBodyMaxBytes ?? DEFAULT_INCLUDE_BODY_BYTES;
      http.body = state.body.subarray(0, max).toString('utf8');
    }
    if (failure?.dueToRegex === true) http.failedDueToRegex = true;
    const outcome: CheckOutcome = {
      up,
      durationMs: performance.now() - started,
      timings: state.timings,
      http,
    };
    if (state.ip !== undefined) outcome.ip = state.ip;
    if (state.certificate !== undefined) outcome.certificate = state.certificate;
    if (failure !== undefined) outcome.error = outcomeError(failure, redactions);
    return outcome;
  }
}
