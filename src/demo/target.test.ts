import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { DEMO_API_KEY, startDemoTarget } from './target.js';

test('demo target serves the example endpoints on loopback', async (t) => {
  const now = new Date('2026-11-26T10:00:00Z');
  const target = await startDemoTarget({
    httpPort: 0,
    httpsPort: 0,
    tcpPort: 0,
    certificateDaysLeft: 5,
    now: () => now,
  });
  t.after(() => target.close());

  const health = await fetch(`${target.httpUrl}/health`, { headers: { 'x-api-key': DEMO_API_KEY } });
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');

  const unauthorized = await fetch(`${target.httpUrl}/health`);
  assert.equal(unauthorized.status, 401);
  await unauthorized.body?.cancel();

  const flaky = [];
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${target.httpUrl}/flaky`);
    flaky.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(flaky, [503, 200, 503, 200]);

  const degraded = await fetch(`${target.httpUrl}/degraded`);
  assert.equal(((await degraded.json()) as { status: string }).status, 'degraded');

  // HTTPS verifies against the demo CA and the leaf expires in the requested days.
  const dispatcher = new Agent({ connect: { ca: target.caPem } });
  t.after(() => dispatcher.close());
  const res = await request(`${target.httpsUrl}/api/orders`, { dispatcher });
  assert.equal(res.statusCode, 200);
  const orders = (await res.body.json()) as { count: number };
  assert.equal(orders.count, 2);

  const peer = await new Promise<X509Certificate>((resolve, reject) => {
    const url = new URL(target.httpsUrl);
    import('node:tls')
      .then(({ connect: tlsConnect }) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port: Number(url.port), servername: 'localhost', ca: target.caPem },
          () => {
            const cert = socket.getPeerX509Certificate();
            socket.end();
            if (cert) resolve(cert);
            else reject(new Error('no peer certificate'));
          },
        );
        socket.on('error', reject);
      })
      .catch(reject);
  });
  const daysLeft = (new Date(peer.validTo).getTime() - now.getTime()) / 86_400_000;
  assert.ok(Math.abs(daysLeft - 5) < 0.01, `days left ${daysLeft}`);
  assert.match(peer.subjectAltName ?? '', /DNS:localhost/);
});

test('demo TCP service answers PING after its banner', async (t) => {
  const target = await startDemoTarget({ httpPort: 0, httpsPort: 0, tcpPort: 0 });
  t.after(() => target.close());
  const [host, port] = target.tcpAddress.split(':') as [string, string];
  const transcript = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('+OK') && !data.includes('PONG')) socket.write('PING\r\nQUIT\r\n');
    });
    socket.on('end', () => {
      resolve(data);
    });
    socket.on('error', reject);
  });
  assert.match(transcript, /^\+OK synthctl-demo ready\r\n\+PONG\r\n\+BYE\r\n$/);
});
