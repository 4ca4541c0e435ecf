import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MonitorType } from '../model/schema.js';
import type { Check, RunnableMonitor } from '../checks/types.js';
import type { ResultRecord } from './result.js';
import { ManualClock } from './manual-clock.js';
import { Scheduler, nextSlot, spreadOffset, type MissedReason, type SchedulerOptions } from './scheduler.js';
import { CHECK_TIMEOUT_GRACE_MS } from './scheduler.js';
import { FakeCheck, gate, downOutcome, hang, makeMonitor, upOutcome } from '../../test/runner-fakes.js';

function setup(
  monitors: RunnableMonitor[],
  checks: Check[],
  extra: Partial<SchedulerOptions> = {},
): {
  clock: ManualClock;
  scheduler: Scheduler;
  records: ResultRecord[];
  missed: { reason: MissedReason; id: string }[];
  lags: { seconds: number; id: string }[];
} {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
  const records: ResultRecord[] = [];
  const missed: { reason: MissedReason; id: string }[] = [];
  const lags: { seconds: number; id: string }[] = [];
  let n = 0;
  const scheduler = new Scheduler(monitors, {
    checks: new Map<MonitorType, Check>(checks.map((c) => [c.type, c])),
    clock,
    location: 'local',
    onResult: (r) => records.push(r),
    observer: {
      lag: (seconds, m) => lags.push({ seconds, id: m.id }),
      missed: (reason, m) => missed.push({ reason, id: m.id }),
    },
    newId: () => `group-${++n}`,
    ...extra,
  });
  return { clock, scheduler, records, missed, lags };
}

test('spread: the offset is a stable hash of the id, the same after a restart, inside the interval', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => `monitor-${i}`);
  const offsets = ids.map((id) => spreadOffset(id, 60_000));
  assert.deepEqual(
    offsets,
    ids.map((id) => spreadOffset(id, 60_000)),
  );
  for (const o of offsets) assert.ok(o >= 0 && o < 60_000);
  // 50 monitors on one interval must not land on a handful of slots.
  assert.ok(new Set(offsets).size > 45, `offsets too clustered: ${new Set(offsets).size}`);
  assert.equal(nextSlot(1_000, 60_000, 500), 60_500);
  assert.equal(nextSlot(60_500, 60_000, 500), 60_500);

  const monitors = ids.slice(0, 5).map((id) => makeMonitor(id));
  const a = setup(monitors, [new FakeCheck('http')]);
  a.scheduler.start();
  const firstRun = monitors.map((m) => a.scheduler.nextRunAt(m.id));
  // A second process started 17 s later picks the same wall-clock slots (epoch-aligned grid).
  const later = new ManualClock(a.clock.now() + 17_000);
  const restarted = new Scheduler(monitors, {
    checks: new Map([['http', new FakeCheck('http')]]),
    clock: later,
    location: 'local',
    onResult: () => undefined,
  });
  restarted.start();
  for (const [i, m] of monitors.entries()) {
    const t1 = firstRun[i]!;
    const t2 = restarted.nextRunAt(m.id)!;
    assert.ok(t1 >= a.clock.now() && t1 < a.clock.now() + 60_000);
    assert.equal((t2 - t1) % 60_000, 0, `${m.id} changed phase after restart`);
  }
  await a.scheduler.stop();
  await restarted.stop();
  assert.equal(later.pendingTimers, 0);
});

test('a monitor runs on its slots and never overlaps itself; an overdue run counts as missed', async () => {
  const slow = gate();
  const check = new FakeCheck('http', async (_m, _s, call) => {
    if (call === 0) await slow.promise;
    return upOutcome();
  });
  const m = makeMonitor('slow', { scheduleMs: 60_000, timeoutMs: 300_000 });
  const { clock, scheduler, records, missed } = setup([m], [check]);
  scheduler.start();
  const first = scheduler.nextRunAt('slow')!;
  await clock.advance(first - clock.now());
  assert.equal(check.calls.length, 1);
  assert.equal(scheduler.isRunning('slow'), true);
  await clock.advance(60_000); // next slot while the first run is still going
  assert.equal(check.calls.length, 1, 'a second run started while the first was in flight');
  assert.deepEqual(missed, [{ reason: 'overlap', id: 'slow' }]);
  slow.open();
  await clock.flush();
  assert.equal(records.length, 1);
  await clock.advance(60_000);
  assert.equal(check.calls.length, 2);
  assert.equal(check.maxActive, 1);
  assert.equal(records.length, 2);
  assert.equal(Date.parse(records[1]!.startedAt), first + 120_000);
  await scheduler.stop();
  assert.equal(clock.pendingTimers, 0);
});

