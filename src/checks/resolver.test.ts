import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemResolver, StaticResolver, resolveAddresses, type AddressResolver } from './resolver.js';
import { CheckFailure } from './errors.js';
import { Deadline } from './deadline.js';
import { formatDuration, parseDuration, formatBytes } from './duration.js';

const signal = new AbortController().signal;

test('the system resolver finds localhost (from /etc/hosts, no network)', async () => {
  const found = await new SystemResolver().lookup('localhost', signal);
  assert.ok(
    found.some((a) => a.address === '127.0.0.1' || a.address === '::1'),
    JSON.stringify(found),
  );
});

test('ipv4/ipv6/mode select addresses; IP literals skip resolution', async () => {
  const r = new StaticResolver({ dual: ['::1', '127.0.0.1'] });
  assert.deepEqual(await resolveAddresses(r, 'dual', {}, signal), [{ address: '::1', family: 6 }]);
  assert.deepEqual(await resolveAddresses(r, 'dual', { ipv6: false }, signal), [
    { address: '127.0.0.1', family: 4 },
  ]);
  assert.equal((await resolveAddresses(r, 'dual', { mode: 'all' }, signal)).length, 2);
  assert.deepEqual(await resolveAddresses(r, '10.1.2.3', {}, signal), [{ address: '10.1.2.3', family: 4 }]);
  await assert.rejects(resolveAddresses(r, '::1', { ipv6: false }, signal), { type: 'config' });
  await assert.rejects(resolveAddresses(r, 'dual', { ipv4: false, ipv6: false }, signal), {
    message: 'ipv4 and ipv6 are both false: no address can be used',
  });
});

test('a resolver that hangs is cut by the deadline with the phase', async () => {
  const hanging: AddressResolver = {
    lookup: (_host, s) =>
      new Promise((_, reject) => {
        s.addEventListener('abort', () => {
          reject(s.reason as Error);
        });
      }),
  };
  const deadline = new Deadline(100, signal);
  deadline.phase = 'resolving slow.test';
  try {
    await assert.rejects(resolveAddresses(hanging, 'slow.test', {}, deadline.signal), (err: unknown) => {
      assert.ok(err instanceof CheckFailure);
      assert.equal(err.message, 'timed out after 100ms resolving slow.test');
      return true;
    });
  } finally {
    deadline.dispose();
  }
});

test('a caller timeout (TimeoutError) is a timeout; any other abort is a cancel', () => {
  const parent = new AbortController();
  const d = new Deadline(10_000, parent.signal);
  parent.abort(new DOMException('timed out', 'TimeoutError'));
  assert.equal(d.timedOut, true);
  assert.equal(d.cancelled, false);
  d.dispose();
  const other = new AbortController();
  const c = new Deadline(10_000, other.signal);
  other.abort(new Error('stopped'));
  assert.equal(c.cancelled, true);
  c.dispose();
});

test('durations and sizes', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('1s2'), undefined);
  assert.equal(formatDuration(2000), '2s');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(300), '300ms');
  assert.equal(formatBytes(10 * 1024 * 1024), '10 MiB');
  assert.equal(formatBytes(1000), '1000 bytes');
});
