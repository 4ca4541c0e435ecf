/**
 * The fast path must be invisible: on every text it accepts, the value and every node's
 * position equal what the `yaml` package gives, and texts it cannot read exactly are left to
 * `yaml`. Checked on the fixtures and examples, on hand-picked edge cases, and on thousands of
 * edited variants of them (deterministic pseudo-random edits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFast, parseFastStream } from './yaml-fast-path.js';
import { parseWithYaml, parseYamlDocuments, type PathSegments } from './yaml-document.js';

const root = new URL('../..', import.meta.url).pathname;

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/u.test(name)) out.push(full);
  }
  return out;
}

const seeds = ['testdata', 'examples'].flatMap((dir) =>
  yamlFiles(join(root, dir)).map((file) => readFileSync(file, 'utf8')),
);

const MONITOR = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
# a comment
metadata:
  name: team-1-monitor-7
  namespace: team-1
  labels:
    team: team-1
    tier: critical
spec:
  schedule: 10m
  locations: [us_east, germany]
  tags: [team-1, synthetic]
  timeout: 15s
  http:
    url: https://service-7.team-1.example.com/healthz
    method: GET
    headers:
      - name: Accept
        value: application/json
      - name: Authorization
        valueFrom:
          secretKeyRef: {name: team-1-monitoring, key: token}
    maxRedirects: 2
    checks:
      status: [200, "2xx"]
      body:
        contains: ["ok"]
      json:
        - path: $.status
          equals: ok
        - path: $.uptime
          greaterThan: 0
  browser:
    journey:
      inline: |
        step('open home', async () => {
          await page.goto('https://shop.example.com/');

          // a comment in the code
        });


    screenshots: only-on-failure
`;

const EDGE_CASES = [
  MONITOR,
  'a: 1\n',
  'a: 0\nb: 007\nc: 1.5\nd: -1\ne: 0x1f\nf: .inf\ng: 1e3\nh: 99999999999999999999\n',
  'a: true\nb: False\nc: yes\nd: on\ne: null\nf: ~\ng:\n',
  'a: 1_000\nb: 0b11\nc: 0o7\nd: y\ne: 1_x\nf: 10s\ng: 2001-12-14\n',
  'y: 1\non: 2\nNo: 3\n',
  'a: "x"\nb: \'y\'\nc: "a\\"b"\nd: \'it\'\'s\'\ne: "a # b"\nf: x # comment\n',
  'a:\n- x\n- y\n',
  'a:\n  - x\n  -   y\n  - - z\n',
  'a:\n  - k: v\n    l: w\n  - k: |\n      text\n',
  'a: |\n  one\n\n  two\n\n\nb: 1\n',
  'a: |\n    deep\n  shallow\n',
  'a: |-\n  x\n',
  'a: >\n  x\n',
  'a: |\n\n  x\n',
  'a: [ ]\nb: {}\nc: [a, , b]\nd: [a,]\ne: {k: v, k: w}\nf: [a: b]\ng: [[a]]\n',
  'a: {k: "v, w"}\nb: ["x]"]\n',
  'a: b: c\n',
  'a: 1\na: 2\n',
  'null: 1\ntrue: 2\n__proto__: 3\n',
  '- a\n- b\n',
  '---\na: 1\n',
  'a: 1\n---\nb: 2\n',
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a:\n  b: 1\n c: 2\n',
  'a:\n  b: 1\n    c: 2\n',
  'a: x\n  continued\n',
  'a: 1 \n',
  'a: 1\r\nb: 2\r\n',
  'a:\tb\n',
  'a: 1',
  '',
  '# only a comment\n',
  '  a: 1\n',
  'a: héllo\n',
  'key with space: 1\n',
  'a.b/c-d_e: 1\n',
  'a: -x\nb: ?x\nc: :x\nd: %x\ne: @x\nf: `x`\n',
  'a: x:y\nb: http://h:80/p\nc: x#y\n',
  'a: [x:y]\nb: {k: x:y}\n',
  'a: |\n  x\n b: 1\n',
  'a: |\n  x\n# trailing comment\nb: 1\n',
  'a: |\n  x\n # indented comment\nb: 1\n',
  'a: |\n  #not a comment\nb: 1\n',
  '\n\n# lead\na:\n  # between\n  b: 1\n',
  'a:\n  -\n    b: 1\n',
  'a:\n  - b:\n      c: 1\n',
  'a:\n  - b:\n    c: 1\n',
  'a: ""\nb: \'\'\nc: [""]\n',
  'a: <<\n',
  '<<: {a: 1}\n',
];

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [
  ' ',
  '  ',
  ':',
  ': ',
  '-',
  '- ',
  '#',
  ' #',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '|',
  '\n',
  'a',
  '0',
  '.',
  '&',
  '*',
  '!',
  'yes',
  'true',
  '1.5',
];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const kind = Math.floor(next() * 4);
  if (kind === 0) return text.slice(0, at) + text.slice(at + 1);
  if (kind === 1) return text.slice(0, at) + INSERTS[Math.floor(next() * INSERTS.length)]! + text.slice(at);
  const lines = text.split('\n');
  const line = Math.floor(next() * lines.length);
  if (kind === 2) lines.splice(line, 0, lines[line] ?? '');
  else lines[line] = next() < 0.5 ? `  ${lines[line] ?? ''}` : (lines[line] ?? '').replace(/^ {2}/u, '');
  return lines.join('\n');
}

function paths(value: unknown, prefix: (string | number)[], out: PathSegments[]): PathSegments[] {
  out.push([...prefix]);
  if (Array.isArray(value)) value.forEach((item, i) => paths(item, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  return out;
}

/** Asserts the fast path agrees with `yaml` on `text`; true when the fast path read it. */
function agrees(text: string): boolean {
  const fast = parseFast(text);
  if (fast === undefined) return false;
  const context = `text: ${JSON.stringify(text)}`;
  const all = paths(fast.value, [], []);
  assert.equal(fast.entries.length, all.length, `${context}: one entry per node`);
  const [ours, more] = parseYamlDocuments(text, 'f.yaml');
  const [theirs, extra] = parseWithYaml(text, 'f.yaml');
  assert.ok(ours !== undefined && theirs !== undefined && more === undefined && extra === undefined, context);
  assert.deepEqual(ours.diagnostics, theirs.diagnostics, context);
  assert.deepEqual(theirs.diagnostics, [], context);
  assert.equal(ours.hasErrors, theirs.hasErrors, context);
  assert.equal(ours.index, theirs.index, context);
  assert.deepEqual(ours.value, theirs.value, context);
  assert.equal(JSON.stringify(ours.value), JSON.stringify(theirs.value), context);
  assert.deepEqual(ours.positions.root, theirs.positions.root, context);
  for (const path of all) {
    const where = `${context} at ${JSON.stringify(path)}`;
    assert.deepEqual(ours.positions.get(path), theirs.positions.get(path), where);
    assert.deepEqual(ours.positions.locate(path, 'key'), theirs.positions.locate(path, 'key'), where);
    assert.deepEqual(ours.positions.locate(path, 'value'), theirs.positions.locate(path, 'value'), where);
    const missing = [...path, 'missing'];
    assert.deepEqual(ours.positions.locate(missing), theirs.positions.locate(missing), where);
  }
  return true;
}

