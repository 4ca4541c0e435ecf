/**
 * A minimal, deterministic ZIP writer for browser monitor bundles.
 *
 * The layout copies what `@elastic/synthetics push` produces through archiver/zip-stream
 * (`src/push/bundler.ts`), byte for byte for one entry: a local header with the
 * data-descriptor flag (bit 3) and zero sizes, the raw-deflated data (zlib level 9), a data
 * descriptor, a central directory record "made by" Unix 4.5 with mode 0100644, and the end
 * record. Push dates its entry 1970-01-01, which DOS time cannot express, so zip-stream writes
 * the DOS minimum, 1980-01-01 00:00 (`date 0x0021, time 0x0000`); we write that constant.
 * No clock, no file system, no randomness: equal inputs give equal bytes.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** `readZip` refuses entries that inflate beyond this (a bundle is at most 1.5 MB). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** One file of the archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated, relative (e.g. `journeys/login.journey.ts`). */
  readonly path: string;
  readonly data: Buffer | string;
}

/** A path that cannot go into an archive (absolute, `..`, backslashes, too long). */
export class ZipPathError extends Error {
  override readonly name = 'ZipPathError';
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`cannot store ${JSON.stringify(path)} in a zip archive: ${reason}`);
    this.path = path;
  }
}

// DOS date 1980-01-01 ((1980-1980)<<9 | 1<<5 | 1) and time 00:00:00.
const DOS_DATE = 0x0021;
const DOS_TIME = 0x0000;
const VERSION_NEEDED = 20; // 2.0: deflate
const VERSION_MADE_BY = (3 << 8) | 45; // Unix, spec 4.5, as zip-stream writes
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
// Regular file rw-r--r-- in the Unix half, the DOS "archive" bit (0x20) in the low byte.
const EXTERNAL_ATTRS = ((0o100644 << 16) | 0x20) >>> 0;

function checkPath(path: string): void {
  if (path === '') throw new ZipPathError(path, 'the path is empty');
  if (path.startsWith('/') || /^[A-Za-z]:/u.test(path)) throw new ZipPathError(path, 'the path is absolute');
  if (path.includes('\\')) throw new ZipPathError(path, 'use / as the separator');
  if (path.split('/').includes('..')) throw new ZipPathError(path, 'the path leaves the archive root (..)');
  if (Buffer.byteLength(path) > 0xffff) throw new ZipPathError(path, 'the path is longer than 65535 bytes');
}

/** Writes `entries` into a ZIP archive (deflate, level 9). At most 65535 entries of < 4 GiB. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > 0xffff)
    throw new RangeError(`a zip archive holds at most 65535 entries, got ${entries.length}`);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    checkPath(entry.path);
    const name = Buffer.from(entry.path, 'utf8');
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    // zip-stream stores an empty file rather than deflating it.
    const method = data.length === 0 ? METHOD_STORE : METHOD_DEFLATE;
    const compressed = method === METHOD_STORE ? data : deflateRawSync(data, { level: 9 });
    if (data.length > 0xfffffffe || compressed.length > 0xfffffffe || offset > 0xfffffffe) {
      throw new RangeError(`zip entry ${entry.path} is too large for a ZIP (no ZIP64 support)`);
    }
    const crc = crc32(data) >>> 0;
    // zip-stream sets the UTF-8 flag only for names that need it; ASCII names stay 0x0008.
    const flags = FLAG_DATA_DESCRIPTOR | (/^[\x20-\x7e]*$/u.test(entry.path) ? 0 : FLAG_UTF8);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    // crc and sizes are 0 here and follow in the data descriptor (flag bit 3).
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(compressed.length, 8);
    descriptor.writeUInt32LE(data.length, 12);

    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(VERSION_MADE_BY, 4);
    record.writeUInt16LE(VERSION_NEEDED, 6);
    record.writeUInt16LE(flags, 8);
    record.writeUInt16LE(method, 10);
    record.writeUInt16LE(DOS_TIME, 12);
    record.writeUInt16LE(DOS_DATE, 14);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(compressed.length, 20);
    record.writeUInt32LE(data.length, 24);
    record.writeUInt16LE(name.length, 28);
    // extra 0, comment 0, disk 0, internal attributes 0
    record.writeUInt32LE(EXTERNAL_ATTRS, 38);
    record.writeUInt32LE(offset, 42);

    parts.push(local, name, compressed, descriptor);
    central.push(record, name);
    offset += local.length + name.length + compressed.length + descriptor.length;
  }
  const centralDir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralDir, end]);
}

/** One entry read back by `readZip`. */
export interface ZipFile {
  readonly path: string;
  readonly data: Buffer;
  /** DOS date and time words as stored. */
  readonly dosDate: number;
  readonly dosTime: number;
}

/** A buffer that is not a ZIP archive this reader understands. */
export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

/**
 * Reads a ZIP archive through its central directory (stored and deflated entries). For tests
 * and for `plan`, which shows what a bundle holds; bounded by the buffer it is given.
 */
export function readZip(zip: Buffer): ZipFile[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > zip.length) throw new ZipFormatError('no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files: ZipFile[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) {
      throw new ZipFormatError(`bad central directory record ${i}`);
    }
    const method = zip.readUInt16LE(at + 10);
    const dosTime = zip.readUInt16LE(at + 12);
    const dosDate = zip.readUInt16LE(at + 14);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const path = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const localNameLength = zip.readUInt16LE(localOffset + 26);
    const localExtraLength = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + localNameLength + localExtraLength;
    const raw = zip.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === METHOD_STORE) data = Buffer.from(raw);
    else if (method === METHOD_DEFLATE) data = inflateRawSync(raw, { maxOutputLength: MAX_ENTRY_BYTES });
    else throw new ZipFormatError(`entry ${path}: compression method ${method} is not supported`);
    if (crc32(data) >>> 0 !== crc) throw new ZipFormatError(`entry ${path}: CRC mismatch`);
    files.push({ path, data, dosDate, dosTime });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
