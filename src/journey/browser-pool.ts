/**
 * Warm Chromium browsers, one per concurrent journey ("worker"). A journey leases a browser,
 * opens its own context (fresh cookies and storage), and gives it back. A browser is replaced
 * after `maxRunsPerBrowser` journeys, when it disconnects (crash), when a run reports it
 * unhealthy (a hung close), or when its process tree exceeds the memory or process budget.
 * Launching costs 0.4–1.2 s (environment.md §4), a context about 10 ms: reuse is the speed-up
 * over Elastic's agent, which starts a browser per run (elastic.md §7.5).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import { silentLogger, type Logger } from '../runner/logger.js';
import { findMarkedRoot, treeUsage } from './process-tree.js';

/** Debian's Chromium (environment.md §4). */
export const DEFAULT_EXECUTABLE = '/usr/bin/chromium';
/** The flags that work on these machines (environment.md §4). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
] as const;

/** About what one browser with one journey needs; bounds the default concurrency. */
const BYTES_PER_BROWSER = 512 * 1024 * 1024;

/** Browsers at once by default: the CPU count, at most what memory allows, between 1 and 8. */
export function defaultBrowserConcurrency(cpus = availableParallelism(), memoryBytes = totalmem()): number {
  return Math.max(1, Math.min(8, cpus, Math.floor(memoryBytes / 2 / BYTES_PER_BROWSER)));
}

/** Starts a browser; tests and the benchmark inject their own. */
export type BrowserLauncher = (options: LaunchOptions) => Promise<Browser>;

/** Pool settings. */
export interface BrowserPoolOptions {
  /** Browsers at once (default {@link defaultBrowserConcurrency}). */
  size?: number;
  executablePath?: string;
  headless?: boolean;
  /** Extra Chromium flags after {@link CHROMIUM_ARGS}. */
  args?: readonly string[];
  /** Journeys per browser before it is replaced (default 50). */
  maxRunsPerBrowser?: number;
  /** Replace a browser whose process tree uses more resident memory (default 1 GiB). */
  memoryBudgetBytes?: number;
  /** Replace a browser whose process tree has more processes (default 24). */
  processBudget?: number;
  /** A launch that takes longer fails (default 30 s). */
  launchTimeoutMs?: number;
  launcher?: BrowserLauncher;
  logger?: Logger;
}

/** The browser would not start. */
export class BrowserLaunchError extends Error {
  override readonly name = 'BrowserLaunchError';
  readonly executablePath: string;
  constructor(executablePath: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.executablePath = executablePath;
  }
}

/** The pool is closed; no more leases. */
export class BrowserPoolClosedError extends Error {
  override readonly name = 'BrowserPoolClosedError';
  constructor() {
    super('the browser pool is closed');
  }
}

interface Slot {
  id: number;
  browser?: Browser;
  /** In-flight launch. */
  launching?: Promise<Browser>;
  marker: string;
  runs: number;
  busy: boolean;
  userAgent?: string;
  pid?: number;
}

/** A browser lent to one journey run. */
export interface BrowserLease {
  readonly browser: Browser;
  /** The browser's user agent with ` Elastic/Synthetics` appended, as Elastic's agent sends it. */
  readonly userAgent: string;
  /** How long acquiring took (waiting plus launching), ms. */
  readonly waitedMs: number;
  /** The browser process id, when it could be found (Linux). */
  readonly pid?: number;
  /** Returns the browser; `healthy: false` replaces it (a hung context, a crash). */
  release(options?: { healthy?: boolean }): Promise<void>;
}

/** Counters for status and tests. */
export interface BrowserPoolStats {
  launches: number;
  recycled: number;
  crashed: number;
  leased: number;
  waiting: number;
}

/** A fixed number of warm browsers handed out one journey at a time. */
export class BrowserPool {
  readonly size: number;
  readonly #options: Required<
    Pick<BrowserPoolOptions, 'executablePath' | 'headless' | 'maxRunsPerBrowser' | 'launchTimeoutMs'>
  > &
    BrowserPoolOptions;
  readonly #slots: Slot[];
  readonly #waiters: { resolve: (slot: Slot) => void; reject: (err: Error) => void }[] = [];
  readonly #closing = new Set<Promise<void>>();
  readonly #log: Logger;
  readonly #launcher: BrowserLauncher;
  #closed = false;
  readonly #stats: BrowserPoolStats = { launches: 0, recycled: 0, crashed: 0, leased: 0, waiting: 0 };

