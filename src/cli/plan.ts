/**
 * `synthctl plan [paths...]`: what `synthctl apply` would change in Kibana, with field-level
 * diffs, drift and prune. Exit 0 no changes, 2 changes pending, 1 error.
 * Also holds what plan and apply share: reading the input into a project, its monitors and
 * the reasons deletes are blocked, and building the Kibana client from the project.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { EnvSecretResolver } from '../checks/secrets.js';
import { KibanaClient, type KibanaClientOptions } from '../kibana/client.js';
import { KibanaError } from '../kibana/errors.js';
import { planProject, PlanError, type Plan } from '../kibana/plan.js';
import { PLAN_FORMATS, renderPlan, type PlanFormat } from '../kibana/render-plan.js';
import type { MonitorSource } from '../kibana/translate.js';
import { LoadError } from '../load/loader.js';
import { selectMonitors } from '../model/defaults.js';
import { tryParseDuration } from '../model/duration.js';
import type { SyntheticMonitor, SyntheticsProject } from '../model/schema.js';
import { validatePaths } from '../model/validate.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** Flags shared by plan and apply. */
export interface SyncFlags {
  readonly kibanaUrl?: string;
  readonly space?: string;
  readonly projectId?: string;
  readonly driftPolicy?: 'Revert' | 'Report';
  readonly prune?: boolean;
  readonly allowMassDelete?: boolean;
  readonly caFile?: string;
  readonly insecure?: boolean;
  readonly proxy?: string;
  readonly liveConfigs?: 'all' | 'changed';
}

interface PlanFlags extends SyncFlags {
  readonly format: PlanFormat;
}

/** Exit codes of `synthctl plan` (Terraform's `-detailed-exitcode`). */
export const PLAN_EXIT = { noChanges: 0, error: 1, changes: 2 } as const;

/** Adds the options plan and apply share. */
export function addSyncOptions(command: Command): Command {
  return command
    .argument('[paths...]', 'files, folders (searched for *.yaml, *.yml) or - for standard input', ['.'])
    .option('--kibana-url <url>', 'Kibana URL (overrides the SyntheticsProject)')
    .option('--space <space>', 'Kibana space (overrides the SyntheticsProject)')
    .option(
      '--project-id <id>',
      'project id: picks one of several SyntheticsProjects, or names the project when the input has none',
    )
    .addOption(
      new Option('--drift-policy <policy>', 'override spec.driftPolicy').choices(['Revert', 'Report']),
    )
    .option('--no-prune', 'never delete monitors or params, whatever spec.prune says')
    .option('--allow-mass-delete', 'let prune delete more than spec.prune.maxDeletes monitors')
    .option('--ca-file <file>', 'PEM CA bundle to trust for Kibana')
    .option('--insecure', 'do not verify Kibana’s TLS certificate (test clusters only)')
    .option('--proxy <url>', 'HTTP(S) proxy for Kibana requests')
    .addOption(
      new Option(
        '--live-configs <which>',
        'full Kibana configurations to read: all (field diffs and drift behind an intact hash; plan default) or changed (only monitors whose hash differs; apply default)',
      ).choices(['all', 'changed']),
    );
}

/** Registers `synthctl plan`. */
export function registerPlan(program: Command, context: CommandContext): void {
  addSyncOptions(
    program
      .command('plan')
      .description(
        'Show what apply would change in Kibana: creates, updates with field diffs, deletes (prune), drift. Exit 0 no changes, 2 changes pending, 1 error.',
      ),
  )
    .addOption(new Option('-f, --format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .action(async (paths: string[], flags: PlanFlags) => {
      context.setExitCode(await runPlan(paths, flags, context));
    });
}

/** Runs `synthctl plan` and returns its exit code. */
export async function runPlan(
  paths: readonly string[],
  flags: PlanFlags,
  context: CommandContext,
): Promise<number> {
  try {
    const plan = await computePlan(paths, flags, context);
    context.stdout.write(renderPlan(plan, flags.format));
    if (plan.blocked || plan.summary.error > 0 || plan.errors.length > 0) return PLAN_EXIT.error;
    return plan.hasChanges ? PLAN_EXIT.changes : PLAN_EXIT.noChanges;
  } catch (error) {
    return reportSyncError('plan', error, context);
  }
}

/** Prints a plan/apply failure without a stack and returns exit 1. */
export function reportSyncError(command: string, error: unknown, context: CommandContext): number {
  if (
    error instanceof PlanError ||
    error instanceof KibanaError ||
    error instanceof UsageError ||
    error instanceof LoadError
  ) {
    context.stderr.write(`synthctl ${command}: ${error.message}\n`);
    return EXIT.failure;
  }
  throw error;
}

/** What plan and apply read from their input. */
export interface SyncInput {
  readonly project: SyntheticsProject;
  readonly monitors: MonitorSource[];
  readonly blockedReasons: string[];
}

