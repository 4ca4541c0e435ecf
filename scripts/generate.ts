/**
 * `npm run generate`: rewrites every file derived from src/model/schema.ts — the CRDs, the
 * editor JSON Schemas and docs/reference.md — and the Grafana dashboards built in
 * observability/dashboards/. test/generated-fresh.test.ts compares the
 * committed files with `generateFiles()` and fails when they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RESOURCES, renderCrdFiles } from '../src/model/crd.js';
import { toEditorJsonSchema } from '../src/model/json-schema.js';
import { renderReference } from '../src/model/reference-doc.js';
import { renderDashboards } from '../observability/dashboards/index.js';

/** The repository root, where the generated paths are relative to. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every generated file: repository-relative path → content. */
export function generateFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, content] of renderCrdFiles()) files.set(`deploy/crds/${name}`, content);
  for (const resource of RESOURCES) {
    const jsonSchema = toEditorJsonSchema(resource.schema, resource.kind);
    files.set(`schema/${resource.jsonSchemaFile}`, `${JSON.stringify(jsonSchema, null, 2)}\n`);
  }
  files.set('docs/reference.md', renderReference());
  for (const [path, content] of renderDashboards()) files.set(path, content);
  return files;
}

/** Writes every generated file under `root`; returns the paths written. */
export function writeGeneratedFiles(root: string = REPO_ROOT): string[] {
  const written: string[] = [];
  for (const [path, content] of generateFiles()) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    written.push(path);
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const path of writeGeneratedFiles()) console.log(`wrote ${path}`);
}
