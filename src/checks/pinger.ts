/**
 * ICMP echo through the system's `fping` (preferred: one process, per-packet round trips) or
 * iputils `ping`. Which one can work depends on the process, so `createSystemPinger` reads it
 * from /proc at start:
 * - fping (and Debian's ping) get NET_RAW from a file capability (`cap_net_raw+ep`). That
 *   applies only when NET_RAW is in the bounding set and no_new_privs is off; in Kubernetes,
 *   `capabilities.add: [NET_RAW]` with `allowPrivilegeEscalation: true` (capabilities(7),
 *   "no_new_privs"; exec of such a file fails with EPERM when the bounding set lacks NET_RAW).
 * - iputils ping opens an unprivileged ICMP datagram socket when the sysctl
 *   `net.ipv4.ping_group_range` covers one of the process's groups (icmp(7)), with no capability
 *   at all: the way to ping under the restricted Pod Security profile (a pod sysctl).
 * On these machines the range is closed (`1 0`, docs: reference/environment.md §9) and tests
 * run as root, so fping is used.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
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

/** What to change so that ICMP works, for the messages of every permission failure. */
const ICMP_FIX =
  'either let the pod use unprivileged ICMP sockets (pod securityContext.sysctls: net.ipv4.ping_group_range = "0 2147483647"; synthctl then uses ping without any capability) or add NET_RAW to the container\'s capabilities with allowPrivilegeEscalation: true (fping\'s file capability needs both)';

function permissionFailure(binary: string, cause?: unknown): CheckFailure {
  return new CheckFailure('config', `operation not permitted: ${binary} cannot send ICMP; ${ICMP_FIX}`, {
    cause,
  });
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

/** What decides whether fping or ping can send ICMP in this process (Linux /proc). */
export interface IcmpPrivileges {
  /** NET_RAW in the effective set (root, or an ambient capability): raw sockets work as they are. */
  readonly effectiveNetRaw: boolean;
  /** NET_RAW in the bounding set: a file capability can grant it. */
  readonly boundingNetRaw: boolean;
  /** no_new_privs (Kubernetes `allowPrivilegeEscalation: false`): file capabilities do not apply. */
  readonly noNewPrivs: boolean;
  /** `net.ipv4.ping_group_range`, inclusive; undefined where the file cannot be read. */
  readonly pingGroupRange: readonly [number, number] | undefined;
  /** The process's real, effective and supplementary group ids. */
  readonly groups: readonly number[];
}

const CAP_NET_RAW = 13n;

/** Reads {@link IcmpPrivileges} of this process; undefined off Linux (nothing to decide by). */
export function readIcmpPrivileges(
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): IcmpPrivileges | undefined {
  let status: string;
  try {
    status = read('/proc/self/status');
  } catch {
    return undefined;
  }
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
  const hasNetRaw = (hex: string | undefined): boolean =>
    hex !== undefined && /^[0-9a-f]+$/i.test(hex) && ((BigInt(`0x${hex}`) >> CAP_NET_RAW) & 1n) === 1n;
  let pingGroupRange: [number, number] | undefined;
  try {
    const [lo, hi] = read('/proc/sys/net/ipv4/ping_group_range').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) pingGroupRange = [lo!, hi!];
  } catch {
    pingGroupRange = undefined;
  }
  // Gid: real, effective, saved, filesystem; Groups: supplementary. The kernel checks the
  // effective and supplementary groups against the range (ping_group_range, icmp(7)).
  const groups = new Set<number>();
  for (const name of ['Gid', 'Groups']) {
    for (const id of (new RegExp(`^${name}:(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/)) {
      if (/^\d+$/.test(id)) groups.add(Number(id));
    }
  }
  return {
    effectiveNetRaw: hasNetRaw(field('CapEff')),
    boundingNetRaw: hasNetRaw(field('CapBnd')),
    noNewPrivs: field('NoNewPrivs') === '1',
    pingGroupRange,
    groups: [...groups],
  };
}

/** Why no pinger can work here; every check reports it as a config error. */
export class UnavailablePinger implements Pinger {
  readonly name = 'unavailable';
  readonly reason: string;

  constructor(reason: string) {
    this.reason = reason;
  }

  ping(): Promise<PingResult> {
    return Promise.reject(new CheckFailure('config', this.reason));
  }
}

/** The executables `choosePinger` may use. */
export interface PingExecutables {
  readonly fping?: string | undefined;
  readonly ping?: string | undefined;
}

/**
 * Picks the pinger that can work under `privileges`: fping where its file capability applies
 * (or the process has NET_RAW), else ping over unprivileged ICMP sockets where the group range
 * allows them, else an explanation of what to change. Without privileges information (not
 * Linux), fping then ping, as they come.
 */
export function choosePinger(found: PingExecutables, privileges: IcmpPrivileges | undefined): Pinger {
  const fping = found.fping === undefined ? undefined : new BatchingPinger(new FpingPinger([found.fping]));
  const ping = found.ping === undefined ? undefined : new IputilsPinger([found.ping]);
  if (privileges === undefined) return fping ?? ping ?? new MissingPinger();
  const rawWorks = privileges.effectiveNetRaw || (privileges.boundingNetRaw && !privileges.noNewPrivs);
  const range = privileges.pingGroupRange;
  const datagramWorks = range !== undefined && privileges.groups.some((g) => g >= range[0] && g <= range[1]);
  if (rawWorks && fping !== undefined) return fping;
  if (datagramWorks && ping !== undefined) return ping;
  if (rawWorks && ping !== undefined) return ping;
  if (fping === undefined && ping === undefined) return new MissingPinger();
  const why: string[] = [];
  why.push(
    range === undefined
      ? 'unprivileged ICMP sockets are unavailable (net.ipv4.ping_group_range cannot be read)'
      : `unprivileged ICMP sockets are off for this process (net.ipv4.ping_group_range is "${String(range[0])} ${String(range[1])}", groups ${privileges.groups.join(', ') || 'none'})`,
  );
  if (datagramWorks) why.push('and iputils ping is not installed');
  why.push(
    !privileges.boundingNetRaw
      ? "and NET_RAW is not among the container's capabilities"
      : "and no_new_privs is set (allowPrivilegeEscalation: false), so fping's file capability cannot apply",
  );
  return new UnavailablePinger(`ICMP cannot work in this container: ${why.join(' ')}; ${ICMP_FIX}`);
}

/** The pinger this process can use: see {@link choosePinger}. */
export function createSystemPinger(
  path: string | undefined = process.env.PATH,
  privileges: IcmpPrivileges | undefined = readIcmpPrivileges(),
): Pinger {
  return choosePinger(
    { fping: findExecutable('fping', path), ping: findExecutable('ping', path) },
    privileges,
  );
}
