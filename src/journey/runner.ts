/**
 * Runs the journeys of one evaluated journey file with Elastic's semantics
 * (`@elastic/synthetics src/core/runner.ts`):
 * - selection: `journey.only` journeys if any, else those matching `match`/`tags` and not
 *   `journey.skip` (skipped journeys produce no events, as in Elastic);
 * - `beforeAll` hooks once, in parallel; if one throws, every journey fails with its error
 *   without running; `afterAll` hooks at the end;
 * - per journey: a fresh context on a pooled browser, the callback registers steps, `before`
 *   hooks run, then steps in order; a failed step skips the rest unless it is `step.soft`;
 *   `step.skip` is skipped; when a step is `.only`, the others are skipped; the journey fails
 *   when any step (soft ones included) or an `after` hook fails.
 * Unlike Elastic, every step and the journey have hard time limits, the context is closed
 * even when a step never returns, and the browser is replaced when it crashes or hangs.
 */
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { ArtifactRun } from './artifacts.js';
import type { BrowserLease, BrowserPool, Prewarm } from './browser-pool.js';
import type {
  HookArgs,
  HookCallback,
  JourneyArgs,
  JourneySuite,
  RegisteredJourney,
  RegisteredStep,
  RunInfo,
} from './dsl.js';
import { isJourneyMatch } from './match.js';
import { NetworkRecorder } from './network.js';
import type {
  ConsoleEntry,
  JourneyArtifacts,
  JourneyError,
  JourneyEvent,
  JourneyInfo,
  JourneyResult,
  RecordingMode,
  ScreenshotMode,
  StepResult,
} from './results.js';
import { ensureVideoEncoder } from './video.js';
import { rename, rm } from 'node:fs/promises';

/** Elastic's default action and navigation timeout (`src/core/gatherer.ts DEFAULT_TIMEOUT`). */
export const DEFAULT_ACTION_TIMEOUT_MS = 50_000;
/** A step that runs longer fails. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/** A journey that runs longer fails. */
export const DEFAULT_JOURNEY_TIMEOUT_MS = 10 * 60_000;
/** Hooks after a failure, screenshots and closing the context get at most this long each. */
const CLEANUP_MS = 10_000;
const MAX_CONSOLE = 200;

/** A step or the journey ran out of time. */
export class JourneyTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** How to run a suite. */
export interface SuiteRunOptions {
  pool: BrowserPool;
  params?: Record<string, unknown>;
  /** `env` of hook arguments (Elastic: NODE_ENV, default development). */
  env?: string;
  match?: string;
  tags?: readonly string[];
  screenshots?: ScreenshotMode;
  trace?: RecordingMode;
  video?: RecordingMode;
  stepTimeoutMs?: number;
  journeyTimeoutMs?: number;
  /** Playwright context options (Elastic `playwrightOptions`), e.g. viewport, locale. */
  contextOptions?: BrowserContextOptions & { actionTimeout?: number; navigationTimeout?: number };
  /** Where a journey's files go; undefined: nothing is written (screenshots still go to events). */
  artifacts?: (journey: JourneyInfo) => ArtifactRun | undefined;
  onEvent?: (event: JourneyEvent) => void;
  /** Called after a failed step (`--pause-on-error`); the run continues when it resolves. */
  pauseOnError?: (journey: JourneyInfo, step: StepResult) => Promise<void>;
  /** Scrubs secret values from error messages. */
  redact?: (text: string) => string;
  /** The journey file's source, for `journey/start` and `step/end` payloads. */
  source?: string;
  signal?: AbortSignal;
  /** For `video` (the ffmpeg link); default process.env. */
  processEnv?: Readonly<Record<string, string | undefined>>;
}

/** What a suite run produced. */
export interface SuiteResult {
  journeys: JourneyResult[];
  /** Registered journeys left out by selection or `journey.skip`. */
  notSelected: { name: string; reason: 'skip' | 'not-matched' | 'not-only' }[];
  browserWaitMs: number;
}

