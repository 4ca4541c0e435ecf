/**
 * Errors of the checks. A `CheckFailure` is a down verdict with its Heartbeat `error.type`
 * and one human sentence; the check turns it into a `CheckOutcome`. Everything else that
 * escapes a check is a programming error or a cancellation by the caller.
 */
import type { CheckErrorType } from './types.js';

/** A check failed: the target is down, misconfigured or unreachable. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  /** Heartbeat `error.type`: io, validate, tls, dns, timeout, config, ... */
  readonly type: CheckErrorType;
  /** True when a body regular expression failed (blackbox `probe_failed_due_to_regex`). */
  readonly dueToRegex: boolean;

  constructor(type: CheckErrorType, message: string, options?: { cause?: unknown; dueToRegex?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.dueToRegex = options?.dueToRegex ?? false;
  }
}

/** An abort reason as an Error (AbortSignal reasons may be anything). */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`, { cause: reason });
}

/** A secret or value reference could not be resolved. Names the reference, never a value. */
export class SecretResolutionError extends Error {
  override readonly name = 'SecretResolutionError';
  /** The reference as a human reads it: `env DB_TOKEN`, `secret payments/db-creds key password`. */
  readonly reference: string;

  constructor(reference: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reference = reference;
  }
}
