/**
 * Warm Chromium browsers for a runner worker. A journey leases a browser and opens its own
 * context on it (fresh cookies and storage, about 10 ms); concurrent journeys share a browser,
 * each in its own context, so a journey costs a renderer rather than a browser. A browser is
 * replaced after `maxRunsPerBrowser` journeys, when it disconnects (crash), when a run reports
 * it unhealthy (a hung close), or when its process tree exceeds the memory or process budget;
 * a browser due for replacement takes no new journeys and is closed when its last one ends.
 * Launching costs 0.4–1.2 s (environment.md §4): reuse is the speed-up over Elastic's agent,
 * which starts a browser per run (elastic.md §7.5).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
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

/**
 * Chromium features off for every pool browser, as one `--disable-features` (Chromium reads only
 * the last one, so this repeats the list playwright-core passes, checked by browser.test.ts):
 * Playwright's, then the omnibox popup's WebUI, which new headless Chromium preloads in its own
 * renderer for every context (about 30 MB each, a second renderer per journey) although a
 * headless window never shows an omnibox.
 */
export const DISABLED_FEATURES = [
  // playwright-core 1.65 chromiumSwitches.ts
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
  // synthctl
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
] as const;

/** About what one journey needs, browser share included; bounds the default concurrency. */
const BYTES_PER_BROWSER = 512 * 1024 * 1024;

/** Journeys at once by default: the CPU count, at most what half the memory allows, 1 to 8. */
export function defaultBrowserConcurrency(cpus = availableParallelism(), memoryBytes = totalmem()): number {
  return Math.max(1, Math.min(8, cpus, Math.floor(memoryBytes / 2 / BYTES_PER_BROWSER)));
}

/** Starts a browser; tests and the benchmark inject their own. */
export type BrowserLauncher = (options: LaunchOptions) => Promise<Browser>;

/** Pool settings. */
export interface BrowserPoolOptions {
  /** Journeys at once (default {@link defaultBrowserConcurrency}). */
  size?: number;
  /** Concurrent journeys (contexts) on one browser (default: all of them, one browser). */
  contextsPerBrowser?: number;
  executablePath?: string;
  headless?: boolean;
  /** Extra Chromium flags after {@link CHROMIUM_ARGS}. */
  args?: readonly string[];
  /** Journeys per browser before it is replaced (default 50). */
  maxRunsPerBrowser?: number;
  /** Replace a browser whose process tree uses more memory (proportional set size; default 1 GiB). */
  memoryBudgetBytes?: number;
  /** Replace a browser whose process tree has more processes (default 24). */
  processBudget?: number;
  /** A launch that takes longer fails (default 30 s). */
  launchTimeoutMs?: number;
  /**
   * Prepare the next journey's context and page while the browser is idle (default true): takes
   * starting a renderer (about 250 ms) off the journey's clock. Measured (bench/browser.bench.ts),
   * it does not raise the peak while journeys run, but an idle browser holds its renderers
   * (about 110 MB proportional set size); false frees that between runs.
   */
  prewarm?: boolean;
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
  /** Journeys run on the current browser. */
  runs: number;
  /** Journeys running on it now. */
  active: number;
  /** Takes no new journeys; replaced once the running ones end. */
  draining?: string;
  userAgent?: string;
  pid?: number;
  /** A never-used context and page made while the browser was idle, for the next journey. */
  warm?: WarmPage;
  warming?: Promise<void>;
}

/** A fresh context with its first page. */
export interface WarmPage {
  /** The context options it was made with, as a comparable string. */
  key: string;
  context: BrowserContext;
  page: Page;
}

/** Makes the context and page the next journey will want. */
export interface Prewarm {
  key: string;
  create(browser: Browser): Promise<{ context: BrowserContext; page: Page }>;
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
  /**
   * The context and page made in advance with these options, if any: never used, so as fresh
   * as a new one, without the ~250 ms of starting a renderer on the journey's clock.
   */
  takeWarm(key: string): Promise<{ context: BrowserContext; page: Page } | undefined>;
  /**
   * Returns the browser; `healthy: false` replaces it (a hung context, a crash). `prewarm`
   * prepares the next journey's context in the background while the browser is idle.
   */
  release(options?: { healthy?: boolean; prewarm?: Prewarm }): Promise<void>;
}

/** Counters for status and tests. */
export interface BrowserPoolStats {
  launches: number;
  recycled: number;
  crashed: number;
  leased: number;
  waiting: number;
  browsers: number;
}

/**
 * Warm browsers shared by concurrent journeys: `size` journeys at once, at most
 * `contextsPerBrowser` of them on one browser (each in its own context). One browser for all
 * (the default) costs least memory per journey; more browsers contain a crash to fewer runs.
 */
export class BrowserPool {
  readonly size: number;
  readonly contextsPerBrowser: number;
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
  readonly #stats = { launches: 0, recycled: 0, crashed: 0 };

