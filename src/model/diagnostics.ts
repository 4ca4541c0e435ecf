/**
 * Diagnostics: every problem synthctl finds in its input, with where it is and what would
 * be valid. Validation collects all of them at once; renderers (src/report) turn them into
 * text, JSON, JUnit or GitHub workflow annotations.
 */

export const SEVERITIES = ['error', 'warning', 'notice'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One problem in one input document. Lines and columns are 1-based. */
export interface Diagnostic {
  readonly severity: Severity;
  /** The file as the user named it, or `<stdin>`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The field path in Kubernetes notation, e.g. `spec.http.checks.json[0].path`; `` for the document. */
  readonly path: string;
  /** A stable identifier of the rule, e.g. `schema.required`, `secret.literal`, `kibana.schedule`. */
  readonly code: string;
  /** What was found and what is valid, in one sentence. */
  readonly message: string;
  /** How to fix it, when there is more to say. */
  readonly hint?: string;
  /** The resource the problem belongs to, e.g. `SyntheticMonitor/payments/checkout-api`. */
  readonly resource?: string;
}

/** Formats a field path from segments: `['spec','http','headers',0,'name']` → `spec.http.headers[0].name`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * A field path as the API server writes it in its messages (`spec.http.x-key`,
 * `spec.items[0].name`): keys joined with dots whatever they contain, indexes in brackets.
 */
export function apiServerPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const raw of segments) {
    if (typeof raw === 'number') {
      out += `[${raw}]`;
      continue;
    }
    // A key no schema has is shown in part: a message stays one readable line.
    const segment = raw.length > 64 ? `${raw.slice(0, 61)}...` : raw;
    out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

// Characters that reorder or hide text on a terminal ("Trojan Source"): bidirectional
// controls, zero-width characters and the byte order mark.
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/** `text` with invisible and bidirectional control characters written as `\uXXXX` escapes. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** True when any diagnostic is an error (warnings and notices do not fail validation). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, line, column, then path, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}
