/**
 * Recent results of a monitor, for `/api/monitors/:id/results`: from the SQLite history when
 * there is one, else from a bounded in-memory ring (`RecentResultsRing`).
 */
import type { CheckOutcome } from '../checks/types.js';
import type { ResultRecord, ResultSink } from './result.js';

/** Query options for recent results. */
export interface RecentResultsQuery {
  /** Newest first, at most this many (bounded by the source). */
  limit?: number;
  /** Only results that started at or after this time (epoch ms). */
  since?: number;
  /** Only final attempts. */
  finalOnly?: boolean;
}

/** Anything that can answer "recent results of monitor X". */
export interface RecentResultsSource {
  recentResults(monitorId: string, query?: RecentResultsQuery): ResultRecord[];
}

/** Records per monitor the ring keeps at most (and with few monitors). */
export const DEFAULT_RECENT_PER_MONITOR = 100;
/** Records the ring keeps over all monitors by default: 100 each up to 1,000 monitors, fewer beyond. */
export const DEFAULT_RECENT_MAX_RECORDS = 100_000;
/** Records per monitor the ring keeps however many monitors there are. */
export const MIN_RECENT_PER_MONITOR = 1;

/** How many records the ring keeps. */
export interface RecentResultsRingOptions {
  /** At most this many per monitor (default 100). */
  perMonitor?: number;
  /**
   * At most about this many over all monitors (default 100,000; `Infinity` for none): with more
   * than `maxRecords / perMonitor` monitors each keeps `maxRecords / monitors`, at least 1.
   */
  maxRecords?: number;
}

/**
 * One record as the ring keeps it: a fixed-shape object with the timestamps as numbers and the
 * monitor's own fields (name, type, location, tags, labels) as references to the strings and
 * objects every record of the monitor shares. A record built with a spread of the outcome has a
 * shape of its own per outcome and, at ~20 properties, can fall back to a dictionary; at 1,000
 * results per second those copies were most of the old generation (docs/benchmarks.md, Runner).
 */
class StoredResult {
  readonly up: boolean;
  readonly durationMs: number;
  readonly error: CheckOutcome['error'];
  readonly timings: CheckOutcome['timings'];
  readonly ip: CheckOutcome['ip'];
  readonly certificate: CheckOutcome['certificate'];
  readonly http: CheckOutcome['http'];
  readonly tcp: CheckOutcome['tcp'];
  readonly icmp: CheckOutcome['icmp'];
  readonly browser: CheckOutcome['browser'];
  readonly addresses: CheckOutcome['addresses'];
  readonly monitorId: string;
  readonly monitorName: string;
  readonly monitorType: ResultRecord['monitorType'];
  readonly location: string;
  readonly checkGroup: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly finalAttempt: boolean;
  readonly status: ResultRecord['status'];
  /** Epoch ms when `startedAt` is the ISO form of one (as the scheduler writes it), else the string. */
  readonly startedAt: number | string;
  readonly endedAt: number | string;
  readonly tags: string[];
  readonly labels: Record<string, string>;

  constructor(r: ResultRecord) {
    this.up = r.up;
    this.durationMs = r.durationMs;
    this.error = r.error;
    this.timings = r.timings;
    this.ip = r.ip;
    this.certificate = r.certificate;
    this.http = r.http;
    this.tcp = r.tcp;
    this.icmp = r.icmp;
    this.browser = r.browser;
    this.addresses = r.addresses;
    this.monitorId = r.monitorId;
    this.monitorName = r.monitorName;
    this.monitorType = r.monitorType;
    this.location = r.location;
    this.checkGroup = r.checkGroup;
    this.attempt = r.attempt;
    this.maxAttempts = r.maxAttempts;
    this.finalAttempt = r.finalAttempt;
    this.status = r.status;
    this.startedAt = compactTime(r.startedAt);
    this.endedAt = compactTime(r.endedAt);
    this.tags = r.tags;
    this.labels = r.labels;
  }

  get startedAtMs(): number {
    return typeof this.startedAt === 'number' ? this.startedAt : Date.parse(this.startedAt);
  }

  /** The record as it was written (same fields, absent optional fields stay absent). */
  toRecord(): ResultRecord {
    const out: ResultRecord = {
      up: this.up,
      durationMs: this.durationMs,
      monitorId: this.monitorId,
      monitorName: this.monitorName,
      monitorType: this.monitorType,
      location: this.location,
      checkGroup: this.checkGroup,
      attempt: this.attempt,
      maxAttempts: this.maxAttempts,
      finalAttempt: this.finalAttempt,
      status: this.status,
      startedAt: isoTime(this.startedAt),
      endedAt: isoTime(this.endedAt),
      tags: this.tags,
      labels: this.labels,
    };
    if (this.error !== undefined) out.error = this.error;
    if (this.timings !== undefined) out.timings = this.timings;
    if (this.ip !== undefined) out.ip = this.ip;
    if (this.certificate !== undefined) out.certificate = this.certificate;
    if (this.http !== undefined) out.http = this.http;
    if (this.tcp !== undefined) out.tcp = this.tcp;
    if (this.icmp !== undefined) out.icmp = this.icmp;
    if (this.browser !== undefined) out.browser = this.browser;
    if (this.addresses !== undefined) out.addresses = this.addresses;
    return out;
  }
}