test('the fast path agrees with yaml on fixtures, examples and edge cases', () => {
  let read = 0;
  for (const text of [...seeds, ...EDGE_CASES]) if (agrees(text)) read++;
  assert.ok(read >= 20, `the fast path read only ${read} texts`);
});

test('the fast path agrees with yaml on edited variants', () => {
  const next = random(20261126);
  let read = 0;
  let tried = 0;
  for (const seed of [...seeds, MONITOR]) {
    for (let i = 0; i < 60; i++) {
      let text = seed;
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) text = mutate(text, next);
      tried++;
      if (agrees(text)) read++;
    }
  }
  assert.ok(read > tried / 10, `the fast path read only ${read} of ${tried} variants`);
});

const STREAMS = [
  `${MONITOR}---\n${MONITOR}`,
  `---\n${MONITOR}---\n${MONITOR}...\n`,
  `# lead\n---\n${MONITOR}--- # next\n${MONITOR}`,
  'a: 1\n---\n',
  '---\n---\na: 1\n',
  'a: 1\n---\n# only a comment\n---\nb: 2\n',
  'a: 1\n...\n',
  'a: 1\n...\n# between\n---\nb: 1\n',
  'a: 1\n...\n---\n',
  '--- # c\na: 1\n--- # d\n',
  '---  # two spaces\n',
  '---\n...\n',
  'a: |\n  x\n---\nb: |\n  y\n',
  'a: |\n  x\n---\n  y\n',
  'a: "x\n---\ny"\n',
  "a: 'x\n---\ny'\n",
  '--- !tag\na: 1\n',
  '--- a: 1\n',
  '---a: 1\n',
  '--- \na: 1\n',
  'a: 1\n---\nb: 2\n...\nc: 3\n',
  'a: 1\n...\n...\n',
  '...\na: 1\n',
  '%YAML 1.2\n---\na: 1\n',
  'a: 1\n--- |\n  x\n',
  'a: 1\r\n---\r\nb: 2\r\n',
  'a: 1\n---\nb: 2',
  'a: 1\n---\na: 1\na: 2\n',
  'a: 1\n---\n  b: 2\n',
  'a: 1\n---\nb: &x 1\nc: *x\n',
  'a: 1\n---\nb: yes\n',
  'a: 1\n---\n- x\n',
];

