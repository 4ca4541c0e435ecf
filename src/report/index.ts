/**
 * Chooses a renderer by output format.
 */
import { renderGithub } from './render-github.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderText } from './render-text.js';
import type { Report } from './report.js';

/** The output formats of `synthctl validate --format`. */
export const REPORT_FORMATS = ['text', 'json', 'junit', 'github'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** True when `value` names a report format. */
export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** Options that only some formats use. */
export interface RenderOptions {
  /** Colour (text only). */
  readonly color?: boolean;
  /** Print the summary line (text only). */
  readonly summary?: boolean;
}

/** Renders a report in the given format. */
export function renderReport(format: ReportFormat, report: Report, options: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'github':
      return renderGithub(report);
    case 'text':
      return renderText(report, options);
  }
}
