/**
 * Parity oracle: for each project under testdata/parity/<name>/, the real
 * `@elastic/synthetics push` (the devDependency, 1.26.3) pushes the Elastic project to the fake
 * Kibana, and synthctl translates the same project written as resources (resources.yaml).
 * Every monitor must equal push's key by key, except `hash` and the differences listed in the
 * project's parity.json, each of which docs/elastic-compatibility.md must explain.
 * Then our payloads go through the fake's `_bulk_update` (Kibana's codec, key and location
 * checks) and must not fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { SyntheticMonitor, SyntheticsProject } from '../src/model/schema.js';
import { translateMonitor, type ProjectMonitorPayload } from '../src/kibana/translate.js';
import { importElasticProject } from '../src/load/import-elastic.js';
import { FakeKibana } from './fakes/kibana/index.js';

const ROOT = new URL('..', import.meta.url).pathname;
const PARITY = join(ROOT, 'testdata', 'parity');
const PUSH_BIN = join(ROOT, 'node_modules', '.bin', 'elastic-synthetics');
const COMPAT_DOC = join(ROOT, 'docs', 'elastic-compatibility.md');
const BULK_UPDATE = '/api/synthetics/project/{projectId}/monitors/_bulk_update';

interface ParityConfig {
  /** Monitor id (or `*`) → dotted paths allowed to differ, each explained in the compatibility doc. */
  allowedDifferences: Record<string, string[]>;
  /** Monitor id → the warnings translate must report, as `<code> <path>`. */
  expectedIssues?: Record<string, string[]>;
  /** Monitor id → paths where `synthctl import elastic` does not yet reproduce push. */
  importGaps?: Record<string, string[]>;
}

type Json = Record<string, unknown>;

function loadResources(file: string): { project: SyntheticsProject; monitors: SyntheticMonitor[] } {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as Json);
  const project = docs.find((doc) => doc['kind'] === 'SyntheticsProject') as SyntheticsProject | undefined;
  assert.ok(project, `${file} declares no SyntheticsProject`);
  const monitors = docs.filter((doc) => doc['kind'] === 'SyntheticMonitor') as unknown as SyntheticMonitor[];
  return { project, monitors };
}

/** Runs push in `cwd` against `url`; resolves with its output, rejects on a non-zero exit. */
function runPush(
  cwd: string,
  url: string,
  apiKey: string,
  projectId: string,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', NO_COLOR: '1' };
    delete env['NODE_ENV'];
    delete env['SYNTHETICS_API_KEY'];
    const child = spawn(
      process.execPath,
      [PUSH_BIN, 'push', '--auth', apiKey, '--url', url, '--id', projectId, '-y'],
      {
        cwd,
        env,
        signal,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`push exited with ${String(code)}:\n${output}`));
    });
  });
}

/** Deletes `path` from `obj`; segments may be dotted keys themselves (`check.response.json`). */
function deletePath(obj: Json, path: string): void {
  let node: Json = obj;
  let parts = path.split('.');
  while (parts.length > 0) {
    // The longest prefix of the remaining segments that is a key of this node.
    let length = parts.length;
    while (length > 0 && !Object.hasOwn(node, parts.slice(0, length).join('.'))) length--;
    if (length === 0) return;
    const key = parts.slice(0, length).join('.');
    parts = parts.slice(length);
    if (parts.length === 0) {
      Reflect.deleteProperty(node, key);
      return;
    }
    const next = node[key];
    if (next === null || typeof next !== 'object') return;
    node = next as Json;
  }
}

/** A deep copy without `hash` and the allowed differences, for comparison. */
function comparable(monitor: Json, allowed: readonly string[]): Json {
  const copy = structuredClone(monitor);
  delete copy['hash'];
  for (const path of allowed) deletePath(copy, path);
  return copy;
}

const projects = existsSync(PARITY) ? readdirSync(PARITY).sort() : [];
const pushAvailable = existsSync(PUSH_BIN);

