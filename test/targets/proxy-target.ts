/**
 * Real proxies on 127.0.0.1:0: an HTTP proxy (CONNECT tunnels and absolute-form requests,
 * optional basic auth) and a SOCKS5 proxy (RFC 1928, no-auth or RFC 1929 user/password).
 * Both record what they were asked, so tests can prove traffic went through them.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface ProxyTarget {
  port: number;
  url: string;
  /** `CONNECT host:port`, `GET http://...`, `SOCKS5 host:port`. */
  log: string[];
  /** Headers of the last CONNECT or forwarded request. */
  lastHeaders: Record<string, string | string[] | undefined>;
  close(): Promise<void>;
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  return sockets;
}

async function finish(
  server: Server,
  scheme: string,
  log: string[],
  sockets: Set<Socket>,
  state: { lastHeaders: ProxyTarget['lastHeaders'] },
  extra: Socket[],
): Promise<ProxyTarget> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    log,
    get lastHeaders() {
      return state.lastHeaders;
    },
    close: async () => {
      for (const s of [...sockets, ...extra]) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** An HTTP proxy; with `auth` ("user:pass") it answers 407 to requests without it. */
export async function startHttpProxy(auth?: string): Promise<ProxyTarget> {
  const log: string[] = [];
  const upstream: Socket[] = [];
  const state: { lastHeaders: ProxyTarget['lastHeaders'] } = { lastHeaders: {} };
  const authorized = (req: IncomingMessage) =>
    auth === undefined ||
    req.headers['proxy-authorization'] === `Basic ${Buffer.from(auth).toString('base64')}`;
  const server = createHttpServer((req, res) => {
    log.push(`${req.method ?? ''} ${req.url ?? ''}`);
    state.lastHeaders = req.headers;
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end();
      return;
    }
    const url = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const out = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url ?? ''}`);
    state.lastHeaders = req.headers;
    client.on('error', () => undefined);
    if (!authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host = '', port = ''] = (req.url ?? '').split(/:(?=\d+$)/);
    if (port === '1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const target = connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    upstream.push(target);
    target.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  const sockets = track(server);
  return finish(server, 'http', log, sockets, state, upstream);
}

/** A SOCKS5 proxy; `names` maps host names it is asked for to addresses. */
export async function startSocks5Proxy(
  options: { auth?: string; names?: Record<string, string> } = {},
): Promise<ProxyTarget> {
  const log: string[] = [];
  const upstream: Socket[] = [];
  const server = createServer((client) => {
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';
    client.on('data', (d: Buffer) => {
      if (stage === 'done') return;
      buf = Buffer.concat([buf, d]);
      if (stage === 'greeting' && buf.length >= 2 && buf.length >= 2 + (buf[1] ?? 0)) {
        const methods = [...buf.subarray(2, 2 + (buf[1] ?? 0))];
        buf = buf.subarray(2 + (buf[1] ?? 0));
        const want = options.auth === undefined ? 0 : 2;
        if (!methods.includes(want)) {
          client.end(Buffer.from([5, 0xff]));
          stage = 'done';
          return;
        }
        client.write(Buffer.from([5, want]));
        stage = want === 2 ? 'auth' : 'request';
      }
      if (stage === 'auth' && buf.length >= 2) {
        const ulen = buf[1] ?? 0;
        if (buf.length < 3 + ulen) return;
        const plen = buf[2 + ulen] ?? 0;
        if (buf.length < 3 + ulen + plen) return;
        const user = buf.subarray(2, 2 + ulen).toString();
        const pass = buf.subarray(3 + ulen, 3 + ulen + plen).toString();
        buf = buf.subarray(3 + ulen + plen);
        const ok = `${user}:${pass}` === options.auth;
        client.write(Buffer.from([1, ok ? 0 : 1]));
        if (!ok) {
          client.end();
          stage = 'done';
          return;
        }
        stage = 'request';
      }
      if (stage === 'request' && buf.length >= 5) {
        const atyp = buf[3];
        let host: string;
        let end: number;
        if (atyp === 1) {
          end = 4 + 4;
          host = [...buf.subarray(4, 8)].join('.');
        } else if (atyp === 3) {
          end = 5 + (buf[4] ?? 0);
          host = buf.subarray(5, end).toString();
        } else {
          end = 4 + 16;
          const b = buf.subarray(4, 20);
          host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
        }
        if (buf.length < end + 2) return;
        const port = buf.readUInt16BE(end);
        stage = 'done';
        log.push(`SOCKS5 ${host}:${port}`);
        const target = connect(port, options.names?.[host] ?? host, () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          const rest = buf.subarray(end + 2);
          if (rest.length > 0) target.write(rest);
          target.pipe(client);
          client.pipe(target);
        });
        upstream.push(target);
        target.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
      }
    });
  });
  const sockets = track(server);
  return finish(server, 'socks5', log, sockets, { lastHeaders: {} }, upstream);
}
