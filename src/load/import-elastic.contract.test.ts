/**
 * Contract test: `@elastic/synthetics` 1.26.3 (the devDependency) is the oracle. For the same
 * lightweight project, what push would send (`createLightweightMonitors`, the function
 * `push` calls) must equal the monitors synthctl imports once synthctl's own defaults merge
 * (`mergeDefaults`) is applied — field by field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mergeDefaults } from '../model/defaults.js';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import { importElasticProject } from './import-elastic.js';
import { scheduleToDuration } from './import-elastic-schedule.js';

const FIXTURES = resolve(import.meta.dirname, '../../testdata/elastic-projects');

interface PushMonitor {
  config: Record<string, unknown>;
}
type CreateLightweightMonitors = (dir: string, options: Record<string, unknown>) => Promise<PushMonitor[]>;

function loadOracle(): CreateLightweightMonitors | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@elastic/synthetics/dist/push/monitor') as {
      createLightweightMonitors?: CreateLightweightMonitors;
    };
    return mod.createLightweightMonitors;
  } catch {
    return undefined;
  }
}

const list = (value: unknown): unknown =>
  value === undefined ? undefined : typeof value === 'string' ? [value] : value;
const sorted = (value: unknown): unknown => (Array.isArray(value) ? [...(value as string[])].sort() : value);

/** What synthctl must have for one monitor push would send. */
function expectedFromPush(config: Record<string, unknown>): Record<string, unknown> {
  const schedule = config.schedule as number | '10s' | '30s' | undefined;
  const fields = config.fields as Record<string, unknown> | undefined;
  const target = list(config.type === 'http' ? config.urls : config.hosts) as string[] | undefined;
  return {
    id: config.id,
    name: config.name,
    schedule: schedule === undefined ? undefined : scheduleToDuration(schedule),
    enabled: config.enabled,
    namespace: config.namespace,
    locations: list(config.locations),
    privateLocations: list(config.privateLocations),
    tags: list(config.tags),
    maintenanceWindows: list(config.maintenanceWindows),
    retestOnFailure: config.retestOnFailure,
    fields:
      fields === undefined
        ? undefined
        : Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])),
    alert: config.alert,
    spaces: sorted(config.spaces),
    target: target?.[0],
  };
}

function actualFromSynthctl(
  monitor: SyntheticMonitor,
  project: SyntheticsProject | undefined,
): Record<string, unknown> {
  const spec = mergeDefaults(monitor.spec, project?.spec.defaults);
  // A monitor without spaces lives in the project space only, which is what push's absent key means.
  const spaces = spec.spaces === undefined ? undefined : [...spec.spaces].sort();
  return {
    id: spec.id,
    name: spec.name,
    schedule: spec.schedule,
    enabled: spec.enabled,
    namespace: spec.namespace,
    locations: spec.locations,
    privateLocations: spec.privateLocations,
    tags: spec.tags,
    maintenanceWindows: spec.maintenanceWindows,
    retestOnFailure: spec.retestOnFailure,
    fields: spec.fields,
    alert: spec.alert,
    spaces,
    target: spec.http?.url ?? spec.tcp?.host ?? spec.icmp?.host,
  };
}

const CONFIG = {
  monitor: {
    schedule: 5,
    locations: ['us_west'],
    privateLocations: ['Berlin DC'],
    tags: ['project-tag'],
    fields: { team: 'platform', region: 'eu' },
    alert: { status: { enabled: true }, tls: { enabled: false } },
    retestOnFailure: true,
    spaces: ['ops'],
    namespace: 'platform',
  },
  project: { id: 'oracle', url: 'https://kibana.example.com', space: 'default' },
};

const VARIANTS: { name: string; config: typeof CONFIG | undefined }[] = [
  { name: 'without synthetics.config', config: undefined },
  { name: 'with project defaults in synthetics.config', config: CONFIG },
];

