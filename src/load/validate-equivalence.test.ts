/**
 * The speed-ups of `synthctl validate` change no diagnostic: every fixture and example,
 * validated as the CLI does it (the YAML fast path, inline journeys checked concurrently),
 * gives exactly what the `yaml` package alone and one synchronous esbuild check per journey
 * give (docs/benchmarks.md, Validation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ResourceValidator } from '../model/resource-validator.js';
import { validateLoaded, validatePaths } from '../model/validate.js';
import { decodeInput, type LoadResult } from './loader.js';
import { extractResources } from './resources.js';
import { parseWithYaml } from './yaml-document.js';

const root = new URL('../..', import.meta.url).pathname;
const validator = new ResourceValidator();

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/u.test(name)) out.push(relative(root, full));
  }
  return out;
}

function readFile(path: string): string | undefined {
  const full = isAbsolute(path) ? path : resolve(root, path);
  try {
    return statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function loadWithYamlOnly(file: string): LoadResult {
  // Decoding (and refusing what is not UTF-8) is not a speed-up: both sides share it.
  const { text, diagnostic } = decodeInput(readFileSync(resolve(root, file)), file);
  if (diagnostic !== undefined)
    return { resources: [], diagnostics: [diagnostic], sources: new Map([[file, text]]), files: [file] };
  const clean = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const { resources, diagnostics } = extractResources(parseWithYaml(clean, file));
  return { resources, diagnostics, sources: new Map([[file, clean]]), files: [file] };
}

test('fixtures and examples: the same diagnostics and resources as before the speed-ups', async () => {
  const files = ['testdata', 'examples'].flatMap((dir) => yamlFiles(join(root, dir)));
  assert.ok(files.length > 50, `only ${files.length} files`);
  for (const file of files) {
    const now = await validatePaths([file], { cwd: root, validator });
    const before = validateLoaded(loadWithYamlOnly(file), validator, readFile);
    assert.deepEqual(now.diagnostics, before.diagnostics, file);
    assert.deepEqual(
      now.accepted.map((r) => [r.id, r.object, r.position]),
      before.accepted.map((r) => [r.id, r.object, r.position]),
      file,
    );
  }
});

/** What `synthctl validate` gives for `file` and what the `yaml` package alone gives agree. */
async function assertSame(file: string, cwd: string): Promise<void> {
  const now = await validatePaths([file], { cwd, validator });
  const before = validateLoaded(loadWithYamlOnly(file), validator, readFile);
  assert.deepEqual(now.diagnostics, before.diagnostics, file);
  assert.deepEqual(
    now.accepted.map((r) => [r.id, r.object, r.position]),
    before.accepted.map((r) => [r.id, r.object, r.position]),
    file,
  );
}

const PROJECT = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticsProject
metadata:
  name: bench
spec:
  kibana:
    url: http://127.0.0.1:5601
    apiKey: {valueFrom: {env: SYNTHETICS_API_KEY}}
  projectId: bench-synthctl
  defaults:
    schedule: 3m
    locations: [us_east]
`;

function monitor(i: number, extra = ''): string {
  const id = `service-${String(i).padStart(5, '0')}`;
  return `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: ${id}
spec:
  id: ${id}
  name: Service ${i}
  timeout: 10s
  tags: [bench]
  http:
    url: https://${id}.example.com/healthz
    checks:
      status: [200]
${extra}`;
}

// Several documents per file, as bench/kibana-sync.bench.ts writes them and `kubectl
// kustomize` prints them, with the markers and mistakes that must change nothing.
const STREAMS: Record<string, string> = {
  'plain.yaml': [PROJECT, ...Array.from({ length: 40 }, (_, i) => monitor(i))].join('---\n'),
  'leading-and-trailing.yaml': `# generated\n---\n${PROJECT}---\n${monitor(1)}...\n---\n${monitor(2)}...\n`,
  'comment-markers.yaml': `--- # the project\n${PROJECT}--- # a monitor\n${monitor(3)}---\n# nothing\n---\n`,
  'empty-documents.yaml': `---\n---\n${monitor(4)}---\n...\n---\n${monitor(5)}---\n`,
  'block-scalar.yaml': `${monitor(6, '  description: |\n    one\n---\n    two\n')}---\n${monitor(7)}`,
  'tag.yaml': `${PROJECT}--- !!map\n${monitor(8)}`,
  'same-line.yaml': `${PROJECT}--- apiVersion: v1\n${monitor(9)}`,
  'crlf.yaml': `${PROJECT}---\n${monitor(10)}`.replace(/\n/gu, '\r\n'),
  'directive.yaml': `%YAML 1.2\n---\n${PROJECT}---\n${monitor(11)}`,
  'duplicate-key.yaml': `${PROJECT}---\n${monitor(12, '  timeout: 20s\n')}---\n${monitor(13)}`,
  'bad-field.yaml': `${PROJECT}---\n${monitor(14).replace('timeout: 10s', 'timeout: soon')}---\n${monitor(15, '  bogus: 1\n')}`,
  'yaml11.yaml': `${PROJECT}---\n${monitor(16, '  enabled: no\n')}`,
  'content-after-end.yaml': `${PROJECT}...\n${monitor(17)}`,
  'quoted.yaml': `${PROJECT}---\n${monitor(18, '  description: "one\n---\n  two"\n')}`,
};

test('multi-document files: the same diagnostics and resources as before the speed-ups', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-streams-'));
  try {
    const fixtures = ['testdata', 'examples'].flatMap((d) => yamlFiles(join(root, d)));
    // The fixtures and examples of each folder as one stream, as kustomize would print them.
    const byFolder = new Map<string, string[]>();
    for (const file of fixtures) {
      const text = readFileSync(resolve(root, file), 'utf8');
      if (text.startsWith('\uFEFF') || !text.endsWith('\n')) continue;
      const texts = byFolder.get(dirname(file)) ?? [];
      texts.push(text);
      byFolder.set(dirname(file), texts);
    }
    const files: Record<string, string> = { ...STREAMS };
    let n = 0;
    for (const texts of byFolder.values())
      if (texts.length > 1) files[`folder-${n++}.yaml`] = texts.join('---\n');
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
      await assertSame(join(dir, name), dir);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
