import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import formatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { toEditorJsonSchema } from './json-schema.js';
import { SyntheticMonitor, SyntheticsProject } from './schema.js';

/** Ajv in strict mode refuses unknown keywords and formats, as picky editors would. */
function compile() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  formatsModule.default(ajv);
  return {
    SyntheticMonitor: ajv.compile(toEditorJsonSchema(SyntheticMonitor, 'SyntheticMonitor')),
    SyntheticsProject: ajv.compile(toEditorJsonSchema(SyntheticsProject, 'SyntheticsProject')),
  };
}

test('the editor schemas compile as strict draft-07 and accept the examples', () => {
  const validators = compile();
  const dir = join(import.meta.dirname, '../../examples/monitors');
  if (!existsSync(dir)) return;
  let count = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const value = doc.toJS() as { kind?: string } | null;
      if (value?.kind !== 'SyntheticMonitor' && value?.kind !== 'SyntheticsProject') continue;
      const validate = validators[value.kind];
      assert.ok(validate(value), `${file}: ${JSON.stringify(validate.errors)}`);
      count++;
    }
  }
  assert.ok(count > 0);
});

test('the editor schemas keep closed objects, so a misspelt field is flagged', () => {
  const { SyntheticMonitor: validate } = compile();
  const monitor = {
    apiVersion: 'synthctl.dev/v1alpha1',
    kind: 'SyntheticMonitor',
    metadata: { name: 'a' },
    spec: { http: { url: 'https://a' } },
  };
  assert.ok(validate(monitor));
  assert.ok(!validate({ ...monitor, spec: { http: { url: 'https://a', methd: 'GET' } } }));
  assert.equal(validate.errors?.[0]?.keyword, 'additionalProperties');
  assert.ok(!validate({ ...monitor, apiVersion: 'synthctl.dev/v1' }));
});
