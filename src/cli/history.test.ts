import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../runner/sinks/sqlite.js';
import { parseSince, formatPercent } from '../runner/history-report.js';
import type { CommandContext } from './context.js';
import { UsageError } from './context.js';
import { runHistory } from './history.js';
import { main } from './main.js';
import { makeRecord } from '../../test/runner-fakes.js';

const NOW = Date.UTC(2026, 0, 2, 0, 0);

function context(cwd: string): CommandContext & { out: string[]; err: string[]; codes: number[] } {
  const out: string[] = [];
  const err: string[] = [];
  const codes: number[] = [];
  return {
    out,
    err,
    codes,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    stdin: (async function* () {})(),
    env: {},
    cwd,
    setExitCode: (c) => codes.push(c),
  };
}

function seed(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-cli-history-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const store = HistoryStore.open({ path: join(dir, '.synthctl', 'history.db') });
  const records = [];
  for (let i = 0; i < 8; i++) {
    const start = NOW - (8 - i) * 60 * 60_000;
    const down = i === 5;
    records.push(
      makeRecord({
        startedAt: new Date(start).toISOString(),
        endedAt: new Date(start + 120).toISOString(),
        checkGroup: `g${i}`,
        up: !down,
        status: down ? 'down' : 'up',
        maxAttempts: 2,
        attempt: down ? 2 : 1,
        http: { statusCode: down ? 503 : 200, redirects: 0 },
        ...(down ? { error: { type: 'validate' as const, message: 'expected status 200, got 503' } } : {}),
      }),
    );
  }
  store.insert(records);
  store.close();
  return dir;
}

test('prints recent results and uptime from the default database', (t) => {
  const dir = seed(t);
  const ctx = context(dir);
  const code = runHistory(
    'shop-home',
    { db: '.synthctl/history.db', limit: '3', since: '24h', format: 'text' },
    ctx,
    NOW,
  );
  assert.equal(code, 0);
  const text = ctx.out.join('');
  assert.equal(
    text,
    [
      'shop-home (Shop home, http) from .synthctl/history.db',
      'Uptime since 2026-01-01T00:00:00.000Z: 87.5% (7 of 8 checks up, 1 down)',
      '',
      'STARTED                   STATUS  ATTEMPT  DURATION  LOCATION  DETAIL',
      '2026-01-01T23:00:00.000Z  up      1/2      120ms     local     HTTP 200',
      '2026-01-01T22:00:00.000Z  up      1/2      120ms     local     HTTP 200',
      '2026-01-01T21:00:00.000Z  down    2/2      120ms     local     validate: expected status 200, got 503',
      '',
    ].join('\n'),
  );
  const json = context(dir);
  runHistory(
    'shop-home',
    { db: '.synthctl/history.db', limit: '20', since: '2h', format: 'json' },
    json,
    NOW,
  );
  const report = JSON.parse(json.out.join('')) as {
    uptime: { total: number; ratio: number };
    results: unknown[];
  };
  assert.deepEqual(report.uptime, { total: 2, up: 2, down: 0, ratio: 1 });
  assert.equal(report.results.length, 2);
});

test('an unknown monitor exits 1 and lists the monitors that have history', (t) => {
  const dir = seed(t);
  const ctx = context(dir);
  assert.equal(
    runHistory('nope', { db: '.synthctl/history.db', limit: '5', since: '24h', format: 'text' }, ctx, NOW),
    1,
  );
  assert.match(
    ctx.out.join(''),
    /No results for monitor nope in \.synthctl\/history\.db since .*\nMonitors with history: shop-home\n/,
  );
});

test('bad flags are usage errors; a missing or corrupt database is a clear message with exit 2', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-cli-history-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const ctx = context(dir);
  assert.throws(
    () => runHistory('x', { db: 'h.db', limit: '0', since: '24h', format: 'text' }, ctx, NOW),
    (e: unknown) => e instanceof UsageError && /--limit must be an integer from 1 to 10000/.test(e.message),
  );
  assert.throws(
    () => runHistory('x', { db: 'h.db', limit: '5', since: 'yesterday', format: 'text' }, ctx, NOW),
    /--since "yesterday" is not a duration/,
  );
  assert.equal(runHistory('x', { db: 'h.db', limit: '5', since: '24h', format: 'text' }, ctx, NOW), 2);
  assert.match(ctx.err.join(''), /synthctl: no history database at h\.db; `synthctl run` creates it/);
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad', 'h.db'), 'not sqlite at all '.repeat(100));
  const ctx2 = context(dir);
  assert.equal(runHistory('x', { db: 'bad/h.db', limit: '5', since: '24h', format: 'text' }, ctx2, NOW), 2);
  assert.match(ctx2.err.join(''), /^synthctl: database bad\/h\.db is not a SQLite database/);
});

test('synthctl history is registered in the CLI', async (t) => {
  const dir = seed(t);
  const out: string[] = [];
  const code = await main(['history', 'shop-home', '--limit', '1', '--since', '2025-12-01'], {
    cwd: dir,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => out.push(s) },
  });
  assert.equal(code, 0, out.join(''));
  assert.match(out.join(''), /Uptime since .*: 87\.5% \(7 of 8 checks up, 1 down\)/);
});

test('a monitor is found by id, by resource name (default-<name>) or by display name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-cli-history-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const store = HistoryStore.open({ path: join(dir, 'h.db') });
  const at = new Date(NOW - 60_000).toISOString();
  const rec = (monitorId: string, monitorName: string) =>
    makeRecord({ monitorId, monitorName, startedAt: at, endedAt: at, checkGroup: monitorId });
  store.insert([
    rec('default-orders-api', 'Orders API'),
    rec('orders-api', 'Orders (legacy id)'),
    rec('default-search', 'Search'),
    rec('default-search-eu', 'search'),
  ]);
  store.close();
  const firstLine = (query: string): string => {
    const ctx = context(dir);
    assert.equal(runHistory(query, { db: 'h.db', limit: '1', since: '24h', format: 'text' }, ctx, NOW), 0);
    return ctx.out.join('').split('\n')[0]!;
  };
  // An exact id wins over the resource-name reading of the same text.
  assert.match(firstLine('orders-api'), /^orders-api \(Orders \(legacy id\), http\)/);
  assert.match(firstLine('default-orders-api'), /^default-orders-api \(Orders API, http\)/);
  assert.match(firstLine('search-eu'), /^default-search-eu \(search, http\)/);
  assert.match(firstLine('ORDERS API'), /^default-orders-api /);
  assert.match(firstLine('Search'), /^default-search \(Search, http\)/);
  // Two monitors share the display name "search" without case: a usage error naming both.
  assert.throws(
    () => runHistory('SEARCH', { db: 'h.db', limit: '1', since: '24h', format: 'text' }, context(dir), NOW),
    (err: unknown) =>
      err instanceof UsageError &&
      /"SEARCH" matches 2 monitors: default-search, default-search-eu/.test(err.message),
  );
});

test('since and percent helpers', () => {
  assert.equal(parseSince('1h30m', NOW), NOW - 90 * 60_000);
  assert.equal(parseSince('7d', NOW), NOW - 7 * 86_400_000);
  assert.equal(parseSince('2026-01-01', NOW), Date.UTC(2026, 0, 1));
  assert.equal(formatPercent(0.99999), '99.99%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatPercent(0.5), '50%');
});
