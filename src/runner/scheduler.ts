/**
 * Runs each monitor at its schedule. Runs are spread deterministically over the interval (the
 * slot offset is a stable hash of the monitor id, so a restart keeps every monitor's phase and
 * there is no thundering herd), a monitor never overlaps itself (a run still going when the
 * next is due counts as missed, like Heartbeat's `jobs.missed_deadline`), every attempt has a
 * timeout on the injected clock, concurrency is limited globally and per type with a bounded
 * ready queue, and a down attempt is re-tested at once with Elastic's semantics: only the final
 * attempt counts (`summary.final_attempt`, heartbeat/monitors/wrappers/summarizer/jobsummary).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { MonitorType } from '../model/schema.js';
import type { Check, CheckOutcome, CheckRunContext, RunnableMonitor } from '../checks/types.js';
import type { ResultRecord } from './result.js';
import { CheckTimeoutError, formatMs, sleep, type Clock, type TimerHandle } from './clock.js';
import { ConcurrencyLimiter } from './limiter.js';
import { silentLogger, type Logger } from './logger.js';

/** Finds the check implementation for a monitor type (a `Map` satisfies it). */
export interface CheckLookup {
  get(type: MonitorType): Check | undefined;
}

/** Why a scheduled run did not happen. */
export type MissedReason = 'overlap' | 'queue_full';

/** Receives scheduler measurements (see `SchedulerMetrics` for the Prometheus one). */
export interface SchedulerObserver {
  /** Seconds between when a run was due and when its first attempt started. */
  lag(seconds: number, monitor: RunnableMonitor): void;
  missed(reason: MissedReason, monitor: RunnableMonitor): void;
}

/** Concurrency limits and queue bound. */
export interface ConcurrencyOptions {
  /** Checks running at once, all types together (default 32). */
  global?: number;
  /** Per-type limits, e.g. `{ browser: 2 }` (kibana#147081: private locations run 2 browsers). */
  perType?: Partial<Record<MonitorType, number>>;
  /** Runs waiting for a slot; beyond it a due run is counted as missed (default 1024). */
  queueSize?: number;
}

/** Defaults: 32 checks at once, 2 browsers, 1024 waiting runs. */
export const DEFAULT_CONCURRENCY = { global: 32, perType: { browser: 2 }, queueSize: 1024 } as const;

/** What the scheduler needs: checks, clock, location and where records go. */
export interface SchedulerOptions {
  checks: CheckLookup;
  clock: Clock;
  /** The location these results come from (`observer.name`). */
  location: string;
  /** Called with every attempt's record, in order; must not throw. */
  onResult: (record: ResultRecord) => void;
  concurrency?: ConcurrencyOptions;
  observer?: SchedulerObserver;
  /** Check group ids (Heartbeat `monitor.check_group`); injected for deterministic tests. */
  newId?: () => string;
  logger?: Logger;
  /**
   * When set, a monitor's first run after `start` (or after it is added) happens within this
   * many ms (spread by the id hash) instead of waiting for its first grid slot, which can be a
   * whole interval away; later runs follow the grid. Unset: grid only (no burst on restart).
   */
  startupSpreadMs?: number;
}

/** What `update` changed, by monitor id. */
export interface ScheduleDiff {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/** How `stop` ends in-flight checks. */
export interface StopOptions {
  /** How long in-flight checks may finish before they are aborted (default 10 s). */
  graceMs?: number;
  /** Aborting it ends the grace period at once. */
  signal?: AbortSignal;
}

/** A snapshot for status pages and gauges. */
export interface SchedulerStats {
  monitors: number;
  queued: number;
  running: number;
  runningByType: Partial<Record<MonitorType, number>>;
}

/** The abort reason for checks ended by `stop` or by removing their monitor. */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';
  readonly monitorId: string;
  constructor(monitorId: string, why: 'stopped' | 'removed') {
    super(
      `run of monitor ${monitorId} cancelled: runner ${why === 'stopped' ? 'stopping' : 'no longer has the monitor'}`,
    );
    this.monitorId = monitorId;
  }
}

interface ActiveRun {
  readonly due: number;
  readonly controller: AbortController;
  done?: Promise<ResultRecord | undefined>;
}

