/**
 * A manual clock for tests and simulations: time moves only when `advance` is called, timers
 * fire in due order, and promise chains started by a timer get to run before the next timer.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Clock, TimerHandle } from './clock.js';

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
}

/** A `Clock` whose time advances only on `advance`/`set`. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, ManualTimer>();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { id: number }).id);
  }

  /** Number of pending timers (a test can assert that stop left none behind). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Lets pending promise callbacks run without moving time. */
  async flush(rounds = 5): Promise<void> {
    for (let i = 0; i < rounds; i++) await yieldToEventLoop();
  }

  /** Moves time forward by `ms`, firing due timers in order and flushing between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.flush();
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers.values()) {
        if (
          t.due <= target &&
          (next === undefined || t.due < next.due || (t.due === next.due && t.id < next.id))
        )
          next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
      await this.flush();
    }
    this.#now = target;
    await this.flush();
  }
}
