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
  return { resources, diagnostics, sources: new Map([[file, clean]]), files: [file] };
}

/** Loads every path (file, folder or `-`); throws {@link LoadError} when an input cannot be read. */
export async function loadPaths(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cwd = options.cwd ?? process.cwd();
  const result: LoadResult = { resources: [], diagnostics: [], sources: new Map(), files: [] };
  const add = (text: string, file: string) => {
    if (result.sources.has(file)) return;
    const loaded = loadText(text, file);
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
function readText(path: string, cwd: string, maxBytes: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(resolve(cwd, path), 'r');
    const info = fstatSync(fd);
    if (info.size > maxBytes)
      throw new LoadError(path, `file is ${info.size} bytes, larger than the ${maxBytes} bytes allowed`);
    return readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(path, ioReason(error), { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function readStream(stream: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      size += buffer.length;
      if (size > maxBytes)
        throw new LoadError('-', `standard input is larger than the ${maxBytes} bytes allowed`);
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError('-', ioReason(error), { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
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
