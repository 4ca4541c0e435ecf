/**
 * Elastic's journey DSL (`@elastic/synthetics src/core/index.ts`, `src/dsl/*.ts`) bound to
 * one `JourneySuite`. A journey file is evaluated with a fresh suite each time (see
 * bundle.ts), so registrations never leak between loads and there is no global runner.
 */
import type { APIRequestContext, Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** `journey(name | {name, id, tags}, ...)`. */
export interface JourneyOptions {
  name: string;
  id?: string;
  tags?: string[];
}

/** Elastic's `MonitorConfig` as `monitor.use` takes it; the runner keeps it, push reads it. */
export type MonitorConfig = Record<string, unknown>;

/** What `info` holds in journey callbacks and hooks. */
export interface RunInfo {
  journey?: { name: string; id: string; tags: string[] };
  params: Record<string, unknown>;
  env: string;
}

/** The arguments of a journey callback. */
export interface JourneyArgs {
  page: Page;
  context: BrowserContext;
  browser: Browser;
  client: CDPSession;
  request: APIRequestContext;
  params: Record<string, unknown>;
  info: RunInfo;
}

/** The arguments of `before`, `after`, `beforeAll` and `afterAll` hooks. */
export interface HookArgs {
  env: string;
  params: Record<string, unknown>;
  info: RunInfo;
}

export type JourneyCallback = (args: JourneyArgs) => void | Promise<void>;
export type StepCallback = () => unknown;
export type HookCallback = (args: HookArgs) => unknown;

/** How a journey or step was declared: plain, `.skip` or `.only` (and `.soft` for steps). */
export type Modifier = 'none' | 'skip' | 'only' | 'soft';

/** A journey as registered at load time. */
export interface RegisteredJourney {
  name: string;
  id: string;
  tags: string[];
  modifier: Exclude<Modifier, 'soft'>;
  callback: JourneyCallback;
  monitor: MonitorConfig;
}

/** A step as registered while its journey's callback runs. */
export interface RegisteredStep {
  name: string;
  index: number;
  modifier: Modifier;
  callback: StepCallback;
}

/** What registrations during one journey run go to. */
export interface JourneyScope {
  journey: RegisteredJourney;
  steps: RegisteredStep[];
  before: HookCallback[];
  after: HookCallback[];
}

/** A DSL call in a place Elastic's agent also rejects it, e.g. `step` outside a journey. */
export class JourneyDefinitionError extends Error {
  override readonly name = 'JourneyDefinitionError';
}

/** The journeys, global hooks and file-level monitor config of one evaluated journey file. */
export class JourneySuite {
  readonly journeys: RegisteredJourney[] = [];
  readonly beforeAll: HookCallback[] = [];
  readonly afterAll: HookCallback[] = [];
  /** `monitor.use` at file level. */
  monitor: MonitorConfig = {};
  #scope: JourneyScope | undefined;
  #lastJourney: RegisteredJourney | undefined;

  addJourney(
    options: string | JourneyOptions,
    callback: JourneyCallback,
    modifier: RegisteredJourney['modifier'],
  ) {
    const opts = typeof options === 'string' ? { name: options } : options;
    if (typeof opts.name !== 'string' || opts.name === '') {
      throw new JourneyDefinitionError(
        'journey() needs a name: journey("name", ...) or journey({ name }, ...)',
      );
    }
    if (typeof callback !== 'function') {
      throw new JourneyDefinitionError(`journey ${JSON.stringify(opts.name)} needs a callback function`);
    }
    const journey: RegisteredJourney = {
      name: opts.name,
      // Elastic: `this.id = options.id || options.name`.
      id: opts.id !== undefined && opts.id !== '' ? opts.id : opts.name,
      tags: [...(opts.tags ?? [])],
      modifier,
      callback,
      monitor: {},
    };
    this.journeys.push(journey);
    this.#lastJourney = journey;
    return journey;
  }

  /** Starts collecting the steps and hooks of one run of `journey`. */
  open(journey: RegisteredJourney): JourneyScope {
    const scope: JourneyScope = { journey, steps: [], before: [], after: [] };
    this.#scope = scope;
    return scope;
  }

  /** Ends the collection started by `open`. */
  close(): void {
    this.#scope = undefined;
  }

  addStep(name: unknown, callback: StepCallback, modifier: Modifier): RegisteredStep {
    const scope = this.#requireScope(`step(${JSON.stringify(name)})`);
    if (typeof callback !== 'function') {
      throw new JourneyDefinitionError(`step ${JSON.stringify(name)} needs a callback function`);
    }
    const step: RegisteredStep = {
      name: String(name),
      index: scope.steps.length + 1,
      modifier,
      callback,
    };
    scope.steps.push(step);
    return step;
  }

  addHook(kind: 'before' | 'after', callback: HookCallback): void {
    // Elastic throws `before is called outside of the journey context`.
    const scope = this.#requireScope(kind);
    scope[kind].push(callback);
  }

  useMonitor(config: MonitorConfig): void {
    // Inside a journey callback it configures that journey, at file level every journey.
    const target = this.#scope?.journey;
    if (target !== undefined) target.monitor = { ...target.monitor, ...config };
    else this.monitor = { ...this.monitor, ...config };
  }

  #requireScope(what: string): JourneyScope {
    if (this.#scope === undefined) {
      const hint =
        this.#lastJourney === undefined
          ? 'no journey is registered yet'
          : `call it inside the callback of journey ${JSON.stringify(this.#lastJourney.name)}`;
      throw new JourneyDefinitionError(`${what} is called outside of a journey callback: ${hint}`);
    }
    return this.#scope;
  }
}

type JourneyFn = (options: string | JourneyOptions, callback: JourneyCallback) => RegisteredJourney;
type StepFn = (name: string, callback: StepCallback) => RegisteredStep;

/** The functions a journey file imports from `@elastic/synthetics` or `synthctl/journey`. */
export interface Dsl {
  journey: JourneyFn & { skip: JourneyFn; only: JourneyFn };
  step: StepFn & { skip: StepFn; soft: StepFn; only: StepFn };
  monitor: { use: (config: MonitorConfig) => void };
  before: (callback: HookCallback) => void;
  after: (callback: HookCallback) => void;
  beforeAll: (callback: HookCallback) => void;
  afterAll: (callback: HookCallback) => void;
  expect: unknown;
}

/** The DSL functions bound to `suite`, plus Playwright's `expect`. */
export function createDsl(suite: JourneySuite, expect: unknown): Dsl {
  const journeyOf =
    (modifier: RegisteredJourney['modifier']): JourneyFn =>
    (options, callback) =>
      suite.addJourney(options, callback, modifier);
  const stepOf =
    (modifier: Modifier): StepFn =>
    (name, callback) =>
      suite.addStep(name, callback, modifier);
  return {
    journey: Object.assign(journeyOf('none'), { skip: journeyOf('skip'), only: journeyOf('only') }),
    step: Object.assign(stepOf('none'), { skip: stepOf('skip'), soft: stepOf('soft'), only: stepOf('only') }),
    monitor: {
      use: (config) => {
        suite.useMonitor(config);
      },
    },
    before: (callback) => {
      suite.addHook('before', callback);
    },
    after: (callback) => {
      suite.addHook('after', callback);
    },
    beforeAll: (callback) => {
      suite.beforeAll.push(callback);
    },
    afterAll: (callback) => {
      suite.afterAll.push(callback);
    },
    expect,
  };
}
