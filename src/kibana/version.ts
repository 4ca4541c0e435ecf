/**
 * Kibana versions and the features they gate, as `@elastic/synthetics` push decides them
 * (`src/push/utils.ts`; elastic.md §2.11). Comparison follows semver: a pre-release sorts before
 * its release, so `8.6.0-SNAPSHOT` is not ≥ 8.6.0 — except for API monitors, where push coerces
 * the version first so pre-release builds of 9.6.0 count.
 */

/** A parsed `major.minor.patch[-prerelease]`. */
export interface KibanaVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `''` for a release. */
  readonly prerelease: string;
}

/** Thrown when a version string holds no `X.Y.Z`. */
export class InvalidVersionError extends Error {
  override readonly name = 'InvalidVersionError';
  readonly version: string;
  constructor(version: string) {
    super(`"${version}" is not a Kibana version (expected major.minor.patch, e.g. 9.1.0)`);
    this.version = version;
  }
}

/** Parses a strict semver version (`v` prefix allowed; build metadata ignored). */
export function parseVersion(version: string): KibanaVersion {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (m === null) throw new InvalidVersionError(version);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ?? '' };
}

/** `semver.coerce`: the first `X[.Y[.Z]]` in the string, pre-release dropped. */
export function coerceVersion(version: string): KibanaVersion {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (m === null) throw new InvalidVersionError(version);
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), prerelease: '' };
}

/** Semver precedence: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: KibanaVersion | string, b: KibanaVersion | string): number {
  const x = typeof a === 'string' ? parseVersion(a) : a;
  const y = typeof b === 'string' ? parseVersion(b) : b;
  return (
    x.major - y.major ||
    x.minor - y.minor ||
    x.patch - y.patch ||
    comparePrerelease(x.prerelease, y.prerelease)
  );
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const s = pa[i];
    const t = pb[i];
    if (s === undefined) return -1;
    if (t === undefined) return 1;
    const ns = /^\d+$/.test(s);
    const nt = /^\d+$/.test(t);
    if (ns && nt) {
      const d = Number(s) - Number(t);
      if (d !== 0) return d;
    } else if (ns !== nt) {
      return ns ? -1 : 1;
    } else if (s !== t) {
      return s < t ? -1 : 1;
    }
  }
  return 0;
}

/** True when `version` ≥ `min` under semver precedence. */
export function isAtLeast(version: KibanaVersion | string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

/** Minimum Kibana versions of the features synthctl depends on. */
export const KIBANA_FEATURE_VERSIONS = {
  /** Lightweight (http/tcp/icmp) project monitors. */
  lightweightMonitors: '8.5.0',
  /** `GET` / `_bulk_update` / `_bulk_delete` project API (older Kibana: legacy streaming PUT). */
  bulkProjectApi: '8.6.0',
  /** Project params attached to lightweight monitors. */
  lightweightParams: '8.7.2',
  /** `spaces` on monitors: 8.19 on the 8.x line, 9.1 on 9.x. */
  monitorSpaces: '8.19.0',
  /** Run a monitor once (`POST /api/synthetics/monitor/test/{id}`). */
  testNow: '9.2.0',
  /** `type: api` journeys (compared on the coerced version). */
  apiMonitors: '9.6.0',
} as const;

/** What a given Kibana accepts. */
export interface KibanaCapabilities {
  readonly version: string;
  readonly lightweightMonitors: boolean;
  readonly bulkProjectApi: boolean;
  readonly lightweightParams: boolean;
  readonly monitorSpaces: boolean;
  readonly testNow: boolean;
  readonly apiMonitors: boolean;
}

/** The feature gates of `version` (a string from `GET /api/stats` `kibana.version`). */
export function kibanaCapabilities(version: string): KibanaCapabilities {
  const v = parseVersion(version);
  const f = KIBANA_FEATURE_VERSIONS;
  // 9.0 shipped without multi-space monitors although it is newer than 8.19 (kibana#221568).
  const spaces = v.major === 9 ? isAtLeast(v, '9.1.0') : isAtLeast(v, f.monitorSpaces);
  return {
    version,
    lightweightMonitors: isAtLeast(v, f.lightweightMonitors),
    bulkProjectApi: isAtLeast(v, f.bulkProjectApi),
    lightweightParams: isAtLeast(v, f.lightweightParams),
    monitorSpaces: spaces,
    testNow: isAtLeast(v, f.testNow),
    apiMonitors: isAtLeast(coerceVersion(version), f.apiMonitors),
  };
}