describe('parity with @elastic/synthetics push', () => {
  let kibana: FakeKibana;
  const workDirs: string[] = [];

  before(async () => {
    kibana = await FakeKibana.start({ spaces: ['team-b', 'team-c'] });
    for (const label of ['Shop DC', 'Ops DC', 'Edge DC']) kibana.addPrivateLocation({ label });
  });

  after(async () => {
    await kibana.stop();
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  });

  test('there are parity projects', () => {
    assert.ok(projects.length >= 3, `expected at least 3 projects under ${PARITY}, found ${projects.length}`);
  });

  for (const name of projects) {
    test(
      `${name}: our payloads equal push's`,
      { skip: pushAvailable ? false : `${PUSH_BIN} is not installed` },
      async (t) => {
        const config = JSON.parse(readFileSync(join(PARITY, name, 'parity.json'), 'utf8')) as ParityConfig;
        const work = mkdtempSync(join(tmpdir(), `synthctl-parity-${name}-`));
        workDirs.push(work);
        cpSync(join(PARITY, name), work, { recursive: true });
        symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
        const { project, monitors } = loadResources(join(work, 'resources.yaml'));
        const projectId = project.spec.projectId;

        kibana.clearRequests();
        await runPush(work, kibana.url, kibana.apiKey, projectId, AbortSignal.timeout(120_000));
        const puts = kibana.requestsTo(BULK_UPDATE, 'PUT');
        assert.ok(puts.length > 0, 'push sent no _bulk_update');
        for (const put of puts)
          assert.equal(put.status, 200, `the fake refused push's own body (${put.status})`);
        const pushed = new Map<string, Json>();
        for (const put of puts) {
          for (const monitor of (put.body as { monitors: Json[] }).monitors)
            pushed.set(monitor['id'] as string, monitor);
        }
        const doc = existsSync(COMPAT_DOC) ? readFileSync(COMPAT_DOC, 'utf8') : '';
        const allowedFor = (id: string): string[] => [
          ...(config.allowedDifferences['*'] ?? []),
          ...(config.allowedDifferences[id] ?? []),
        ];

        await t.test('the hand-written resources (resources.yaml)', async () => {
          const ours = new Map<string, ProjectMonitorPayload>();
          for (const monitor of monitors) {
            const translation = await translateMonitor(monitor, {
              project,
              sourceFile: join(work, 'resources.yaml'),
            });
            assert.deepEqual(
              translation.issues.map((issue) => `${issue.code} ${issue.path}`),
              config.expectedIssues?.[translation.monitorId] ?? [],
              `${translation.monitorId}: issues`,
            );
            assert.ok(
              translation.issues.every((issue) => issue.severity === 'warning'),
              'no error issues',
            );
            ours.set(translation.monitorId, translation.payload);
          }
          assert.deepEqual([...ours.keys()].sort(), [...pushed.keys()].sort(), 'the same monitor ids');

          for (const [id, theirs] of pushed) {
            const allowed = allowedFor(id);
            for (const path of allowed) {
              assert.ok(
                doc.includes(`\`${path}\``),
                `difference ${path} is not explained in docs/elastic-compatibility.md`,
              );
            }
            assert.deepEqual(
              comparable(ours.get(id)!, allowed),
              comparable(theirs, allowed),
              `monitor ${id}`,
            );
            assert.notEqual(ours.get(id)!.hash, '', `monitor ${id} has a hash`);
          }

          // Kibana (the fake's codec, key and location checks) takes our payloads as they are.
          const space = project.spec.kibana.space ?? 'default';
          const response = await fetch(
            `${kibana.url}/s/${space}/api/synthetics/project/${projectId}/monitors/_bulk_update`,
            {
              method: 'PUT',
              headers: {
                authorization: `ApiKey ${kibana.apiKey}`,
                'content-type': 'application/json',
                'kbn-xsrf': 'true',
              },
              body: JSON.stringify({ monitors: [...ours.values()] }),
            },
          );
          assert.equal(response.status, 200);
          const result = (await response.json()) as { failedMonitors: unknown[]; updatedMonitors: string[] };
          assert.deepEqual(result.failedMonitors, []);
          assert.deepEqual([...result.updatedMonitors].sort(), [...ours.keys()].sort());
        });

        // The round trip users take: `synthctl import elastic`, then translate. Gaps of the
        // importer are listed in parity.json (importGaps) until it closes them.
        await t.test('the resources from synthctl import elastic', async () => {
          const imported = importElasticProject({ dir: work, outDir: work, cwd: work });
          const errors = imported.diagnostics.filter((d) => d.severity === 'error');
          assert.deepEqual(errors, [], 'import errors');
          const importedProject = imported.resources.find((r) => r.resource.kind === 'SyntheticsProject')
            ?.resource as SyntheticsProject | undefined;
          const ours = new Map<string, ProjectMonitorPayload>();
          for (const { resource, fileName } of imported.resources) {
            if (resource.kind !== 'SyntheticMonitor') continue;
            const translation = await translateMonitor(resource, {
              ...(importedProject === undefined ? {} : { project: importedProject }),
              sourceFile: join(work, fileName),
            });
            const gaps = config.importGaps?.[translation.monitorId] ?? [];
            if (gaps.length === 0) {
              assert.ok(
                translation.issues.every((issue) => issue.severity === 'warning'),
                `${translation.monitorId}: no error issues`,
              );
            }
            ours.set(translation.monitorId, translation.payload);
          }
          assert.deepEqual([...ours.keys()].sort(), [...pushed.keys()].sort(), 'the same monitor ids');
          for (const [id, theirs] of pushed) {
            const allowed = [...allowedFor(id), ...(config.importGaps?.[id] ?? [])];
            // Kibana keeps spaces as a set (the saved object's namespaces).
            const sortSpaces = (m: Json): Json =>
              Array.isArray(m['spaces']) ? { ...m, spaces: [...(m['spaces'] as string[])].sort() } : m;
            assert.deepEqual(
              sortSpaces(comparable(ours.get(id)!, allowed)),
              sortSpaces(comparable(theirs, allowed)),
              `monitor ${id}`,
            );
          }
        });
      },
    );
  }
});
