import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goYamlNumber } from './go-yaml-scalars.js';

test('plain scalars resolve to numbers as go-yaml v2 (sigs.k8s.io/yaml) resolves them', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0],
    ['42', 42],
    ['+42', 42],
    ['-42', -42],
    ['010', 8], // a leading 0 is octal to Go
    ['08', 8], // not octal: the float rule reads it
    ['0o10', 8],
    ['0x1F', 31],
    ['-0x10', -16],
    ['0b101', 5],
    ['1_000', 1000],
    ['1e3', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['99999999999999999999', 1e20], // beyond 64 bits: a float
    ['1e400', undefined], // out of float64's range: a string
    ['10s', undefined],
    ['1:20', undefined], // no sexagesimal in go-yaml v2
    ['2001-12-14', undefined],
    ['.', undefined],
    ['-', undefined],
    ['0x', undefined],
    ['1_000.5_0', 1000.5],
    ['v1', undefined],
  ];
  for (const [source, expected] of cases) assert.equal(goYamlNumber(source), expected, source);
  assert.ok(Number.isNaN(goYamlNumber('.nan')));
});
