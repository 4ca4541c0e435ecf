/**
 * The oracle: Elastic's own agent (`@elastic/synthetics`, a devDependency, driving Debian's
 * Chromium through `--playwright-options`, environment.md §5) and synthctl run the journeys in
 * testdata/journeys against the same loopback site; both report the same journeys, steps and
 * statuses. Differences that remain by design are listed in docs/elastic-compatibility.md.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { CHROMIUM_ARGS, DEFAULT_EXECUTABLE } from './browser-pool.js';
import { runJourneyFiles } from './run-files.js';
import { startTestSite } from './test-site.js';

const root = resolve(import.meta.dirname, '../..');
const journeys = join(root, 'testdata/journeys');
const elasticCli = join(root, 'node_modules/.bin/elastic-synthetics');
const skip = !existsSync(DEFAULT_EXECUTABLE)
  ? `${DEFAULT_EXECUTABLE} is missing (scripts/setup.sh installs chromium)`
  : !existsSync(elasticCli)
    ? 'the @elastic/synthetics devDependency is not installed'
    : false;

interface Summary {
  status: string;
  steps: [string, string][];
}

/** journey name → status and [step, status] from an NDJSON stream (Elastic's json reporter shape). */
function summarise(ndjson: string): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const line of ndjson.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as {
      type: string;
      journey?: { name: string; status?: string };
      step?: { name: string; status?: string };
    };
    if (e.journey === undefined) continue;
    const entry = out.get(e.journey.name) ?? { status: '', steps: [] };
    if (e.type === 'step/end' && e.step !== undefined) entry.steps.push([e.step.name, e.step.status ?? '']);
    if (e.type === 'journey/end') entry.status = e.journey.status ?? '';
    out.set(e.journey.name, entry);
  }
  return out;
}

function runElastic(args: string[], cwd: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      elasticCli,
      args,
      {
        cwd,
        timeout: 180_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', NODE_ENV: 'test' },
      },
      (err, stdout, stderr) => {
        // Exit code 1 means a journey failed, which the testdata does on purpose.
        if (err !== null && (err as { code?: unknown }).code !== 1) {
          reject(new Error(`elastic-synthetics failed: ${err.message}\n${stderr}`));
          return;
        }
        resolveRun(stdout);
      },
    );
  });
}

test('Elastic’s agent and synthctl report the same journeys, steps and statuses', { skip }, async (t) => {
  const site = await startTestSite();
  const cwd = await mkdtemp(join(tmpdir(), 'synthctl-oracle-'));
  t.after(async () => {
    await site.close();
    await rm(cwd, { recursive: true, force: true });
  });
  const params = { url: site.url, user: 'demo', password: 'demo' };
  const playwrightOptions = { executablePath: DEFAULT_EXECUTABLE, args: [...CHROMIUM_ARGS] };
  const elastic = summarise(
    await runElastic(
      [
        journeys,
        '--reporter',
        'json',
        '--screenshots',
        'off',
        '--params',
        JSON.stringify(params),
        '--playwright-options',
        JSON.stringify(playwrightOptions),
      ],
      cwd,
    ),
  );

  let ours = '';
  const code = await runJourneyFiles({
    paths: [journeys],
    cwd,
    stdout: { write: (text: string) => (ours += text) },
    stderr: { write: () => true },
    params,
    reporter: 'json',
    screenshots: 'off',
    trace: 'off',
    artifactsDir: false,
    packageVersion: '0.0.0',
  });
  assert.equal(code, 1, 'testdata has failing journeys, so both exit 1');
  const synthctl = summarise(ours);

  // The testdata covers what the issue lists: passing, failing at step 2, soft steps, skipped
  // journeys and steps, params and hooks.
  assert.deepEqual([...elastic.keys()].sort(), [
    'failing at step 2',
    'hooks',
    'journey with a skipped step',
    'params',
    'passing sign-in',
    'soft step',
  ]);
  assert.deepEqual([...synthctl.keys()].sort(), [...elastic.keys()].sort());
  for (const [name, expected] of elastic) {
    assert.deepEqual(synthctl.get(name), expected, `journey ${JSON.stringify(name)}`);
  }
  assert.deepEqual(
    elastic.get('failing at step 2')?.steps.map((s) => s[1]),
    ['succeeded', 'failed', 'skipped'],
  );
  assert.equal(elastic.get('soft step')?.status, 'failed');
});
