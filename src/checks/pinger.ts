/**
 * ICMP echo through the system's `fping` (preferred: one process, per-packet round trips) or
 * iputils `ping`. Both carry `cap_net_raw` as file capabilities, so they work as non-root
 * where the container keeps NET_RAW; unprivileged ICMP sockets are off on these machines
 * (`net.ipv4.ping_group_range = 1 0`, docs: reference/environment.md §9).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CheckFailure, asError } from './errors.js';

/** One ping run. */
export interface PingRequest {
  address: string;
  family: 4 | 6;
  count: number;
  intervalMs: number;
  /** Budget of the whole run. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** What came back: one round trip per reply. */
export interface PingResult {
  sent: number;
  rttsMs: number[];
}

/** Sends echo requests. Throws a config CheckFailure when it cannot (binary, capability). */
export interface Pinger {
  readonly name: string;
  ping(request: PingRequest): Promise<PingResult>;
}

/** Several addresses with the same settings, in one run. */
export interface PingManyRequest {
  addresses: string[];
  count: number;
  intervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** A pinger that can ping several addresses in one process (fping can). */
export interface MultiPinger extends Pinger {
  pingMany(request: PingManyRequest): Promise<Map<string, PingResult>>;
}

const OUTPUT_LIMIT = 64 * 1024;
const PERMISSION = /operation not permitted|must run as root|permission denied|cap_net_raw/i;

function permissionFailure(binary: string, cause?: unknown): CheckFailure {
  return new CheckFailure(
    'config',
    `operation not permitted: ${binary} needs CAP_NET_RAW (add it to the container's securityContext.capabilities)`,
    { cause },
  );
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with bounded output; kills it when `signal` aborts. */
function execute(
  command: readonly string[],
  args: string[],
  signal: AbortSignal,
  binary: string,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const [file = binary, ...prefix] = command;
    const child = spawn(file, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += d;
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted) reject(asError(signal.reason));
      else if (err.code === 'ENOENT') {
        reject(
          new CheckFailure(
            'config',
            `${binary} is not installed (install the fping or iputils-ping package)`,
            { cause: err },
          ),
        );
      } else if (err.code === 'EPERM' || err.code === 'EACCES') reject(permissionFailure(binary, err));
      else reject(new CheckFailure('internal', `could not run ${binary}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code) => {
      if (signal.aborted) reject(asError(signal.reason));
      else resolve({ code, stdout, stderr });
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** `fping -C <count> -q`: prints `127.0.0.1 : 0.03 0.04 -` (a dash per lost request) to stderr. */
export class FpingPinger implements MultiPinger {
  readonly name = 'fping';
  readonly #command: readonly string[];

  /** `command` is the program and any wrapper, e.g. `['fping']` or `['/usr/sbin/fping']`. */
  constructor(command: readonly string[] = ['fping']) {
    this.#command = command;
  }

  async ping(req: PingRequest): Promise<PingResult> {
    const results = await this.pingMany({ ...req, addresses: [req.address] });
    const result = results.get(req.address);
    if (result === undefined) throw new CheckFailure('internal', `fping reported nothing for ${req.address}`);
    return result;
  }

  /** One fping run for every address (IP literals of either family, as fping takes them). */
  async pingMany(req: PingManyRequest): Promise<Map<string, PingResult>> {
    const perReply = Math.max(10, Math.min(10_000, req.timeoutMs - (req.count - 1) * req.intervalMs));
    const args = ['-C', String(req.count), '-q', '-t', String(Math.round(perReply)), '-r', '0', '-B', '1'];
    if (req.count > 1) args.push('-p', String(Math.max(1, Math.round(req.intervalMs))));
    // fping spaces targets 10 ms apart by default; a batch of 100 would take a second to send.
    if (req.addresses.length > 1) args.push('-i', '1');
    args.push(...new Set(req.addresses));
    const exit = await execute(this.#command, args, req.signal, 'fping');
    const output = `${exit.stderr}\n${exit.stdout}`;
    const lines = output.split('\n').filter((l) => / : [\d.\-\s]+$/.test(l.trim()));
    if (lines.length === 0) {
      if (PERMISSION.test(output)) throw permissionFailure('fping');
      throw new CheckFailure(
        'internal',
        `fping exited with code ${String(exit.code)}: ${firstLine(output) || 'no output'}`,
      );
    }
    const results = new Map<string, PingResult>();
    for (const line of lines) {
      // The address may itself contain colons (`::1 : 0.30 0.28`): split at the last ` : `.
      const at = line.lastIndexOf(' : ');
      const values = line
        .slice(at + 3)
        .trim()
        .split(/\s+/);
      results.set(line.slice(0, at).trim(), {
        sent: values.length,
        rttsMs: values.filter((v) => v !== '-').map(Number),
      });
    }
    return results;
  }
}

interface BatchMember {
  request: PingRequest;
  resolve: (result: PingResult) => void;
  reject: (err: Error) => void;
  settled: boolean;
}

interface Batch {
  members: BatchMember[];
  timer: NodeJS.Timeout;
}

/**
 * Coalesces ICMP checks that start within `windowMs` of each other (and share count, wait
 * and timeout) into one fping process. Spawning is most of an ICMP check's CPU (about 2 ms
 * per process); under load one process serves up to `maxBatch` checks.
 */
export class BatchingPinger implements Pinger {
  readonly name: string;
  readonly #inner: MultiPinger;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  readonly #open = new Map<string, Batch>();

  constructor(inner: MultiPinger, options: { windowMs?: number; maxBatch?: number } = {}) {
    this.#inner = inner;
    this.name = inner.name;
    this.#windowMs = options.windowMs ?? 2;
    this.#maxBatch = options.maxBatch ?? 128;
  }

  ping(request: PingRequest): Promise<PingResult> {
    if (request.signal.aborted) return Promise.reject(asError(request.signal.reason));
    const key = `${request.count}/${request.intervalMs}/${request.timeoutMs}`;
    let batch = this.#open.get(key);
    if (batch === undefined) {
      const timer = setTimeout(() => {
        this.#flush(key);
      }, this.#windowMs);
      batch = { members: [], timer };
      this.#open.set(key, batch);
    }
    const open = batch;
    return new Promise<PingResult>((resolve, reject) => {
      open.members.push({ request, resolve, reject, settled: false });
      if (open.members.length >= this.#maxBatch) this.#flush(key);
    });
  }

  #flush(key: string): void {
    const batch = this.#open.get(key);
    if (batch === undefined) return;
    this.#open.delete(key);
    clearTimeout(batch.timer);
    const controller = new AbortController();
    let live = batch.members.length;
    const detach: (() => void)[] = [];
    for (const member of batch.members) {
      const signal = member.request.signal;
      const onAbort = () => {
        if (member.settled) return;
        member.settled = true;
        member.reject(asError(signal.reason));
        // The process runs for the others; it stops only when nobody waits for it.
        live -= 1;
        if (live === 0) controller.abort(signal.reason);
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        detach.push(() => {
          signal.removeEventListener('abort', onAbort);
        });
      }
    }
    const first = batch.members[0]?.request;
    if (first === undefined || live === 0) return;
    const settle = (fn: (m: BatchMember) => void) => {
      for (const m of batch.members) {
        if (m.settled) continue;
        m.settled = true;
        fn(m);
      }
      for (const d of detach) d();
    };
    this.#inner
      .pingMany({
        addresses: batch.members.map((m) => m.request.address),
        count: first.count,
        intervalMs: first.intervalMs,
        timeoutMs: first.timeoutMs,
        signal: controller.signal,
      })
      .then(
        (results) => {
          settle((m) => {
            const result = results.get(m.request.address);
            if (result !== undefined) m.resolve(result);
            else
              m.reject(
                new CheckFailure('internal', `${this.name} reported nothing for ${m.request.address}`),
              );
          });
        },
        (err: unknown) => {
          settle((m) => {
            m.reject(asError(err));
          });
        },
      );
  }
}

/** iputils `ping -n -c <count>`: `64 bytes from ...: icmp_seq=1 ttl=64 time=0.026 ms`. */
export class IputilsPinger implements Pinger {
  readonly name = 'ping';
  readonly #command: readonly string[];

  constructor(command: readonly string[] = ['ping']) {
    this.#command = command;
  }

  async ping(req: PingRequest): Promise<PingResult> {
    const deadlineSec = Math.max(1, Math.ceil(req.timeoutMs / 1000));
    const args = [
      '-n',
      '-c',
      String(req.count),
      '-i',
      (Math.max(req.intervalMs, 2) / 1000).toFixed(3),
      '-W',
      String(deadlineSec),
      '-w',
      String(deadlineSec),
    ];
    args.push(req.family === 6 ? '-6' : '-4', req.address);
    const exit = await execute(this.#command, args, req.signal, 'ping');
    const output = `${exit.stdout}\n${exit.stderr}`;
    const transmitted = /(\d+) packets transmitted/.exec(output);
    if (transmitted === null) {
      if (PERMISSION.test(output)) throw permissionFailure('ping');
      throw new CheckFailure(
        'internal',
        `ping exited with code ${String(exit.code)}: ${firstLine(output) || 'no output'}`,
      );
    }
    const rttsMs = [...output.matchAll(/icmp_seq=\d+ .*time[=<]([\d.]+) ms/g)].map((m) => Number(m[1]));
    return { sent: Number(transmitted[1]), rttsMs };
  }
}

/** Used when neither binary exists: every ping is a precise config error. */
export class MissingPinger implements Pinger {
  readonly name = 'none';

  ping(): Promise<PingResult> {
    return Promise.reject(
      new CheckFailure(
        'config',
        'neither fping nor ping is installed: install the fping or iputils-ping package',
      ),
    );
  }
}

/** Finds an executable on a PATH string. */
export function findExecutable(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The best pinger this machine has: fping, then ping, else one that explains what is missing. */
export function createSystemPinger(path: string | undefined = process.env.PATH): Pinger {
  const fping = findExecutable('fping', path);
  if (fping !== undefined) return new BatchingPinger(new FpingPinger([fping]));
  const ping = findExecutable('ping', path);
  if (ping !== undefined) return new IputilsPinger([ping]);
  return new MissingPinger();
}
