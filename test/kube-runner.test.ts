/**
 * The runner in the cluster (issue 4 item 5) against the fake API server with client-node:
 * only the monitors assigned to its location run, `status.lastResult` follows up/down, a
 * repeated state writes nothing, spec edits reload and deletes remove. Browser monitors with
 * inline and configMapRef journeys run on Debian's Chromium against a loopback site; a missing
 * ConfigMap key, a `file` journey and a runner without Chromium say why. Bounded polls only.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ClientNodeKubeClient, type KubeObject } from '../src/operator/kube-client.js';
import { createOperatorLogger, silentOperatorLogger } from '../src/operator/logger.js';
import { runnerCommand, runnerSettings } from '../src/cli/runner.js';
import { EXIT } from '../src/cli/context.js';
import { defaultBrowserConcurrency } from '../src/journey/browser-pool.js';
import { DEFAULT_EXECUTABLE } from '../src/journey/browser-pool.js';
import { startTestSite, type TestSite } from '../src/journey/test-site.js';
import {
  BrowserUnavailableError,
  cgroupLimits,
  clusterBrowserConcurrency,
} from '../src/runner/kube-browser.js';
import { KubeRunner, StatusWriter, type LastResult } from '../src/runner/kube-runner.js';
import { ManualClock } from '../src/runner/manual-clock.js';
import { CheckFailure, SecretResolutionError } from '../src/checks/errors.js';
import { KubeApiError } from '../src/operator/kube-client.js';
import { ConfigMapCache, ConfigMapValueResolver } from '../src/runner/kube-configmaps.js';
import { FakeKubeApiServer, kubeConfigFor } from './fakes/kube-apiserver/index.js';
import { startHttpTarget, type HttpTarget } from './targets/http-target.js';
import { closedPort } from './targets/tcp-target.js';

const API = 'synthctl.dev/v1alpha1';
const NS = 'shop';

type Monitor = { status?: { lastResult?: { state: string; location: string; message?: string } } };

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('synthctl runner --kubernetes (fake API server)', { timeout: 120_000 }, () => {
  const server = new FakeKubeApiServer();
  const stop = new AbortController();
  let url = '';
  let target: HttpTarget;
  let refused = 0;
  let runner: KubeRunner;
  let running: Promise<void> | undefined;

  const monitor = (name: string, location: string, check: Record<string, unknown>) => ({
    apiVersion: API,
    kind: 'SyntheticMonitor',
    metadata: { name, namespace: NS },
    spec: { schedule: '1s', timeout: '1s', retestOnFailure: false, privateLocations: [location], ...check },
  });
  const lastResult = (name: string) =>
    (server.get(API, 'SyntheticMonitor', name, NS) as Monitor | undefined)?.status?.lastResult;
  const statusPatches = () =>
    server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;
  const checks = (id: string) => {
    const s = runner.runner.state(id);
    return s === undefined ? 0 : s.up + s.down;
  };

  before(async () => {
    url = await server.start();
    target = await startHttpTarget();
    refused = await closedPort();
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    server.create(monitor('web', 'cluster_a', { http: { url: `${target.origin}/ok` } }));
    server.create(monitor('db', 'cluster_a', { tcp: { host: `127.0.0.1:${refused}` } }));
    server.create(monitor('elsewhere', 'cluster_b', { http: { url: `${target.origin}/ok` } }));
    const kc = kubeConfigFor(url);
    runner = new KubeRunner({
      kubeConfig: kc,
      client: new ClientNodeKubeClient(kc),
      location: 'cluster_a',
      namespace: NS,
      logger: process.env['DEBUG_RUNNER'] ? createOperatorLogger({ level: 'debug' }) : silentOperatorLogger(),
      registry: new Registry(),
      debounceMs: 50,
      startupSpreadMs: 200,
    });
    running = runner.run(stop.signal);
  });

  after(async () => {
    stop.abort();
    await running;
    await target.close();
    await server.stop();
  });

  test('runs only the assigned monitors and writes their up/down state', async () => {
    await until(
      'web up and db down in status',
      () => lastResult('web')?.state === 'up' && lastResult('db')?.state === 'down',
    );
    assert.deepEqual(
      runner.runner
        .states()
        .map((s) => s.monitorId)
        .sort(),
      ['shop-db', 'shop-web'],
    );
    assert.equal(lastResult('elsewhere'), undefined);
    assert.equal(lastResult('web')?.location, 'cluster_a');
    assert.match(lastResult('db')?.message ?? '', /refused|ECONNREFUSED/i);
  });

  test('a repeated state writes no status', async () => {
    const patches = statusPatches();
    const web = checks('shop-web');
    const db = checks('shop-db');
    await until(
      'two more checks of each',
      () => checks('shop-web') >= web + 2 && checks('shop-db') >= db + 2,
    );
    assert.equal(statusPatches(), patches);
    assert.equal(runner.isReady, true);
    // Read-only for specs: every write the runner made went to /status.
    const writes = server.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/status'));
    assert.deepEqual(writes, []);
  });

  test('editing a spec reloads the monitor', async () => {
    const response = await fetch(`${url}/apis/${API}/namespaces/${NS}/syntheticmonitors/web`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { http: { url: `http://127.0.0.1:${refused}/` } } }),
    });
    assert.equal(response.status, 200, await response.text());
    await until('web down after the edit', () => lastResult('web')?.state === 'down');
    assert.equal(runner.runner.state('shop-web')?.status, 'down');
  });

  test('deleting a monitor removes it from the runner', async () => {
    server.delete(API, 'SyntheticMonitor', 'db', NS);
    await until('db gone from the runner', () => runner.runner.state('shop-db') === undefined);
    assert.deepEqual(
      runner.runner.states().map((s) => s.monitorId),
      ['shop-web'],
    );
  });
});

/** JSON log lines of a runner, for asserting what it said and how often. */
function captureLogs(): {
  logger: ReturnType<typeof createOperatorLogger>;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createOperatorLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
        if (process.env['DEBUG_RUNNER']) process.stderr.write(line);
      },
    },
  });
  return { logger, lines };
}

