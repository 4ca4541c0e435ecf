/**
 * `applyPlan`: executes a {@link Plan} against Kibana. Order matters for references and
 * safety:
 * 1. params create/update, so `${param}` references in monitors resolve when Kibana stores them;
 * 2. type changes: `_bulk_delete` of the old monitor (Kibana refuses a type change, elastic.md §3);
 * 3. `_bulk_update` in batches within Kibana's limits (250 browser or 1500 lightweight monitors
 *    and 50 MB per request, `add_monitor_project.ts`; push's `getSizedBatches`); `failedMonitors`
 *    are reported per monitor while the other monitors and batches proceed;
 * 4. prune with `_bulk_delete` (≤ 500 ids, only this project id), only when the plan allows it;
 * 5. owned params no longer referenced.
 * Every step is computed from live state by the plan, so an apply interrupted between batches
 * converges on the next run: Kibana matches monitors by journey id (no duplicates) and nothing
 * is deleted that the input still declares. Nothing changed → no write request at all.
 */
import { PROJECT_LIMITS, type FailedMonitor, type KibanaApi } from './client.js';
import { isTransientKibanaError } from './errors.js';
import type { MonitorPlan, Plan } from './plan.js';
import type { ProjectMonitorPayload } from './translate.js';

/** Kibana's (and push's) byte budget per `_bulk_update` (`MAX_PAYLOAD_SIZE_KB = 50_000`). */
export const MAX_BATCH_BYTES = 50_000_000;

/** A progress event for the CLI or the operator. */
export type ApplyProgress =
  | { phase: 'params'; done: number; total: number }
  | { phase: 'replace'; done: number; total: number }
  | {
      phase: 'upsert';
      batch: number;
      batches: number;
      done: number;
      total: number;
      failed: number;
    }
  | { phase: 'prune'; done: number; total: number }
  | { phase: 'params-prune'; done: number; total: number };

/** One monitor (or param) that did not apply. */
export interface ApplyFailure {
  readonly id: string;
  readonly reason: string;
  readonly details?: string;
}

/** What `applyPlan` did. */
export interface ApplyResult {
  readonly created: string[];
  readonly updated: string[];
  readonly deleted: string[];
  readonly replaced: string[];
  readonly failed: ApplyFailure[];
  readonly params: { created: string[]; updated: string[]; deleted: string[] };
  /** Why prune did not run, when the plan listed deletes. */
  readonly pruneRefused?: string;
  /** Monitors the plan could not apply (translation errors, unknown locations, …). */
  readonly planErrors: number;
  /** True when everything planned was applied. */
  readonly ok: boolean;
}

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  readonly api: KibanaApi;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ApplyProgress) => void;
  /** Upper bound of monitors per `_bulk_update` below Kibana's (tests, slow proxies). */
  readonly maxBatchSize?: number;
  /** Upper bound of request bytes per `_bulk_update` (default 50 MB). */
  readonly maxBatchBytes?: number;
}

