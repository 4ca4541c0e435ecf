/**
 * The `hash` of a project monitor: what Kibana stores and returns from the list endpoint, and
 * what plan compares to tell "changed" from "unchanged" (elastic.md §2.6).
 *
 * Push hashes `JSON.stringify(config) + content + source.file`, where `source.file` is the
 * journey's absolute path, so the same project pushed from two checkouts looks changed. Ours
 * covers content only: the canonical JSON (keys sorted, `hash` left out) of the payload, which
 * already holds the browser bundle (`content`, a deterministic zip with relative paths), plus
 * one digest per referenced secret, supplied by the caller. Secrets are Kibana params
 * referenced as `${key}`, so without the digests rotating a secret would not change the hash
 * and plan could not tell that the param needs updating. The digest is a salted scrypt of the
 * value (`secretDigest`), never the value: Kibana stores the hash where any reader sees it.
 * Output is base64 sha256, push's format.
 */
import { createHash, scryptSync } from 'node:crypto';

/** JSON with object keys sorted at every level; `undefined` members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => (item === undefined ? null : sortKeys(item)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

/** Options of `hashMonitor`. */
export interface HashOptions {
  /** Param key → `secretDigest(key, value)` for every secret param the monitor references. */
  readonly secretDigests?: Readonly<Record<string, string>>;
}

/** The project monitor hash of `payload` (its own `hash` member is ignored). */
export function hashMonitor(payload: Readonly<Record<string, unknown>>, options: HashOptions = {}): string {
  const { hash: _ignored, ...rest } = payload;
  const digest = createHash('sha256').update(canonicalJson(rest));
  const secrets = options.secretDigests ?? {};
  const keys = Object.keys(secrets).sort();
  if (keys.length > 0) {
    // A separator no canonical JSON object ends with, then the sorted digests.
    digest.update('\n');
    digest.update(canonicalJson(Object.fromEntries(keys.map((key) => [key, secrets[key]]))));
  }
  return digest.digest('base64');
}

// scrypt cost: ~25 ms per secret here, so guessing a weak secret from a published hash is
// slow, while a plan over hundreds of secrets stays within seconds.
const SCRYPT = { N: 4096, r: 8, p: 1 } as const;

/**
 * The digest of a secret value for `HashOptions.secretDigests`: scrypt salted with the param
 * key, hex. Deterministic (every synthctl computes the same hash), one-way, and slow to guess.
 */
export function secretDigest(paramKey: string, value: string): string {
  return scryptSync(value, `synthctl-param:${paramKey}`, 32, SCRYPT).toString('hex');
}

/**
 * Remembers {@link secretDigest} results for a long-running process. scrypt is slow on purpose
 * (~8–25 ms), and the operator plans a project with all its secret params on every reconcile:
 * 25 params cost ~200 ms of blocking CPU per plan without this (docs/benchmarks.md, Operator).
 * Entries are keyed by a sha256 of key and value, held in memory only, at most `maxEntries`
 * (least recently used first out); a rotated secret is a new entry, so nothing goes stale.
 */
export class SecretDigestCache {
  readonly #entries = new Map<string, string>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = Math.max(1, maxEntries);
  }

  /** The digest of `value` for `paramKey`, computed once per distinct pair. */
  digest(paramKey: string, value: string): string {
    const id = createHash('sha256').update(paramKey).update('\0').update(value).digest('base64');
    const known = this.#entries.get(id);
    if (known !== undefined) {
      this.#entries.delete(id);
      this.#entries.set(id, known);
      return known;
    }
    const digest = secretDigest(paramKey, value);
    this.#entries.set(id, digest);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return digest;
  }

  /** Number of remembered digests. */
  get size(): number {
    return this.#entries.size;
  }
}
