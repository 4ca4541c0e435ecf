/**
 * One attempt's time budget: a signal that fires on the check timeout or when the caller
 * aborts, and the phase the attempt is in, so a timeout reads
 * `timed out after 2s waiting for response headers`.
 */
import { CheckFailure, asError } from './errors.js';
import { formatDuration } from './duration.js';

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
  #timedOut = false;

  constructor(timeoutMs: number, parent: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.#parent = parent;
    this.signal = this.#controller.signal;
    this.#onParentAbort = () => {
      // A caller's own timeout (a reason named TimeoutError, as AbortSignal.timeout and the
      // scheduler use) is still a timeout: report it with the phase, do not treat it as cancel.
      if ((parent.reason as { name?: unknown } | undefined)?.name === 'TimeoutError') this.#timedOut = true;
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
