import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CrdWriteError, runCrdCommand } from './crd.js';
import { main } from './main.js';

const capture = () => {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    output: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    },
  };
};

test('synthctl crd prints both CRDs as multi-document YAML', async () => {
  const { out, output } = capture();
  assert.deepEqual(await runCrdCommand({}, output), []);
  const docs = parseAllDocuments(out.stdout).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string } },
  );
  assert.deepEqual(
    docs.map((d) => [d.kind, d.metadata.name]),
    [
      ['CustomResourceDefinition', 'syntheticmonitors.synthctl.dev'],
      ['CustomResourceDefinition', 'syntheticsprojects.synthctl.dev'],
    ],
  );
});

test('synthctl crd --output-dir writes one file per CRD and a kustomization, relative to the cwd', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-crd-'));
  try {
    const { out, output } = capture();
    assert.equal(await main(['crd', '--output-dir', 'crds'], { ...output, cwd: dir }), 0);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /wrote .*synthetic-monitors.yaml/);
    const kustomization = await readFile(join(dir, 'crds', 'kustomization.yaml'), 'utf8');
    assert.match(kustomization, /synthetics-projects.yaml/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('synthctl crd through main prints YAML and exits 0; an unwritable directory exits 2', async () => {
  const printed = capture();
  assert.equal(await main(['crd'], printed.output), 0);
  assert.match(printed.out.stdout, /name: syntheticmonitors.synthctl.dev/);
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-crd-'));
  try {
    await writeFile(join(dir, 'file'), '');
    const failed = capture();
    assert.equal(await main(['crd', '-d', join(dir, 'file', 'sub')], failed.output), 2);
    assert.match(failed.out.stderr, /^synthctl: cannot write .*file\/sub/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an output directory that cannot be created is a CrdWriteError naming the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-crd-'));
  try {
    await writeFile(join(dir, 'file'), '');
    const { output } = capture();
    await assert.rejects(runCrdCommand({ outputDir: join(dir, 'file', 'sub') }, output), (error: unknown) => {
      assert.ok(error instanceof CrdWriteError);
      assert.match(error.message, /file\/sub/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
