/**
 * One result record per attempt, the unit every sink consumes (Prometheus, SQLite history,
 * NDJSON, and later Elasticsearch). Field meanings follow Heartbeat's summary documents.
 */
import type { MonitorType } from '../model/schema.js';
import type { CheckOutcome } from '../checks/types.js';

/** One attempt of one monitor at one location. */
export interface ResultRecord extends CheckOutcome {
  monitorId: string;
  monitorName: string;
  monitorType: MonitorType;
  location: string;
  /** One id per scheduled run, shared by its attempts (Heartbeat `monitor.check_group`). */
  checkGroup: string;
  attempt: number;
  maxAttempts: number;
  /** True on the attempt whose verdict counts (Heartbeat `summary.final_attempt`). */
  finalAttempt: boolean;
  status: 'up' | 'down';
  startedAt: string;
  endedAt: string;
  tags: string[];
  labels: Record<string, string>;
}

/** A consumer of results. `write` must not throw; `close` flushes. */
export interface ResultSink {
  readonly name: string;
  write(record: ResultRecord): void;
  close(): Promise<void>;
  /** Forgets a monitor that is no longer run (e.g. drops its Prometheus series). Optional. */
  removeMonitor?(monitorId: string): void;
}
