import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { NdjsonSink } from './ndjson.js';
import { makeRecord } from '../../../test/runner-fakes.js';

test('one JSON object per line, every attempt unless finalOnly', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const sink = new NdjsonSink({ stream: out, end: true });
  sink.write(makeRecord({ finalAttempt: false, attempt: 1, status: 'down', up: false }));
  sink.write(makeRecord({ attempt: 2 }));
  await sink.close();
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { attempt: number; finalAttempt: boolean }).attempt),
    [1, 2],
  );
  assert.equal(out.writableEnded, true);

  const only = new PassThrough();
  const s2 = new NdjsonSink({ stream: only, finalOnly: true });
  s2.write(makeRecord({ finalAttempt: false }));
  s2.write(makeRecord());
  await s2.close();
  assert.equal(String(only.read()).trim().split('\n').length, 1);
  assert.equal(only.writableEnded, false, 'stdout-like streams stay open');
});

test('a slow reader costs bounded, counted drops; a failed stream never throws into the runner', async () => {
  const written: string[] = [];
  let release: (() => void) | undefined;
  const slow = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk.toString());
      release = cb;
    },
  });
  const sink = new NdjsonSink({ stream: slow, maxQueued: 2 });
  for (let i = 0; i < 6; i++) sink.write(makeRecord({ checkGroup: `g${i}` }));
  assert.equal(sink.dropped, 3, 'one in flight, two queued, three dropped');
  const closing = sink.close();
  for (let i = 0; i < 5 && release !== undefined; i++) {
    const r = release;
    release = undefined;
    r();
    await new Promise((res) => setImmediate(res));
  }
  await closing;
  assert.deepEqual(
    written.map((l) => (JSON.parse(l) as { checkGroup: string }).checkGroup),
    ['g0', 'g1', 'g2'],
  );

  const broken = new Writable({
    write(_c, _e, cb) {
      cb(new Error('EPIPE'));
    },
  });
  const s2 = new NdjsonSink({ stream: broken });
  s2.write(makeRecord());
  await new Promise((res) => setImmediate(res));
  assert.doesNotThrow(() => {
    s2.write(makeRecord());
  });
  assert.equal(s2.dropped, 1);
  await assert.rejects(s2.close(), /EPIPE/);
});
