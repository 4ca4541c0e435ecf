/**
 * Leader election on a `coordination.k8s.io/v1` Lease with client-go's semantics
 * (`tools/leaderelection`): LeaseDuration 15 s, RenewDeadline 10 s, RetryPeriod 2 s.
 * - Acquire only when the lease is free (no holder) or expired: its record has not changed
 *   for LeaseDuration by our own clock (client-go's `observedTime`, robust to clock skew);
 * - write with the resourceVersion read, so two candidates cannot both win (409);
 * - renew every RetryPeriod; when no renewal succeeds within RenewDeadline, leadership is lost
 *   at once: the leading signal aborts and `onStoppedLeading` runs (controller-runtime exits);
 * - on shutdown while leading, release the lease (ReleaseOnCancel) so a successor need not
 *   wait for it to expire.
 */
import { clockTimeoutSignal, systemClock, sleep, type Clock } from '../runner/clock.js';
import type { LeaseApi, LeaseRecord, LeaseSpec } from './kube-client.js';
import type { OperatorLogger } from './logger.js';

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity (the pod name). */
  readonly identity: string;
  readonly leases: LeaseApi;
  readonly logger: OperatorLogger;
  readonly clock?: Clock;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Called once leadership is acquired; `signal` aborts when it is lost or on shutdown. */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /**
   * Awaited after the leading signal aborts on shutdown and before the lease is released, so
   * in-flight reconciles finish before a successor may start (controller-runtime stops its
   * runnables before it releases the lease).
   */
  readonly beforeRelease?: () => Promise<void>;
  /** Called once when leadership ends (lost or released). */
  readonly onStoppedLeading?: (reason: 'lost' | 'released') => void;
  /** Called when the observed holder changes. */
  readonly onNewLeader?: (identity: string) => void;
  readonly random?: () => number;
}

