/**
 * The TCP check: connect (timed), optionally TLS with the same options and certificate facts
 * as HTTP, optionally send a payload and wait for an answer that contains a substring
 * (Elastic `check.receive`) or matches a regular expression. A SOCKS5 proxy is supported
 * (Elastic `proxy_url`, `proxy_use_local_resolver`).
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import type { TcpSpec } from '../model/schema.js';
import { CheckFailure } from './errors.js';
import { Deadline } from './deadline.js';
import { formatBytes } from './duration.js';
import { quote } from './http-assertions.js';
import {
  SocketReader,
  connectTcp,
  formatHostPort,
  parseProxyUrl,
  socketFailure,
  socks5Connect,
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

/** What the TCP check needs from outside. */
export interface TcpCheckDeps {
  secrets: SecretResolver;
  resolver: AddressResolver;
  /** Wall clock in epoch ms, for certificate expiry (default `Date.now`). */
  now?: () => number;
}

/** The answer is read up to this many bytes (bounded memory per check). */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** Bytes of the answer kept in the outcome. */
const KEPT_ANSWER_BYTES = 1024;

/** Splits `host:port` / `[v6]:port`; throws a config failure otherwise. */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CheckFailure(
      'config',
      `host ${quote(text)} is not host:port or [ipv6]:port with a port from 1 to 65535`,
    );
  }
  return { host: m[1] ?? '', port };
}

interface AttemptState {
  timings: PhaseTimings;
  ip?: string;
  certificate?: CertificateFacts;
  received?: Buffer;
}

/** Runs TCP monitors. */
export class TcpCheck implements Check {
  readonly type = 'tcp' as const;
  readonly #secrets: SecretResolver;
  readonly #resolver: AddressResolver;
  readonly #now: () => number;
  readonly #contexts = new SecureContextCache();

  constructor(deps: TcpCheckDeps) {
    this.#secrets = deps.secrets;
    this.#resolver = deps.resolver;
    this.#now = deps.now ?? Date.now;
  }

