/**
 * Real Chromium against a site served by the test on loopback. One browser pool is shared by
 * every test of this file (a launch costs about a second; the machine has two cores).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { BrowserCheck } from '../checks/browser.js';
import { EnvSecretResolver } from '../checks/secrets.js';
import type { RunnableMonitor } from '../checks/types.js';
import { PrometheusSink } from '../runner/sinks/prometheus.js';
import type { ResultRecord } from '../runner/result.js';
import { ArtifactStore } from './artifacts.js';
import { BrowserPool, DEFAULT_EXECUTABLE } from './browser-pool.js';
import { JourneyBundler, type JourneyCode } from './bundle.js';
import type { JourneyEvent } from './results.js';
import { runSuite, type SuiteRunOptions } from './runner.js';
import { runJourneyFiles } from './run-files.js';
import { startTestSite, type TestSite } from './test-site.js';

const skip = existsSync(DEFAULT_EXECUTABLE)
  ? false
  : `${DEFAULT_EXECUTABLE} is missing (scripts/setup.sh installs chromium)`;

let site: TestSite;
let pool: BrowserPool;
let dir: string;
const bundler = new JourneyBundler();

before(async () => {
  site = await startTestSite();
  pool = new BrowserPool({ size: 1, maxRunsPerBrowser: 1000 });
  dir = await mkdtemp(join(tmpdir(), 'synthctl-browser-'));
});

after(async () => {
  await pool.close();
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs an inline module journey (the source imports from @elastic/synthetics). */
async function run(source: string, options: Partial<SuiteRunOptions> = {}) {
  const code: JourneyCode = { kind: 'inline', source, name: 'inline', id: 'inline', resolveDir: dir };
  const suite = await bundler.load(code);
  const events: JourneyEvent[] = [];
  const result = await runSuite(suite, {
    pool,
    params: { url: site.url },
    screenshots: 'off',
    trace: 'off',
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { result, events, journey: result.journeys[0]! };
}

/** The fields of Elastic's NDJSON lines the tests read. */
interface NdLine {
  type: string;
  '@timestamp': number;
  journey: { status: string; duration: { us: number } };
  step: { name: string; status: string };
  error: { message: string };
}

const header = "import { journey, step, expect } from '@elastic/synthetics';\n";

test(
  'a form journey signs in; screenshots per step, network timings, no trace when it passes',
  { skip },
  async () => {
    const store = new ArtifactStore({ root: join(dir, 'artifacts') });
    const { journey, events } = await run(
      `${header}journey('sign in', ({ page, params }) => {
  step('open', async () => { await page.goto(params.url + '/login'); });
  step('submit', async () => {
    await page.fill('#user', 'demo');
    await page.fill('#password', 'demo');
    await page.click('#submit');
  });
  step('dashboard', async () => { await expect(page.locator('#welcome')).toHaveText('Welcome, demo'); });
});`,
      { screenshots: 'on', trace: 'retain-on-failure', artifacts: () => store.run('sign-in', 'run-1') },
    );
    assert.equal(journey.status, 'succeeded', JSON.stringify(journey.error));
    assert.deepEqual(
      journey.steps.map((s) => [s.name, s.status]),
      [
        ['open', 'succeeded'],
        ['submit', 'succeeded'],
        ['dashboard', 'succeeded'],
      ],
    );
    assert.equal(journey.steps[0]?.url, `${site.url}/login`);
    for (const s of journey.steps) {
      assert.ok(s.screenshot !== undefined, `step ${s.name} has no screenshot`);
      const jpeg = await readFile(s.screenshot);
      assert.equal(jpeg.subarray(0, 2).toString('hex'), 'ffd8');
    }
    assert.equal(journey.artifacts?.trace, undefined);
    assert.ok((journey.network?.requests ?? 0) >= 3);
    assert.ok(journey.network?.slowest.some((r) => r.url.endsWith('/dashboard') && r.status === 200));
    const types = new Set(events.map((e) => e.type));
    for (const type of ['journey/start', 'step/end', 'step/screenshot', 'journey/network_info'] as const) {
      assert.ok(types.has(type), `${type} in ${[...types].join(', ')}`);
    }
    assert.equal(events.at(-1)?.type, 'journey/end');
  },
);

test(
  'a failing step keeps the trace and only-on-failure screenshots; later steps are skipped',
  { skip },
  async () => {
    const store = new ArtifactStore({ root: join(dir, 'artifacts') });
    const { journey } = await run(
      `${header}journey('wrong password', ({ page, params }) => {
  step('open', async () => { await page.goto(params.url + '/login'); });
  step('submit', async () => {
    await page.fill('#password', 'nope');
    await page.click('#submit');
    await expect(page.locator('#welcome')).toBeVisible({ timeout: 300 });
  });
  step('never', async () => { await page.goto(params.url); });
});`,
      {
        screenshots: 'only-on-failure',
        trace: 'retain-on-failure',
        artifacts: () => store.run('wrong', 'run-1'),
      },
    );
    assert.equal(journey.status, 'failed');
    assert.deepEqual(
      journey.steps.map((s) => s.status),
      ['succeeded', 'failed', 'skipped'],
    );
    assert.match(journey.error?.message ?? '', /toBeVisible/);
    assert.ok(journey.artifacts?.trace !== undefined && (await stat(journey.artifacts.trace)).size > 1000);
    assert.ok(journey.steps[1]?.screenshot !== undefined);
    assert.equal(journey.steps[2]?.screenshot, undefined);
  },
);

test('each run gets a fresh context: no cookie survives into the next run', { skip }, async () => {
  const source = `${header}journey('cookie', ({ page, params }) => {
  step('visit twice', async () => {
    await page.goto(params.url + '/cookie');
    await expect(page.locator('#seen')).toHaveText('first visit');
    await page.goto(params.url + '/cookie');
    await expect(page.locator('#seen')).toHaveText('seen before');
  });
});`;
  for (let i = 0; i < 2; i++) {
    const { journey } = await run(source);
    assert.equal(journey.status, 'succeeded', `run ${i + 1}: ${journey.error?.message ?? ''}`);
  }
});

test(
  'slow resources are waited for and show in the network timings; page errors are recorded, not fatal',
  { skip },
  async () => {
    const { journey } = await run(`${header}journey('slow and broken', ({ page, params }) => {
  step('slow page', async () => {
    await page.goto(params.url + '/slow?ms=600');
    await expect(page.locator('body')).toHaveAttribute('data-loaded', 'yes');
  });
  step('broken page', async () => {
    await page.goto(params.url + '/js-error');
    await expect(page.locator('#broken')).toHaveText('Broken');
  });
});`);
    assert.equal(journey.status, 'succeeded', journey.error?.message);
    const slow = journey.network?.slowest.find((r) => r.url.includes('/slow-resource.js'));
    assert.ok(slow !== undefined && slow.totalMs >= 500, JSON.stringify(journey.network));
    const texts = (journey.console ?? []).map((c) => `${c.type}:${c.text}:${c.step?.index ?? ''}`);
    assert.ok(
      texts.some((t) => t.startsWith('pageerror:boom from the page:2')),
      texts.join('\n'),
    );
    assert.ok(
      texts.some((t) => t.startsWith('error:something is off:2')),
      texts.join('\n'),
    );
  },
);

test('a tab that crashes fails its step; the next run on the same pool works', { skip }, async () => {
  const crashed = await run(`${header}journey('crash', ({ page }) => {
  step('crash the renderer', async () => { await page.goto('chrome://crash'); });
  step('after', async () => undefined);
});`);
  assert.equal(crashed.journey.status, 'failed');
  assert.equal(crashed.journey.steps[0]?.status, 'failed');
  assert.equal(crashed.journey.steps[1]?.status, 'skipped');
  const next = await run(`${header}journey('after crash', ({ page, params }) => {
  step('home', async () => { await page.goto(params.url); await expect(page.locator('#title')).toHaveText('Test site'); });
});`);
  assert.equal(next.journey.status, 'succeeded', next.journey.error?.message);
});

test(
  'a step that never ends and a journey over its budget fail with timeouts, quickly',
  { skip },
  async () => {
    const started = performance.now();
    const stuck = await run(
      `${header}journey('never ends', ({ page, params }) => {
  step('hang', () => new Promise(() => undefined));
  step('after', () => undefined);
});`,
      { stepTimeoutMs: 800 },
    );
    assert.equal(stuck.journey.status, 'failed');
    assert.equal(stuck.journey.steps[0]?.error?.name, 'TimeoutError');
    assert.match(stuck.journey.steps[0]?.error?.message ?? '', /step "hang" timed out after 800ms/);
    assert.equal(stuck.journey.steps[1]?.status, 'skipped');
    const budget = await run(
      `${header}journey('too long', ({ page, params }) => {
  step('hanging page', async () => { await page.goto(params.url + '/hang'); });
  step('never', () => undefined);
});`,
      { journeyTimeoutMs: 1200 },
    );
    assert.equal(budget.journey.status, 'failed');
    assert.match(budget.journey.steps[0]?.error?.message ?? '', /journey "too long" timed out after 1200ms/);
    assert.equal(budget.journey.steps[1]?.status, 'skipped');
    // Not an assertion on speed: the limits must have cut the run short of the 50 s action timeout.
    assert.ok(performance.now() - started < 40_000);
  },
);

test(
  'hooks: before/after around the steps, beforeAll failures fail every journey without running it',
  { skip },
  async () => {
    const order: string[] = [];
    const fine = await run(
      `${header}import { before, after } from '@elastic/synthetics';
journey('hooked', ({ params }) => {
  before(() => { params.log.push('before'); });
  after(() => { params.log.push('after'); });
  step('one', () => { params.log.push('step'); });
});`,
      { params: { url: site.url, log: order } },
    );
    assert.equal(fine.journey.status, 'succeeded');
    assert.deepEqual(order, ['before', 'step', 'after']);
    const broken = await run(`${header}import { beforeAll } from '@elastic/synthetics';
beforeAll(() => { throw new Error('no test data'); });
journey('a', () => { step('x', () => undefined); });
journey('b', () => { step('y', () => undefined); });`);
    assert.deepEqual(
      broken.result.journeys.map((j) => [j.name, j.status, j.steps.length, j.error?.message]),
      [
        ['a', 'failed', 0, 'no test data'],
        ['b', 'failed', 0, 'no test data'],
      ],
    );
  },
);

test(
  'video is recorded when asked (ffmpeg linked into Playwright’s path)',
  { skip: skip || (!existsSync('/usr/bin/ffmpeg') && 'ffmpeg is not installed') },
  async () => {
    const store = new ArtifactStore({ root: join(dir, 'artifacts') });
    const { journey } = await run(
      `${header}journey('filmed', ({ page, params }) => {
  step('home', async () => { await page.goto(params.url); await page.waitForTimeout(300); });
});`,
      {
        video: 'on',
        artifacts: () => store.run('filmed', 'run-1'),
      },
    );
    assert.equal(journey.status, 'succeeded', journey.error?.message);
    const video = journey.artifacts?.video;
    assert.ok(video !== undefined);
    const head = (await readFile(video)).subarray(0, 4).toString('hex');
    assert.equal(head, '1a45dfa3', 'a WebM (EBML) file');
  },
);

test('the pool replaces a browser after N runs and after it dies', { skip }, async () => {
  const own = new BrowserPool({ size: 1, maxRunsPerBrowser: 2 });
  try {
    for (let i = 0; i < 3; i++) {
      const lease = await own.acquire();
      await lease.release();
    }
    assert.equal(own.stats().launches, 2);
    assert.equal(own.stats().recycled, 1);
  } finally {
    await own.close();
  }
  const crashy = new BrowserPool({ size: 1 });
  try {
    const lease = await crashy.acquire();
    await lease.release();
    assert.ok(lease.pid !== undefined, 'the browser process was found in /proc');
    const gone = new Promise((resolve) => lease.browser.once('disconnected', resolve));
    process.kill(lease.pid, 'SIGKILL');
    await gone;
    const again = await crashy.acquire();
    assert.ok(again.browser.isConnected());
    assert.notEqual(again.pid, lease.pid);
    await again.release();
    assert.equal(crashy.stats().crashed, 1);
    assert.equal(crashy.stats().launches, 2);
  } finally {
    await crashy.close();
  }
});

test(
  'BrowserCheck: params from valueFrom reach the journey and never appear in messages; metrics per step',
  { skip },
  async () => {
    const journeyFile = join(dir, 'secret.journey.ts');
    await writeFile(
      journeyFile,
      `${header}journey('Secret login', ({ page, params }) => {
  step('open', async () => { await page.goto(params.url + '/login'); });
  step('leak attempt', () => { throw new Error('token is ' + params.token); });
});`,
    );
    const yamlFile = join(dir, 'monitor.yaml');
    const monitor: RunnableMonitor = {
      id: 'default-secret-login',
      name: 'Secret login',
      type: 'browser',
      scheduleMs: 600_000,
      timeoutMs: 60_000,
      locations: [],
      retestOnFailure: false,
      tags: [],
      labels: {},
      enabled: true,
      source: { file: yamlFile, line: 1 },
      spec: {
        params: [
          { name: 'url', value: site.url },
          { name: 'token', valueFrom: { env: 'SHOP_TOKEN' } },
        ],
        browser: {
          journey: { file: 'secret.journey.ts' },
          screenshots: 'off',
          syntheticsArgs: ['--trace', 'off'],
        },
      },
    };
    const check = new BrowserCheck({
      secrets: new EnvSecretResolver({ SHOP_TOKEN: 's3cr3t-value' }),
      pool,
      bundler,
      cwd: dir,
      artifacts: new ArtifactStore({ root: join(dir, 'check-artifacts') }),
    });
    const outcome = await check.run(monitor, new AbortController().signal, {
      checkGroup: 'cg-1',
      attempt: 1,
    });
    assert.equal(outcome.up, false);
    assert.equal(outcome.error?.type, 'browser');
    assert.equal(
      outcome.error?.message,
      'journey "Secret login" failed at step 2 "leak attempt": token is [redacted]',
    );
    assert.doesNotMatch(JSON.stringify(outcome), /s3cr3t-value/);

    const registry = new Registry();
    const sink = new PrometheusSink({ registry, processMetrics: false });
    const record: ResultRecord = {
      ...outcome,
      monitorId: monitor.id,
      monitorName: monitor.name,
      monitorType: 'browser',
      location: 'local',
      checkGroup: 'cg-1',
      attempt: 1,
      maxAttempts: 1,
      finalAttempt: true,
      status: 'down',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      tags: [],
      labels: {},
    };
    sink.write(record);
    const text = await registry.metrics();
    assert.match(text, /probe_success\{monitor_id="default-secret-login"[^}]*\} 0/);
    assert.match(text, /synthctl_browser_step_duration_seconds\{[^}]*step="open",step_index="1"\} \d/);
    assert.match(
      text,
      /synthctl_browser_step_status\{[^}]*step="leak attempt",step_index="2",status="failed"\} 1/,
    );
    sink.removeMonitor(monitor.id);
    assert.doesNotMatch(await registry.metrics(), /synthctl_browser_step_duration_seconds\{/);
  },
);

