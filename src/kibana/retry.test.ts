import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KibanaHttpError, KibanaNetworkError } from './errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  realSleep,
  retryDelay,
  withRetries,
} from './retry.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

test('parseRetryAfter: seconds, HTTP dates, past dates, garbage', () => {
  const cases: [string | undefined, number | undefined][] = [
    [undefined, undefined],
    ['0', 0],
    ['12', 12_000],
    [' 3 ', 3000],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ];
  for (const [value, expected] of cases) assert.equal(parseRetryAfter(value, NOW), expected, String(value));
});

test('backoffDelay: full jitter under an exponential ceiling', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.999999)),
    [99, 199, 399, 799, 999, 999],
  );
  assert.equal(
    backoffDelay(3, policy, () => 0),
    0,
  );
});

test('retryDelay: Retry-After wins and is capped', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 5000 };
  const http = (retryAfterMs?: number) =>
    new KibanaHttpError({ method: 'GET', route: '/r', attempt: 1, status: 429, retryAfterMs });
  assert.equal(
    retryDelay(http(2000), 1, policy, () => 0.5),
    2000,
  );
  assert.equal(
    retryDelay(http(60_000), 1, policy, () => 0.5),
    5000,
  );
  assert.equal(
    retryDelay(http(), 2, policy, () => 0.5),
    500,
  );
});

test('withRetries: retries transient errors only, up to maxAttempts', async () => {
  const delays: number[] = [];
  const sleep = (ms: number) => {
    delays.push(ms);
    return Promise.resolve();
  };
  const transient = new KibanaNetworkError({
    method: 'GET',
    route: '/r',
    attempt: 1,
    code: 'ECONNRESET',
    detail: 'x',
  });
  let calls = 0;
  const out = await withRetries(
    (attempt) => {
      calls++;
      if (attempt < 3) return Promise.reject(transient);
      return Promise.resolve('ok');
    },
    { policy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10 }, sleep, random: () => 1 },
  );
  assert.equal(out, 'ok');
  assert.equal(calls, 3);
  assert.deepEqual(delays, [10, 20]);

  const terminal = new KibanaHttpError({ method: 'GET', route: '/r', attempt: 1, status: 404 });
  calls = 0;
  await assert.rejects(
    withRetries(
      () => {
        calls++;
        return Promise.reject(terminal);
      },
      { policy: DEFAULT_RETRY_POLICY, sleep, random: () => 1 },
    ),
    KibanaHttpError,
  );
  assert.equal(calls, 1);

  calls = 0;
  await assert.rejects(
    withRetries(
      () => {
        calls++;
        return Promise.reject(transient);
      },
      { policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 }, sleep, random: () => 0 },
    ),
    KibanaNetworkError,
  );
  assert.equal(calls, 2);
});

test('realSleep resolves, and rejects promptly on abort', async () => {
  await realSleep(1);
  const ac = new AbortController();
  const pending = realSleep(60_000, ac.signal);
  ac.abort(new Error('bye'));
  await assert.rejects(pending, /bye/);
});

test('network errors: unknown codes and non-retryable calls are terminal', () => {
  const mk = (code: string | undefined, retryable?: boolean) =>
    new KibanaNetworkError({
      method: 'PUT',
      route: '/r',
      attempt: 1,
      code,
      detail: 'x',
      ...(retryable === undefined ? {} : { retryable }),
    });
  assert.equal(mk('ECONNRESET').transient, true);
  assert.equal(mk('UND_ERR_HEADERS_TIMEOUT').transient, true);
  assert.equal(mk('CERT_HAS_EXPIRED').transient, false);
  assert.equal(mk(undefined).transient, false);
  assert.equal(mk('ECONNRESET', false).transient, false);
});
