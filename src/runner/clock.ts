/**
 * Time behind a small interface so the scheduler, timeouts, batching and retention can be
 * driven by a manual clock in tests (STYLE.md: time is injected, no sleeping in tests).
 */

/** An opaque timer handle returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Wall-clock time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`. `unref` timers do not keep the process alive. */
  setTimeout(fn: () => void, ms: number, options?: { unref?: boolean }): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Node fires a timer longer than 2^31 - 1 ms (about 24.8 days) at once, with a warning
 * (nodejs/node timers: TIMEOUT_MAX). A monitor scheduled that far out would then run in a hot
 * loop, so longer delays are armed in steps of at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay longer than {@link MAX_TIMER_MS}, re-armed until its deadline. */
class LongTimer {
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The real clock: `Date.now` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, options) {
    const delay = Math.max(0, ms);
    if (delay <= MAX_TIMER_MS) {
      const t = setTimeout(fn, delay);
      if (options?.unref === true) t.unref();
      return t;
    }
    const long = new LongTimer();
    const deadline = Date.now() + delay;
    const arm = (): void => {
      const left = deadline - Date.now();
      long.timer = left <= MAX_TIMER_MS ? setTimeout(fn, Math.max(0, left)) : setTimeout(arm, MAX_TIMER_MS);
      if (options?.unref === true) long.timer.unref();
    };
    arm();
    return long;
  },
  clearTimeout(handle) {
    if (handle instanceof LongTimer) clearTimeout(handle.timer);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Thrown as the abort reason when a clock-driven timeout fires (like `AbortSignal.timeout`). */
export class CheckTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`timed out after ${formatMs(timeoutMs)}`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An AbortSignal that aborts after `ms` on `clock` (the injected equivalent of
 * `AbortSignal.timeout`), optionally also following `parent`. Call `dispose` when done so the
 * timer never outlives the work it guards.
 */
export function clockTimeoutSignal(
  clock: Clock,
  ms: number,
  parent?: AbortSignal,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => {
    controller.abort(new CheckTimeoutError(ms));
  }, ms);
  const onParentAbort = (): void => {
    controller.abort(parent?.reason);
  };
  if (parent !== undefined) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', onParentAbort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      clock.clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when aborted. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `16s`, `1.5s`, `250ms`, `2m`: for messages. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1000).toFixed(3))}s`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${ms / 60_000}m`;
}