const chromiumMissing = existsSync(DEFAULT_EXECUTABLE)
  ? false
  : `${DEFAULT_EXECUTABLE} is missing (scripts/setup.sh installs chromium)`;

describe(
  'browser monitors in the cluster (fake API server, Chromium)',
  { timeout: 180_000, skip: chromiumMissing },
  () => {
    const server = new FakeKubeApiServer();
    const stop = new AbortController();
    const registry = new Registry();
    const logs = captureLogs();
    let url = '';
    let site: TestSite;
    let artifacts = '';
    let runner: KubeRunner;
    let running: Promise<void> | undefined;

    // Both journeys sign in with the password from a Secret (params with secretKeyRef).
    const params = () => [
      { name: 'url', value: site.url },
      { name: 'password', valueFrom: { secretKeyRef: { name: 'shop-creds', key: 'password' } } },
    ];
    const signIn = `
    step('open the sign-in page', async () => {
      await page.goto(params.url + '/login');
      await expect(page.locator('h1')).toHaveText('Sign in');
    });
    step('sign in', async () => {
      await page.fill('#user', 'demo');
      await page.fill('#password', params.password);
      await page.click('#submit');
      await expect(page.locator('#welcome')).toHaveText('Welcome, demo');
    });`;
    const moduleJourney = (body: string) =>
      `import { journey, step, expect } from '@elastic/synthetics';\njourney('configmap login', ({ page, params }) => {${body}\n});\n`;
    const browserMonitor = (name: string, journey: Record<string, unknown>) => ({
      apiVersion: API,
      kind: 'SyntheticMonitor',
      metadata: { name, namespace: NS },
      spec: {
        schedule: '3s',
        timeout: '30s',
        retestOnFailure: false,
        privateLocations: ['cluster_a'],
        params: params(),
        browser: { journey, screenshots: 'on' },
      },
    });
    const lastResult = (name: string) =>
      (server.get(API, 'SyntheticMonitor', name, NS) as Monitor | undefined)?.status?.lastResult;
    const checks = (id: string) => {
      const s = runner.runner.state(id);
      return s === undefined ? 0 : s.up + s.down;
    };
    const said = (pattern: RegExp) => logs.lines.filter((l) => pattern.test(String(l['msg']))).length;

    before(async () => {
      url = await server.start();
      site = await startTestSite();
      artifacts = await mkdtemp(join(tmpdir(), 'synthctl-kube-runner-'));
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      server.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shop-creds', namespace: NS },
        data: { password: Buffer.from('demo').toString('base64') },
      });
      server.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'journeys', namespace: NS },
        data: { 'login.journey.ts': moduleJourney(signIn) },
      });
      server.create(browserMonitor('login-inline', { inline: signIn }));
      server.create(
        browserMonitor('login-cm', { configMapRef: { name: 'journeys', key: 'login.journey.ts' } }),
      );
      server.create(
        browserMonitor('missing-key', { configMapRef: { name: 'journeys', key: 'nope.journey.ts' } }),
      );
      server.create(browserMonitor('from-file', { file: 'journeys/login.journey.ts' }));
      const kc = kubeConfigFor(url);
      runner = new KubeRunner({
        kubeConfig: kc,
        client: new ClientNodeKubeClient(kc),
        location: 'cluster_a',
        namespace: NS,
        logger: logs.logger,
        registry,
        debounceMs: 50,
        startupSpreadMs: 200,
        configMapTtlMs: 300,
        browser: { mode: 'on', maxBrowsers: 1, artifactsDir: artifacts },
      });
      running = runner.run(stop.signal);
    });

    after(async () => {
      stop.abort();
      await running;
      await site.close();
      await server.stop();
      await rm(artifacts, { recursive: true, force: true });
    });

    test('inline and configMapRef journeys go up and show in status, with metrics and artifacts', async () => {
      await until(
        'login-inline and login-cm up in status',
        () => lastResult('login-inline')?.state === 'up' && lastResult('login-cm')?.state === 'up',
        90_000,
      );
      assert.equal(runner.browser.enabled, true);
      assert.equal(lastResult('login-cm')?.location, 'cluster_a');
      // The journeys really ran in the browser: the site served the sign-in and the dashboard.
      assert.ok((site.hits.get('/dashboard') ?? 0) >= 2, 'the dashboard was reached by both journeys');
      const metrics = await registry.metrics();
      for (const id of ['shop-login-inline', 'shop-login-cm'])
        assert.match(
          metrics,
          new RegExp(
            `synthctl_browser_step_status\\{[^}]*monitor_id="${id}"[^}]*step="sign in"[^}]*status="succeeded"[^}]*\\} 1`,
          ),
        );
      // screenshots: on keeps a step screenshot per run under the monitor's folder.
      const runs = readdirSync(join(artifacts, 'shop-login-cm'));
      assert.ok(runs.length >= 1);
      assert.ok(readdirSync(join(artifacts, 'shop-login-cm', runs[0]!)).includes('step-1.jpg'));
    });

    test('a missing ConfigMap key is a down result naming the ConfigMap, key and namespace, logged once', async () => {
      await until('missing-key down in status', () => lastResult('missing-key')?.state === 'down', 60_000);
      assert.equal(
        lastResult('missing-key')?.message,
        'configmap shop/journeys key nope.journey.ts: ConfigMap "journeys" in namespace "shop" has no key "nope.journey.ts" (keys: login.journey.ts)',
      );
      const before = checks('shop-missing-key');
      await until('two more checks of missing-key', () => checks('shop-missing-key') >= before + 2, 60_000);
      assert.equal(said(/^configmap key missing$/), 1);
    });

    test('a file journey is skipped with a message saying to use inline or configMapRef', () => {
      assert.equal(runner.runner.state('shop-from-file'), undefined);
      assert.equal(lastResult('from-file'), undefined);
      const lines = logs.lines.filter((l) => l['monitor'] === 'shop/from-file');
      assert.equal(lines.length, 1);
      assert.match(
        String(lines[0]?.['msg']),
        /^monitor skipped: browser\.journey\.file "journeys\/login\.journey\.ts" .*not in the cluster; use journey\.inline, or journey\.configMapRef .*configMapGenerator/,
      );
    });

    test('editing the ConfigMap changes the journey that runs', async () => {
      const edited = moduleJourney(`
      step('edited step', () => {
        throw new Error('the edited journey ran');
      });`);
      const response = await fetch(`${url}/api/v1/namespaces/${NS}/configmaps/journeys`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ data: { 'login.journey.ts': edited } }),
      });
      assert.equal(response.status, 200, await response.text());
      await until('login-cm down after the edit', () => lastResult('login-cm')?.state === 'down', 60_000);
      assert.equal(
        lastResult('login-cm')?.message,
        'journey "configmap login" failed at step 1 "edited step": the edited journey ran',
      );
      assert.equal(lastResult('login-inline')?.state, 'up');
    });
  },
);

