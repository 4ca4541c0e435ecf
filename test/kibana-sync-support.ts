/**
 * Helpers of the Kibana sync tests: a project folder of SyntheticMonitor/SyntheticsProject
 * files written from objects, and the CLI run in-process against the fake Kibana.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../src/cli/main.js';
import type { FakeKibana } from './fakes/kibana/index.js';

export type Json = Record<string, unknown>;

/** A temporary project folder. */
export class ProjectDir {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'synthctl-sync-'));
    mkdirSync(join(this.dir, 'monitors'));
  }
  /** Writes `project.yaml`. */
  project(url: string, spec: Json = {}): this {
    const { kibana, ...rest } = spec;
    writeFileSync(
      join(this.dir, 'project.yaml'),
      stringify({
        apiVersion: 'synthctl.dev/v1alpha1',
        kind: 'SyntheticsProject',
        metadata: { name: 'shop' },
        spec: {
          kibana: { url, apiKey: { valueFrom: { env: 'KIBANA_KEY' } }, ...(kibana as Json | undefined) },
          projectId: 'shop',
          ...rest,
        },
      }),
    );
    return this;
  }
  /** Writes `monitors/<name>.yaml` with `spec`. */
  monitor(name: string, spec: Json): this {
    writeFileSync(
      join(this.dir, 'monitors', `${name}.yaml`),
      stringify({
        apiVersion: 'synthctl.dev/v1alpha1',
        kind: 'SyntheticMonitor',
        metadata: { name },
        spec,
      }),
    );
    return this;
  }
  /** Writes raw text to `monitors/<file>`. */
  raw(file: string, text: string): this {
    writeFileSync(join(this.dir, 'monitors', file), text);
    return this;
  }
  remove(name: string): this {
    unlinkSync(join(this.dir, 'monitors', `${name}.yaml`));
    return this;
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An HTTP monitor spec. */
export function http(url: string, extra: Json = {}, httpExtra: Json = {}): Json {
  return { schedule: '1m', locations: ['us_east'], http: { url, ...httpExtra }, ...extra };
}

/** What one CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process in `dir` with `env`. */
export async function cli(args: string[], dir: string, env: Record<string, string>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: (async function* () {})(),
    env,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

/** Requests other than GET the fake received (writes). */
export function writes(fake: FakeKibana): { method: string; route: string }[] {
  return fake.requests.filter((r) => r.method !== 'GET').map((r) => ({ method: r.method, route: r.route }));
}
