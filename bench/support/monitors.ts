/**
 * Monitors for the runner benchmarks, built the way `synthctl run` builds them: a
 * SyntheticMonitor resource through `toRunnable` (defaults applied), pointing at the loopback
 * target.
 */
import type { RunnableMonitor } from '../../src/checks/types.js';
import { toRunnable } from '../../src/model/defaults.js';
import type { SyntheticMonitor } from '../../src/model/schema.js';

/** The lightweight check kinds the benchmarks compare. */
export type BenchKind = 'http' | 'tcp';

/** `count` monitors named `bench-<i>`; `target` is the URL (http) or `host:port` (tcp). */
export function benchMonitors(
  kind: BenchKind,
  target: string,
  count: number,
  options: { schedule?: string; timeout?: string; prefix?: string } = {},
): RunnableMonitor[] {
  const monitors: RunnableMonitor[] = [];
  for (let i = 0; i < count; i++) {
    const resource: SyntheticMonitor = {
      apiVersion: 'synthctl.dev/v1alpha1',
      kind: 'SyntheticMonitor',
      metadata: { name: `${options.prefix ?? 'bench'}-${i}`, namespace: 'bench' },
      spec: {
        schedule: options.schedule ?? '10s',
        timeout: options.timeout ?? '5s',
        retestOnFailure: false,
        ...(kind === 'http' ? { http: { url: target } } : { tcp: { host: target } }),
      },
    };
    monitors.push(toRunnable(resource));
  }
  return monitors;
}
