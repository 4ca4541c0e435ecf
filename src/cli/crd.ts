/**
 * `synthctl crd`: prints the CustomResourceDefinitions (`synthctl crd | kubectl apply -f -`)
 * or writes them, with a kustomization, to `--output-dir`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildCrds, renderCrdFiles, renderCrdYaml } from '../model/crd.js';
import { EXIT, type CommandContext } from './context.js';

/** Options of `synthctl crd`. */
export interface CrdCommandOptions {
  /** Write one file per CRD and a kustomization.yaml here instead of printing. */
  readonly outputDir?: string;
}

/** Where the command writes: stdout for the YAML, stderr for what was written. */
export interface CrdOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Error when the CRDs cannot be written to the output directory. */
export class CrdWriteError extends Error {
  override readonly name = 'CrdWriteError';
  readonly path: string;

  constructor(path: string, options: { cause: unknown }) {
    super(
      `cannot write ${path}: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`,
      options,
    );
    this.path = path;
  }
}

/** Prints the CRDs as multi-document YAML, or writes them to `outputDir`; returns files written. */
export async function runCrdCommand(options: CrdCommandOptions, output: CrdOutput): Promise<string[]> {
  if (options.outputDir === undefined) {
    output.stdout.write(renderCrdYaml(buildCrds()));
    return [];
  }
  const written: string[] = [];
  try {
    await mkdir(options.outputDir, { recursive: true });
  } catch (cause) {
    throw new CrdWriteError(options.outputDir, { cause });
  }
  for (const [name, content] of renderCrdFiles()) {
    const path = join(options.outputDir, name);
    try {
      await writeFile(path, content);
    } catch (cause) {
      throw new CrdWriteError(path, { cause });
    }
    output.stderr.write(`wrote ${path}\n`);
    written.push(path);
  }
  return written;
}

/** Adds `synthctl crd` to the program. */
export function registerCrd(program: Command, context: CommandContext): void {
  program
    .command('crd')
    .description('Print the CustomResourceDefinitions as YAML (synthctl crd | kubectl apply -f -).')
    .option('-d, --output-dir <dir>', 'write one file per CRD and a kustomization.yaml to this directory')
    .action(async (flags: { outputDir?: string }) => {
      const options =
        flags.outputDir === undefined ? {} : { outputDir: resolve(context.cwd, flags.outputDir) };
      try {
        await runCrdCommand(options, context);
      } catch (error) {
        if (!(error instanceof CrdWriteError)) throw error;
        context.stderr.write(`synthctl: ${error.message}\n`);
        context.setExitCode(EXIT.usage);
      }
    });
}
