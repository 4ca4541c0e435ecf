import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../manual-clock.js';
import {
  HistoryCorruptError,
  HistoryLockedError,
  HistorySchemaError,
  HistoryStore,
  SCHEMA_VERSION,
  SqliteSink,
} from './sqlite.js';
import { makeRecord } from '../../../test/runner-fakes.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'synthctl-history-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function at(minute: number, over: Parameters<typeof makeRecord>[0] = {}): ReturnType<typeof makeRecord> {
  const start = Date.UTC(2026, 0, 1, 0, minute);
  return makeRecord({
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 120).toISOString(),
    checkGroup: `g${minute}`,
    ...over,
  });
}

test('creates the database (and its folder) in WAL mode with the schema version', (t) => {
  const path = join(tempDir(t), 'nested', '.synthctl', 'history.db');
  const store = HistoryStore.open({ path });
  store.close();
  assert.ok(existsSync(path));
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
  // Reopening an existing database migrates nothing and keeps data.
  const again = HistoryStore.open({ path });
  assert.equal(again.count(), 0);
  again.close();
});

test('batches: nothing is written until the batch fills or the flush interval passes', async (t) => {
  const path = join(tempDir(t), 'history.db');
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 1));
  const store = HistoryStore.open({ path });
  const sink = new SqliteSink({ store, clock, batchSize: 3, flushIntervalMs: 1_000, retention: false });
  const reader = new Database(path, { readonly: true });
  const rows = (): number => (reader.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
  sink.write(at(0));
  sink.write(at(1));
  assert.equal(rows(), 0);
  assert.equal(sink.pending, 2);
  sink.write(at(2));
  assert.equal(rows(), 3, 'a full batch was not written at once');
  sink.write(at(3));
  await clock.advance(999);
  assert.equal(rows(), 3);
  await clock.advance(1);
  assert.equal(rows(), 4, 'the flush timer did not write the rest');
  sink.write(at(4));
  await sink.close();
  assert.equal(rows(), 5, 'close did not flush');
  assert.equal(clock.pendingTimers, 0);
  reader.close();
});

test('queries: recent results newest first, final-only, since, and uptime over a window', (t) => {
  const store = HistoryStore.open({ path: join(tempDir(t), 'h.db') });
  t.after(() => {
    store.close();
  });
  store.insert([
    at(0),
    at(1, { up: false, status: 'down', finalAttempt: false, attempt: 1, maxAttempts: 2, checkGroup: 'g1' }),
    at(1, {
      up: false,
      status: 'down',
      attempt: 2,
      maxAttempts: 2,
      checkGroup: 'g1',
      error: { type: 'io', message: 'refused' },
    }),
    at(2),
    at(3),
    at(3, { monitorId: 'other' }),
    at(4, { http: { statusCode: 200, redirects: 0, body: 'token=abc', headers: { 'set-cookie': 'x' } } }),
  ]);
  const recent = store.recentResults('shop-home', { limit: 3 });
  assert.deepEqual(
    recent.map((r) => r.checkGroup),
    ['g4', 'g3', 'g2'],
  );
  assert.equal(recent[0]?.http?.body, undefined, 'response bodies must not be stored');
  assert.equal(recent[0]?.http?.headers, undefined);
  assert.deepEqual(
    store
      .recentResults('shop-home', { finalOnly: true, since: Date.UTC(2026, 0, 1, 0, 1) })
      .map((r) => r.attempt),
    [1, 1, 1, 2],
  );
  assert.equal(store.recentResults('shop-home').length, 6);
  const u = store.uptime('shop-home', { since: Date.UTC(2026, 0, 1), until: Date.UTC(2026, 0, 1, 0, 4) });
  assert.deepEqual(u, { total: 4, up: 3, down: 1, ratio: 0.75 });
  assert.deepEqual(store.uptime('nobody', { since: 0, until: Date.now() }), {
    total: 0,
    up: 0,
    down: 0,
    ratio: null,
  });
  assert.deepEqual(
    store.monitors().map((m) => [m.monitorId, m.lastStatus]),
    [
      ['other', 'up'],
      ['shop-home', 'up'],
    ],
  );
});

