/**
 * What a CLI command gets from `main`: its streams, environment and a way to set the exit
 * code. Commands take these instead of `process`, so tests run them in-process.
 */
import type { Command } from 'commander';

/** A stream the CLI writes to. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The process-facing side of the CLI. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** What a command's action can use. */
export interface CommandContext extends CliIo {
  /** Sets the process exit code (the highest code set wins). */
  setExitCode(code: number): void;
}

/** Adds one subcommand to the program. */
export type RegisterCommand = (program: Command, context: CommandContext) => void;

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  /** The input is invalid, a check failed, a plan has changes (per command). */
  failure: 1,
  /** Bad flags or arguments, or an input that could not be read. */
  usage: 2,
} as const;

/** A bad flag value or argument combination: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
