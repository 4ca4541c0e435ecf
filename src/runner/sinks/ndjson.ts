/**
 * Results as newline-delimited JSON on a stream (stdout, a file, a pipe): one `ResultRecord`
 * per line. Honours backpressure with a bounded queue; a slow reader costs dropped lines
 * (counted), never unbounded memory, and a broken stream never throws into the runner.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ResultRecord, ResultSink } from '../result.js';
import { silentLogger, type Logger } from '../logger.js';

/** The stream and how to treat it. */
export interface NdjsonSinkOptions {
  stream: Writable;
  /** Sink name in metrics and logs (default `ndjson`). */
  name?: string;
  /** End the stream on close (a file: yes; stdout: no). Default false. */
  end?: boolean;
  /** Lines queued while the stream applies backpressure (default 10 000). */
  maxQueued?: number;
  /** Write only final attempts (default false: every attempt). */
  finalOnly?: boolean;
  logger?: Logger;
}

/** Writes one JSON object per line. */
export class NdjsonSink implements ResultSink {
  readonly name: string;
  readonly #stream: Writable;
  readonly #end: boolean;
  readonly #maxQueued: number;
  readonly #finalOnly: boolean;
  readonly #log: Logger;
  #queue: string[] = [];
  #waitingForDrain = false;
  #error: Error | undefined;
  #dropped = 0;
  #closed = false;

  constructor(options: NdjsonSinkOptions) {
    this.name = options.name ?? 'ndjson';
    this.#stream = options.stream;
    this.#end = options.end ?? false;
    this.#maxQueued = Math.max(1, options.maxQueued ?? 10_000);
    this.#finalOnly = options.finalOnly ?? false;
    this.#log = options.logger ?? silentLogger;
    this.#stream.on('error', (err: Error) => {
      if (this.#error === undefined)
        this.#log.error({ err, sink: this.name }, 'NDJSON stream failed; results dropped');
      this.#error = err;
      this.#dropped += this.#queue.length;
      this.#queue = [];
    });
  }

  /** Lines dropped because the reader was too slow or the stream failed. */
  get dropped(): number {
    return this.#dropped;
  }

  write(record: ResultRecord): void {
    if (this.#closed || (this.#finalOnly && !record.finalAttempt)) return;
    if (this.#error !== undefined) {
      this.#dropped++;
      return;
    }
    const line = `${JSON.stringify(record)}\n`;
    if (this.#waitingForDrain) {
      if (this.#queue.length >= this.#maxQueued) this.#dropped++;
      else this.#queue.push(line);
      return;
    }
    this.#send(line);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#error === undefined && (this.#waitingForDrain || this.#queue.length > 0)) {
      await Promise.race([once(this.#stream, 'drain'), once(this.#stream, 'close')]);
      this.#pump();
      if (this.#stream.destroyed) break;
    }
    if (this.#error !== undefined) throw this.#error;
    if (this.#end && !this.#stream.writableEnded) {
      const finished = once(this.#stream, 'finish');
      this.#stream.end();
      await finished;
    }
  }

  #send(line: string): void {
    if (!this.#stream.write(line)) {
      this.#waitingForDrain = true;
      this.#stream.once('drain', () => {
        this.#pump();
      });
    }
  }

  #pump(): void {
    this.#waitingForDrain = false;
    while (this.#queue.length > 0 && !this.#waitingForDrain && this.#error === undefined) {
      this.#send(this.#queue.shift()!);
    }
  }
}
