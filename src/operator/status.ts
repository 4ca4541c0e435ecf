/**
 * metav1.Condition helpers (`k8s.io/apimachinery/pkg/api/meta` `SetStatusCondition`): a
 * condition keeps its `lastTransitionTime` while its status does not change, and every
 * condition records the generation it was computed for.
 */
import type { Condition } from '../model/schema.js';

/** The condition a reconciler wants; time and generation are filled in by {@link setCondition}. */
export type DesiredCondition = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns `conditions` with `desired` set: a new condition gets `lastTransitionTime = now`;
 * an existing one keeps its `lastTransitionTime` unless its status changes. Other conditions
 * are kept in order. Never mutates its input.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  desired: DesiredCondition,
  options: { now: number; observedGeneration?: number },
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === desired.type);
  const existing = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: desired.type,
    status: desired.status,
    reason: desired.reason,
    message: truncateMessage(desired.message),
    lastTransitionTime:
      existing !== undefined && existing.status === desired.status
        ? existing.lastTransitionTime
        : formatTime(options.now),
    ...(options.observedGeneration === undefined ? {} : { observedGeneration: options.observedGeneration }),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** Sets several conditions at once (same rules as {@link setCondition}). */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  options: { now: number; observedGeneration?: number },
): Condition[] {
  let list = [...(conditions ?? [])];
  for (const d of desired) list = setCondition(list, d, options);
  return list;
}

/** The condition of `type`, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` has status `True`. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** The schema's bound on a condition message (32768), with room for an ellipsis. */
export const MAX_CONDITION_MESSAGE = 32768;

function truncateMessage(message: string): string {
  return message.length <= MAX_CONDITION_MESSAGE
    ? message
    : `${message.slice(0, MAX_CONDITION_MESSAGE - 1)}…`;
}

/** Deep equality of JSON values with key order ignored: the test for a no-op status write. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
