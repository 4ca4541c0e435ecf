/**
 * Diagnostics as GitHub Actions workflow commands, which annotate the pull request diff:
 * `::error file=…,line=…,col=…,title=…::message`
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
 */
import type { Diagnostic } from '../model/diagnostics.js';
import { summaryLine, type Report } from './report.js';

// The runner's own escaping (actions/toolkit `command.ts`): data escapes %, CR and LF;
// properties also escape the `:` and `,` that delimit them.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command for one diagnostic. */
export function githubAnnotation(d: Diagnostic): string {
  const title = d.path === '' ? d.code : `${d.code} at ${d.path}`;
  const properties = [
    `file=${escapeProperty(d.file)}`,
    `line=${d.line}`,
    `col=${d.column}`,
    `title=${escapeProperty(title)}`,
  ].join(',');
  const message = d.hint === undefined ? d.message : `${d.message}\nhint: ${d.hint}`;
  return `::${d.severity} ${properties}::${escapeData(message)}`;
}

/** Renders diagnostics as workflow commands plus a plain summary line. */
export function renderGithub(report: Report): string {
  return `${[...report.diagnostics.map(githubAnnotation), summaryLine(report)].join('\n')}\n`;
}