/** Leadership was lost because renewal did not succeed within the renew deadline. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
  readonly identity: string;
  constructor(identity: string, options?: { cause?: unknown }) {
    super(`${identity} lost the lease: no renewal succeeded within the renew deadline`, options);
    this.identity = identity;
  }
}

/** One candidate for a Lease. */
export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  #observed: LeaseRecord | undefined;
  #observedJson = '';
  #observedAt = 0;
  #leading: AbortController | undefined;
  #lastHolder = '';

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#leaseMs = options.leaseDurationMs ?? 15_000;
    this.#renewMs = options.renewDeadlineMs ?? 10_000;
    this.#retryMs = options.retryPeriodMs ?? 2_000;
    if (!(this.#leaseMs > this.#renewMs && this.#renewMs > this.#retryMs * 1.2))
      throw new RangeError(
        'leader election needs leaseDuration > renewDeadline > 1.2 × retryPeriod (client-go)',
      );
  }

  /** True while this candidate holds the lease. */
  get isLeader(): boolean {
    return this.#leading !== undefined && !this.#leading.signal.aborted;
  }

  /** The holder last observed (may be stale). */
  get leader(): string {
    return this.#lastHolder;
  }

  /**
   * Campaigns until leading, leads until renewal fails or `signal` aborts, then resolves.
   * Resolves with 'lost' when renewal failed (the process should exit, as controller-runtime
   * does), 'released' after a clean shutdown, 'aborted' when stopped before leading.
   */
  async run(signal: AbortSignal): Promise<'lost' | 'released' | 'aborted'> {
    if (!(await this.#acquire(signal))) return 'aborted';
    const leading = new AbortController();
    this.#leading = leading;
    this.#o.logger.info({ lease: this.#leaseName, identity: this.#o.identity }, 'became leader');
    this.#o.onStartedLeading(leading.signal);
    const outcome = await this.#renewLoop(signal);
    leading.abort(outcome === 'lost' ? new LeadershipLostError(this.#o.identity) : signal.reason);
    this.#leading = undefined;
    if (outcome === 'released') {
      await this.#o.beforeRelease?.().catch(() => undefined);
      await this.#release();
    }
    this.#o.logger[outcome === 'lost' ? 'error' : 'info'](
      { lease: this.#leaseName, identity: this.#o.identity },
      outcome === 'lost' ? 'leadership lost' : 'leadership released',
    );
    this.#o.onStoppedLeading?.(outcome);
    return outcome;
  }

  get #leaseName(): string {
    return `${this.#o.namespace}/${this.#o.name}`;
  }

  #jitter(ms: number): number {
    return ms * (1 + (this.#o.random ?? Math.random)() * 1.2); // wait.JitterUntil, JitterFactor 1.2
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(signal)) return true;
      try {
        await sleep(this.#clock, this.#jitter(this.#retryMs), signal);
      } catch {
        return false;
      }
    }
    return false;
  }

  async #renewLoop(signal: AbortSignal): Promise<'lost' | 'released'> {
    let lastRenew = this.#clock.now();
    while (!signal.aborted) {
      try {
        await sleep(this.#clock, this.#retryMs, signal);
      } catch {
        return 'released';
      }
      // Retry within the deadline; each attempt is bounded by what remains of it.
      for (;;) {
        if (signal.aborted) return 'released';
        const remaining = lastRenew + this.#renewMs - this.#clock.now();
        if (remaining <= 0) return 'lost';
        const attempt = clockTimeoutSignal(this.#clock, remaining, signal);
        const renewed = await this.#tryAcquireOrRenew(attempt.signal).finally(attempt.dispose);
        if (renewed) {
          lastRenew = this.#clock.now();
          break;
        }
        if (this.#clock.now() - lastRenew >= this.#renewMs) return 'lost';
        try {
          await sleep(
            this.#clock,
            Math.min(this.#retryMs, Math.max(0, lastRenew + this.#renewMs - this.#clock.now())),
            signal,
          );
        } catch {
          return 'released';
        }
      }
    }
    return 'released';
  }

  /** client-go `tryAcquireOrRenew`: true when we hold the lease afterwards. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.#clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.round(this.#leaseMs / 1000),
      acquireTime: new Date(now),
      renewTime: new Date(now),
      leaseTransitions: 0,
    };
    try {
      const current = await this.#o.leases.read(this.#o.namespace, this.#o.name, signal);
      if (current === undefined) {
        const created = await this.#o.leases.create(this.#o.namespace, this.#o.name, mine, signal);
        this.#observe(created, now);
        return true;
      }
      this.#observe(current, now);
      const holder = current.holderIdentity ?? '';
      const isMine = holder === this.#o.identity;
      const durationMs = (current.leaseDurationSeconds ?? Math.round(this.#leaseMs / 1000)) * 1000;
      if (holder !== '' && !isMine && this.#observedAt + durationMs > now) return false;
      const next: LeaseSpec = {
        ...mine,
        acquireTime: isMine && current.acquireTime !== undefined ? current.acquireTime : new Date(now),
        leaseTransitions: isMine ? (current.leaseTransitions ?? 0) : (current.leaseTransitions ?? 0) + 1,
      };
      const replaced = await this.#o.leases.replace(
        this.#o.namespace,
        this.#o.name,
        current.resourceVersion,
        next,
        signal,
      );
      this.#observe(replaced, now);
      return true;
    } catch (error) {
      this.#o.logger.debug({ lease: this.#leaseName, err: error }, 'lease acquire/renew attempt failed');
      return false;
    }
  }

  #observe(record: LeaseRecord, now: number): void {
    const { resourceVersion: _rv, ...rest } = record;
    const json = JSON.stringify(rest);
    if (json !== this.#observedJson) {
      this.#observedJson = json;
      this.#observedAt = now;
    }
    this.#observed = record;
    const holder = record.holderIdentity ?? '';
    if (holder !== this.#lastHolder) {
      this.#lastHolder = holder;
      if (holder !== '') this.#o.onNewLeader?.(holder);
    }
  }

  /** ReleaseOnCancel: clear the holder so another candidate may acquire at once. */
  async #release(): Promise<void> {
    const observed = this.#observed;
    if (observed === undefined || observed.holderIdentity !== this.#o.identity) return;
    const { signal, dispose } = clockTimeoutSignal(this.#clock, this.#renewMs);
    try {
      await this.#o.leases.replace(
        this.#o.namespace,
        this.#o.name,
        observed.resourceVersion,
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: new Date(this.#clock.now()),
          ...(observed.acquireTime === undefined ? {} : { acquireTime: observed.acquireTime }),
          leaseTransitions: observed.leaseTransitions ?? 0,
        },
        signal,
      );
    } catch (error) {
      this.#o.logger.warn(
        { lease: this.#leaseName, err: error },
        'could not release the lease; it expires on its own',
      );
    } finally {
      dispose();
    }
  }
}
