/**
 * `synthctl journey <files>` as a library: finds journey files (Elastic's default pattern
 * `/.+\.journey\.([mc]js|[jt]s?)$/`), runs them once on a warm browser, reports as Elastic's
 * CLI does (human lines, `--reporter json`, or `--rich-events`), and resolves with the exit
 * code: 1 when a journey failed (0 with `--quiet-exit-code`, which `--rich-events` implies).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BrowserContextOptions } from 'playwright-core';
import { ArtifactStore, DEFAULT_ARTIFACTS_DIR } from './artifacts.js';
import { BrowserPool, type BrowserPoolOptions } from './browser-pool.js';
import { JourneyBundler } from './bundle.js';
import { NdjsonReporter, TextReporter, type TextSink } from './reporters.js';
import type { JourneyEvent, RecordingMode, ScreenshotMode } from './results.js';
import { runSuite, selectJourneys } from './runner.js';

/** Elastic's default journey file pattern (`src/options.ts`). */
export const JOURNEY_FILE_PATTERN = /.+\.journey\.([mc]js|[jt]s?)$/;
/** Folders searched at most this deep. */
const MAX_DEPTH = 16;

/** Options of {@link runJourneyFiles}; the CLI maps its flags onto these. */
export interface JourneyFilesOptions {
  paths: readonly string[];
  cwd: string;
  stdout: TextSink;
  stderr: TextSink;
  /** Read by `--pause-on-error` to continue. */
  stdin?: AsyncIterable<Uint8Array | string>;
  params?: Record<string, unknown>;
  match?: string;
  tags?: readonly string[];
  pattern?: RegExp;
  screenshots?: ScreenshotMode;
  trace?: RecordingMode;
  video?: RecordingMode;
  reporter?: 'default' | 'json';
  /** Elastic's Heartbeat preset: json reporter, network events, exit code 0. */
  richEvents?: boolean;
  quietExitCode?: boolean;
  pauseOnError?: boolean;
  /** Lists the journeys that would run (Elastic `--dry-run`), without a browser. */
  dryRun?: boolean;
  /** Artifact root, or false for none (default `.synthctl/artifacts`). */
  artifactsDir?: string | false;
  stepTimeoutMs?: number;
  journeyTimeoutMs?: number;
  contextOptions?: BrowserContextOptions & { actionTimeout?: number; navigationTimeout?: number };
  pool?: BrowserPoolOptions;
  /** A pool to reuse (tests, the benchmark); not closed here. */
  sharedPool?: BrowserPool;
  env?: string;
  processEnv?: Readonly<Record<string, string | undefined>>;
  packageVersion?: string;
  signal?: AbortSignal;
}

/** No journey file was found under the given paths. */
export class NoJourneyFilesError extends Error {
  override readonly name = 'NoJourneyFilesError';
}

/** The journey files named by `paths` (files as given, folders searched), sorted. */
export async function findJourneyFiles(
  paths: readonly string[],
  cwd: string,
  pattern = JOURNEY_FILE_PATTERN,
): Promise<string[]> {
  const out = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (pattern.test(full)) out.add(full);
    }
  };
  for (const p of paths) {
    const full = resolve(cwd, p);
    const s = await stat(full);
    if (s.isDirectory()) await walk(full, 0);
    else out.add(full);
  }
  return [...out].sort();
}

/** Runs journey files once; resolves with the exit code. */
export async function runJourneyFiles(o: JourneyFilesOptions): Promise<number> {
  const files = await findJourneyFiles(o.paths, o.cwd, o.pattern);
  if (files.length === 0) {
    throw new NoJourneyFilesError(
      `no journey files under ${o.paths.join(', ')} (names must match ${String(o.pattern ?? JOURNEY_FILE_PATTERN)})`,
    );
  }
  const json = o.richEvents === true || o.reporter === 'json';
  const quiet = o.quietExitCode === true || o.richEvents === true;
  const bundler = new JourneyBundler();
  const suites = [];
  for (const file of files) {
    const code = { kind: 'file', path: file } as const;
    suites.push({ file, suite: await bundler.load(code), source: await bundler.source(code) });
  }

  const selected = suites.map(({ suite }) => selectJourneys(suite, o.match, o.tags));
  const total = selected.reduce((n, s) => n + s.selected.length, 0);
  const notSelected = selected.reduce((n, s) => n + s.notSelected.length, 0);
  if (o.dryRun === true) {
    for (const s of selected)
      for (const j of s.selected)
        o.stdout.write(
          `${json ? JSON.stringify({ type: 'journey/register', journey: { name: j.name, id: j.id, tags: j.tags } }) : `Journey: ${j.name}`}\n`,
        );
    return 0;
  }

  const ndjson = json
    ? new NdjsonReporter({
        out: o.stdout,
        network: o.richEvents === true,
        packageVersion: o.packageVersion ?? '0.0.0',
      })
    : undefined;
  const text = json ? undefined : new TextReporter(o.stdout);
  ndjson?.start(total);
  const onEvent = (e: JourneyEvent) => {
    ndjson?.event(e);
    text?.event(e);
  };
  const pool = o.sharedPool ?? new BrowserPool({ size: 1, ...o.pool });
  const store =
    o.artifactsDir === false
      ? undefined
      : new ArtifactStore({ root: resolve(o.cwd, o.artifactsDir ?? DEFAULT_ARTIFACTS_DIR) });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let failed = 0;
  try {
    for (const { suite, source } of suites) {
      if (o.signal?.aborted === true) break;
      const result = await runSuite(suite, {
        pool,
        ...(o.params === undefined ? {} : { params: o.params }),
        ...(o.env === undefined ? {} : { env: o.env }),
        ...(o.match === undefined ? {} : { match: o.match }),
        ...(o.tags === undefined ? {} : { tags: o.tags }),
        screenshots: o.screenshots ?? 'on',
        trace: o.trace ?? 'retain-on-failure',
        video: o.video ?? 'off',
        ...(o.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: o.stepTimeoutMs }),
        ...(o.journeyTimeoutMs === undefined ? {} : { journeyTimeoutMs: o.journeyTimeoutMs }),
        ...(o.contextOptions === undefined ? {} : { contextOptions: o.contextOptions }),
        ...(store === undefined ? {} : { artifacts: (info) => store.run(info.id, stamp) }),
        ...(o.pauseOnError === true ? { pauseOnError: () => pause(o) } : {}),
        ...(o.processEnv === undefined ? {} : { processEnv: o.processEnv }),
        ...(o.signal === undefined ? {} : { signal: o.signal }),
        source,
        onEvent,
      });
      failed += result.journeys.filter((j) => j.status === 'failed').length;
    }
  } finally {
    if (o.sharedPool === undefined) await pool.close();
  }
  text?.summary(notSelected);
  return failed > 0 && !quiet ? 1 : 0;
}

/** Elastic's `--pause-on-error`: wait for a line on standard input. */
async function pause(o: JourneyFilesOptions): Promise<void> {
  o.stderr.write('paused after a failed step; press Enter to continue\n');
  if (o.stdin === undefined) return;
  for await (const chunk of o.stdin) {
    if (chunk.length > 0) return;
  }
}
