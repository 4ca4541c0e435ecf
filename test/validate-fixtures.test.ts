/**
 * Every `testdata/invalid/*.yaml` must fail validation with the diagnostics its header names:
 *
 *   # expect: LINE:COL PATH :: MESSAGE-SUBSTRING
 *
 * PATH is the field path in Kubernetes notation (`-` for the document itself). Every
 * expectation must match one diagnostic (of any severity; the file must also have at least one
 * error) at exactly that line, column and path whose message contains the substring. Every `testdata/valid/*.yaml` must pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatePaths } from '../src/model/validate.js';
import { ResourceValidator } from '../src/model/resource-validator.js';
import type { Diagnostic } from '../src/model/diagnostics.js';

const root = new URL('..', import.meta.url).pathname;
const validator = new ResourceValidator();

interface Expectation {
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

function expectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of text.split('\n')) {
    const match = /^#\s*expect:\s*(\d+):(\d+)\s+(\S*)\s*::\s*(.+?)\s*$/.exec(line);
    if (match === null) continue;
    const [, l, c, path, message] = match;
    out.push({ line: Number(l), column: Number(c), path: path === '-' ? '' : path!, message: message! });
  }
  return out;
}

function show(d: Diagnostic): string {
  return `${d.line}:${d.column} ${d.path || '-'} :: ${d.message} [${d.severity} ${d.code}]`;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

for (const file of yamlFiles('testdata/invalid')) {
  test(`invalid fixture ${file}`, async () => {
    const expected = expectations(readFileSync(join(root, file), 'utf8'));
    assert.ok(expected.length > 0, `${file} has no "# expect:" header`);
    const { diagnostics } = await validatePaths([file], { cwd: root, validator });
    const problems = diagnostics;
    assert.ok(
      diagnostics.some((d) => d.severity === 'error'),
      `${file} validated without errors:\n${diagnostics.map(show).join('\n')}`,
    );
    for (const e of expected) {
      const found = problems.some(
        (d) =>
          d.line === e.line && d.column === e.column && d.path === e.path && d.message.includes(e.message),
      );
      assert.ok(
        found,
        `${file}: expected ${e.line}:${e.column} ${e.path || '-'} :: ${e.message}\nproduced:\n${problems.map(show).join('\n')}`,
      );
    }
    for (const d of diagnostics) {
      assert.equal(d.file, file);
      assert.ok(d.line >= 1 && d.column >= 1, show(d));
    }
  });
}

for (const file of yamlFiles('testdata/valid')) {
  test(`valid fixture ${file}`, async () => {
    const { diagnostics, resources } = await validatePaths([file], { cwd: root, validator });
    const errors = diagnostics.filter((d) => d.severity !== 'notice');
    assert.deepEqual(errors.map(show), []);
    assert.ok(resources.length > 0, `${file} holds no synthctl resource`);
  });
}
