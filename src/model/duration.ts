/**
 * Go-style durations, as Heartbeat, Kubernetes and our schema write them: `500ms`, `10s`,
 * `1m30s`, `1.5h`. Parsing follows Go's `time.ParseDuration` grammar (a sequence of decimal
 * numbers, each with a unit); `d` is accepted only on request, for Elastic's `@every 1d`.
 */

/** Milliseconds per unit. Go also has `ns` and `us`/`µs`; they parse to fractions of a ms. */
const UNIT_MS = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;
type Unit = keyof typeof UNIT_MS;

/** Units `formatDuration` writes and `parseDuration` reads by default (Go's set, without `d`). */
export const DURATION_UNITS = ['ns', 'us', 'µs', 'ms', 's', 'm', 'h'] as const;

/** A duration text that does not parse; `reason` says what is wrong, `input` what was given. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
  readonly input: string;
  readonly reason: string;

  constructor(input: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid duration ${JSON.stringify(input)}: ${reason}`, options);
    this.input = input;
    this.reason = reason;
  }
}

/** Options of `parseDuration`. */
export interface ParseDurationOptions {
  /** Accept `d` (24h), as Elastic's `@every` schedules do. Default false, as Go. */
  readonly allowDays?: boolean;
  /** Accept a leading `+` or `-`, as Go does. Default false: no synthctl field is negative. */
  readonly allowSign?: boolean;
}

// A number is digits with an optional fraction, or a fraction alone (`.5s`), as in Go.
const TERM = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/u;

/**
 * Parses a Go-style duration into milliseconds (fractional below 1 ms).
 * @throws DurationError naming the input and the problem.
 */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number {
  let rest = text.trim();
  if (rest === '') throw new DurationError(text, 'empty; write a number and a unit, e.g. 30s or 1m30s');
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (options.allowSign !== true) throw new DurationError(text, 'a duration cannot be signed');
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  // Go accepts a bare "0" without a unit.
  if (rest === '0') return 0;
  let total = 0;
  let terms = 0;
  while (rest !== '') {
    const match = TERM.exec(rest);
    if (match === null) {
      const unitless = /^\d+(?:\.\d*)?$/u.test(rest);
      throw new DurationError(
        text,
        unitless
          ? `missing unit after ${JSON.stringify(rest)}; use ms, s, m or h`
          : `unexpected ${JSON.stringify(rest)}; use numbers with units ms, s, m or h, e.g. 1m30s`,
      );
    }
    const [whole, digits, unit] = match as unknown as [string, string, Unit];
    if (unit === 'd' && options.allowDays !== true) {
      throw new DurationError(text, 'unit d is not supported; write hours, e.g. 24h');
    }
    total += Number(digits) * UNIT_MS[unit];
    terms += 1;
    rest = rest.slice(whole.length);
  }
  if (terms === 0 || !Number.isFinite(total)) throw new DurationError(text, 'not a finite duration');
  return sign * total;
}

/** Like `parseDuration` but returns undefined instead of throwing. */
export function tryParseDuration(text: string, options: ParseDurationOptions = {}): number | undefined {
  try {
    return parseDuration(text, options);
  } catch (error) {
    if (error instanceof DurationError) return undefined;
    throw error;
  }
}

/**
 * Formats milliseconds compactly, largest unit first, zero parts omitted:
 * 90000 → `1m30s`, 3600000 → `1h`, 1500 → `1.5s`, 250 → `250ms`, 0 → `0s`.
 * Every output parses back to the same value with `parseDuration`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format a non-finite duration: ${ms}`);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1) return `${trimNumber(ms * 1000)}us`;
  if (ms < 1000) return `${trimNumber(ms)}ms`;
  const hours = Math.floor(ms / UNIT_MS.h);
  let rest = ms - hours * UNIT_MS.h;
  const minutes = Math.floor(rest / UNIT_MS.m);
  rest -= minutes * UNIT_MS.m;
  const seconds = rest / 1000;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (minutes > 0) out += `${minutes}m`;
  if (seconds > 0) out += `${trimNumber(seconds)}s`;
  return out;
}

// Up to millisecond (or microsecond) precision without float noise: 1.5, not 1.5000000001.
function trimNumber(value: number): string {
  return String(Number(value.toFixed(3)));
}