test(
  'synthctl journey: Elastic-shaped NDJSON with --rich-events, exit code 1 on failure otherwise',
  { skip },
  async () => {
    const file = join(dir, 'cli.journey.ts');
    await writeFile(
      file,
      `${header}journey({ name: 'cli', tags: ['t'] }, ({ page, params }) => {
  step('home', async () => { await page.goto(params.url); });
  step('fails', () => { throw new Error('nope'); });
});`,
    );
    let out = '';
    const stdout = { write: (t: string) => (out += t) };
    const stderr = { write: () => true };
    const code = await runJourneyFiles({
      paths: [file],
      cwd: dir,
      stdout,
      stderr,
      params: { url: site.url },
      richEvents: true,
      screenshots: 'on',
      trace: 'off',
      artifactsDir: false,
      sharedPool: pool,
      packageVersion: '0.1.0',
    });
    assert.equal(code, 0, '--rich-events implies a quiet exit code');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as NdLine);
    const types = lines.map((l) => l.type);
    assert.equal(types[0], 'synthetics/metadata');
    for (const t of ['journey/start', 'step/end', 'step/screenshot', 'journey/network_info', 'journey/end'])
      assert.ok(types.includes(t), t);
    const end = lines.find((l) => l.type === 'journey/end')!;
    assert.equal(end.journey.status, 'failed');
    assert.ok(end.journey.duration.us > 0);
    assert.ok(end['@timestamp'] > 1e15, 'epoch microseconds');
    assert.equal(end.error.message, 'nope');
    const steps = lines.filter((l) => l.type === 'step/end').map((l) => [l.step.name, l.step.status]);
    assert.deepEqual(steps, [
      ['home', 'succeeded'],
      ['fails', 'failed'],
    ]);
    const plain = await runJourneyFiles({
      paths: [file],
      cwd: dir,
      stdout: { write: () => true },
      stderr,
      params: { url: site.url },
      screenshots: 'off',
      trace: 'off',
      artifactsDir: false,
      sharedPool: pool,
    });
    assert.equal(plain, 1);
  },
);

