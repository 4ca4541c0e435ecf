/**
 * Bounded retries with exponential backoff and full jitter (delay = random × min(cap, base × 2^n)),
 * honouring a server's `Retry-After` up to a cap. Time and randomness are injected so tests can
 * record the delays instead of waiting.
 */
import { isTransientKibanaError, KibanaHttpError } from './errors.js';

/** Sleeps `ms`, rejecting with the signal's reason when aborted. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** How often and how long to retry. */
export interface RetryPolicy {
  /** Total attempts including the first (≥ 1). */
  readonly maxAttempts: number;
  /** Backoff of the first retry before jitter. */
  readonly baseDelayMs: number;
  /** Upper bound of the backoff before jitter. */
  readonly maxDelayMs: number;
  /** Upper bound of a delay taken from `Retry-After`. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** A timer-based `Sleep`; the timer is cleared when the signal aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Full-jitter backoff before retry number `retry` (1-based). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds,
 * or undefined when absent or unparseable. A date in the past yields 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Other numbers are invalid delay-seconds, not dates (Date.parse('-5') is a year).
  if (/^[-+]?\d+(\.\d*)?$/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The wait before the next attempt after `err`: `Retry-After` (capped) or jittered backoff. */
export function retryDelay(err: unknown, retry: number, policy: RetryPolicy, random: () => number): number {
  if (err instanceof KibanaHttpError && err.retryAfterMs !== undefined) {
    return Math.min(err.retryAfterMs, policy.maxRetryAfterMs);
  }
  return backoffDelay(retry, policy, random);
}

/** Runs `attemptFn` until it succeeds, fails terminally, or the policy's attempts are used up. */
export async function withRetries<T>(
  attemptFn: (attempt: number) => Promise<T>,
  opts: {
    policy: RetryPolicy;
    sleep: Sleep;
    random: () => number;
    signal?: AbortSignal | undefined;
    onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  },
): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await attemptFn(attempt);
    } catch (err) {
      if (attempt >= attempts || !isTransientKibanaError(err) || opts.signal?.aborted) throw err;
      const delayMs = retryDelay(err, attempt, opts.policy, opts.random);
      opts.onRetry?.({ attempt, delayMs, error: err });
      await opts.sleep(delayMs, opts.signal);
    }
  }
}
