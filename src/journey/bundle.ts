/**
 * Compiles journey files (TypeScript or JavaScript) with esbuild into one CommonJS function
 * and evaluates it with a fresh DSL each time. `@elastic/synthetics` and `synthctl/journey`
 * resolve to that DSL (as push's bundler keeps `@elastic/synthetics` external,
 * `src/push/plugin.ts`), other packages are required from the journey's folder, and relative
 * imports are bundled. Each evaluation runs the code in a new function scope, so module-level
 * state of a journey file never leaks from one run into the next.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';
import { build, stop, type Plugin } from 'esbuild';
import { createDsl, JourneySuite } from './dsl.js';
import { loadExpect, type Expect } from './expect.js';

/** The module names a journey may import the DSL from. */
export const DSL_MODULES = ['@elastic/synthetics', 'synthctl/journey'] as const;
const DSL_GLOBAL = '__synthctl_dsl';
/** The most compiled files kept (a runner has one per browser monitor source). */
const MAX_CACHED = 256;
/**
 * esbuild's service process (5-15 MB proportional set size) is stopped this long after the
 * last compile: a runner compiles when a journey file changes, not per run, and the next
 * compile starts the service again (a few ms).
 */
const ESBUILD_IDLE_MS = 30_000;
/** Compiles in flight in this process: esbuild's service is one per process. */
let compiling = 0;
let idleTimer: NodeJS.Timeout | undefined;

function compileStarted(): void {
  compiling++;
  clearTimeout(idleTimer);
  idleTimer = undefined;
}

function compileEnded(): void {
  compiling--;
  if (compiling > 0) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    // stop() is synchronous in Node (it kills the child); a later build starts a new one.
    if (compiling === 0) void stop();
  }, ESBUILD_IDLE_MS);
  idleTimer.unref();
}

/** A journey file that does not compile; carries esbuild's messages with file:line. */
export class JourneyCompileError extends Error {
  override readonly name = 'JourneyCompileError';
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

/** Where the journey code comes from. */
export type JourneyCode =
  | { kind: 'file'; path: string }
  /** Elastic `--inline`: a journey body (step calls), or a module when it starts with import/export. */
  | { kind: 'inline'; source: string; name: string; id: string; resolveDir: string };

interface Compiled {
  script: Script;
  filename: string;
  /** Input files and their mtimes, to notice edits. */
  inputs: Map<string, number>;
  source: string;
}

/** Compiles and caches journey code; one per runner (no module-level cache). */
export class JourneyBundler {
  readonly #cache = new Map<string, Compiled>();
  #expect: Expect | undefined;

  /** `expect` defaults to Playwright's, loaded on the first evaluation. */
  constructor(options: { expect?: Expect } = {}) {
    this.#expect = options.expect;
  }

  /**
   * Evaluates the code with a fresh suite and returns what it registered. Compiles on the
   * first call and again when a bundled file changed.
   */
  async load(code: JourneyCode): Promise<JourneySuite> {
    const compiled = await this.#compiled(code);
    return this.#evaluate(compiled);
  }

  /** The source text of the code's entry (for `journey/start` payloads). */
  async source(code: JourneyCode): Promise<string> {
    return (await this.#compiled(code)).source;
  }

  async #compiled(code: JourneyCode): Promise<Compiled> {
    const key =
      code.kind === 'file'
        ? `file:${resolve(code.path)}`
        : `inline:${createHash('sha256').update(`${code.name}\0${code.id}\0${code.resolveDir}\0${code.source}`).digest('hex')}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined && (await unchanged(cached.inputs))) return cached;
    const compiled = await compile(code);
    if (this.#cache.size >= MAX_CACHED) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(key, compiled);
    return compiled;
  }

  #evaluate(compiled: Compiled): JourneySuite {
    const suite = new JourneySuite();
    this.#expect ??= loadExpect();
    const dsl = createDsl(suite, this.#expect);
    const fn = compiled.script.runInThisContext() as (
      exports: object,
      require: NodeJS.Require,
      module: { exports: object },
      filename: string,
      dirname: string,
      dslValue: unknown,
    ) => void;
    const module = { exports: {} };
    fn(
      module.exports,
      createRequire(compiled.filename),
      module,
      compiled.filename,
      dirname(compiled.filename),
      dsl,
    );
    return suite;
  }
}

async function unchanged(inputs: Map<string, number>): Promise<boolean> {
  for (const [file, mtime] of inputs) {
    try {
      if ((await stat(file)).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Elastic's inline wrapper (`src/loader.ts loadInlineScript`): the body sees these locals. */
function inlineModule(source: string, name: string, id: string): string {
  if (/^\s*(?:import|export)\b/m.test(source)) return source;
  return [
    `import { journey as __j, step, expect } from '@elastic/synthetics';`,
    `__j(${JSON.stringify({ name, id })}, ({ page, context, browser, params, request }) => {`,
    source,
    `});`,
  ].join('\n');
}

const dslPlugin: Plugin = {
  name: 'synthctl-dsl',
  setup(b) {
    const filter = new RegExp(`^(${DSL_MODULES.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})(/.*)?$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'synthctl-dsl' }));
    b.onLoad({ filter: /.*/, namespace: 'synthctl-dsl' }, () => ({
      contents: `module.exports = ${DSL_GLOBAL};`,
      loader: 'js',
    }));
    // Packages stay external: they are required from the journey's folder at run time.
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'entry-point' || args.path.startsWith('/')
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

async function compile(code: JourneyCode): Promise<Compiled> {
  const filename =
    code.kind === 'file' ? resolve(code.path) : resolve(code.resolveDir, `${code.name}.inline.journey.ts`);
  let result;
  compileStarted();
  try {
    result = await build({
      ...(code.kind === 'file'
        ? { entryPoints: [filename] }
        : {
            stdin: {
              contents: inlineModule(code.source, code.name, code.id),
              resolveDir: code.resolveDir,
              sourcefile: filename,
              loader: 'ts',
            },
          }),
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      metafile: true,
      sourcemap: false,
      logLevel: 'silent',
      plugins: [dslPlugin],
    });
  } catch (err) {
    const messages = (
      err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }
    ).errors;
    const text =
      messages
        ?.map((m) =>
          m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text,
        )
        .join('; ') ?? (err as Error).message;
    throw new JourneyCompileError(filename, `cannot compile journey ${filename}: ${text}`, { cause: err });
  } finally {
    compileEnded();
  }
  const output = result.outputFiles[0]?.text ?? '';
  const inputs = new Map<string, number>();
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.startsWith('synthctl-dsl:') || input === '<stdin>') continue;
    const path = resolve(input);
    try {
      inputs.set(path, (await stat(path)).mtimeMs);
    } catch {
      // esbuild read it a moment ago; a vanished input only costs a recompile later.
    }
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname, ${DSL_GLOBAL}) {${output}\n})`;
  let script: Script;
  try {
    script = new Script(wrapped, { filename });
  } catch (err) {
    throw new JourneyCompileError(filename, `cannot compile journey ${filename}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const source = code.kind === 'file' ? await readFile(filename, 'utf8') : code.source;
  return { script, filename, inputs, source };
}