  constructor(options: BrowserPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultBrowserConcurrency()));
    this.#options = {
      ...options,
      executablePath: options.executablePath ?? DEFAULT_EXECUTABLE,
      headless: options.headless ?? true,
      maxRunsPerBrowser: Math.max(1, options.maxRunsPerBrowser ?? 50),
      launchTimeoutMs: options.launchTimeoutMs ?? 30_000,
    };
    this.#log = options.logger ?? silentLogger;
    this.#launcher = options.launcher ?? ((o) => chromium.launch(o));
    this.#slots = Array.from({ length: this.size }, (_, id) => ({
      id,
      marker: `--synthctl-browser=${randomUUID()}`,
      runs: 0,
      busy: false,
    }));
  }

  stats(): BrowserPoolStats {
    return {
      ...this.#stats,
      leased: this.#slots.filter((s) => s.busy).length,
      waiting: this.#waiters.length,
    };
  }

  /** Waits for a free slot (FIFO), starts its browser if needed, and lends it. */
  async acquire(signal?: AbortSignal): Promise<BrowserLease> {
    if (this.#closed) throw new BrowserPoolClosedError();
    signal?.throwIfAborted();
    const started = performance.now();
    const slot =
      this.#slots.find((s) => !s.busy && s.browser?.isConnected() === true) ??
      this.#slots.find((s) => !s.busy);
    const taken = slot ?? (await this.#wait(signal));
    taken.busy = true;
    try {
      const browser = await this.#browserOf(taken, signal);
      return this.#lease(taken, browser, performance.now() - started);
    } catch (err) {
      this.#free(taken);
      throw err;
    }
  }

  /** Closes every browser; waiting acquirers get BrowserPoolClosedError. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.reject(new BrowserPoolClosedError());
    await Promise.allSettled(this.#slots.flatMap((s) => (s.launching === undefined ? [] : [s.launching])));
    for (const slot of this.#slots) this.#retire(slot, 'pool closed');
    await Promise.allSettled([...this.#closing]);
  }

  #wait(signal?: AbortSignal): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        resolve: (slot: Slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject: (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('browser wait aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  async #browserOf(slot: Slot, signal?: AbortSignal): Promise<Browser> {
    if (slot.browser?.isConnected() === true) return slot.browser;
    if (slot.browser !== undefined) this.#retire(slot, 'disconnected');
    slot.launching ??= this.#launch(slot).finally(() => {
      delete slot.launching;
    });
    const launching = slot.launching;
    if (signal === undefined) return launching;
    return new Promise<Browser>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason instanceof Error ? signal.reason : new Error('browser launch aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      launching.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  async #launch(slot: Slot): Promise<Browser> {
    const o = this.#options;
    const launchOptions: LaunchOptions = {
      executablePath: o.executablePath,
      headless: o.headless,
      args: [...CHROMIUM_ARGS, ...(o.args ?? []), slot.marker],
      timeout: o.launchTimeoutMs,
      // The runner handles SIGINT/SIGTERM itself and closes the pool.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    };
    let browser: Browser;
    try {
      browser = await this.#launcher(launchOptions);
    } catch (err) {
      throw new BrowserLaunchError(
        o.executablePath,
        `cannot start Chromium at ${o.executablePath}: ${(err as Error).message.split('\n')[0] ?? ''}` +
          ' (install it with `apt-get install chromium`, or set the executable path)',
        { cause: err },
      );
    }
    this.#stats.launches++;
    slot.runs = 0;
    slot.browser = browser;
    browser.on('disconnected', () => {
      if (slot.browser === browser && !this.#closed) {
        this.#stats.crashed++;
        this.#log.warn({ slot: slot.id }, 'browser disconnected; it will be replaced');
        delete slot.browser;
        delete slot.pid;
      }
    });
    try {
      const session = await browser.newBrowserCDPSession();
      const version = (await session.send('Browser.getVersion')) as { userAgent: string };
      await session.detach();
      // Elastic's Gatherer.getUserAgent appends this; sites that allowlist synthetic traffic key on it.
      slot.userAgent = `${version.userAgent} Elastic/Synthetics`;
    } catch {
      delete slot.userAgent;
    }
    const pid = await findMarkedRoot(slot.marker);
    if (pid !== undefined) slot.pid = pid;
    else delete slot.pid;
    return browser;
  }

  #lease(slot: Slot, browser: Browser, waitedMs: number): BrowserLease {
    let released = false;
    return {
      browser,
      userAgent: slot.userAgent ?? '',
      waitedMs,
      ...(slot.pid === undefined ? {} : { pid: slot.pid }),
      release: async (options) => {
        if (released) return;
        released = true;
        slot.runs++;
        const why = await this.#recycleReason(slot, browser, options?.healthy ?? true);
        if (why !== undefined && slot.browser === browser) this.#retire(slot, why);
        this.#free(slot);
      },
    };
  }

  async #recycleReason(slot: Slot, browser: Browser, healthy: boolean): Promise<string | undefined> {
    if (this.#closed) return 'pool closed';
    if (!browser.isConnected()) return 'disconnected';
    if (!healthy) return 'unhealthy';
    if (slot.runs >= this.#options.maxRunsPerBrowser) return `${slot.runs} runs`;
    const memoryBudget = this.#options.memoryBudgetBytes ?? 1024 * 1024 * 1024;
    const processBudget = this.#options.processBudget ?? 24;
    if (slot.pid === undefined) return undefined;
    const usage = await treeUsage(slot.pid);
    if (usage === undefined) return undefined;
    if (usage.rssBytes > memoryBudget)
      return `memory ${Math.round(usage.rssBytes / 1048576)} MiB over budget ${Math.round(memoryBudget / 1048576)} MiB`;
    if (usage.processes > processBudget) return `${usage.processes} processes over budget ${processBudget}`;
    return undefined;
  }

  /** Closes the slot's browser in the background (tracked, so `close` waits for it). */
  #retire(slot: Slot, why: string): void {
    const browser = slot.browser;
    const pid = slot.pid;
    delete slot.browser;
    delete slot.pid;
    if (browser === undefined) return;
    if (why !== 'pool closed') {
      this.#stats.recycled++;
      this.#log.info({ slot: slot.id, why }, 'browser recycled');
    }
    const closing = closeWithin(browser, 5000, pid).finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  #free(slot: Slot): void {
    slot.busy = false;
    const next = this.#waiters.shift();
    if (next !== undefined) {
      slot.busy = true;
      next.resolve(slot);
    }
  }
}

/** `browser.close()`, bounded: a wedged browser is killed rather than left to hold the runner. */
async function closeWithin(browser: Browser, ms: number, pid: number | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    browser.close().then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, ms);
      timer.unref();
    }),
  ]);
  if (timer !== undefined) clearTimeout(timer);
  if (!closed && pid !== undefined) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