test('the pool prepares the next context while idle, unless prewarm is false', { skip }, async () => {
  const prewarm = {
    key: 'k',
    create: async (browser: import('playwright-core').Browser) => {
      const context = await browser.newContext();
      return { context, page: await context.newPage() };
    },
  };
  const cold = new BrowserPool({ size: 1, prewarm: false });
  try {
    for (const [p, expected] of [
      [pool, true],
      [cold, false],
    ] as const) {
      const first = await p.acquire();
      // Waits for a context an earlier test had prepared (one is made at a time per browser).
      assert.equal(await first.takeWarm('none'), undefined);
      await first.release({ prewarm });
      const second = await p.acquire();
      const warm = await second.takeWarm('k');
      assert.equal(warm !== undefined, expected, `prewarm ${String(expected)}`);
      await warm?.context.close();
      await second.release();
    }
  } finally {
    await cold.close();
  }
});

test(
  "the pool's --disable-features keeps every feature Playwright disables, and no omnibox popup is preloaded",
  { skip },
  async () => {
    const lease = await pool.acquire();
    try {
      assert.ok(lease.pid !== undefined, 'browser pid found');
      const args = (await readFile(`/proc/${lease.pid}/cmdline`, 'utf8')).split('\0');
      const lists = args
        .filter((a) => a.startsWith('--disable-features='))
        .map((a) => a.slice(19).split(','));
      // Chromium reads only the last --disable-features: it must include Playwright's list.
      const last = new Set(lists.at(-1));
      const missing = lists.flat().filter((f) => !last.has(f));
      assert.deepEqual(missing, [], 'add these to DISABLED_FEATURES (src/journey/browser-pool.ts)');
      const context = await lease.browser.newContext();
      await context.newPage();
      const session = await lease.browser.newBrowserCDPSession();
      const { targetInfos } = (await session.send('Target.getTargets')) as {
        targetInfos: { type: string; url: string }[];
      };
      await session.detach();
      await context.close();
      assert.deepEqual(
        targetInfos.filter((t) => t.url.startsWith('chrome://omnibox')).map((t) => t.url),
        [],
      );
    } finally {
      await lease.release();
    }
  },
);
