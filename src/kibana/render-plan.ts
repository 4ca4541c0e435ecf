/**
 * Renders a {@link Plan} for humans (text, like `terraform plan`), for machines (JSON) and for
 * a pull-request comment (Markdown: a summary table and collapsible per-monitor diffs).
 * Values come from the plan, which masks secrets; param values are never in the plan.
 */
import type { FieldChange } from './diff.js';
import type { MonitorPlan, ParamPlan, Plan } from './plan.js';
import type { ApplyResult } from './apply.js';

/** Output formats of `synthctl plan`. */
export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;
/** One of {@link PLAN_FORMATS}. */
export type PlanFormat = (typeof PLAN_FORMATS)[number];

const SYMBOL: Record<MonitorPlan['action'], string> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  drifted: '!',
  unchanged: ' ',
  error: 'x',
};

/** Renders `plan` in `format`. */
export function renderPlan(plan: Plan, format: PlanFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(planJson(plan), null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(plan);
    default:
      return renderText(plan);
  }
}

/** The plan as JSON-safe data, without payloads (bundles are large). */
export function planJson(plan: Plan): unknown {
  return {
    projectId: plan.projectId,
    space: plan.space,
    kibanaVersion: plan.kibanaVersion,
    driftPolicy: plan.driftPolicy,
    prune: plan.prune,
    blocked: plan.blocked,
    blockedReasons: plan.blockedReasons,
    hasChanges: plan.hasChanges,
    summary: plan.summary,
    errors: plan.errors,
    monitors: plan.monitors
      .filter((m) => m.action !== 'unchanged')
      .map(({ payload: _payload, ...rest }) => rest),
    unchanged: plan.summary.unchanged,
    params: plan.params.filter((p) => p.action !== 'unchanged'),
  };
}

function show(value: unknown): string {
  if (value === undefined) return '(default)';
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value);
}

function changeLine(c: FieldChange): string {
  return `${c.field}: ${show(c.before)} → ${show(c.after)}`;
}

function headline(m: MonitorPlan): string {
  const what = `${m.id} (${m.type}${m.name !== m.id ? `, "${m.name}"` : ''})`;
  switch (m.action) {
    case 'create':
      return `+ create ${what}`;
    case 'update':
      return m.drift !== undefined ? `~ update ${what}: revert drift (${driftText(m)})` : `~ update ${what}`;
    case 'replace':
      return `-/+ replace ${what}: type ${m.liveType ?? '?'} → ${m.type} (delete, then create)`;
    case 'delete':
      return m.skipped === undefined ? `- delete ${what}` : `- delete ${what} [not run: ${m.skipped}]`;
    case 'drifted':
      return `! drift ${what}: ${driftText(m)}; driftPolicy Report keeps Kibana's version`;
    case 'error':
      return `x error ${what}`;
    default:
      return `  unchanged ${what}`;
  }
}

function driftText(m: MonitorPlan): string {
  return m.drift?.reason === 'hash-blanked'
    ? `edited in Kibana${m.liveRevision === undefined ? '' : ` (revision ${m.liveRevision})`}`
    : 'Kibana configuration differs from what was applied';
}

function paramLine(p: ParamPlan): string {
  const users = p.monitorIds.length > 0 ? ` (used by ${p.monitorIds.join(', ')})` : '';
  switch (p.action) {
    case 'create':
      return `+ create param ${p.key} from ${p.from ?? '?'}${users}`;
    case 'update':
      return `~ update param ${p.key}: ${p.changed.join(', ')} changed${p.changed.includes('value') ? ' (value hidden)' : ''}${users}`;
    case 'delete':
      return `- delete param ${p.key}${p.skipped === undefined ? '' : ` [not run: ${p.skipped}]`}`;
    case 'error':
      return `x error param ${p.key}: ${p.error ?? ''}`;
    default:
      return `  unchanged param ${p.key}`;
  }
}

/** One line: `Plan: 2 to create, 1 to update, …`. */
export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const parts = [
    `${s.create} to create`,
    `${s.update} to update`,
    ...(s.replace > 0 ? [`${s.replace} to replace`] : []),
    `${s.delete} to delete`,
    `${s.unchanged} unchanged`,
    ...(s.drifted > 0 ? [`${s.drifted} drifted`] : []),
    ...(s.error > 0 ? [`${s.error} with errors`] : []),
  ];
  const params = s.paramsCreate + s.paramsUpdate + s.paramsDelete;
  const paramText =
    params > 0
      ? `; params: ${s.paramsCreate} to create, ${s.paramsUpdate} to update, ${s.paramsDelete} to delete`
      : '';
  return `Plan: ${parts.join(', ')}${paramText}.`;
}

