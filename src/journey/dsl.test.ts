import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSyntheticsArgs } from '../checks/browser.js';
import { CheckFailure } from '../checks/errors.js';
import { ArtifactStore, safeSegment } from './artifacts.js';
import { JourneyBundler, JourneyCompileError } from './bundle.js';
import { JourneyDefinitionError } from './dsl.js';
import * as publicApi from './index.js';
import { globToRegExp, isJourneyMatch } from './match.js';
import { selectJourneys } from './runner.js';

const fakeExpect = () => undefined;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-journey-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a journey file importing @elastic/synthetics or synthctl/journey registers journeys, steps and hooks', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'helper.ts'), 'export const greeting: string = "hi";\n');
  await writeFile(
    join(dir, 'a.journey.ts'),
    `import { journey, step, before, after, beforeAll, monitor } from '@elastic/synthetics';
import { expect } from 'synthctl/journey';
import { greeting } from './helper';
beforeAll(() => undefined);
monitor.use({ schedule: 10 });
journey({ name: 'one', id: 'j1', tags: ['a'] }, ({ page }) => {
  monitor.use({ tags: ['x'] });
  before(() => undefined);
  after(() => undefined);
  step(greeting, () => expect);
  step.soft('soft', () => undefined);
  step.skip('skip', () => undefined);
});
journey.skip('two', () => undefined);
journey('three', () => undefined);
`,
  );
  const suite = await new JourneyBundler({ expect: fakeExpect as never }).load({
    kind: 'file',
    path: join(dir, 'a.journey.ts'),
  });
  assert.deepEqual(
    suite.journeys.map((j) => [j.name, j.id, j.tags, j.modifier]),
    [
      ['one', 'j1', ['a'], 'none'],
      ['two', 'two', [], 'skip'],
      ['three', 'three', [], 'none'],
    ],
  );
  assert.equal(suite.beforeAll.length, 1);
  assert.deepEqual(suite.monitor, { schedule: 10 });
  const scope = suite.open(suite.journeys[0]!);
  void suite.journeys[0]!.callback({} as never);
  suite.close();
  assert.deepEqual(
    scope.steps.map((s) => [s.name, s.index, s.modifier]),
    [
      ['hi', 1, 'none'],
      ['soft', 2, 'soft'],
      ['skip', 3, 'skip'],
    ],
  );
  assert.equal(scope.before.length, 1);
  assert.equal(scope.after.length, 1);
  assert.deepEqual(suite.journeys[0]!.monitor, { tags: ['x'] });
});

test('every load evaluates the file afresh: module state never leaks between runs', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'state.journey.js');
  await writeFile(
    file,
    `const { journey } = require('@elastic/synthetics');
let loads = 0;
loads++;
journey('loads ' + loads, () => undefined);
`,
  );
  const bundler = new JourneyBundler({ expect: fakeExpect as never });
  const first = await bundler.load({ kind: 'file', path: file });
  const second = await bundler.load({ kind: 'file', path: file });
  assert.equal(first.journeys[0]?.name, 'loads 1');
  assert.equal(second.journeys[0]?.name, 'loads 1');
  // An edit is noticed (mtime) and recompiled.
  await writeFile(
    file,
    `const { journey } = require('@elastic/synthetics');\njourney('edited', () => undefined);\n`,
  );
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  assert.equal((await bundler.load({ kind: 'file', path: file })).journeys[0]?.name, 'edited');
});

test('inline journeys get the locals Elastic injects; module-style inline sources run as written', async (t) => {
  const dir = await tempDir(t);
  const bundler = new JourneyBundler({ expect: fakeExpect as never });
  const body = await bundler.load({
    kind: 'inline',
    source: "step('uses params', () => params.x);\nstep('and expect', () => expect);",
    name: 'Inline monitor',
    id: 'inline-id',
    resolveDir: dir,
  });
  assert.deepEqual(
    body.journeys.map((j) => [j.name, j.id]),
    [['Inline monitor', 'inline-id']],
  );
  const scope = body.open(body.journeys[0]!);
  void body.journeys[0]!.callback({ params: { x: 1 } } as never);
  body.close();
  assert.deepEqual(
    scope.steps.map((s) => s.name),
    ['uses params', 'and expect'],
  );
  const module = await bundler.load({
    kind: 'inline',
    source: "import { journey } from '@elastic/synthetics';\njourney('own name', () => undefined);",
    name: 'ignored',
    id: 'ignored',
    resolveDir: dir,
  });
  assert.deepEqual(
    module.journeys.map((j) => j.name),
    ['own name'],
  );
});

