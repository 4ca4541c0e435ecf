/**
 * The check registry: monitor type → Check. The scheduler looks checks up through it
 * (`CheckLookup`); the browser check joins when its issue lands.
 */
import type { MonitorType } from '../model/schema.js';
import { HttpCheck } from './http.js';
import { IcmpCheck } from './icmp.js';
import { createSystemPinger, type Pinger } from './pinger.js';
import { SystemResolver, type AddressResolver } from './resolver.js';
import { TcpCheck } from './tcp.js';
import type { Check, SecretResolver } from './types.js';

/** What the lightweight checks share. Defaults: system resolver, fping/ping from PATH. */
export interface CheckRegistryDeps {
  secrets: SecretResolver;
  resolver?: AddressResolver;
  pinger?: Pinger;
  now?: () => number;
  userAgent?: string;
}

/** Maps a monitor type to its check; a `Map` with a constructor that wires the defaults. */
export class CheckRegistry {
  readonly #checks = new Map<MonitorType, Check>();

  constructor(deps: CheckRegistryDeps) {
    const resolver = deps.resolver ?? new SystemResolver();
    const now = deps.now ?? Date.now;
    this.register(
      new HttpCheck({
        secrets: deps.secrets,
        resolver,
        now,
        ...(deps.userAgent === undefined ? {} : { userAgent: deps.userAgent }),
      }),
    );
    this.register(new TcpCheck({ secrets: deps.secrets, resolver, now }));
    this.register(
      new IcmpCheck({ secrets: deps.secrets, resolver, pinger: deps.pinger ?? createSystemPinger() }),
    );
  }

  /** Adds or replaces the check of its type (the browser check registers itself this way). */
  register(check: Check): void {
    this.#checks.set(check.type, check);
  }

  /** The check for `type`, or undefined when none is registered. */
  get(type: MonitorType): Check | undefined {
    return this.#checks.get(type);
  }

  /** The registered types. */
  types(): MonitorType[] {
    return [...this.#checks.keys()];
  }
}

export { HttpCheck } from './http.js';
export { TcpCheck } from './tcp.js';
export { IcmpCheck } from './icmp.js';
export { EnvSecretResolver } from './secrets.js';
export { SystemResolver, StaticResolver } from './resolver.js';
export { FpingPinger, IputilsPinger, MissingPinger, createSystemPinger } from './pinger.js';
export { CheckFailure, SecretResolutionError } from './errors.js';
export type { AddressResolver, ResolvedAddress } from './resolver.js';
export type { Pinger, PingRequest, PingResult } from './pinger.js';
