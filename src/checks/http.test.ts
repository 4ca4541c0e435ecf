import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpCheck } from './http.js';
import { EnvSecretResolver } from './secrets.js';
import { StaticResolver, SystemResolver } from './resolver.js';
import { startHttpTarget, type HttpTarget } from '../../test/targets/http-target.js';
import { runnable } from '../../test/targets/monitor.js';
import type { HttpSpec } from '../model/schema.js';

const signal = new AbortController().signal;
const check = new HttpCheck({
  secrets: new EnvSecretResolver({ TOKEN: 's3cr3t-token', PASS: 'hunter2-pass' }),
  resolver: new SystemResolver(),
});
const run = (spec: HttpSpec, timeoutMs?: number) => check.run(runnable({ http: spec }, timeoutMs), signal);

describe('http check on plain HTTP', () => {
  let target: HttpTarget;
  before(async () => {
    target = await startHttpTarget();
  });
  after(async () => {
    await target.close();
  });

  test('200 is up, with timings and facts', async () => {
    const out = await run({ url: `${target.origin}/ok` });
    assert.equal(out.error, undefined);
    assert.equal(out.up, true);
    assert.equal(out.http?.statusCode, 200);
    assert.equal(out.ip, '127.0.0.1');
    assert.ok((out.timings?.connect ?? -1) >= 0);
    assert.ok((out.timings?.processing ?? -1) >= 0);
    assert.ok((out.timings?.transfer ?? -1) >= 0);
    assert.equal(out.http?.contentLength, 2);
  });

  test('503 fails with the expected sentence', async () => {
    const out = await run({ url: `${target.origin}/status/503`, checks: { status: [200] } });
    assert.deepEqual(out.error, { type: 'validate', message: 'expected status 200, got 503' });
  });
});
