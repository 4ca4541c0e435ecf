/**
 * The contract between the scheduler and the checks. A check gets a resolved monitor and an
 * AbortSignal and returns facts; it never throws for a down target (that is a result), only
 * for programming errors. Each check type (http, tcp, icmp, browser) implements `Check`.
 */
import type { MonitorType } from '../model/schema.js';

/** Resolves secret and value references at run time (env, Kubernetes Secrets, ConfigMaps). */
export interface SecretResolver {
  /** Returns the value or throws a SecretResolutionError naming the reference (never the value). */
  resolve(
    ref: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      configMapKeyRef?: { name: string; key: string };
      env?: string;
    },
    namespace: string | undefined,
  ): Promise<string | undefined>;
}

/** Why a check failed, in the classes Heartbeat uses for `error.type`. */
export const ERROR_TYPES = [
  'io',
  'validate',
  'tls',
  'dns',
  'timeout',
  'config',
  'browser',
  'internal',
] as const;
export type CheckErrorType = (typeof ERROR_TYPES)[number];

/** Phase timings in milliseconds (blackbox_exporter `probe_http_duration_seconds{phase}`). */
export interface PhaseTimings {
  resolve?: number;
  connect?: number;
  tls?: number;
  processing?: number;
  transfer?: number;
}

/** Facts about the server certificate of a TLS check. */
export interface CertificateFacts {
  subject: string;
  commonName?: string;
  issuer: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  /** Earliest notAfter of the presented chain, epoch seconds (probe_ssl_earliest_cert_expiry). */
  earliestExpiry: number;
  daysLeft: number;
  serialNumber?: string;
  fingerprint256?: string;
  tlsVersion?: string;
  cipher?: string;
}

/** What one attempt of a check observed. */
export interface CheckOutcome {
  up: boolean;
  /** Total duration of the attempt, ms. */
  durationMs: number;
  /** One precise human sentence when down: `expected status 200, got 503`. */
  error?: { type: CheckErrorType; message: string };
  timings?: PhaseTimings;
  /** The address actually checked. */
  ip?: string;
  certificate?: CertificateFacts;
  http?: {
    statusCode?: number;
    httpVersion?: string;
    redirects: number;
    finalUrl?: string;
    contentLength?: number;
    headers?: Record<string, string>;
    body?: string;
    /** True when a body regex assertion failed (probe_failed_due_to_regex). */
    failedDueToRegex?: boolean;
  };
  tcp?: { connectMs?: number; received?: string };
  icmp?: {
    sent: number;
    received: number;
    rttMinMs?: number;
    rttAvgMs?: number;
    rttMaxMs?: number;
    /** Fraction of echo requests without a reply, 0..1. */
    loss: number;
  };
  /** Journeys and steps of a browser check, with links to their screenshots, traces and video. */
  browser?: import('../journey/results.js').BrowserOutcome;
  /** `mode: all`: one outcome per address checked; the top level is the first failing one. */
  addresses?: CheckOutcome[];
}

/** A monitor ready to run: defaults applied, identity derived. */
export interface RunnableMonitor {
  /** The journey id (stable identity). */
  id: string;
  name: string;
  type: MonitorType;
  /** Kubernetes namespace, when the monitor came from a cluster (for Secret lookups). */
  namespace?: string;
  scheduleMs: number;
  timeoutMs: number;
  locations: string[];
  retestOnFailure: boolean;
  tags: string[];
  labels: Record<string, string>;
  enabled: boolean;
  /** The spec as written (with defaults), for the check to read its type block. */
  spec: import('../model/schema.js').SyntheticMonitorSpec;
  /** Where it was declared, for messages. */
  source?: { file: string; line: number };
}

/** The run an attempt belongs to, when the caller knows it (browser artifacts are filed by it). */
export interface CheckRunContext {
  /** Heartbeat `monitor.check_group`, shared by the attempts of one run. */
  checkGroup: string;
  attempt: number;
}

/** A check implementation. */
export interface Check {
  readonly type: MonitorType;
  run(monitor: RunnableMonitor, signal: AbortSignal, context?: CheckRunContext): Promise<CheckOutcome>;
}