/** A run that `stop` waits for and cancels. */
interface OneShot {
  readonly monitorId: string;
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

interface Entry {
  monitor: RunnableMonitor;
  offsetMs: number;
  lastDue?: number;
  /** The last scheduled run was the startup run (off the grid). */
  startupRun?: boolean;
  nextDue?: number;
  timer?: TimerHandle | undefined;
  run?: ActiveRun;
  removed: boolean;
}

/** 32-bit FNV-1a of the UTF-8 bytes: stable across processes and versions. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The monitor's phase inside its interval, in ms. */
export function spreadOffset(monitorId: string, intervalMs: number): number {
  return intervalMs <= 1 ? 0 : stableHash(monitorId) % Math.floor(intervalMs);
}

/** The first slot at or after `afterMs` on the grid `offsetMs + k * intervalMs` (epoch-aligned). */
export function nextSlot(afterMs: number, intervalMs: number, offsetMs: number): number {
  const delta = (((offsetMs - afterMs) % intervalMs) + intervalMs) % intervalMs;
  return afterMs + delta;
}

/** The number of attempts of one run (Elastic `retestOnFailure`: 2, else 1). */
export function maxAttemptsOf(monitor: RunnableMonitor): number {
  return monitor.retestOnFailure ? 2 : 1;
}

/** Schedules and executes monitors; see the file comment for the rules. */
export class Scheduler {
  readonly #checks: CheckLookup;
  readonly #clock: Clock;
  readonly #location: string;
  readonly #onResult: (record: ResultRecord) => void;
  readonly #observer: SchedulerObserver | undefined;
  readonly #newId: () => string;
  readonly #log: Logger;
  readonly #limits: Required<ConcurrencyOptions>;
  readonly #limiter: ConcurrencyLimiter<MonitorType>;
  readonly #entries = new Map<string, Entry>();
  readonly #oneShots = new Set<OneShot>();
  readonly #startupSpreadMs: number | undefined;
  #started = false;
  #stopping = false;