test('retest on failure: a down attempt is re-run at once and only the last attempt is final', async () => {
  const script = [
    downOutcome('expected status 200, got 503'),
    upOutcome(),
    downOutcome(),
    downOutcome('refused'),
  ];
  const check = new FakeCheck('http', (_m, _s, call) => Promise.resolve(script[call] ?? upOutcome()));
  const m = makeMonitor('retest', { retestOnFailure: true });
  const { clock, scheduler, records } = setup([m], [check]);
  scheduler.start();
  await clock.advance(scheduler.nextRunAt('retest')! - clock.now());
  assert.deepEqual(
    records.map((r) => [r.checkGroup, r.attempt, r.maxAttempts, r.finalAttempt, r.status, r.error?.message]),
    [
      ['group-1', 1, 2, false, 'down', 'expected status 200, got 503'],
      ['group-1', 2, 2, true, 'up', undefined],
    ],
  );
  await clock.advance(60_000);
  assert.deepEqual(
    records.slice(2).map((r) => [r.checkGroup, r.attempt, r.finalAttempt, r.status]),
    [
      ['group-2', 1, false, 'down'],
      ['group-2', 2, true, 'down'],
    ],
  );
  await clock.advance(60_000);
  assert.deepEqual(
    records.slice(4).map((r) => [r.attempt, r.maxAttempts, r.finalAttempt, r.status]),
    [[1, 2, true, 'up']],
  );
  await scheduler.stop();
});

