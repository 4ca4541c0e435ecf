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