function renderText(plan: Plan): string {
  const lines: string[] = [
    `Project ${plan.projectId} in space ${plan.space} (Kibana ${plan.kibanaVersion}), driftPolicy ${plan.driftPolicy}`,
    '',
  ];
  for (const p of plan.params.filter((x) => x.action !== 'unchanged')) lines.push(paramLine(p));
  if (plan.params.some((x) => x.action !== 'unchanged')) lines.push('');
  for (const m of plan.monitors) {
    if (m.action === 'unchanged') continue;
    lines.push(headline(m));
    if (m.source !== undefined && m.action !== 'delete') lines.push(`    # ${m.source}`);
    for (const e of m.errors) lines.push(`    error: ${e}`);
    for (const w of m.warnings) lines.push(`    warning: ${w}`);
    if (m.action !== 'error') {
      const shown = m.action === 'create' || m.action === 'replace' ? m.changes : m.changes;
      for (const c of shown) {
        lines.push(m.action === 'create' ? `    ${c.field}: ${show(c.after)}` : `    ${changeLine(c)}`);
      }
      if (m.action === 'update' && m.changes.length === 0) {
        lines.push('    (fields equal; the content hash differs: a referenced secret or the bundle changed)');
      }
    }
  }
  if (plan.monitors.some((m) => m.action !== 'unchanged')) lines.push('');
  if (plan.blocked) {
    lines.push('Deletes blocked: the input is incomplete, so nothing is deleted:');
    for (const r of plan.blockedReasons) lines.push(`  - ${r}`);
    lines.push('');
  }
  for (const e of plan.errors) lines.push(`Error: ${e}`);
  lines.push(summaryLine(plan));
  if (!plan.hasChanges && plan.summary.error === 0 && plan.errors.length === 0) {
    lines.push('No changes. Kibana matches the input.');
  }
  return `${lines.join('\n')}\n`;
}

function escapeMd(text: string): string {
  return text.replace(/[|<>]/g, (c) => `\\${c}`);
}

function renderMarkdown(plan: Plan): string {
  const s = plan.summary;
  const out: string[] = [
    `### synthctl plan: \`${plan.projectId}\` in space \`${plan.space}\``,
    '',
    `Kibana ${plan.kibanaVersion} · driftPolicy ${plan.driftPolicy} · prune ${plan.prune.enabled ? `on (max ${plan.prune.maxDeletes})` : 'off'}`,
    '',
    '| Create | Update | Replace | Delete | Drifted | Unchanged | Errors | Params |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.drifted} | ${s.unchanged} | ${s.error} | ${s.paramsCreate + s.paramsUpdate + s.paramsDelete} |`,
    '',
  ];
  if (plan.blocked) {
    out.push('> [!WARNING]');
    out.push('> Deletes blocked: the input is incomplete, so nothing is deleted.');
    for (const r of plan.blockedReasons) out.push(`> - ${escapeMd(r)}`);
    out.push('');
  }
  for (const e of plan.errors) out.push(`> **Error:** ${escapeMd(e)}`, '');
  for (const m of plan.monitors) {
    if (m.action === 'unchanged') continue;
    out.push('<details>');
    out.push(
      `<summary><code>${SYMBOL[m.action]}</code> ${escapeMd(headline(m).replace(/^\S+\s/, ''))}</summary>`,
    );
    out.push('');
    out.push('```diff');
    for (const e of m.errors) out.push(`! error: ${e}`);
    for (const w of m.warnings) out.push(`! warning: ${w}`);
    for (const c of m.changes) {
      if (c.before !== undefined && m.action !== 'create' && m.action !== 'replace')
        out.push(`- ${c.field}: ${show(c.before)}`);
      if (c.after !== undefined) out.push(`+ ${c.field}: ${show(c.after)}`);
      else out.push(`+ ${c.field}: (default)`);
    }
    if (m.action === 'delete') out.push(`- ${m.id}`);
    out.push('```');
    out.push('</details>');
    out.push('');
  }
  const params = plan.params.filter((p) => p.action !== 'unchanged');
  if (params.length > 0) {
    out.push('<details><summary>Params (values never shown)</summary>', '', '```diff');
    for (const p of params) out.push(paramLine(p).replace(/^x/, '!').replace(/^~/, '!'));
    out.push('```', '</details>', '');
  }
  out.push(summaryLine(plan));
  return `${out.join('\n')}\n`;
}

/** The apply result as text, like `terraform apply`'s closing line. */
export function renderApplyResult(result: ApplyResult): string {
  const lines: string[] = [];
  for (const f of result.failed) {
    lines.push(`failed ${f.id}: ${f.reason}${f.details === undefined ? '' : ` — ${f.details}`}`);
  }
  if (result.pruneRefused !== undefined) lines.push(`prune refused: ${result.pruneRefused}`);
  const p = result.params;
  const paramText =
    p.created.length + p.updated.length + p.deleted.length > 0
      ? `; params: ${p.created.length} created, ${p.updated.length} updated, ${p.deleted.length} deleted`
      : '';
  lines.push(
    `Apply ${result.ok ? 'complete' : 'incomplete'}: ${result.created.length} created, ${result.updated.length} updated, ${result.replaced.length} replaced, ${result.deleted.length} deleted, ${result.failed.length} failed${paramText}.`,
  );
  return `${lines.join('\n')}\n`;
}
