/**
 * Child processes of the runner benchmarks: every measured process runs pinned to a CPU with
 * `taskset -c` (which execs, so the pid is the measured program's), every child is tracked and
 * killed when the benchmark exits — normally, on an error or on SIGINT/SIGTERM — and children
 * exit by themselves when their stdin (our pipe) closes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createServer, type AddressInfo } from 'node:net';

const children = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** A tracked child process. */
export interface PinnedChild {
  readonly pid: number;
  /** Resolves with the first stdout line (a ready message). */
  firstLine(timeoutMs: number): Promise<string>;
  /** Resolves with all of stdout once the child exits 0; rejects otherwise. */
  output(): Promise<string>;
  kill(): void;
}

/** The Node flags that run a TypeScript file (tsx's loader, as `npx tsx` does). */
export const NODE_TS = ['--import', 'tsx'];

const BUNDLE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  '.cache',
  'synthctl-bench',
);

/**
 * Bundles a benchmark entry to plain JavaScript (esbuild, packages left external), so measured
 * workers run as compiled code does — without tsx's loader in their memory and CPU figures.
 * Written under node_modules/.cache so the external packages resolve.
 */
export async function bundle(entry: string): Promise<string> {
  const outfile = join(BUNDLE_DIR, `${entry.replace(/^.*\//, '').replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Spawns `command` (default: node running TypeScript) pinned to `cpus` (`taskset -c` list).
 * stderr is inherited so failures are visible.
 */
export function spawnPinned(
  cpus: string,
  args: readonly string[],
  options: {
    command?: string;
    nodeFlags?: readonly string[];
    stderr?: 'inherit' | 'ignore';
    /** `args[0]` is plain JavaScript (a bundle): run it without tsx. */
    plainJs?: boolean;
    /** Scheduling priority (`nice -n`); negative values need root. */
    nice?: number;
  } = {},
): PinnedChild {
  hookExit();
  const command = options.command ?? process.execPath;
  const full =
    options.command === undefined
      ? [...(options.plainJs === true ? [] : NODE_TS), ...(options.nodeFlags ?? []), ...args]
      : [...args];
  const pinned = ['taskset', '-c', cpus, command, ...full];
  const argv = options.nice === undefined ? pinned : ['nice', '-n', String(options.nice), ...pinned];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
  });
  children.add(child);
  let stdout = '';
  const lineWaiters: ((line: string) => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    const nl = stdout.indexOf('\n');
    if (nl !== -1) for (const w of lineWaiters.splice(0)) w(stdout.slice(0, nl));
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return {
    pid: child.pid,
    firstLine: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${command} ${args.join(' ')}: no output within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (line: string): void => {
          clearTimeout(timer);
          resolve(line);
        };
        const nl = stdout.indexOf('\n');
        if (nl !== -1) done(stdout.slice(0, nl));
        else lineWaiters.push(done);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready`));
        });
      }),
    output: async () => {
      const code = await exited;
      if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
      return stdout;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** The last non-empty stdout line parsed as JSON (workers print their result there). */
export function lastJson(stdout: string): unknown {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null');
}

/** Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`). */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User and system CPU seconds of a whole process (all threads) from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]) / CLK_TCK, system: Number(rest[12]) / CLK_TCK };
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function procRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** A free loopback port (bound and released; good enough for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) of a list, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** `--nice N` (may be negative), or undefined. */
export function niceFlag(): number | undefined {
  const v = stringFlag('nice');
  return v === undefined || !Number.isInteger(Number(v)) ? undefined : Number(v);
}

/** A numeric `--name value` flag. */
export function numberFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A string `--name value` flag. */
export function stringFlag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}
