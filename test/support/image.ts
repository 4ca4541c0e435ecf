/**
 * Helpers of test/image.test.ts: whether this machine can build and run the container image,
 * the build (scripts/build-image.sh) and `podman run` with the security settings a Kubernetes
 * pod would give the container.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../..', import.meta.url).pathname;

/** What one finished command printed and how it ended. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Process groups of the commands still running, killed when this test process is stopped. */
const running = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

let stopHandlersInstalled = false;
/**
 * The test runner stops a file that outlives --test-timeout with SIGTERM; without this, a build
 * (bash, buildah) or a podman client would outlive the test process.
 */
function installStopHandlers(): void {
  if (stopHandlersInstalled) return;
  stopHandlersInstalled = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      for (const pid of running) killGroup(pid, 'SIGTERM');
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    });
  }
  process.once('exit', () => {
    for (const pid of running) killGroup(pid, 'SIGKILL');
  });
}

/**
 * Runs a command to completion in its own process group (all of it killed after `timeoutMs` or
 * when the test process is stopped); never throws on a non-zero exit.
 */
export function runCommand(cmd: string, args: readonly string[], timeoutMs: number): Promise<Ran> {
  installStopHandlers();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code) => {
      done();
      resolve({ code, stdout, stderr });
    });
  });
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why the image test cannot run here, or undefined when it can. */
export function imageTestSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SYNTHCTL_SKIP_IMAGE_TEST === '1') return 'SYNTHCTL_SKIP_IMAGE_TEST=1';
  if (process.platform !== 'linux') return 'container images are built on Linux only';
  if (process.getuid?.() !== 0) {
    return 'scripts/build-image.sh runs as root (rootless buildah needs /etc/subuid ranges)';
  }
  const missing = ['buildah', 'podman', 'mmdebstrap'].filter((c) => !hasCommand(c));
  if (!hasCommand('runc') && !hasCommand('crun')) missing.push('runc');
  if (missing.length > 0) {
    return `needs ${missing.join(', ')} (apt-get install buildah podman runc mmdebstrap; docs/image.md)`;
  }
  return undefined;
}

/** The `limits` row of a resource, as [soft, hard] (Infinity for unlimited). */
function ownLimit(name: string): [number, number] {
  const row = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const cols = row?.slice(name.length).trim().split(/\s+/) ?? [];
  const num = (v: string | undefined): number =>
    v === undefined || v === 'unlimited' ? Infinity : Number(v);
  return [num(cols[0]), num(cols[1])];
}

/**
 * Options every `podman run` of the test needs on a machine like this one: runc, because crun
 * refuses a hybrid cgroup v1/v2 host, and rlimits no higher than ours, because podman's
 * defaults (1048576 open files) need CAP_SYS_RESOURCE, which a container may lack.
 */