test('without retest a down attempt is final at once', async () => {
  const check = new FakeCheck('tcp', () => Promise.resolve(downOutcome()));
  const { clock, scheduler, records } = setup([makeMonitor('t', { type: 'tcp' })], [check]);
  const [rec] = await scheduler.runOnce();
  assert.equal(rec?.finalAttempt, true);
  assert.equal(rec?.maxAttempts, 1);
  assert.equal(records.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('the timeout runs on the injected clock, aborts the check and frees the slot even if ignored', async () => {
  const obeying = new FakeCheck('http', hang(true));
  const ignoring = new FakeCheck('tcp', hang(false));
  const ms = [makeMonitor('h', { timeoutMs: 5_000 }), makeMonitor('t', { type: 'tcp', timeoutMs: 7_000 })];
  const { clock, scheduler, records } = setup(ms, [obeying, ignoring]);
  const once = scheduler.runOnce();
  await clock.advance(4_999);
  assert.equal(records.length, 0);
  assert.equal(obeying.calls[0]!.signal.aborted, false);
  await clock.advance(1);
  assert.equal(obeying.calls[0]!.signal.aborted, true);
  // The check that ignores its signal is cut off after the grace period.
  await clock.advance(2_000 + CHECK_TIMEOUT_GRACE_MS);
  const finals = await once;
  assert.deepEqual(
    finals.map((r) => [r.monitorId, r.status, r.error?.type, r.error?.message, r.durationMs]),
    [
      ['h', 'down', 'timeout', 'check timed out after 5s', 5_000],
      ['t', 'down', 'timeout', 'check timed out after 7s', 7_000],
    ],
  );
  assert.equal(clock.pendingTimers, 0);
});

test('concurrency: a hanging target never delays other types; same-type work waits in the bounded queue', async () => {
  const http = new FakeCheck('http', async (m, signal) => {
    if (m.id === 'h-hang') {
      await new Promise((_r, reject) => {
        signal.addEventListener('abort', () => {
          reject(signal.reason as Error);
        });
      });
    }
    return upOutcome();
  });
  const tcp = new FakeCheck('tcp');
  const monitors = [
    makeMonitor('h-hang', { scheduleMs: 10_000, timeoutMs: 9_000 }),
    makeMonitor('h-next', { scheduleMs: 10_000 }),
    makeMonitor('t-1', { type: 'tcp', scheduleMs: 10_000 }),
    makeMonitor('t-2', { type: 'tcp', scheduleMs: 10_000 }),
  ];
  const { clock, scheduler, records, lags } = setup(monitors, [http, tcp], {
    concurrency: { global: 3, perType: { http: 1 }, queueSize: 10 },
  });
  const once = scheduler.runOnce();
  await clock.flush();
  // The hanging http check holds the only http slot; both tcp checks completed anyway.
  assert.deepEqual(
    records.map((r) => r.monitorId),
    ['t-1', 't-2'],
  );
  assert.equal(http.calls.length, 1);
  await clock.advance(9_000);
  const finals = await once;
  assert.deepEqual(
    finals.map((r) => [r.monitorId, r.status]),
    [
      ['h-hang', 'down'],
      ['h-next', 'up'],
      ['t-1', 'up'],
      ['t-2', 'up'],
    ],
  );
  assert.equal(http.maxActive, 1);
  assert.equal(lags.length, 0, 'runOnce is not scheduled, so it has no lag');

  // Scheduled mode: the first http run to fire holds the only http slot, the second waits in a
  // queue of 1, the third is refused and counted as missed.
  const gated0 = gate();
  const gatedCheck = new FakeCheck('http', async (_m, _s, call) => {
    if (call === 0) await gated0.promise;
    return upOutcome();
  });
  const gated = ['h-a', 'h-b', 'h-c'].map((id) => makeMonitor(id, { scheduleMs: 10_000, timeoutMs: 60_000 }));
  const s2 = setup(gated, [gatedCheck], { concurrency: { global: 4, perType: { http: 1 }, queueSize: 1 } });
  s2.scheduler.start();
  const order = gated
    .map((m) => ({ id: m.id, at: s2.scheduler.nextRunAt(m.id)! }))
    .sort((a, b) => a.at - b.at);
  await s2.clock.advance(order[2]!.at - s2.clock.now());
  assert.deepEqual(s2.missed, [{ reason: 'queue_full', id: order[2]!.id }]);
  assert.deepEqual(s2.scheduler.stats(), { monitors: 3, queued: 1, running: 1, runningByType: { http: 1 } });
  await s2.clock.advance(1_234);
  gated0.open();
  await s2.clock.flush();
  assert.equal(s2.lags.find((l) => l.id === order[0]!.id)?.seconds, 0);
  // The queued run started when the slot freed: its lag is the time it waited.
  assert.equal(s2.lags.find((l) => l.id === order[1]!.id)?.seconds, (s2.clock.now() - order[1]!.at) / 1000);
  assert.ok(s2.clock.now() - order[1]!.at >= 1_234);
  await s2.scheduler.stop({ graceMs: 0 });
});

test('update keeps unchanged monitors, reschedules changed ones and forgets removed ones', async () => {
  const gated0 = gate();
  const check = new FakeCheck('http', async (m) => {
    if (m.id === 'gone') await gated0.promise;
    return upOutcome();
  });
  const keep = makeMonitor('keep');
  const change = makeMonitor('change');
  const gone = makeMonitor('gone', { scheduleMs: 30_000, timeoutMs: 60_000 });
  const { clock, scheduler, records } = setup([keep, change, gone], [check]);
  scheduler.start();
  await clock.advance(scheduler.nextRunAt('gone')! - clock.now());
  assert.equal(scheduler.isRunning('gone'), true);
  const keepAt = scheduler.nextRunAt('keep');
  const timersBefore = clock.pendingTimers;

  const diff = scheduler.update([
    { ...keep },
    { ...change, scheduleMs: 120_000 },
    makeMonitor('new'),
    makeMonitor('off', { enabled: false }),
  ]);
  assert.deepEqual(diff, { added: ['new'], changed: ['change'], removed: ['gone'], unchanged: ['keep'] });
  assert.equal(scheduler.nextRunAt('keep'), keepAt);
  assert.equal(scheduler.nextRunAt('gone'), undefined);
  assert.equal(scheduler.isRunning('gone'), false);
  assert.equal(check.calls.find((c) => c.monitorId === 'gone')!.signal.aborted, true);
  const changeAt = scheduler.nextRunAt('change')!;
  assert.equal((changeAt - spreadOffset('change', 120_000)) % 120_000, 0);
  assert.equal(clock.pendingTimers, timersBefore + 1 - 1, 'the removed monitor left its timer behind');
  gated0.open();
  await clock.advance(240_000);
  assert.equal(
    records.filter((r) => r.monitorId === 'gone').length,
    0,
    'a removed monitor published a result of its cancelled run',
  );
  assert.ok(records.some((r) => r.monitorId === 'new'));
  assert.deepEqual(
    scheduler
      .monitors()
      .map((m) => m.id)
      .sort(),
    ['change', 'keep', 'new'],
  );
  await scheduler.stop();
  assert.equal(clock.pendingTimers, 0);
});

test('runOnce resolves with the final record of every monitor and publishes every attempt', async () => {
  let flakyCalls = 0;
  const check = new FakeCheck('http', (m) =>
    Promise.resolve(m.id === 'flaky' && flakyCalls++ === 0 ? downOutcome() : upOutcome()),
  );
  const ms = [
    makeMonitor('ok'),
    makeMonitor('flaky', { retestOnFailure: true }),
    makeMonitor('off', { enabled: false }),
  ];
  const { scheduler, records } = setup(ms, [check], { concurrency: { global: 1 } });
  const finals = await scheduler.runOnce();
  assert.deepEqual(
    finals.map((r) => [r.monitorId, r.attempt, r.finalAttempt, r.status]),
    [
      ['ok', 1, true, 'up'],
      ['flaky', 2, true, 'up'],
    ],
  );
  assert.equal(records.length, 3);
  assert.equal(records.filter((r) => !r.finalAttempt).length, 1);
});

test('a monitor type without a check is reported as a config error, not a crash', async () => {
  const { scheduler } = setup([makeMonitor('b', { type: 'browser' })], []);
  const [rec] = await scheduler.runOnce();
  assert.equal(rec?.status, 'down');
  assert.equal(rec?.error?.type, 'config');
  assert.match(rec?.error?.message ?? '', /no check implementation for monitor type browser/);
});

test('stop lets in-flight checks finish within the grace period, then aborts them', async () => {
  const check = new FakeCheck('http', hang(true));
  const { clock, scheduler, records } = setup([makeMonitor('h', { timeoutMs: 600_000 })], [check]);
  scheduler.start();
  await clock.advance(scheduler.nextRunAt('h')! - clock.now());
  assert.equal(check.calls.length, 1);
  let stopped = false;
  const stopping = scheduler.stop({ graceMs: 5_000 }).then(() => {
    stopped = true;
  });
  await clock.advance(4_000);
  assert.equal(stopped, false);
  assert.equal(check.calls[0]!.signal.aborted, false);
  await clock.advance(1_000);
  await stopping;
  assert.equal(check.calls[0]!.signal.aborted, true);
  assert.equal(records.length, 0);
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(600_000);
  assert.equal(check.calls.length, 1, 'a stopped scheduler started another run');
});

test('stop also cancels one-shot runs after the grace period; runOnce honours its signal', async () => {
  const check = new FakeCheck('http', hang(true));
  const { clock, scheduler, records } = setup(
    [makeMonitor('a', { timeoutMs: 600_000 }), makeMonitor('b')],
    [check],
    {
      concurrency: { global: 1 },
    },
  );
  const once = scheduler.runOnce();
  await clock.flush();
  assert.equal(check.calls.length, 1);
  const stopping = scheduler.stop({ graceMs: 1_000 });
  await clock.advance(1_000);
  await stopping;
  assert.deepEqual(await once, [], 'a cancelled one-shot run produced a record');
  assert.equal(records.length, 0);
  assert.equal(clock.pendingTimers, 0);

  const s2 = setup([makeMonitor('c', { timeoutMs: 600_000 })], [new FakeCheck('http', hang(true))]);
  const controller = new AbortController();
  const run = s2.scheduler.runOnce(controller.signal);
  await s2.clock.flush();
  controller.abort();
  assert.deepEqual(await run, []);
  assert.equal(s2.clock.pendingTimers, 0);
});

test('startupSpreadMs: the first run comes soon after start, spread by id, then the grid', async () => {
  const check = new FakeCheck('http');
  const monitors = ['a', 'b', 'c'].map((id) => makeMonitor(id, { scheduleMs: 600_000 }));
  const { clock, scheduler, records } = setup(monitors, [check], { startupSpreadMs: 10_000 });
  const t0 = clock.now();
  scheduler.start();
  for (const m of monitors) {
    const at = scheduler.nextRunAt(m.id)!;
    assert.equal(at, t0 + spreadOffset(m.id, 10_000));
  }
  await clock.advance(10_000);
  assert.equal(records.length, 3);
  for (const m of monitors) {
    const next = scheduler.nextRunAt(m.id)!;
    const first = t0 + spreadOffset(m.id, 10_000);
    assert.equal((next - spreadOffset(m.id, 600_000)) % 600_000, 0, 'back on the grid');
    assert.ok(next - first >= 300_000, 'the second run came back to back with the startup run');
  }
  await scheduler.stop();
});

test("a check's own timeout sentence wins over the generic one", async () => {
  const precise = new FakeCheck(
    'http',
    (_m, signal) =>
      new Promise((resolve) => {
        signal.addEventListener(
          'abort',
          () => {
            resolve({
              up: false,
              durationMs: 5_000,
              error: { type: 'timeout', message: 'timed out after 5s waiting for response headers' },
            });
          },
          { once: true },
        );
      }),
  );
  const { clock, scheduler } = setup([makeMonitor('p', { timeoutMs: 5_000 })], [precise]);
  const once = scheduler.runOnce();
  await clock.advance(5_000);
  const [record] = await once;
  assert.equal(record?.error?.message, 'timed out after 5s waiting for response headers');
  assert.equal(clock.pendingTimers, 0);
});
