/**
 * `synthctl history <monitor>`: recent results and uptime of one monitor from the runner's
 * SQLite history (`.synthctl/history.db` by default).
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  AmbiguousMonitorError,
  buildHistoryReport,
  parseSince,
  renderHistoryText,
  InvalidSinceError,
} from '../runner/history-report.js';
import { DEFAULT_HISTORY_PATH, HistoryDatabaseError, HistoryStore } from '../runner/sinks/sqlite.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** Flags of `synthctl history`, as commander parses them. */
export interface HistoryFlags {
  readonly db: string;
  readonly limit: string;
  readonly since: string;
  readonly format: 'text' | 'json';
}

/** Registers `synthctl history`. */
export function registerHistory(program: Command, context: CommandContext): void {
  program
    .command('history')
    .description(
      'Show recent results and uptime of a monitor from the runner history. Exit 0 with results, 1 without, 2 on a usage or database error.',
    )
    .argument(
      '<monitor>',
      'monitor id (the journey id, e.g. default-shop-home), resource name (shop-home) or display name ("Shop home")',
    )
    .option('--db <path>', 'history database', DEFAULT_HISTORY_PATH)
    .option('-n, --limit <n>', 'results to show, newest first (1-10000)', '20')
    .option('--since <when>', 'window for results and uptime: a duration (24h, 7d) or a date', '24h')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((monitor: string, flags: HistoryFlags) => {
      context.setExitCode(runHistory(monitor, flags, context, Date.now()));
    });
}

/** Runs `synthctl history` and returns its exit code. */
export function runHistory(
  monitor: string,
  flags: HistoryFlags,
  context: CommandContext,
  now: number,
): number {
  const limit = Number(flags.limit);
  if (!/^\d+$/.test(flags.limit) || limit < 1 || limit > 10_000) {
    throw new UsageError(`--limit must be an integer from 1 to 10000, got ${JSON.stringify(flags.limit)}`);
  }
  let since: number;
  try {
    since = parseSince(flags.since, now);
  } catch (err) {
    if (err instanceof InvalidSinceError) throw new UsageError(err.message);
    throw err;
  }
  const path = resolve(context.cwd, flags.db);
  let store: HistoryStore;
  try {
    store = HistoryStore.open({ path, readonly: true });
  } catch (err) {
    if (err instanceof HistoryDatabaseError) {
      context.stderr.write(`synthctl: ${err.message.replace(path, flags.db)}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  try {
    let report;
    try {
      report = buildHistoryReport(store, monitor, { limit, since, now });
    } catch (err) {
      if (err instanceof AmbiguousMonitorError) throw new UsageError(err.message);
      throw err;
    }
    context.stdout.write(
      flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderHistoryText(report, flags.db),
    );
    return report.results.length > 0 ? EXIT.ok : EXIT.failure;
  } finally {
    store.close();
  }
}
