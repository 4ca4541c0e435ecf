/**
 * Helpers that drive the real `@elastic/synthetics push` CLI (the devDependency, 1.26.3) against
 * a fake Kibana: a temporary project directory and an asynchronous child process (a synchronous
 * spawn would block the in-process fake and hang the push).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The push CLI binary of the devDependency. */
export const PUSH_BIN = join(REPO, 'node_modules', '.bin', 'elastic-synthetics');

/** A temporary `@elastic/synthetics` project. */
export class PushProject {
  readonly dir: string;

  constructor(files: Record<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), 'synthctl-push-'));
    // push refuses to run outside an npm project; journeys import '@elastic/synthetics' at load.
    this.write('package.json', JSON.stringify({ name: 'push-fixture', version: '1.0.0', private: true }));
    symlinkSync(join(REPO, 'node_modules'), join(this.dir, 'node_modules'), 'dir');
    for (const [name, content] of Object.entries(files)) this.write(name, content);
  }

  write(name: string, content: string): void {
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `elastic-synthetics push --auth KEY --url URL --id ID -y`; never rejects. */
  push(opts: {
    url: string;
    apiKey: string;
    id: string;
    space?: string;
    timeoutMs?: number;
  }): Promise<PushResult> {
    const args = ['push', '--auth', opts.apiKey, '--url', opts.url, '--id', opts.id, '-y'];
    if (opts.space !== undefined) args.push('--space', opts.space);
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(
        PUSH_BIN,
        args,
        {
          cwd: this.dir,
          timeout: opts.timeoutMs ?? 120_000,
          env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
          encoding: 'utf8',
        },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
          resolve({ code, stdout, stderr, ms: performance.now() - started });
        },
      );
    });
  }
}

/** Outcome of one push run. */
export interface PushResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Parses push's `Monitor Diff: Added(n) Updated(n) Removed(n) Unchanged(n)` line. */
export function parseDiff(
  stdout: string,
): { added: number; updated: number; removed: number; unchanged: number } | undefined {
  const m = /Monitor Diff: Added\((\d+)\) Updated\((\d+)\) Removed\((\d+)\) Unchanged\((\d+)\)/.exec(stdout);
  if (m === null) return undefined;
  return { added: Number(m[1]), updated: Number(m[2]), removed: Number(m[3]), unchanged: Number(m[4]) };
}

/** A `synthetics.config.ts` as `init` writes it, pointed at `url`. */
export function syntheticsConfig(opts: {
  id: string;
  url: string;
  space?: string;
  schedule?: number;
  locations?: string[];
  privateLocations?: string[];
  params?: Record<string, string>;
}): string {
  const monitor: Record<string, unknown> = {
    schedule: opts.schedule ?? 10,
    locations: opts.locations ?? ['us_east'],
  };
  if (opts.privateLocations) monitor['privateLocations'] = opts.privateLocations;
  const config = {
    params: opts.params ?? {},
    monitor,
    project: { id: opts.id, url: opts.url, space: opts.space ?? 'default' },
  };
  // `project.id` must appear as `id: '<id>'`: push rewrites that text when --id differs.
  return `import type { SyntheticsConfig } from '@elastic/synthetics';\n\nconst config: SyntheticsConfig = ${JSON.stringify(config, null, 2).replace(/"id": "([^"]*)"/, "id: '$1'")};\n\nexport default config;\n`;
}
