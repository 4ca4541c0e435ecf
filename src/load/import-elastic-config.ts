/**
 * Reads the parts of an `@elastic/synthetics` project that are code: `synthetics.config.ts|js`
 * and `*.journey.ts|js` files.
 *
 * Why evaluation, and why this way. push itself `require()`s the config (through ts-node /
 * esbuild-register) with the user's full privileges and environment, calls the default export
 * with `NODE_ENV || 'development'` (`@elastic/synthetics src/config.ts readConfig`), and for
 * each journey calls the journey callback with `{ params }` so that `monitor.use()` runs while
 * steps are only registered (`src/core/runner.ts _buildMonitors`). Configs are rarely plain
 * literals: they are `(env) => {...}` functions, spread `devices[...]`, read `process.env`,
 * or `import` a shared params file. A static walk of a literal misses all of that, and no
 * JavaScript parser is a runtime dependency (acorn and typescript are only dev tools here).
 * So we do what push does, with far less authority:
 *  - esbuild bundles the entry to one CommonJS script (TypeScript stripped, relative imports
 *    inlined from disk); every package import stays external;
 *  - the script runs in a fresh `node:vm` context with string code generation and WebAssembly
 *    disabled, a time limit (microtasks included), no host object reachable from inside (the
 *    globals, stubs and `require` are all created by a bootstrap script in the context, and
 *    only strings cross the boundary), and results serialised to JSON *inside* the context;
 *  - `require('@elastic/synthetics')` is a recording stub of the DSL; any other module
 *    (including `fs`, `child_process`) is an inert stand-in, and the user is told;
 *  - `process.env` is empty, except that reading `process.env.X` yields a marker, so that
 *    `params: { password: process.env.PASSWORD }` becomes a reference to the environment
 *    variable PASSWORD instead of a value. `NODE_ENV` is the environment name.
 * `node:vm` is not a security boundary against hostile code; this is no weaker than running
 * `npx @elastic/synthetics push` on the same project, which executes the same files with
 * full access, and strictly stronger than it.
 */
import { buildSync } from 'esbuild';
import { dirname } from 'node:path';
import { createContext, runInContext } from 'node:vm';

/** Marks a string value that came from `process.env.<NAME>` at push time. */
const ENV_MARK = '\u0000synthctl-env:';
const MARK_END = '\u0000';
/** Marks a value the sandbox could not resolve (a stand-in module, a function result). */
export const OPAQUE_MARK = '\u0000synthctl-opaque\u0000';

/** Failure to read a project source file; the message says what went wrong and where. */
export class ProjectEvaluationError extends Error {
  override readonly name = 'ProjectEvaluationError';
  readonly file: string;
  /** What went wrong, without the file name. */
  readonly reason: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** A value from `process.env.<name>`: never resolved, always kept as a reference. */
export interface EnvReference {
  readonly env: string;
}

/** If `value` is exactly an environment reference, its variable name. */
export function envReferenceOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(ENV_MARK) || !value.endsWith(MARK_END)) return undefined;
  const name = value.slice(ENV_MARK.length, -MARK_END.length);
  return name.includes('\u0000') ? undefined : name;
}

/** Environment variables whose value is embedded in (but not all of) a string. */
export function embeddedEnvReferences(value: string): string[] {
  const found: string[] = [];
  // eslint-disable-next-line no-control-regex -- the marker is NUL-delimited on purpose
  const re = /\u0000synthctl-env:([^\u0000]*)\u0000/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) found.push(m[1] ?? '');
  return found;
}

/** Replaces markers in a string by a readable form, for messages: `${env:NAME}`, `<unresolved>`. */
export function displayValue(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- the marker is NUL-delimited on purpose
      .replace(/\u0000synthctl-env:([^\u0000]*)\u0000/g, (_m, name: string) => `\${env:${name}}`)
      .split(OPAQUE_MARK)
      .join('<unresolved>')
  );
}

/** True when a JSON value contains a marker of any kind. */
export function containsMarker(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000synthctl-');
  if (Array.isArray(value)) return value.some(containsMarker);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsMarker);
  return false;
}

