import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FakeKubeApiServer, kubeConfigFor } from '../../test/fakes/kube-apiserver/index.js';
import { monitorManifest } from '../../test/contract/kube-scenarios.js';
import {
  ClientNodeKubeClient,
  FINALIZER,
  KubeApiError,
  keepAliveAgent,
  MONITORS,
  statusMergePatch,
  type KubeObject,
} from './kube-client.js';
import { createOperatorLogger } from './logger.js';

const signal = AbortSignal.timeout(20_000);

describe('ClientNodeKubeClient against the fake API server', () => {
  const server = new FakeKubeApiServer();
  let client: ClientNodeKubeClient;
  before(async () => {
    client = new ClientNodeKubeClient(kubeConfigFor(await server.start()), {
      now: () => Date.UTC(2026, 0, 1),
    });
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kc' } });
  });
  after(() => server.stop());

  test('status is merge-patched with an explicit content type, and a no-op write is skipped', async () => {
    server.create(monitorManifest('s', 'kc'));
    const object = (await client.get(MONITORS, 'kc', 's', signal))!;
    const status = {
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Synced',
          message: 'ok',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const written = await client.patchStatus(MONITORS, object, status, signal);
    assert.ok(written !== undefined);
    const patches = server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/s/status'));
    assert.equal(patches.length, 1);
    assert.equal(patches[0]!.contentType, 'application/merge-patch+json');
    assert.equal(
      await client.patchStatus(MONITORS, written, structuredClone(status), signal),
      undefined,
      'same status: no request',
    );
    assert.equal(
      server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/s/status')).length,
      1,
    );
    // A field dropped from the desired status is removed (merge patch null).
    const trimmed = await client.patchStatus(MONITORS, written, { conditions: status.conditions }, signal);
    assert.equal(trimmed?.status?.['observedGeneration'], undefined);
  });

  test('a field dropped inside a nested status object is removed too, so the write is not repeated', async () => {
    server.create(monitorManifest('nested', 'kc'));
    const object = (await client.get(MONITORS, 'kc', 'nested', signal))!;
    const kibana = { journeyId: 'kc-nested', hash: 'h1', configId: 'c1' };
    const first = (await client.patchStatus(MONITORS, object, { observedGeneration: 1, kibana }, signal))!;
    const withoutHash = { observedGeneration: 1, kibana: { journeyId: 'kc-nested', configId: 'c1' } };
    const second = await client.patchStatus(MONITORS, first, withoutHash, signal);
    assert.deepEqual(second?.status?.['kibana'], { journeyId: 'kc-nested', configId: 'c1' });
    const stored = (await client.get(MONITORS, 'kc', 'nested', signal))!;
    assert.equal(await client.patchStatus(MONITORS, stored, withoutHash, signal), undefined, 'now a no-op');
  });

  test('statusMergePatch nulls dropped fields at every depth and replaces lists whole', () => {
    assert.deepEqual(
      statusMergePatch(
        { a: 1, kibana: { hash: 'h', id: 'x', deep: { k: 1 } }, conditions: [{ type: 'A' }, { type: 'B' }] },
        { kibana: { id: 'y', deep: {} }, conditions: [{ type: 'A' }] },
      ),
      { a: null, kibana: { id: 'y', hash: null, deep: { k: null } }, conditions: [{ type: 'A' }] },
    );
  });

  test('finalizers are added and removed with a resourceVersion precondition; a stale object gets 409', async () => {
    server.create(monitorManifest('f', 'kc'));
    const object = (await client.get(MONITORS, 'kc', 'f', signal))!;
    const withFinalizer = await client.addFinalizer(MONITORS, object, FINALIZER, signal);
    assert.deepEqual(withFinalizer.metadata.finalizers, [FINALIZER]);
    assert.equal(
      await client.addFinalizer(MONITORS, withFinalizer, FINALIZER, signal),
      withFinalizer,
      'present: no write',
    );
    await assert.rejects(
      client
        .removeFinalizer(MONITORS, object, 'other/x', signal)
        .then(() => client.addFinalizer(MONITORS, object, 'other/x', signal)),
      (e: unknown) => e instanceof KubeApiError && e.isConflict && e.isTransient,
    );
    server.delete('synthctl.dev/v1alpha1', 'SyntheticMonitor', 'f', 'kc');
    const deleting = (await client.get(MONITORS, 'kc', 'f', signal))!;
    assert.ok(deleting.metadata.deletionTimestamp !== undefined);
    assert.equal(
      await client
        .removeFinalizer(MONITORS, deleting, FINALIZER, signal)
        .then((o) => o?.metadata.deletionTimestamp !== undefined),
      true,
    );
    assert.equal(
      await client.get(MONITORS, 'kc', 'f', signal),
      undefined,
      'gone once the last finalizer is removed',
    );
  });

  test('Secrets are read and decoded; a missing one is undefined', async () => {
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kibana', namespace: 'kc' },
      data: { apiKey: Buffer.from('s3cr3t').toString('base64') },
    });
    assert.deepEqual(await client.readSecret('kc', 'kibana', signal), { apiKey: 's3cr3t' });
    assert.equal(await client.readSecret('kc', 'nope', signal), undefined);
  });

  test('ConfigMaps are read, binaryData as UTF-8; a missing one is undefined', async () => {
    server.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'journeys', namespace: 'kc' },
      data: { 'login.journey.ts': "step('open', async () => {});" },
      binaryData: { 'bin.journey.ts': Buffer.from("step('b', async () => {});").toString('base64') },
    });
    assert.deepEqual(await client.readConfigMap('kc', 'journeys', signal), {
      'login.journey.ts': "step('open', async () => {});",
      'bin.journey.ts': "step('b', async () => {});",
    });
    assert.equal(await client.readConfigMap('kc', 'nope', signal), undefined);
  });

  test('a repeated Event bumps its count instead of creating another', async () => {
    server.create(monitorManifest('e', 'kc'));
    const object = (await client.get(MONITORS, 'kc', 'e', signal)) as KubeObject;
    for (let i = 0; i < 3; i++)
      await client.recordEvent(
        { involved: object, type: 'Warning', reason: 'SyncFailed', message: 'Kibana answered 503' },
        signal,
      );
    const events = server.list('v1', 'Event', 'kc') as {
      count: number;
      reason: string;
      involvedObject: { name: string };
    }[];
    const mine = events.filter((e) => e.involvedObject.name === 'e');
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.count, 3);
  });

  test('an aborted signal cancels the request', async () => {
    server.faults.latencyMs = 2000;
    try {
      await assert.rejects(
        client.get(MONITORS, 'kc', 's', AbortSignal.timeout(50)),
        (e: unknown) => e instanceof KubeApiError && e.status === 0,
      );
    } finally {
      server.faults.latencyMs = 0;
    }
  });
});