/** Asserts every document of `text` is parsed as by `yaml` alone; true when the fast path read it. */
function streamAgrees(text: string): boolean {
  const context = `text: ${JSON.stringify(text)}`;
  const ours = parseYamlDocuments(text, 'f.yaml');
  const theirs = parseWithYaml(text, 'f.yaml');
  assert.equal(ours.length, theirs.length, context);
  ours.forEach((doc, i) => {
    const other = theirs[i]!;
    const where = `${context}, document ${i}`;
    assert.deepEqual(doc.diagnostics, other.diagnostics, where);
    assert.equal(doc.hasErrors, other.hasErrors, where);
    assert.equal(doc.index, other.index, where);
    assert.deepEqual(doc.value, other.value, where);
    assert.equal(JSON.stringify(doc.value), JSON.stringify(other.value), where);
    assert.deepEqual(doc.positions.root, other.positions.root, where);
    for (const path of paths(other.value, [], [])) {
      const at = `${where} at ${JSON.stringify(path)}`;
      assert.deepEqual(doc.positions.get(path), other.positions.get(path), at);
      assert.deepEqual(doc.positions.locate(path, 'key'), other.positions.locate(path, 'key'), at);
      assert.deepEqual(doc.positions.locate(path, 'value'), other.positions.locate(path, 'value'), at);
      const missing = [...path, 'missing'];
      assert.deepEqual(doc.positions.locate(missing), other.positions.locate(missing), at);
    }
  });
  return parseFastStream(text) !== undefined;
}

test('multi-document texts: each document as yaml reads it, at its absolute position', () => {
  const read = STREAMS.filter(streamAgrees);
  // The plain streams are read by the fast path; the tricky ones are left to yaml, identically.
  for (const text of STREAMS.slice(0, 13))
    assert.ok(read.includes(text), `not read: ${JSON.stringify(text)}`);
  for (const text of STREAMS.slice(13)) assert.ok(!read.includes(text), `read: ${JSON.stringify(text)}`);
  const readable = seeds.filter((text) => parseFast(text) !== undefined);
  assert.ok(streamAgrees(readable.join('---\n')), 'the readable fixtures as one stream');
});

test('multi-document texts agree with yaml on edited variants', () => {
  const next = random(20261127);
  // Mostly texts the fast path reads and markers it splits at, so that most streams are read.
  const readable = [...seeds, MONITOR, ...STREAMS].filter((text) => parseFast(text) !== undefined);
  const others = [...seeds, ...STREAMS];
  const pick = (): string => {
    const pool = next() < 0.9 ? readable : others;
    return pool[Math.floor(next() * pool.length)]!;
  };
  const MARKERS = ['---\n', '---\n', '--- # c\n', '...\n---\n', '---\n---\n', '--- !t\n', '...\n', '---\r\n'];
  let read = 0;
  let tried = 0;
  for (let i = 0; i < 600; i++) {
    const parts = 2 + Math.floor(next() * 3);
    let text = '';
    for (let p = 0; p < parts; p++) {
      if (p > 0) text += MARKERS[Math.floor(next() * MARKERS.length)]!;
      text += pick();
    }
    const edits = next() < 0.5 ? 0 : 1 + Math.floor(next() * 2);
    for (let e = 0; e < edits; e++) text = mutate(text, next);
    tried++;
    if (streamAgrees(text)) read++;
  }
  assert.ok(read > tried / 5 && read < tried, `the fast path read ${read} of ${tried} streams`);
});

test('the 2 MiB document gate holds for texts the fast path could read, alone or in a stream', () => {
  const huge = `a: |\n${'  a line of a very long literal block scalar\n'.repeat(50_000)}`;
  assert.ok(parseFast(huge) !== undefined);
  for (const text of [huge, `b: 1\n---\n${huge}---\nc: 2\n`]) {
    // The same documents and diagnostics as yaml alone (the fast path reading them or not).
    streamAgrees(text);
    const codes = parseYamlDocuments(text, 'f.yaml').flatMap((d) => d.diagnostics.map((x) => x.code));
    assert.deepEqual(codes, ['yaml.too-large'], JSON.stringify(text.slice(0, 40)));
  }
  // Several documents that are each under the gate are read by the fast path.
  const half = `a: |\n${'  a line of a very long literal block scalar\n'.repeat(30_000)}`;
  const stream = `${half}---\n${half}`;
  assert.ok(stream.length > 2 * 1024 * 1024 && streamAgrees(stream));
});
