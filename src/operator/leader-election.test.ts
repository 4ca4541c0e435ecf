import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeKubeApiServer, kubeConfigFor } from '../../test/fakes/kube-apiserver/index.js';
import { ClientNodeKubeClient, KubeApiError, type LeaseApi } from './kube-client.js';
import { LeaderElector } from './leader-election.js';
import { silentOperatorLogger } from './logger.js';

// Short timings with client-go's proportions (15 s / 10 s / 2 s scaled down).
const TIMING = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A LeaseApi that can be cut off, as a network partition from the API server. */
function breakable(api: LeaseApi): LeaseApi & { broken: boolean } {
  const fail = (): KubeApiError => new KubeApiError(0, 'NetworkError', 'partitioned');
  const wrapper = {
    broken: false,
    read: (...a: Parameters<LeaseApi['read']>) => (wrapper.broken ? Promise.reject(fail()) : api.read(...a)),
    create: (...a: Parameters<LeaseApi['create']>) =>
      wrapper.broken ? Promise.reject(fail()) : api.create(...a),
    replace: (...a: Parameters<LeaseApi['replace']>) =>
      wrapper.broken ? Promise.reject(fail()) : api.replace(...a),
  };
  return wrapper;
}

describe('LeaderElector against the fake API server', () => {
  const server = new FakeKubeApiServer({ crdDir: false });
  let leases: LeaseApi;
  before(async () => {
    leases = new ClientNodeKubeClient(kubeConfigFor(await server.start())).leases;
  });
  after(() => server.stop());

  function candidate(identity: string, api: LeaseApi, log: string[]) {
    const signals: AbortSignal[] = [];
    const elector = new LeaderElector({
      namespace: 'default',
      name: 'synthctl-operator',
      identity,
      leases: api,
      logger: silentOperatorLogger(),
      ...TIMING,
      onStartedLeading: (signal) => {
        log.push(`${identity} leads`);
        signals.push(signal);
        signal.addEventListener('abort', () => log.push(`${identity} stops`));
      },
    });
    const controller = new AbortController();
    const done = elector.run(controller.signal);
    return {
      elector,
      signals,
      stop: () => {
        controller.abort();
      },
      done,
    };
  }

  test('one of two candidates leads; when it stops renewing it stops at once, and the other takes over only after the lease expires', async () => {
    const log: string[] = [];
    const aApi = breakable(leases);
    const a = candidate('a', aApi, log);
    await until('a leads', () => a.elector.isLeader);
    const b = candidate('b', leases, log);
    await new Promise((r) => setTimeout(r, TIMING.leaseDurationMs * 1.5));
    assert.equal(b.elector.isLeader, false, 'b waits while a renews');
    assert.equal(b.elector.leader, 'a');
    const lease = server.get('coordination.k8s.io/v1', 'Lease', 'synthctl-operator', 'default') as {
      spec: Record<string, unknown>;
    };
    assert.equal(lease.spec['holderIdentity'], 'a');
    assert.equal(lease.spec['leaseDurationSeconds'], 2);

    const brokenAt = Date.now();
    aApi.broken = true;
    assert.equal(await a.done, 'lost');
    const lostAfter = Date.now() - brokenAt;
    assert.ok(
      lostAfter <= TIMING.renewDeadlineMs + 2 * TIMING.retryPeriodMs,
      `a stopped within the renew deadline (${lostAfter} ms)`,
    );
    assert.equal(a.signals[0]?.aborted, true);
    await until('b leads', () => b.elector.isLeader, 5000);
    assert.deepEqual(log, ['a leads', 'a stops', 'b leads'], 'never two leaders');
    const after = server.get('coordination.k8s.io/v1', 'Lease', 'synthctl-operator', 'default') as {
      spec: Record<string, unknown>;
    };
    assert.equal(after.spec['holderIdentity'], 'b');
    assert.equal(after.spec['leaseTransitions'], 1);

    // Shutdown releases the lease: a newcomer acquires without waiting for expiry.
    b.stop();
    assert.equal(await b.done, 'released');
    const released = server.get('coordination.k8s.io/v1', 'Lease', 'synthctl-operator', 'default') as {
      spec: Record<string, unknown>;
    };
    assert.equal(released.spec['holderIdentity'], '');
    const started = Date.now();
    const c = candidate('c', leases, log);
    await until('c leads', () => c.elector.isLeader);
    assert.ok(Date.now() - started < TIMING.leaseDurationMs, 'no wait for expiry after a release');
    c.stop();
    assert.equal(await c.done, 'released');
  });

  test('a 409 on renewal (another writer) is retried within the deadline, not a loss', async () => {
    const log: string[] = [];
    const name = 'conflicts';
    const elector = new LeaderElector({
      namespace: 'default',
      name,
      identity: 'solo',
      leases,
      logger: silentOperatorLogger(),
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 200,
      onStartedLeading: () => log.push('leads'),
    });
    const controller = new AbortController();
    const done = elector.run(controller.signal);
    await until('leads', () => elector.isLeader);
    server.faults.conflictOnNextWrites = 2;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(elector.isLeader, true);
    controller.abort();
    assert.equal(await done, 'released');
    assert.deepEqual(log, ['leads']);
  });

  test('on shutdown the lease is released only after beforeRelease (the workers draining) resolves', async () => {
    const log: string[] = [];
    const elector = new LeaderElector({
      namespace: 'default',
      name: 'drain-first',
      identity: 'd',
      leases,
      logger: silentOperatorLogger(),
      ...TIMING,
      onStartedLeading: (signal) => {
        signal.addEventListener('abort', () => log.push('workers stop'));
      },
      beforeRelease: async () => {
        await new Promise((r) => setTimeout(r, 100));
        const lease = server.get('coordination.k8s.io/v1', 'Lease', 'drain-first', 'default') as {
          spec: { holderIdentity: string };
        };
        log.push(`drained while held by ${lease.spec.holderIdentity}`);
      },
      onStoppedLeading: (reason) => log.push(reason),
    });
    const controller = new AbortController();
    const done = elector.run(controller.signal);
    await until('leads', () => elector.isLeader);
    controller.abort();
    assert.equal(await done, 'released');
    assert.deepEqual(log, ['workers stop', 'drained while held by d', 'released']);
  });

  test("timings must keep client-go's order", () => {
    assert.throws(
      () =>
        new LeaderElector({
          namespace: 'd',
          name: 'n',
          identity: 'i',
          leases,
          logger: silentOperatorLogger(),
          leaseDurationMs: 1000,
          renewDeadlineMs: 2000,
          onStartedLeading: () => undefined,
        }),
      RangeError,
    );
  });
});
