/**
 * One attempt's time budget: a signal that fires on the check timeout or when the caller
 * aborts, and the phase the attempt is in, so a timeout reads
 * `timed out after 2s waiting for response headers`.
 */
import { CheckFailure, asError } from './errors.js';
import { formatDuration } from './duration.js';
import { performance } from 'node:perf_hooks';

/** The deadline of one check attempt. Call `dispose()` when the attempt ends. */
export class Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** What the attempt is doing, in words that follow `timed out after 2s ...`. */
  phase = 'starting';
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal;
  readonly #onParentAbort: () => void;
  readonly #endsAt: number;
  #timedOut = false;

  /** `timeoutMs` from now; `displayMs` is the timeout that messages name (default the same). */
  constructor(timeoutMs: number, parent: AbortSignal, displayMs = timeoutMs) {
    this.timeoutMs = displayMs;
    this.#endsAt = performance.now() + timeoutMs;
    this.#parent = parent;
    this.signal = this.#controller.signal;
    this.#onParentAbort = () => {
      // A caller's own timeout (a reason named TimeoutError, as AbortSignal.timeout and the
      // scheduler use) is still a timeout: report it with the phase, do not treat it as cancel.
      const reason = parent.reason as unknown;
      if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError') this.#timedOut = true;
      if (reason instanceof CheckFailure && reason.type === 'timeout') this.#timedOut = true;
      this.#controller.abort(this.#timedOut ? this.timeoutFailure() : parent.reason);
    };
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(this.timeoutFailure());
    }, timeoutMs);
    // Not unref()'d: a check waiting only on its deadline must still get its verdict.
    // `dispose()` (in every check's finally) clears it.
  }

  /**
   * A deadline with the same end, for one of several concurrent attempts (`mode: all`), so
   * each keeps its own phase.
   */
  child(): Deadline {
    return new Deadline(Math.max(0, this.#endsAt - performance.now()), this.signal, this.timeoutMs);
  }

  /** Runs `fn` with a child deadline when `concurrent`, else with this one. */
  async with<T>(concurrent: boolean, fn: (deadline: Deadline) => Promise<T>): Promise<T> {
    if (!concurrent) return fn(this);
    const child = this.child();
    try {
      return await fn(child);
    } finally {
      child.dispose();
    }
  }

  /** True when the budget ran out (as opposed to the caller aborting). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** True when the caller aborted: the check must not report a verdict. */
  get cancelled(): boolean {
    return this.#parent.aborted && !this.#timedOut;
  }

  /** The sentence for a timeout in the current phase. */
  timeoutFailure(phase = this.phase): CheckFailure {
    return new CheckFailure('timeout', `timed out after ${formatDuration(this.timeoutMs)} ${phase}`);
  }

  /** What an operation interrupted by this deadline rejects with. */
  abortReason(): Error {
    return this.#timedOut ? this.timeoutFailure() : asError(this.signal.reason);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