describe('browser monitors without Chromium', { timeout: 60_000 }, () => {
  test('--browser auto skips them with one line per generation and writes no status', async () => {
    const server = new FakeKubeApiServer();
    const target = await startHttpTarget();
    const stop = new AbortController();
    const logs = captureLogs();
    let running: Promise<void> | undefined;
    try {
      const url = await server.start();
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      const spec = { schedule: '1s', timeout: '1s', retestOnFailure: false, privateLocations: ['cluster_a'] };
      server.create({
        apiVersion: API,
        kind: 'SyntheticMonitor',
        metadata: { name: 'web', namespace: NS },
        spec: { ...spec, http: { url: `${target.origin}/ok` } },
      });
      server.create({
        apiVersion: API,
        kind: 'SyntheticMonitor',
        metadata: { name: 'journey', namespace: NS },
        spec: { ...spec, browser: { journey: { inline: "step('x', () => {});" } } },
      });
      const kc = kubeConfigFor(url);
      const runner = new KubeRunner({
        kubeConfig: kc,
        client: new ClientNodeKubeClient(kc),
        location: 'cluster_a',
        namespace: NS,
        logger: logs.logger,
        registry: new Registry(),
        debounceMs: 50,
        startupSpreadMs: 200,
        browser: { mode: 'auto', executablePath: '/nonexistent/chromium' },
      });
      assert.equal(runner.browser.enabled, false);
      running = runner.run(stop.signal);
      const get = (name: string) =>
        (server.get(API, 'SyntheticMonitor', name, NS) as Monitor | undefined)?.status?.lastResult;
      await until('web up in status', () => get('web')?.state === 'up');
      const skipped = () => logs.lines.filter((l) => l['monitor'] === 'shop/journey');
      assert.equal(skipped().length, 1);
      assert.match(
        String(skipped()[0]?.['msg']),
        /^monitor skipped: browser monitor not run: no Chromium at \/nonexistent\/chromium \(--browser auto\)/,
      );
      // Another monitor's change rebuilds the set without repeating the line.
      const response = await fetch(`${url}/apis/${API}/namespaces/${NS}/syntheticmonitors/web`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { tags: ['edited'] } }),
      });
      assert.equal(response.status, 200, await response.text());
      const patched = await fetch(`${url}/apis/${API}/namespaces/${NS}/syntheticmonitors/journey`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { tags: ['edited'] } }),
      });
      assert.equal(patched.status, 200, await patched.text());
      await until('one more line for the new generation', () => skipped().length === 2);
      assert.equal(get('journey'), undefined);
      assert.equal(runner.runner.state('shop-journey'), undefined);
    } finally {
      stop.abort();
      await running;
      await target.close();
      await server.stop();
    }
  });

  test('--browser on without Chromium fails at start; off never looks', () => {
    const kc = kubeConfigFor('http://127.0.0.1:9');
    const options = {
      kubeConfig: kc,
      client: new ClientNodeKubeClient(kc),
      location: 'cluster_a',
      logger: silentOperatorLogger(),
      registry: new Registry(),
    };
    assert.throws(
      () => new KubeRunner({ ...options, browser: { mode: 'on', executablePath: '/nonexistent/chromium' } }),
      (error: unknown) =>
        error instanceof BrowserUnavailableError &&
        /--browser on: no Chromium at \/nonexistent\/chromium/.test(error.message),
    );
    const off = new KubeRunner({ ...options, browser: { mode: 'off' } });
    assert.equal(off.browser.enabled, false);
    assert.match(off.browser.reason ?? '', /--browser off/);
  });
});

