/**
 * Renders Helm charts in tests with tools/helm-render, a small Go program on Helm's own template
 * engine libraries (text/template + sprig v3, yaml.v2, gojsonschema), since no helm binary can be
 * installed here (environment.md §7–8). The binary is built once per source hash under
 * node_modules/.cache/synthctl-helm-render/, under a lock because test files run concurrently.
 * Rendering is never skipped: without Go the build fails with what to install.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify as stringifyYaml } from 'yaml';
import { type K8sObject, parseObjects } from './k8s-validate.js';

const run = promisify(execFile);

/** The repository root. */
export const ROOT = new URL('../..', import.meta.url).pathname;
const SOURCE_DIR = join(ROOT, 'tools/helm-render');
const CACHE_DIR = join(ROOT, 'node_modules/.cache/synthctl-helm-render');
/** Debian packages the renderer builds from (scripts/setup.sh installs them). */
export const GO_PACKAGES =
  'golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev golang-github-burntsushi-toml-dev golang-github-xeipuuv-gojsonschema-dev';
const LOCK_TIMEOUT_MS = 180_000;

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(SOURCE_DIR)
    .filter((n) => n.endsWith('.go'))
    .sort()) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(SOURCE_DIR, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function goVersion(): Promise<string> {
  try {
    const { stdout } = await run('go', ['version']);
    return stdout.trim();
  } catch {
    throw new Error(
      `tools/helm-render needs Go and Helm's Go libraries from Debian: run scripts/setup.sh, or ` +
        `apt-get install ${GO_PACKAGES}`,
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes a directory lock (mkdir is atomic), bounded in time; a stale lock (> timeout) is broken. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - started > LOCK_TIMEOUT_MS) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

let binary: Promise<string> | undefined;

/** Path of the helm-render binary, built on first use (GOPATH mode, Debian's /usr/share/gocode). */
export function helmRenderBinary(): Promise<string> {
  binary ??= (async () => {
    const target = join(CACHE_DIR, sourceHash(), 'helm-render');
    if (existsSync(target)) return target;
    const version = await goVersion();
    mkdirSync(CACHE_DIR, { recursive: true });
    return withLock(join(CACHE_DIR, 'build.lock'), async () => {
      if (existsSync(target)) return target;
      mkdirSync(join(target, '..'), { recursive: true });
      const partial = `${target}.${process.pid}.tmp`;
      try {
        await run('go', ['build', '-o', partial, '.'], {
          cwd: SOURCE_DIR,
          env: {
            ...process.env,
            GOPATH: '/usr/share/gocode',
            GO111MODULE: 'off',
            GOFLAGS: '',
            GOCACHE: join(CACHE_DIR, 'go-build'),
          },
          timeout: LOCK_TIMEOUT_MS,
        });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? String(error);
        throw new Error(
          `building tools/helm-render failed (${version}); are ${GO_PACKAGES} installed?\n${stderr}`,
        );
      }
      renameSync(partial, target);
      return target;
    });
  })();
  return binary;
}

/** Options of one rendering, as `helm template` flags. */
export type RenderOptions = {
  chart?: string;
  release?: string;
  namespace?: string;
  /** Values files' contents, in order (each written to a temporary file and passed with -f). */
  values?: unknown[];
  set?: string[];
  includeCrds?: boolean;
  kubeVersion?: string;
  apiVersions?: string[];
};

/** What a rendering produced. */
export type Rendered = { stdout: string; objects: K8sObject[]; sources: string[]; notes: string };

/** A failed rendering: helm-render's exit code and message (as Helm prints it). */
export class HelmRenderError extends Error {
  readonly stderr: string;
  constructor(stderr: string) {
    super(stderr.trim());
    this.stderr = stderr;
  }
}

/** Renders a chart (default deploy/helm/synthctl) and parses the output. */
export async function renderChart(options: RenderOptions = {}): Promise<Rendered> {
  const bin = await helmRenderBinary();
  const dir = mkdtempSync(join(tmpdir(), 'helm-render-'));
  try {
    const args = [
      '--chart',
      join(ROOT, options.chart ?? 'deploy/helm/synthctl'),
      '--release',
      options.release ?? 'synthctl',
      '--namespace',
      options.namespace ?? 'synthetic-monitoring',
      '--notes-file',
      join(dir, 'NOTES.txt'),
    ];
    (options.values ?? []).forEach((values, i) => {
      const file = join(dir, `values-${i}.yaml`);
      writeFileSync(file, stringifyYaml(values));
      args.push('-f', file);
    });
    for (const s of options.set ?? []) args.push('--set', s);
    for (const a of options.apiVersions ?? []) args.push('--api-versions', a);
    if (options.includeCrds === true) args.push('--include-crds');
    if (options.kubeVersion !== undefined) args.push('--kube-version', options.kubeVersion);
    let stdout: string;
    try {
      ({ stdout } = await run(bin, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }));
    } catch (error) {
      const e = error as { stderr?: string; code?: number };
      if (typeof e.code === 'number') throw new HelmRenderError(e.stderr ?? '');
      throw error;
    }
    const notes = existsSync(join(dir, 'NOTES.txt')) ? readFileSync(join(dir, 'NOTES.txt'), 'utf8') : '';
    const sources = [...stdout.matchAll(/^# Source: (.+)$/gm)].map((m) => m[1]!);
    return { stdout, objects: parseObjects(stdout, 'helm-render output'), sources, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
