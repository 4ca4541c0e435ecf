import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LoadError, STDIN_NAME, loadPaths, loadText } from './loader.js';

const monitor = (name: string) => `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: ${name}
spec:
  icmp:
    host: db.internal
`;

async function withTree<T>(files: Record<string, string>, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-loader-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('folders are searched recursively for *.yaml and *.yml, skipping hidden folders and other files', async () => {
  await withTree(
    {
      'a.yaml': monitor('a'),
      'nested/deeper/b.yml': monitor('b'),
      'nested/readme.md': '# not yaml',
      '.git/c.yaml': monitor('c'),
      'node_modules/x/d.yaml': monitor('d'),
    },
    async (dir) => {
      const result = await loadPaths(['.'], { cwd: dir });
      assert.deepEqual(result.files, ['a.yaml', join('nested', 'deeper', 'b.yml')]);
      assert.deepEqual(
        result.resources.map((r) => r.name),
        ['a', 'b'],
      );
      assert.equal(result.resources[1]!.file, join('nested', 'deeper', 'b.yml'));
      assert.ok(result.sources.get('a.yaml')?.includes('name: a'));
    },
  );
});

test('symlinked folder cycles are visited once', async () => {
  await withTree({ 'x/a.yaml': monitor('a') }, async (dir) => {
    await symlink(join(dir, 'x'), join(dir, 'x', 'loop'));
    const result = await loadPaths(['x'], { cwd: dir });
    assert.deepEqual(
      result.resources.map((r) => r.name),
      ['a'],
    );
  });
});

test('- reads standard input, named <stdin>', async () => {
  const stdin = Readable.from([Buffer.from(monitor('from-stdin'))]);
  const result = await loadPaths(['-'], { stdin });
  assert.equal(result.resources[0]!.name, 'from-stdin');
  assert.equal(result.resources[0]!.file, STDIN_NAME);
});

test('a missing path is a LoadError naming the path as given', async () => {
  await assert.rejects(loadPaths(['does/not/exist.yaml'], { cwd: tmpdir() }), (error: unknown) => {
    assert.ok(error instanceof LoadError);
    assert.equal(error.path, 'does/not/exist.yaml');
    assert.match(error.message, /no such file/);
    return true;
  });
});

test('an empty folder is a warning, not an error', async () => {
  await withTree({ 'empty/.keep': '' }, async (dir) => {
    const result = await loadPaths(['empty'], { cwd: dir });
    assert.equal(result.diagnostics[0]?.code, 'load.empty');
    assert.equal(result.diagnostics[0]?.severity, 'warning');
  });
});

test('List items are resources located inside the list', () => {
  const text = `apiVersion: v1
kind: List
items:
  - ${monitor('one').replace(/\n(?=.)/g, '\n    ')}
  - ${monitor('two').replace(/\n(?=.)/g, '\n    ')}`;
  const result = loadText(text, 'list.yaml');
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(
    result.resources.map((r) => [r.name, r.item]),
    [
      ['one', 0],
      ['two', 1],
    ],
  );
  const second = result.resources[1]!;
  assert.deepEqual(second.locate(['spec', 'icmp', 'host']), { line: 18, column: 15 });
  assert.deepEqual(second.locate(['spec', 'icmp', 'count']), { line: 17, column: 7 });
});

test('other kinds are skipped with a notice; non-resources and our kinds at the wrong version are errors', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
- a
- b
---
apiVersion: synthctl.dev/v1beta1
kind: SyntheticsProject
metadata: {name: p}
---
kind: SyntheticMonitor
---
apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata: {name: ok}
`;
  const result = loadText(text, 'mixed.yaml');
  assert.deepEqual(
    result.diagnostics.map((d) => [d.severity, d.code, d.line, d.column]),
    [
      ['notice', 'resource.skipped', 1, 1],
      ['error', 'resource.not-mapping', 5, 1],
      ['error', 'resource.apiVersion', 8, 13],
      ['error', 'resource.apiVersion', 12, 1],
    ],
  );
  assert.match(result.diagnostics[2]!.message, /valid: synthctl\.dev\/v1alpha1/);
  assert.deepEqual(
    result.resources.map((r) => r.id),
    ['SyntheticMonitor/ok'],
  );
});

test('a byte order mark is not content', () => {
  const result = loadText(`\uFEFF${monitor('bom')}`, 'bom.yaml');
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.resources[0]!.name, 'bom');
});

test('bytes that are not UTF-8 are a located error; UTF-16 with a byte order mark is read, as go-yaml does', async () => {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(monitor('utf16le'), 'utf16le')]);
  const be = Buffer.from(monitor('utf16be'), 'utf16le').swap16();
  const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
  const latin1 = Buffer.concat([
    Buffer.from('# caf'),
    Buffer.from([0xe9]),
    Buffer.from(`\n${monitor('latin1')}`),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-loader-'));
  try {
    await writeFile(join(dir, 'le.yaml'), utf16);
    await writeFile(join(dir, 'be.yaml'), utf16be);
    await writeFile(join(dir, 'latin1.yaml'), latin1);
    const result = await loadPaths(['le.yaml', 'be.yaml', 'latin1.yaml'], { cwd: dir });
    assert.deepEqual(
      result.resources.map((r) => r.name),
      ['utf16le', 'utf16be'],
    );
    assert.deepEqual(
      result.diagnostics.map((d) => [d.file, d.line, d.column, d.code]),
      [['latin1.yaml', 1, 6, 'yaml.encoding']],
    );
    assert.match(result.diagnostics[0]!.message, /not valid UTF-8: byte 0xe9 at line 1, column 6/);
    // Standard input is held to the same rule.
    const stdin = await loadPaths(['-'], { stdin: Readable.from([latin1]) });
    assert.equal(stdin.diagnostics[0]?.code, 'yaml.encoding');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file above the size limit is refused with its size and the limit, before it is parsed', async () => {
  await withTree({ 'big.yaml': `${monitor('big')}# ${'x'.repeat(2000)}\n` }, async (dir) => {
    await assert.rejects(
      loadPaths(['big.yaml'], { cwd: dir, maxFileBytes: 1024 }),
      (error: unknown) =>
        error instanceof LoadError &&
        /^big\.yaml: file is \d+ bytes, larger than the 1024 bytes \(1 KiB\) synthctl reads; split it/.test(
          error.message,
        ),
    );
  });
});

test('a resource larger than the API server stores (1.5 MiB as JSON) is a located error', () => {
  const inline = 'x'.repeat(1_600_000);
  const text = `${monitor('small')}---\napiVersion: synthctl.dev/v1alpha1\nkind: SyntheticMonitor\nmetadata:\n  name: huge\nspec:\n  browser:\n    journey:\n      inline: "${inline}"\n`;
  const result = loadText(text, 'huge.yaml');
  assert.deepEqual(
    result.diagnostics.map((d) => [d.line, d.column, d.code, d.resource]),
    [[9, 1, 'resource.too-large', 'SyntheticMonitor/huge']],
  );
  assert.match(
    result.diagnostics[0]!.message,
    /is 16\d{5} bytes as JSON; the API server stores objects of at most 1572864 bytes/,
  );
});
