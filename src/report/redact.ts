/**
 * Keeps secret values out of rendered output. Only references ever belong in synthctl input,
 * but a user who pastes a password where a reference belongs must not see it echoed back in
 * CI logs: source lines that carry a secret-looking field have their value masked.
 */
import type { Diagnostic } from '../model/diagnostics.js';
import { isSecretField, isSecretPathText } from '../model/secret-path.js';

// `  - password: value`, `"token": value`: indentation, an optional quoted key, the value.
const KEY_VALUE = /^(\s*(?:-\s+)*)(["']?)([^"':#\s][^"':]*?)\2(\s*:\s+)(\S.*)$/;

/**
 * The source line as it may be shown for a diagnostic: the value of a secret-looking key, or
 * any value when the diagnostic is itself about a secret, is replaced by `****`.
 */
export function redactSourceLine(line: string, diagnostic: Pick<Diagnostic, 'path' | 'code'>): string {
  const isSecret = diagnostic.code.startsWith('secret') || isSecretPathText(diagnostic.path);
  const match = KEY_VALUE.exec(line);
  if (match === null) return isSecret ? line.replace(/^(\s*(?:-\s+)?).*$/, '$1****') : line;
  const [, indent = '', quote = '', key = '', separator = '', value = ''] = match;
  // A flow reference (`{valueFrom: ...}`), an anchor or a block scalar header holds no secret.
  if (/^[{[]/.test(value) && (!isSecret || value.includes('valueFrom'))) return line;
  if (/^[&*|>]/.test(value)) return line;
  if (isSecretField(key) || isSecret) return `${indent}${quote}${key}${quote}${separator}****`;
  return line;
}
