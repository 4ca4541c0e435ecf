/**
 * Contract test on hostile lightweight YAML: for each odd or malicious `heartbeat.monitors`
 * file, the verdict of `@elastic/synthetics` 1.26.3 (`createLightweightMonitors`, what push
 * calls; the oracle) and the verdict of `synthctl import elastic` (the import's errors plus
 * `synthctl validate` on what it writes, as the CLI does) must agree, or the difference must
 * be one of the justified ones listed in docs/elastic-compatibility.md. synthctl must never
 * throw, and never echo a URL's password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SyntheticMonitor } from '../model/schema.js';
import { redactUrlUserinfo } from '../model/secret-path.js';
import { validateText } from '../model/validate.js';
import { importElasticProject, renderImportedStream } from './import-elastic.js';

type CreateLightweightMonitors = (
  dir: string,
  options: Record<string, unknown>,
) => Promise<{ config: Record<string, unknown> }[]>;

function loadOracle(): CreateLightweightMonitors | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (
      require('@elastic/synthetics/dist/push/monitor') as {
        createLightweightMonitors?: CreateLightweightMonitors;
      }
    ).createLightweightMonitors;
  } catch {
    return undefined;
  }
}

const monitor = (extra = '', replace: [string, string][] = []): string => {
  let text = `heartbeat.monitors:\n- type: http\n  id: m1\n  name: M1\n  schedule: '@every 5m'\n  urls: https://a.example.com\n${extra}`;
  for (const [from, to] of replace) text = text.replace(from, to);
  return text;
};
const tcp = (hosts: string): string =>
  `heartbeat.monitors:\n- type: tcp\n  id: t1\n  name: T1\n  schedule: '@every 5m'\n  hosts: [${JSON.stringify(hosts)}]\n`;
const icmp = (id: string, name: string): string =>
  `- type: icmp\n  id: ${id}\n  name: ${name}\n  schedule: '@every 5m'\n  hosts: 10.0.0.1\n`;
const bomb = (): string => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 6; i++) lines.push(`a${i}: &a${i} [${new Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n${monitor('  tags: *a5\n')}`;
};

interface HostileCase {
  readonly name: string;
  readonly text: string | Buffer;
  /** Set when the verdicts differ on purpose: the case is explained in docs/elastic-compatibility.md. */
  readonly differs?: true;
}

const CASES: readonly HostileCase[] = [
  { name: 'plain', text: monitor() },
  { name: 'alias-bomb', text: bomb() },
  { name: 'duplicate-key', text: monitor('  id: m2\n'), differs: true },
  {
    name: 'merge-key',
    text: "defaults: &d\n  schedule: '@every 10m'\n  type: tcp\nheartbeat.monitors:\n- <<: *d\n  id: t1\n  name: T1\n  hosts: ['db:5432']\n",
  },
  { name: 'tab-indent', text: monitor('\ttags: [a]\n'), differs: true },
  { name: 'nul-byte', text: monitor('  tags: ["a\u0000b"]\n') },
  {
    name: 'not-utf8',
    text: Buffer.concat([Buffer.from(monitor('  tags: ["')), Buffer.from([0xff, 0xfe]), Buffer.from('"]\n')]),
  },
  { name: 'bom', text: `\uFEFF${monitor()}` },
  { name: 'crlf', text: monitor('  tags: [a]\n').replace(/\n/g, '\r\n') },
  { name: 'deep-nesting', text: monitor(`  fields: ${'{a: '.repeat(300)}1${'}'.repeat(300)}\n`) },
  { name: 'numeric-id', text: monitor('', [['id: m1', 'id: 123']]) },
  { name: 'empty-name', text: monitor('', [['name: M1', 'name: ""']]) },
  { name: 'enabled-yes', text: monitor('  enabled: yes\n') },
  {
    name: 'url-password',
    text: monitor('', [['https://a.example.com', 'https://user:hunter2@a.example.com']]),
  },
  { name: 'ipv6-brackets', text: tcp('[::1]:5432') },
  { name: 'ipv6-no-brackets', text: tcp('::1:5432'), differs: true },
  { name: 'port-0', text: tcp('db:0'), differs: true },
  { name: 'port-65536', text: tcp('db:65536'), differs: true },
  { name: 'monitors-empty', text: 'heartbeat.monitors:\n' },
  { name: 'monitors-mapping', text: 'heartbeat.monitors: {a: 1}\n', differs: true },
  { name: 'monitor-scalar', text: 'heartbeat.monitors:\n- just a string\n' },
  {
    name: 'json',
    text: JSON.stringify({
      'heartbeat.monitors': [
        { type: 'icmp', id: 'i1', name: 'I1', schedule: '@every 5m', hosts: ['10.0.0.1'] },
      ],
    }),
  },
  { name: 'unknown-type', text: monitor('', [['type: http', 'type: htp']]), differs: true },
  { name: 'custom-tag', text: monitor('  tags: !foo [a]\n') },
  { name: 'binary-tag', text: monitor('  tags: [!!binary YWJj]\n') },
  { name: 'empty-file', text: '' },
  { name: 'emoji-name', text: monitor('', [['name: M1', 'name: "🚀 Ünïcode ☃"']]) },
  { name: 'duplicate-ids', text: monitor() + icmp('m1', 'M1b'), differs: true },
  { name: 'ids-differing-in-case', text: monitor() + icmp('M1', 'M1b') },
  {
    name: 'ids-colliding-when-normalised',
    text: monitor('', [['id: m1', 'id: "a b"']]) + icmp('a-b', 'AB'),
    differs: true,
  },
  { name: 'schedule-zero', text: monitor('', [["'@every 5m'", "'@every 0s'"]]) },
  { name: 'schedule-malformed', text: monitor('', [["'@every 5m'", "'every 5 minutes'"]]) },
  { name: 'idn', text: monitor('', [['https://a.example.com', 'https://bücher.example/']]) },
  {
    name: 'huge-array',
    text: monitor(`  tags: [${Array.from({ length: 5000 }, (_, i) => `t${i}`).join(', ')}]\n`),
    differs: true,
  },
];

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/elastic-compatibility.md'), 'utf8');
const HOSTILE_SECTION = DOC.slice(DOC.indexOf('## Hostile lightweight YAML'));

