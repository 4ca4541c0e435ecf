import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { ZipFormatError, ZipPathError, readZip, writeZip } from './zip.js';

// archiver (through zip-stream) is what @elastic/synthetics push zips bundles with; it is
// installed with the devDependency, so our writer is checked against the real thing.
const require = createRequire(import.meta.url);

interface Archiver {
  append(data: string | Buffer, options: { name: string; date: Date }): void;
  finalize(): Promise<void>;
  pipe(stream: NodeJS.WritableStream): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

function loadArchiver(): ((format: 'zip', options: { zlib: { level: number } }) => Archiver) | undefined {
  try {
    return require('archiver') as (format: 'zip', options: { zlib: { level: number } }) => Archiver;
  } catch {
    return undefined;
  }
}

/** Zips one entry exactly as push's Bundler.zip does. */
async function zipLikePush(name: string, code: string): Promise<Buffer> {
  const archiver = loadArchiver()!;
  const archive = archiver('zip', { zlib: { level: 9 } });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    archive.on('error', reject);
  });
  archive.pipe(sink);
  archive.append(code, { name, date: new Date('1970-01-01') });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

describe('writeZip', () => {
  const samples = [
    { name: 'journeys/login.journey.ts', code: 'var a=require("@elastic/synthetics");\n' },
    { name: 'a.journey.ts', code: 'x'.repeat(100_000) },
    { name: 'deep/er/path/empty.journey.ts', code: '' },
    { name: 'unicode/ünïcode.journey.ts', code: 'journey("☃", () => {});' },
  ];
  for (const sample of samples) {
    test(
      `equals archiver's bytes, as push writes them: ${sample.name}`,
      { skip: loadArchiver() === undefined ? 'archiver is not installed' : false },
      async () => {
        const theirs = await zipLikePush(sample.name, sample.code);
        const ours = writeZip([{ path: sample.name, data: sample.code }]);
        assert.equal(ours.toString('hex'), theirs.toString('hex'));
      },
    );
  }

  test('round-trips several entries and is deterministic', () => {
    const entries = [
      { path: 'a.txt', data: 'alpha' },
      { path: 'dir/b.bin', data: Buffer.from([0, 1, 2, 255]) },
    ];
    const zip = writeZip(entries);
    assert.ok(zip.equals(writeZip(entries)));
    const files = readZip(zip);
    assert.deepEqual(
      files.map((f) => [f.path, f.data.toString('hex'), f.dosDate, f.dosTime]),
      [
        ['a.txt', Buffer.from('alpha').toString('hex'), 0x21, 0],
        ['dir/b.bin', '000102ff', 0x21, 0],
      ],
    );
  });

  const badPaths = ['', '/abs.ts', 'C:/x.ts', 'a\\b.ts', '../up.ts', 'a/../../b.ts'];
  for (const path of badPaths) {
    test(`refuses the path ${JSON.stringify(path)}`, () => {
      assert.throws(() => writeZip([{ path, data: 'x' }]), ZipPathError);
    });
  }

  test('readZip refuses what is not a zip, and corrupted data', () => {
    assert.throws(() => readZip(Buffer.from('not a zip')), ZipFormatError);
    const zip = writeZip([{ path: 'a.txt', data: 'hello hello hello' }]);
    const stored = writeZip([{ path: 'a.txt', data: 'hello hello hello' }]);
    // Flip the CRC in the central directory record.
    const eocd = stored.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const central = stored.readUInt32LE(eocd + 16);
    stored.writeUInt32LE((stored.readUInt32LE(central + 16) ^ 1) >>> 0, central + 16);
    assert.throws(() => readZip(stored), /CRC mismatch/u);
    assert.equal(readZip(zip)[0]!.data.toString(), 'hello hello hello');
  });
});