/** The journeys of `suite` that run, and why the others do not. */
export function selectJourneys(
  suite: JourneySuite,
  match: string | undefined,
  tags: readonly string[] | undefined,
): { selected: RegisteredJourney[]; notSelected: SuiteResult['notSelected'] } {
  const only = suite.journeys.filter((j) => j.modifier === 'only');
  if (only.length > 0) {
    return {
      selected: only,
      notSelected: suite.journeys
        .filter((j) => j.modifier !== 'only')
        .map((j) => ({ name: j.name, reason: 'not-only' })),
    };
  }
  const selected: RegisteredJourney[] = [];
  const notSelected: SuiteResult['notSelected'] = [];
  for (const j of suite.journeys) {
    if (!isJourneyMatch(j, match, tags)) notSelected.push({ name: j.name, reason: 'not-matched' });
    else if (j.modifier === 'skip') notSelected.push({ name: j.name, reason: 'skip' });
    else selected.push(j);
  }
  return { selected, notSelected };
}

/** Runs the selected journeys of `suite` one after another. */
export async function runSuite(suite: JourneySuite, options: SuiteRunOptions): Promise<SuiteResult> {
  const { selected, notSelected } = selectJourneys(suite, options.match, options.tags);
  const params = options.params ?? {};
  const env = options.env ?? 'development';
  const hookArgs = (journey?: RegisteredJourney): HookArgs => ({
    env,
    params,
    info: runInfo(journey, params, env),
  });
  const result: SuiteResult = { journeys: [], notSelected, browserWaitMs: 0 };
  if (selected.length === 0) return result;

  let hookError: unknown;
  try {
    await runHooks(suite.beforeAll, hookArgs(), CLEANUP_MS * 3, options.signal);
  } catch (err) {
    hookError = err;
  }
  for (const journey of selected) {
    const run = await runJourney(suite, journey, options, hookError);
    result.journeys.push(run.result);
    result.browserWaitMs += run.waitedMs;
  }
  try {
    await runHooks(suite.afterAll, hookArgs(), CLEANUP_MS * 3, options.signal);
  } catch {
    // Elastic ignores afterAll failures (`#runAfterAllHook(...).catch(reset)`).
  }
  return result;
}

function runInfo(
  journey: RegisteredJourney | undefined,
  params: Record<string, unknown>,
  env: string,
): RunInfo {
  return {
    ...(journey === undefined
      ? {}
      : { journey: { name: journey.name, id: journey.id, tags: [...journey.tags] } }),
    params,
    env,
  };
}

function toJourneyError(err: unknown, redact: (s: string) => string): JourneyError {
  if (err instanceof Error) {
    const out: JourneyError = { name: err.name, message: redact(stripAnsi(err.message)) };
    if (err.stack !== undefined) out.stack = redact(stripAnsi(err.stack));
    return out;
  }
  return { name: 'Error', message: redact(`thrown: ${String(err)}`) };
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** An AbortSignal for a time budget that also follows a parent signal. */
class Budget {
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal | undefined;
  readonly #onParent = (): void => {
    this.#controller.abort(this.#parent?.reason);
  };

  constructor(ms: number, what: string, parent?: AbortSignal) {
    this.signal = this.#controller.signal;
    this.#parent = parent;
    this.#timer = setTimeout(() => {
      this.#controller.abort(new JourneyTimeoutError(`${what} timed out after ${formatMs(ms)}`));
    }, ms);
    if (parent?.aborted === true) this.#onParent();
    else parent?.addEventListener('abort', this.#onParent, { once: true });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParent);
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Resolves with `work`, or rejects when any signal aborts; `work` keeps running but is handled. */
async function within(work: () => unknown, signals: readonly AbortSignal[]): Promise<void> {
  const run = Promise.resolve().then(work);
  run.catch(() => undefined);
  let cleanup = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (signal: AbortSignal) => () => {
      reject(signal.reason instanceof Error ? signal.reason : new JourneyTimeoutError(String(signal.reason)));
    };
    const listeners = signals.map((s) => {
      const l = onAbort(s);
      if (s.aborted) l();
      else s.addEventListener('abort', l, { once: true });
      return [s, l] as const;
    });
    cleanup = () => {
      for (const [s, l] of listeners) s.removeEventListener('abort', l);
    };
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([run, aborted]);
  } finally {
    cleanup();
  }
}

