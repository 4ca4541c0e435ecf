/**
 * Playwright records video with its own ffmpeg build, looked up at
 * `<PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright>/ffmpeg-<revision>/ffmpeg-linux`, and
 * cannot download it here. Debian's ffmpeg works when linked there (environment.md §4). The
 * revision comes from playwright-core's `browsers.json`, never hard-coded.
 */
import { access, mkdir, readFile, symlink, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Debian's ffmpeg. */
export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

/** Video was asked for but cannot be recorded. */
export class VideoUnavailableError extends Error {
  override readonly name = 'VideoUnavailableError';
}

/** The ffmpeg revision playwright-core expects. */
export async function ffmpegRevision(): Promise<string> {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('playwright-core/package.json')), 'browsers.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as { browsers: { name: string; revision: string }[] };
  const entry = json.browsers.find((b) => b.name === 'ffmpeg');
  if (entry === undefined) throw new VideoUnavailableError(`${file} names no ffmpeg revision`);
  return entry.revision;
}

/** Where Playwright looks for its browsers (its `registryDirectory` on Linux). */
export function playwrightBrowsersPath(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.PLAYWRIGHT_BROWSERS_PATH;
  if (configured !== undefined && configured !== '' && configured !== '0') return configured;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ms-playwright');
}

/** Links Debian's ffmpeg where Playwright expects its own; returns the link path. */
export async function ensureVideoEncoder(
  env: Readonly<Record<string, string | undefined>> = process.env,
  ffmpeg = SYSTEM_FFMPEG,
): Promise<string> {
  const link = join(playwrightBrowsersPath(env), `ffmpeg-${await ffmpegRevision()}`, 'ffmpeg-linux');
  try {
    await access(link);
    return link;
  } catch {
    // Missing or a dangling link: (re)create it below.
  }
  try {
    await access(ffmpeg);
  } catch {
    throw new VideoUnavailableError(
      `video needs ffmpeg at ${ffmpeg} (apt-get install ffmpeg); Playwright cannot download its own here`,
    );
  }
  await mkdir(dirname(link), { recursive: true });
  await unlink(link).catch(() => undefined);
  await symlink(ffmpeg, link);
  return link;
}
