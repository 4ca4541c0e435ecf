/**
 * Records the requests of one journey from Playwright's context events, with the per-request
 * timings Elastic's network plugin computes (`@elastic/synthetics src/network-timings.ts`), and
 * summarises them. Bounded: beyond `maxEntries` requests are counted, not kept.
 */
import type { BrowserContext, Request, Response } from 'playwright-core';
import type { NetworkEntry, NetworkSummary, NetworkTimings } from './results.js';

type Timing = ReturnType<Request['timing']>;

const roundMs = (value: number): number => Math.floor(value * 1000) / 1000;

function firstPositive(values: number[]): number | undefined {
  return values.find((v) => v > 0);
}

/** Elastic's `getResourceTimings` + `calcTotalTime` for a request with a start time. */
export function resourceTimings(t: Timing): NetworkTimings {
  const blocked = roundMs(firstPositive([t.domainLookupStart, t.connectStart, t.requestStart]) ?? -1) || -1;
  const timings: NetworkTimings = {
    blocked,
    dns: t.domainLookupEnd !== -1 ? roundMs(t.domainLookupEnd - t.domainLookupStart) : -1,
    connect: t.connectEnd !== -1 ? roundMs(t.connectEnd - t.connectStart) : -1,
    ssl: t.secureConnectionStart !== -1 ? roundMs(t.connectEnd - t.secureConnectionStart) : -1,
    send: 0,
    wait: t.responseStart !== -1 ? roundMs(t.responseStart - t.requestStart) : -1,
    receive: t.responseEnd !== -1 ? roundMs(t.responseEnd - t.responseStart) : -1,
    total: -1,
  };
  timings.total = [timings.blocked, timings.dns, timings.connect, timings.wait, timings.receive].reduce(
    (sum, v) => (v > 0 ? sum + v : sum),
    0,
  );
  return timings;
}

const UNSET: NetworkTimings = {
  blocked: -1,
  dns: -1,
  connect: -1,
  ssl: -1,
  send: -1,
  wait: -1,
  receive: -1,
  total: -1,
};

/** Listens on a context until `detach`. */
export class NetworkRecorder {
  readonly entries: NetworkEntry[] = [];
  #count = 0;
  #failed = 0;
  #dropped = 0;
  readonly #byType: Record<string, number> = {};
  readonly #byRequest = new WeakMap<Request, NetworkEntry>();
  readonly #maxEntries: number;
  readonly #context: BrowserContext;
  /** The step requests are attributed to. */
  step: { name: string; index: number } | undefined;

  constructor(context: BrowserContext, maxEntries = 1000) {
    this.#context = context;
    this.#maxEntries = maxEntries;
    context.on('request', this.#onRequest);
    context.on('response', this.#onResponse);
    context.on('requestfinished', this.#onFinished);
    context.on('requestfailed', this.#onFailed);
  }

  detach(): void {
    this.#context.off('request', this.#onRequest);
    this.#context.off('response', this.#onResponse);
    this.#context.off('requestfinished', this.#onFinished);
    this.#context.off('requestfailed', this.#onFailed);
  }

  summary(): NetworkSummary {
    const slowest = [...this.entries]
      .sort((a, b) => b.timings.total - a.timings.total)
      .slice(0, 5)
      .map((e) => ({ url: e.url, method: e.method, status: e.status, totalMs: e.timings.total }));
    return {
      requests: this.#count,
      failed: this.#failed,
      dropped: this.#dropped,
      byType: { ...this.#byType },
      slowest,
    };
  }

  readonly #onRequest = (request: Request): void => {
    const url = request.url();
    if (url.startsWith('data:')) return;
    this.#count++;
    const type = request.resourceType();
    this.#byType[type] = (this.#byType[type] ?? 0) + 1;
    if (this.entries.length >= this.#maxEntries) {
      this.#dropped++;
      return;
    }
    const entry: NetworkEntry = {
      url,
      method: request.method(),
      resourceType: type,
      isNavigationRequest: request.isNavigationRequest(),
      status: -1,
      startedAt: Date.now(),
      timings: { ...UNSET },
      ...(this.step === undefined ? {} : { step: { ...this.step } }),
    };
    this.entries.push(entry);
    this.#byRequest.set(request, entry);
  };

  readonly #onResponse = (response: Response): void => {
    const entry = this.#byRequest.get(response.request());
    if (entry !== undefined) entry.status = response.status();
  };

  readonly #onFinished = (request: Request): void => {
    const entry = this.#byRequest.get(request);
    if (entry === undefined) return;
    const timing = request.timing();
    if (timing.startTime > 0) entry.timings = resourceTimings(timing);
    else entry.timings = { ...UNSET, total: Math.max(-1, roundMs(Date.now() - entry.startedAt)) };
  };

  readonly #onFailed = (request: Request): void => {
    this.#failed++;
    const entry = this.#byRequest.get(request);
    if (entry === undefined) return;
    entry.failure = request.failure()?.errorText ?? 'failed';
    entry.timings = { ...UNSET, total: Math.max(-1, roundMs(Date.now() - entry.startedAt)) };
  };
}
