/**
 * What a renderer needs to know about one validation run. `ValidationResult` satisfies it.
 */
import type { Diagnostic, Severity } from '../model/diagnostics.js';

/** A resource as renderers see it: an id and the file it came from. */
export interface ReportedResource {
  readonly id: string;
  readonly file: string;
  readonly position: { readonly line: number; readonly column: number };
}

/** The input of every renderer. */
export interface Report {
  readonly diagnostics: readonly Diagnostic[];
  readonly resources: readonly ReportedResource[];
  readonly files: readonly string[];
  /** File texts by the name diagnostics use; lets the text renderer show the source line. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Counts of diagnostics by severity. */
export type SeverityCounts = Record<Severity, number>;

/** Counts diagnostics by severity. */
export function countSeverities(diagnostics: readonly Diagnostic[]): SeverityCounts {
  const counts: SeverityCounts = { error: 0, warning: 0, notice: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}

/** `1 error`, `2 errors`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The one-line summary: `N errors, M warnings in K files (R resources)`. */
export function summaryLine(report: Report): string {
  const counts = countSeverities(report.diagnostics);
  return `${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')} in ${plural(report.files.length, 'file')} (${plural(report.resources.length, 'resource')})`;
}
