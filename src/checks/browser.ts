/**
 * The browser check: runs a monitor's journey (Elastic's DSL) on a pooled Chromium and turns
 * the journey and step records into a `CheckOutcome`. Params with `valueFrom` are resolved at
 * run time through the injected SecretResolver and scrubbed from every message; the journey
 * source comes from `inline`, a `file` next to the monitor's YAML, or a ConfigMap key.
 * Options Elastic passes as `synthetics_args` are read from `syntheticsArgs`:
 * `--screenshots on|off|only-on-failure`, `--trace on|off|retain-on-failure`,
 * `--video on|off|retain-on-failure`, `--step-timeout <duration>`.
 */
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { BrowserContextOptions } from 'playwright-core';
import { ArtifactStore, DEFAULT_ARTIFACTS_DIR, type RetentionPolicy } from '../journey/artifacts.js';
import { BrowserPool, type BrowserPoolOptions } from '../journey/browser-pool.js';
import { JourneyBundler, JourneyCompileError, type JourneyCode } from '../journey/bundle.js';
import type { BrowserOutcome, JourneyResult, RecordingMode, ScreenshotMode } from '../journey/results.js';
import { RECORDING_MODES, SCREENSHOT_MODES } from '../journey/results.js';
import { runSuite, DEFAULT_STEP_TIMEOUT_MS } from '../journey/runner.js';
import { parseDuration } from '../model/duration.js';
import type { BrowserSpec } from '../model/schema.js';
import { silentLogger, type Logger } from '../runner/logger.js';
import { Redactions } from './common.js';
import { CheckFailure, SecretResolutionError } from './errors.js';
import type { Check, CheckOutcome, CheckRunContext, RunnableMonitor, SecretResolver } from './types.js';

/** What the browser check needs. */
export interface BrowserCheckDeps {
  secrets: SecretResolver;
  pool: BrowserPool;
  bundler: JourneyBundler;
  /** Where screenshots, traces and videos go; undefined keeps none on disk. */
  artifacts?: ArtifactStore;
  /** Folder that relative journey paths resolve against when a monitor has no source file. */
  cwd: string;
  /** Per-step limit unless `--step-timeout` says otherwise (default 60 s). */
  stepTimeoutMs?: number;
  /** Environment for the video encoder link (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
}

/** Options read from `syntheticsArgs`. */
export interface BrowserArgs {
  screenshots?: ScreenshotMode;
  trace?: RecordingMode;
  video?: RecordingMode;
  stepTimeoutMs?: number;
}

/** Parses the `syntheticsArgs` synthctl understands; anything else is a config error. */
export function parseSyntheticsArgs(args: readonly string[]): BrowserArgs {
  const out: BrowserArgs = {};
  const tokens = args.flatMap((a) =>
    a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a],
  );
  const oneOf = <T extends string>(flag: string, value: string | undefined, valid: readonly T[]): T => {
    if (value === undefined || !(valid as readonly string[]).includes(value)) {
      throw new CheckFailure(
        'config',
        `syntheticsArgs ${flag} needs one of ${valid.join(', ')}, got ${value ?? 'nothing'}`,
      );
    }
    return value as T;
  };
  for (let i = 0; i < tokens.length; i++) {
    const flag = tokens[i]!;
    switch (flag) {
      case '--screenshots':
        out.screenshots = oneOf(flag, tokens[++i], SCREENSHOT_MODES);
        break;
      case '--trace':
        out.trace = oneOf(flag, tokens[++i], RECORDING_MODES);
        break;
      case '--video':
        out.video = oneOf(flag, tokens[++i], RECORDING_MODES);
        break;
      case '--step-timeout': {
        const value = tokens[++i] ?? '';
        try {
          out.stepTimeoutMs = parseDuration(value);
        } catch {
          throw new CheckFailure(
            'config',
            `syntheticsArgs --step-timeout needs a duration such as 30s, got ${value || 'nothing'}`,
          );
        }
        break;
      }
      default:
        throw new CheckFailure(
          'config',
          `syntheticsArgs ${flag} is not supported by synthctl's runner; valid are --screenshots, --trace, --video, --step-timeout`,
        );
    }
  }
  return out;
}