for (const variant of VARIANTS) {
  test(`contract: lightweight-only ${variant.name} equals what @elastic/synthetics push sends`, async (t) => {
    const createLightweightMonitors = loadOracle();
    if (createLightweightMonitors === undefined) {
      t.skip('@elastic/synthetics is not installed: the oracle is unavailable');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'synthctl-oracle-'));
    try {
      copyFileSync(join(FIXTURES, 'lightweight-only', 'heartbeat.yml'), join(dir, 'heartbeat.yml'));
      // push's options after normalizeOptions('push'): config.monitor keys, fields, params, space.
      const options: Record<string, unknown> = { grepOpts: {}, kibanaVersion: '9.1.0', params: {} };
      if (variant.config !== undefined) {
        writeFileSync(
          join(dir, 'synthetics.config.js'),
          `module.exports = ${JSON.stringify(variant.config)};`,
        );
        Object.assign(options, variant.config.monitor, { space: variant.config.project.space });
      }
      const warn = console.warn;
      const log = console.log;
      console.warn = () => undefined; // push warns about schedule snapping on every run
      console.log = () => undefined;
      let pushed: PushMonitor[];
      try {
        pushed = await createLightweightMonitors(dir, options);
      } finally {
        console.warn = warn;
        console.log = log;
      }

      const imported = importElasticProject({ dir, cwd: dir });
      const monitors = imported.resources
        .map((r) => r.resource)
        .filter((r): r is SyntheticMonitor => r.kind === 'SyntheticMonitor');
      const project = imported.resources
        .map((r) => r.resource)
        .find((r): r is SyntheticsProject => r.kind === 'SyntheticsProject');
      assert.equal(project !== undefined, variant.config !== undefined);
      assert.equal(monitors.length, pushed.length);
      if (variant.config !== undefined) {
        // The nested `fields:` monitor is the known divergence, and it is reported.
        assert.ok(imported.diagnostics.some((d) => d.code === 'import.defaults' && /region/.test(d.message)));
      }
      for (const push of pushed) {
        const ours = monitors.find((m) => m.spec.id === push.config.id);
        assert.ok(ours !== undefined, `monitor ${String(push.config.id)} imported`);
        const expected = expectedFromPush(push.config);
        const actual = actualFromSynthctl(ours, project);
        const source = imported.resources.find((r) => r.resource === ours)!.source;
        for (const key of Object.keys(expected)) {
          // The one divergence synthctl cannot express: push drops the project's fields (or
          // alert keys) for a monitor that writes a nested `fields:` map, synthctl merges
          // them in. The import must say so, and may only add keys, never change them.
          const diverges = imported.diagnostics.some(
            (d) => d.code === 'import.defaults' && d.path === key && d.line === source.line,
          );
          if (diverges) {
            const extra = actual[key] as Record<string, unknown>;
            for (const [k, v] of Object.entries(expected[key] as Record<string, unknown>)) {
              assert.deepEqual(extra[k], v, `${String(push.config.id)}: ${key}.${k}`);
            }
            continue;
          }
          assert.deepEqual(actual[key], expected[key], `${String(push.config.id)}: ${key}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

interface PushRunner {
  _buildMonitors(options: Record<string, unknown>): { config: Record<string, unknown>; filter: unknown }[];
}

test('contract: journeys (monitor.use, loops, config defaults) equal what @elastic/synthetics push builds', async (t) => {
  const require = createRequire(import.meta.url);
  let runner: PushRunner;
  try {
    runner = (require('@elastic/synthetics/dist/core/globals') as { runner: PushRunner }).runner;
  } catch {
    t.skip('@elastic/synthetics is not installed: the oracle is unavailable');
    return;
  }
  const dir = join(FIXTURES, 'journey-js');
  // push: readConfig calls the default export with NODE_ENV || 'development', then
  // normalizeOptions('push') copies config.monitor keys onto the options.
  const config = (
    require(join(dir, 'synthetics.config.js')) as (env: string) => typeof CONFIG & {
      params: Record<string, string>;
      playwrightOptions: Record<string, unknown>;
      monitor: { screenshot?: string };
    }
  )('development');
  require(join(dir, 'journeys', 'shop.journey.js'));
  const options = {
    ...config.monitor,
    screenshots: config.monitor.screenshot,
    params: config.params,
    playwrightOptions: config.playwrightOptions,
    space: config.project.space,
    grepOpts: {},
  };
  const pushed = await Promise.resolve(runner._buildMonitors(options));

  const imported = importElasticProject({ dir, cwd: dir });
  assert.deepEqual(
    imported.diagnostics.filter((d) => d.severity !== 'notice'),
    [],
  );
  const monitors = imported.resources
    .map((r) => r.resource)
    .filter((r): r is SyntheticMonitor => r.kind === 'SyntheticMonitor');
  const project = imported.resources
    .map((r) => r.resource)
    .find((r): r is SyntheticsProject => r.kind === 'SyntheticsProject');
  assert.equal(monitors.length, pushed.length);
  for (const push of pushed) {
    const ours = monitors.find((m) => m.spec.id === push.config.id);
    assert.ok(ours !== undefined, `journey ${String(push.config.id)} imported`);
    const expected = expectedFromPush(push.config);
    const actual = actualFromSynthctl(ours, project);
    // push always names the project space for journeys; synthctl leaves it implied.
    const projectOnly = (spaces: unknown): unknown =>
      JSON.stringify(spaces) === JSON.stringify([config.project.space]) ? undefined : spaces;
    expected.spaces = projectOnly(expected.spaces);
    actual.spaces = projectOnly(actual.spaces);
    for (const key of Object.keys(expected)) {
      assert.deepEqual(actual[key], expected[key], `${String(push.config.id)}: ${key}`);
    }
    const spec = mergeDefaults(ours.spec, project?.spec.defaults);
    assert.deepEqual(ours.spec.browser?.filter, push.filter, `${String(push.config.id)}: filter`);
    assert.equal(
      ours.spec.browser?.screenshots,
      push.config.screenshot,
      `${String(push.config.id)}: screenshot`,
    );
    assert.deepEqual(ours.spec.browser?.playwrightOptions, push.config.playwrightOptions);
    assert.deepEqual(
      Object.fromEntries((spec.params ?? []).map((p) => [p.name, p.value])),
      push.config.params,
      `${String(push.config.id)}: params`,
    );
  }
});
