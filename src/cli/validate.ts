/**
 * `synthctl validate [paths...]`: schema, CEL rules and semantic checks, every problem at once.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { validatePaths } from '../model/validate.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import { shouldColor } from '../report/render-text.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** The flags of `synthctl validate`. */
export interface ValidateFlags {
  readonly format: ReportFormat;
  readonly output?: string;
  readonly quiet?: boolean;
  readonly strict?: boolean;
}

/** Registers `synthctl validate`. */
export function registerValidate(program: Command, context: CommandContext): void {
  program
    .command('validate')
    .description(
      'Check SyntheticMonitor and SyntheticsProject files: schema, rules and semantics. Exit 0 valid, 1 invalid, 2 usage or I/O error.',
    )
    .argument('[paths...]', 'files, folders (searched for *.yaml, *.yml) or - for standard input', ['.'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('-q, --quiet', 'print errors only (and warnings with --strict)')
    .option('--strict', 'fail on warnings too')
    .action(async (paths: string[], flags: ValidateFlags) => {
      context.setExitCode(await runValidate(paths, flags, context));
    });
}

/** Runs `synthctl validate` and returns its exit code. */
export async function runValidate(
  paths: readonly string[],
  flags: ValidateFlags,
  context: CommandContext,
): Promise<number> {
  const result = await validatePaths(paths, { stdin: context.stdin, cwd: context.cwd });
  const strict = flags.strict === true;
  const report = {
    diagnostics: result.diagnostics.filter(
      (d) => flags.quiet !== true || d.severity === 'error' || (strict && d.severity === 'warning'),
    ),
    resources: result.resources,
    files: result.files,
    sources: result.sources,
  };
  const failed = result.diagnostics.some(
    (d) => d.severity === 'error' || (strict && d.severity === 'warning'),
  );
  const output = renderReport(flags.format, report, {
    color: flags.output === undefined && shouldColor(context.stdout, context.env),
    summary: flags.quiet !== true || failed,
  });
  if (flags.output === undefined) context.stdout.write(output);
  else {
    try {
      await writeFile(resolve(context.cwd, flags.output), output);
    } catch (error) {
      throw new UsageError(
        `cannot write ${flags.output}: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
  }
  return failed ? EXIT.failure : EXIT.ok;
}
