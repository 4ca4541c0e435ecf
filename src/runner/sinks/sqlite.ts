/**
 * Embedded result history in SQLite (better-sqlite3 12; 13 crashes on Node 20). WAL with
 * `synchronous=NORMAL` (durable across process crashes, cheap commits), writes batched into one
 * transaction per flush, retention by age, row count and size, schema versioned through
 * `PRAGMA user_version`. A locked or corrupt database is a typed error with a clear message,
 * raised once at open, never a crash loop.
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultRecord, ResultSink } from '../result.js';
import type { RecentResultsQuery, RecentResultsSource } from '../recent-results.js';
import type { Clock, TimerHandle } from '../clock.js';
import { silentLogger, type Logger } from '../logger.js';

/** Where `synthctl run` keeps history unless told otherwise. */
export const DEFAULT_HISTORY_PATH = '.synthctl/history.db';
/** The schema this code writes; `user_version` of the database. */
export const SCHEMA_VERSION = 1;

const DAY_MS = 86_400_000;
/** 30 days, a million rows, checked every 10 minutes. */
export const DEFAULT_RETENTION = {
  maxAgeMs: 30 * DAY_MS,
  maxRows: 1_000_000,
  intervalMs: 10 * 60_000,
} as const;
/** The most results one query returns. */
export const MAX_QUERY_LIMIT = 10_000;

/** A history database problem, naming the file. */
export class HistoryDatabaseError extends Error {
  override name = 'HistoryDatabaseError';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

/** Another connection holds a lock longer than the busy timeout. */
export class HistoryLockedError extends HistoryDatabaseError {
  override name = 'HistoryLockedError';
  /** Processes that have the file open (Linux `/proc` scan; empty when unknown). */
  readonly pids: number[];
  constructor(path: string, pids: number[], options?: { cause?: unknown }) {
    const who =
      pids.length === 0
        ? 'pid unknown'
        : pids.map((p) => (p === process.pid ? `pid ${p}, this process` : `pid ${p}`)).join('; ');
    super(
      path,
      `database ${path} is locked by another process (${who}); stop the other synthctl or pass --db with another file`,
      options,
    );
    this.pids = pids;
  }
}

/** The file is not a SQLite database, or is damaged. */
export class HistoryCorruptError extends HistoryDatabaseError {
  override name = 'HistoryCorruptError';
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(
      path,
      `database ${path} is not a SQLite database or is corrupt (${detail}); move it away to start a new history`,
      options,
    );
  }
}

/** The database was written by a newer synthctl. */
export class HistorySchemaError extends HistoryDatabaseError {
  override name = 'HistorySchemaError';
  readonly found: number;
  constructor(path: string, found: number) {
    super(
      path,
      `database ${path} has schema version ${found}, newer than ${SCHEMA_VERSION} which this synthctl supports; upgrade synthctl or use another --db`,
    );
    this.found = found;
  }
}

/** Uptime over a window, from final attempts. */
export interface Uptime {
  total: number;
  up: number;
  down: number;
  /** up / total, or null without checks. */
  ratio: number | null;
}

/** The last result of a monitor in the history. */
export interface HistoryMonitor {
  monitorId: string;
  monitorName: string;
  monitorType: string;
  lastStartedAt: string;
  lastStatus: 'up' | 'down';
}

/** Where the database is and how to open it. */
export interface HistoryStoreOptions {
  /** Default `.synthctl/history.db`; `:memory:` for tests. */
  path?: string;
  /** Open for reading only (the CLI): never creates or migrates. */
  readonly?: boolean;
  /** How long to wait for another connection's lock (default 2 s). */
  busyTimeoutMs?: number;
}

/** Limits applied by `prune`; absent limits do not apply. */
export interface RetentionPolicy {
  /** Delete results that started before now − maxAgeMs. */
  maxAgeMs?: number;
  /** Keep at most this many rows (oldest go first). */
  maxRows?: number;
  /** Keep the data pages under this many bytes (oldest rows go first). */
  maxBytes?: number;
}

interface Row {
  record: string;
}

const MIGRATIONS: readonly string[] = [
  // 1: one row per attempt; the full record as JSON, the queried fields as columns.
  `CREATE TABLE results (
     id INTEGER PRIMARY KEY,
     monitor_id TEXT NOT NULL,
     monitor_name TEXT NOT NULL,
     monitor_type TEXT NOT NULL,
     location TEXT NOT NULL,
     check_group TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     max_attempts INTEGER NOT NULL,
     final_attempt INTEGER NOT NULL,
     status TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     duration_ms REAL NOT NULL,
     error_type TEXT,
     error_message TEXT,
     record TEXT NOT NULL
   );
   CREATE INDEX results_monitor_started ON results (monitor_id, started_at);
   CREATE INDEX results_started ON results (started_at);`,
];

