/**
 * Recent results of a monitor, for `/api/monitors/:id/results`: from the SQLite history when
 * there is one, else from a bounded in-memory ring (`RecentResultsRing`).
 */
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

/** Keeps the last `perMonitor` records of each monitor in memory. */
export class RecentResultsRing implements ResultSink, RecentResultsSource {
  readonly name = 'recent';
  readonly #perMonitor: number;
  readonly #byMonitor = new Map<string, ResultRecord[]>();

  constructor(perMonitor = 100) {
    if (!(perMonitor >= 1)) throw new RangeError(`perMonitor must be >= 1, got ${perMonitor}`);
    this.#perMonitor = perMonitor;
  }

  write(record: ResultRecord): void {
    let list = this.#byMonitor.get(record.monitorId);
    if (list === undefined) {
      list = [];
      this.#byMonitor.set(record.monitorId, list);
    }
    list.push(record);
    if (list.length > this.#perMonitor) list.splice(0, list.length - this.#perMonitor);
  }

  recentResults(monitorId: string, query: RecentResultsQuery = {}): ResultRecord[] {
    const list = this.#byMonitor.get(monitorId) ?? [];
    const out: ResultRecord[] = [];
    const limit = query.limit ?? 50;
    for (let i = list.length - 1; i >= 0 && out.length < limit; i--) {
      const r = list[i]!;
      if (query.finalOnly === true && !r.finalAttempt) continue;
      if (query.since !== undefined && Date.parse(r.startedAt) < query.since) continue;
      out.push(r);
    }
    return out;
  }

  removeMonitor(monitorId: string): void {
    this.#byMonitor.delete(monitorId);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