test('retention by age and by row count, periodically on the injected clock', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 1));
  const store = HistoryStore.open({ path: join(tempDir(t), 'h.db') });
  const sink = new SqliteSink({
    store,
    clock,
    batchSize: 1000,
    retention: { maxAgeMs: 30 * 60_000, maxRows: 20, intervalMs: 60_000 },
  });
  for (let m = 0; m < 60; m++) sink.write(at(m));
  sink.flush();
  assert.equal(store.count(), 60);
  await clock.advance(60_000);
  // Age: before 00:31 (now 01:01 − 30 min) goes; rows: then only the newest 20 stay.
  assert.equal(store.count(), 20);
  assert.deepEqual(store.recentResults('shop-home', { limit: 1000 }).at(-1)?.checkGroup, 'g40');
  await sink.close();
  assert.equal(clock.pendingTimers, 0);
});

test('retention by size keeps the used bytes under the budget', (t) => {
  const store = HistoryStore.open({ path: join(tempDir(t), 'h.db') });
  t.after(() => {
    store.close();
  });
  const big = 'x'.repeat(2_000);
  store.insert(
    Array.from({ length: 500 }, (_, i) =>
      at(i % 60, { error: { type: 'io', message: big }, checkGroup: `b${i}` }),
    ),
  );
  const before = store.usedBytes();
  assert.ok(before > 1_000_000);
  const deleted = store.prune({ maxBytes: 300_000 }, Date.now());
  assert.ok(deleted > 0);
  assert.ok(store.usedBytes() <= 300_000, `used ${store.usedBytes()} bytes`);
  assert.ok(store.count() > 0);
});

test('a database locked by another connection is a typed error naming the file and the holder', (t) => {
  const path = join(tempDir(t), 'history.db');
  HistoryStore.open({ path }).close();
  const holder = new Database(path);
  holder.pragma('locking_mode = EXCLUSIVE');
  holder.exec('BEGIN EXCLUSIVE');
  t.after(() => {
    holder.close();
  });
  assert.throws(
    () => HistoryStore.open({ path, busyTimeoutMs: 50 }),
    (err: unknown) => {
      assert.ok(err instanceof HistoryLockedError, String(err));
      assert.equal(err.path, path);
      assert.match(
        err.message,
        new RegExp(
          `^database ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is locked by another process \\(pid ${process.pid}, this process\\)`,
        ),
      );
      assert.deepEqual(err.pids, [process.pid]);
      return true;
    },
  );
});

test('a file that is not a SQLite database is a typed error, not a crash', (t) => {
  const path = join(tempDir(t), 'history.db');
  writeFileSync(path, 'this is a text file, not a database '.repeat(200));
  assert.throws(
    () => HistoryStore.open({ path }),
    (err: unknown) =>
      err instanceof HistoryCorruptError &&
      err.message.startsWith(`database ${path} is not a SQLite database`) &&
      err.cause !== undefined,
  );
  assert.throws(() => HistoryStore.open({ path, readonly: true }), HistoryCorruptError);
});

test('a database from a newer synthctl is refused; a missing one in read-only mode says so', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'history.db');
  const db = new Database(path);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(
    () => HistoryStore.open({ path }),
    (e: unknown) => e instanceof HistorySchemaError && e.found === 99,
  );
  assert.throws(
    () => HistoryStore.open({ path: join(dir, 'missing.db'), readonly: true }),
    /no history database at .*missing\.db; `synthctl run` creates it/,
  );
});

test('write never throws when the database refuses writes; records are kept and retried', async (t) => {
  const path = join(tempDir(t), 'history.db');
  const clock = new ManualClock();
  const store = HistoryStore.open({ path, busyTimeoutMs: 20 });
  const sink = new SqliteSink({ store, clock, batchSize: 2, flushIntervalMs: 500, retention: false });
  const holder = new Database(path, { timeout: 20 });
  holder.exec('BEGIN EXCLUSIVE');
  sink.write(at(0));
  assert.doesNotThrow(() => {
    sink.write(at(1));
  });
  assert.equal(sink.pending, 2);
  holder.exec('COMMIT');
  holder.close();
  await clock.advance(500);
  assert.equal(sink.pending, 0);
  assert.equal(store.count(), 2);
  await sink.close();
});

test('a read-only reader (synthctl history) sees committed results while the runner holds the database', (t) => {
  const path = join(tempDir(t), 'history.db');
  const writer = HistoryStore.open({ path });
  t.after(() => {
    writer.close();
  });
  writer.insert([at(0), at(1)]);
  const reader = HistoryStore.open({ path, readonly: true });
  assert.equal(reader.recentResults('shop-home').length, 2);
  writer.insert([at(2)]);
  assert.equal(reader.recentResults('shop-home').length, 3);
  reader.close();
});
