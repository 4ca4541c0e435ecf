import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, systemClock } from './clock.js';

test('systemClock: a delay beyond what a Node timer can wait does not fire at once', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  let fired = 0;
  const handle = systemClock.setTimeout(
    () => {
      fired++;
    },
    MAX_TIMER_MS * 2 + 5,
  );
  t.mock.timers.tick(1);
  assert.equal(fired, 0, 'not at once (what a plain setTimeout would do)');
  t.mock.timers.tick(MAX_TIMER_MS);
  assert.equal(fired, 0, 'not after the first step');
  t.mock.timers.tick(MAX_TIMER_MS);
  assert.equal(fired, 0, 'not before the deadline');
  t.mock.timers.tick(4);
  assert.equal(fired, 1, 'at the deadline');
  systemClock.clearTimeout(handle);
  await Promise.resolve();
});

test('systemClock: a long timer can be cleared between its steps', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  let fired = 0;
  const handle = systemClock.setTimeout(() => {
    fired++;
  }, MAX_TIMER_MS + 10);
  t.mock.timers.tick(MAX_TIMER_MS);
  systemClock.clearTimeout(handle);
  t.mock.timers.tick(100);
  assert.equal(fired, 0);
});

test('systemClock: ordinary delays are plain timers', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  let fired = 0;
  systemClock.setTimeout(() => {
    fired++;
  }, 50);
  t.mock.timers.tick(49);
  assert.equal(fired, 0);
  t.mock.timers.tick(1);
  assert.equal(fired, 1);
});
