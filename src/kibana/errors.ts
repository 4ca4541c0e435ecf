/**
 * Errors of the Kibana client, classified at the edge: transient ones are retried with backoff
 * (and may succeed later, e.g. in the next reconcile), terminal ones are reported and not
 * retried hot. No message, field or cause carries the API key.
 */

/** HTTP statuses Kibana (or a proxy in front of it) answers when trying again later can work. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Socket-level error codes worth a retry: the connection broke, nobody listened, or it timed out. */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** What every Kibana client error tells its caller. */
export abstract class KibanaError extends Error {
  /** HTTP method of the failed call. */
  readonly method: string;
  /** Route template, e.g. `/api/synthetics/project/{projectId}/monitors/_bulk_update`. */
  readonly route: string;
  /** The attempt (1-based) that produced this error. */
  readonly attempt: number;
  /** True when retrying later can succeed; false when the request itself is wrong. */
  abstract readonly transient: boolean;

  constructor(message: string, opts: { method: string; route: string; attempt: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.method = opts.method;
    this.route = opts.route;
    this.attempt = opts.attempt;
  }
}

/** Kibana answered with a non-2xx status. */
export class KibanaHttpError extends KibanaError {
  override readonly name = 'KibanaHttpError';
  readonly status: number;
  /** Kibana's `message` (or `error`) from the JSON error body, when there was one. */
  readonly kibanaMessage: string | undefined;
  /** Delay Kibana asked for with `Retry-After`, in milliseconds (uncapped). */
  readonly retryAfterMs: number | undefined;
  readonly transient: boolean;

  constructor(opts: {
    method: string;
    route: string;
    attempt: number;
    status: number;
    kibanaMessage?: string | undefined;
    retryAfterMs?: number | undefined;
  }) {
    const hint =
      opts.status === 401
        ? ' (check the API key)'
        : opts.status === 403
          ? ' (the API key lacks Synthetics privileges in this space)'
          : opts.status === 404 && opts.kibanaMessage === undefined
            ? ' (check the Kibana URL and space)'
            : '';
    super(
      `Kibana ${opts.method} ${opts.route} answered ${opts.status}${opts.kibanaMessage ? `: ${opts.kibanaMessage}` : ''}${hint} (attempt ${opts.attempt})`,
      opts,
    );
    this.status = opts.status;
    this.kibanaMessage = opts.kibanaMessage;
    this.retryAfterMs = opts.retryAfterMs;
    this.transient = TRANSIENT_STATUSES.has(opts.status);
  }
}

/** The request did not complete: connection refused or reset, TLS failure, timeout. */
export class KibanaNetworkError extends KibanaError {
  override readonly name = 'KibanaNetworkError';
  /** The socket or undici error code, e.g. `ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`. */
  readonly code: string | undefined;
  readonly transient: boolean;

  constructor(opts: {
    method: string;
    route: string;
    attempt: number;
    code?: string | undefined;
    detail: string;
    cause?: unknown;
    /** False for non-idempotent calls whose request may already have reached Kibana. */
    retryable?: boolean;
  }) {
    super(`Kibana ${opts.method} ${opts.route} failed: ${opts.detail} (attempt ${opts.attempt})`, opts);
    this.code = opts.code;
    this.transient =
      (opts.retryable ?? true) && opts.code !== undefined && TRANSIENT_NETWORK_CODES.has(opts.code);
  }
}

/** Kibana answered 2xx with a body that is too large or not the documented shape. */
export class KibanaResponseError extends KibanaError {
  override readonly name = 'KibanaResponseError';
  readonly transient = false;

  constructor(opts: { method: string; route: string; attempt: number; detail: string; cause?: unknown }) {
    super(`Kibana ${opts.method} ${opts.route} returned an unusable response: ${opts.detail}`, opts);
  }
}

/** True for errors worth retrying with backoff. Aborts and programming errors are not. */
export function isTransientKibanaError(err: unknown): boolean {
  return err instanceof KibanaError && err.transient;
}
