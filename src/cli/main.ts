/**
 * The synthctl CLI entry point. Subcommands live in their own modules and are listed in
 * {@link COMMANDS}; adding a command is one import and one line there.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { LoadError } from '../load/loader.js';
import { EXIT, UsageError, type CliIo, type CommandContext, type RegisterCommand } from './context.js';
/** A subcommand, loaded only when it is the one being run (or for `--help`). */
interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<RegisterCommand>;
}

/**
 * Every subcommand, in the order `synthctl --help` lists them. Append new commands here.
 * Modules load lazily: `synthctl apply` should not pay for Playwright or the runner.
 */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', load: async () => (await import('./validate.js')).registerValidate },
  { name: 'run', load: async () => (await import('./run.js')).registerRun },
  { name: 'history', load: async () => (await import('./history.js')).registerHistory },
  { name: 'crd', load: async () => (await import('./crd.js')).registerCrd },
  { name: 'import', load: async () => (await import('./import.js')).registerImport },
  { name: 'new', load: async () => (await import('./new.js')).registerNew },
  { name: 'plan', load: async () => (await import('./plan.js')).registerPlan },
  { name: 'apply', load: async () => (await import('./apply.js')).registerApply },
  { name: 'journey', load: async () => (await import('./journey.js')).registerJourney },
  { name: 'operator', load: async () => (await import('./operator.js')).registerOperator },
  { name: 'runner', load: async () => (await import('./runner.js')).registerRunner },
  // One line per command, above this comment (it keeps Prettier from joining the lines).
];

/** The package version; src/cli and dist/cli are both two folders below package.json. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function defaultIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const streams: CliIo = { ...defaultIo(), ...io };
  let exitCode: number = EXIT.ok;
  const context: CommandContext = {
    ...streams,
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code);
    },
  };
  const program = new Command('synthctl')
    .description(
      'GitOps for Elastic Synthetic Monitoring: validate, run, plan and apply monitors declared as Kubernetes resources.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run synthctl --help for usage)')
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .exitOverride();
  // Only the command being run is loaded; help, version and unknown commands load them all.
  const wanted = COMMANDS.filter((c) => c.name === argv[0]);
  for (const entry of wanted.length > 0 ? wanted : COMMANDS) (await entry.load())(program, context);
  // Subcommands inherit neither exitOverride nor output settings from the program.
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are how commander ends after printing them.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof LoadError || error instanceof UsageError) {
      streams.stderr.write(`synthctl: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    streams.stderr.write(`synthctl: unexpected error: ${message}\n`);
    return EXIT.usage;
  }
  return exitCode;
}