test('compile errors name the file and line; DSL misuse is a clear error', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'bad.journey.ts'),
    "import { journey } from '@elastic/synthetics';\njourney('x', () => {\n",
  );
  const bundler = new JourneyBundler({ expect: fakeExpect as never });
  await assert.rejects(bundler.load({ kind: 'file', path: join(dir, 'bad.journey.ts') }), (err: unknown) => {
    assert.ok(err instanceof JourneyCompileError);
    assert.match(err.message, /bad\.journey\.ts:3:\d+/);
    return true;
  });
  await writeFile(join(dir, 'outside.journey.js'), "require('@elastic/synthetics').step('lost', () => 1);\n");
  await assert.rejects(
    bundler.load({ kind: 'file', path: join(dir, 'outside.journey.js') }),
    (err: unknown) => {
      assert.ok(err instanceof JourneyDefinitionError);
      assert.match(err.message, /step\("lost"\) is called outside of a journey callback/);
      return true;
    },
  );
});

test('synthctl/journey outside synthctl explains itself; expect is Playwright’s', () => {
  assert.throws(
    () => publicApi.journey('x', () => undefined),
    /only works in a journey file run by synthctl/,
  );
  assert.throws(() => publicApi.step.soft('x', () => undefined), /step\.soft\(\) only works/);
  assert.doesNotThrow(() => {
    (publicApi.expect(1) as { toBe(v: unknown): void }).toBe(1);
  });
  assert.throws(() => {
    (publicApi.expect(1) as { toBe(v: unknown): void }).toBe(2);
  });
});

test('selection follows Elastic: only wins, tags win over match, match globs names and tags', async () => {
  const j = (name: string, tags: string[] = []) => ({ name, tags });
  assert.ok(isJourneyMatch(j('Shop login'), 'Shop login', undefined));
  assert.ok(isJourneyMatch(j('Shop login'), 'Shop*', undefined));
  assert.ok(!isJourneyMatch(j('Shop login'), 'Shop', undefined));
  assert.ok(isJourneyMatch(j('x', ['smoke']), 'smoke', undefined));
  assert.ok(isJourneyMatch(j('x', ['smoke']), 'nope', ['smo*']));
  assert.ok(!isJourneyMatch(j('x', ['smoke']), 'x', ['prod']));
  assert.ok(!isJourneyMatch(j('untagged'), undefined, ['prod']));
  assert.ok(globToRegExp('{a,b}.?').test('b.c'));
  const bundler = new JourneyBundler({ expect: fakeExpect as never });
  const dir = await mkdtemp(join(tmpdir(), 'synthctl-journey-'));
  try {
    await writeFile(
      join(dir, 'o.journey.js'),
      "const { journey } = require('@elastic/synthetics');\njourney('a', () => 1);\njourney.only('b', () => 1);\njourney.skip('c', () => 1);\n",
    );
    const suite = await bundler.load({ kind: 'file', path: join(dir, 'o.journey.js') });
    const { selected, notSelected } = selectJourneys(suite, 'a', undefined);
    assert.deepEqual(
      selected.map((s) => s.name),
      ['b'],
    );
    assert.equal(notSelected.length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('syntheticsArgs: the supported flags parse; anything else is a config error naming the valid ones', () => {
  assert.deepEqual(
    parseSyntheticsArgs([
      '--screenshots',
      'off',
      '--trace=on',
      '--video',
      'retain-on-failure',
      '--step-timeout',
      '30s',
    ]),
    {
      screenshots: 'off',
      trace: 'on',
      video: 'retain-on-failure',
      stepTimeoutMs: 30_000,
    },
  );
  assert.throws(
    () => parseSyntheticsArgs(['--screenshots', 'sometimes']),
    (err: unknown) => {
      assert.ok(err instanceof CheckFailure);
      assert.match(err.message, /needs one of on, off, only-on-failure, got sometimes/);
      return true;
    },
  );
  assert.throws(() => parseSyntheticsArgs(['--sandbox']), /not supported by synthctl's runner; valid are/);
});

test('artifact retention keeps the newest runs per monitor and drops old ones', async (t) => {
  const root = await tempDir(t);
  let now = Date.now();
  const store = new ArtifactStore({ root, retention: { maxRuns: 2, maxAgeMs: 60_000 }, now: () => now });
  for (const [i, age] of [
    [1, 30_000],
    [2, 20_000],
    [3, 10_000],
  ] as const) {
    const run = store.run('shop/login', `run-${i}`);
    const file = await run.write('step-1.jpg', 'x');
    const when = new Date(now - age);
    await utimes(run.dir, when, when);
    assert.ok(file.endsWith('step-1.jpg'));
  }
  assert.equal(safeSegment('shop/login'), 'shop_login');
  const removed = await store.prune('shop/login');
  assert.deepEqual(
    removed.map((p) => p.split('/').at(-1)),
    ['run-1'],
  );
  now += 45_000;
  const aged = await store.prune('shop/login');
  assert.deepEqual(
    aged.map((p) => p.split('/').at(-1)),
    ['run-2'],
  );
  await mkdir(join(root, 'other'), { recursive: true });
  assert.deepEqual(await store.prune('missing'), []);
});