  constructor(options: BrowserPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultBrowserConcurrency()));
    this.contextsPerBrowser = Math.max(
      1,
      Math.min(this.size, Math.floor(options.contextsPerBrowser ?? this.size)),
    );
    this.#options = {
      ...options,
      executablePath: options.executablePath ?? DEFAULT_EXECUTABLE,
      headless: options.headless ?? true,
      maxRunsPerBrowser: Math.max(1, options.maxRunsPerBrowser ?? 50),
      launchTimeoutMs: options.launchTimeoutMs ?? 30_000,
    };
    this.#log = options.logger ?? silentLogger;
    this.#launcher = options.launcher ?? ((o) => chromium.launch(o));
    const browsers = Math.ceil(this.size / this.contextsPerBrowser);
    this.#slots = Array.from({ length: browsers }, (_, id) => ({
      id,
      marker: `--synthctl-browser=${randomUUID()}`,
      runs: 0,
      active: 0,
    }));
  }

  stats(): BrowserPoolStats {
    return {
      ...this.#stats,
      leased: this.#slots.reduce((n, s) => n + s.active, 0),
      waiting: this.#waiters.length,
      browsers: this.#slots.filter((s) => s.browser !== undefined).length,
    };
  }

  /** Waits for capacity (FIFO), starts a browser if needed, and lends it for one journey. */
  async acquire(signal?: AbortSignal): Promise<BrowserLease> {
    if (this.#closed) throw new BrowserPoolClosedError();
    signal?.throwIfAborted();
    const started = performance.now();
    let slot = this.#waiters.length === 0 ? this.#available() : undefined;
    if (slot !== undefined) slot.active++;
    else slot = await this.#wait(signal);
    try {
      const browser = await this.#browserOf(slot, signal);
      return this.#lease(slot, browser, performance.now() - started);
    } catch (err) {
      slot.active--;
      this.#settle(slot);
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

  /** The least busy slot that takes a journey now: live browsers first, then ones to start. */
  #available(): Slot | undefined {
    const open = this.#slots.filter((s) => s.draining === undefined && s.active < this.contextsPerBrowser);
    const byLoad = (a: Slot, b: Slot) => a.active - b.active;
    return (
      open.filter((s) => s.browser?.isConnected() === true || s.launching !== undefined).sort(byLoad)[0] ??
      open.sort(byLoad)[0]
    );
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
    if (slot.browser !== undefined && slot.launching === undefined) this.#retire(slot, 'disconnected');
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
      args: [
        ...CHROMIUM_ARGS,
        `--disable-features=${DISABLED_FEATURES.join(',')}`,
        ...(o.args ?? []),
        slot.marker,
      ],
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
        this.#log.warn({ browser: slot.id }, 'browser disconnected; it will be replaced');
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
      takeWarm: async (key) => {
        // One being made already started earlier than a new one would: wait for it.
        if (slot.warming !== undefined) await slot.warming;
        const warm = slot.warm;
        if (warm === undefined || warm.key !== key || slot.browser !== browser || warm.page.isClosed())
          return undefined;
        delete slot.warm;
        return { context: warm.context, page: warm.page };
      },
      release: async (options) => {
        if (released) return;
        released = true;
        slot.runs++;
        const why = await this.#recycleReason(slot, browser, options?.healthy ?? true);
        if (why !== undefined && slot.browser === browser) slot.draining ??= why;
        slot.active--;
        this.#settle(slot);
        if (options?.prewarm !== undefined) this.#prewarm(slot, browser, options.prewarm);
      },
    };
  }

  /** Makes the next context in the background (one per browser), unless it is going away. */
  #prewarm(slot: Slot, browser: Browser, prewarm: Prewarm): void {
    if (
      this.#options.prewarm === false ||
      this.#closed ||
      slot.draining !== undefined ||
      slot.browser !== browser ||
      slot.warming !== undefined
    )
      return;
    if (slot.warm?.key === prewarm.key) return;
    const stale = slot.warm;
    delete slot.warm;
    const warming = (async () => {
      await stale?.context.close().catch(() => undefined);
      const made = await prewarm.create(browser);
      if (this.#closed || slot.browser !== browser || slot.draining !== undefined) {
        await made.context.close().catch(() => undefined);
        return;
      }
      slot.warm = { key: prewarm.key, ...made };
    })()
      .catch(() => undefined)
      .finally(() => {
        delete slot.warming;
        this.#closing.delete(warming);
      });
    slot.warming = warming;
    this.#closing.add(warming);
  }

  async #recycleReason(slot: Slot, browser: Browser, healthy: boolean): Promise<string | undefined> {
    if (this.#closed) return undefined;
    if (!browser.isConnected()) return undefined;
    if (!healthy) return 'unhealthy';
    if (slot.runs >= this.#options.maxRunsPerBrowser) return `${slot.runs} runs`;
    const memoryBudget = this.#options.memoryBudgetBytes ?? 1024 * 1024 * 1024;
    const processBudget = this.#options.processBudget ?? 24;
    // Reading /proc costs a few ms per process; every fifth journey is often enough.
    if (slot.pid === undefined || slot.runs % 5 !== 0) return undefined;
    const usage = await treeUsage(slot.pid);
    if (usage === undefined) return undefined;
    if (usage.pssBytes > memoryBudget)
      return `memory ${Math.round(usage.pssBytes / 1048576)} MiB over budget ${Math.round(memoryBudget / 1048576)} MiB`;
    if (usage.processes > processBudget) return `${usage.processes} processes over budget ${processBudget}`;
    return undefined;
  }

  /** Replaces a drained browser and hands free capacity to waiters. */
  #settle(slot: Slot): void {
    if (slot.draining !== undefined && slot.active === 0) {
      this.#retire(slot, slot.draining);
      delete slot.draining;
    }
    for (;;) {
      const waiter = this.#waiters[0];
      const free = waiter === undefined ? undefined : this.#available();
      if (waiter === undefined || free === undefined) break;
      this.#waiters.shift();
      free.active++;
      waiter.resolve(free);
    }
  }

  /** Closes the slot's browser in the background (tracked, so `close` waits for it). */
  #retire(slot: Slot, why: string): void {
    delete slot.warm;
    const browser = slot.browser;
    const pid = slot.pid;
    delete slot.browser;
    delete slot.pid;
    if (browser === undefined) return;
    if (why !== 'pool closed') {
      this.#stats.recycled++;
      this.#log.info({ browser: slot.id, why }, 'browser recycled');
    }
    const closing = closeWithin(browser, 5000, pid).finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
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
