/**
 * Property: whatever text arrives — valid monitors with random edits, random bytes, or
 * well-formed YAML with values of random shape — the loader and validator never throw, and
 * every diagnostic has a location (file set, line >= 1, column >= 1). 10,000 documents in all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { ResourceValidator } from './resource-validator.js';
import { validateText } from './validate.js';
import { renderText } from '../report/render-text.js';

const root = new URL('../..', import.meta.url).pathname;
const validator = new ResourceValidator();
const seeds = ['testdata/valid', 'examples/monitors']
  .flatMap((dir) => {
    try {
      return readdirSync(join(root, dir))
        .filter((n) => n.endsWith('.yaml'))
        .map((n) => readFileSync(join(root, dir, n), 'utf8'));
    } catch {
      return [];
    }
  })
  .filter((t) => t.length > 0);

function check(text: string): void {
  const result = validateText(text, 'fuzz.yaml', { validator });
  for (const d of result.diagnostics) assertLocated(d);
  // The human renderer must cope with whatever positions and sources it is given.
  renderText(result);
}

function assertLocated(d: Diagnostic): void {
  assert.equal(d.file, 'fuzz.yaml');
  assert.ok(Number.isInteger(d.line) && d.line >= 1, `line ${d.line}: ${d.message}`);
  assert.ok(Number.isInteger(d.column) && d.column >= 1, `column ${d.column}: ${d.message}`);
  assert.equal(typeof d.path, 'string');
  assert.ok(d.message.length > 0);
}

// Characters that matter to YAML's grammar, so that edits break documents in interesting ways.
const yamlChar = fc.constantFrom(
  ...': -[]{},&*!|>\'"#%@`\t\n?\\\u0000\uFEFF'.split(''),
  'x',
  '1',
  'true',
  'null',
  '<<',
);

const edit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.array(yamlChar, { maxLength: 6 }).map((a) => a.join('')),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'truncate':
      return text.slice(0, at);
    case 'duplicateLine':
    case 'swapLines': {
      const lines = text.split('\n');
      const i = e.at % lines.length;
      if (e.kind === 'duplicateLine') lines.splice(i, 0, lines[i]!);
      else {
        const j = e.with % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return lines.join('\n');
    }
  }
}

test('mutated valid documents never throw and every diagnostic is located (4,000 runs)', () => {
  assert.ok(seeds.length > 0);
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 8 }), (seed, edits) => {
      check(edits.reduce(apply, seed));
    }),
    { numRuns: 4000 },
  );
});

test('garbage text never throws (3,000 runs)', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.array(yamlChar, { maxLength: 200 }).map((a) => a.join('')),
      ),
      (text) => {
        check(text);
      },
    ),
    { numRuns: 3000 },
  );
});

const anyValue = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, '', 0, -1, 1.5, 2 ** 60, true, '10s', '${param}', 'GET', [], {}),
);

// Well-formed YAML whose fields hold values of any shape: exercises schema, CEL and semantics.
const monitorLike = fc.record({
  apiVersion: fc.constantFrom('synthctl.dev/v1alpha1', 'synthctl.dev/v1', 'v1', 'apps/v1'),
  kind: fc.constantFrom('SyntheticMonitor', 'SyntheticsProject', 'List', 'Deployment'),
  metadata: fc.oneof(fc.record({ name: fc.oneof(fc.constant('m'), anyValue) }), anyValue),
  spec: fc.oneof(
    fc.dictionary(
      fc.constantFrom(
        'http',
        'tcp',
        'icmp',
        'browser',
        'schedule',
        'timeout',
        'locations',
        'params',
        'kibana',
        'projectId',
        'defaults',
      ),
      fc.oneof(
        anyValue,
        fc.dictionary(
          fc.constantFrom(
            'url',
            'host',
            'headers',
            'auth',
            'checks',
            'journey',
            'tls',
            'count',
            'body',
            'method',
          ),
          anyValue,
        ),
      ),
    ),
    anyValue,
  ),
  items: fc.option(fc.array(anyValue, { maxLength: 3 }), { nil: undefined }),
});

test('well-formed documents with values of any shape never throw (3,000 runs)', () => {
  fc.assert(
    fc.property(fc.array(monitorLike, { minLength: 1, maxLength: 3 }), (docs) => {
      check(docs.map((d) => stringify(d)).join('---\n'));
    }),
    { numRuns: 3000 },
  );
});
