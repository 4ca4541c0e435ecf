import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { main } from './main.js';

const FIXTURES = resolve(import.meta.dirname, '../../testdata/elastic-projects');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-cli-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('synthctl new writes a valid monitor, refuses to overwrite, --force overwrites', () =>
  inTemp(async (dir) => {
    const first = await cli(
      ['new', 'http', '--name', 'orders', '--url', 'https://orders.example.com/healthz'],
      dir,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.ok(existsSync(join(dir, 'orders.yaml')));
    const validated = await cli(['validate', 'orders.yaml'], dir);
    assert.equal(validated.code, 0, validated.stdout);

    writeFileSync(join(dir, 'orders.yaml'), 'mine');
    const again = await cli(['new', 'http', '--name', 'orders'], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /refusing to overwrite/);
    assert.equal(readFileSync(join(dir, 'orders.yaml'), 'utf8'), 'mine');

    const forced = await cli(['new', 'http', '--name', 'orders', '--force'], dir);
    assert.equal(forced.code, 0);
    assert.notEqual(readFileSync(join(dir, 'orders.yaml'), 'utf8'), 'mine');
  }));

test('synthctl new: browser writes the YAML and the journey; stdout for the others; usage errors', () =>
  inTemp(async (dir) => {
    const browser = await cli(['new', 'browser', '--out', 'monitors/login.yaml'], dir);
    assert.equal(browser.code, 0, browser.stderr);
    assert.deepEqual(readdirSync(join(dir, 'monitors')).sort(), ['login.journey.ts', 'login.yaml']);
    const validated = await cli(['validate', 'monitors'], dir);
    assert.equal(validated.code, 0, validated.stdout);

    const tcp = await cli(['new', 'tcp', '--host', 'pg.internal:5432', '-o', '-'], dir);
    assert.equal(tcp.code, 0);
    assert.match(tcp.stdout, /host: pg\.internal:5432/);

    assert.equal((await cli(['new', 'browser', '-o', '-'], dir)).code, 2);
    assert.equal((await cli(['new', 'icmp', '--url', 'https://x'], dir)).code, 2);
    assert.equal((await cli(['new', 'ftp'], dir)).code, 2);
  }));

test('synthctl import elastic --out DIR writes files that synthctl validate accepts', () =>
  inTemp(async (dir) => {
    const out = join(dir, 'out');
    const run = await cli(
      ['import', 'elastic', join(FIXTURES, 'journey-project'), '--out', out, '--namespace', 'shop'],
      dir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readdirSync(out).sort(), [
      'search-flaky.yaml',
      'shop-api.yaml',
      'shop-checkout.yaml',
      'shop-health.yaml',
      'shop-login.yaml',
      'shop-monitors.project.yaml',
    ]);
    const login = readFileSync(join(out, 'shop-login.yaml'), 'utf8');
    assert.match(login, /^# Imported by `synthctl import elastic` from .*journeys\/login\.journey\.ts:3:1/);
    assert.match(login, /namespace: shop/);
    const validated = await cli(['validate', out], dir);
    assert.equal(validated.code, 0, validated.stdout);
    assert.match(run.stderr, /imported 6 resource\(s\)/);

    const again = await cli(['import', 'elastic', join(FIXTURES, 'journey-project'), '--out', out], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /refusing to overwrite/);
  }));

test('synthctl import elastic to stdout: a YAML stream; problems exit 1', () =>
  inTemp(async (dir) => {
    const light = await cli(['import', 'elastic', join(FIXTURES, 'lightweight-only')], dir);
    assert.equal(light.code, 0, light.stderr);
    assert.equal(light.stdout.match(/^kind: SyntheticMonitor$/gm)?.length, 4);
    assert.ok(!light.stdout.includes('hunter2-literal'));
    assert.ok(!light.stderr.includes('hunter2-literal'));

    const hostile = await cli(['import', 'elastic', join(FIXTURES, 'hostile'), '-f', 'json'], dir);
    assert.equal(hostile.code, 1);
    const report = JSON.parse(hostile.stderr) as { diagnostics: { code: string }[] };
    assert.ok(report.diagnostics.some((d) => d.code === 'import.duplicate-id'));

    assert.equal((await cli(['import', 'elastic', join(dir, 'missing')], dir)).code, 1);
    assert.equal((await cli(['import', 'elastic', dir, '--namespace', 'Bad_NS'], dir)).code, 2);
  }));
