/**
 * `synthctl operator`: flags, then the operator process (src/operator/operator.ts) with
 * informers, work queues, leader election and `/healthz`, `/readyz`, `/metrics`; SIGTERM and
 * SIGINT stop it cleanly (workers drain, the lease is released).
 *
 * The reconcilers are the Kibana project and monitor reconcilers
 * (src/operator/project-reconciler.ts, monitor-reconciler.ts); tests may inject others through
 * {@link OperatorCommandDeps.reconcilers}.
 */
import { hostname } from 'node:os';
import { loadKubeConfig } from './kube-config.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ClientNodeKubeClient, type KubeClient } from '../operator/kube-client.js';
import { createOperatorLogger, LOG_LEVELS, type LogLevel, type OperatorLogger } from '../operator/logger.js';
import { createReconcilers } from '../operator/monitor-reconciler.js';
import { Operator, type OperatorDeps, type OperatorReconcilers } from '../operator/operator.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** The flags of `synthctl operator`, as commander hands them over. */
export interface OperatorFlags {
  kubeconfig?: string;
  namespace?: string;
  leaderElect?: boolean;
  leaseName: string;
  leaseNamespace?: string;
  metricsAddr: string;
  workers: string;
  logLevel: string;
}

/** Validated settings. */
export interface OperatorSettings {
  readonly kubeconfig: string | undefined;
  /** undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly leaderElect: boolean;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly listen: { host: string; port: number } | undefined;
  readonly workers: number;
  readonly logLevel: LogLevel;
  readonly identity: string;
}

/** What tests inject. */
export interface OperatorCommandDeps {
  /** Builds the reconcilers (default: the Kibana project and monitor reconcilers). */
  readonly reconcilers?: (deps: OperatorDeps) => OperatorReconcilers;
  readonly kubeConfig?: KubeConfig;
  readonly client?: KubeClient;
  readonly logger?: OperatorLogger;
  readonly registry?: Registry;
  readonly signal?: AbortSignal;
  readonly onListening?: (url: string) => void;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** `host:port`, `:port` (all interfaces, as controller-runtime), or `0` to disable. */
export function parseMetricsAddr(value: string): { host: string; port: number } | undefined {
  if (value === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port > 65535)
    throw new UsageError(
      `--metrics-addr ${value}: expected host:port (127.0.0.1:8080), :port, or 0 to disable`,
    );
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Checks the flags and fills in defaults from the environment (POD_NAME, POD_NAMESPACE). */
export function operatorSettings(
  flags: OperatorFlags,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string | undefined = tryRead,
): OperatorSettings {
  const workers = Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError(`--workers ${flags.workers}: expected a whole number from 1 to 64`);
  if (!(LOG_LEVELS as readonly string[]).includes(flags.logLevel))
    throw new UsageError(`--log-level ${flags.logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  if (flags.namespace !== undefined && flags.namespace !== '' && !DNS_LABEL.test(flags.namespace))
    throw new UsageError(
      `--namespace ${flags.namespace}: not a namespace name (lower-case letters, digits and "-")`,
    );
  if (!DNS_SUBDOMAIN.test(flags.leaseName))
    throw new UsageError(`--lease-name ${flags.leaseName}: not a valid object name`);
  const leaseNamespace =
    flags.leaseNamespace ?? env['POD_NAMESPACE'] ?? readFile(SERVICE_ACCOUNT_NAMESPACE)?.trim() ?? 'default';
  if (!DNS_LABEL.test(leaseNamespace))
    throw new UsageError(`--lease-namespace ${leaseNamespace}: not a namespace name`);
  return {
    kubeconfig: flags.kubeconfig,
    namespace: flags.namespace === undefined || flags.namespace === '' ? undefined : flags.namespace,
    leaderElect: flags.leaderElect === true,
    leaseName: flags.leaseName,
    leaseNamespace,
    listen: parseMetricsAddr(flags.metricsAddr),
    workers,
    logLevel: flags.logLevel as LogLevel,
    // client-go's default identity: hostname plus a UUID, so restarts never collide.
    identity: env['POD_NAME'] ?? `${hostname()}_${randomUUID()}`,
  };
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Registers `synthctl operator`. */
export function registerOperator(program: Command, context: CommandContext): void {
  program
    .command('operator')
    .description(
      'Run the Kubernetes operator: reconcile SyntheticsProject and SyntheticMonitor resources into Kibana.',
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--namespace <name>', 'watch only this namespace (default: all namespaces)')
    .option('--leader-elect', 'elect one active replica through a coordination.k8s.io Lease')
    .option('--lease-name <name>', 'name of the Lease', 'synthctl-operator')
    .option(
      '--lease-namespace <name>',
      'namespace of the Lease (default: $POD_NAMESPACE, the service account namespace, or default)',
    )
    .option(
      '--metrics-addr <host:port>',
      'where /healthz, /readyz and /metrics listen; 0 disables',
      '127.0.0.1:8080',
    )
    .option('--workers <n>', 'concurrent reconciles per kind (1-64)', '2')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .action(async (flags: OperatorFlags) => {
      context.setExitCode(await operatorCommand(flags, context));
    });
}

/** Runs the operator until SIGTERM/SIGINT (or `deps.signal`); returns the exit code. */
export async function operatorCommand(
  flags: OperatorFlags,
  context: CommandContext,
  deps: OperatorCommandDeps = {},
): Promise<number> {
  const settings = operatorSettings(flags, context.env);
  const kubeConfig = deps.kubeConfig ?? loadKubeConfig('operator', settings.kubeconfig, context.stderr);
  if (kubeConfig === undefined) return EXIT.usage;
  const logger = deps.logger ?? createOperatorLogger({ level: settings.logLevel });
  const registry = deps.registry ?? new Registry();
  if (deps.registry === undefined) collectDefaultMetrics({ register: registry });
  const client = deps.client ?? new ClientNodeKubeClient(kubeConfig);
  const controller = new AbortController();
  const stop = (): void => {
    logger.info({}, 'signal received; shutting down');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let closeReconcilers: (() => Promise<void>) | undefined;
  const reconcilers =
    deps.reconcilers ??
    ((operatorDeps: OperatorDeps): OperatorReconcilers => {
      const built = createReconcilers(operatorDeps, { registry, env: context.env });
      closeReconcilers = () => built.projects.close();
      return built;
    });
  const signal =
    deps.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, deps.signal]);
  try {
    const operator = new Operator({
      kubeConfig,
      client,
      ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
      ...(settings.leaderElect
        ? {
            leaderElection: {
              namespace: settings.leaseNamespace,
              name: settings.leaseName,
              identity: settings.identity,
            },
          }
        : {}),
      ...(settings.listen === undefined ? {} : { listen: settings.listen }),
      workers: settings.workers,
      logger,
      registry,
      reconcilers,
      onListening: (url) => {
        logger.info({ url }, 'serving /healthz, /readyz and /metrics');
        deps.onListening?.(url);
      },
    });
    logger.info(
      {
        namespace: settings.namespace ?? '(all)',
        leaderElect: settings.leaderElect,
        identity: settings.identity,
        workers: settings.workers,
      },
      'operator starting',
    );
    const outcome = await operator.run(signal);
    if (outcome === 'lost') {
      logger.error({}, 'leadership lost; exiting so a fresh process campaigns again');
      return EXIT.failure;
    }
    logger.info({}, 'operator stopped');
    return EXIT.ok;
  } catch (error) {
    context.stderr.write(`synthctl operator: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  } finally {
    await closeReconcilers?.();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
