/**
 * The synthctl CLI entry point. Subcommands live in their own modules and are listed in
 * {@link COMMANDS}; adding a command is one import and one line there.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { LoadError } from '../load/loader.js';
import { EXIT, UsageError, type CliIo, type CommandContext, type RegisterCommand } from './context.js';
import { registerValidate } from './validate.js';
import { registerHistory } from './history.js';
import { registerCrd } from './crd.js';
import { registerImport } from './import.js';
import { registerNew } from './new.js';
import { registerRun } from './run.js';
import { registerOperator } from './operator.js';
import { registerJourney } from './journey.js';
import { registerPlan } from './plan.js';
import { registerApply } from './apply.js';

/** Every subcommand, in the order `synthctl --help` lists them. Append new commands here. */
const COMMANDS: readonly RegisterCommand[] = [
  registerValidate,
  registerRun,
  registerHistory,
  registerCrd,
  registerImport,
  registerNew,
  registerPlan,
  registerApply,
  registerJourney,
  registerOperator,
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
  for (const register of COMMANDS) register(program, context);
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
