import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, InvalidVersionError, kibanaCapabilities, parseVersion } from './version.js';

test('compareVersions follows semver precedence', () => {
  const ordered = [
    '8.5.0',
    '8.6.0-SNAPSHOT',
    '8.6.0',
    '8.7.2',
    '8.19.0',
    '9.0.0-alpha.1',
    '9.0.0-alpha.10',
    '9.0.0-beta',
    '9.0.0',
    '9.10.1',
    'v10.0.0',
  ];
  for (let i = 0; i < ordered.length - 1; i++) {
    assert.ok(compareVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0);
  }
  assert.equal(compareVersions('9.1.0+build.5', '9.1.0'), 0);
});

test('parseVersion rejects what is not a version', () => {
  for (const bad of ['', '9', '9.1', 'nine', '9.1.x'])
    assert.throws(() => parseVersion(bad), InvalidVersionError);
});

test('kibanaCapabilities: the gates of elastic.md §2.11', () => {
  const table: [string, Partial<ReturnType<typeof kibanaCapabilities>>][] = [
    ['8.4.3', { lightweightMonitors: false, bulkProjectApi: false }],
    ['8.5.0', { lightweightMonitors: true, bulkProjectApi: false }],
    ['8.6.0-SNAPSHOT', { bulkProjectApi: false }],
    ['8.6.0', { bulkProjectApi: true, lightweightParams: false }],
    ['8.7.2', { lightweightParams: true, monitorSpaces: false }],
    ['8.19.0', { monitorSpaces: true }],
    ['9.0.3', { monitorSpaces: false, testNow: false }],
    ['9.1.0', { monitorSpaces: true, testNow: false }],
    ['9.2.0', { testNow: true, apiMonitors: false }],
    ['9.6.0-SNAPSHOT', { apiMonitors: true }],
    ['9.6.0', { apiMonitors: true }],
  ];
  for (const [version, expected] of table) {
    const caps = kibanaCapabilities(version);
    for (const [k, v] of Object.entries(expected))
      assert.equal(caps[k as keyof typeof caps], v, `${version} ${k}`);
  }
});
