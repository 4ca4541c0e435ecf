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

/** Reads the report from the store. */
export function buildHistoryReport(
  store: HistoryStore,
  monitorId: string,
  options: { limit: number; since: number; now: number },
): HistoryReport {
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
