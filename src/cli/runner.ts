/**
 * `synthctl runner --kubernetes`: flags, then the in-cluster runner (src/runner/kube-runner.ts),
 * which runs the SyntheticMonitors assigned to `--location` and serves /metrics, /healthz,
 * /readyz and /api. Browser monitors run when Chromium is found (`--browser auto`, the
 * default; `on` requires it, `off` skips them). SIGTERM and SIGINT stop it cleanly (in-flight
 * checks get 4 s).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from './kube-config.js';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { ClientNodeKubeClient, type KubeClient } from '../operator/kube-client.js';
import { createOperatorLogger, LOG_LEVELS, type LogLevel, type OperatorLogger } from '../operator/logger.js';
import { BROWSER_MODES, type BrowserMode } from '../runner/kube-browser.js';
import { KubeRunner, type KubeRunnerBrowserOptions } from '../runner/kube-runner.js';
import { DEFAULT_PORT } from '../server/http-server.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** The flags of `synthctl runner`, as commander hands them over. */
export interface RunnerFlags {
  kubernetes?: boolean;
  location?: string;
  namespace?: string;
  kubeconfig?: string;
  listen: string;
  concurrency?: string;
  logLevel: string;
  browser?: string;
  executablePath?: string;
  maxBrowsers?: string;
  artifacts?: string;
}