  /** Runs one attempt. Resolves with the verdict; rejects only when `signal` aborts. */
  async run(monitor: RunnableMonitor, signal: AbortSignal): Promise<CheckOutcome> {
    const started = performance.now();
    const deadline = new Deadline(monitor.timeoutMs, signal);
    const redactions = new Redactions();
    try {
      const spec = monitor.spec.tcp;
      if (spec === undefined) throw new CheckFailure('config', `monitor ${monitor.id} has no tcp block`);
      const hostText = await substituteParams(
        spec.host,
        monitor.spec.params,
        this.#secrets,
        monitor.namespace,
        redactions,
        'host',
      );
      const { host, port } = parseHostPort(hostText);
      const tls =
        spec.tls === undefined
          ? undefined
          : await resolveTlsSettings(spec.tls, this.#secrets, monitor.namespace);
      redactions.add(tls?.key);
      redactions.add(tls?.passphrase);
      const proxy = spec.proxy === undefined ? undefined : parseProxyUrl(spec.proxy.url, ['socks5']);
      redactions.add(proxy?.password);
      const receiveMatches = spec.receiveMatches === undefined ? undefined : compile(spec.receiveMatches);
      let addresses: (ResolvedAddress | undefined)[] = [undefined];
      const resolveStart = performance.now();
      if (proxy === undefined || spec.proxy?.useLocalResolver === true) {
        deadline.phase = `resolving ${host}`;
        addresses = await resolveAddresses(this.#resolver, host, spec, deadline.signal);
      }
      const resolveMs = performance.now() - resolveStart;
      const outcomes = await Promise.all(
        addresses.map((a) =>
          deadline.with(addresses.length > 1, (d) =>
            this.#attempt(
              spec,
              { host, port },
              a,
              resolveMs,
              tls,
              proxy,
              receiveMatches,
              d,
              redactions,
              started,
            ),
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

  async #attempt(
    spec: TcpSpec,
    target: { host: string; port: number },
    address: ResolvedAddress | undefined,
    resolveMs: number,
    tls: TlsSettings | undefined,
    proxy: ReturnType<typeof parseProxyUrl> | undefined,
    receiveMatches: RegExp | undefined,
    deadline: Deadline,
    redactions: Redactions,
    started: number,
  ): Promise<CheckOutcome> {
    const state: AttemptState = { timings: {} };
    if (address !== undefined) {
      state.timings.resolve = resolveMs;
      state.ip = address.address;
    }
    const where = formatHostPort(address?.address ?? target.host, target.port);
    let socket: Socket | undefined;
    let failure: CheckFailure | undefined;
    try {
      const connectStart = performance.now();
      if (proxy !== undefined) {
        deadline.phase = `resolving proxy ${proxy.display}`;
        const [p] = await resolveAddresses(this.#resolver, proxy.host, { mode: 'any' }, deadline.signal);
        socket = await connectTcp(p?.address ?? proxy.host, proxy.port, deadline).catch((err: unknown) => {
          throw err instanceof CheckFailure
            ? new CheckFailure(err.type, `proxy ${proxy.display}: ${err.message}`, { cause: err })
            : err;
        });
        await socks5Connect(
          socket,
          proxy,
          { host: address?.address ?? target.host, port: target.port },
          deadline,
        );
      } else {
        socket = await connectTcp(address?.address ?? target.host, target.port, deadline);
      }
      const connected = performance.now();
      state.timings.connect = connected - connectStart;
      // Errors reach us through write callbacks and the reader; an 'error' event with no
      // listener would crash the process instead.
      socket.on('error', ignore);
      if (tls !== undefined) {
        const secured = await startTls(socket, target.host, tls, deadline, this.#now, this.#contexts);
        socket = secured.socket;
        socket.on('error', ignore);
        if (secured.certificate !== undefined) state.certificate = secured.certificate;
        state.timings.tls = performance.now() - connected;
      }
      const exchangeStart = performance.now();
      if (spec.send !== undefined) {
        deadline.phase = `sending to ${where}`;
        await write(socket, spec.send, deadline, where);
      }
      if (spec.receive !== undefined || receiveMatches !== undefined) {
        await this.#receive(socket, spec, receiveMatches, deadline, where, state);
        state.timings.processing = performance.now() - exchangeStart;
      }
    } catch (err) {
      failure = toFailure(err, deadline, (e) => tlsErrorFailure(e, tls) ?? socketFailure(e, where));
      if (failure instanceof TlsVerificationFailure) state.certificate = failure.certificate;
    } finally {
      socket?.destroy();
    }
    const outcome: CheckOutcome = {
      up: failure === undefined,
      durationMs: performance.now() - started,
      timings: state.timings,
      tcp: {},
    };
    if (state.timings.connect !== undefined) outcome.tcp = { connectMs: state.timings.connect };
    if (state.received !== undefined) {
      outcome.tcp = {
        ...outcome.tcp,
        received: state.received.subarray(0, KEPT_ANSWER_BYTES).toString('utf8'),
      };
    }
    if (state.ip !== undefined) outcome.ip = state.ip;
    if (state.certificate !== undefined) outcome.certificate = state.certificate;
    if (failure !== undefined) outcome.error = outcomeError(failure, redactions);
    return outcome;
  }

  async #receive(
    socket: Socket,
    spec: TcpSpec,
    pattern: RegExp | undefined,
    deadline: Deadline,
    where: string,
    state: AttemptState,
  ): Promise<void> {
    const wanted =
      spec.receive !== undefined
        ? `an answer containing ${quote(spec.receive)}`
        : `an answer matching ${pattern?.source ?? ''}`;
    const needle = spec.receive === undefined ? undefined : Buffer.from(spec.receive);
    const done = (b: Buffer) =>
      needle !== undefined ? b.includes(needle) : pattern?.test(b.toString('utf8')) === true;
    deadline.phase = `waiting for ${wanted}`;
    const reader = new SocketReader(socket, MAX_ANSWER_BYTES);
    const got = () => {
      state.received = reader.received;
      return reader.received.length === 0 ? 'nothing' : quote(reader.received.toString('utf8'));
    };
    try {
      await reader.waitFor(done, deadline, {
        closed: () => new CheckFailure('validate', `connection closed before ${wanted} (received ${got()})`),
        full: () =>
          new CheckFailure(
            'validate',
            `no ${wanted} in the first ${formatBytes(MAX_ANSWER_BYTES)} (received ${got()})`,
          ),
        error: (err) => socketFailure(err, where),
      });
      state.received = reader.received;
    } catch (err) {
      if (deadline.timedOut) throw deadline.timeoutFailure(`waiting for ${wanted} (received ${got()})`);
      throw err;
    } finally {
      reader.detach();
    }
  }
}

function ignore(): void {
  // see the 'error' listeners above
}

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new CheckFailure('config', `receiveMatches is not a valid regular expression: ${quote(pattern)}`, {
      cause: err,
    });
  }
}

function write(socket: Socket, data: string, deadline: Deadline, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(deadline.abortReason());
    };
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.write(data, (err) => {
      deadline.signal.removeEventListener('abort', onAbort);
      if (err === undefined || err === null) resolve();
      else reject(socketFailure(err, where));
    });
  });
}
