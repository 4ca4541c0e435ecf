/**
 * Renders journey events: Elastic's NDJSON (`@elastic/synthetics src/reporters/json.ts`,
 * elastic.md §7.6: `@timestamp` in epoch microseconds, `journey`/`step` with status and
 * duration only on the end events, `root_fields` with `os` and `package`), or lines for a
 * person at a terminal (the agent's default reporter).
 */
import { platform } from 'node:process';
import type { JourneyEvent, JourneyInfo, StepResult } from './results.js';

/** Where reporters write. */
export interface TextSink {
  write(text: string): unknown;
}

/** What the NDJSON stream holds: Elastic's `--reporter json`, or `--rich-events` with network events. */
export interface NdjsonReporterOptions {
  out: TextSink;
  /** Adds `journey/network_info` events (Elastic's `network` capability, on with `--rich-events`). */
  network?: boolean;
  packageName?: string;
  packageVersion: string;
}

const us = (ms: number): number => Math.trunc(ms * 1000);

/** Writes Elastic-shaped NDJSON events. */
export class NdjsonReporter {
  readonly #o: NdjsonReporterOptions;

  constructor(options: NdjsonReporterOptions) {
    this.#o = options;
  }

  /** `synthetics/metadata`, first line of a run. */
  start(numJourneys: number): void {
    this.#write({ type: 'synthetics/metadata', at: Date.now(), root_fields: { num_journeys: numJourneys } });
  }

  event(e: JourneyEvent): void {
    switch (e.type) {
      case 'journey/start':
        this.#write({
          type: e.type,
          at: e.at,
          journey: journeyInfo(e.journey),
          payload: { source: e.source },
        });
        break;
      case 'step/end':
        this.#write({
          type: e.type,
          at: e.at,
          journey: journeyInfo(e.journey),
          step: {
            name: e.step.name,
            index: e.step.index,
            status: e.step.status,
            duration: { us: us(e.step.durationMs) },
          },
          url: e.step.url,
          error: e.step.error,
          payload: { source: e.source, url: e.step.url, status: e.step.status },
        });
        break;
      case 'step/screenshot':
        this.#write({
          type: e.type,
          at: e.at,
          journey: journeyInfo(e.journey),
          step: { name: e.step.name, index: e.step.index },
          blob: e.jpeg.toString('base64'),
          blob_mime: 'image/jpeg',
        });
        break;
      case 'journey/network_info':
        if (this.#o.network !== true) break;
        this.#write({
          type: e.type,
          at: e.at,
          journey: journeyInfo(e.journey),
          step: e.entry.step,
          root_fields: {
            url: e.entry.url,
            http: {
              request: { url: e.entry.url, method: e.entry.method },
              response: { status: e.entry.status },
            },
          },
          payload: {
            type: e.entry.resourceType,
            is_navigation_request: e.entry.isNavigationRequest,
            request_sent_time: e.entry.startedAt / 1000,
            timings: e.entry.timings,
            ...(e.entry.failure === undefined ? {} : { failure: e.entry.failure }),
          },
        });
        break;
      case 'journey/browserconsole':
        this.#write({
          type: e.type,
          at: e.at,
          journey: journeyInfo(e.journey),
          step: e.entry.step,
          payload: { text: e.entry.text, type: e.entry.type },
        });
        break;
      case 'journey/end':
        this.#write({
          type: e.type,
          at: e.at,
          journey: {
            ...journeyInfo(e.journey),
            status: e.result.status,
            duration: { us: us(e.result.durationMs) },
          },
          error: e.result.error,
          payload: {
            status: e.result.status,
            browser_delay_us: us(e.browserDelayMs),
            process_startup_epoch_us: us(Date.now() - performance.now()),
          },
        });
        break;
    }
  }

  #write(fields: {
    type: string;
    at: number;
    journey?: object;
    step?: object | undefined;
    root_fields?: object;
    payload?: object;
    blob?: string;
    blob_mime?: string;
    error?: { name: string; message: string; stack?: string } | undefined;
    url?: string | undefined;
  }): void {
    const line = {
      type: fields.type,
      '@timestamp': fields.at * 1000,
      journey: fields.journey,
      step: fields.step,
      root_fields: {
        ...fields.root_fields,
        os: { platform },
        package: { name: this.#o.packageName ?? 'synthctl', version: this.#o.packageVersion },
      },
      payload: fields.payload,
      blob: fields.blob,
      blob_mime: fields.blob_mime,
      // Elastic keeps only the first line of the message (`formatJSONError`).
      error:
        fields.error === undefined
          ? undefined
          : {
              name: fields.error.name,
              message: fields.error.message.split('\n')[0] ?? '',
              ...(fields.error.stack === undefined ? {} : { stack: fields.error.stack }),
            },
      url: fields.url,
      package_version: this.#o.packageVersion,
    };
    this.#o.out.write(`${JSON.stringify(line)}\n`);
  }
}

function journeyInfo(j: JourneyInfo): { name: string; id: string; tags: string[] } {
  return { name: j.name, id: j.id, tags: j.tags };
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

const MARK: Record<StepResult['status'], string> = { succeeded: '✓', failed: '✖', skipped: '-' };

/** Human-readable progress, one line per step. */
export class TextReporter {
  readonly #out: TextSink;
  #passed = 0;
  #failed = 0;

  constructor(out: TextSink) {
    this.#out = out;
  }

  event(e: JourneyEvent): void {
    if (e.type === 'journey/start') this.#out.write(`\nJourney: ${e.journey.name}\n`);
    if (e.type === 'step/end') {
      const s = e.step;
      const time = s.status === 'skipped' ? '' : ` (${ms(s.durationMs)})`;
      const soft = s.soft === true ? ' [soft]' : '';
      this.#out.write(`   ${MARK[s.status]}  Step: '${s.name}'${soft} ${s.status}${time}\n`);
      if (s.error !== undefined) {
        for (const line of s.error.message.split('\n').slice(0, 6)) this.#out.write(`        ${line}\n`);
      }
    }
    if (e.type === 'journey/end') {
      const r = e.result;
      if (r.status === 'failed') this.#failed++;
      else this.#passed++;
      if (r.status === 'failed' && r.steps.every((s) => s.status !== 'failed') && r.error !== undefined) {
        this.#out.write(`   ✖  ${r.error.message.split('\n')[0] ?? ''}\n`);
      }
      const files = [
        ...r.steps.flatMap((s) => (s.screenshot === undefined ? [] : [`screenshot ${s.screenshot}`])),
        ...(r.artifacts?.trace === undefined
          ? []
          : [`trace ${r.artifacts.trace} (npx playwright show-trace ${r.artifacts.trace})`]),
        ...(r.artifacts?.video === undefined ? [] : [`video ${r.artifacts.video}`]),
      ];
      for (const f of files) this.#out.write(`   ${f}\n`);
      this.#out.write(`   journey ${r.status} in ${ms(r.durationMs)}\n`);
    }
  }

  /** The closing summary line. */
  summary(skipped: number): void {
    const parts = [`${this.#passed} passed`, `${this.#failed} failed`];
    if (skipped > 0) parts.push(`${skipped} skipped`);
    this.#out.write(`\n ${parts.join(', ')}\n`);
  }
}
