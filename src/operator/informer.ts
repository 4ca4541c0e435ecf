/**
 * A supervised informer over client-node's `ListWatch` (kubernetes.md §2, §5): client-node
 * stops on any watch error (a socket reset included) and never re-lists on its own, so this
 * supervisor
 * - restarts on `error` with backoff (1 s doubling to 30 s, jittered) unless stopping — and
 *   `stop()` itself fires `error`, hence the `stopping` check;
 * - re-lists when nothing (event, connect, list) was seen for `watchdogMs` (10 min default);
 * - fires a periodic resync with every key (`resyncMs`), so reconcilers re-check drift;
 * - keeps its own cache (of the objects client-node decoded, which nobody changes) and hands
 *   out deep copies, never a cached object.
 * Every (re)start is a fresh ListWatch: it lists, and keys missing from the list are deleted.
 */
import type { Informer, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { systemClock, type Clock, type TimerHandle } from '../runner/clock.js';
import type { OperatorLogger } from './logger.js';

/** An object change, with deep copies. */
export interface InformerEvent<T> {
  readonly type: 'add' | 'update' | 'delete';
  /** `namespace/name` (just `name` for cluster-scoped objects). */
  readonly key: string;
  readonly object: T;
  readonly old?: T;
}

/** Options of {@link SupervisedInformer}. */
export interface SupervisedInformerOptions<T extends KubernetesObject> {
  readonly name: string;
  /** Makes a fresh client-node informer whose list calls the given function. */
  readonly factory: (list: () => Promise<KubernetesListObject<T>>) => Informer<T> & ObjectCache<T>;
  /** The real list call. */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly logger: OperatorLogger;
  readonly clock?: Clock;
  readonly restartBaseMs?: number;
  readonly restartMaxMs?: number;
  /** Re-list after this long without any event or connect. */
  readonly watchdogMs?: number;
  /** Period of the full resync (every key to `onResync`); 0 disables it. */
  readonly resyncMs?: number;
  readonly random?: () => number;
}

/** `namespace/name`, or `name` without a namespace. */
export function objectKey(object: KubernetesObject): string {
  const ns = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

/** A ListWatch under supervision, with its own deep-copied cache. */
export class SupervisedInformer<T extends KubernetesObject> {
  readonly name: string;
  readonly #options: SupervisedInformerOptions<T>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, T>();
  readonly #handlers = new Set<(event: InformerEvent<T>) => void>();
  readonly #resyncHandlers = new Set<(keys: string[]) => void>();
  readonly #syncWaiters: (() => void)[] = [];
  #informer: (Informer<T> & ObjectCache<T>) | undefined;
  #generation = 0;
  #stopping = true;
  #synced = false;
  #failures = 0;
  #lastSeen = 0;
  #restartTimer: TimerHandle | undefined;
  #watchdogTimer: TimerHandle | undefined;
  #resyncTimer: TimerHandle | undefined;
  /** Restarts since start (for tests and metrics). */
  restarts = 0;

  constructor(options: SupervisedInformerOptions<T>) {
    this.name = options.name;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** True after the first successful list. */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** Subscribes to changes; returns the unsubscribe. */
  onEvent(handler: (event: InformerEvent<T>) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Subscribes to the periodic resync (every key in the cache). */
  onResync(handler: (keys: string[]) => void): () => void {
    this.#resyncHandlers.add(handler);
    return () => this.#resyncHandlers.delete(handler);
  }

  /** A deep copy of the cached object. */
  get(key: string): T | undefined {
    const object = this.#cache.get(key);
    return object === undefined ? undefined : structuredClone(object);
  }

  /**
   * Deep copies of the cached objects, optionally of one namespace and only those `filter`
   * accepts. The filter sees the cached object itself (it must not change it): copying only
   * what it keeps spares a project reconcile the copy of every other monitor of its namespace.
   */
  list(namespace?: string, filter?: (object: T) => boolean): T[] {
    const out: T[] = [];
    for (const object of this.#cache.values())
      if (
        (namespace === undefined || object.metadata?.namespace === namespace) &&
        (filter === undefined || filter(object))
      )
        out.push(structuredClone(object));
    return out;
  }

  /** Every cached key. */
  keys(): string[] {
    return [...this.#cache.keys()];
  }

  /** Starts listing and watching; `stop` or `signal` ends it. */
  start(signal?: AbortSignal): void {
    if (!this.#stopping) return;
    this.#stopping = false;
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.#launch();
    this.#armWatchdog();
    this.#armResync();
  }

  /** Resolves after the first successful list, or when `signal` aborts (then false). */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** Stops for good: no restart, timers cleared. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const t of [this.#restartTimer, this.#watchdogTimer, this.#resyncTimer])
      if (t !== undefined) this.#clock.clearTimeout(t);
    this.#restartTimer = this.#watchdogTimer = this.#resyncTimer = undefined;
    const informer = this.#informer;
    this.#informer = undefined;
    this.#generation++;
    if (informer !== undefined) await informer.stop().catch(() => undefined);
  }

  /** Forces a re-list now (what the watchdog does). */
  relist(reason: string): void {
    if (this.#stopping) return;
    this.#options.logger.info({ informer: this.name, reason }, 'informer re-listing');
    this.#restart(0);
  }

  #launch(): void {
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation && !this.#stopping;
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await this.#options.list();
      // A list that returns after stop() or a restart must not let client-node go on to open
      // a watch nobody will close (it would keep the process alive after SIGTERM).
      if (!current()) throw new Error(`informer ${this.name} stopped while listing`);
      this.#applyList(result.items);
      return result;
    };
    const informer = this.#options.factory(list);
    this.#informer = informer;
    const seen = (): void => {
      if (current()) this.#lastSeen = this.#clock.now();
    };
    informer.on('add', (o: T) => {
      if (current()) this.#upsert(o);
    });
    informer.on('update', (o: T) => {
      if (current()) this.#upsert(o);
    });
    informer.on('delete', (o: T) => {
      if (current()) this.#remove(o);
    });
    informer.on('connect', seen);
    informer.on('error', (error: unknown) => {
      // stop() fires `error` ("The user aborted a request"): never revive a stopped informer.
      if (!current()) return;
      this.#failures++;
      const delay = this.#backoff();
      this.#options.logger.warn(
        { informer: this.name, err: error, restartInMs: Math.round(delay) },
        'informer failed; restarting',
      );
      this.#restart(delay);
    });
    this.#lastSeen = this.#clock.now();
    informer.start().catch((error: unknown) => {
      if (!current()) return;
      this.#failures++;
      this.#options.logger.warn({ informer: this.name, err: error }, 'informer start failed; restarting');
      this.#restart(this.#backoff());
    });
  }

  #backoff(): number {
    const base = this.#options.restartBaseMs ?? 1000;
    const max = this.#options.restartMaxMs ?? 30_000;
    const raw = Math.min(max, base * 2 ** Math.min(this.#failures - 1, 30));
    const random = this.#options.random ?? Math.random;
    return raw * (0.5 + random() * 0.5);
  }

  #restart(delayMs: number): void {
    if (this.#restartTimer !== undefined) this.#clock.clearTimeout(this.#restartTimer);
    const old = this.#informer;
    this.#informer = undefined;
    this.#generation++; // the old informer's callbacks are ignored from here on
    if (old !== undefined) void old.stop().catch(() => undefined);
    this.#restartTimer = this.#clock.setTimeout(
      () => {
        this.#restartTimer = undefined;
        if (this.#stopping) return;
        this.restarts++;
        this.#launch();
      },
      delayMs,
      { unref: true },
    );
  }

  #applyList(items: readonly T[]): void {
    this.#lastSeen = this.#clock.now();
    this.#failures = 0;
    const present = new Set(items.map(objectKey));
    for (const [key, object] of [...this.#cache]) if (!present.has(key)) this.#remove(object);
    for (const item of items) this.#upsert(item);
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  #upsert(object: T): void {
    this.#lastSeen = this.#clock.now();
    const key = objectKey(object);
    const old = this.#cache.get(key);
    if (old !== undefined && old.metadata?.resourceVersion === object.metadata?.resourceVersion) return;
    // The object client-node decoded is stored as it is, not copied: client-node replaces
    // cached objects and never changes them, nothing here changes them either, and every
    // reader gets a deep copy (get, list, events). A copy here doubled the cache's memory
    // (5,000 monitors: two caches of the same objects).
    this.#cache.set(key, object);
    this.#fire(old === undefined ? { type: 'add', key, object } : { type: 'update', key, object, old });
  }

  #remove(object: T): void {
    this.#lastSeen = this.#clock.now();
    const key = objectKey(object);
    const old = this.#cache.get(key);
    if (old === undefined) return;
    this.#cache.delete(key);
    this.#fire({ type: 'delete', key, object: old });
  }

  #fire(event: InformerEvent<T>): void {
    for (const handler of this.#handlers) {
      try {
        handler({
          ...event,
          object: structuredClone(event.object),
          ...(event.old === undefined ? {} : { old: structuredClone(event.old) }),
        });
      } catch (error) {
        this.#options.logger.error({ informer: this.name, err: error }, 'informer handler threw');
      }
    }
  }

  #armWatchdog(): void {
    const period = this.#options.watchdogMs ?? 600_000;
    if (period <= 0) return;
    const check = Math.max(1, Math.min(period, 60_000) / 2);
    const tick = (): void => {
      if (this.#stopping) return;
      if (this.#clock.now() - this.#lastSeen >= period) {
        this.#lastSeen = this.#clock.now();
        this.relist(`nothing seen for ${Math.round(period / 1000)} s`);
      }
      this.#watchdogTimer = this.#clock.setTimeout(tick, check, { unref: true });
    };
    this.#watchdogTimer = this.#clock.setTimeout(tick, check, { unref: true });
  }

  #armResync(): void {
    const period = this.#options.resyncMs ?? 0;
    if (period <= 0) return;
    const tick = (): void => {
      if (this.#stopping) return;
      const keys = this.keys();
      for (const handler of this.#resyncHandlers) handler(keys);
      this.#resyncTimer = this.#clock.setTimeout(tick, period, { unref: true });
    };
    this.#resyncTimer = this.#clock.setTimeout(tick, period, { unref: true });
  }
}
