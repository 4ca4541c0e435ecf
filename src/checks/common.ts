/**
 * What the three lightweight checks share: `${param}` substitution, turning whatever ended
 * an attempt into a `CheckOutcome` error, redaction of secret values, and `mode: all`.
 */
import type { NamedValue } from '../model/schema.js';
import { CheckFailure, SecretResolutionError } from './errors.js';
import type { Deadline } from './deadline.js';
import type { CheckOutcome, SecretResolver } from './types.js';

/** Secret values resolved during one attempt; messages are scrubbed of them before leaving. */
export class Redactions {
  readonly #values = new Set<string>();

  /** Remembers a secret value (values shorter than 3 characters would mangle messages). */
  add(value: string | undefined): void {
    if (value !== undefined && value.length >= 3) this.#values.add(value);
  }

  /** Replaces every remembered value in `text` with `[redacted]`. */
  apply(text: string): string {
    let out = text;
    for (const v of this.#values) out = out.split(v).join('[redacted]');
    return out;
  }
}

/**
 * Replaces `${name}` with the monitor parameter of that name (Elastic `params`). Values from
 * `valueFrom` are resolved now and remembered as secrets.
 */
export async function substituteParams(
  text: string,
  params: readonly NamedValue[] | undefined,
  secrets: SecretResolver,
  namespace: string | undefined,
  redactions: Redactions,
  field: string,
): Promise<string> {
  if (!text.includes('${')) return text;
  const names = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g)].map((m) => m[1] ?? '');
  const values = new Map<string, string>();
  for (const name of new Set(names)) {
    const param = params?.find((p) => p.name === name);
    if (param === undefined)
      throw new CheckFailure('config', `${field} uses \${${name}}, but the monitor has no param ${name}`);
    let value = param.value;
    if (param.valueFrom !== undefined) {
      value = await secrets.resolve(param.valueFrom, namespace);
      redactions.add(value);
    }
    if (value === undefined)
      throw new CheckFailure('config', `param ${name} (used in ${field}) resolved to nothing`);
    values.set(name, value);
  }
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (_, name: string) => values.get(name) ?? '');
}

/**
 * Classifies what ended an attempt. Rethrows when the caller aborted (no verdict then);
 * `classify` maps protocol-specific errors, the rest is `internal`.
 */
export function toFailure(
  err: unknown,
  deadline: Deadline,
  classify?: (err: unknown) => CheckFailure | undefined,
): CheckFailure {
  if (deadline.cancelled) throw deadline.signal.reason;
  if (err instanceof CheckFailure) return err;
  if (err instanceof SecretResolutionError) return new CheckFailure('config', err.message, { cause: err });
  if (deadline.timedOut) return deadline.timeoutFailure();
  const mapped = classify?.(err);
  if (mapped !== undefined) return mapped;
  return new CheckFailure('internal', `internal error: ${(err as Error).message}`, { cause: err });
}

/** The error part of an outcome, scrubbed of secret values. */
export function outcomeError(
  failure: CheckFailure,
  redactions: Redactions,
): NonNullable<CheckOutcome['error']> {
  return { type: failure.type, message: redactions.apply(failure.message) };
}

/**
 * Folds the per-address outcomes of `mode: all`: up only when every address is up; the top
 * level shows the first failing address (its message names the address).
 */
export function combineAddresses(outcomes: CheckOutcome[], durationMs: number): CheckOutcome {
  const first = outcomes[0];
  if (first === undefined) throw new Error('combineAddresses needs at least one outcome');
  if (outcomes.length === 1) return { ...first, durationMs };
  const down = outcomes.filter((o) => !o.up);
  const primary = down[0] ?? first;
  const out: CheckOutcome = { ...primary, up: down.length === 0, durationMs, addresses: outcomes };
  if (primary.error !== undefined && down.length > 0) {
    out.error = {
      type: primary.error.type,
      message: `${primary.error.message} (${down.length} of ${outcomes.length} addresses down)`,
    };
  }
  return out;
}
