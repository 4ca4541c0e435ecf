/**
 * N workers taking keys from a {@link WorkQueue} and calling a level-triggered
 * `reconcile(key)` (controller-runtime `reconcileHandler`): an error re-queues with backoff,
 * `requeueAfterMs` re-queues after that delay without counting as an error, success forgets
 * the key's backoff. A key is never reconciled by two workers at once (the queue's promise).
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../runner/clock.js';
import type { OperatorLogger } from './logger.js';
import type { OperatorMetrics } from './metrics.js';
import type { WorkQueue } from './work-queue.js';

/** What a reconcile asks for next. */
export interface ReconcileResult {
  /** Reconcile again after this delay (a drift check), not as an error. */
  readonly requeueAfterMs?: number;
}

/** What a reconcile gets besides the key. */
export interface ReconcileContext {
  /** Aborts when the controller stops or leadership is lost: stop writing at once. */
  readonly signal: AbortSignal;
  /** A fresh id per reconcile, in every log line of it. */
  readonly reconcileId: string;
  readonly logger: OperatorLogger;
}

/**
 * The level-triggered reconcile of one key (`namespace/name`). It reads the current object
 * from the informer cache (absent = deleted) and never trusts the event that queued it.
 * Throwing means "retry with backoff"; terminal problems belong in status, not in a throw.
 */
export interface Reconciler {
  reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult | undefined>;
}

/** Options of {@link Controller}. */
export interface ControllerOptions {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly reconciler: Reconciler;
  readonly logger: OperatorLogger;
  /** Concurrent reconciles (`MaxConcurrentReconciles`), 1 to 64. */
  readonly workers?: number;
  readonly metrics?: OperatorMetrics;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

/** Runs workers over a queue until stopped. */
export class Controller {
  readonly name: string;
  readonly #options: ControllerOptions;
  readonly #clock: Clock;
  readonly #workers: number;
  #active = 0;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.name = options.name;
    this.#clock = options.clock ?? systemClock;
    this.#workers = Math.max(1, Math.min(64, Math.floor(options.workers ?? 1)));
  }

  /** Reconciles running now. */
  get activeWorkers(): number {
    return this.#active;
  }

  /**
   * Runs the workers until `signal` aborts or the queue shuts down; resolves when every
   * worker has returned (an in-flight reconcile sees the abort through its context).
   */
  async run(signal: AbortSignal): Promise<void> {
    this.#options.metrics?.maxConcurrent.set({ controller: this.name }, this.#workers);
    this.#options.metrics?.activeWorkers.set({ controller: this.name }, 0);
    await Promise.all(Array.from({ length: this.#workers }, () => this.#worker(signal)));
  }

  async #worker(signal: AbortSignal): Promise<void> {
    const { queue } = this.#options;
    while (!signal.aborted) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      if (signal.aborted) {
        // Taken just as we stopped: hand it back so the next leader's queue state is right.
        queue.done(key);
        return;
      }
      try {
        await this.processOne(key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  /** One reconcile of `key` with metrics, logging and the requeue decision. Never throws. */
  async processOne(key: string, signal: AbortSignal): Promise<void> {
    const { queue, reconciler, metrics } = this.#options;
    const reconcileId = (this.#options.newId ?? randomUUID)();
    const logger = this.#options.logger.child({ controller: this.name, key, reconcileId });
    const labels = { controller: this.name };
    const started = this.#clock.now();
    this.#active++;
    metrics?.activeWorkers.set(labels, this.#active);
    try {
      const result = await reconciler.reconcile(key, { signal, reconcileId, logger });
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        queue.forget(key);
        queue.addAfter(key, result.requeueAfterMs);
        metrics?.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
      } else {
        queue.forget(key);
        metrics?.reconcileTotal.inc({ ...labels, result: 'success' });
      }
    } catch (error) {
      metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      metrics?.reconcileErrors.inc(labels);
      if (signal.aborted) {
        logger.debug({ err: error }, 'reconcile aborted');
        return;
      }
      const delayMs = queue.addRateLimited(key);
      logger.error({ err: error, retryInMs: Math.round(delayMs) }, 'reconcile failed; retrying with backoff');
    } finally {
      this.#active--;
      metrics?.activeWorkers.set(labels, this.#active);
      metrics?.reconcileTime.observe(labels, (this.#clock.now() - started) / 1000);
    }
  }
}
