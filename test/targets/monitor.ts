/** Builds RunnableMonitors for check tests. */
import type { SyntheticMonitorSpec } from '../../src/model/schema.js';
import type { RunnableMonitor } from '../../src/checks/types.js';

/** A runnable monitor around `spec` (timeout 5s unless given). */
export function runnable(spec: SyntheticMonitorSpec, timeoutMs = 5000): RunnableMonitor {
  const type =
    spec.http !== undefined
      ? 'http'
      : spec.tcp !== undefined
        ? 'tcp'
        : spec.icmp !== undefined
          ? 'icmp'
          : 'browser';
  return {
    id: 'default-test',
    name: 'test',
    type,
    scheduleMs: 60_000,
    timeoutMs,
    locations: ['local'],
    retestOnFailure: false,
    tags: [],
    labels: {},
    enabled: true,
    spec,
  };
}
