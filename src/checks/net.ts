/**
 * TCP building blocks shared by the HTTP and TCP checks: a connect that honours the deadline,
 * a bounded reader, and the two tunnels (HTTP CONNECT, SOCKS5) a proxy needs. Every failure
 * becomes one CheckFailure sentence that names the address, never a credential.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { CheckFailure } from './errors.js';
import type { Deadline } from './deadline.js';

/** `127.0.0.1:80`, `[::1]:80`. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed by peer',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'address not available',
  ECONNABORTED: 'connection aborted',
};

/** Turns a socket error into `connection refused (127.0.0.1:1)`. */
export function socketFailure(err: unknown, where: string): CheckFailure {
  const code = (err as { code?: unknown }).code;
  const text =
    typeof code === 'string' ? (SOCKET_ERRORS[code] ?? `connection failed: ${code}`) : (err as Error).message;
  return new CheckFailure('io', `${text} (${where})`, { cause: err });
}

/** Connects to ip:port; rejects with a CheckFailure, or the deadline's reason when aborted. */
export function connectTcp(ip: string, port: number, deadline: Deadline): Promise<Socket> {
  const where = formatHostPort(ip, port);
  deadline.phase = `connecting to ${where}`;
  return new Promise((resolve, reject) => {
    if (deadline.signal.aborted) {
      reject(deadline.abortReason());
      return;
    }
    const socket = netConnect({ host: ip, port, noDelay: true });
    const cleanup = () => {
      deadline.signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(deadline.abortReason());
    };
    const onError = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(socketFailure(err, where));
    };
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

/**
 * Reads a socket into a bounded buffer and waits for conditions on it. Used for protocol
 * handshakes (proxies) and for the TCP check's expected answer.
 */
export class SocketReader {
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #socket: Socket;
  readonly #limit: number;
  readonly #onData = (chunk: Buffer) => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#buffer.length >= this.#limit) this.#socket.pause();
    this.#notify();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#notify();
  };
  readonly #onError = (err: Error) => {
    this.#error = err;
    this.#notify();
  };

  constructor(socket: Socket, limit: number) {
    this.#socket = socket;
    this.#limit = limit;
    socket.on('data', this.#onData);
    socket.once('end', this.#onEnd);
    socket.once('close', this.#onEnd);
    socket.on('error', this.#onError);
    // A previous reader (a proxy handshake) may have paused the socket; a 'data' listener
    // alone does not restart an explicitly paused stream.
    socket.resume();
  }

  /** Bytes received so far. */
  get received(): Buffer {
    return this.#buffer;
  }

  /**
   * Resolves once `done(buffer)` is true, or rejects: with the deadline's reason on abort, a
   * `closed` CheckFailure on EOF, `full` when the limit is reached, or the socket error.
   */
  async waitFor(
    done: (buffer: Buffer) => boolean,
    deadline: Deadline,
    messages: { closed: () => CheckFailure; full: () => CheckFailure; error: (err: Error) => CheckFailure },
  ): Promise<Buffer> {
    const signal = deadline.signal;
    for (;;) {
      if (done(this.#buffer)) return this.#buffer;
      if (signal.aborted) throw deadline.abortReason();
      if (this.#error !== undefined) throw messages.error(this.#error);
      if (this.#buffer.length >= this.#limit) throw messages.full();
      if (this.#ended) throw messages.closed();
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          this.#wake = undefined;
          resolve();
        };
        this.#wake = () => {
          signal.removeEventListener('abort', onAbort);
          this.#wake = undefined;
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** Stops reading and hands back `rest` bytes (after `consumed`) to the socket for the next user. */
  detach(consumed = this.#buffer.length): void {
    this.#socket.removeListener('data', this.#onData);
    this.#socket.removeListener('end', this.#onEnd);
    this.#socket.removeListener('close', this.#onEnd);
    this.#socket.removeListener('error', this.#onError);
    this.#socket.pause();
    const rest = this.#buffer.subarray(consumed);
    if (rest.length > 0) this.#socket.unshift(rest);
  }

  #notify(): void {
    this.#wake?.();
  }
}

/** A proxy endpoint parsed from its URL; credentials stay out of `display`. */
export interface ProxyEndpoint {
  protocol: 'http' | 'socks5';
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** `http://proxy.internal:3128`, without user info, for messages. */
  display: string;
}

/** Parses a proxy URL; throws a config CheckFailure for what we cannot do. */
export function parseProxyUrl(raw: string, allowed: readonly ProxyEndpoint['protocol'][]): ProxyEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new CheckFailure('config', 'proxy url is not a valid URL', { cause: err });
  }
  const scheme = url.protocol.slice(0, -1);
  const protocol = scheme === 'socks5h' ? 'socks5' : scheme;
  const display = `${url.protocol}//${url.host}`;
  if (!allowed.includes(protocol as ProxyEndpoint['protocol'])) {
    const wanted = allowed.map((p) => `${p}://`).join(' or ');
    throw new CheckFailure('config', `proxy ${display} is not supported yet: use ${wanted}`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (protocol === 'http' ? 80 : 1080) : Number(url.port);
  return {
    protocol: protocol as ProxyEndpoint['protocol'],
    host,
    port,
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    display,
  };
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Opens an HTTP CONNECT tunnel (RFC 9110 §9.3.6) on a socket connected to the proxy.
 * `headers` go to the proxy only (Elastic `proxy_headers`).
 */
export async function httpConnectTunnel(
  socket: Socket,
  proxy: ProxyEndpoint,
  target: { host: string; port: number },
  headers: Readonly<Record<string, string>>,
  deadline: Deadline,
): Promise<void> {
  const authority = formatHostPort(target.host, target.port);
  deadline.phase = `waiting for proxy ${proxy.display} to connect to ${authority}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxy.username !== undefined) {
    const token = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64');
    lines.push(`Proxy-Authorization: Basic ${token}`);
  }
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const reader = new SocketReader(socket, 16384);
  const head = await reader.waitFor((b) => b.includes(HEADER_END), deadline, {
    closed: () =>
      new CheckFailure('io', `proxy ${proxy.display} closed the connection before answering CONNECT`),
    full: () => new CheckFailure('io', `proxy ${proxy.display} sent an oversized CONNECT response`),
    error: (err) => socketFailure(err, `proxy ${proxy.display}`),
  });
  const end = head.indexOf(HEADER_END) + HEADER_END.length;
  reader.detach(end);
  const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (match === null)
    throw new CheckFailure('io', `proxy ${proxy.display} sent a malformed CONNECT response`);
  const status = Number(match[1]);
  if (status === 407) throw new CheckFailure('io', `proxy ${proxy.display} requires authentication (407)`);
  if (status < 200 || status > 299) {
    const reason = match[2] === undefined || match[2] === '' ? '' : ` ${match[2]}`;
    throw new CheckFailure(
      'io',
      `proxy ${proxy.display} refused to connect to ${authority}: ${status}${reason}`,
    );
  }
}

const SOCKS_REPLIES: Readonly<Record<number, string>> = {
  1: 'general failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/**
 * Asks a SOCKS5 proxy (RFC 1928, user/password per RFC 1929) to connect to `target`. A host
 * name is sent as a name (the proxy resolves it); an IP literal as an address.
 */
export async function socks5Connect(
  socket: Socket,
  proxy: ProxyEndpoint,
  target: { host: string; port: number },
  deadline: Deadline,
): Promise<void> {
  const authority = formatHostPort(target.host, target.port);
  deadline.phase = `waiting for SOCKS5 proxy ${proxy.display} to connect to ${authority}`;
  const reader = new SocketReader(socket, 1024);
  let offset = 0;
  const take = async (n: number): Promise<Buffer> => {
    const buf = await reader.waitFor((b) => b.length >= offset + n, deadline, {
      closed: () =>
        new CheckFailure('io', `SOCKS5 proxy ${proxy.display} closed the connection during the handshake`),
      full: () => new CheckFailure('io', `SOCKS5 proxy ${proxy.display} sent an oversized reply`),
      error: (err) => socketFailure(err, `SOCKS5 proxy ${proxy.display}`),
    });
    const out = buf.subarray(offset, offset + n);
    offset += n;
    return out;
  };
  const withAuth = proxy.username !== undefined;
  socket.write(withAuth ? Buffer.from([5, 2, 0, 2]) : Buffer.from([5, 1, 0]));
  const choice = await take(2);
  if (choice[0] !== 5) throw new CheckFailure('io', `${proxy.display} is not a SOCKS5 proxy`);
  if (choice[1] === 2 && withAuth) {
    const user = Buffer.from(proxy.username ?? '');
    const pass = Buffer.from(proxy.password ?? '');
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const status = await take(2);
    if (status[1] !== 0)
      throw new CheckFailure('io', `SOCKS5 proxy ${proxy.display} rejected the user name or password`);
  } else if (choice[1] !== 0) {
    throw new CheckFailure(
      'io',
      `SOCKS5 proxy ${proxy.display} accepts none of our authentication methods (${withAuth ? 'none, user/password' : 'none'})`,
    );
  }
  const family = isIP(target.host);
  let address: Buffer;
  if (family === 4) address = Buffer.from([1, ...target.host.split('.').map(Number)]);
  else if (family === 6) address = Buffer.concat([Buffer.from([4]), ipv6Bytes(target.host)]);
  else {
    const name = Buffer.from(target.host);
    address = Buffer.concat([Buffer.from([3, name.length]), name]);
  }
  const port = Buffer.from([target.port >> 8, target.port & 0xff]);
  socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, port]));
  const reply = await take(4);
  if (reply[1] !== 0) {
    const why = SOCKS_REPLIES[reply[1] ?? 1] ?? `error ${reply[1]}`;
    throw new CheckFailure('io', `SOCKS5 proxy ${proxy.display} could not connect to ${authority}: ${why}`);
  }
  const atyp = reply[3];
  const rest = atyp === 1 ? 4 : atyp === 4 ? 16 : ((await take(1))[0] ?? 0);
  await take(rest + 2);
  reader.detach(offset);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = address.includes('::') ? parts(tail) : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
