/**
 * The speed-ups of `synthctl validate` change no diagnostic: every fixture and example,
 * validated as the CLI does it (the YAML fast path, inline journeys checked concurrently),
 * gives exactly what the `yaml` package alone and one synchronous esbuild check per journey
 * give (docs/benchmarks.md, Validation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
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