async function runHooks(hooks: readonly HookCallback[], args: HookArgs, ms: number, parent?: AbortSignal) {
  if (hooks.length === 0) return;
  const budget = new Budget(ms, 'hook', parent);
  try {
    await within(() => Promise.all(hooks.map((h) => h(args))), [budget.signal]);
  } finally {
    budget.dispose();
  }
}

function emit(options: SuiteRunOptions, event: JourneyEvent): void {
  try {
    options.onEvent?.(event);
  } catch {
    // A reporter must not break the run.
  }
}

interface Captured {
  step: { name: string; index: number };
  jpeg: Buffer;
  at: number;
}

async function runJourney(
  suite: JourneySuite,
  journey: RegisteredJourney,
  options: SuiteRunOptions,
  hookError: unknown,
): Promise<{ result: JourneyResult; waitedMs: number }> {
  const redact = options.redact ?? ((s: string) => s);
  const info: JourneyInfo = { name: journey.name, id: journey.id, tags: [...journey.tags] };
  const params = options.params ?? {};
  const env = options.env ?? 'development';
  const source = options.source ?? '';
  const started = performance.now();
  const result: JourneyResult = { ...info, status: 'succeeded', durationMs: 0, steps: [] };
  emit(options, { type: 'journey/start', at: Date.now(), journey: info, source });
  const finish = (browserDelayMs: number) => {
    result.durationMs = performance.now() - started;
    emit(options, { type: 'journey/end', at: Date.now(), journey: info, result, browserDelayMs });
  };
  if (hookError !== undefined) {
    result.status = 'failed';
    result.error = toJourneyError(hookError, redact);
    finish(0);
    return { result, waitedMs: 0 };
  }

  const budget = new Budget(
    options.journeyTimeoutMs ?? DEFAULT_JOURNEY_TIMEOUT_MS,
    `journey ${JSON.stringify(journey.name)}`,
    options.signal,
  );
  let lease: BrowserLease | undefined;
  let context: BrowserContext | undefined;
  let recorder: NetworkRecorder | undefined;
  let healthy = true;
  let prewarm: Prewarm | undefined;
  let warm: { context: BrowserContext; page: Page } | undefined;
  const consoleEntries: ConsoleEntry[] = [];
  const screenshots: Captured[] = [];
  const artifacts = options.artifacts?.(info);
  const kept: JourneyArtifacts = {};
  const screenshotMode = options.screenshots ?? 'on';
  const traceMode = options.trace ?? 'retain-on-failure';
  const videoMode = artifacts === undefined ? 'off' : (options.video ?? 'off');
  let videoDir: string | undefined;
  let after: HookCallback[] = [];
  const hookArgs: HookArgs = { env, params, info: runInfo(journey, params, env) };
  try {
    lease = await options.pool.acquire(budget.signal);
    const contextOptions = { ...options.contextOptions };
    const { actionTimeout, navigationTimeout } = contextOptions;
    delete contextOptions.actionTimeout;
    delete contextOptions.navigationTimeout;
    if (videoMode !== 'off' && artifacts !== undefined) {
      await ensureVideoEncoder(options.processEnv);
      videoDir = await artifacts.path('video');
      contextOptions.recordVideo = { dir: videoDir };
    }
    const finalOptions: BrowserContextOptions = {
      ...contextOptions,
      ...(contextOptions.userAgent === undefined && lease.userAgent !== ''
        ? { userAgent: lease.userAgent }
        : {}),
    };
    // A context made in advance with the same options is as fresh as a new one (never used).
    if (videoDir === undefined) {
      const key = JSON.stringify(finalOptions);
      const browser = lease.browser;
      prewarm = {
        key,
        create: async () => {
          const made = await browser.newContext(finalOptions);
          return { context: made, page: await made.newPage() };
        },
      };
      warm = await lease.takeWarm(key);
    }
    context = warm?.context ?? (await lease.browser.newContext(finalOptions));
    context.setDefaultTimeout(actionTimeout ?? DEFAULT_ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(navigationTimeout ?? DEFAULT_ACTION_TIMEOUT_MS);
    if (traceMode !== 'off')
      // DOM snapshots make the trace useful; the screencast doubles the cost of recording every
      // journey for retain-on-failure, so it is only on when traces are always kept.
      await context.tracing.start({ screenshots: traceMode === 'on', snapshots: true, title: journey.name });
    recorder = new NetworkRecorder(context);
    const net = recorder;
    const currentStep = (): { name: string; index: number } | undefined => net.step;
    const pushConsole = (entry: ConsoleEntry) => {
      if (consoleEntries.length < MAX_CONSOLE) consoleEntries.push(entry);
    };
    const watchPage = (page: Page) => {
      page.on('crash', () => {
        const step = currentStep();
        pushConsole({ type: 'crash', text: 'the page crashed', at: Date.now(), ...(step ? { step } : {}) });
      });
    };
    context.on('page', watchPage);
    context.on('console', (msg) => {
      const type = msg.type();
      if (type !== 'error' && type !== 'warning') return;
      const step = currentStep();
      pushConsole({ type, text: redact(msg.text()), at: Date.now(), ...(step ? { step } : {}) });
    });
    context.on('weberror', (webError) => {
      const step = currentStep();
      pushConsole({
        type: 'pageerror',
        text: redact(webError.error().message),
        at: Date.now(),
        ...(step ? { step } : {}),
      });
    });
    let page: Page;
    if (warm === undefined) page = await context.newPage();
    else {
      page = warm.page;
      watchPage(page);
    }
    const client = await context.newCDPSession(page);
    const args: JourneyArgs = {
      page,
      context,
      browser: lease.browser,
      client,
      request: context.request,
      params,
      info: hookArgs.info,
    };
    const scope = suite.open(journey);
    try {
      // Elastic calls the callback without awaiting it; steps register synchronously.
      const returned = journey.callback(args);
      if (returned instanceof Promise) returned.catch(() => undefined);
    } finally {
      suite.close();
    }
    after = scope.after;
    await runHooks(
      scope.before,
      hookArgs,
      options.journeyTimeoutMs ?? DEFAULT_JOURNEY_TIMEOUT_MS,
      budget.signal,
    );
    result.steps = await runSteps(scope.steps, {
      options,
      info,
      context,
      budget,
      recorder,
      screenshots,
      screenshotMode,
      redact,
      source,
    });
    const failedStep = result.steps.filter((s) => s.status === 'failed').at(-1);
    if (failedStep !== undefined) {
      result.status = 'failed';
      if (failedStep.error !== undefined) result.error = failedStep.error;
    }
  } catch (err) {
    result.status = 'failed';
    result.error = toJourneyError(
      budget.signal.aborted && budget.signal.reason instanceof Error ? budget.signal.reason : err,
      redact,
    );
  } finally {
    budget.dispose();
    try {
      await runHooks(after, hookArgs, CLEANUP_MS, options.signal);
    } catch (err) {
      result.status = 'failed';
      result.error = toJourneyError(err, redact);
    }
    const failed = result.status === 'failed';
    if (context !== undefined) {
      const keepTrace = traceMode === 'on' || (traceMode === 'retain-on-failure' && failed);
      if (traceMode !== 'off') {
        try {
          const path = keepTrace && artifacts !== undefined ? await artifacts.path('trace.zip') : undefined;
          await within(
            () => context?.tracing.stop(path === undefined ? {} : { path }),
            [AbortSignal.timeout(CLEANUP_MS)],
          );
          if (path !== undefined) kept.trace = path;
        } catch {
          healthy = false;
        }
      }
      recorder?.detach();
      const pages = context.pages();
      try {
        await within(() => context?.close(), [AbortSignal.timeout(CLEANUP_MS)]);
      } catch {
        healthy = false;
      }
      if (videoDir !== undefined) {
        const keepVideo = videoMode === 'on' || (videoMode === 'retain-on-failure' && failed);
        const video = await pages[0]
          ?.video()
          ?.path()
          .catch(() => undefined);
        if (keepVideo && video !== undefined && artifacts !== undefined) {
          const target = await artifacts.path('video.webm');
          await rename(video, target).catch(() => undefined);
          kept.video = target;
        }
        await rm(videoDir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
    const keepShots = screenshotMode === 'on' || (screenshotMode === 'only-on-failure' && failed);
    if (keepShots) {
      for (const shot of screenshots) {
        if (artifacts !== undefined) {
          const path = await artifacts.write(`step-${shot.step.index}.jpg`, shot.jpeg).catch(() => undefined);
          const step = result.steps.find((s) => s.index === shot.step.index);
          if (path !== undefined && step !== undefined) step.screenshot = path;
        }
        emit(options, {
          type: 'step/screenshot',
          at: shot.at,
          journey: info,
          step: shot.step,
          jpeg: shot.jpeg,
        });
      }
    }
    if (recorder !== undefined) {
      result.network = recorder.summary();
      for (const entry of recorder.entries)
        emit(options, { type: 'journey/network_info', at: entry.startedAt, journey: info, entry });
    }
    if (consoleEntries.length > 0) {
      result.console = consoleEntries;
      for (const entry of consoleEntries)
        emit(options, { type: 'journey/browserconsole', at: entry.at, journey: info, entry });
    }
    if (artifacts?.used === true) kept.dir = artifacts.dir;
    if (Object.keys(kept).length > 0) result.artifacts = kept;
    await lease?.release({ healthy, ...(healthy && prewarm !== undefined ? { prewarm } : {}) });
    finish(lease?.waitedMs ?? 0);
  }
  return { result, waitedMs: lease?.waitedMs ?? 0 };
}

interface StepContext {
  options: SuiteRunOptions;
  info: JourneyInfo;
  context: BrowserContext;
  budget: Budget;
  recorder: NetworkRecorder;
  screenshots: Captured[];
  screenshotMode: ScreenshotMode;
  redact: (s: string) => string;
  source: string;
}

async function runSteps(steps: readonly RegisteredStep[], c: StepContext): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const onlyExists = steps.some((s) => s.modifier === 'only');
  let skipRest = false;
  const stepTimeoutMs = c.options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  for (const step of steps) {
    const started = performance.now();
    const result: StepResult = { name: step.name, index: step.index, status: 'skipped', durationMs: 0 };
    if (step.modifier === 'soft') result.soft = true;
    const skipped =
      step.modifier === 'skip' ||
      (skipRest && step.modifier !== 'only') ||
      (onlyExists && step.modifier !== 'only') ||
      c.budget.signal.aborted;
    if (!skipped) {
      const ref = { name: step.name, index: step.index };
      c.recorder.step = ref;
      let navigated: string | undefined;
      const onRequest = (req: { isNavigationRequest(): boolean; url(): string }) => {
        if (navigated === undefined && req.isNavigationRequest()) navigated = req.url();
      };
      c.context.on('request', onRequest);
      const stepBudget = new Budget(stepTimeoutMs, `step ${JSON.stringify(step.name)}`);
      try {
        await within(step.callback, [stepBudget.signal, c.budget.signal]);
        result.status = 'succeeded';
      } catch (err) {
        result.status = 'failed';
        result.error = toJourneyError(err, c.redact);
        if (step.modifier !== 'soft') skipRest = true;
      } finally {
        stepBudget.dispose();
        c.context.off('request', onRequest);
      }
      const pages = c.context.pages();
      const page = pages[pages.length - 1];
      const url = navigated ?? safeUrl(page);
      if (url !== undefined) result.url = url;
      if (page !== undefined && c.screenshotMode !== 'off') {
        try {
          const jpeg = await page.screenshot({ type: 'jpeg', quality: 80, timeout: 5000 });
          c.screenshots.push({ step: ref, jpeg, at: Date.now() });
        } catch {
          // Elastic logs and continues: a crashed or closed page has no screenshot.
        }
      }
    }
    result.durationMs = performance.now() - started;
    results.push(result);
    c.recorder.step = undefined;
    emit(c.options, { type: 'step/end', at: Date.now(), journey: c.info, step: result, source: c.source });
    if (result.status === 'failed' && c.options.pauseOnError !== undefined)
      await c.options.pauseOnError(c.info, result);
  }
  return results;
}

function safeUrl(page: Page | undefined): string | undefined {
  try {
    return page?.url();
  } catch {
    return undefined;
  }
}