/** Time kept back from the monitor timeout for hooks, screenshots and closing the context. */
function journeyBudget(timeoutMs: number): number {
  return Math.max(1000, timeoutMs - Math.min(10_000, Math.floor(timeoutMs / 4)));
}

/** Runs browser monitors. */
export class BrowserCheck implements Check {
  readonly type = 'browser' as const;
  readonly #deps: BrowserCheckDeps;
  readonly #log: Logger;

  constructor(deps: BrowserCheckDeps) {
    this.#deps = deps;
    this.#log = deps.logger ?? silentLogger;
  }

  async run(monitor: RunnableMonitor, signal: AbortSignal, context?: CheckRunContext): Promise<CheckOutcome> {
    const started = performance.now();
    const redactions = new Redactions();
    const spec = monitor.spec.browser;
    const down = (
      type: NonNullable<CheckOutcome['error']>['type'],
      message: string,
      browser?: BrowserOutcome,
    ): CheckOutcome => ({
      up: false,
      durationMs: performance.now() - started,
      error: { type, message: redactions.apply(message) },
      ...(browser === undefined ? {} : { browser }),
    });
    if (spec === undefined) return down('config', 'monitor has no browser block');
    let args: BrowserArgs;
    let code: JourneyCode;
    let params: Record<string, string>;
    try {
      args = parseSyntheticsArgs(spec.syntheticsArgs ?? []);
      params = await this.#params(monitor, redactions);
      code = await this.#code(monitor, spec);
    } catch (err) {
      if (err instanceof CheckFailure) return down(err.type, err.message);
      if (err instanceof SecretResolutionError) return down('config', err.message);
      throw err;
    }
    let suite;
    let source = '';
    try {
      suite = await this.#deps.bundler.load(code);
      source = await this.#deps.bundler.source(code);
    } catch (err) {
      if (err instanceof JourneyCompileError) return down('config', err.message);
      return down('config', `the journey failed while loading: ${(err as Error).message}`);
    }
    const runId =
      context === undefined
        ? `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`
        : context.attempt > 1
          ? `${context.checkGroup}-attempt${context.attempt}`
          : context.checkGroup;
    const artifacts = this.#deps.artifacts;
    const run = artifacts?.run(monitor.id, runId);
    const playwrightOptions = (spec.playwrightOptions ?? {}) as BrowserContextOptions & {
      actionTimeout?: number;
      navigationTimeout?: number;
    };
    const suiteResult = await runSuite(suite, {
      pool: this.#deps.pool,
      params,
      env: 'production',
      ...(spec.filter?.match === undefined ? {} : { match: spec.filter.match }),
      ...(spec.filter?.tags === undefined ? {} : { tags: spec.filter.tags }),
      screenshots: args.screenshots ?? spec.screenshots ?? 'on',
      trace: args.trace ?? 'retain-on-failure',
      video: args.video ?? 'off',
      stepTimeoutMs: args.stepTimeoutMs ?? this.#deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      journeyTimeoutMs: journeyBudget(monitor.timeoutMs),
      contextOptions: {
        ...playwrightOptions,
        ...(spec.ignoreHttpsErrors === undefined ? {} : { ignoreHTTPSErrors: spec.ignoreHttpsErrors }),
      },
      ...(run === undefined ? {} : { artifacts: () => run }),
      redact: (text) => redactions.apply(text),
      source,
      signal,
      ...(this.#deps.env === undefined ? {} : { processEnv: this.#deps.env }),
    });
    if (artifacts !== undefined) {
      await artifacts.prune(monitor.id).catch((err: unknown) => {
        this.#log.warn({ err, monitorId: monitor.id }, 'artifact retention failed');
      });
    }
    const browser: BrowserOutcome = {
      journeys: suiteResult.journeys,
      browserWaitMs: suiteResult.browserWaitMs,
      ...(run?.used === true ? { artifactsDir: run.dir } : {}),
    };
    if (suiteResult.journeys.length === 0) {
      const names = suite.journeys.map((j) => JSON.stringify(j.name)).join(', ');
      const filter = spec.filter === undefined ? '' : ` matching filter ${JSON.stringify(spec.filter)}`;
      return down(
        'config',
        `no journey to run${filter}; the source registers ${names === '' ? 'none' : names}`,
        browser,
      );
    }
    const failed = suiteResult.journeys.find((j) => j.status === 'failed');
    if (failed !== undefined) return down(errorType(failed), describeFailure(failed), browser);
    return { up: true, durationMs: performance.now() - started, browser };
  }

  async #params(monitor: RunnableMonitor, redactions: Redactions): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const p of monitor.spec.params ?? []) {
      let value = p.value;
      if (p.valueFrom !== undefined) {
        value = await this.#deps.secrets.resolve(p.valueFrom, monitor.namespace);
        redactions.add(value);
      }
      if (value !== undefined) out[p.name] = value;
    }
    return out;
  }

  async #code(monitor: RunnableMonitor, spec: BrowserSpec): Promise<JourneyCode> {
    const base =
      monitor.source === undefined ? this.#deps.cwd : dirname(resolve(this.#deps.cwd, monitor.source.file));
    const j = spec.journey;
    if (j.file !== undefined) return { kind: 'file', path: resolve(base, j.file) };
    if (j.inline !== undefined)
      return { kind: 'inline', source: j.inline, name: monitor.name, id: monitor.id, resolveDir: base };
    if (j.configMapRef !== undefined) {
      const source = await this.#deps.secrets.resolve({ configMapKeyRef: j.configMapRef }, monitor.namespace);
      if (source === undefined || source === '') {
        throw new CheckFailure(
          'config',
          `configmap ${j.configMapRef.name} key ${j.configMapRef.key} holds no journey`,
        );
      }
      return { kind: 'inline', source, name: monitor.name, id: monitor.id, resolveDir: base };
    }
    throw new CheckFailure('config', 'browser.journey sets none of inline, file or configMapRef');
  }
}