/** What the sandbox noticed while evaluating, for diagnostics. */
export interface EvaluationNotes {
  /** Modules other than `@elastic/synthetics` that were replaced by an inert stand-in. */
  readonly stubbedModules: readonly string[];
  /** Environment variables read. */
  readonly envRead: readonly string[];
  /** `devices['...']` entries used (Playwright descriptors are not available here). */
  readonly devices: readonly string[];
}

/** The evaluated `synthetics.config.*`: its settings as JSON, after calling `(env) => config`. */
export interface EvaluatedConfig extends EvaluationNotes {
  readonly config: Record<string, unknown>;
}

/** One `journey()`/`apiJourney()` call as push registers it. */
export interface RecordedJourney {
  readonly kind: 'journey' | 'apiJourney';
  readonly name: string;
  readonly id: string;
  readonly tags: readonly string[] | undefined;
  readonly modifier: 'skip' | 'only' | undefined;
  /** The monitor config after the callback ran (`monitor.use` replaces, as in push), or none. */
  readonly monitor: Record<string, unknown> | undefined;
  readonly steps: number;
  /** The callback threw; push would abort the whole push on it. */
  readonly error: string | undefined;
}

/** The evaluated journey file. */
export interface EvaluatedJourneys extends EvaluationNotes {
  readonly journeys: readonly RecordedJourney[];
  /** `monitor.use()` at file level before any journey: push applies it to every journey. */
  readonly globalMonitor: Record<string, unknown> | undefined;
}

/** Options of the evaluation. */
export interface EvaluateOptions {
  /** The environment name given to `(env) => config` and as `NODE_ENV` (push: `NODE_ENV || 'development'`). */
  readonly environment?: string;
  /** Wall-clock limit of the evaluation, microtasks included (default 2000 ms). */
  readonly timeoutMs?: number;
}

// Runs inside the context. Everything the evaluated code can reach is created here, so no
// prototype chain leads back to the host realm. Inputs arrive as JSON strings.
const BOOTSTRAP = String.raw`
'use strict';
(() => {
  const input = JSON.parse(globalThis.__synthctlInput);
  delete globalThis.__synthctlInput;
  const ENV_MARK = '\u0000synthctl-env:';
  const OPAQUE = '\u0000synthctl-opaque\u0000';
  const notes = { stubbedModules: [], envRead: [], devices: [] };
  const opaqueSet = new WeakSet();
  const opaque = () => {
    const target = function () {};
    const p = new Proxy(target, {
      get(_t, key) {
        if (key === Symbol.toPrimitive) return () => OPAQUE;
        if (key === 'then' || key === '__esModule') return undefined;
        if (key === 'toJSON') return () => OPAQUE;
        return p;
      },
      apply() { return p; },
      construct() { return p; },
    });
    opaqueSet.add(p);
    return p;
  };
  const env = new Proxy(Object.create(null), {
    get(_t, key) {
      if (typeof key !== 'string') return undefined;
      if (key === 'NODE_ENV') return input.environment;
      if (!notes.envRead.includes(key)) notes.envRead.push(key);
      return ENV_MARK + key + '\u0000';
    },
    has() { return true; },
  });
  globalThis.process = Object.freeze({ env, argv: [], platform: 'linux', cwd: () => '/', versions: {} });

  const journeys = [];
  let current = null;
  let globalMonitor = undefined;
  const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v, replacer)));
  const createJourney = (kind, modifier) => (options, callback) => {
    if (typeof options === 'string') options = { name: options, id: options };
    options = options || {};
    const j = {
      kind, modifier,
      name: String(options.name),
      id: options.id === undefined ? String(options.name) : String(options.id),
      tags: Array.isArray(options.tags) ? options.tags.map(String) : undefined,
      cb: callback, monitor: undefined, steps: 0, error: undefined,
    };
    journeys.push(j);
    current = j;
    return j;
  };
  const journey = createJourney('journey');
  journey.skip = createJourney('journey', 'skip');
  journey.only = createJourney('journey', 'only');
  const apiJourney = createJourney('apiJourney');
  apiJourney.skip = createJourney('apiJourney', 'skip');
  apiJourney.only = createJourney('apiJourney', 'only');
  const step = () => { if (current) current.steps++; };
  step.skip = step; step.soft = step; step.only = step;
  // As push: inside a journey context monitor.use replaces that journey's monitor; outside it
  // updates the runner-level monitor that every journey inherits.
  const monitor = {
    use(config) {
      const copy = clone(config) || {};
      if (current) current.monitor = copy;
      else globalMonitor = Object.assign(globalMonitor || {}, copy);
    },
  };
  const devices = new Proxy(Object.create(null), {
    get(_t, key) {
      if (typeof key === 'string' && !notes.devices.includes(key)) notes.devices.push(key);
      return {};
    },
  });
  const noop = () => {};
  const synthetics = {
    journey, apiJourney, step, monitor, devices,
    beforeAll: noop, afterAll: noop, before: noop, after: noop,
    expect: opaque(), mfa: opaque(), totp: opaque(), request: opaque(),
  };
  const requireModule = (name) => {
    if (name === '@elastic/synthetics') return synthetics;
    if (!notes.stubbedModules.includes(name)) notes.stubbedModules.push(name);
    return opaque();
  };
  function replacer(_key, value) {
    if ((typeof value === 'function' || typeof value === 'object') && value !== null && opaqueSet.has(value)) return OPAQUE;
    if (typeof value === 'function') return undefined;
    if (typeof value === 'bigint') return String(value);
    return value;
  }
  globalThis.__synthctl = { input, notes, journeys, requireModule, replacer, opaqueSet,
    getGlobalMonitor: () => globalMonitor, setCurrent: (j) => { current = j; } };
})();
`;

