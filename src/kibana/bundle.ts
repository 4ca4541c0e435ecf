/**
 * Browser monitor bundles, built as `@elastic/synthetics push` builds them
 * (`src/push/bundler.ts` with `commonOptions()` of `src/core/transform.ts`): esbuild bundles
 * the journey file with `@elastic/synthetics` external, whitespace-minified, CommonJS for the
 * running Node version, with an inline source map without sources content; the code is zipped
 * as a single entry named by the journey's path relative to the project root, and base64'd.
 *
 * Unlike push, the root is given (not the process's cwd) and esbuild's working directory is
 * that root, so the bundle, and thus the hash, do not depend on where the checkout lives.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { writeZip } from './zip.js';

/** Push's per-monitor limit (`SIZE_LIMIT_KB` in `src/push/monitor.ts`). */
export const SIZE_LIMIT_KB = 1500;

/** The journey code of a browser monitor, as the translator hands it to `bundleJourney`. */
export type JourneyInput =
  /** A journey file on disk (absolute, or relative to `root`). */
  | { readonly kind: 'file'; readonly file: string }
  /** Journey module code (imports `@elastic/synthetics` itself); `path` names it in the zip. */
  | { readonly kind: 'module'; readonly code: string; readonly path: string };

/** Options of `bundleJourney`. */
export interface BundleOptions {
  /** The project root: zip entry paths and source-map paths are relative to it. */
  readonly root: string;
  /** Modules left out of the bundle besides `@elastic/synthetics`. */
  readonly external?: readonly string[];
}

/** A built bundle. */
export interface JourneyBundle {
  /** The base64 zip, the project monitor's `content`. */
  readonly content: string;
  /** The zip entry path (`journeys/login.journey.ts`). */
  readonly entryPath: string;
  /** The bundled code, for size reports and tests. */
  readonly code: string;
}

/** esbuild could not bundle a journey: a syntax error, an import it cannot resolve. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  readonly entry: string;
  /** esbuild's messages as `file:line:column: text`. */
  readonly messages: readonly string[];

  constructor(entry: string, messages: readonly string[], options?: { cause?: unknown }) {
    super(`cannot bundle journey ${entry}: ${messages.join('; ') || 'esbuild failed'}`, options);
    this.entry = entry;
    this.messages = messages;
  }
}

/** A monitor whose payload is larger than Kibana project monitors allow (push's 1500 kB). */
export class MonitorTooLargeError extends Error {
  override readonly name = 'MonitorTooLargeError';
  readonly monitorId: string;
  readonly sizeKB: number;

  constructor(monitorId: string, sizeKB: number, source?: string) {
    super(
      `monitor ${monitorId}${source === undefined ? '' : ` (${source})`} is ${sizeKB} kB, above the ${SIZE_LIMIT_KB} kB limit of Kibana project monitors; check what the journey imports`,
    );
    this.monitorId = monitorId;
    this.sizeKB = sizeKB;
  }
}

/** The zip entry path of `file` under `root`, `/`-separated; refuses files outside the root. */
export function entryPathOf(root: string, file: string): string {
  const rel = relative(resolve(root), resolve(root, file));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new BundleError(file, [`the journey file is outside the project root ${root}`]);
  }
  return rel.split(sep).join('/');
}

const formatMessage = (m: esbuild.Message): string =>
  m.location === null ? m.text : `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}`;

/** Bundles, zips and encodes one journey. */
export async function bundleJourney(input: JourneyInput, options: BundleOptions): Promise<JourneyBundle> {
  const root = resolve(options.root);
  const entryPath = input.kind === 'file' ? entryPathOf(root, input.file) : entryPathOf(root, input.path);
  const common: esbuild.BuildOptions = {
    // commonOptions() of @elastic/synthetics; `minify: false` then `minifyWhitespace: true`.
    minify: false,
    sourcesContent: false,
    platform: 'node',
    logLevel: 'silent',
    format: 'cjs',
    target: `node${process.version.slice(1)}`,
    bundle: true,
    write: false,
    minifyWhitespace: true,
    sourcemap: 'inline',
    external: ['@elastic/synthetics', ...(options.external ?? [])],
    absWorkingDir: root,
  };
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result =
      input.kind === 'file'
        ? await esbuild.build({ ...common, write: false, entryPoints: [entryPath] })
        : await esbuild.build({
            ...common,
            write: false,
            stdin: {
              contents: input.code,
              sourcefile: entryPath,
              resolveDir: root,
              loader: loaderOf(entryPath),
            },
          });
  } catch (error) {
    const failure = error as Partial<esbuild.BuildFailure>;
    throw new BundleError(entryPath, (failure.errors ?? []).map(formatMessage), { cause: error });
  }
  if (result.errors.length > 0) throw new BundleError(entryPath, result.errors.map(formatMessage));
  const code = result.outputFiles[0]?.text ?? '';
  const content = writeZip([{ path: entryPath, data: code }]).toString('base64');
  return { content, entryPath, code };
}

function loaderOf(path: string): esbuild.Loader {
  if (path.endsWith('.ts') || path.endsWith('.mts') || path.endsWith('.cts')) return 'ts';
  return 'js';
}

/**
 * A journey module for an inline script, as `elastic-synthetics --inline` runs one
 * (`loadInlineScript` in `src/loader.ts`): the script is the body of a journey whose callback
 * receives `page, context, browser, params, request`, with `step`, `expect` and `mfa` in
 * scope. A script that starts with `import`/`export` is already a module and is kept as is.
 */
export function wrapInlineJourney(script: string, journeyName: string): string {
  if (/^\s*(?:import|export)\b/mu.test(script)) return script;
  return [
    "import { journey, step, expect, mfa } from '@elastic/synthetics';",
    '',
    `journey(${JSON.stringify(journeyName)}, ({ page, context, browser, params, request }) => {`,
    script,
    '});',
    '',
  ].join('\n');
}

/**
 * Throws MonitorTooLargeError when `payload` is above push's limit, measured as push does
 * (`JSON.stringify(monitor).length`, rounded to kB).
 */
export function checkMonitorSize(monitorId: string, payload: unknown, source?: string): number {
  const size = JSON.stringify(payload).length;
  const sizeKB = Math.round(size / 1000);
  if (sizeKB > SIZE_LIMIT_KB) throw new MonitorTooLargeError(monitorId, sizeKB, source);
  return size;
}