async function oracleVerdict(
  create: CreateLightweightMonitors,
  dir: string,
): Promise<{ accepts: boolean; count: number; reason: string; monitors: Record<string, unknown>[] }> {
  const warn = console.warn;
  const log = console.log;
  console.warn = () => undefined; // push warns about schedule snapping and encodings
  console.log = () => undefined;
  try {
    const monitors = await create(dir, { grepOpts: {}, kibanaVersion: '9.1.0', params: {} });
    return { accepts: true, count: monitors.length, reason: '', monitors: monitors.map((m) => m.config) };
  } catch (error) {
    // eslint-disable-next-line no-control-regex
    return { accepts: false, count: 0, reason: String(error).replace(/\u001b\[[0-9;]*m/g, ''), monitors: [] };
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

test('the hostile cases that differ from push are explained in docs/elastic-compatibility.md', () => {
  assert.ok(
    HOSTILE_SECTION.length > 0,
    'docs/elastic-compatibility.md has no "Hostile lightweight YAML" section',
  );
  for (const c of CASES.filter((c) => c.differs === true))
    assert.ok(HOSTILE_SECTION.includes(`\`${c.name}\``), `${c.name} is not explained in the docs`);
});

for (const c of CASES) {
  test(`contract (hostile YAML): ${c.name}`, async (t) => {
    const create = loadOracle();
    if (create === undefined) {
      t.skip('@elastic/synthetics is not installed: the oracle is unavailable');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'synthctl-hostile-'));
    try {
      writeFileSync(join(dir, 'heartbeat.yml'), c.text);
      const theirs = await oracleVerdict(create, dir);
      const imported = importElasticProject({ dir, cwd: dir });
      const written = renderImportedStream(imported.resources);
      const checked = validateText(written, 'imported.yaml');
      const errors = [...imported.diagnostics, ...checked.diagnostics].filter((d) => d.severity === 'error');
      const oursAccepts = errors.length === 0;
      const everything = `${written}\n${JSON.stringify(imported.diagnostics)}\n${JSON.stringify(checked.diagnostics)}`;
      assert.ok(!everything.includes('hunter2'), `${c.name}: a URL password is echoed`);
      for (const d of errors)
        assert.ok(d.line >= 1 && d.column >= 1, `${c.name}: ${d.message} has no position`);

      const verdicts = `push ${theirs.accepts ? `accepts ${theirs.count}` : `rejects (${theirs.reason.split('\n')[0]})`}, synthctl ${oursAccepts ? 'accepts' : `rejects (${errors.map((d) => `${d.code}: ${d.message}`).join('; ')})`}`;
      if (c.differs === true) {
        assert.notEqual(
          oursAccepts,
          theirs.accepts,
          `${c.name} is listed as a difference but agrees: ${verdicts}`,
        );
        return;
      }
      assert.equal(oursAccepts, theirs.accepts, `${c.name}: ${verdicts}`);
      if (theirs.accepts) {
        const monitors = imported.resources
          .map((r) => r.resource)
          .filter((r): r is SyntheticMonitor => r.kind === 'SyntheticMonitor');
        assert.equal(monitors.length, theirs.count, `${c.name}: monitor count; ${verdicts}`);
        // What push would send for each monitor: the same id, name and target.
        for (const push of theirs.monitors) {
          const ours = monitors.find((m) => m.spec.id === String(push.id));
          assert.ok(ours !== undefined, `${c.name}: monitor ${String(push.id)} imported`);
          assert.equal(ours.spec.name, push.name, `${c.name}: name`);
          const target = [push.urls ?? push.hosts].flat()[0];
          // The password of a URL becomes a Secret reference: the rest of the URL is the same.
          const shown = typeof target === 'string' ? redactUrlUserinfo(target).replace('***@', '') : target;
          assert.equal(
            ours.spec.http?.url ?? ours.spec.tcp?.host ?? ours.spec.icmp?.host,
            shown,
            `${c.name}: target`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