// Loads the bundle as CommonJS, then does what push does with it.
const RUN_CONFIG = String.raw`
(() => {
  const s = globalThis.__synthctl;
  const module = { exports: {} };
  let out = { status: 'pending' };
  globalThis.__synthctlResult = () => JSON.stringify(out, s.replacer);
  try {
    globalThis.__synthctlLoad(module, module.exports, s.requireModule);
    const mod = module.exports;
    let config = mod && mod.__esModule ? mod.default : mod;
    if (typeof config === 'function') config = config(s.input.environment);
    Promise.resolve(config).then(
      (value) => { out = { status: 'ok', value: value === undefined ? null : value, notes: s.notes }; },
      (e) => { out = { status: 'error', message: String(e && e.message || e) }; },
    );
  } catch (e) {
    out = { status: 'error', message: String(e && e.message || e) };
  }
})();
`;

const RUN_JOURNEYS = String.raw`
(() => {
  const s = globalThis.__synthctl;
  const module = { exports: {} };
  let out = { status: 'pending' };
  globalThis.__synthctlResult = () => JSON.stringify(out, s.replacer);
  try {
    globalThis.__synthctlLoad(module, module.exports, s.requireModule);
  } catch (e) {
    out = { status: 'error', message: String(e && e.message || e) };
    return;
  }
  const params = Object.freeze(s.input.params || {});
  for (const j of s.journeys) {
    s.setCurrent(j);
    try {
      if (typeof j.cb === 'function') j.cb({ params });
    } catch (e) {
      j.error = String(e && e.message || e);
    }
  }
  s.setCurrent(null);
  out = {
    status: 'ok',
    notes: s.notes,
    globalMonitor: s.getGlobalMonitor(),
    journeys: s.journeys.map((j) => ({
      kind: j.kind, name: j.name, id: j.id, tags: j.tags, modifier: j.modifier,
      monitor: j.monitor, steps: j.steps, error: j.error,
    })),
  };
})();
`;

interface SandboxOutput {
  status: 'ok' | 'error' | 'pending';
  message?: string;
  value?: unknown;
  notes?: EvaluationNotes;
  journeys?: RecordedJourney[];
  globalMonitor?: Record<string, unknown>;
}

