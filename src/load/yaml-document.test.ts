import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlDocuments } from './yaml-document.js';

const text = `apiVersion: v1
kind: Thing
spec:
  http:
    url: https://example.com
    headers:
      - name: A
        value: b
---
# second
just: a
`;

test('positions of keys and values are 1-based lines and columns', () => {
  const [doc] = parseYamlDocuments(text, 'f.yaml');
  assert.ok(doc);
  assert.deepEqual(doc.positions.locate(['spec', 'http', 'url'], 'value'), { line: 5, column: 10 });
  assert.deepEqual(doc.positions.locate(['spec', 'http', 'url'], 'key'), { line: 5, column: 5 });
  assert.deepEqual(doc.positions.locate(['spec', 'http', 'headers', 0, 'value']), { line: 8, column: 16 });
  // A collection's value position is its key, where a user looks for it.
  assert.deepEqual(doc.positions.locate(['spec', 'http']), { line: 4, column: 3 });
});

test('a missing field falls back to the key of its nearest existing ancestor', () => {
  const [doc] = parseYamlDocuments(text, 'f.yaml');
  assert.deepEqual(doc!.positions.locate(['spec', 'http', 'method']), { line: 4, column: 3 });
  assert.deepEqual(doc!.positions.locate(['spec', 'tcp', 'host']), { line: 3, column: 1 });
  assert.deepEqual(doc!.positions.locate(['nothing', 'here']), { line: 1, column: 1 });
});

test('every document of a stream is parsed with its own index and absolute lines', () => {
  const docs = parseYamlDocuments(text, 'f.yaml');
  assert.equal(docs.length, 2);
  assert.equal(docs[1]!.index, 1);
  assert.deepEqual(docs[1]!.value, { just: 'a' });
  assert.deepEqual(docs[1]!.positions.locate(['just']), { line: 11, column: 7 });
});

test('duplicate keys are located errors with their field path', () => {
  const [doc] = parseYamlDocuments('a:\n  b: 1\n  b: 2\n', 'd.yaml');
  assert.equal(doc!.hasErrors, true);
  const [d] = doc!.diagnostics;
  assert.equal(d!.code, 'yaml.duplicate-key');
  assert.equal(d!.path, 'a.b');
  assert.equal(d!.line, 3);
  assert.equal(d!.column, 3);
  assert.match(d!.message, /first at line 2/);
});

test('syntax errors and unknown aliases become diagnostics, never exceptions', () => {
  const [broken] = parseYamlDocuments('a: [1, 2\nb: "x\n', 's.yaml');
  assert.ok(broken!.diagnostics.some((d) => d.code === 'yaml.syntax' && d.line >= 1 && d.column >= 1));
  const [alias] = parseYamlDocuments('a: *nowhere\n', 'a.yaml');
  assert.equal(alias!.diagnostics[0]!.code, 'yaml.alias');
  assert.equal(alias!.value, undefined);
});

test('alias bombs are refused instead of expanded', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++)
    bomb.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${new Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`,
    );
  const [doc] = parseYamlDocuments(bomb.join('\n'), 'bomb.yaml');
  assert.equal(doc!.hasErrors, true);
  const [d] = doc!.diagnostics;
  assert.equal(d!.code, 'yaml.alias-bomb');
  // Located at the first alias, with the rule that was broken.
  assert.deepEqual([d!.line, d!.column, d!.path], [2, 8, 'b[0]']);
  assert.match(d!.message, /more than 100 times/);
});

test('an empty stream has no documents and a comment-only document is empty', () => {
  assert.deepEqual(parseYamlDocuments('', 'e.yaml'), []);
  const docs = parseYamlDocuments('---\n# nothing\n', 'c.yaml');
  assert.ok(docs.every((d) => d.value === null && d.diagnostics.length === 0));
});

test('plain scalars mean what they mean to kubectl (go-yaml v2, YAML 1.1)', () => {
  const [doc] = parseYamlDocuments(
    'a: on\nb: "on"\nc: true\nd: [no, N]\ne: 010\nf: 0x1F\ng: 1e3\nh: 1_000\ni: 0b11\nj: 0o10\nk: 08\nl: 10s\nm: !!binary YWJj\ny: 1\n',
    'b.yaml',
  );
  assert.deepEqual(doc!.value, {
    a: true,
    b: 'on',
    c: true,
    d: [false, false],
    e: 8,
    f: 31,
    g: 1000,
    h: 1000,
    i: 3,
    j: 8,
    k: 8,
    l: '10s',
    m: 'abc',
    // sigs.k8s.io/yaml turns the boolean key `y` into the JSON key "true".
    true: 1,
  });
  assert.deepEqual(doc!.diagnostics, []);
  assert.equal(doc!.hasErrors, false);
});

test('a document above 2 MiB is refused unparsed; the documents around it keep their lines', () => {
  const small = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  const huge = `kind: Huge\nitems: [${new Array(1_100_000).fill('a').join(',')}]\n`;
  const docs = parseYamlDocuments(`${small('before')}---\n${huge}---\n${small('after')}`, 'big.yaml');
  const tooLarge = docs.flatMap((d) => d.diagnostics).filter((d) => d.code === 'yaml.too-large');
  assert.deepEqual(
    tooLarge.map((d) => [d.line, d.column]),
    [[5, 1]],
  );
  assert.match(
    tooLarge[0]!.message,
    /this YAML document is \d+ characters; synthctl reads documents of at most 2097152/,
  );
  const values = docs.map((d) => d.value).filter((v) => v !== null && v !== undefined);
  assert.deepEqual(
    values.map((v) => (v as { metadata: { name: string } }).metadata.name),
    ['before', 'after'],
  );
  const after = docs.find(
    (d) => (d.value as { metadata?: { name?: string } } | null)?.metadata?.name === 'after',
  );
  assert.deepEqual(after!.positions.locate(['metadata', 'name']), { line: 12, column: 9 });
});
