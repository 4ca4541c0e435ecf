/**
 * The loader: reads files, folders (recursively, `*.yaml`/`*.yml`) and stdin (`-`), so that
 * `kubectl kustomize overlays/prod | synthctl validate -` works, and returns the synthctl
 * resources found with every problem as a located diagnostic.
 */
// Synchronous file reads on purpose: on a folder of 10,000 small files they took 0.3 s where
// fs/promises took 1.6–12 s (bench/validate.bench.ts, docs/benchmarks.md), because each async
// call is a thread-pool round trip. Only standard input is read asynchronously.
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join, resolve } from 'node:path';
import type { Diagnostic } from '../model/diagnostics.js';
import { extractResources, type LoadedResource } from './resources.js';
import { parseYamlDocuments } from './yaml-document.js';

/** The name diagnostics use for standard input. */
export const STDIN_NAME = '<stdin>';

/** An input that could not be read at all (missing file, permission, too big): exit code 2. */
export class LoadError extends Error {
  override readonly name = 'LoadError';
  /** The path as the user gave it. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

/** Options of {@link loadPaths}. */
export interface LoadOptions {
  /** Standard input, read when a path is `-`. */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  /** Largest file read, in bytes (default 32 MiB): a monitor folder has no business being bigger. */
  readonly maxFileBytes?: number;
  readonly signal?: AbortSignal;
  /** Relative paths are resolved against this folder (default: the process's); names stay as given. */
  readonly cwd?: string;
}

/** What the loader found. */
export interface LoadResult {
  readonly resources: LoadedResource[];
  readonly diagnostics: Diagnostic[];
  /** The text of every file read, by the name diagnostics use (for showing source lines). */
  readonly sources: Map<string, string>;
  /** The files read, in order. */
  readonly files: string[];
}

const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
const YAML_FILE = /\.ya?ml$/i;

/** Parses one YAML text (a file's contents) into resources and diagnostics. Never throws. */
export function loadText(text: string, file: string): LoadResult {
  // A UTF-8 byte order mark is legal at the start of a YAML stream but not part of the content.
  const clean = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const { resources, diagnostics } = extractResources(parseYamlDocuments(clean, file));
  // JSON can take more bytes than the YAML it came from (quotes, escapes, aliases): measure early.
  if (clean.length > MAX_OBJECT_BYTES / 4) diagnostics.push(...oversizedResources(resources));
  return { resources, diagnostics, sources: new Map([[file, clean]]), files: [file] };
}

/**
 * The bytes of a file as text, as go-yaml reads them: UTF-8 (with or without a byte order
 * mark), or UTF-16 with its byte order mark. Anything else is refused with where the first bad
 * byte is, rather than read with replacement characters the user never wrote.
 */
export function decodeInput(bytes: Buffer, file: string): { text: string; diagnostic?: Diagnostic } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: bytes.subarray(2).toString('utf16le') };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    // An odd trailing byte cannot be UTF-16; it is dropped, as a decoder would.
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    swapped.swap16();
    return { text: swapped.toString('utf16le') };
  }
  const text = bytes.toString('utf8');
  if (isUtf8(bytes)) return { text };
  const offset = firstInvalidUtf8(bytes);
  const before = bytes.subarray(0, offset).toString('utf8');
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  const byte = bytes[offset] ?? 0;
  return {
    text,
    diagnostic: {
      severity: 'error',
      file,
      line,
      column,
      path: '',
      code: 'yaml.encoding',
      message: `the file is not valid UTF-8: byte 0x${byte.toString(16).padStart(2, '0')} at line ${line}, column ${column} (kubectl: "yaml: invalid ${byte >= 0x80 && byte < 0xc0 ? 'trailing' : 'leading'} UTF-8 octet")`,
      hint: 'save the file as UTF-8 (iconv -f LATIN1 -t UTF-8, or your editor\'s "save with encoding")',
    },
  };
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    if (length > 1 && !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

// etcd's default request limit (--max-request-bytes, 1.5 MiB): the API server cannot store a
// bigger object, whatever the file it came from.
const MAX_OBJECT_BYTES = 1_572_864;

function oversizedResources(resources: readonly LoadedResource[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const resource of resources) {
    const size = Buffer.byteLength(JSON.stringify(resource.object));
    if (size <= MAX_OBJECT_BYTES) continue;
    out.push({
      severity: 'error',
      file: resource.file,
      line: resource.position.line,
      column: resource.position.column,
      path: '',
      code: 'resource.too-large',
      message: `${resource.id} is ${size} bytes as JSON; the API server stores objects of at most ${MAX_OBJECT_BYTES} bytes (etcd: "request is too large")`,
      hint: 'move large journeys to files (spec.browser.journey.file) and large bodies out of the resource',
      resource: resource.id,
    });
  }
  return out;
}

/** Loads every path (file, folder or `-`); throws {@link LoadError} when an input cannot be read. */
export async function loadPaths(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cwd = options.cwd ?? process.cwd();
  const result: LoadResult = { resources: [], diagnostics: [], sources: new Map(), files: [] };
  const add = (bytes: Buffer, file: string) => {
    if (result.sources.has(file)) return;
    const { text, diagnostic } = decodeInput(bytes, file);
    const loaded: LoadResult =
      diagnostic === undefined
        ? loadText(text, file)
        : { resources: [], diagnostics: [diagnostic], sources: new Map([[file, text]]), files: [file] };
    result.resources.push(...loaded.resources);
    result.diagnostics.push(...loaded.diagnostics);
    for (const [name, source] of loaded.sources) result.sources.set(name, source);
    result.files.push(file);
  };

  for (const path of paths) {
    options.signal?.throwIfAborted();
    if (path === '-') {
      if (options.stdin === undefined) throw new LoadError(path, 'standard input is not available');
      add(await readStream(options.stdin, maxBytes), STDIN_NAME);
      continue;
    }
    let info: Stats;
    try {
      info = statSync(resolve(cwd, path));
    } catch (error) {
      throw new LoadError(path, ioReason(error), { cause: error });
    }
    if (info.isDirectory()) {
      const files = listYamlFiles(path, cwd, options.signal);
      if (files.length === 0) {
        result.diagnostics.push({
          severity: 'warning',
          file: path,
          line: 1,
          column: 1,
          path: '',
          code: 'load.empty',
          message: 'no *.yaml or *.yml files in this folder',
        });
      }
      for (const file of files) {
        options.signal?.throwIfAborted();
        add(readText(file, cwd, maxBytes), file);
      }
    } else {
      add(readText(path, cwd, maxBytes), path);
    }
  }
  return result;
}

// One open, one fstat and one read per file: a folder of 10,000 monitors makes the path
// lookups of a separate stat a measurable share of loading.
function readText(path: string, cwd: string, maxBytes: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(resolve(cwd, path), 'r');
    const info = fstatSync(fd);
    if (info.size > maxBytes)
      throw new LoadError(
        path,
        `file is ${info.size} bytes, larger than the ${maxBytes} bytes (${mebibytes(maxBytes)}) synthctl reads; split it into smaller files`,
      );
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(path, ioReason(error), { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function mebibytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`
    : `${Math.round((bytes / 1024) * 10) / 10} KiB`;
}

async function readStream(stream: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      size += buffer.length;
      if (size > maxBytes)
        throw new LoadError(
          '-',
          `standard input is larger than the ${maxBytes} bytes (${mebibytes(maxBytes)}) synthctl reads; split it`,
        );
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError('-', ioReason(error), { cause: error });
  }
  return Buffer.concat(chunks);
}

/** Every YAML file under `root` (named below `root` as given), sorted, skipping hidden folders and node_modules. */
function listYamlFiles(root: string, cwd: string, signal: AbortSignal | undefined): string[] {
  const out: string[] = [];
  // Symlinked folders can form cycles; real paths already visited are not entered again.
  const visited = new Set<string>();
  const visit = (dir: string): void => {
    signal?.throwIfAborted();
    let real;
    let entries;
    try {
      real = realpathSync(resolve(cwd, dir));
      entries = readdirSync(resolve(cwd, dir), { withFileTypes: true });
    } catch (error) {
      throw new LoadError(dir, ioReason(error), { cause: error });
    }
    if (visited.has(real)) return;
    visited.add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = statSync(resolve(cwd, full));
          isDirectory = target.isDirectory();
          isFile = target.isFile();
        } catch {
          continue; // a dangling link is not an input the user meant
        }
      }
      if (isDirectory) visit(full);
      else if (isFile && YAML_FILE.test(entry.name)) out.push(full);
    }
  };
  visit(root);
  return out;
}

function ioReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