/** `Date.prototype.toISOString` output (24 characters, UTC) round-trips through epoch ms exactly. */
function compactTime(iso: string): number | string {
  if (iso.length !== 24 || iso.charCodeAt(23) !== 90 /* Z */) return iso;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : ms;
}

function isoTime(t: number | string): string {
  return typeof t === 'number' ? new Date(t).toISOString() : t;
}

/** A fixed-capacity ring of one monitor's records, oldest first. */
class MonitorRing {
  #items: (StoredResult | undefined)[] = [];
  #start = 0;
  #size = 0;

  push(item: StoredResult, capacity: number): void {
    if (this.#items.length !== capacity) this.#resize(capacity);
    if (this.#size < capacity) {
      this.#items[(this.#start + this.#size) % capacity] = item;
      this.#size++;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  /** The `i`-th newest record (0 = newest). */
  newest(i: number): StoredResult | undefined {
    if (i >= this.#size) return undefined;
    return this.#items[(this.#start + this.#size - 1 - i) % this.#items.length];
  }

  get size(): number {
    return this.#size;
  }

  #resize(capacity: number): void {
    const kept: (StoredResult | undefined)[] = [];
    for (let i = Math.min(this.#size, capacity) - 1; i >= 0; i--) kept.push(this.newest(i));
    this.#size = kept.length;
    this.#start = 0;
    kept.length = capacity;
    this.#items = kept;
  }
}

/**
 * Keeps the last records of each monitor in memory: `perMonitor` of each, fewer when there are
 * so many monitors that the total would pass `maxRecords` (see `RecentResultsRingOptions`).
 */
export class RecentResultsRing implements ResultSink, RecentResultsSource {
  readonly name = 'recent';
  readonly #perMonitor: number;
  readonly #maxRecords: number;
  readonly #byMonitor = new Map<string, MonitorRing>();
  #declaredMonitors = 0;
  #capacity: number;

  /** A number is `perMonitor` (kept for callers of the first version). */
  constructor(options: number | RecentResultsRingOptions = {}) {
    const o = typeof options === 'number' ? { perMonitor: options } : options;
    const perMonitor = o.perMonitor ?? DEFAULT_RECENT_PER_MONITOR;
    const maxRecords = o.maxRecords ?? DEFAULT_RECENT_MAX_RECORDS;
    if (!(perMonitor >= 1)) throw new RangeError(`perMonitor must be >= 1, got ${perMonitor}`);
    if (!(maxRecords >= 1)) throw new RangeError(`maxRecords must be >= 1, got ${maxRecords}`);
    this.#perMonitor = Math.floor(perMonitor);
    this.#maxRecords = maxRecords;
    this.#capacity = this.#perMonitor;
  }

  /** Records kept per monitor now. */
  get perMonitor(): number {
    return this.#capacity;
  }

  /**
   * Declares how many monitors will write (the runner calls it on every reload), so the
   * per-monitor count shrinks before the records arrive rather than after.
   */
  setMonitorCount(count: number): void {
    this.#declaredMonitors = count;
    this.#updateCapacity();
  }

  write(record: ResultRecord): void {
    let ring = this.#byMonitor.get(record.monitorId);
    if (ring === undefined) {
      ring = new MonitorRing();
      this.#byMonitor.set(record.monitorId, ring);
      if (this.#byMonitor.size > this.#declaredMonitors) this.#updateCapacity();
    }
    // A monitor's ring shrinks on its next write after the count of monitors grew.
    ring.push(new StoredResult(record), this.#capacity);
  }

  recentResults(monitorId: string, query: RecentResultsQuery = {}): ResultRecord[] {
    const ring = this.#byMonitor.get(monitorId);
    const out: ResultRecord[] = [];
    if (ring === undefined) return out;
    const limit = query.limit ?? 50;
    for (let i = 0; i < ring.size && out.length < limit; i++) {
      const r = ring.newest(i)!;
      if (query.finalOnly === true && !r.finalAttempt) continue;
      if (query.since !== undefined && r.startedAtMs < query.since) continue;
      out.push(r.toRecord());
    }
    return out;
  }

  removeMonitor(monitorId: string): void {
    this.#byMonitor.delete(monitorId);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #updateCapacity(): void {
    const monitors = Math.max(this.#declaredMonitors, this.#byMonitor.size, 1);
    const share = Math.floor(this.#maxRecords / monitors);
    this.#capacity = Math.max(MIN_RECENT_PER_MONITOR, Math.min(this.#perMonitor, share));
  }
}
