/**
 * Global and per-type concurrency limits with a bounded ready queue. A queued job whose type is
 * at its limit does not block jobs of other types behind it (no head-of-line blocking), so a
 * type full of hanging targets never delays the others.
 */

/** A job waiting for a slot. `start` runs when a slot is free; the slot frees when it settles. */
export interface LimitedJob<K extends string> {
  readonly kind: K;
  readonly key: string;
  start(): Promise<void>;
}

/** Limits; `perKind` entries absent mean "only the global limit applies". */
export interface LimiterOptions<K extends string> {
  global: number;
  perKind?: Partial<Record<K, number>>;
  /** Maximum number of jobs waiting for a slot; `offer` refuses beyond it. */
  queueSize: number;
}

/** Dispatches jobs under global and per-kind limits from a bounded queue. */
export class ConcurrencyLimiter<K extends string> {
  readonly #global: number;
  readonly #perKind: Partial<Record<K, number>>;
  readonly #queueSize: number;
  #queue: LimitedJob<K>[] = [];
  #running = 0;
  #runningByKind = new Map<K, number>();

  constructor(options: LimiterOptions<K>) {
    if (!(options.global >= 1))
      throw new RangeError(`global concurrency must be >= 1, got ${options.global}`);
    if (!(options.queueSize >= 0)) throw new RangeError(`queue size must be >= 0, got ${options.queueSize}`);
    for (const [kind, n] of Object.entries(options.perKind ?? {})) {
      if (typeof n === 'number' && !(n >= 1))
        throw new RangeError(`concurrency for ${kind} must be >= 1, got ${n}`);
    }
    this.#global = options.global;
    this.#perKind = options.perKind ?? {};
    this.#queueSize = options.queueSize;
  }

  /** Starts the job now or queues it; false when the queue is full (backpressure). */
  offer(job: LimitedJob<K>): boolean {
    if (this.#hasRoom(job.kind)) {
      this.#launch(job);
      return true;
    }
    if (this.#queue.length >= this.#queueSize) return false;
    this.#queue.push(job);
    return true;
  }

  /** Removes queued jobs matching `predicate` and returns them (running jobs are untouched). */
  drop(predicate: (job: LimitedJob<K>) => boolean): LimitedJob<K>[] {
    const dropped = this.#queue.filter(predicate);
    if (dropped.length > 0) this.#queue = this.#queue.filter((j) => !predicate(j));
    return dropped;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get running(): number {
    return this.#running;
  }

  runningOf(kind: K): number {
    return this.#runningByKind.get(kind) ?? 0;
  }

  #hasRoom(kind: K): boolean {
    if (this.#running >= this.#global) return false;
    const limit = this.#perKind[kind];
    return limit === undefined || this.runningOf(kind) < limit;
  }

  #launch(job: LimitedJob<K>): void {
    this.#running++;
    this.#runningByKind.set(job.kind, this.runningOf(job.kind) + 1);
    let started: Promise<void>;
    try {
      started = job.start();
    } catch (err) {
      started = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    started
      .catch(() => undefined)
      .finally(() => {
        this.#running--;
        this.#runningByKind.set(job.kind, this.runningOf(job.kind) - 1);
        this.#pump();
      })
      .catch(() => undefined);
  }

  #pump(): void {
    for (let i = 0; i < this.#queue.length && this.#running < this.#global;) {
      const job = this.#queue[i]!;
      if (this.#hasRoom(job.kind)) {
        this.#queue.splice(i, 1);
        this.#launch(job);
      } else {
        i++;
      }
    }
  }
}
