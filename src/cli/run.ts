/**
 * `synthctl run [paths...]`: runs monitors on this machine (the laptop's main job, and the
 * CI gate with `--once`). The work is done by `runLocal`; this module maps flags and signals.
 */
import { Option, type Command } from 'commander';
import pino from 'pino';
import { runLocal } from '../runner/local-run.js';
import { shouldColor } from '../report/render-text.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

interface RunFlags {
  readonly once?: boolean;
  readonly monitor?: string[];
  readonly tag?: string[];
  readonly location?: string;
  readonly concurrency?: string;
  readonly metricLabels?: string[];
  readonly db: string;
  readonly listen?: string;
  readonly output: 'table' | 'ndjson';
  readonly demo?: boolean;
  readonly watch: boolean;
  readonly logLevel: string;
}

/** Parses `host:port`, `[v6]:port` or `:port` for --listen. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(
      `--listen ${JSON.stringify(value)}: expected host:port, e.g. 127.0.0.1:9464 or :9464`,
    );
  }
  return { host: match[1] ?? (match[2] === '' ? '127.0.0.1' : (match[2] ?? '127.0.0.1')), port };
}

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/** Registers `synthctl run`. */
export function registerRun(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description(
      'Run monitors: scheduler, HTTP/TCP/ICMP checks, /metrics, /healthz, /readyz, /api/monitors and a SQLite history. With --once, run each monitor once and exit 1 if any is down.',
    )
    .argument('[paths...]', 'files, folders (searched for *.yaml, *.yml) or - for standard input', ['.'])
    .option('--once', 'run every monitor once (retests included), print a summary, exit 1 if any is down')
    .option(
      '--monitor <id>',
      'only this monitor (journey id or name); repeatable or comma-separated',
      collect,
    )
    .option('--tag <tag>', 'only monitors with this tag; repeatable or comma-separated', collect)
    .option('--location <name>', 'only monitors assigned to this location; also the location of the results')
    .option('--concurrency <n>', 'checks running at once (default 32)')
    .option(
      '--metric-labels <keys>',
      'monitor fields exported as metric labels (at most 8), e.g. team,slo_objective; repeatable or comma-separated',
      collect,
    )
    .option('--db <path>', 'history database, or "none"', '.synthctl/history.db')
    .option(
      '--listen <host:port>',
      'where /metrics and the API listen (default 127.0.0.1:9464; off with --once)',
    )
    .addOption(
      new Option('--output <format>', 'table, or one JSON result per line')
        .choices(['table', 'ndjson'])
        .default('table'),
    )
    .option(
      '--demo',
      'also start the demo target that examples/monitors check (127.0.0.1:8480, :8443, :8470)',
    )
    .option('--no-watch', 'do not reload when the input changes')
    .addOption(
      new Option('--log-level <level>', 'log level (JSON logs on standard error)')
        .choices(['debug', 'info', 'warn', 'error', 'silent'])
        .default('warn'),
    )
    .action(async (paths: string[], flags: RunFlags) => {
      context.setExitCode(await runCommand(paths, flags, context));
    });
}

/** Runs `synthctl run` with process signals wired to a clean stop. */
export async function runCommand(paths: string[], flags: RunFlags, context: CommandContext): Promise<number> {
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
      throw new UsageError(`--concurrency ${flags.concurrency}: expected a whole number from 1 to 10000`);
    }
  }
  const listen = flags.listen === undefined ? undefined : parseListen(flags.listen);
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const logger = pino({ level: flags.logLevel, base: { component: 'runner' } }, pino.destination(2));
  try {
    return await runLocal({
      paths,
      cwd: context.cwd,
      env: context.env,
      stdout: context.stdout,
      stderr: context.stderr,
      stdin: context.stdin,
      signal: controller.signal,
      logger,
      color: shouldColor(context.stdout, context.env),
      db: flags.db === 'none' ? false : flags.db,
      output: flags.output,
      watch: flags.watch,
      ...(flags.once === true ? { once: true } : {}),
      ...(flags.demo === true ? { demo: true } : {}),
      ...(flags.monitor === undefined ? {} : { monitors: flags.monitor }),
      ...(flags.tag === undefined ? {} : { tags: flags.tag }),
      ...(flags.location === undefined ? {} : { location: flags.location }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(flags.metricLabels === undefined ? {} : { metricLabels: flags.metricLabels }),
      ...(listen === undefined ? {} : { listen }),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    context.stderr.write(`synthctl run: ${message}\n`);
    return EXIT.usage;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    logger.flush();
  }
}
