/**
 * Keeps secret values out of rendered output. Only references ever belong in synthctl input,
 * but a user who pastes a password where a reference belongs must not see it echoed back in
 * CI logs: source lines that carry a secret-looking field have their value masked.
 */
import type { Diagnostic } from '../model/diagnostics.js';
import { isSecretField, isSecretPathText, redactUrlUserinfo } from '../model/secret-path.js';

// `  - password: value`, `"token": value`: indentation, an optional quoted key, the value.
const KEY_VALUE = /^(\s*(?:-\s+)*)(["']?)([^"':#\s][^"':]*?)\2(\s*:\s+)(\S.*)$/;
// `key: scalar` pairs anywhere on a line, block or flow (`{user: a, password: b}`).
const PAIR = /(["']?)([A-Za-z_][\w.-]*)\1(\s*:\s+)([^\s,{}[\]][^,{}[\]]*)/g;

/**
 * The source line as it may be shown for a diagnostic: the userinfo of every URL is replaced by
 * `***`, the value of every secret-looking key by `****`, and so is the value the diagnostic
 * points at when it is about a secret.
 */
export function redactSourceLine(line: string, diagnostic: Pick<Diagnostic, 'path' | 'code'>): string {
  // A URL's userinfo (`ftp://admin:pw@host`) is masked on every line, whatever the diagnostic.
  const masked = redactUrlUserinfo(line).replace(
    PAIR,
    (pair, quote: string, key: string, separator: string) =>
      isSecretField(key) ? `${quote}${key}${quote}${separator}****` : pair,
  );
  const isSecret = diagnostic.code.startsWith('secret') || isSecretPathText(diagnostic.path);
  if (!isSecret) return masked;
  const match = KEY_VALUE.exec(masked);
  if (match === null) return masked.replace(/^(\s*(?:-\s+)?).*$/, '$1****');
  const [, indent = '', quote = '', key = '', separator = '', value = ''] = match;
  // A flow reference (`{valueFrom: ...}`), an anchor or a block scalar header holds no secret.
  if (/^[{[]/.test(value) && value.includes('valueFrom')) return masked;
  if (/^[&*|>]/.test(value)) return masked;
  return `${indent}${quote}${key}${quote}${separator}****`;
}
