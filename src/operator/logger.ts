/**
 * JSON logs (pino) for the operator: every reconcile's lines carry its `reconcileId`, and a
 * redaction list keeps secret material out of the logs (DESIGN.md: secrets never log).
 */
import { pino, type DestinationStream, type Level } from 'pino';

/** The logging surface the operator uses; a pino logger satisfies it. */
export interface OperatorLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): OperatorLogger;
}

/**
 * Paths pino censors wherever they appear in a logged object: Secret data, API keys, tokens,
 * passwords, authorization headers. Censoring is by key name, so a value under any of these
 * keys never reaches the output even when a caller logs a whole object by mistake.
 */
export const REDACT_PATHS: readonly string[] = [
  'data',
  'stringData',
  '*.data',
  '*.stringData',
  '*.*.data',
  '*.*.stringData',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'token',
  '*.token',
  'password',
  '*.password',
  '*.*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.Authorization',
  '*.headers.Authorization',
  'secret',
  '*.secret',
  'value',
  '*.value',
];

/** The log levels `--log-level` accepts. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A pino JSON logger with the redaction list, writing to `destination` (stdout by default). */
export function createOperatorLogger(
  options: { level?: LogLevel; destination?: DestinationStream } = {},
): OperatorLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { component: 'synthctl-operator' },
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label as Level }) },
    },
    options.destination,
  );
}

/** A logger that drops everything. */
export function silentOperatorLogger(): OperatorLogger {
  const logger: OperatorLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}