/** The history database: open, insert batches, query, prune. Synchronous (better-sqlite3). */
export class HistoryStore implements RecentResultsSource {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #insertMany: (records: readonly ResultRecord[]) => void;
  readonly #recentAll: Database.Statement;
  readonly #recentFinal: Database.Statement;
  readonly #uptime: Database.Statement;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO results (monitor_id, monitor_name, monitor_type, location, check_group, attempt, max_attempts,
         final_attempt, status, started_at, ended_at, duration_ms, error_type, error_message, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const recent = (finalOnly: boolean): Database.Statement =>
      db.prepare(
        `SELECT record FROM results
         WHERE monitor_id = ? AND started_at >= ? ${finalOnly ? 'AND final_attempt = 1' : ''}
         ORDER BY started_at DESC, id DESC LIMIT ?`,
      );
    this.#recentAll = recent(false);
    this.#recentFinal = recent(true);
    this.#uptime = db.prepare(
      `SELECT COUNT(*) AS total, COALESCE(SUM(status = 'up'), 0) AS up FROM results
       WHERE monitor_id = ? AND final_attempt = 1 AND started_at >= ? AND started_at < ?`,
    );
    this.#insertMany = db.transaction((records: readonly ResultRecord[]) => {
      for (const r of records) {
        this.#insert.run(
          r.monitorId,
          r.monitorName,
          r.monitorType,
          r.location,
          r.checkGroup,
          r.attempt,
          r.maxAttempts,
          r.finalAttempt ? 1 : 0,
          r.status,
          Date.parse(r.startedAt),
          Date.parse(r.endedAt),
          r.durationMs,
          r.error?.type ?? null,
          r.error?.message ?? null,
          JSON.stringify(storable(r)),
        );
      }
    });
  }

  /** Opens (creating and migrating unless readonly); throws a `HistoryDatabaseError` subclass. */
  static open(options: HistoryStoreOptions = {}): HistoryStore {
    const path = options.path ?? DEFAULT_HISTORY_PATH;
    const readonly = options.readonly ?? false;
    const memory = path === ':memory:';
    if (readonly && !memory && !existsSync(path)) {
      throw new HistoryDatabaseError(path, `no history database at ${path}; \`synthctl run\` creates it`);
    }
    let db: Database.Database | undefined;
    try {
      if (!readonly && !memory) mkdirSync(dirname(resolve(path)), { recursive: true });
      db = new Database(path, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? 2_000 });
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new HistorySchemaError(path, version);
      if (!readonly) {
        if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
        if (!memory) db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        migrate(db, version);
      } else if (version < SCHEMA_VERSION) {
        throw new HistoryDatabaseError(
          path,
          version === 0
            ? `database ${path} has no synthctl history yet; run \`synthctl run\` to record some`
            : `database ${path} has schema version ${version}; open it once with \`synthctl run\` to upgrade it`,
        );
      }
      return new HistoryStore(path, db);
    } catch (err) {
      db?.close();
      throw classify(path, err);
    }
  }

  /** Writes records in one transaction. */
  insert(records: readonly ResultRecord[]): void {
    if (records.length > 0) this.#insertMany(records);
  }

  /** Newest first. */
  recentResults(monitorId: string, query: RecentResultsQuery = {}): ResultRecord[] {
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), MAX_QUERY_LIMIT);
    const statement = query.finalOnly === true ? this.#recentFinal : this.#recentAll;
    const rows = statement.all(monitorId, query.since ?? 0, limit) as Row[];
    return rows.map((r) => JSON.parse(r.record) as ResultRecord);
  }

  /** Share of up final attempts that started in [since, until). */
  uptime(monitorId: string, window: { since: number; until: number }): Uptime {
    const row = this.#uptime.get(monitorId, window.since, window.until) as { total: number; up: number };
    return {
      total: row.total,
      up: row.up,
      down: row.total - row.up,
      ratio: row.total === 0 ? null : row.up / row.total,
    };
  }

  /** Monitors with history, with their last final result. */
  monitors(): HistoryMonitor[] {
    const rows = this.#db
      .prepare(
        `SELECT r.monitor_id, r.monitor_name, r.monitor_type, r.started_at, r.status FROM results r
         JOIN (SELECT monitor_id, MAX(id) AS id FROM results WHERE final_attempt = 1 GROUP BY monitor_id) last
           ON r.id = last.id
         ORDER BY r.monitor_id`,
      )
      .all() as {
      monitor_id: string;
      monitor_name: string;
      monitor_type: string;
      started_at: number;
      status: 'up' | 'down';
    }[];
    return rows.map((r) => ({
      monitorId: r.monitor_id,
      monitorName: r.monitor_name,
      monitorType: r.monitor_type,
      lastStartedAt: new Date(r.started_at).toISOString(),
      lastStatus: r.status,
    }));
  }

  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
  }

  /** Bytes used by live pages (the file may be larger until pages are reused). */
  usedBytes(): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const free = this.#db.pragma('freelist_count', { simple: true }) as number;
    const size = this.#db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  }

  /** Applies the retention policy; returns the number of rows deleted. */
  prune(policy: RetentionPolicy, now: number): number {
    let deleted = 0;
    if (policy.maxAgeMs !== undefined) {
      deleted += this.#db
        .prepare('DELETE FROM results WHERE started_at < ?')
        .run(now - policy.maxAgeMs).changes;
    }
    if (policy.maxRows !== undefined) deleted += this.#keepNewest(policy.maxRows);
    if (policy.maxBytes !== undefined) {
      // Rows are of similar size, so scale the row count to the byte budget (with 10% headroom)
      // instead of deleting row by row.
      for (let round = 0; round < 3; round++) {
        const used = this.usedBytes();
        if (used <= policy.maxBytes) break;
        const rows = this.count();
        if (rows === 0) break;
        deleted += this.#keepNewest(Math.floor((rows * policy.maxBytes * 0.9) / used));
        this.#db.pragma('incremental_vacuum');
      }
    }
    if (deleted > 0) this.#db.pragma('incremental_vacuum');
    return deleted;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #keepNewest(rows: number): number {
    return this.#db
      .prepare('DELETE FROM results WHERE id <= (SELECT id FROM results ORDER BY id DESC LIMIT 1 OFFSET ?)')
      .run(Math.max(0, Math.floor(rows))).changes;
  }
}