function bundle(file: string): string {
  try {
    const result = buildSync({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      sourcemap: false,
      charset: 'utf8',
    });
    const output = result.outputFiles[0];
    if (output === undefined) throw new Error('esbuild produced no output');
    return output.text;
  } catch (error) {
    const message =
      error instanceof Error && 'errors' in error && Array.isArray(error.errors)
        ? (error.errors as { text?: string; location?: { line?: number; column?: number } | null }[])
            .map((e) => `${e.text ?? 'error'}${e.location ? ` (line ${e.location.line ?? 0})` : ''}`)
            .join('; ')
        : error instanceof Error
          ? error.message
          : String(error);
    throw new ProjectEvaluationError(file, `cannot be compiled: ${message}`, { cause: error });
  }
}

function runSandbox(file: string, script: string, input: unknown, options: EvaluateOptions): SandboxOutput {
  const code = bundle(file);
  const timeout = options.timeoutMs ?? 2000;
  const context = createContext(Object.create(null) as object, {
    name: `synthctl import ${file}`,
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  try {
    runInContext(`globalThis.__synthctlInput = ${JSON.stringify(JSON.stringify(input))};`, context, {
      timeout,
    });
    runInContext(BOOTSTRAP, context, { timeout });
    // The bundle is compiled by the host as a function body in the context (not `eval` from
    // inside, which is disabled), so it gets CommonJS's `module`, `exports` and `require`.
    runInContext(
      `globalThis.__synthctlLoad = function (module, exports, require) {\nconst __filename = ${JSON.stringify(file)}, __dirname = ${JSON.stringify(dirname(file))};\n${code}\n};`,
      context,
      {
        timeout,
        filename: file,
      },
    );
    runInContext(script, context, { timeout });
    const raw: unknown = runInContext('globalThis.__synthctlResult()', context, { timeout });
    if (typeof raw !== 'string') throw new Error('no result');
    return JSON.parse(raw) as SandboxOutput;
  } catch (error) {
    // Errors may come from the context's realm, where `instanceof Error` is false.
    const message =
      error !== null && typeof error === 'object' && 'message' in error
        ? String(error.message)
        : String(error);
    const timedOut = /timed out/i.test(message);
    throw new ProjectEvaluationError(
      file,
      timedOut
        ? `did not finish within ${timeout} ms (a loop or a pending promise?)`
        : `cannot be evaluated: ${message}`,
      { cause: error },
    );
  }
}

const EMPTY_NOTES: EvaluationNotes = { stubbedModules: [], envRead: [], devices: [] };

/** Evaluates `synthetics.config.ts|js` as push reads it, without its authority (see file comment). */
export function evaluateSyntheticsConfig(file: string, options: EvaluateOptions = {}): EvaluatedConfig {
  const environment = options.environment ?? 'development';
  const out = runSandbox(file, RUN_CONFIG, { environment }, options);
  if (out.status === 'pending') {
    throw new ProjectEvaluationError(file, 'the exported config is a promise that never settled');
  }
  if (out.status === 'error') {
    throw new ProjectEvaluationError(file, `threw while loading: ${out.message ?? 'unknown error'}`);
  }
  const value = out.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProjectEvaluationError(
      file,
      'has no default export of a config object (`export default {...}` or `export default (env) => ({...})`)',
    );
  }
  return { ...(out.notes ?? EMPTY_NOTES), config: value as Record<string, unknown> };
}

/** Loads a journey file and runs each journey callback with `{ params }`, as push does, recording monitors. */
export function evaluateJourneyFile(
  file: string,
  params: Record<string, unknown>,
  options: EvaluateOptions = {},
): EvaluatedJourneys {
  const environment = options.environment ?? 'development';
  const out = runSandbox(file, RUN_JOURNEYS, { environment, params }, options);
  if (out.status !== 'ok') {
    throw new ProjectEvaluationError(file, `threw while loading: ${out.message ?? 'unknown error'}`);
  }
  return {
    ...(out.notes ?? EMPTY_NOTES),
    journeys: out.journeys ?? [],
    globalMonitor: out.globalMonitor,
  };
}