describe('ConfigMap reads', () => {
  const setup = () => {
    const clock = new ManualClock();
    const store = new Map<string, Record<string, string>>();
    const fetched: string[] = [];
    let failure: Error | undefined;
    const cache = new ConfigMapCache({
      fetch: async (namespace, name) => {
        fetched.push(`${namespace}/${name}`);
        await Promise.resolve();
        if (failure !== undefined) throw failure;
        const data = store.get(`${namespace}/${name}`);
        return data === undefined ? undefined : { ...data };
      },
      clock,
      ttlMs: 1000,
      signal: new AbortController().signal,
    });
    const logs = captureLogs();
    const secrets: string[] = [];
    const resolver = new ConfigMapValueResolver({
      cache,
      next: {
        resolve: (ref) => {
          secrets.push(ref.secretKeyRef?.name ?? '');
          return Promise.resolve('from-secret');
        },
      },
      logger: logs.logger,
    });
    const fail = (error: Error | undefined) => {
      failure = error;
    };
    return { clock, store, fetched, cache, resolver, logs, secrets, fail };
  };
  const ref = (name: string, key: string) => ({ configMapKeyRef: { name, key } });

  test('one GET per TTL, shared by concurrent reads; the last values while the API fails', async () => {
    const { clock, store, fetched, cache, fail } = setup();
    store.set('shop/journeys', { a: 'one' });
    const [first, second] = await Promise.all([cache.get('shop', 'journeys'), cache.get('shop', 'journeys')]);
    assert.deepEqual([first, second], [{ a: 'one' }, { a: 'one' }]);
    store.set('shop/journeys', { a: 'two' });
    await clock.advance(999);
    assert.deepEqual(await cache.get('shop', 'journeys'), { a: 'one' });
    assert.equal(fetched.length, 1);
    await clock.advance(1);
    assert.deepEqual(await cache.get('shop', 'journeys'), { a: 'two' });
    assert.equal(cache.reads, 2);
    await clock.advance(1000);
    fail(new KubeApiError(503, 'ServiceUnavailable', 'read configmap shop/journeys: 503'));
    assert.deepEqual(await cache.get('shop', 'journeys'), { a: 'two' });
    assert.equal(cache.staleReads, 1);
    // Never read before: the error is the caller's.
    await assert.rejects(cache.get('shop', 'other'), /503/);
  });

  test('a missing ConfigMap or key is a resolution error, logged when it starts and when it ends', async () => {
    const { clock, store, resolver, logs, secrets } = setup();
    await assert.rejects(
      resolver.resolve(ref('journeys', 'login.ts'), 'shop'),
      (error: unknown) =>
        error instanceof SecretResolutionError &&
        error.message ===
          'configmap shop/journeys key login.ts: ConfigMap "journeys" not found in namespace "shop"',
    );
    await clock.advance(1000);
    store.set('shop/journeys', { 'other.ts': 'x' });
    await assert.rejects(
      resolver.resolve(ref('journeys', 'login.ts'), 'shop'),
      /has no key "login.ts" \(keys: other.ts\)/,
    );
    const missing = () => logs.lines.filter((l) => l['msg'] === 'configmap key missing').length;
    assert.equal(missing(), 1);
    await clock.advance(1000);
    store.set('shop/journeys', { 'login.ts': 'step()' });
    assert.equal(await resolver.resolve(ref('journeys', 'login.ts'), 'shop'), 'step()');
    assert.equal(logs.lines.filter((l) => l['msg'] === 'configmap key found').length, 1);
    assert.equal(missing(), 1);
    // Other references go to the Secret resolver.
    assert.equal(
      await resolver.resolve({ secretKeyRef: { name: 'creds', key: 'k' } }, 'shop'),
      'from-secret',
    );
    assert.deepEqual(secrets, ['creds']);
  });

  test('a refused read is an io failure that names the missing RBAC rule', async () => {
    const { resolver, fail } = setup();
    fail(
      new KubeApiError(
        403,
        'Forbidden',
        'read configmap shop/journeys: 403 configmaps "journeys" is forbidden',
      ),
    );
    await assert.rejects(
      resolver.resolve(ref('journeys', 'login.ts'), 'shop'),
      (error: unknown) =>
        error instanceof CheckFailure &&
        error.type === 'io' &&
        /forbidden \(the runner.s ClusterRole needs get on configmaps\)$/.test(error.message),
    );
  });
});