/** Store, clock, batching and retention of the SQLite sink. */
export interface SqliteSinkOptions {
  store: HistoryStore;
  clock: Clock;
  logger?: Logger;
  /** Flush at least this often while records wait (default 1000 ms). */
  flushIntervalMs?: number;
  /** Flush as soon as this many records wait (default 200). */
  batchSize?: number;
  /** Records kept while the database refuses writes; the oldest are dropped beyond (default 10 000). */
  maxBuffer?: number;
  /** Periodic retention; `false` disables it. */
  retention?: (RetentionPolicy & { intervalMs?: number }) | false;
  /** Close the store on `close` (default true). */
  ownsStore?: boolean;
}

/** A `ResultSink` that batches records into the history store. */
export class SqliteSink implements ResultSink, RecentResultsSource {
  readonly name = 'sqlite';
  readonly store: HistoryStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #flushIntervalMs: number;
  readonly #batchSize: number;
  readonly #maxBuffer: number;
  readonly #retention: (RetentionPolicy & { intervalMs: number }) | undefined;
  readonly #ownsStore: boolean;
  #buffer: ResultRecord[] = [];
  #flushTimer: TimerHandle | undefined;
  #retentionTimer: TimerHandle | undefined;
  #closed = false;
  #dropped = 0;
  #failures = 0;

  constructor(options: SqliteSinkOptions) {
    this.store = options.store;
    this.#clock = options.clock;
    this.#log = options.logger ?? silentLogger;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.#batchSize = Math.max(1, options.batchSize ?? 200);
    this.#maxBuffer = Math.max(this.#batchSize, options.maxBuffer ?? 10_000);
    this.#ownsStore = options.ownsStore ?? true;
    this.#retention =
      options.retention === false
        ? undefined
        : {
            maxAgeMs: options.retention?.maxAgeMs ?? DEFAULT_RETENTION.maxAgeMs,
            maxRows: options.retention?.maxRows ?? DEFAULT_RETENTION.maxRows,
            ...(options.retention?.maxBytes !== undefined ? { maxBytes: options.retention.maxBytes } : {}),
            intervalMs: options.retention?.intervalMs ?? DEFAULT_RETENTION.intervalMs,
          };
    this.#scheduleRetention();
  }

  /** Records dropped because the buffer overflowed while writes failed. */
  get dropped(): number {
    return this.#dropped;
  }

  get pending(): number {
    return this.#buffer.length;
  }

