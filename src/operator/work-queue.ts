/**
 * A work queue of keys with client-go's semantics (`k8s.io/client-go/util/workqueue`, as used
 * by controller-runtime): a key is queued at most once, never handed to two workers at a time,
 * re-queued after `done` when it was added while in flight; `addAfter` delays an add;
 * `addRateLimited` waits the longer of a per-key exponential backoff (5 ms doubling to 1000 s)
 * and a global token bucket (10 qps, burst 100) — `DefaultControllerRateLimiter`; `forget`
 * resets the key's backoff. `shutDown` refuses new adds and lets workers drain what is queued.
 */
import { systemClock, type Clock, type TimerHandle } from '../runner/clock.js';
import type { OperatorMetrics } from './metrics.js';

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** The `name` label of the `workqueue_*` metrics (the controller's name). */
  readonly name: string;
  readonly clock?: Clock;
  readonly metrics?: OperatorMetrics;
  /** Per-key backoff: first delay and cap (ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Global token bucket: refill per second and capacity. */
  readonly qps?: number;
  readonly burst?: number;
}

/** The per-item exponential and the global token bucket, whichever waits longer. */
export class DefaultRateLimiter {
  readonly #failures = new Map<string, number>();
  readonly #base: number;
  readonly #max: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(
    clock: Clock,
    options: { baseDelayMs?: number; maxDelayMs?: number; qps?: number; burst?: number } = {},
  ) {
    this.#clock = clock;
    this.#base = options.baseDelayMs ?? 5;
    this.#max = options.maxDelayMs ?? 1_000_000;
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#tokens = this.#burst;
    this.#last = clock.now();
  }

  /** The delay before `key` may be processed again; counts one more failure. */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const exponential = Math.min(this.#max, this.#base * 2 ** Math.min(failures, 60));
    return Math.max(exponential, this.#reserve());
  }

  /** Reserves one token (golang.org/x/time/rate `Reserve`: the bucket may go negative). */
  #reserve(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/** A deduplicating, rate-limited queue of keys (`namespace/name`). */
export class WorkQueue {
  readonly name: string;
  readonly #clock: Clock;
  readonly #metrics: OperatorMetrics | undefined;
  readonly #limiter: DefaultRateLimiter;
  readonly #queue: string[] = [];
  /** Keys that need processing (queued, or added again while in flight). */
  readonly #dirty = new Set<string>();
  /** Keys handed to a worker and not yet `done`, with the time they were taken. */
  readonly #processing = new Map<string, number>();
  /** When each queued key was added (for queue_duration_seconds). */
  readonly #addedAt = new Map<string, number>();
  readonly #waiting = new Map<string, { due: number; timer: TimerHandle }>();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #drained: (() => void)[] = [];
  readonly #untrack: (() => void) | undefined;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#clock = options.clock ?? systemClock;
    this.#metrics = options.metrics;
    this.#limiter = new DefaultRateLimiter(this.#clock, options);
    this.#untrack = this.#metrics?.track({
      name: this.name,
      inFlightStarts: () => this.#processing.values(),
      now: () => this.#clock.now(),
    });
    this.#metrics?.depth.set(this.#labels, 0);
  }

  get #labels(): { name: string; controller: string } {
    return { name: this.name, controller: this.name };
  }

  /** Keys waiting for a worker. */
  get length(): number {
    return this.#queue.length;
  }

  /** Keys being processed now. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys scheduled by `addAfter`/`addRateLimited` and not yet added. */
  get delayed(): number {
    return this.#waiting.size;
  }

  get isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks `key` for processing; a no-op when it is already queued or after shutDown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#metrics?.adds.inc(this.#labels);
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // re-queued by done()
    this.#push(key);
  }

  #push(key: string): void {
    const getter = this.#getters.shift();
    this.#addedAt.set(key, this.#clock.now());
    if (getter !== undefined) {
      this.#take(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
    this.#metrics?.depth.set(this.#labels, this.#queue.length);
  }

  #take(key: string): void {
    const now = this.#clock.now();
    this.#metrics?.queueDuration.observe(this.#labels, (now - (this.#addedAt.get(key) ?? now)) / 1000);
    this.#addedAt.delete(key);
    this.#processing.set(key, now);
    this.#dirty.delete(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending schedule for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = this.#clock.now() + delayMs;
    const pending = this.#waiting.get(key);
    if (pending !== undefined) {
      if (pending.due <= due) return;
      this.#clock.clearTimeout(pending.timer);
    }
    const timer = this.#clock.setTimeout(
      () => {
        this.#waiting.delete(key);
        this.add(key);
      },
      delayMs,
      { unref: true },
    );
    this.#waiting.set(key, { due, timer });
  }

  /** Adds `key` after its backoff (and the global rate limit); counts a retry. */
  addRateLimited(key: string): number {
    const delay = this.#limiter.when(key);
    this.#metrics?.retries.inc(this.#labels);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (after a success). */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  /** Failures counted for `key` since the last `forget`. */
  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  /**
   * The next key to process; waits until there is one. `undefined` once the queue is shut
   * down and empty, or when `signal` aborts. The caller must call `done(key)`.
   */
  get(signal?: AbortSignal): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#metrics?.depth.set(this.#labels, this.#queue.length);
      this.#take(key);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown || signal?.aborted === true) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const getter = (k: string | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(k);
      };
      const onAbort = (): void => {
        const i = this.#getters.indexOf(getter);
        if (i >= 0) this.#getters.splice(i, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#getters.push(getter);
    });
  }

  /** Ends processing of `key`; re-queues it when it was added meanwhile. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.workDuration.observe(this.#labels, (this.#clock.now() - started) / 1000);
    if (this.#dirty.has(key)) {
      if (this.#shuttingDown) this.#dirty.delete(key);
      else this.#push(key);
    }
    if (this.#shuttingDown && this.#processing.size === 0) for (const f of this.#drained.splice(0)) f();
  }

  /** Refuses new adds, cancels delayed adds, and wakes idle workers with `undefined`. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) this.#clock.clearTimeout(timer);
    this.#waiting.clear();
    for (const g of this.#getters.splice(0)) g(undefined);
    this.#untrack?.();
    if (this.#processing.size === 0) for (const f of this.#drained.splice(0)) f();
  }

  /** `shutDown`, then resolves when every in-flight key is done (or `signal` aborts). */
  async shutDownWithDrain(signal?: AbortSignal): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      this.#drained.push(finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }
}
