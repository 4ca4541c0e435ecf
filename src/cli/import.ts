/**
 * `synthctl import elastic <dir>`: an `@elastic/synthetics` project to synthctl resources.
 * The conversion is {@link importElasticProject}; this file parses flags, writes files or a
 * stream, re-validates what it wrote with `synthctl validate`'s own checks, and reports.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { sortDiagnostics, type Diagnostic } from '../model/diagnostics.js';
import { validatePaths, validateText } from '../model/validate.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import { shouldColor } from '../report/render-text.js';
import {
  importElasticProject,
  renderImportedResource,
  renderImportedStream,
} from '../load/import-elastic.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** Flags of `synthctl import elastic`. */
export interface ImportElasticFlags {
  /** A directory to write one file per resource into, or `-` for a YAML stream on stdout. */
  readonly out: string;
  readonly namespace?: string;
  readonly projectName?: string;
  /** The environment name the config function gets (push: NODE_ENV || development). */
  readonly env?: string;
  readonly force?: boolean;
  readonly format: ReportFormat;
  readonly projectId?: string;
  readonly kibanaUrl?: string;
  readonly space?: string;
}

/** Registers `synthctl import elastic`. */
export function registerImport(program: Command, context: CommandContext): void {
  const command = program
    .command('import')
    .description('Convert monitors from another tool into SyntheticMonitor and SyntheticsProject resources.');
  command
    .command('elastic')
    .description(
      'Convert an @elastic/synthetics project (heartbeat.monitors YAML, *.journey.ts, synthetics.config.ts) with the semantics of `push`. Exit 0 converted, 1 some input could not be converted, 2 usage error.',
    )
    .argument('<dir>', 'the project directory (where synthetics.config.ts is)')
    .option('-o, --out <dir>', 'write one YAML file per resource into this directory, or - for stdout', '-')
    .option('-n, --namespace <namespace>', 'metadata.namespace of every resource')
    .option('--project-name <name>', 'metadata.name of the SyntheticsProject (default: from project.id)')
    .option(
      '--env <name>',
      'environment name passed to `(env) => config` (push uses NODE_ENV)',
      'development',
    )
    .option('--project-id <id>', 'the project id, over project.id of the config (push --id)')
    .option('--kibana-url <url>', 'the Kibana URL, over project.url of the config (push --url)')
    .option('--space <space>', 'the Kibana space, over project.space of the config (push --space)')
    .option('--force', 'overwrite existing files in --out')
    .addOption(
      new Option('-f, --format <format>', 'format of the diagnostics on stderr')
        .choices(REPORT_FORMATS)
        .default('text'),
    )
    .action(async (dir: string, flags: ImportElasticFlags) => {
      context.setExitCode(await runImportElastic(dir, flags, context));
    });
  // The subcommand is registered here, so main's loop over program.commands does not see it.
  for (const sub of command.commands) {
    sub.exitOverride().configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    });
  }
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Runs `synthctl import elastic` and returns its exit code. */
export async function runImportElastic(
  dir: string,
  flags: ImportElasticFlags,
  context: CommandContext,
): Promise<number> {
  if (flags.namespace !== undefined && !NAMESPACE.test(flags.namespace)) {
    throw new UsageError(
      `--namespace ${JSON.stringify(flags.namespace)} is not a Kubernetes namespace (lower-case letters, digits and -)`,
    );
  }
  if (flags.projectName !== undefined && !RESOURCE_NAME.test(flags.projectName)) {
    throw new UsageError(
      `--project-name ${JSON.stringify(flags.projectName)} is not a resource name (lower-case letters, digits, - and .)`,
    );
  }
  const toStdout = flags.out === '-';
  const outDir = toStdout ? undefined : resolve(context.cwd, flags.out);
  const result = importElasticProject({
    dir,
    cwd: context.cwd,
    environment: flags.env ?? 'development',
    ...(outDir === undefined ? {} : { outDir }),
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
    ...(flags.projectName === undefined ? {} : { projectName: flags.projectName }),
    ...(flags.projectId === undefined ? {} : { projectId: flags.projectId }),
    ...(flags.kibanaUrl === undefined ? {} : { kibanaUrl: flags.kibanaUrl }),
    ...(flags.space === undefined ? {} : { space: flags.space }),
  });
  const diagnostics: Diagnostic[] = [...result.diagnostics];
  const files: string[] = [];

  if (toStdout) {
    if (result.resources.length > 0) context.stdout.write(renderImportedStream(result.resources));
    if (result.resources.length > 0) {
      const checked = validateText(renderImportedStream(result.resources), '<stdout>');
      diagnostics.push(...checked.diagnostics.filter((d) => d.severity !== 'notice'));
    }
  } else {
    const targets = result.resources.map((r) => ({ resource: r, path: join(outDir!, r.fileName) }));
    const existing = targets.filter((t) => existsSync(t.path)).map((t) => t.path);
    if (existing.length > 0 && flags.force !== true) {
      // All or nothing: a half-written import next to older files would be worse than none.
      throw new UsageError(
        `refusing to overwrite ${existing.length} existing file(s), e.g. ${existing[0] ?? ''}; use --force or another --out`,
      );
    }
    await mkdir(outDir!, { recursive: true });
    for (const target of targets) {
      await writeFile(target.path, renderImportedResource(target.resource));
      files.push(target.path);
    }
    if (files.length > 0) {
      // validate's own checks on what was written, journey files resolved as validate does.
      const checked = await validatePaths(files, { cwd: context.cwd });
      diagnostics.push(...checked.diagnostics.filter((d) => d.severity !== 'notice'));
    }
  }

  const failed = diagnostics.some((d) => d.severity === 'error');
  const summary = `imported ${result.resources.length} resource(s)${toStdout ? '' : ` into ${flags.out}`}\n`;
  context.stderr.write(
    renderReport(
      flags.format,
      {
        diagnostics: sortDiagnostics(diagnostics),
        resources: [],
        files,
        // No source lines: they could show a secret the import just declined to copy.
        sources: new Map(),
      },
      { color: shouldColor(context.stderr, context.env), summary: false },
    ),
  );
  if (flags.format === 'text') context.stderr.write(summary);
  return failed ? EXIT.failure : EXIT.ok;
}
