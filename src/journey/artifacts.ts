/**
 * Where screenshots, traces and videos go: `<root>/<monitor>/<run>/` (default root
 * `.synthctl/artifacts`), with a retention policy applied per monitor after each run. A run
 * folder is created only when something is kept, so passing runs with screenshots off or
 * only-on-failure leave nothing behind.
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The default artifact root, relative to the working directory. */
export const DEFAULT_ARTIFACTS_DIR = '.synthctl/artifacts';

/** How many runs to keep per monitor, and for how long. */
export interface RetentionPolicy {
  /** Newest run folders kept per monitor (default 20). */
  maxRuns?: number;
  /** Older run folders are removed (default 7 days). */
  maxAgeMs?: number;
}

/** `shop/login` → `shop_login`: one safe path segment. */
export function safeSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? '_' : cleaned.slice(0, 200);
}

/** One run's folder; files are written on demand. */
export class ArtifactRun {
  readonly dir: string;
  #created = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** True once a file was written. */
  get used(): boolean {
    return this.#created;
  }

  /** A path inside the run folder (creates the folder). */
  async path(name: string): Promise<string> {
    if (!this.#created) {
      await mkdir(this.dir, { recursive: true });
      this.#created = true;
    }
    return join(this.dir, safeSegment(name));
  }

  /** Writes a file and returns its path. */
  async write(name: string, data: Buffer | string): Promise<string> {
    const path = await this.path(name);
    await writeFile(path, data);
    return path;
  }
}

/** The artifact root with its retention policy. */
export class ArtifactStore {
  readonly root: string;
  readonly #maxRuns: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: { root: string; retention?: RetentionPolicy; now?: () => number }) {
    this.root = resolve(options.root);
    this.#maxRuns = Math.max(1, options.retention?.maxRuns ?? 20);
    this.#maxAgeMs = options.retention?.maxAgeMs ?? 7 * 24 * 3600 * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The folder of one run of a monitor. */
  run(monitorId: string, runId: string): ArtifactRun {
    return new ArtifactRun(join(this.root, safeSegment(monitorId), safeSegment(runId)));
  }

  /** Removes run folders of the monitor beyond the newest `maxRuns` or older than `maxAgeMs`. */
  async prune(monitorId: string): Promise<string[]> {
    const dir = join(this.root, safeSegment(monitorId));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const runs = (
      await Promise.all(
        names.map(async (name) => {
          try {
            const s = await stat(join(dir, name));
            return s.isDirectory() ? { name, mtime: s.mtimeMs } : undefined;
          } catch {
            return undefined;
          }
        }),
      )
    ).filter((r): r is { name: string; mtime: number } => r !== undefined);
    runs.sort((a, b) => b.mtime - a.mtime);
    const cutoff = this.#now() - this.#maxAgeMs;
    const doomed = runs.filter((r, i) => i >= this.#maxRuns || r.mtime < cutoff);
    await Promise.all(doomed.map((r) => rm(join(dir, r.name), { recursive: true, force: true })));
    return doomed.map((r) => join(dir, r.name));
  }
}
