/**
 * A small web site on loopback for the journey tests, the Elastic oracle and the benchmark:
 * a sign-in form with a session cookie, a dashboard, a slow resource, a page that throws, a
 * page that reports whether it saw a cookie before, and a page that never finishes loading.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running site. */
export interface TestSite {
  url: string;
  /** Requests served, by path (tests assert on what the browser fetched). */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const LOGIN = page(
  'Sign in',
  `<h1>Sign in</h1>
<form method="post" action="/login">
  <label>User <input id="user" name="user"></label>
  <label>Password <input id="password" name="password" type="password"></label>
  <button id="submit" type="submit">Sign in</button>
</form>`,
);

async function readBody(req: IncomingMessage, limit = 65536): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > limit) break;
  }
  return body;
}

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== undefined && k !== '') out[k] = v.join('=');
  }
  return out;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  hits: Map<string, number>,
  pending: Set<ServerResponse>,
) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
  const html = (status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
  switch (`${req.method ?? 'GET'} ${url.pathname}`) {
    case 'GET /': {
      html(200, page('Home', '<h1 id="title">Test site</h1><a id="to-login" href="/login">Sign in</a>'));
      return;
    }
    case 'GET /favicon.ico':
      res.writeHead(204);
      res.end();
      return;
    case 'GET /login': {
      html(200, LOGIN);
      return;
    }
    case 'POST /login': {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('user') === 'demo' && form.get('password') === 'demo') {
        res.writeHead(303, { location: '/dashboard', 'set-cookie': 'session=demo; Path=/; HttpOnly' });
        return res.end();
      }
      html(401, page('Sign in', '<h1>Sign in</h1><p id="error">Wrong user or password</p>'));
      return;
    }
    case 'GET /dashboard':
      if (cookies(req).session !== 'demo') {
        res.writeHead(303, { location: '/login' });
        return res.end();
      }
      {
        html(200, page('Dashboard', '<h1 id="welcome">Welcome, demo</h1>'));
        return;
      }
    case 'GET /slow': {
      const ms = Math.min(10_000, Number(url.searchParams.get('ms') ?? '500'));
      html(200, page('Slow', `<h1 id="slow">Slow</h1><script src="/slow-resource.js?ms=${ms}"></script>`));
      return;
    }
    case 'GET /slow-resource.js': {
      const ms = Math.min(10_000, Number(url.searchParams.get('ms') ?? '500'));
      const timer = setTimeout(() => {
        pending.delete(res);
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end('document.body.dataset.loaded = "yes";');
      }, ms);
      pending.add(res);
      res.on('close', () => {
        clearTimeout(timer);
        pending.delete(res);
      });
      return;
    }
    case 'GET /js-error': {
      html(
        200,
        page(
          'Broken',
          '<h1 id="broken">Broken</h1><script>console.error("something is off"); throw new Error("boom from the page");</script>',
        ),
      );
      return;
    }
    case 'GET /cookie': {
      const seen = cookies(req).visited === 'yes';
      html(200, page('Cookie', `<p id="seen">${seen ? 'seen before' : 'first visit'}</p>`), {
        'set-cookie': 'visited=yes; Path=/',
      });
      return;
    }
    case 'GET /hang':
      // Never answers; closed with the server.
      pending.add(res);
      res.on('close', () => pending.delete(res));
      return;
    default: {
      html(404, page('Not found', '<h1>Not found</h1>'));
      return;
    }
  }
}

/** Starts the site on 127.0.0.1 and a free port. */
export async function startTestSite(): Promise<TestSite> {
  const hits = new Map<string, number>();
  const pending = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    handle(req, res, hits, pending).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of pending) res.destroy();
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
