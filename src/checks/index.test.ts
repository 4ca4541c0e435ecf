import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckRegistry, EnvSecretResolver, MissingPinger } from './index.js';
import type { Check } from './types.js';

test('the registry maps http, tcp and icmp, and takes more checks later', async () => {
  const registry = new CheckRegistry({ secrets: new EnvSecretResolver({}), pinger: new MissingPinger() });
  assert.deepEqual(registry.types().sort(), ['http', 'icmp', 'tcp']);
  assert.equal(registry.get('browser'), undefined);
  const browser: Check = { type: 'browser', run: () => Promise.resolve({ up: true, durationMs: 1 }) };
  registry.register(browser);
  assert.equal(registry.get('browser'), browser);
  const icmp = registry.get('icmp');
  const out = await icmp?.run(
    {
      id: 'x',
      name: 'x',
      type: 'icmp',
      scheduleMs: 1000,
      timeoutMs: 1000,
      locations: [],
      retestOnFailure: false,
      tags: [],
      labels: {},
      enabled: true,
      spec: { icmp: { host: '127.0.0.1' } },
    },
    new AbortController().signal,
  );
  assert.equal(out?.error?.type, 'config');
});
