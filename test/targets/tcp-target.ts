/**
 * Real TCP targets on 127.0.0.1:0: an echo server, a banner server (SMTP-like greeting), a
 * silent server (accepts and says nothing), a TLS echo server and a closed port.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

/** A running TCP target. */
export interface TcpTarget {
  port: number;
  /** `127.0.0.1:PORT`. */
  address: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<TcpTarget> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** Echoes every byte back. */
export function startEchoTarget(): Promise<TcpTarget> {
  return listen(createServer((s) => s.pipe(s)));
}

/** Sends `banner` on connect, then answers `PING` lines with `PONG`. */
export function startBannerTarget(banner = '220 synthctl test ready\r\n'): Promise<TcpTarget> {
  return listen(
    createServer((s) => {
      s.write(banner);
      s.on('data', (d: Buffer) => {
        if (d.toString().includes('PING')) s.write('PONG\r\n');
        if (d.toString().includes('QUIT')) s.end('221 bye\r\n');
      });
    }),
  );
}

/** Accepts and never says anything. */
export function startSilentTarget(): Promise<TcpTarget> {
  return listen(createServer(() => undefined));
}

/** Echo over TLS. */
export function startTlsEchoTarget(options: TlsOptions): Promise<TcpTarget> {
  const server = createTlsServer(options, (s) => s.pipe(s));
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

/** A port that was just listened on and closed: connecting is refused. */
export async function closedPort(): Promise<number> {
  const t = await listen(createServer());
  await t.close();
  return t.port;
}