function errorType(journey: JourneyResult): 'timeout' | 'browser' {
  return journey.error?.name === 'TimeoutError' ? 'timeout' : 'browser';
}

/** `journey "Shop login" failed at step 2 "sign in": <first line of the error>`. */
export function describeFailure(journey: JourneyResult): string {
  const step =
    journey.steps.find((s) => s.status === 'failed' && !s.soft) ??
    journey.steps.find((s) => s.status === 'failed');
  const why = (step?.error ?? journey.error)?.message.split('\n')[0] ?? 'failed';
  const where = step === undefined ? '' : ` at step ${step.index} ${JSON.stringify(step.name)}`;
  return `journey ${JSON.stringify(journey.name)} failed${where}: ${why}`;
}

/** Options of {@link createBrowserCheck}. */
export interface BrowserRuntimeOptions {
  secrets: SecretResolver;
  cwd: string;
  /** Artifact root (default `.synthctl/artifacts` under cwd); false keeps nothing on disk. */
  artifactsDir?: string | false;
  retention?: RetentionPolicy;
  pool?: BrowserPoolOptions;
  stepTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
}

/** A browser check with its own pool and bundler; `close` stops the browsers. */
export interface BrowserRuntime {
  check: BrowserCheck;
  pool: BrowserPool;
  close(): Promise<void>;
}

/** Wires a BrowserCheck with a pool, a bundler and an artifact store. Browsers start lazily. */
export function createBrowserCheck(options: BrowserRuntimeOptions): BrowserRuntime {
  const logger = options.logger ?? silentLogger;
  const pool = new BrowserPool({ ...options.pool, logger });
  const bundler = new JourneyBundler();
  const artifactsDir = options.artifactsDir ?? DEFAULT_ARTIFACTS_DIR;
  const check = new BrowserCheck({
    secrets: options.secrets,
    pool,
    bundler,
    cwd: options.cwd,
    logger,
    ...(artifactsDir === false
      ? {}
      : {
          artifacts: new ArtifactStore({
            root: resolve(options.cwd, artifactsDir),
            ...(options.retention === undefined ? {} : { retention: options.retention }),
          }),
        }),
    ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return { check, pool, close: () => pool.close() };
}
