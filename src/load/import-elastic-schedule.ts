/**
 * Schedules as `@elastic/synthetics push` computes them (`src/push/monitor.ts parseSchedule`,
 * `nearestSchedule`; `src/dsl/monitor.ts ALLOWED_SCHEDULES`), and their synthctl form.
 *
 * Kept private to the importer: it reproduces push's quirks on purpose (a `1m30s` schedule
 * loses its seconds, `90s` rounds to 2 minutes, unknown units are ignored), which a general
 * schedule helper should not.
 */

/** Minutes push and Kibana accept for every monitor type (`ALLOWED_SCHEDULES`). */
export const ALLOWED_SCHEDULE_MINUTES = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 240] as const;

/** A schedule as push sends it: minutes, or `10s`/`30s` for lightweight monitors. */
export type PushSchedule = number | '10s' | '30s';

/** Push's schedule of an `@every` expression, or the reason push aborts. */
export type ParsedSchedule =
  | { readonly ok: true; readonly schedule: PushSchedule; readonly exact: boolean }
  | { readonly ok: false; readonly reason: string };

/** The nearest allowed schedule, ties to the larger (push iterates with `<=`). */
export function nearestSchedule(minutes: number, seconds: number): PushSchedule {
  if (seconds > 0 && minutes === 0) return seconds < 20 ? '10s' : '30s';
  let nearest: number = ALLOWED_SCHEDULE_MINUTES[0];
  let previous = Math.abs(nearest - minutes);
  for (const candidate of ALLOWED_SCHEDULE_MINUTES.slice(1)) {
    const distance = Math.abs(candidate - minutes);
    if (distance <= previous) {
      nearest = candidate;
      previous = distance;
    }
  }
  return nearest;
}

/**
 * Parses a lightweight `schedule` exactly as push does. `exact` is false when push's parser
 * ignored part of the text (an unknown unit, a fraction), so the importer can say so.
 */
export function parsePushSchedule(schedule: string): ParsedSchedule {
  const EVERY = '@every';
  if (!schedule.startsWith(EVERY)) {
    return {
      ok: false,
      reason: `Monitor schedule format(${schedule}) not supported: use '@every' syntax instead`,
    };
  }
  const duration = schedule.substring(EVERY.length + 1);
  let minutes = 0;
  let seconds = 0;
  for (const part of duration.split(/(?<=\D)(?=\d)/g)) {
    const [value = '', unit] = part.split(/(?<=\d)(?=\D)/g);
    const amount = parseInt(value, 10);
    switch (unit) {
      case 's':
        if (amount < 60) seconds += amount;
        else minutes += Math.round(amount / 60);
        break;
      case 'm':
        minutes += amount;
        break;
      case 'h':
        minutes += amount * 60;
        break;
      case 'd':
        minutes += amount * 24 * 60;
        break;
      default:
        break;
    }
  }
  const exact = /^\s*(\d+[smhd])+\s*$/.test(duration);
  return { ok: true, schedule: nearestSchedule(minutes, seconds), exact };
}

/** synthctl's duration for a push schedule: `10s`, `5m`, `1h`, `4h`. */
export function scheduleToDuration(schedule: PushSchedule): string {
  if (typeof schedule === 'string') return schedule;
  return schedule >= 60 && schedule % 60 === 0 ? `${schedule / 60}h` : `${schedule}m`;
}