describe('browser concurrency in a Pod', () => {
  const files =
    (cpu: string, memory: string) =>
    (path: string): string | undefined =>
      path.endsWith('/cpu.max') ? cpu : path.endsWith('/memory.max') ? memory : undefined;
  test('cgroup v2 limits are read, "max" is no limit', () => {
    assert.deepEqual(cgroupLimits(files('150000 100000\n', '2147483648\n')), {
      cpus: 1,
      memoryBytes: 2 ** 31,
    });
    assert.deepEqual(cgroupLimits(files('max 100000\n', 'max\n')), {});
    assert.deepEqual(
      cgroupLimits(() => undefined),
      {},
    );
  });
  test('the default follows the container limits, not the node', () => {
    // 1 GiB allows one journey at 512 MB with half the memory kept back, whatever the node has.
    assert.equal(clusterBrowserConcurrency(files('400000 100000', String(2 ** 30))), 1);
    assert.equal(clusterBrowserConcurrency(files('max 100000', 'max')), defaultBrowserConcurrency());
  });
});

describe('synthctl runner flags', () => {
  const flags = { listen: '0.0.0.0:9464', logLevel: 'info' };
  test('--kubernetes and --location are required', () => {
    assert.throws(() => runnerSettings({ ...flags, location: 'eu' }), /--kubernetes/);
    assert.throws(() => runnerSettings({ ...flags, kubernetes: true }), /--location is required/);
  });
  test('valid flags become settings', () => {
    const settings = runnerSettings({
      ...flags,
      kubernetes: true,
      location: 'eu_west',
      listen: ':9000',
      concurrency: '8',
    });
    assert.deepEqual(settings.listen, { host: '0.0.0.0', port: 9000 });
    assert.equal(settings.concurrency, 8);
    assert.equal(settings.namespace, undefined);
    assert.throws(
      () => runnerSettings({ ...flags, kubernetes: true, location: 'eu', concurrency: '0' }),
      /--concurrency/,
    );
  });
  test('browser flags', () => {
    const base = { ...flags, kubernetes: true, location: 'eu' };
    assert.deepEqual(runnerSettings(base).browser, { mode: 'auto' });
    assert.deepEqual(
      runnerSettings({
        ...base,
        browser: 'on',
        executablePath: '/opt/chromium',
        maxBrowsers: '2',
        artifacts: 'none',
      }).browser,
      { mode: 'on', executablePath: '/opt/chromium', maxBrowsers: 2, artifactsDir: false },
    );
    assert.throws(
      () => runnerSettings({ ...base, browser: 'yes' }),
      /--browser yes: expected one of auto, on, off/,
    );
    assert.throws(() => runnerSettings({ ...base, maxBrowsers: '0' }), /--max-browsers/);
  });
  test('--browser on without Chromium exits 1 with the reason, before any API call', async () => {
    let stderr = '';
    const code = await runnerCommand(
      {
        ...flags,
        listen: '0',
        kubernetes: true,
        location: 'eu',
        browser: 'on',
        executablePath: '/nonexistent/chromium',
      },
      {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        stdin: (async function* () {})(),
        env: {},
        cwd: process.cwd(),
        setExitCode: () => undefined,
      },
      { kubeConfig: kubeConfigFor('http://127.0.0.1:9'), logger: silentOperatorLogger() },
    );
    assert.equal(code, EXIT.failure);
    assert.match(
      stderr,
      /^synthctl runner: --browser on: no Chromium at \/nonexistent\/chromium; use the browser image/,
    );
  });
});

