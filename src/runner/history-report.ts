/**
 * What `synthctl history` shows: recent results of one monitor and its uptime over a window,
 * read from the SQLite history. The CLI only parses flags and prints this.
 */
import type { ResultRecord } from './result.js';
import type { HistoryStore, Uptime } from './sinks/sqlite.js';
import { formatMs } from './clock.js';

/** Recent results and uptime of one monitor. */
export interface HistoryReport {
  monitorId: string;
  monitorName?: string;
  monitorType?: string;
  /** The uptime window, ISO 8601. */
  since: string;
  until: string;
  uptime: Uptime;
  /** Newest first, every attempt (retests included). */
  results: ResultRecord[];
  /** Monitors the database has results for (to suggest one when the id is unknown). */
  knownMonitors: string[];
}

/** A `--since` value that is neither a duration nor a date. */
export class InvalidSinceError extends Error {
  override readonly name = 'InvalidSinceError';
  constructor(value: string) {
    super(
      `--since ${JSON.stringify(value)} is not a duration (like 30m, 24h, 7d, 1h30m) or a date (like 2026-01-31 or 2026-01-31T12:00:00Z)`,
    );
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `24h` → now − 24 h; `2026-01-31` → that instant. Returns epoch ms. */
export function parseSince(value: string, now: number): number {
  const text = value.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(text)) {
    let total = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
    return now - total;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  throw new InvalidSinceError(value);
}

/** A name that matches more than one monitor in the history. */
export class AmbiguousMonitorError extends Error {
  override readonly name = 'AmbiguousMonitorError';
  readonly candidates: readonly string[];
  constructor(query: string, candidates: readonly string[]) {
    super(
      `${JSON.stringify(query)} matches ${candidates.length} monitors: ${candidates.join(', ')}; give the monitor id`,
    );
    this.candidates = candidates;
  }
}

/**
 * The monitor id a `synthctl history` argument means. The history is keyed by journey id
 * (`spec.id`, else `<namespace>-<metadata.name>`, `default-<name>` outside Kubernetes — see
 * `journeyId`), which people rarely type; so an exact id wins, then `default-<arg>` (the
 * resource name of a monitor run from files), then the display name `spec.name`, exactly and then
 * without case. An unknown argument is returned as it is (the report then lists the known ids).
 */
export function resolveMonitorId(store: Pick<HistoryStore, 'monitors'>, query: string): string {
  const monitors = store.monitors();
  if (monitors.some((m) => m.monitorId === query)) return query;
  const byResourceName = monitors.filter((m) => m.monitorId === `default-${query}`);
  if (byResourceName.length === 1) return byResourceName[0]!.monitorId;
  const exactName = monitors.filter((m) => m.monitorName === query);
  if (exactName.length === 1) return exactName[0]!.monitorId;
  const wanted = query.toLowerCase();
  const byDisplayName = monitors
    .filter((m) => m.monitorName.toLowerCase() === wanted)
    .map((m) => m.monitorId);
  if (byDisplayName.length === 1) return byDisplayName[0]!;
  if (byDisplayName.length > 1) throw new AmbiguousMonitorError(query, byDisplayName);
  return query;
}

/** Reads the report from the store; `monitor` is an id, a resource name or a display name. */
export function buildHistoryReport(
  store: HistoryStore,
  monitor: string,
  options: { limit: number; since: number; now: number },
): HistoryReport {
  const monitorId = resolveMonitorId(store, monitor);
  const results = store.recentResults(monitorId, { limit: options.limit, since: options.since });
  const uptime = store.uptime(monitorId, { since: options.since, until: options.now + 1 });
  const latest = results[0];
  return {
    monitorId,
    ...(latest !== undefined ? { monitorName: latest.monitorName, monitorType: latest.monitorType } : {}),
    since: new Date(options.since).toISOString(),
    until: new Date(options.now).toISOString(),
    uptime,
    results,
    knownMonitors: results.length > 0 ? [] : store.monitors().map((m) => m.monitorId),
  };
}

/** Renders the report for a terminal. */
export function renderHistoryText(report: HistoryReport, dbPath: string): string {
  const lines: string[] = [];
  if (report.results.length === 0) {
    lines.push(`No results for monitor ${report.monitorId} in ${dbPath} since ${report.since}.`);
    if (report.knownMonitors.length > 0) {
      const shown = report.knownMonitors.slice(0, 20);
      lines.push(
        `Monitors with history: ${shown.join(', ')}${report.knownMonitors.length > shown.length ? `, … (${report.knownMonitors.length} in all)` : ''}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `${report.monitorId} (${report.monitorName ?? '?'}, ${report.monitorType ?? '?'}) from ${dbPath}`,
  );
  const u = report.uptime;
  lines.push(
    u.ratio === null
      ? `Uptime since ${report.since}: no final checks`
      : `Uptime since ${report.since}: ${formatPercent(u.ratio)} (${u.up} of ${u.total} checks up, ${u.down} down)`,
  );
  lines.push('');
  const rows = report.results.map((r) => [
    r.startedAt,
    r.status,
    `${r.attempt}/${r.maxAttempts}${r.finalAttempt ? '' : ' retest'}`,
    formatMs(r.durationMs),
    r.location,
    detail(r),
  ]);
  const header = ['STARTED', 'STATUS', 'ATTEMPT', 'DURATION', 'LOCATION', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) {
    lines.push(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

function detail(r: ResultRecord): string {
  if (r.error !== undefined) return `${r.error.type}: ${r.error.message}`;
  if (r.http?.statusCode !== undefined) return `HTTP ${r.http.statusCode}`;
  if (r.icmp !== undefined) return `${r.icmp.received}/${r.icmp.sent} replies`;
  return r.ip ?? '';
}

/** 99.3% style, never rounding a down check up to 100%. */
export function formatPercent(ratio: number): string {
  const pct = Math.floor(ratio * 10_000) / 100;
  return `${pct.toFixed(2).replace(/\.?0+$/, '')}%`;
}
