/**
 * `synthctl journey [paths...]`: runs journey files once, like `npx @elastic/synthetics`
 * (elastic.md §7.4): the same filters, `--params`, `--screenshots`, `--reporter json`,
 * `--rich-events`, plus traces and video kept under `.synthctl/artifacts`. The work is done by
 * `runJourneyFiles`; this module maps flags and signals.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { NoJourneyFilesError, runJourneyFiles } from '../journey/run-files.js';
import { SCREENSHOT_MODES, type RecordingMode, type ScreenshotMode } from '../journey/results.js';
import { parseDuration } from '../model/duration.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

interface JourneyFlags {
  params?: string;
  playwrightOptions?: string;
  match?: string;
  tags?: string[];
  pattern?: string;
  screenshots: ScreenshotMode;
  trace?: boolean;
  video?: boolean;
  reporter: 'default' | 'json';
  richEvents?: boolean;
  quietExitCode?: boolean;
  pauseOnError?: boolean;
  headed?: boolean;
  dryRun?: boolean;
  artifacts: string;
  stepTimeout?: string;
  timeout?: string;
  executablePath?: string;
}

function parseJson(flag: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${flag}: not valid JSON (${(err as Error).message}); expected an object such as '{"url":"http://..."}'`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      `${flag}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a duration such as 30s or 2m`);
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Registers `synthctl journey`. */
export function registerJourney(program: Command, context: CommandContext): void {
  program
    .command('journey')
    .description(
      'Run journey files (Elastic journey DSL) once on Chromium, like npx @elastic/synthetics: exit 1 if a journey failed.',
    )
    .argument('[paths...]', 'journey files, or folders searched for *.journey.{ts,js,mjs,cjs}', ['.'])
    .option('-p, --params <json>', 'params for the journeys, as a JSON object')
    .option(
      '--playwright-options <json>',
      'Playwright context options as JSON (viewport, locale, actionTimeout, ...)',
    )
    .option('--match <pattern>', 'only journeys whose name (or a tag) matches this glob')
    .option('--tags <tags...>', 'only journeys with one of these tags (globs)')
    .option('--pattern <regex>', 'journey file name pattern in folders')
    .addOption(
      new Option('--screenshots <mode>', 'step screenshots').choices([...SCREENSHOT_MODES]).default('on'),
    )
    .option('--trace', 'keep a Playwright trace of every journey (default: only of failed journeys)')
    .option('--no-trace', 'record no trace')
    .option('--video', 'record a video of every journey (needs ffmpeg)')
    .addOption(
      new Option('--reporter <name>', 'output format').choices(['default', 'json']).default('default'),
    )
    .option('--rich-events', 'NDJSON with network events and exit code 0, as Heartbeat runs the agent')
    .option('--quiet-exit-code', 'always exit 0')
    .option('--pause-on-error', 'after a failed step, wait for Enter (with --headed, inspect the page)')
    .option('--headed', 'show the browser window (needs a display)')
    .option('--dry-run', 'list the journeys that would run')
    .option('--artifacts <dir>', 'where screenshots, traces and videos go, or "none"', '.synthctl/artifacts')
    .option('--step-timeout <duration>', 'fail a step that runs longer (default 60s)')
    .option('--timeout <duration>', 'fail a journey that runs longer (default 10m)')
    .option('--executable-path <path>', 'the Chromium to run (default /usr/bin/chromium)')
    .action(async (paths: string[], flags: JourneyFlags) => {
      context.setExitCode(await journeyCommand(paths, flags, context));
    });
}

/** Runs `synthctl journey` with process signals wired to a clean stop. */
export async function journeyCommand(
  paths: string[],
  flags: JourneyFlags,
  context: CommandContext,
): Promise<number> {
  const params = flags.params === undefined ? undefined : parseJson('--params', flags.params);
  const playwright =
    flags.playwrightOptions === undefined
      ? undefined
      : parseJson('--playwright-options', flags.playwrightOptions);
  // Elastic's --playwright-options carries launch options too; the pool owns those.
  const { executablePath, args: _args, headless, ...contextOptions } = playwright ?? {};
  if (flags.headed === true && (context.env.DISPLAY ?? context.env.WAYLAND_DISPLAY ?? '') === '') {
    throw new UsageError(
      '--headed needs a display (DISPLAY or WAYLAND_DISPLAY is not set); run headless instead',
    );
  }
  let pattern: RegExp | undefined;
  if (flags.pattern !== undefined) {
    try {
      pattern = new RegExp(flags.pattern);
    } catch (err) {
      throw new UsageError(`--pattern ${JSON.stringify(flags.pattern)}: ${(err as Error).message}`);
    }
  }
  const trace: RecordingMode =
    flags.trace === true ? 'on' : flags.trace === false ? 'off' : 'retain-on-failure';
  const stepTimeoutMs = duration('--step-timeout', flags.stepTimeout);
  const journeyTimeoutMs = duration('--timeout', flags.timeout);
  const exe = flags.executablePath ?? (typeof executablePath === 'string' ? executablePath : undefined);
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runJourneyFiles({
      paths,
      cwd: context.cwd,
      stdout: context.stdout,
      stderr: context.stderr,
      stdin: context.stdin,
      screenshots: flags.screenshots,
      trace,
      video: flags.video === true ? 'on' : 'off',
      reporter: flags.reporter,
      artifactsDir: flags.artifacts === 'none' ? false : flags.artifacts,
      processEnv: context.env,
      packageVersion: packageVersion(),
      signal: controller.signal,
      pool: {
        size: 1,
        headless: flags.headed !== true && headless !== false,
        ...(exe === undefined ? {} : { executablePath: exe }),
      },
      contextOptions,
      ...(params === undefined ? {} : { params }),
      ...(flags.match === undefined ? {} : { match: flags.match }),
      ...(flags.tags === undefined ? {} : { tags: flags.tags }),
      ...(pattern === undefined ? {} : { pattern }),
      ...(flags.richEvents === true ? { richEvents: true } : {}),
      ...(flags.quietExitCode === true ? { quietExitCode: true } : {}),
      ...(flags.pauseOnError === true ? { pauseOnError: true } : {}),
      ...(flags.dryRun === true ? { dryRun: true } : {}),
      ...(stepTimeoutMs === undefined ? {} : { stepTimeoutMs }),
      ...(journeyTimeoutMs === undefined ? {} : { journeyTimeoutMs }),
      ...(context.env.NODE_ENV === undefined ? {} : { env: context.env.NODE_ENV }),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof NoJourneyFilesError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError((error as Error).message);
    }
    context.stderr.write(`synthctl journey: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