  constructor(monitors: readonly RunnableMonitor[], options: SchedulerOptions) {
    this.#checks = options.checks;
    this.#clock = options.clock;
    this.#location = options.location;
    this.#onResult = options.onResult;
    this.#observer = options.observer;
    this.#newId = options.newId ?? randomUUID;
    this.#log = options.logger ?? silentLogger;
    this.#startupSpreadMs = options.startupSpreadMs;
    this.#limits = {
      global: options.concurrency?.global ?? DEFAULT_CONCURRENCY.global,
      perType: options.concurrency?.perType ?? DEFAULT_CONCURRENCY.perType,
      queueSize: options.concurrency?.queueSize ?? DEFAULT_CONCURRENCY.queueSize,
    };
    this.#limiter = new ConcurrencyLimiter<MonitorType>({
      global: this.#limits.global,
      perKind: this.#limits.perType,
      queueSize: this.#limits.queueSize,
    });
    this.update(monitors);
  }

  /** Starts timers for every enabled monitor. Idempotent. */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    for (const entry of this.#entries.values()) this.#scheduleNext(entry, this.#clock.now());
  }

  get isStarted(): boolean {
    return this.#started && !this.#stopping;
  }

  /** The monitors being scheduled (enabled ones only). */
  monitors(): RunnableMonitor[] {
    return [...this.#entries.values()].map((e) => e.monitor);
  }

  /** When the monitor runs next (epoch ms), if scheduled. */
  nextRunAt(monitorId: string): number | undefined {
    return this.#entries.get(monitorId)?.nextDue;
  }

  /** Whether a run of the monitor is queued or executing. */
  isRunning(monitorId: string): boolean {
    return this.#entries.get(monitorId)?.run !== undefined;
  }

  stats(): SchedulerStats {
    const runningByType: Partial<Record<MonitorType, number>> = {};
    for (const e of this.#entries.values()) {
      const n = this.#limiter.runningOf(e.monitor.type);
      if (n > 0) runningByType[e.monitor.type] = n;
    }
    return {
      monitors: this.#entries.size,
      queued: this.#limiter.queued,
      running: this.#limiter.running,
      runningByType,
    };
  }

  /**
   * Hot reload: keeps timers and state of unchanged monitors, reschedules changed ones (an
   * in-flight run finishes with the old definition), cancels and forgets removed ones.
   * Disabled monitors count as removed.
   */
  update(monitors: readonly RunnableMonitor[]): ScheduleDiff {
    const wanted = new Map<string, RunnableMonitor>();
    for (const m of monitors) {
      if (!m.enabled) continue;
      if (wanted.has(m.id))
        this.#log.warn({ monitorId: m.id }, 'duplicate monitor id; the last definition wins');
      wanted.set(m.id, m);
    }
    const diff: ScheduleDiff = { added: [], changed: [], removed: [], unchanged: [] };
    for (const [id, entry] of this.#entries) {
      if (wanted.has(id)) continue;
      this.#remove(entry);
      this.#entries.delete(id);
      diff.removed.push(id);
    }
    for (const [id, monitor] of wanted) {
      const entry = this.#entries.get(id);
      if (entry === undefined) {
        const created: Entry = { monitor, offsetMs: spreadOffset(id, monitor.scheduleMs), removed: false };
        this.#entries.set(id, created);
        diff.added.push(id);
        if (this.isStarted) this.#scheduleNext(created, this.#clock.now());
      } else if (isDeepStrictEqual(entry.monitor, monitor)) {
        diff.unchanged.push(id);
      } else {
        const rescheduled = entry.monitor.scheduleMs !== monitor.scheduleMs;
        entry.monitor = monitor;
        diff.changed.push(id);
        if (rescheduled) {
          entry.offsetMs = spreadOffset(id, monitor.scheduleMs);
          if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
          entry.timer = undefined;
          delete entry.lastDue;
          if (this.isStarted) this.#scheduleNext(entry, this.#clock.now());
        }
      }
    }
    return diff;
  }

  /**
   * Runs every enabled monitor once (retests included) under the same concurrency limits and
   * resolves with each monitor's final record, in monitor order. Independent of `start`.
   */
  async runOnce(signal?: AbortSignal): Promise<ResultRecord[]> {
    if (this.#stopping) return [];
    const limiter = new ConcurrencyLimiter<MonitorType>({
      global: this.#limits.global,
      perKind: this.#limits.perType,
      queueSize: Number.MAX_SAFE_INTEGER,
    });
    const runs = [...this.#entries.values()].map((entry) => {
      // One controller per monitor, so `stop` can cancel one-shot runs too.
      const controller = new AbortController();
      const follow = (): void => {
        controller.abort(signal?.reason);
      };
      if (signal?.aborted === true) follow();
      else signal?.addEventListener('abort', follow, { once: true });
      const done = new Promise<ResultRecord | undefined>((resolve, reject) => {
        limiter.offer({
          kind: entry.monitor.type,
          key: entry.monitor.id,
          start: async () => {
            try {
              resolve(await this.#execute(entry.monitor, entry, controller.signal));
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          },
        });
      });
      const oneShot: OneShot = { monitorId: entry.monitor.id, controller, done };
      this.#oneShots.add(oneShot);
      return done.finally(() => {
        this.#oneShots.delete(oneShot);
        signal?.removeEventListener('abort', follow);
      });
    });
    const records = await Promise.all(runs);
    return records.filter((r): r is ResultRecord => r !== undefined);
  }

  /**
   * Stops scheduling (timers cleared, queued runs dropped), lets in-flight checks finish for
   * `graceMs`, then aborts the rest and waits for them to settle. Results of aborted runs are
   * not published: a cancelled check says nothing about the target.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    this.#stopping = true;
    for (const entry of this.#entries.values()) {
      if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
      entry.timer = undefined;
      delete entry.nextDue;
    }
    for (const job of this.#limiter.drop(() => true)) {
      const entry = this.#entries.get(job.key);
      if (entry !== undefined && entry.run?.done === undefined) delete entry.run;
    }
    const inFlight: OneShot[] = [
      ...[...this.#entries.values()].flatMap((e) =>
        e.run?.done !== undefined
          ? [{ monitorId: e.monitor.id, controller: e.run.controller, done: e.run.done }]
          : [],
      ),
      ...this.#oneShots,
    ];
    if (inFlight.length === 0) return;
    const allDone = Promise.allSettled(inFlight.map((f) => f.done));
    const grace = new AbortController();
    const onOuterAbort = (): void => {
      grace.abort();
    };
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (options.signal?.aborted === true) grace.abort();
    try {
      await Promise.race([
        allDone,
        sleep(this.#clock, options.graceMs ?? 10_000, grace.signal).catch(() => undefined),
      ]);
    } finally {
      grace.abort();
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
    for (const f of inFlight) {
      if (!f.controller.signal.aborted) f.controller.abort(new RunCancelledError(f.monitorId, 'stopped'));
    }
    await allDone;
  }

  #remove(entry: Entry): void {
    entry.removed = true;
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    this.#limiter.drop((job) => job.key === entry.monitor.id);
    entry.run?.controller.abort(new RunCancelledError(entry.monitor.id, 'removed'));
  }

  #scheduleNext(entry: Entry, now: number): void {
    if (!this.isStarted || entry.removed) return;
    const { scheduleMs } = entry.monitor;
    let due: number;
    if (
      entry.lastDue === undefined &&
      this.#startupSpreadMs !== undefined &&
      this.#startupSpreadMs < scheduleMs
    ) {
      // First run soon after start, still spread by the id hash; then back on the grid, at
      // least half an interval later so the first two runs are not back to back.
      due = now + spreadOffset(entry.monitor.id, Math.max(1, this.#startupSpreadMs));
      entry.startupRun = true;
    } else {
      const gap = entry.startupRun === true ? Math.floor(scheduleMs / 2) : 1;
      entry.startupRun = false;
      const after = entry.lastDue === undefined ? now : Math.max(now, entry.lastDue + gap);
      due = nextSlot(after, scheduleMs, entry.offsetMs);
    }
    entry.nextDue = due;
    entry.timer = this.#clock.setTimeout(() => {
      this.#fire(entry, due);
    }, due - now);
  }

  #fire(entry: Entry, due: number): void {
    entry.timer = undefined;
    entry.lastDue = due;
    if (!this.isStarted || entry.removed) return;
    const monitor = entry.monitor;
    if (entry.run !== undefined) {
      this.#observer?.missed('overlap', monitor);
      this.#log.warn(
        { monitorId: monitor.id, dueAt: new Date(due).toISOString() },
        'previous run still in progress; run skipped',
      );
    } else {
      const run: ActiveRun = { due, controller: new AbortController() };
      entry.run = run;
      const accepted = this.#limiter.offer({
        kind: monitor.type,
        key: monitor.id,
        start: async () => {
          this.#observer?.lag(Math.max(0, this.#clock.now() - due) / 1000, entry.monitor);
          run.done = this.#execute(entry.monitor, entry, run.controller.signal);
          try {
            await run.done;
          } finally {
            if (entry.run === run) delete entry.run;
          }
        },
      });
      if (!accepted) {
        delete entry.run;
        this.#observer?.missed('queue_full', monitor);
        this.#log.warn(
          { monitorId: monitor.id, queueSize: this.#limits.queueSize },
          'ready queue full; run skipped',
        );
      }
    }
    this.#scheduleNext(entry, this.#clock.now());
  }

  /** Runs attempts until one is up or the last is done; publishes each attempt's record. */
  async #execute(
    monitor: RunnableMonitor,
    entry: Entry,
    signal: AbortSignal,
  ): Promise<ResultRecord | undefined> {
    const checkGroup = flattened(this.#newId());
    const maxAttempts = maxAttemptsOf(monitor);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (signal.aborted || entry.removed) return undefined;
      const startedAt = this.#clock.now();
      const outcome = await this.#attempt(monitor, signal, { checkGroup, attempt });
      if (signal.aborted || entry.removed) return undefined;
      const endedAt = this.#clock.now();
      const finalAttempt = outcome.up || attempt === maxAttempts;
      const record: ResultRecord = {
        ...outcome,
        monitorId: monitor.id,
        monitorName: monitor.name,
        monitorType: monitor.type,
        location: this.#location,
        checkGroup,
        attempt,
        maxAttempts,
        finalAttempt,
        status: outcome.up ? 'up' : 'down',
        startedAt: new Date(startedAt).toISOString(),
        endedAt: new Date(endedAt).toISOString(),
        tags: monitor.tags,
        labels: monitor.labels,
      };
      try {
        this.#onResult(record);
      } catch (err) {
        this.#log.error({ err, monitorId: monitor.id }, 'result handler threw');
      }
      if (finalAttempt) return record;
    }
    return undefined;
  }

  /**
   * One attempt, bounded by the monitor timeout; never throws. At 1,000 attempts a second the
   * garbage per attempt is what stalls the event loop (docs/benchmarks.md, Runner), so this is
   * one controller, one timer at a time and one promise rather than a timeout signal each for
   * the soft and the hard deadline and a `Promise.race`.
   */
  #attempt(
    monitor: RunnableMonitor,
    runSignal: AbortSignal,
    context: CheckRunContext,
  ): Promise<CheckOutcome> {
    const check = this.#checks.get(monitor.type);
    if (check === undefined) {
      return Promise.resolve({
        up: false,
        durationMs: 0,
        error: { type: 'config', message: `no check implementation for monitor type ${monitor.type}` },
      });
    }
    const clock = this.#clock;
    const timeoutMs = monitor.timeoutMs;
    const started = clock.now();
    const controller = new AbortController();
    const signal = controller.signal;
    const timedOut = (): CheckOutcome => ({
      up: false,
      durationMs: Math.min(clock.now() - started, timeoutMs),
      error: { type: 'timeout', message: `check timed out after ${formatMs(timeoutMs)}` },
    });
    return new Promise<CheckOutcome>((resolve) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      const finish = (outcome: CheckOutcome): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        runSignal.removeEventListener('abort', onRunAbort);
        resolve(outcome);
      };
      // Cancelling the run ends the attempt as the hard deadline does, once the abort has
      // reached the check (its listeners run first, as they did behind a `Promise.race`).
      const onRunAbort = (): void => {
        controller.abort(runSignal.reason);
        queueMicrotask(() => {
          finish(timedOut());
        });
      };
      if (runSignal.aborted) {
        onRunAbort();
        return;
      }
      runSignal.addEventListener('abort', onRunAbort, { once: true });
      // The check sees its deadline first and answers with its own precise sentence ("timed
      // out after 2s waiting for response headers"); the hard deadline, a little later, only
      // catches checks that ignore their signal: they must not hold the slot (and every
      // monitor queued behind it) past the timeout.
      timer = clock.setTimeout(() => {
        controller.abort(new CheckTimeoutError(timeoutMs));
        timer = clock.setTimeout(() => {
          timer = undefined;
          finish(timedOut());
        }, CHECK_TIMEOUT_GRACE_MS);
      }, timeoutMs);
      const onOutcome = (outcome: CheckOutcome): void => {
        // Past the deadline only a down verdict with the check's own explanation stands.
        finish(signal.reason instanceof CheckTimeoutError && outcome.up ? timedOut() : outcome);
      };
      const onError = (err: unknown): void => {
        if (signal.reason instanceof CheckTimeoutError) {
          finish(timedOut());
          return;
        }
        this.#log.error({ err, monitorId: monitor.id }, 'check threw; this is a bug in the check');
        finish({
          up: false,
          durationMs: clock.now() - started,
          error: { type: 'internal', message: `check failed unexpectedly: ${errorMessage(err)}` },
        });
      };
      let running: Promise<CheckOutcome>;
      try {
        running = check.run(monitor, signal, context);
      } catch (err) {
        running = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      running.then(onOutcome, onError);
    });
  }
}

/** How long a check may take past its timeout to report why it timed out. */
export const CHECK_TIMEOUT_GRACE_MS = 250;

/**
 * The same string, flat. `crypto.randomUUID()` returns a rope of ~40 concatenated pieces,
 * ~490 bytes of heap for as long as anything keeps it (recent results, monitor state, history
 * batches); reading a character flattens it in place to ~50 bytes (V8 `String::Flatten`).
 */
function flattened(text: string): string {
  if (text.length > 0) text.charCodeAt(0);
  return text;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
