/**
 * Diagnostics for people: `file:line:col: error: message [code]`, the source line with a
 * caret under the column, a hint, and a summary line. Colour only on a TTY without NO_COLOR.
 */
import { createColors } from 'picocolors';
import type { Severity } from '../model/diagnostics.js';
import { redactSourceLine } from './redact.js';
import { summaryLine, type Report } from './report.js';

/** Options of {@link renderText}. */
export interface TextOptions {
  /** Colour the output (decide with {@link shouldColor}). */
  readonly color?: boolean;
  /** Print the summary line (default true). */
  readonly summary?: boolean;
}

/** Whether to colour output written to `stream`, following https://no-color.org. */
export function shouldColor(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Renders diagnostics as text, ending with a newline. */
export function renderText(report: Report, options: TextOptions = {}): string {
  const c = createColors(options.color ?? false);
  const paint: Record<Severity, (s: string) => string> = {
    error: (s) => c.bold(c.red(s)),
    warning: (s) => c.bold(c.yellow(s)),
    notice: (s) => c.bold(c.cyan(s)),
  };
  const lines: string[] = [];
  const split = new Map<string, string[]>();
  const sourceLine = (file: string, line: number): string | undefined => {
    let all = split.get(file);
    if (all === undefined) {
      all = report.sources.get(file)?.split(/\r?\n/) ?? [];
      split.set(file, all);
    }
    return all[line - 1];
  };

  for (const d of report.diagnostics) {
    lines.push(
      `${c.bold(`${d.file}:${d.line}:${d.column}:`)} ${paint[d.severity](`${d.severity}:`)} ${d.message} ${c.dim(`[${d.code}]`)}`,
    );
    const where = [d.resource, d.path === '' ? undefined : d.path].filter((s) => s !== undefined).join(' ');
    if (where !== '') lines.push(`  ${c.dim(`at ${where}`)}`);
    // Notices (a skipped Deployment in kustomize output) need no source excerpt.
    const source = d.severity === 'notice' ? undefined : sourceLine(d.file, d.line);
    if (source !== undefined && source.trim() !== '') {
      const shown = expandTabs(redactSourceLine(source, d));
      const gutter = String(d.line);
      lines.push(`  ${c.dim(`${gutter} |`)} ${shown}`);
      const caretColumn = displayColumn(source, d.column);
      lines.push(
        `  ${' '.repeat(gutter.length)} ${c.dim('|')} ${' '.repeat(caretColumn - 1)}${paint[d.severity]('^')}`,
      );
    }
    if (d.hint !== undefined) lines.push(`  ${c.cyan('hint:')} ${d.hint}`);
  }
  if (options.summary ?? true) {
    if (lines.length > 0) lines.push('');
    lines.push(summaryText(report, c));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function summaryText(report: Report, c: ReturnType<typeof createColors>): string {
  const text = summaryLine(report);
  return report.diagnostics.some((d) => d.severity === 'error') ? c.red(text) : c.green(text);
}

// Tabs would break the caret's alignment; YAML allows them inside values only.
function expandTabs(line: string): string {
  return line.replace(/\t/g, ' ');
}

function displayColumn(line: string, column: number): number {
  return Math.max(1, Math.min(column, line.length + 1));
}
