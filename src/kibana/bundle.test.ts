import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  BundleError,
  MonitorTooLargeError,
  bundleJourney,
  checkMonitorSize,
  entryPathOf,
  wrapInlineJourney,
} from './bundle.js';
import { readZip } from './zip.js';

describe('bundleJourney', () => {
  const root = mkdtempSync(join(tmpdir(), 'synthctl-bundle-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'journeys'));
  writeFileSync(join(root, 'journeys', 'dep.ts'), 'export const answer: number = 42;\n');
  writeFileSync(
    join(root, 'journeys', 'ok.journey.ts'),
    "import { journey } from '@elastic/synthetics';\nimport { answer } from './dep';\njourney('J', () => { console.log(answer); });\n",
  );
  writeFileSync(join(root, 'journeys', 'broken.journey.ts'), "journey('J', () => {\n");
  writeFileSync(
    join(root, 'journeys', 'missing.journey.ts'),
    "import { x } from './nope';\nconsole.log(x);\n",
  );

  test('bundles local imports, keeps @elastic/synthetics external, one zip entry', async () => {
    const bundle = await bundleJourney(
      { kind: 'file', file: join(root, 'journeys', 'ok.journey.ts') },
      { root },
    );
    assert.equal(bundle.entryPath, 'journeys/ok.journey.ts');
    assert.match(bundle.code, /answer=42/u);
    assert.match(bundle.code, /require\("@elastic\/synthetics"\)/u);
    const files = readZip(Buffer.from(bundle.content, 'base64'));
    assert.deepEqual(
      files.map((f) => f.path),
      ['journeys/ok.journey.ts'],
    );
    assert.equal(files[0]!.data.toString(), bundle.code);
    // The inline source map names the file relative to the root, never an absolute path.
    const map = /sourceMappingURL=data:application\/json;base64,(.+)$/mu.exec(bundle.code)![1]!;
    const sources = (JSON.parse(Buffer.from(map, 'base64').toString()) as { sources: string[] }).sources;
    assert.deepEqual([...sources].sort(), ['journeys/dep.ts', 'journeys/ok.journey.ts']);
    assert.doesNotMatch(bundle.code, new RegExp(root.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'), 'u'));
  });

  for (const name of ['broken', 'missing']) {
    test(`a ${name} journey fails with BundleError naming the file`, async () => {
      await assert.rejects(
        bundleJourney({ kind: 'file', file: `journeys/${name}.journey.ts` }, { root }),
        (error: unknown) => {
          assert.ok(error instanceof BundleError);
          assert.equal(error.entry, `journeys/${name}.journey.ts`);
          assert.ok(error.messages.length > 0);
          assert.match(error.message, new RegExp(`journeys/${name}\\.journey\\.ts`, 'u'));
          return true;
        },
      );
    });
  }

  test('a journey outside the project root is refused', () => {
    assert.throws(() => entryPathOf(root, '../elsewhere/x.journey.ts'), BundleError);
    assert.equal(entryPathOf(root, 'a/b.journey.ts'), 'a/b.journey.ts');
  });

  test('inline module code is bundled under the given path', async () => {
    const bundle = await bundleJourney(
      {
        kind: 'module',
        code: wrapInlineJourney("step('s', () => {});", 'My "monitor"'),
        path: 'inline/x.journey.ts',
      },
      { root },
    );
    assert.match(bundle.code, /journey\)\(['"`]My \\?"monitor\\?"['"`]/u);
    assert.equal(readZip(Buffer.from(bundle.content, 'base64'))[0]!.path, 'inline/x.journey.ts');
  });
});

describe('helpers', () => {
  test('wrapInlineJourney wraps statements and keeps modules', () => {
    const wrapped = wrapInlineJourney("step('a', () => {});", 'Login');
    assert.match(wrapped, /^import \{ journey, step, expect, mfa \} from '@elastic\/synthetics';/u);
    assert.match(
      wrapped,
      /journey\("Login", \(\{ page, context, browser, params, request \}\) => \{\nstep\('a'/u,
    );
    const module = "import { journey } from '@elastic/synthetics';\njourney('x', () => {});";
    assert.equal(wrapInlineJourney(module, 'Login'), module);
  });

  test('checkMonitorSize measures like push and names the monitor', () => {
    assert.equal(checkMonitorSize('small', { a: 'x' }), 9);
    assert.throws(
      () => checkMonitorSize('big', { content: 'x'.repeat(1_500_600) }, 'monitors.yaml'),
      (error: unknown) =>
        error instanceof MonitorTooLargeError &&
        error.monitorId === 'big' &&
        error.sizeKB === 1501 &&
        /monitors\.yaml/u.test(error.message),
    );
  });
});
