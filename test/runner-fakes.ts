/**
 * Fakes for runner tests: monitors and `Check` implementations passed by constructor (no
 * module mocking). A fake check records every call and answers with a scripted behaviour.
 */
import type { Check, CheckOutcome, RunnableMonitor } from '../src/checks/types.js';
import type { MonitorType, SyntheticMonitorSpec } from '../src/model/schema.js';
import type { ResultRecord } from '../src/runner/result.js';

export function makeMonitor(id: string, overrides: Partial<RunnableMonitor> = {}): RunnableMonitor {
  const type: MonitorType = overrides.type ?? 'http';
  const spec: SyntheticMonitorSpec =
    type === 'tcp'
      ? { tcp: { host: '127.0.0.1:1' } }
      : type === 'icmp'
        ? { icmp: { host: '127.0.0.1' } }
        : { http: { url: 'http://127.0.0.1:1/' } };
  return {
    id,
    name: `Monitor ${id}`,
    type,
    scheduleMs: 60_000,
    timeoutMs: 16_000,
    locations: ['local'],
    retestOnFailure: false,
    tags: [],
    labels: {},
    enabled: true,
    spec,
    ...overrides,
  };
}

export interface FakeCall {
  monitorId: string;
  signal: AbortSignal;
  index: number;
}

export type Behaviour = (
  monitor: RunnableMonitor,
  signal: AbortSignal,
  call: number,
) => Promise<CheckOutcome>;

/** A scripted check; `behaviour` decides each call's outcome. */
export class FakeCheck implements Check {
  readonly type: MonitorType;
  readonly calls: FakeCall[] = [];
  #behaviour: Behaviour;
  #active = 0;
  maxActive = 0;

  constructor(type: MonitorType, behaviour: Behaviour = () => Promise.resolve(upOutcome())) {
    this.type = type;
    this.#behaviour = behaviour;
  }

  get active(): number {
    return this.#active;
  }

  async run(monitor: RunnableMonitor, signal: AbortSignal): Promise<CheckOutcome> {
    this.calls.push({ monitorId: monitor.id, signal, index: this.calls.length });
    this.#active++;
    this.maxActive = Math.max(this.maxActive, this.#active);
    try {
      return await this.#behaviour(monitor, signal, this.calls.length - 1);
    } finally {
      this.#active--;
    }
  }
}

export function upOutcome(durationMs = 5): CheckOutcome {
  return { up: true, durationMs };
}

export function downOutcome(message = 'connection refused', durationMs = 5): CheckOutcome {
  return { up: false, durationMs, error: { type: 'io', message } };
}

/** Never settles on its own; honours the signal when `obeyAbort`. */
export function hang(obeyAbort = true): Behaviour {
  return (_m, signal) =>
    new Promise<CheckOutcome>((_resolve, reject) => {
      if (obeyAbort) {
        signal.addEventListener(
          'abort',
          () => {
            reject(signal.reason as Error);
          },
          { once: true },
        );
      }
    });
}

/** A promise the test settles by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A promise the test opens by hand. */
export function gate(): { promise: Promise<undefined>; open: () => void } {
  const d = deferred<undefined>();
  return {
    promise: d.promise,
    open: () => {
      d.resolve(undefined);
    },
  };
}

/** A fixed record for sink tests. */
export function makeRecord(overrides: Partial<ResultRecord> = {}): ResultRecord {
  return {
    up: true,
    durationMs: 120,
    monitorId: 'shop-home',
    monitorName: 'Shop home',
    monitorType: 'http',
    location: 'local',
    checkGroup: 'g-1',
    attempt: 1,
    maxAttempts: 1,
    finalAttempt: true,
    status: 'up',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:00.120Z',
    tags: [],
    labels: {},
    ...overrides,
  };
}