test('keepAliveAgent shares one keep-alive agent per TLS setting and leaves other agents alone', () => {
  const a = keepAliveAgent(new http.Agent({}));
  assert.equal((a as http.Agent & { keepAlive?: boolean }).keepAlive, true);
  assert.equal(keepAliveAgent(new http.Agent({})), a, 'same settings, same agent');
  const tlsA = keepAliveAgent(new https.Agent({ ca: 'CA-1', rejectUnauthorized: true }));
  assert.ok(tlsA instanceof https.Agent);
  assert.equal(keepAliveAgent(new https.Agent({ ca: 'CA-1', rejectUnauthorized: true })), tlsA);
  assert.notEqual(keepAliveAgent(new https.Agent({ ca: 'CA-2', rejectUnauthorized: true })), tlsA);
  class ProxyAgent extends http.Agent {}
  const proxy = new ProxyAgent();
  assert.equal(keepAliveAgent(proxy), proxy, 'a proxy agent is kept');
});

test('the operator logger never writes secret material', () => {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const logger = createOperatorLogger({ destination: destination }).child({ reconcileId: 'r-1' });
  logger.info(
    {
      secret: { data: { apiKey: 'AAA' } },
      apiKey: 'BBB',
      headers: { authorization: 'ApiKey CCC' },
      params: { password: 'DDD', token: 'EEE' },
    },
    'reconciling',
  );
  assert.match(out, /"reconcileId":"r-1"/);
  for (const leaked of ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'])
    assert.ok(!out.includes(leaked), `${leaked} leaked: ${out}`);
});
