import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DurationError, formatDuration, parseDuration, tryParseDuration } from './duration.js';

test('parseDuration reads Go-style durations', () => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['4h', 14_400_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['2h45m', 9_900_000],
    ['1h0m0s', 3_600_000],
    ['0', 0],
    ['0s', 0],
    ['1500us', 1.5],
    ['250ns', 0.00025],
    ['16s', 16_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('parseDuration refuses what Go refuses, with the reason', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['10', /missing unit/],
    ['5 m', /unexpected/],
    ['1y', /unexpected/],
    ['-5s', /signed/],
    ['1d', /unit d is not supported/],
    ['m', /unexpected/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => parseDuration(text),
      (error: unknown) =>
        error instanceof DurationError && error.input === text && reason.test(error.message),
      text,
    );
  }
});

test('parseDuration accepts days and signs only when asked', () => {
  assert.equal(parseDuration('1d', { allowDays: true }), 86_400_000);
  assert.equal(parseDuration('-1m', { allowSign: true }), -60_000);
  assert.equal(tryParseDuration('nope'), undefined);
});

test('formatDuration writes the compact form and round-trips', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [250, '250ms'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [3_601_000, '1h1s'],
    [14_400_000, '4h'],
    [0.5, '500us'],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatDuration(ms), text, String(ms));
    assert.equal(parseDuration(text), ms, text);
  }
  assert.throws(() => formatDuration(Number.NaN), RangeError);
});
