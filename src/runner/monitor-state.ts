/**
 * Per-monitor state from final attempts, after Heartbeat's monitor state
 * (heartbeat/monitors/wrappers/monitorstate/monitorstate.go): a state has a status
 * (`up`, `down`, or `flap` when the status keeps changing), when it started, counters of the
 * checks inside it, a flap history, and `ends` holding the prior state after a transition.
 * `FlappingThreshold = 3` as in Heartbeat. Non-final attempts never change the state.
 */
import type { MonitorType } from '../model/schema.js';
import type { RunnableMonitor } from '../checks/types.js';
import type { ResultRecord } from './result.js';

/** Heartbeat's `FlappingThreshold`. */
export const FLAPPING_THRESHOLD = 3;

/** `pending` before the first final attempt; `flap` while the status keeps changing. */
export type MonitorStatus = 'pending' | 'up' | 'down' | 'flap' | 'disabled';

/** The state before the last transition (Heartbeat `state.ends`). */
export interface PriorState {
  status: MonitorStatus;
  since: string;
  checks: number;
}

/** What the API and status pages show for one monitor. */
export interface MonitorState {
  monitorId: string;
  monitorName: string;
  monitorType: MonitorType;
  location: string;
  status: MonitorStatus;
  /** When the monitor entered `status` (ISO 8601). */
  since: string;
  /** Verdict of the last final attempt. */
  lastStatus?: 'up' | 'down';
  /** When the last final attempt ended. */
  checkedAt?: string;
  durationMs?: number;
  /** Why the last final attempt was down. */
  message?: string;
  errorType?: string;
  /** Down final attempts in a row. */
  consecutiveFailures: number;
  /** Final attempts inside the current state, and how many were up or down. */
  checks: number;
  up: number;
  down: number;
  /** Statuses seen while the monitor changed state, newest last (Heartbeat `flap_history`). */
  flapHistory: ('up' | 'down')[];
  ends?: PriorState;
  /** Transitions since the runner started. */
  statusChanges: number;
  lastCheckGroup?: string;
  /** When the next scheduled run is due (filled in by the `Runner`). */
  nextRunAt?: string;
  tags: string[];
  labels: Record<string, string>;
}

/** A transition, for listeners (metrics, Kubernetes status, events). */
export interface StatusChange {
  monitorId: string;
  from: MonitorStatus;
  to: MonitorStatus;
  at: string;
}

/** Location of state without results, and flap detection settings. */
export interface MonitorStateTrackerOptions {
  location: string;
  /** Whether `flap` is a status (Heartbeat has it behind a flag); default true. */
  flapping?: boolean;
  threshold?: number;
}

/** Tracks `MonitorState` for every known monitor. Bounded by the monitors it is told about. */
export class MonitorStateTracker {
  readonly #states = new Map<string, MonitorState>();
  readonly #location: string;
  readonly #flapping: boolean;
  readonly #threshold: number;

  constructor(options: MonitorStateTrackerOptions) {
    this.#location = options.location;
    this.#flapping = options.flapping ?? true;
    this.#threshold = options.threshold ?? FLAPPING_THRESHOLD;
  }