/** Splits payloads into `_bulk_update` batches within Kibana's count and byte limits. */
export function batchPayloads(
  payloads: readonly ProjectMonitorPayload[],
  limits: { maxBatchSize?: number; maxBatchBytes?: number } = {},
): ProjectMonitorPayload[][] {
  const maxBytes = limits.maxBatchBytes ?? MAX_BATCH_BYTES;
  const batches: ProjectMonitorPayload[][] = [];
  let current: ProjectMonitorPayload[] = [];
  let browser = 0;
  let lightweight = 0;
  let bytes = 0;
  const envelope = Buffer.byteLength('{"monitors":[]}');
  for (const payload of payloads) {
    const size = Buffer.byteLength(JSON.stringify(payload)) + 1;
    const isBrowser = (payload.type as string) === 'browser' || (payload.type as string) === 'api';
    const full =
      current.length > 0 &&
      ((isBrowser && browser + 1 > PROJECT_LIMITS.browserPerRequest) ||
        (!isBrowser && lightweight + 1 > PROJECT_LIMITS.lightweightPerRequest) ||
        (limits.maxBatchSize !== undefined && current.length + 1 > limits.maxBatchSize) ||
        envelope + bytes + size > maxBytes);
    if (full) {
      batches.push(current);
      current = [];
      browser = 0;
      lightweight = 0;
      bytes = 0;
    }
    current.push(payload);
    bytes += size;
    if (isBrowser) browser += 1;
    else lightweight += 1;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Executes `plan`. Throws only on abort; Kibana failures are reported in the result. */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  const { api, signal, onProgress } = options;
  const opts = signal === undefined ? {} : { signal };
  const projectId = plan.projectId;
  const result = {
    created: [] as string[],
    updated: [] as string[],
    deleted: [] as string[],
    replaced: [] as string[],
    failed: [] as ApplyFailure[],
    params: { created: [] as string[], updated: [] as string[], deleted: [] as string[] },
  };
  const fail = (id: string, reason: string, details?: string): void => {
    result.failed.push({ id, reason, ...(details === undefined ? {} : { details }) });
  };
  const rethrowAbort = (error: unknown): void => {
    if (signal?.aborted) throw signal.reason as Error;
    if (error instanceof Error && error.name === 'AbortError') throw error;
  };

  // 1. params
  const failedParams = new Set<string>();
  const paramWrites = plan.params.filter((p) => p.action === 'create' || p.action === 'update');
  let paramsDone = 0;
  const creates = paramWrites.filter((p) => p.action === 'create');
  for (const batch of chunks(creates, 100)) {
    signal?.throwIfAborted();
    const bodies = batch.flatMap((p) => {
      const value = plan.paramValue(p.key);
      if (value === undefined) {
        failedParams.add(p.key);
        fail(p.key, 'param value not resolved');
        return [];
      }
      return [{ key: p.key, value, description: p.description ?? '', tags: [...(p.tags ?? [])] }];
    });
    if (bodies.length === 0) continue;
    try {
      await api.createParams(bodies, opts);
      result.params.created.push(...bodies.map((b) => b.key));
    } catch (error) {
      rethrowAbort(error);
      for (const b of bodies) {
        failedParams.add(b.key);
        fail(b.key, 'param create failed', messageOf(error));
      }
    }
    paramsDone += batch.length;
    onProgress?.({ phase: 'params', done: paramsDone, total: paramWrites.length });
  }
  for (const p of paramWrites.filter((x) => x.action === 'update')) {
    signal?.throwIfAborted();
    const value = plan.paramValue(p.key);
    try {
      if (p.id === undefined || value === undefined) throw new Error('param id or value unknown');
      await api.updateParam(
        p.id,
        {
          ...(p.changed.includes('value') ? { value } : {}),
          ...(p.changed.includes('description') ? { description: p.description ?? '' } : {}),
          ...(p.changed.includes('tags') ? { tags: [...(p.tags ?? [])] } : {}),
        },
        opts,
      );
      result.params.updated.push(p.key);
    } catch (error) {
      rethrowAbort(error);
      failedParams.add(p.key);
      fail(p.key, 'param update failed', messageOf(error));
    }
    paramsDone += 1;
    onProgress?.({ phase: 'params', done: paramsDone, total: paramWrites.length });
  }

  // Monitors whose params failed would store references to nothing (or a stale value).
  const blockedByParams = (m: MonitorPlan): boolean =>
    plan.params.some((p) => failedParams.has(p.key) && p.monitorIds.includes(m.id));
  const writable = plan.monitors.filter(
    (m) =>
      (m.action === 'create' || m.action === 'update' || m.action === 'replace') && m.payload !== undefined,
  );
  const toWrite: MonitorPlan[] = [];
  for (const m of writable) {
    if (blockedByParams(m)) fail(m.id, 'not applied: a param it references failed');
    else toWrite.push(m);
  }

  // 2. type changes: delete the old monitor first.
  const replaces = toWrite.filter((m) => m.action === 'replace');
  const replacedOk = new Set<string>();
  let replaceDone = 0;
  for (const batch of chunks(replaces, PROJECT_LIMITS.deletePerRequest)) {
    signal?.throwIfAborted();
    try {
      await api.bulkDelete(
        projectId,
        batch.map((m) => m.id),
        opts,
      );
      for (const m of batch) replacedOk.add(m.id);
    } catch (error) {
      rethrowAbort(error);
      for (const m of batch) fail(m.id, 'type change: delete of the old monitor failed', messageOf(error));
    }
    replaceDone += batch.length;
    onProgress?.({ phase: 'replace', done: replaceDone, total: replaces.length });
  }

  // 3. creates and updates.
  const upserts = toWrite.filter((m) => m.action !== 'replace' || replacedOk.has(m.id));
  const byId = new Map(upserts.map((m) => [m.id, m]));
  const batches = batchPayloads(
    upserts.map((m) => m.payload!),
    {
      ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
      ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
    },
  );
  let upsertDone = 0;
  let aborted: string | undefined;
  for (const [index, batch] of batches.entries()) {
    signal?.throwIfAborted();
    if (aborted !== undefined) {
      for (const p of batch) fail(p.id, 'not attempted', aborted);
      continue;
    }
    try {
      const answer = await api.bulkUpdate(projectId, batch, opts);
      const failedIds = new Set<string>();
      for (const f of answer.failedMonitors) {
        const id = f.id ?? '(unknown)';
        failedIds.add(id);
        fail(id, f.reason, detailsOf(f));
      }
      for (const p of batch) {
        if (failedIds.has(p.id)) continue;
        const m = byId.get(p.id);
        if (m?.action === 'replace') result.replaced.push(p.id);
        else if (m?.action === 'create') result.created.push(p.id);
        else result.updated.push(p.id);
      }
    } catch (error) {
      rethrowAbort(error);
      for (const p of batch) fail(p.id, 'bulk update failed', messageOf(error));
      // Kibana stayed unavailable through the retries: do not hammer it with the rest.
      if (isTransientKibanaError(error)) aborted = `Kibana unavailable: ${messageOf(error)}`;
    }
    upsertDone += batch.length;
    onProgress?.({
      phase: 'upsert',
      batch: index + 1,
      batches: batches.length,
      done: upsertDone,
      total: upserts.length,
      failed: result.failed.length,
    });
  }

  // 4. prune.
  const deletes = plan.monitors.filter((m) => m.action === 'delete' && m.skipped === undefined);
  let pruneDone = 0;
  if (plan.prune.willDelete && !plan.blocked) {
    for (const batch of chunks(deletes, PROJECT_LIMITS.deletePerRequest)) {
      signal?.throwIfAborted();
      try {
        await api.bulkDelete(
          projectId,
          batch.map((m) => m.id),
          opts,
        );
        result.deleted.push(...batch.map((m) => m.id));
      } catch (error) {
        rethrowAbort(error);
        for (const m of batch) fail(m.id, 'delete failed', messageOf(error));
      }
      pruneDone += batch.length;
      onProgress?.({ phase: 'prune', done: pruneDone, total: deletes.length });
    }
  }

  // 5. params nobody references any more (after the monitors stopped referencing them).
  const paramDeletes = plan.params.filter((p) => p.action === 'delete' && p.skipped === undefined);
  // A monitor whose delete failed may still reference them.
  const pruneFailed = result.failed.some((f) => deletes.some((m) => m.id === f.id));
  if (paramDeletes.length > 0 && !plan.blocked && !pruneFailed) {
    let done = 0;
    for (const batch of chunks(paramDeletes, 100)) {
      signal?.throwIfAborted();
      try {
        const answer = await api.bulkDeleteParams(
          batch.map((p) => p.id!),
          opts,
        );
        const ok = new Set(answer.filter((a) => a.deleted).map((a) => a.id));
        for (const p of batch) {
          if (ok.has(p.id!)) result.params.deleted.push(p.key);
          else fail(p.key, 'param delete failed');
        }
      } catch (error) {
        rethrowAbort(error);
        for (const p of batch) fail(p.key, 'param delete failed', messageOf(error));
      }
      done += batch.length;
      onProgress?.({ phase: 'params-prune', done, total: paramDeletes.length });
    }
  }

  const planErrors =
    plan.monitors.filter((m) => m.action === 'error').length +
    plan.params.filter((p) => p.action === 'error').length;
  const pruneRefused = plan.prune.enabled ? plan.prune.refusal : undefined;
  return {
    ...result,
    ...(pruneRefused === undefined ? {} : { pruneRefused }),
    planErrors,
    ok: result.failed.length === 0 && planErrors === 0 && pruneRefused === undefined && !plan.blocked,
  };
}

function detailsOf(f: FailedMonitor): string {
  return f.details;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