/** Reads, validates and selects: the project, its monitors and what blocks deletes. */
export async function loadSyncInput(
  paths: readonly string[],
  flags: SyncFlags,
  context: CommandContext,
): Promise<SyncInput> {
  const result = await validatePaths(paths, { stdin: context.stdin, cwd: context.cwd });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const blockedReasons = errors.slice(0, 20).map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
  if (errors.length > 20) blockedReasons.push(`… and ${errors.length - 20} more errors`);

  const projects = result.accepted.filter((r) => r.kind === 'SyntheticsProject');
  let project: SyntheticsProject;
  if (projects.length > 0) {
    const candidates = projects.filter(
      (r) =>
        flags.projectId === undefined ||
        (r.object as unknown as SyntheticsProject).spec.projectId === flags.projectId,
    );
    if (candidates.length !== 1) {
      const ids = projects.map((r) => (r.object as unknown as SyntheticsProject).spec.projectId);
      throw new UsageError(
        candidates.length === 0
          ? `no SyntheticsProject has projectId ${flags.projectId ?? ''}; the input declares ${ids.join(', ')}`
          : `the input declares ${candidates.length} SyntheticsProjects (${ids.join(', ')}); choose one with --project-id`,
      );
    }
    project = structuredClone(candidates[0]!.object) as unknown as SyntheticsProject;
  } else {
    if (flags.kibanaUrl === undefined || flags.projectId === undefined) {
      throw new UsageError(
        'the input declares no SyntheticsProject: add one, or pass --kibana-url and --project-id',
      );
    }
    project = {
      apiVersion: 'synthctl.dev/v1alpha1',
      kind: 'SyntheticsProject',
      metadata: { name: flags.projectId },
      spec: { kibana: { url: flags.kibanaUrl }, projectId: flags.projectId },
    };
  }
  if (flags.kibanaUrl !== undefined) project.spec.kibana.url = flags.kibanaUrl;
  if (flags.space !== undefined) project.spec.kibana.space = flags.space;

  const monitorResources = result.accepted.filter((r) => r.kind === 'SyntheticMonitor');
  const selected = selectMonitors(
    project,
    monitorResources.map((r) => ({
      metadata: (r.object as unknown as SyntheticMonitor).metadata,
      resource: r,
    })),
  );
  const monitors: MonitorSource[] = selected.map(({ resource }) => ({
    monitor: resource.object as unknown as SyntheticMonitor,
    ...(resource.file === '-' || resource.file === '<stdin>'
      ? {}
      : { sourceFile: resolve(context.cwd, resource.file) }),
  }));
  return { project, monitors, blockedReasons };
}

/** Builds the Kibana client options from the project and flags; the key from env. */
export async function clientOptionsFor(
  project: SyntheticsProject,
  flags: SyncFlags,
  context: CommandContext,
): Promise<KibanaClientOptions> {
  const secrets = new EnvSecretResolver(context.env);
  const ref = project.spec.kibana.apiKey?.valueFrom;
  let apiKey: string | undefined;
  if (ref?.env !== undefined) apiKey = context.env[ref.env];
  apiKey ??= context.env['SYNTHETICS_API_KEY'];
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new UsageError(
      `no Kibana API key: set ${ref?.env ?? 'SYNTHETICS_API_KEY'}${ref?.env !== undefined && ref.env !== 'SYNTHETICS_API_KEY' ? ' (spec.kibana.apiKey.valueFrom.env) or SYNTHETICS_API_KEY' : ''}`,
    );
  }
  const tls = project.spec.kibana.tls;
  const cas: string[] = [];
  for (const source of tls?.certificateAuthorities ?? []) {
    if (source.pem !== undefined) cas.push(source.pem);
    else {
      const value = await secrets.resolve(source, project.metadata.namespace);
      if (value !== undefined) cas.push(value);
    }
  }
  if (flags.caFile !== undefined) {
    try {
      cas.push(readFileSync(resolve(context.cwd, flags.caFile), 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read --ca-file ${flags.caFile}: ${String(error)}`, { cause: error });
    }
  }
  const insecure = flags.insecure === true || tls?.insecureSkipVerify === true;
  const proxy = flags.proxy ?? project.spec.kibana.proxy;
  const timeoutMs =
    project.spec.kibana.timeout === undefined ? undefined : tryParseDuration(project.spec.kibana.timeout);
  return {
    url: project.spec.kibana.url,
    apiKey,
    space: project.spec.kibana.space ?? 'default',
    ...(cas.length > 0 || insecure ? { tls: { ...(cas.length > 0 ? { ca: cas } : {}), insecure } } : {}),
    ...(proxy === undefined ? {} : { proxy: { uri: proxy } }),
    ...(timeoutMs === undefined ? {} : { headersTimeoutMs: timeoutMs }),
  };
}

/** Loads the input, connects to Kibana and computes the plan (shared by plan and apply). */
export async function computePlan(
  paths: readonly string[],
  flags: SyncFlags,
  context: CommandContext,
  hooks: {
    onClient?: (client: KibanaClient) => void;
    client?: KibanaClient;
    liveConfigs?: 'all' | 'changed';
  } = {},
): Promise<Plan> {
  const input = await loadSyncInput(paths, flags, context);
  const client = hooks.client ?? new KibanaClient(await clientOptionsFor(input.project, flags, context));
  hooks.onClient?.(client);
  try {
    return await planProject({
      project: input.project,
      monitors: input.monitors,
      api: client,
      secrets: new EnvSecretResolver(context.env),
      blockedReasons: input.blockedReasons,
      ...(flags.driftPolicy === undefined ? {} : { driftPolicy: flags.driftPolicy }),
      ...(flags.prune === false ? { prune: false } : {}),
      ...(flags.allowMassDelete === true ? { allowMassDelete: true } : {}),
      liveConfigs: flags.liveConfigs ?? hooks.liveConfigs ?? 'all',
    });
  } finally {
    if (hooks.onClient === undefined && hooks.client === undefined) await client.close();
  }
}