  write(record: ResultRecord): void {
    if (this.#closed) return;
    this.#buffer.push(record);
    if (this.#buffer.length > this.#maxBuffer) {
      const over = this.#buffer.length - this.#maxBuffer;
      this.#buffer.splice(0, over);
      this.#dropped += over;
    }
    if (this.#buffer.length >= this.#batchSize) this.#tryFlush();
    else this.#armFlush();
  }

  /** Writes buffered records now, in one transaction; returns how many were written. */
  flush(): number {
    if (this.#flushTimer !== undefined) this.#clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#buffer.length === 0) return 0;
    const batch = this.#buffer;
    this.#buffer = [];
    try {
      this.store.insert(batch);
      this.#failures = 0;
      return batch.length;
    } catch (err) {
      // Keep the batch for the next flush (a lock is usually brief), bounded by maxBuffer.
      this.#buffer = batch.concat(this.#buffer);
      this.#failures++;
      this.#log.error(
        { err: classify(this.store.path, err), pending: this.#buffer.length, failures: this.#failures },
        'could not write results to the history database; will retry',
      );
      if (!this.#closed) this.#armFlush();
      throw classify(this.store.path, err);
    }
  }

  /** Reads after flushing, so a caller sees its own writes. */
  recentResults(monitorId: string, query?: RecentResultsQuery): ResultRecord[] {
    this.#tryFlush();
    return this.store.recentResults(monitorId, query);
  }

  uptime(monitorId: string, window: { since: number; until: number }): Uptime {
    this.#tryFlush();
    return this.store.uptime(monitorId, window);
  }

  /** Applies retention now; returns rows deleted. */
  applyRetention(): number {
    if (this.#retention === undefined) return 0;
    return this.store.prune(this.#retention, this.#clock.now());
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#retentionTimer !== undefined) this.#clock.clearTimeout(this.#retentionTimer);
    this.#retentionTimer = undefined;
    try {
      this.flush();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      if (this.#flushTimer !== undefined) this.#clock.clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      if (this.#ownsStore) this.store.close();
    }
    return Promise.resolve();
  }

  #tryFlush(): void {
    try {
      this.flush();
    } catch {
      // Logged by flush; reads still answer from what is stored.
    }
  }

  #armFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    this.#flushTimer = this.#clock.setTimeout(
      () => {
        this.#flushTimer = undefined;
        this.#tryFlush();
      },
      this.#flushIntervalMs,
      { unref: true },
    );
  }

  #scheduleRetention(): void {
    if (this.#retention === undefined || this.#closed) return;
    this.#retentionTimer = this.#clock.setTimeout(
      () => {
        this.#retentionTimer = undefined;
        try {
          this.#tryFlush();
          const deleted = this.applyRetention();
          if (deleted > 0) this.#log.info({ deleted }, 'history retention deleted old results');
        } catch (err) {
          this.#log.error({ err: classify(this.store.path, err) }, 'history retention failed; will retry');
        }
        this.#scheduleRetention();
      },
      this.#retention.intervalMs,
      { unref: true },
    );
  }
}

function migrate(db: Database.Database, from: number): void {
  const apply = db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  if (from < SCHEMA_VERSION) apply.immediate();
}

/** The record as stored: response bodies and headers may carry secrets and are not kept. */
function storable(r: ResultRecord): ResultRecord {
  if (r.http === undefined || (r.http.body === undefined && r.http.headers === undefined)) return r;
  const { body: _body, headers: _headers, ...http } = r.http;
  return { ...r, http };
}

/** Maps SQLite failures to typed errors (codes from sqlite3.h via better-sqlite3's `code`). */
export function classify(path: string, err: unknown): Error {
  if (err instanceof HistoryDatabaseError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new HistoryLockedError(path, holdersOf(path), { cause: err });
    }
    if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
      return new HistoryCorruptError(path, message, { cause: err });
    }
    if (code.startsWith('SQLITE_CANTOPEN')) {
      return new HistoryDatabaseError(path, `cannot open database ${path}: ${message}`, { cause: err });
    }
  }
  return new HistoryDatabaseError(path, `database ${path}: ${message}`, { cause: err });
}

/** Pids that have the file open, from `/proc/<pid>/fd` (Linux only; [] elsewhere or on error). */
function holdersOf(path: string): number[] {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return [];
  }
  const pids: number[] = [];
  let procs: string[];
  try {
    procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  for (const pid of procs) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) {
          pids.push(Number(pid));
          break;
        }
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return pids;
}
