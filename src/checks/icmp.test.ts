import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IcmpCheck } from './icmp.js';
import {
  BatchingPinger,
  FpingPinger,
  IputilsPinger,
  MissingPinger,
  createSystemPinger,
  findExecutable,
  type MultiPinger,
  type Pinger,
} from './pinger.js';
import { EnvSecretResolver } from './secrets.js';
import { StaticResolver } from './resolver.js';
import { runnable } from '../../test/targets/monitor.js';
import type { IcmpSpec } from '../model/schema.js';

const resolver = new StaticResolver({ localhost: ['127.0.0.1', '::1'], 'v6.test': ['::1'] });
const secrets = new EnvSecretResolver({});
const signal = new AbortController().signal;
const fping = findExecutable('fping', process.env.PATH);
const ping = findExecutable('ping', process.env.PATH);
const setpriv = findExecutable('setpriv', process.env.PATH);
const runWith = (pinger: Pinger, spec: IcmpSpec, timeoutMs = 3000) =>
  new IcmpCheck({ pinger, resolver, secrets }).run(runnable({ icmp: spec }, timeoutMs), signal);

describe(
  'icmp check with fping',
  { skip: fping === undefined ? 'skip: fping is not installed' : false },
  () => {
    const pinger = new FpingPinger([fping ?? 'fping']);

    test('one echo to 127.0.0.1', async () => {
      const out = await runWith(pinger, { host: '127.0.0.1' });
      assert.equal(out.error, undefined);
      assert.equal(out.up, true);
      assert.equal(out.ip, '127.0.0.1');
      assert.equal(out.icmp?.sent, 1);
      assert.equal(out.icmp?.received, 1);
      assert.equal(out.icmp?.loss, 0);
      assert.ok((out.icmp?.rttMinMs ?? -1) >= 0);
    });

    test('count and wait: rtt min <= avg <= max', async () => {
      const out = await runWith(pinger, { host: 'localhost', count: 5, wait: '20ms', ipv6: false });
      assert.equal(out.error, undefined);
      const i = out.icmp;
      assert.equal(i?.sent, 5);
      assert.equal(i?.received, 5);
      assert.ok(
        i !== undefined && (i.rttMinMs ?? 0) <= (i.rttAvgMs ?? 0) && (i.rttAvgMs ?? 0) <= (i.rttMaxMs ?? 0),
      );
    });

    test('IPv6 loopback, and mode all pings every address', async () => {
      const v6 = await runWith(pinger, { host: 'v6.test', count: 2, wait: '10ms' });
      assert.equal(v6.error, undefined);
      assert.equal(v6.ip, '::1');
      assert.equal(v6.icmp?.sent, 2);
      assert.equal(v6.icmp?.received, 2);
      assert.ok((v6.icmp?.rttMinMs ?? 0) > 0, 'real round trips, not parse artefacts');
      const all = await runWith(pinger, { host: 'localhost', mode: 'all' });
      assert.equal(all.up, true);
      assert.deepEqual(
        all.addresses?.map((a) => a.ip),
        ['127.0.0.1', '::1'],
      );
    });

    test('concurrent checks share one fping process; one caller giving up does not stop the others', async () => {
      const runs: string[][] = [];
      const counting: MultiPinger = {
        name: 'fping',
        ping: (r) => pinger.ping(r),
        pingMany: (r) => {
          runs.push(r.addresses);
          return pinger.pingMany(r);
        },
      };
      const batching = new BatchingPinger(counting, { windowMs: 20 });
      const quitter = new AbortController();
      const check = new IcmpCheck({ pinger: batching, resolver, secrets });
      const monitors = Array.from({ length: 12 }, (_, i) =>
        runnable({ icmp: { host: i % 2 === 0 ? '127.0.0.1' : 'v6.test', count: 2, wait: '50ms' } }, 3000),
      );
      const pending = monitors.map((m) => check.run(m, signal));
      const gaveUp = check.run(
        runnable({ icmp: { host: '127.0.0.1', count: 2, wait: '50ms' } }, 3000),
        quitter.signal,
      );
      const gaveUpChecked = assert.rejects(gaveUp, /stopped/);
      quitter.abort(new Error('stopped'));
      const outs = await Promise.all(pending);
      await gaveUpChecked;
      assert.ok(
        outs.every((o) => o.up && o.icmp?.received === 2),
        JSON.stringify(outs.map((o) => o.error)),
      );
      assert.equal(runs.length, 1, 'one process for the whole batch');
      assert.deepEqual([...new Set(runs[0])].sort(), ['127.0.0.1', '::1']);
    });

    test(
      'without CAP_NET_RAW: a config error that says what to add',
      { skip: setpriv === undefined ? 'skip: setpriv is not installed' : false },
      async () => {
        // The kernel refuses to exec a file-capability binary whose capability is outside the
        // bounding set, exactly what a container without NET_RAW does.
        const dropped = new FpingPinger([
          setpriv ?? 'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--bounding-set=-net_raw',
          fping ?? 'fping',
        ]);
        const out = await runWith(dropped, { host: '127.0.0.1' });
        assert.equal(out.error?.type, 'config');
        assert.match(
          out.error.message,
          /^operation not permitted: fping cannot send ICMP; either let the pod use unprivileged ICMP sockets \(pod securityContext\.sysctls: net\.ipv4\.ping_group_range = "0 2147483647".* or add NET_RAW to the container's capabilities with allowPrivilegeEscalation: true/,
        );
      },
    );
  },
);

describe(
  'icmp check with iputils ping',
  { skip: ping === undefined ? 'skip: ping is not installed' : false },
  () => {
    test('count 2 to 127.0.0.1', async () => {
      const out = await runWith(new IputilsPinger([ping ?? 'ping']), {
        host: '127.0.0.1',
        count: 2,
        wait: '200ms',
      });
      assert.equal(out.error, undefined);
      assert.equal(out.icmp?.sent, 2);
      assert.equal(out.icmp?.received, 2);
    });

    test(
      'without CAP_NET_RAW',
      { skip: setpriv === undefined ? 'skip: setpriv is not installed' : false },
      async () => {
        const dropped = new IputilsPinger([
          setpriv ?? 'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--bounding-set=-net_raw',
          ping ?? 'ping',
        ]);
        const out = await runWith(dropped, { host: '127.0.0.1' });
        assert.match(
          out.error?.message ?? '',
          /^operation not permitted: ping cannot send ICMP; either .*ping_group_range.* or add NET_RAW/,
        );
      },
    );
  },
);

describe('icmp check, missing binaries and lost replies', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthctl-icmp-'));
    // A stand-in for fping that reports every request lost, as fping -C does for a silent host.
    await writeFile(join(dir, 'fping'), '#!/bin/sh\necho "$(eval echo \\${$#}) : - - -" >&2\nexit 1\n');
    await chmod(join(dir, 'fping'), 0o755);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('neither fping nor ping on PATH', async () => {
    const pinger = createSystemPinger(dir + '-empty');
    assert.ok(pinger instanceof MissingPinger);
    assert.deepEqual((await runWith(pinger, { host: '127.0.0.1' })).error, {
      type: 'config',
      message: 'neither fping nor ping is installed: install the fping or iputils-ping package',
    });
  });

  test('a configured binary that does not exist', async () => {
    assert.deepEqual((await runWith(new FpingPinger(['/nonexistent/fping']), { host: '127.0.0.1' })).error, {
      type: 'config',
      message: 'fping is not installed (install the fping or iputils-ping package)',
    });
  });

  test('all requests lost is down with loss 1', async () => {
    const pinger = createSystemPinger(dir);
    const out = await runWith(pinger, { host: '127.0.0.1', count: 3 });
    assert.equal(out.up, false);
    assert.deepEqual(out.icmp, { sent: 3, received: 0, loss: 1 });
    assert.deepEqual(out.error, {
      type: 'io',
      message: 'no echo reply from 127.0.0.1 (3 of 3 requests lost)',
    });
  });

  test('DNS failure and bad wait', async () => {
    assert.equal((await runWith(new MissingPinger(), { host: 'nowhere.test' })).error?.type, 'dns');
    assert.equal(
      (await runWith(new MissingPinger(), { host: '127.0.0.1', wait: 'soon' })).error?.type,
      'config',
    );
  });
});
