/**
 * Browser monitors in the cluster: whether this runner can run them (`--browser auto|on|off`
 * and a Chromium at the executable path, as the `browser` image variant ships Debian's), and
 * which of them it cannot run whatever the browser: a `journey.file` names a file of the Git
 * checkout, which is not in the cluster; `inline` and `configMapRef` journeys are.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { RunnableMonitor } from '../checks/types.js';
import { DEFAULT_EXECUTABLE, defaultBrowserConcurrency } from '../journey/browser-pool.js';

/** The values of `--browser`. */
export const BROWSER_MODES = ['auto', 'on', 'off'] as const;
export type BrowserMode = (typeof BROWSER_MODES)[number];

/** Whether browser monitors run here, and why not when they do not. */
export interface BrowserAvailability {
  readonly enabled: boolean;
  readonly executablePath: string;
  /** Why browser monitors are skipped (when not enabled). */
  readonly reason?: string;
}

/** `--browser on` without a runnable Chromium. */
export class BrowserUnavailableError extends Error {
  override readonly name = 'BrowserUnavailableError';
  readonly executablePath: string;
  constructor(executablePath: string, message: string) {
    super(message);
    this.executablePath = executablePath;
  }
}

/** Why `path` is not an executable file, or undefined when it is one. */
export function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `no Chromium at ${path}`;
    if (code === 'EACCES') return `${path} is not executable`;
    return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Decides at start whether browser monitors run: `off` never, `auto` when Chromium is at
 * `executablePath` (default Debian's /usr/bin/chromium), `on` always (throws when it is not
 * there, so a misbuilt image fails at start instead of reporting every journey down).
 */
export function detectBrowser(mode: BrowserMode, executablePath = DEFAULT_EXECUTABLE): BrowserAvailability {
  if (mode === 'off')
    return {
      enabled: false,
      executablePath,
      reason: 'browser monitors are off on this runner (--browser off)',
    };
  const problem = executableProblem(executablePath);
  if (problem === undefined) return { enabled: true, executablePath };
  if (mode === 'on')
    throw new BrowserUnavailableError(
      executablePath,
      `--browser on: ${problem}; use the browser image variant (Debian's Chromium) or set --executable-path`,
    );
  return {
    enabled: false,
    executablePath,
    reason: `${problem} (--browser auto); run the browser image variant or set --executable-path`,
  };
}

/** The check types the cluster runner runs without a browser. */
const LIGHTWEIGHT: ReadonlySet<string> = new Set(['http', 'tcp', 'icmp']);

/** Why the cluster runner does not run `monitor`, or undefined when it does. */
export function clusterSkipReason(
  monitor: RunnableMonitor,
  browser: BrowserAvailability,
): string | undefined {
  if (LIGHTWEIGHT.has(monitor.type)) return undefined;
  if (monitor.type !== 'browser') return `${monitor.type} monitors are not run in the cluster`;
  const file = monitor.spec.browser?.journey.file;
  if (file !== undefined)
    return (
      `browser.journey.file ${JSON.stringify(file)} is a file of the Git checkout, which is not in the cluster; ` +
      'use journey.inline, or journey.configMapRef with a ConfigMap of the monitor\u2019s namespace ' +
      '(Kustomize: a configMapGenerator with files: [login.journey.ts] and options.disableNameSuffixHash: true)'
    );
  if (!browser.enabled) return `browser monitor not run: ${browser.reason ?? 'no browser'}`;
  return undefined;
}

/** Reads a file's text, or undefined when it cannot be read. */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The container's CPU and memory limits from cgroup v2 (`cpu.max` is `<quota> <period>` or
 * `max <period>`, `memory.max` bytes or `max`); undefined for no limit or no cgroup v2.
 */
export function cgroupLimits(read: ReadText = readText): { cpus?: number; memoryBytes?: number } {
  const out: { cpus?: number; memoryBytes?: number } = {};
  const [quota, period] = (read('/sys/fs/cgroup/cpu.max') ?? '').trim().split(/\s+/);
  const cpus = Number(quota) / Number(period);
  if (Number.isFinite(cpus) && cpus > 0) out.cpus = Math.max(1, Math.floor(cpus));
  const memory = Number((read('/sys/fs/cgroup/memory.max') ?? '').trim());
  if (Number.isFinite(memory) && memory > 0) out.memoryBytes = memory;
  return out;
}

/**
 * Journeys at once in a Pod: `synthctl run`'s default (CPUs, at most what half the memory
 * allows at 512 MB a journey, 1 to 8), but from the container's limits. Node's
 * `availableParallelism` and `totalmem` see the node, so a Pod limited to 1 GiB on a 64 GiB
 * node would otherwise start 8 journeys and be OOM-killed.
 */
export function clusterBrowserConcurrency(read: ReadText = readText): number {
  const limits = cgroupLimits(read);
  return defaultBrowserConcurrency(
    Math.min(availableParallelism(), limits.cpus ?? Infinity),
    Math.min(totalmem(), limits.memoryBytes ?? Infinity),
  );
}
