import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, generateFiles } from '../scripts/generate.js';

test('generated files are committed and fresh (otherwise: run npm run generate)', () => {
  const files = generateFiles();
  assert.ok(files.size >= 6);
  const stale: string[] = [];
  for (const [path, expected] of files) {
    let actual: string | undefined;
    try {
      actual = readFileSync(join(REPO_ROOT, path), 'utf8');
    } catch {
      actual = undefined;
    }
    if (actual !== expected) stale.push(actual === undefined ? `${path} (missing)` : path);
  }
  assert.deepEqual(
    stale,
    [],
    `stale generated files: ${stale.join(', ')} — run npm run generate and commit the result`,
  );
});

test('generation is deterministic', () => {
  assert.deepEqual([...generateFiles()], [...generateFiles()]);
});

test('the editor JSON Schemas are draft-07, keep closed objects and carry no Kubernetes extensions', () => {
  for (const [path, content] of generateFiles()) {
    if (!path.startsWith('schema/')) continue;
    const schema = JSON.parse(content) as Record<string, unknown>;
    assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
    assert.match(content, /"additionalProperties": false/);
    assert.doesNotMatch(content, /x-kubernetes-|"format": "int64"/);
  }
});

test('the reference documents every field and every rule', () => {
  const reference = generateFiles().get('docs/reference.md')!;
  for (const row of [
    '`spec.http.url`',
    '`spec.http.headers[].valueFrom.secretKeyRef.name`',
    '`spec.kibana.url`',
    '`status.type`',
  ]) {
    assert.ok(reference.includes(`| ${row} |`), row);
  }
  assert.match(reference, /exactly one of http, tcp, icmp or browser must be set/);
  assert.ok(reference.includes('| `spec.deletionPolicy` | string |  | `"Orphan"` |'));
});

test('the chart README documents every values key, and the chart copies match their sources', () => {
  const files = generateFiles();
  const readme = files.get('deploy/helm/synthctl/README.md')!;
  for (const row of [
    '`operator.replicas` | integer | `2`',
    '`runner.icmp.mode` | string ("unprivileged", "netRaw", "disabled") | `"unprivileged"`',
    '`projects` | array | `[]`',
  ]) {
    assert.ok(readme.includes(`| ${row} |`), row);
  }
  assert.equal(
    files.get('deploy/helm/synthctl/crds/synthetic-monitors.yaml'),
    files.get('deploy/crds/synthetic-monitors.yaml'),
  );
  assert.equal(
    files.get('deploy/helm/synthctl/files/dashboards/overview.json'),
    files.get('observability/dashboards/overview.json'),
  );
});
