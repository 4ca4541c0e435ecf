/**
 * The `InvalidSpec` path (issue 4 item 3): a SyntheticMonitor that fails synthctl's own
 * checks (schema and CEL — the CRD in the cluster may be older than the operator — and the
 * semantic checks `synthctl validate` runs) gets `Ready=False` with reason `InvalidSpec` and
 * the diagnostics in the message, and is not retried hot: the next change to its spec (a new
 * generation) or the periodic resync brings it back.
 */
import type { Diagnostic } from '../model/diagnostics.js';
import { ResourceValidator } from '../model/resource-validator.js';
import type { SyntheticMonitor } from '../model/schema.js';
import { checkSemantics } from '../model/semantic.js';
import type { KubeClient, KubeObject, ResourceRef } from './kube-client.js';
import { setConditions } from './status.js';

/** Diagnostics codes that need the Git checkout (journey files), which a cluster does not have. */
const NEEDS_FILES = new Set([
  'browser.journey-missing',
  'browser.journey-import',
  'browser.journey-syntax',
  'browser.journey-empty',
]);

/** Results kept at most; past that the memo starts over (a memo, not a store). */
const MAX_REMEMBERED = 50_000;

/**
 * Checks monitors as `synthctl validate` would, without files. Create once, reuse (building it
 * compiles the schemas). Results are remembered per object identity, generation, labels and
 * annotations — what the checks read that can change: every project reconcile checks all its
 * monitors, and re-validating 250 unchanged specs per spec change was most of a reconcile.
 */
export class MonitorSpecChecker {
  readonly #validator = new ResourceValidator();
  readonly #memo = new Map<string, Diagnostic[]>();

  /** The errors of one monitor object (warnings and notices are not reasons to refuse it). */
  check(object: KubeObject): Diagnostic[] {
    const { uid, generation, labels, annotations } = object.metadata;
    if (uid === undefined || generation === undefined) return this.#check(object);
    const key = `${uid}\u0000${String(generation)}\u0000${JSON.stringify(labels ?? {})}\u0000${JSON.stringify(annotations ?? {})}`;
    const known = this.#memo.get(key);
    if (known !== undefined) return known;
    const diagnostics = this.#check(object);
    if (this.#memo.size >= MAX_REMEMBERED) this.#memo.clear();
    this.#memo.set(key, diagnostics);
    return diagnostics;
  }

  #check(object: KubeObject): Diagnostic[] {
    const name = object.metadata.name;
    const namespace = object.metadata.namespace;
    const id = `SyntheticMonitor/${namespace === undefined ? '' : `${namespace}/`}${name}`;
    const locate = (): { line: number; column: number } => ({ line: 0, column: 0 });
    // Status is the operator's; the server-managed metadata fields are not the user's input.
    const { status: _status, ...rest } = object as KubeObject & Record<string, unknown>;
    const input = {
      ...rest,
      apiVersion: object.apiVersion ?? 'synthctl.dev/v1alpha1',
      kind: 'SyntheticMonitor',
      metadata: {
        name,
        ...(namespace === undefined ? {} : { namespace }),
        ...(object.metadata.labels === undefined ? {} : { labels: object.metadata.labels }),
        ...(object.metadata.annotations === undefined ? {} : { annotations: object.metadata.annotations }),
      },
    };
    const schema = this.#validator.validate({
      kind: 'SyntheticMonitor',
      apiVersion: input.apiVersion,
      name,
      namespace,
      id,
      object: input,
      file: id,
      document: 0,
      position: { line: 0, column: 0 },
      locate,
    });
    const errors = schema.filter((d) => d.severity === 'error');
    if (errors.length > 0) return errors;
    return checkSemantics({
      resources: [{ resource: input as unknown as SyntheticMonitor, file: id, locate }],
      readFile: () => undefined,
    }).filter((d) => d.severity === 'error' && !NEEDS_FILES.has(d.code ?? ''));
  }
}

/** One line per diagnostic: `spec.http.url: message (hint)`, bounded for a condition message. */
export function describeDiagnostics(diagnostics: readonly Diagnostic[], limit = 20): string {
  const lines = diagnostics
    .slice(0, limit)
    .map(
      (d) => `${d.path === '' ? '' : `${d.path}: `}${d.message}${d.hint === undefined ? '' : ` (${d.hint})`}`,
    );
  if (diagnostics.length > limit) lines.push(`… and ${diagnostics.length - limit} more`);
  return lines.join('; ');
}

/**
 * Writes `Ready=False, reason=InvalidSpec` (and `Synced=False`) with the diagnostics, with
 * `observedGeneration`, skipping the write when nothing changed. Returns true when written.
 */
export async function reportInvalidSpec(
  client: KubeClient,
  ref: ResourceRef,
  object: KubeObject,
  diagnostics: readonly Diagnostic[],
  options: { now: number; signal: AbortSignal },
): Promise<boolean> {
  const generation = object.metadata.generation;
  const message = describeDiagnostics(diagnostics);
  const status = { ...(object.status ?? {}) } as Record<string, unknown>;
  const conditions = setConditions(
    status['conditions'] as Parameters<typeof setConditions>[0],
    [
      { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
      { type: 'Synced', status: 'False', reason: 'InvalidSpec', message: 'not synced: the spec is invalid' },
    ],
    { now: options.now, ...(generation === undefined ? {} : { observedGeneration: generation }) },
  );
  const next = {
    ...status,
    conditions,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
  return (await client.patchStatus(ref, object, next, options.signal)) !== undefined;
}

/**
 * The InvalidSpec step of a monitor reconcile: when the monitor fails the checks, write the
 * status (no-op writes skipped), record one Warning Event per written status, and report it
 * handled, so the reconcile returns without an error (no hot loop).
 */
export class InvalidSpecGuard {
  readonly #client: KubeClient;
  readonly #checker: MonitorSpecChecker;
  readonly #now: () => number;

  constructor(options: { client: KubeClient; checker?: MonitorSpecChecker; now?: () => number }) {
    this.#client = options.client;
    this.#checker = options.checker ?? new MonitorSpecChecker();
    this.#now = options.now ?? Date.now;
  }

  /** True when the monitor is invalid and its status now says so. */
  async handle(ref: ResourceRef, object: KubeObject, signal: AbortSignal): Promise<boolean> {
    const diagnostics = this.#checker.check(object);
    if (diagnostics.length === 0) return false;
    const written = await reportInvalidSpec(this.#client, ref, object, diagnostics, {
      now: this.#now(),
      signal,
    });
    if (written)
      await this.#client.recordEvent(
        {
          involved: object,
          type: 'Warning',
          reason: 'InvalidSpec',
          message: describeDiagnostics(diagnostics, 5),
        },
        signal,
      );
    return true;
  }
}