describe('status writer', () => {
  test('token bucket, coalescing per monitor, no write when the status already says so', async () => {
    const clock = new ManualClock();
    const written: { name: string; result: LastResult }[] = [];
    const writer = new StatusWriter({
      client: {
        patchStatus: (_ref, object, status) => {
          written.push({ name: object.metadata.name, result: status['lastResult'] as LastResult });
          return Promise.resolve(undefined);
        },
      },
      informer: {
        get: (key) => {
          const name = key.split('/')[1] ?? key;
          const status = name === 'e' ? { lastResult: { state: 'up', location: 'x' } } : {};
          const object: KubeObject = { metadata: { name, namespace: NS }, status };
          return object as KubeObject & KubernetesObject;
        },
      },
      clock,
      logger: silentOperatorLogger(),
      signal: new AbortController().signal,
      perSecond: 1,
      burst: 2,
    });
    const result = (state: 'up' | 'down'): LastResult => ({
      state,
      since: new Date(clock.now()).toISOString(),
      location: 'x',
      consecutiveFailures: state === 'down' ? 1 : 0,
    });
    for (const name of ['a', 'b', 'c', 'd']) writer.enqueue(`${NS}/${name}`, result('up'));
    writer.enqueue(`${NS}/e`, result('up'));
    await clock.flush();
    assert.deepEqual(
      written.map((w) => w.name),
      ['a', 'b'],
    );
    const down = result('down');
    writer.enqueue(`${NS}/c`, down);
    await clock.advance(999);
    assert.equal(written.length, 2);
    await clock.advance(1);
    assert.deepEqual(written[2], { name: 'c', result: down });
    await clock.advance(1000);
    await clock.advance(1000);
    assert.deepEqual(
      written.map((w) => w.name),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(writer.writes, 4);
    writer.stop();
  });
});
