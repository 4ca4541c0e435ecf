import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { FakeKubeApiServer, kubeConfigFor } from '../../test/fakes/kube-apiserver/index.js';
import { monitorManifest } from '../../test/contract/kube-scenarios.js';
import { SupervisedInformer, type InformerEvent } from './informer.js';
import { customObjectInformer, MONITORS, type KubeObject } from './kube-client.js';
import { silentOperatorLogger } from './logger.js';

type Obj = KubeObject & KubernetesObject;

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SupervisedInformer against the fake API server', () => {
  const server = new FakeKubeApiServer();
  let url = '';
  before(async () => {
    url = await server.start();
  });
  after(() => server.stop());

  function startInformer(namespace: string, options: { watchdogMs?: number; resyncMs?: number } = {}) {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const kc = kubeConfigFor(url);
    const { factory, list } = customObjectInformer(kc, MONITORS, { namespace });
    const informer = new SupervisedInformer<Obj>({
      name: namespace,
      factory,
      list,
      logger: silentOperatorLogger(),
      restartBaseMs: 20,
      restartMaxMs: 100,
      watchdogMs: options.watchdogMs ?? 0,
      resyncMs: options.resyncMs ?? 0,
    });
    const events: InformerEvent<Obj>[] = [];
    informer.onEvent((e) => events.push(e));
    const controller = new AbortController();
    informer.start(controller.signal);
    return {
      informer,
      events,
      stop: () => {
        controller.abort();
      },
    };
  }

  const names = (events: InformerEvent<Obj>[]) => events.map((e) => `${e.type} ${e.key}`);

  test('a dropped watch (socket reset) restarts the informer with backoff; changes made meanwhile arrive', async () => {
    const { informer, events, stop } = startInformer('drop');
    try {
      assert.equal(await informer.waitForSync(AbortSignal.timeout(5000)), true);
      await until('watch open', () => server.openWatches > 0);
      server.create(monitorManifest('a', 'drop'));
      await until('add a', () => names(events).includes('add drop/a'));
      server.dropWatches();
      server.create(monitorManifest('b', 'drop'));
      server.delete('synthctl.dev/v1alpha1', 'SyntheticMonitor', 'a', 'drop');
      await until(
        'b added and a deleted after restart',
        () => names(events).includes('add drop/b') && names(events).includes('delete drop/a'),
      );
      assert.ok(informer.restarts >= 1);
      assert.deepEqual(informer.keys(), ['drop/b']);
    } finally {
      stop();
    }
  });

  test('a forced 410 on the re-watch re-lists, and objects gone meanwhile are deleted', async () => {
    const { informer, events, stop } = startInformer('gone');
    try {
      await informer.waitForSync(AbortSignal.timeout(5000));
      server.create(monitorManifest('x', 'gone'));
      server.create(monitorManifest('y', 'gone'));
      await until('both added', () => informer.keys().length === 2);
      server.faults.goneOnNextWatches = 1;
      server.faults.latencyMs = 150; // the re-watch arrives after the delete below
      server.closeWatches(); // a clean end, as the server's watch timeout
      server.delete('synthctl.dev/v1alpha1', 'SyntheticMonitor', 'x', 'gone');
      await until('x deleted by the re-list', () => names(events).includes('delete gone/x'), 8000);
      server.faults.latencyMs = 0;
      assert.deepEqual(informer.keys(), ['gone/y']);
      assert.equal(server.faults.goneOnNextWatches, 0, 'the 410 was served');
    } finally {
      server.faults.latencyMs = 0;
      stop();
    }
  });

  test('a silently stalled watch is re-listed by the watchdog', async () => {
    // A watchdog far longer than the 100 ms look below, so a loaded machine cannot re-list early.
    // Watches of earlier tests may still be open: wait for this informer's own.
    const watchesBefore = server.openWatches;
    const { informer, events, stop } = startInformer('stall', { watchdogMs: 2000 });
    try {
      await informer.waitForSync(AbortSignal.timeout(5000));
      await until('watch open', () => server.openWatches > watchesBefore);
      server.stallWatches();
      server.create(monitorManifest('late', 'stall'));
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!names(events).includes('add stall/late'), 'the stalled watch delivers nothing');
      await until('watchdog re-list', () => names(events).includes('add stall/late'), 15000);
      assert.ok(informer.restarts >= 1);
    } finally {
      server.resumeWatches();
      stop();
    }
  });

  test('periodic resync hands every key; cache reads are deep copies; stop does not revive it', async () => {
    const { informer, stop } = startInformer('resync', { resyncMs: 100 });
    server.create(monitorManifest('r1', 'resync'));
    await informer.waitForSync(AbortSignal.timeout(5000));
    await until('r1 cached', () => informer.get('resync/r1') !== undefined);
    const resynced: string[][] = [];
    informer.onResync((keys) => resynced.push(keys));
    await until('a resync', () => resynced.length > 0);
    assert.deepEqual(resynced[0], ['resync/r1']);
    const copy = informer.get('resync/r1')!;
    copy.metadata.labels = { mutated: 'yes' };
    assert.equal(informer.get('resync/r1')!.metadata.labels?.['mutated'], undefined);
    const before = informer.restarts;
    stop();
    await informer.stop();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(
      informer.restarts,
      before,
      'stop() fires error in client-node; the supervisor must not restart',
    );
  });
});