  /**
   * Declares the monitors that exist: new ones start `pending` (or `disabled`), known ones keep
   * their state, names and labels follow the definition, monitors absent from the list are
   * forgotten. Returns the ids that were forgotten.
   */
  sync(monitors: readonly RunnableMonitor[], nowIso: string): string[] {
    const wanted = new Map(monitors.map((m) => [m.id, m]));
    const removed: string[] = [];
    for (const id of this.#states.keys()) {
      if (!wanted.has(id)) {
        this.#states.delete(id);
        removed.push(id);
      }
    }
    for (const m of wanted.values()) {
      const s = this.#states.get(m.id);
      if (s === undefined) {
        this.#states.set(m.id, {
          monitorId: m.id,
          monitorName: m.name,
          monitorType: m.type,
          location: this.#location,
          status: m.enabled ? 'pending' : 'disabled',
          since: nowIso,
          consecutiveFailures: 0,
          checks: 0,
          up: 0,
          down: 0,
          flapHistory: [],
          statusChanges: 0,
          tags: m.tags,
          labels: m.labels,
        });
        continue;
      }
      s.monitorName = m.name;
      s.monitorType = m.type;
      s.tags = m.tags;
      s.labels = m.labels;
      if (!m.enabled && s.status !== 'disabled') this.#transition(s, 'disabled', nowIso);
      else if (m.enabled && s.status === 'disabled') this.#transition(s, 'pending', nowIso);
    }
    return removed;
  }

  /** Records an attempt; returns the transition it caused, if any. */
  record(r: ResultRecord): StatusChange | undefined {
    if (!r.finalAttempt) return undefined;
    let s = this.#states.get(r.monitorId);
    if (s === undefined) {
      // A record for a monitor nobody declared (runOnce without sync): track it anyway.
      s = {
        monitorId: r.monitorId,
        monitorName: r.monitorName,
        monitorType: r.monitorType,
        location: r.location,
        status: 'pending',
        since: r.startedAt,
        consecutiveFailures: 0,
        checks: 0,
        up: 0,
        down: 0,
        flapHistory: [],
        statusChanges: 0,
        tags: r.tags,
        labels: r.labels,
      };
      this.#states.set(r.monitorId, s);
    }
    const verdict = r.status;
    s.lastStatus = verdict;
    s.checkedAt = r.endedAt;
    s.durationMs = r.durationMs;
    s.lastCheckGroup = r.checkGroup;
    s.location = r.location;
    if (verdict === 'down') {
      s.consecutiveFailures++;
      if (r.error !== undefined) {
        s.message = r.error.message;
        s.errorType = r.error.type;
      }
    } else {
      s.consecutiveFailures = 0;
      delete s.message;
      delete s.errorType;
    }
    const from = s.status;
    const to = this.#next(s, verdict);
    if (to === from) {
      this.#count(s, verdict);
      return undefined;
    }
    // A state starts when its first check starts (Heartbeat `started_at`).
    this.#transition(s, to, r.startedAt);
    this.#count(s, verdict);
    return { monitorId: s.monitorId, from, to, at: r.startedAt };
  }

  forget(monitorId: string): void {
    this.#states.delete(monitorId);
  }

  get(monitorId: string): MonitorState | undefined {
    const s = this.#states.get(monitorId);
    return s === undefined ? undefined : structuredClone(s);
  }

  /** Every monitor's state, sorted by id. */
  all(): MonitorState[] {
    return [...this.#states.values()]
      .sort((a, b) => (a.monitorId < b.monitorId ? -1 : a.monitorId > b.monitorId ? 1 : 0))
      .map((s) => structuredClone(s));
  }

  #next(s: MonitorState, verdict: 'up' | 'down'): MonitorStatus {
    if (s.status === 'flap') {
      s.flapHistory.push(verdict);
      this.#trimHistory(s);
      // Leave flapping once the last `threshold` checks agree.
      const tail = s.flapHistory.slice(-this.#threshold);
      return tail.length === this.#threshold && tail.every((v) => v === verdict) ? verdict : 'flap';
    }
    if (s.status === verdict) {
      // Stable for a full threshold of checks: earlier changes no longer count toward a flap.
      if (s.checks + 1 >= this.#threshold) s.flapHistory = [];
      return verdict;
    }
    if (s.status === 'pending' || s.status === 'disabled') return verdict;
    s.flapHistory.push(verdict);
    this.#trimHistory(s);
    return this.#flapping && s.flapHistory.length >= this.#threshold ? 'flap' : verdict;
  }

  #trimHistory(s: MonitorState): void {
    const max = this.#threshold * 4;
    if (s.flapHistory.length > max) s.flapHistory.splice(0, s.flapHistory.length - max);
  }

  #transition(s: MonitorState, to: MonitorStatus, at: string): void {
    s.ends = { status: s.status, since: s.since, checks: s.checks };
    s.status = to;
    s.since = at;
    s.checks = 0;
    s.up = 0;
    s.down = 0;
    s.statusChanges++;
    // Leaving a flap, or leaving the up/down cycle, starts a fresh history.
    if (s.ends.status === 'flap' || (to !== 'up' && to !== 'down' && to !== 'flap')) s.flapHistory = [];
  }

  #count(s: MonitorState, verdict: 'up' | 'down'): void {
    s.checks++;
    if (verdict === 'up') s.up++;
    else s.down++;
  }
}
