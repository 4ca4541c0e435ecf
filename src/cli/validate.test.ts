import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from './main.js';

const valid = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: ok
spec:
  schedule: 3m
  locations: [us_east]
  icmp: {host: db.internal}
`;
const invalid = valid.replace('schedule: 3m', 'schedule: 3 minutes');
const warning = `apiVersion: v1
kind: ConfigMap
metadata: {name: x}
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(
  args: string[],
  options: { cwd: string; stdin?: string; isTTY?: boolean; env?: Record<string, string> },
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.isTTY ?? false },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
    env: options.env ?? {},
    cwd: options.cwd,
  });
  return { code, stdout, stderr };
}

async function withFiles(files: Record<string, string>, run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-cli-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('exit 0 for valid input, with a summary', async () => {
  await withFiles({ 'ok.yaml': valid }, async (cwd) => {
    const r = await cli(['validate', 'ok.yaml'], { cwd });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '0 errors, 0 warnings in 1 file (1 resource)\n');
  });
});

test('exit 1 for invalid input, located as the user named the file', async () => {
  await withFiles({ 'bad.yaml': invalid }, async (cwd) => {
    const r = await cli(['validate', '.'], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^bad\.yaml:6:13: error: found "3 minutes"; expected a duration/);
    assert.match(r.stdout, /1 error, 0 warnings in 1 file \(1 resource\)\n$/);
  });
});

test('exit 2 for a missing file and for a bad flag', async () => {
  await withFiles({}, async (cwd) => {
    const missing = await cli(['validate', 'nope.yaml'], { cwd });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: no such file or folder/);
    const badFormat = await cli(['validate', '--format', 'xml', '.'], { cwd });
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /Allowed choices are text, json, junit, github/);
    const unknown = await cli(['frobnicate'], { cwd });
    assert.equal(unknown.code, 2);
  });
});

test('- reads standard input (kubectl kustomize | synthctl validate -)', async () => {
  await withFiles({}, async (cwd) => {
    const r = await cli(['validate', '-', '--format', 'json'], { cwd, stdin: `${warning}---\n${invalid}` });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.diagnostics.map((d: { file: string; severity: string }) => [d.file, d.severity]),
      [
        ['<stdin>', 'notice'],
        ['<stdin>', 'error'],
      ],
    );
  });
});

test('--quiet prints errors only; --strict fails on warnings', async () => {
  await withFiles({ 'ok.yaml': valid, 'empty.yaml': '' }, async (cwd) => {
    const quiet = await cli(['validate', '--quiet', 'ok.yaml'], { cwd });
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stdout, '');
    // An empty folder is a warning: fine normally, a failure with --strict.
    await rm(join(cwd, 'ok.yaml'));
    await rm(join(cwd, 'empty.yaml'));
    const lenient = await cli(['validate', '.'], { cwd });
    assert.equal(lenient.code, 0);
    assert.match(lenient.stdout, /warning: no \*\.yaml or \*\.yml files/);
    const strict = await cli(['validate', '--strict', '.'], { cwd });
    assert.equal(strict.code, 1);
  });
});

test('--output writes the report to a file; github and junit formats', async () => {
  await withFiles({ 'bad.yaml': invalid }, async (cwd) => {
    const r = await cli(['validate', 'bad.yaml', '--format', 'junit', '--output', 'report.xml'], {
      cwd,
      isTTY: true,
    });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const xml = await readFile(join(cwd, 'report.xml'), 'utf8');
    assert.match(xml, /<failure message="found &quot;3 minutes&quot;/);
    const gh = await cli(['validate', 'bad.yaml', '--format', 'github'], { cwd });
    assert.match(
      gh.stdout,
      /^::error file=bad\.yaml,line=6,col=13,title=schema\.pattern at spec\.schedule::found "3 minutes"/,
    );
  });
});

test('text is coloured on a TTY unless NO_COLOR is set', async () => {
  await withFiles({ 'bad.yaml': invalid }, async (cwd) => {
    const tty = await cli(['validate', 'bad.yaml'], { cwd, isTTY: true });
    assert.ok(tty.stdout.includes('\u001b['));
    const noColor = await cli(['validate', 'bad.yaml'], { cwd, isTTY: true, env: { NO_COLOR: '1' } });
    assert.ok(!noColor.stdout.includes('\u001b['));
  });
});

test('--help and --version exit 0', async () => {
  const help = await cli(['validate', '--help'], { cwd: tmpdir() });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--format <format>/);
  const version = await cli(['--version'], { cwd: tmpdir() });
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});