export function podmanBaseArgs(): string[] {
  const nofile = Math.min(ownLimit('Max open files')[1], 1048576);
  const nproc = Math.min(ownLimit('Max processes')[1], 32768);
  const runtime = hasCommand('runc') ? ['--runtime', 'runc'] : [];
  return [...runtime, '--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

/** The security settings of a container in a pod (securityContext), as the test applies them. */
export interface PodSecurity {
  /** capabilities: drop [ALL], add [NET_RAW] when true. */
  netRaw: boolean;
  /** allowPrivilegeEscalation (false sets no_new_privs). */
  allowPrivilegeEscalation: boolean;
  /**
   * The pod sysctl net.ipv4.ping_group_range: which groups may open unprivileged ICMP sockets.
   * Unset: "1 0", the kernel's default (no group), what a pod gets from a runtime that sets
   * nothing (CRI-O, containerd 1.x); podman would otherwise set its own default ("0 0").
   */
  pingGroupRange?: string;
}

/** The kernel's default net.ipv4.ping_group_range: no group may open an ICMP datagram socket. */
export const CLOSED_PING_GROUP_RANGE = '1 0';

/** How a container runs: image, arguments, security and network. */
export interface RunSpec {
  image: string;
  args: readonly string[];
  security: PodSecurity;
  /** Entry point instead of the image's (a program inside the image). */
  entrypoint?: string;
  /** Bind mounts, read-only: host path -> container path. */
  mounts?: Readonly<Record<string, string>>;
  /** "none" (own network namespace, loopback only) unless given. */
  network?: string;
  timeoutMs?: number;
}

/**
 * `podman run --rm --read-only` the way a Kubernetes pod runs the container: the image's user,
 * all capabilities dropped but NET_RAW when granted, the pod's net.ipv4.ping_group_range, and
 * no ambient capabilities. Podman raises
 * a non-root user's added capabilities to the ambient set; Kubernetes runtimes (containerd,
 * CRI-O) do not, so the process starts through setpriv, which clears the ambient and
 * inheritable sets: a granted NET_RAW then stays only in the bounding set, as in a pod, and a
 * program gets it only through a file capability.
 */
export function podRun(spec: RunSpec): Promise<Ran> {
  const args = ['run', '--rm', '--read-only', '--pull=never', ...podmanBaseArgs()];
  args.push('--network', spec.network ?? 'none', '--cap-drop', 'ALL');
  if (spec.security.netRaw) args.push('--cap-add', 'NET_RAW');
  if (!spec.security.allowPrivilegeEscalation) args.push('--security-opt', 'no-new-privileges');
  // The container has its own network namespace (--network none), so the sysctl is its own.
  args.push(
    '--sysctl',
    `net.ipv4.ping_group_range=${spec.security.pingGroupRange ?? CLOSED_PING_GROUP_RANGE}`,
  );
  for (const [host, inside] of Object.entries(spec.mounts ?? {})) args.push('-v', `${host}:${inside}:ro`);
  args.push('--entrypoint', '/usr/bin/setpriv', spec.image, '--inh-caps=-all', '--ambient-caps=-all', '--');
  if (spec.entrypoint === undefined) args.push('/usr/bin/tini', '--', '/usr/local/bin/synthctl');
  else args.push(spec.entrypoint);
  args.push(...spec.args);
  return runCommand('podman', args, spec.timeoutMs ?? 120_000);
}

/** The parts of `podman image inspect` the test checks. */
export interface ImageConfig {
  user: string;
  entrypoint: string[];
  volumes: string[];
  labels: Record<string, string>;
  env: string[];
  sizeBytes: number;
}

/** Reads an image's configuration. */
export async function inspectImage(image: string): Promise<ImageConfig> {
  const ran = await runCommand('podman', ['image', 'inspect', image], 60_000);
  if (ran.code !== 0) throw new Error(`podman image inspect ${image}: ${ran.stderr}`);
  const [info] = JSON.parse(ran.stdout) as {
    Size: number;
    Config: {
      User?: string;
      Entrypoint?: string[];
      Volumes?: Record<string, unknown>;
      Labels?: Record<string, string>;
      Env?: string[];
    };
  }[];
  if (info === undefined) throw new Error(`podman image inspect ${image}: no image`);
  return {
    user: info.Config.User ?? '',
    entrypoint: info.Config.Entrypoint ?? [],
    volumes: Object.keys(info.Config.Volumes ?? {}).sort(),
    labels: info.Config.Labels ?? {},
    env: info.Config.Env ?? [],
    sizeBytes: info.Size,
  };
}

/** What scripts/build-image.sh reported: seconds per phase and the images it built. */
export interface BuildReport {
  phases: Record<string, number>;
  images: string[];
  output: string;
}

/** Runs scripts/build-image.sh (both targets); throws with its output when it fails. */
export async function buildImages(image: string, timeoutMs: number): Promise<BuildReport> {
  const args = ['scripts/build-image.sh', '--image', image];
  if (process.env.SYNTHCTL_IMAGE_BASES !== undefined) args.push('--bases', process.env.SYNTHCTL_IMAGE_BASES);
  const ran = await runCommand('bash', args, timeoutMs);
  const output = ran.stdout + ran.stderr;
  if (ran.code !== 0)
    throw new Error(`scripts/build-image.sh exited with ${String(ran.code)}:\n${output.slice(-4000)}`);
  const phases: Record<string, number> = {};
  const images: string[] = [];
  for (const line of ran.stdout.split('\n')) {
    const phase = /^phase (\S+) ([\d.]+)$/.exec(line);
    if (phase?.[1] !== undefined) phases[phase[1]] = Number(phase[2]);
    const built = /^image (\S+) /.exec(line);
    if (built?.[1] !== undefined) images.push(built[1]);
  }
  return { phases, images, output };
}
