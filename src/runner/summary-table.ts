/**
 * Human tables of monitor results: the `synthctl run --once` summary and the live table on a
 * TTY. Plain text with optional colour; widths fit the content, long details are cut.
 */
import pc from 'picocolors';
import type { ResultRecord } from './result.js';
import type { MonitorState } from './monitor-state.js';
import { formatMs } from './clock.js';

/** One row of a table. */
interface Row {
  readonly cells: readonly string[];
  readonly status: string;
}

const DETAIL_WIDTH = 80;

function cut(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, width - 1)}…`;
}

function paint(status: string, text: string, color: boolean): string {
  if (!color) return text;
  switch (status) {
    case 'up':
      return pc.green(text);
    case 'down':
      return pc.red(text);
    case 'flap':
      return pc.yellow(text);
    default:
      return pc.dim(text);
  }
}

function render(header: readonly string[], rows: readonly Row[], color: boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [color ? pc.bold(line(header)) : line(header)];
  for (const row of rows) {
    const text = line(row.cells);
    // Colour only the status cell so the table stays aligned.
    const statusIndex = header.indexOf('STATUS');
    if (!color || statusIndex < 0) {
      out.push(text);
      continue;
    }
    const cells = row.cells.map((c, i) => (i === row.cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)));
    cells[statusIndex] = paint(row.status, cells[statusIndex] ?? '', true);
    out.push(cells.join('  ').trimEnd());
  }
  return `${out.join('\n')}\n`;
}

/** What a result says beyond up/down: the error sentence, or the main facts when up. */
export function describeRecord(record: ResultRecord): string {
  if (record.error !== undefined) return record.error.message;
  const facts: string[] = [];
  if (record.http?.statusCode !== undefined) facts.push(`HTTP ${record.http.statusCode}`);
  if (record.http !== undefined && record.http.redirects > 0)
    facts.push(`${record.http.redirects} redirects`);
  if (record.certificate !== undefined) {
    facts.push(`certificate ${record.certificate.daysLeft.toFixed(0)} days left`);
  }
  if (record.tcp?.connectMs !== undefined) facts.push(`connect ${formatMs(record.tcp.connectMs)}`);
  if (record.icmp !== undefined) {
    facts.push(`${record.icmp.received}/${record.icmp.sent} replies`);
    if (record.icmp.rttAvgMs !== undefined) facts.push(`rtt avg ${record.icmp.rttAvgMs.toFixed(3)} ms`);
  }
  return facts.join(', ');
}

/** The `--once` summary: one row per monitor (its final attempt). */
export function renderSummary(records: readonly ResultRecord[], color: boolean): string {
  const rows = [...records]
    .sort((a, b) => a.monitorId.localeCompare(b.monitorId))
    .map((r) => ({
      status: r.status,
      cells: [
        r.monitorName,
        r.monitorType,
        r.status.toUpperCase(),
        r.maxAttempts > 1 ? `${r.attempt}/${r.maxAttempts}` : '1',
        formatMs(r.durationMs),
        cut(describeRecord(r), DETAIL_WIDTH),
      ],
    }));
  const up = records.filter((r) => r.status === 'up').length;
  const down = records.length - up;
  const table = render(['MONITOR', 'TYPE', 'STATUS', 'ATTEMPT', 'DURATION', 'DETAILS'], rows, color);
  const summary = `${records.length} monitors: ${up} up, ${down} down`;
  return `${table}\n${color ? (down > 0 ? pc.red(summary) : pc.green(summary)) : summary}\n`;
}

/** The live table: the current state of each monitor. */
export function renderLiveTable(states: readonly MonitorState[], color: boolean): string {
  const rows = [...states]
    .sort((a, b) => a.monitorName.localeCompare(b.monitorName))
    .map((s) => ({
      status: s.status,
      cells: [
        s.monitorName,
        s.monitorType,
        s.status.toUpperCase(),
        s.durationMs === undefined ? '-' : formatMs(s.durationMs),
        s.checkedAt === undefined ? '-' : s.checkedAt.slice(11, 19),
        cut(s.message ?? '', DETAIL_WIDTH),
      ],
    }));
  return render(['MONITOR', 'TYPE', 'STATUS', 'LATENCY', 'CHECKED', 'LAST ERROR'], rows, color);
}
