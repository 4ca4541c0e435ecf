import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateText } from '../model/validate.js';
import type { SyntheticMonitor } from '../model/schema.js';
import { evaluateJourneyFile } from '../load/import-elastic-config.js';
import { TEMPLATE_KINDS, TemplateOptionError, renderTemplate } from './templates.js';

/** Writes a template's files to a temporary folder and validates the YAML as `synthctl validate` does. */
function validateTemplate(files: ReturnType<typeof renderTemplate>): {
  monitor: SyntheticMonitor;
  dir: string;
  diagnostics: ReturnType<typeof validateText>['diagnostics'];
} {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-new-'));
  for (const file of files) writeFileSync(join(dir, file.fileName), file.content);
  const yaml = files.find((f) => f.role === 'yaml')!;
  const result = validateText(yaml.content, join(dir, yaml.fileName));
  return { monitor: parse(yaml.content) as SyntheticMonitor, dir, diagnostics: result.diagnostics };
}

for (const kind of TEMPLATE_KINDS) {
  test(`template ${kind}: default output passes validate with no error or warning`, () => {
    const files = renderTemplate(kind);
    const { monitor, dir, diagnostics } = validateTemplate(files);
    try {
      assert.deepEqual(
        diagnostics.filter((d) => d.severity !== 'notice'),
        [],
      );
      assert.equal(monitor.kind, 'SyntheticMonitor');
      assert.ok(monitor.spec[kind] !== undefined, `spec.${kind} is set`);
      assert.match(files[0]!.content, /^# /, 'starts with an explaining comment');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('template http: status and JSON checks, API key from a Secret, no literal secret', () => {
  const [yaml] = renderTemplate('http', {
    name: 'orders-api',
    url: 'https://orders.example.com/health?deep=1',
  });
  const monitor = parse(yaml!.content) as SyntheticMonitor;
  const http = monitor.spec.http!;
  assert.equal(http.url, 'https://orders.example.com/health?deep=1');
  assert.deepEqual(http.checks?.status, [200]);
  assert.ok((http.checks?.json ?? []).length >= 1);
  assert.deepEqual(http.auth?.apiKey?.value, {
    valueFrom: { secretKeyRef: { name: 'orders-api-credentials', key: 'api-key' } },
  });
});

test('template browser: YAML plus a journey that push and synthctl both find by its filter', () => {
  const files = renderTemplate('browser', { name: 'checkout-login', yamlFileName: 'checkout-login.yaml' });
  assert.deepEqual(
    files.map((f) => [f.role, f.fileName]),
    [
      ['yaml', 'checkout-login.yaml'],
      ['journey', 'checkout-login.journey.ts'],
    ],
  );
  assert.match(files[1]!.content, /import \{ journey, step, expect \} from '@elastic\/synthetics'/);
  const { monitor, dir, diagnostics } = validateTemplate(files);
  try {
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.equal(monitor.spec.browser?.journey.file, './checkout-login.journey.ts');
    const password = monitor.spec.params?.find((p) => p.name === 'password');
    assert.deepEqual(password?.valueFrom, {
      secretKeyRef: { name: 'checkout-login-credentials', key: 'password' },
    });
    // The journey registers under the name the monitor filters on, with its three steps.
    const evaluated = evaluateJourneyFile(join(dir, 'checkout-login.journey.ts'), { url: 'https://x' });
    assert.deepEqual(
      evaluated.journeys.map((j) => [j.name, j.steps]),
      [[monitor.spec.browser?.filter?.match, 3]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('templates quote odd values and refuse bad ones with the flag named', () => {
  const [yaml] = renderTemplate('icmp', { host: '10.0.0.1', namespace: 'ops', schedule: '30s' });
  const monitor = parse(yaml!.content) as SyntheticMonitor;
  assert.equal(monitor.spec.icmp?.host, '10.0.0.1');
  assert.equal(monitor.metadata.namespace, 'ops');
  assert.equal(monitor.spec.schedule, '30s');
  const cases: [Parameters<typeof renderTemplate>, string][] = [
    [['http', { name: 'Bad Name' }], '--name'],
    [['http', { url: 'ftp://x' }], '--url'],
    [['tcp', { host: 'db.example.com' }], '--host'],
    [['icmp', { host: 'h:22' }], '--host'],
    [['tcp', { schedule: 'hourly' }], '--schedule'],
  ];
  for (const [args, option] of cases) {
    assert.throws(
      () => renderTemplate(...args),
      (error: unknown) => error instanceof TemplateOptionError && error.option === option,
      option,
    );
  }
});
