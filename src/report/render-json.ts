/**
 * Diagnostics as one JSON document for tools: `{valid, summary, diagnostics}`.
 */
import { countSeverities, type Report } from './report.js';

/** The JSON document `synthctl validate --format json` prints. */
export interface JsonReport {
  readonly valid: boolean;
  readonly summary: {
    readonly errors: number;
    readonly warnings: number;
    readonly notices: number;
    readonly files: number;
    readonly resources: number;
  };
  /** Every synthctl resource read, with where it starts. */
  readonly resources: readonly { readonly id: string; readonly file: string; readonly line: number }[];
  readonly diagnostics: Report['diagnostics'];
}

/** Renders diagnostics as pretty-printed JSON, ending with a newline. */
export function renderJson(report: Report): string {
  const counts = countSeverities(report.diagnostics);
  const document: JsonReport = {
    valid: counts.error === 0,
    summary: {
      errors: counts.error,
      warnings: counts.warning,
      notices: counts.notice,
      files: report.files.length,
      resources: report.resources.length,
    },
    resources: report.resources.map((r) => ({ id: r.id, file: r.file, line: r.position.line })),
    diagnostics: report.diagnostics,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