/** Validated settings. */
export interface RunnerSettings {
  readonly location: string;
  /** undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly listen: { host: string; port: number } | undefined;
  readonly concurrency: number | undefined;
  readonly logLevel: LogLevel;
  readonly browser: KubeRunnerBrowserOptions;
}

/** What tests inject. */
export interface RunnerCommandDeps {
  readonly kubeConfig?: KubeConfig;
  readonly client?: KubeClient;
  readonly logger?: OperatorLogger;
  readonly registry?: Registry;
  readonly signal?: AbortSignal;
  readonly onListening?: (url: string) => void;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kibana location ids and private location labels: letters, digits, `_`, `-`, `.`, spaces. */
const LOCATION = /^[A-Za-z0-9][A-Za-z0-9_. -]{0,252}$/;

/** `host:port`, `:port` (all interfaces), or `0` to disable. */
export function parseListen(value: string): { host: string; port: number } | undefined {
  if (value === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port > 65535)
    throw new UsageError(`--listen ${value}: expected host:port (0.0.0.0:9464), :port, or 0 to disable`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Checks the flags. */
export function runnerSettings(flags: RunnerFlags): RunnerSettings {
  if (flags.kubernetes !== true)
    throw new UsageError(
      'runner needs --kubernetes (monitors from the cluster); run monitors from files with synthctl run',
    );
  const location = flags.location?.trim() ?? '';
  if (location === '')
    throw new UsageError(
      '--location is required: the runner runs the monitors that name it in locations or privateLocations',
    );
  if (!LOCATION.test(location))
    throw new UsageError(`--location ${location}: expected letters, digits, "_", "-", "." (e.g. eu_west)`);
  if (flags.namespace !== undefined && flags.namespace !== '' && !DNS_LABEL.test(flags.namespace))
    throw new UsageError(
      `--namespace ${flags.namespace}: not a namespace name (lower-case letters, digits and "-")`,
    );
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)
      throw new UsageError(`--concurrency ${flags.concurrency}: expected a whole number from 1 to 10000`);
  }
  const mode = flags.browser ?? 'auto';
  if (!(BROWSER_MODES as readonly string[]).includes(mode))
    throw new UsageError(`--browser ${mode}: expected one of ${BROWSER_MODES.join(', ')}`);
  let maxBrowsers: number | undefined;
  if (flags.maxBrowsers !== undefined) {
    maxBrowsers = Number(flags.maxBrowsers);
    if (!Number.isInteger(maxBrowsers) || maxBrowsers < 1 || maxBrowsers > 64)
      throw new UsageError(`--max-browsers ${flags.maxBrowsers}: expected a whole number from 1 to 64`);
  }
  if (flags.executablePath?.trim() === '')
    throw new UsageError('--executable-path is empty: expected the path of Chromium (/usr/bin/chromium)');
  const artifacts = flags.artifacts?.trim();
  if (artifacts === '') throw new UsageError('--artifacts is empty: expected a folder, or none');
  if (!(LOG_LEVELS as readonly string[]).includes(flags.logLevel))
    throw new UsageError(`--log-level ${flags.logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  return {
    location,
    namespace: flags.namespace === undefined || flags.namespace === '' ? undefined : flags.namespace,
    kubeconfig: flags.kubeconfig,
    listen: parseListen(flags.listen),
    concurrency,
    logLevel: flags.logLevel as LogLevel,
    browser: {
      mode: mode as BrowserMode,
      ...(flags.executablePath === undefined ? {} : { executablePath: flags.executablePath }),
      ...(maxBrowsers === undefined ? {} : { maxBrowsers }),
      ...(artifacts === undefined ? {} : { artifactsDir: artifacts === 'none' ? false : artifacts }),
    },
  };
}

/** Registers `synthctl runner`. */
export function registerRunner(program: Command, context: CommandContext): void {
  program
    .command('runner')
    .description(
      'Run the SyntheticMonitors assigned to a location from the cluster, and show their up/down state in their status.',
    )
    .option('--kubernetes', 'read SyntheticMonitors and SyntheticsProjects from the Kubernetes API')
    .option('--location <name>', 'this runner\u2019s location (required)')
    .option('--namespace <name>', 'watch only this namespace (default: all namespaces)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option(
      '--listen <host:port>',
      'where /metrics, /healthz, /readyz and /api listen; 0 disables',
      `0.0.0.0:${DEFAULT_PORT}`,
    )
    .option('--concurrency <n>', 'checks running at once')
    .option(
      '--browser <mode>',
      'browser monitors (inline and configMapRef journeys): auto (when Chromium is found), on, off',
      'auto',
    )
    .option('--executable-path <path>', 'the Chromium to run (default /usr/bin/chromium)')
    .option(
      '--max-browsers <n>',
      'journeys at once (default: the container\u2019s CPU limit, at most half its memory limit at 512 MB each, 1 to 8)',
    )
    .option(
      '--artifacts <dir>',
      'where screenshots, traces and videos go (default .synthctl/artifacts), or "none"',
    )
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .action(async (flags: RunnerFlags) => {
      context.setExitCode(await runnerCommand(flags, context));
    });
}

/** Runs the in-cluster runner until SIGTERM/SIGINT (or `deps.signal`); returns the exit code. */
export async function runnerCommand(
  flags: RunnerFlags,
  context: CommandContext,
  deps: RunnerCommandDeps = {},
): Promise<number> {
  const settings = runnerSettings(flags);
  const kubeConfig = deps.kubeConfig ?? loadKubeConfig('runner', settings.kubeconfig, context.stderr);
  if (kubeConfig === undefined) return EXIT.usage;
  const logger = deps.logger ?? createOperatorLogger({ level: settings.logLevel });
  // The runner's Prometheus sink registers the process metrics itself.
  const registry = deps.registry ?? new Registry();
  const controller = new AbortController();
  const stop = (): void => {
    logger.info({}, 'signal received; shutting down');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const signal =
    deps.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, deps.signal]);
  try {
    const runner = new KubeRunner({
      kubeConfig,
      client: deps.client ?? new ClientNodeKubeClient(kubeConfig, { component: 'synthctl-runner' }),
      location: settings.location,
      ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
      logger,
      registry,
      ...(settings.listen === undefined ? {} : { listen: settings.listen }),
      ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
      env: context.env,
      // Relative --artifacts paths are the working directory's, as for `synthctl run`.
      browser: { ...settings.browser, cwd: context.cwd },
      // The HTTP server logs its own address.
      ...(deps.onListening === undefined ? {} : { onListening: deps.onListening }),
    });
    logger.info(
      {
        location: settings.location,
        namespace: settings.namespace ?? '(all)',
        browser: runner.browser.enabled ? runner.browser.executablePath : 'off',
      },
      runner.browser.enabled
        ? 'runner starting'
        : `runner starting; ${runner.browser.reason ?? 'browser monitors off'}`,
    );
    await runner.run(signal);
    logger.info({}, 'exiting');
    return EXIT.ok;
  } catch (error) {
    context.stderr.write(`synthctl runner: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
