/**
 * Name resolution behind an interface, so tests map names to loopback without touching DNS,
 * and so `ipv4`/`ipv6`/`mode` (Heartbeat's IP options) apply in one place.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CheckFailure, asError } from './errors.js';

/** One resolved address. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses, in the order the system prefers. */
export interface AddressResolver {
  lookup(host: string, signal: AbortSignal): Promise<ResolvedAddress[]>;
}

/** The system resolver (`getaddrinfo` via `dns.promises.lookup`, as Heartbeat and curl use). */
export class SystemResolver implements AddressResolver {
  async lookup(host: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
    signal.throwIfAborted();
    const pending = lookup(host, { all: true });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        reject(asError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const found = await Promise.race([pending, aborted]);
      return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      pending.catch(() => undefined);
    }
  }
}

/** A fixed table, for tests and for `/etc/hosts`-like overrides. Unknown names fail like DNS. */
export class StaticResolver implements AddressResolver {
  readonly #table: ReadonlyMap<string, readonly string[]>;

  constructor(table: Readonly<Record<string, readonly string[]>>) {
    this.#table = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v]));
  }

  lookup(host: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const found = this.#table.get(host.toLowerCase());
    if (found === undefined) {
      return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    }
    return Promise.resolve(found.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 })));
  }
}

/** Which addresses a check uses (Heartbeat `ipv4`, `ipv6`, `mode`). */
export interface IpPreference {
  ipv4?: boolean;
  ipv6?: boolean;
  mode?: 'any' | 'all';
}

/** At most this many addresses are checked in `mode: all` (bounded fan-out). */
export const MAX_ADDRESSES = 16;

/**
 * Resolves `host` (or takes it as an IP literal) and applies the IP preference. Throws a
 * `dns` CheckFailure with a sentence for every way this can come up empty.
 */
export async function resolveAddresses(
  resolver: AddressResolver,
  host: string,
  pref: IpPreference,
  signal: AbortSignal,
): Promise<ResolvedAddress[]> {
  const useV4 = pref.ipv4 ?? true;
  const useV6 = pref.ipv6 ?? true;
  if (!useV4 && !useV6)
    throw new CheckFailure('config', 'ipv4 and ipv6 are both false: no address can be used');
  const literal = isIP(host);
  let all: ResolvedAddress[];
  if (literal !== 0) {
    all = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      all = await resolver.lookup(host, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw dnsFailure(host, err);
    }
  }
  const usable = all.filter((a) => (a.family === 4 ? useV4 : useV6));
  if (usable.length === 0) {
    const wanted = useV4 ? 'IPv4' : 'IPv6';
    const other = all.length === 1 ? '1 address' : `${all.length} addresses`;
    throw new CheckFailure(
      literal !== 0 ? 'config' : 'dns',
      all.length === 0
        ? `${host} has no addresses`
        : `${host} has no ${wanted} address (found ${other} of the other family, and ${useV4 ? 'ipv6' : 'ipv4'} is false)`,
    );
  }
  return pref.mode === 'all' ? usable.slice(0, MAX_ADDRESSES) : usable.slice(0, 1);
}

function dnsFailure(host: string, err: unknown): CheckFailure {
  const code = (err as { code?: unknown }).code;
  const why =
    code === 'ENOTFOUND'
      ? 'no such host'
      : code === 'EAI_AGAIN'
        ? 'temporary failure in name resolution'
        : code === 'ENODATA'
          ? 'no address records'
          : typeof code === 'string'
            ? code
            : (err as Error).message;
  return new CheckFailure('dns', `could not resolve ${host}: ${why}`, { cause: err });
}
