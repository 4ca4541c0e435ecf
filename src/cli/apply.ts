/**
 * `synthctl apply [paths...]`: computes the plan, prints it, then executes it (non-interactive:
 * the safety lies in the prune guard, not in a prompt that CI skips, elastic.md §11.1).
 * Progress goes to standard error. Exit 0 when everything applied, 1 otherwise.
 */
import { Option, type Command } from 'commander';
import type { KibanaClient } from '../kibana/client.js';
import { applyPlan, type ApplyProgress } from '../kibana/apply.js';
import { renderApplyResult, renderPlan } from '../kibana/render-plan.js';
import { EXIT, UsageError, type CommandContext } from './context.js';
import { addSyncOptions, computePlan, reportSyncError, type SyncFlags } from './plan.js';

interface ApplyFlags extends SyncFlags {
  readonly batchSize?: string;
}

/** Registers `synthctl apply`. */
export function registerApply(program: Command, context: CommandContext): void {
  addSyncOptions(
    program
      .command('apply')
      .description(
        'Apply the plan to Kibana: params, creates and updates in batches, prune (guarded), drift per driftPolicy. Exit 0 applied, 1 failures.',
      ),
  )
    .addOption(
      new Option('--batch-size <n>', 'monitors per _bulk_update request (below Kibana’s limits)').hideHelp(),
    )
    .action(async (paths: string[], flags: ApplyFlags) => {
      context.setExitCode(await runApply(paths, flags, context));
    });
}

function progressLine(event: ApplyProgress): string {
  switch (event.phase) {
    case 'upsert':
      return `apply: batch ${event.batch}/${event.batches}: ${event.done}/${event.total} monitors sent, ${event.failed} failed`;
    case 'params':
      return `apply: params ${event.done}/${event.total}`;
    case 'replace':
      return `apply: type changes, old monitors deleted ${event.done}/${event.total}`;
    case 'prune':
      return `apply: pruned ${event.done}/${event.total}`;
    default:
      return `apply: unused params deleted ${event.done}/${event.total}`;
  }
}

/** Runs `synthctl apply` and returns its exit code. */
export async function runApply(
  paths: readonly string[],
  flags: ApplyFlags,
  context: CommandContext,
): Promise<number> {
  let client: KibanaClient | undefined;
  try {
    let maxBatchSize: number | undefined;
    if (flags.batchSize !== undefined) {
      maxBatchSize = Number(flags.batchSize);
      if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
        throw new UsageError(`--batch-size must be a positive integer, got ${flags.batchSize}`);
      }
    }
    const plan = await computePlan(paths, flags, context, {
      onClient: (c) => {
        client = c;
      },
      // A hash differs whenever Git or Kibana changed a monitor: apply reads only those.
      liveConfigs: 'changed',
    });
    context.stdout.write(renderPlan(plan, 'text'));
    if (!plan.hasChanges) {
      const failed = plan.blocked || plan.summary.error > 0 || plan.errors.length > 0;
      context.stdout.write(failed ? 'Nothing applied.\n' : 'Nothing to apply.\n');
      return failed ? EXIT.failure : EXIT.ok;
    }
    const result = await applyPlan(plan, {
      api: client!,
      onProgress: (event) => context.stderr.write(`${progressLine(event)}\n`),
      ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    });
    context.stdout.write(renderApplyResult(result));
    return result.ok ? EXIT.ok : EXIT.failure;
  } catch (error) {
    return reportSyncError('apply', error, context);
  } finally {
    await client?.close();
  }
}
