/**
 * The ICMP check: echo requests (count, wait, timeout) to each address the host resolves to
 * (`ipv4`/`ipv6`/`mode`), with rtt min/avg/max and loss. Up when at least one reply came
 * back, as Heartbeat's icmp monitor.
 */
import { performance } from 'node:perf_hooks';
import { CheckFailure } from './errors.js';
import { Deadline } from './deadline.js';
import { parseDuration } from './duration.js';
import { resolveAddresses, type AddressResolver, type ResolvedAddress } from './resolver.js';
import { Redactions, combineAddresses, outcomeError, substituteParams, toFailure } from './common.js';
import type { Pinger } from './pinger.js';
import type { Check, CheckOutcome, RunnableMonitor, SecretResolver } from './types.js';

/** What the ICMP check needs from outside. */
export interface IcmpCheckDeps {
  pinger: Pinger;
  resolver: AddressResolver;
  secrets: SecretResolver;
}

const DEFAULT_WAIT_MS = 1000;

/** Runs ICMP monitors. */
export class IcmpCheck implements Check {
  readonly type = 'icmp' as const;
  readonly #pinger: Pinger;
  readonly #resolver: AddressResolver;
  readonly #secrets: SecretResolver;

  constructor(deps: IcmpCheckDeps) {
    this.#pinger = deps.pinger;
    this.#resolver = deps.resolver;
    this.#secrets = deps.secrets;
  }

  /** Runs one attempt. Resolves with the verdict; rejects only when `signal` aborts. */
  async run(monitor: RunnableMonitor, signal: AbortSignal): Promise<CheckOutcome> {
    const started = performance.now();
    const deadline = new Deadline(monitor.timeoutMs, signal);
    const redactions = new Redactions();
    try {
      const spec = monitor.spec.icmp;
      if (spec === undefined) throw new CheckFailure('config', `monitor ${monitor.id} has no icmp block`);
      const host = await substituteParams(
        spec.host,
        monitor.spec.params,
        this.#secrets,
        monitor.namespace,
        redactions,
        'host',
      );
      const waitMs = spec.wait === undefined ? DEFAULT_WAIT_MS : parseDuration(spec.wait);
      if (waitMs === undefined)
        throw new CheckFailure('config', `wait ${JSON.stringify(spec.wait)} is not a duration`);
      const count = spec.count ?? 1;
      deadline.phase = `resolving ${host}`;
      const resolveStart = performance.now();
      const addresses = await resolveAddresses(this.#resolver, host, spec, deadline.signal);
      const resolveMs = performance.now() - resolveStart;
      const outcomes = await Promise.all(
        addresses.map((a) =>
          deadline.with(addresses.length > 1, (d) =>
            this.#ping(a, count, waitMs, resolveMs, monitor.timeoutMs, d, redactions, started),
          ),
        ),
      );
      return combineAddresses(outcomes, performance.now() - started);
    } catch (err) {
      const failure = toFailure(err, deadline);
      return { up: false, durationMs: performance.now() - started, error: outcomeError(failure, redactions) };
    } finally {
      deadline.dispose();
    }
  }

  async #ping(
    address: ResolvedAddress,
    count: number,
    waitMs: number,
    resolveMs: number,
    timeoutMs: number,
    deadline: Deadline,
    redactions: Redactions,
    started: number,
  ): Promise<CheckOutcome> {
    const base = { ip: address.address, timings: { resolve: resolveMs } };
    try {
      deadline.phase = `waiting for echo replies from ${address.address}`;
      const result = await this.#pinger.ping({
        address: address.address,
        family: address.family,
        count,
        intervalMs: waitMs,
        timeoutMs,
        signal: deadline.signal,
      });
      const rtts = result.rttsMs;
      const received = rtts.length;
      const icmp: NonNullable<CheckOutcome['icmp']> = {
        sent: result.sent,
        received,
        loss: result.sent === 0 ? 1 : (result.sent - received) / result.sent,
      };
      if (received > 0) {
        icmp.rttMinMs = Math.min(...rtts);
        icmp.rttMaxMs = Math.max(...rtts);
        icmp.rttAvgMs = rtts.reduce((a, b) => a + b, 0) / received;
      }
      const outcome: CheckOutcome = {
        up: received > 0,
        durationMs: performance.now() - started,
        ...base,
        icmp,
      };
      if (received === 0) {
        outcome.error = {
          type: 'io',
          message: `no echo reply from ${address.address} (${result.sent} of ${result.sent} requests lost)`,
        };
      }
      return outcome;
    } catch (err) {
      const failure = toFailure(err, deadline);
      return {
        up: false,
        durationMs: performance.now() - started,
        ...base,
        error: outcomeError(failure, redactions),
      };
    }
  }
}
