import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging.ts';
import { type BusMessage, type BusSubscription, parseBusMessage, subscribeBus } from './bus.ts';
import type { LocalEntry, StoredEntry } from './entry.ts';
import { type L2Operation, RedisTier } from './l2.ts';
import { createCacheMetrics, type StaleReason } from './metrics.ts';

/**
 * Timings of an entry, all in milliseconds. Set them for the whole cache
 * (`CacheOptions.defaults`) or per call.
 *
 * Life of an entry written at t0: fresh in L1 until t0 + l1TtlMs, fresh in L2
 * until t0 + l2TtlMs; then kept in both tiers (as a stale fallback, never
 * served as fresh) until t0 + l2TtlMs + graceMs. With L2 off, l1TtlMs is the
 * fresh time and the grace runs from there.
 */
export interface CacheTimings {
  /**
   * How long this process serves a value from memory without asking Redis.
   * It is also the bound on staleness when an invalidation message is lost
   * (the bus is fire-and-forget pub/sub). Default 5 s.
   */
  l1TtlMs?: number;
  /** How long a value is fresh in Redis, i.e. how often the loader runs per key. Default 5 min. */
  l2TtlMs?: number;
  /**
   * How long past its fresh time an entry is kept as a fallback for when the
   * loader fails or is slow (stale-if-error, stale-while-revalidate). 0 turns
   * it off. Default 6 h: a database outage of a few hours still shows the
   * catalogue. Deleted or tag-invalidated entries are gone, not kept.
   */
  graceMs?: number;
  /**
   * Fail-safe backoff: after the loader failed and a stale value was served,
   * this process serves that stale value without calling the loader again for
   * this long (per key), so a database that is down is not hammered by every
   * request. Default 1 s.
   */
  graceBackoffMs?: number;
  /**
   * Soft timeout: when a stale value within grace exists and the loader takes
   * longer than this, the stale value is returned and the load goes on in the
   * background to refresh both tiers. 0 = always answer stale at once and
   * refresh in the background; Infinity = always wait for the loader. Default
   * 200 ms: well above a healthy query, so callers normally get fresh data,
   * yet a slow database costs a shopper at most that much. It never applies
   * when there is nothing stale to serve (see hardTimeoutMs).
   */
  softTimeoutMs?: number;
  /**
   * Hard timeout: with nothing to fall back on, reject with
   * CacheLoadTimeoutError after this long (the load still finishes in the
   * background and fills the cache; callers of the same key that arrive
   * meanwhile share that error rather than stack up behind the slow load).
   * 0 = off, the default: the loader's own timeouts (database statement and
   * pool timeouts) decide.
   */
  hardTimeoutMs?: number;
}

/** Options of one getOrLoad or set call. */
export interface GetOrLoadOptions extends CacheTimings {
  /**
   * Tags for invalidateTags, e.g. `product:42`, `collection:spring`. Concurrent
   * callers of one key share the first caller's load, hence its tags and timings.
   */
  tags?: string[];
}

export interface CacheOptions {
  /** Key prefix in Redis and channel name suffix, e.g. 'vitrine'. Two apps sharing a Redis need two namespaces. */
  namespace: string;
  /** The L2 client for commands (see createRedis: fail fast, reconnects by itself); null = L2 off, L1 only. */
  redis: Redis | null;
  /**
   * Builds the separate connection that listens on the invalidation bus, e.g.
   * `() => createRedis(url, logger, 'cache-bus')`. The cache owns it and
   * closes it in close(). Omitted with redis: null; omitted with a redis
   * client, L1 invalidations stay local and other processes catch up only
   * after l1TtlMs.
   */
  createSubscriber?: () => Redis;
  /** Where the throttled warnings go (Redis away, stale values served). */
  logger: Logger;
  /** prom-client registry for the `cache_*` metrics. One Cache per registry. */
  registry: Registry;
  /**
   * Upper bound of the in-process cache, in bytes, measured as the JSON length
   * of each value plus its key and tags (UTF-16 code units: bytes for ASCII).
   * Stale copies kept for the grace period count too; the least recently used
   * entries go first. Default 64 MiB, a small share of a 1-2 GiB Fargate task.
   */
  l1MaxBytes?: number;
  /**
   * How long one Redis command may take before the cache gives up on it and
   * goes on without L2. Default 100 ms: an in-region round trip is ~1 ms, so
   * anything near this means Redis is in trouble and the database will answer
   * sooner.
   */
  l2TimeoutMs?: number;
  /**
   * Which loader errors may be answered with a stale value. Default: every
   * error (as bentocache does). Pass `isDatabaseUnavailable` to fall back only
   * when the database is unreachable and surface every other error.
   */
  staleIfError?: (error: unknown) => boolean;
  /** Timings for every call that does not set its own. */
  defaults?: CacheTimings;
}

/**
 * A two-tier read-through cache: L1 in process memory, L2 in Redis, the
 * loader (PostgreSQL) as the source of truth.
 *
 * Values must be JSON-safe: they are stored with JSON.stringify and every
 * read returns a fresh JSON.parse copy, also for the caller that loaded them
 * (so a caller may mutate what it gets, and every caller sees the same shape).
 * A Date comes back as an ISO string, a Map as {}, undefined properties
 * vanish; BigInt and cycles throw. `null` is a value (cache "not found");
 * `undefined` is never cached.
 */
export interface Cache {
  /**
   * The value from L1, else L2 (and fills L1), else from the loader (and
   * writes both tiers). Concurrent misses of one key in this process share
   * one loader call; its error reaches all of them and nothing is cached.
   * When the loader fails or is slow and an expired value is still in grace,
   * that value is returned instead (see CacheTimings).
   */
  getOrLoad<T>(key: string, loader: () => Promise<T>, options?: GetOrLoadOptions): Promise<T>;
  /** The fresh value from L1 or L2, or undefined. Never calls a loader, never serves stale. */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Writes both tiers and tells every other process to drop its L1 copy.
   * Setting undefined deletes the key.
   */
  set<T>(key: string, value: T, options?: GetOrLoadOptions): Promise<void>;
  /** Removes keys from L2 and from L1 in every process (publishes on the bus). */
  delete(...keys: string[]): Promise<void>;
  /** Invalidates every entry tagged with one of the tags, in L2 and every process's L1. */
  invalidateTags(...tags: string[]): Promise<void>;
  /**
   * Resolves when the bus subscriber is subscribed (tests use it); immediately
   * when L2 is off. While Redis is away it waits for the next subscription, so
   * never await it unbounded on a request path or at startup.
   */
  ready(): Promise<void>;
  /**
   * Stops the bus subscriber and empties L1. The redis client passed in is
   * the caller's to close. Afterwards getOrLoad calls the loader directly and
   * the other methods do nothing, so requests still in flight during
   * shutdown are served.
   */
  close(): Promise<void>;
}

/** Thrown by getOrLoad when hardTimeoutMs passed and there was no stale value to serve. */
export class CacheLoadTimeoutError extends Error {
  readonly code = 'CACHE_LOAD_TIMEOUT';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`cache loader did not finish within ${timeoutMs} ms and no stale value was available`);
    this.name = 'CacheLoadTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The default timings (see CacheTimings for why each). */
export const CACHE_DEFAULTS: Readonly<Required<CacheTimings>> = Object.freeze({
  l1TtlMs: 5_000,
  l2TtlMs: 5 * 60_000,
  graceMs: 6 * 60 * 60_000,
  graceBackoffMs: 1_000,
  softTimeoutMs: 200,
  hardTimeoutMs: 0,
});
export const DEFAULT_L1_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_L2_TIMEOUT_MS = 100;

/** Per entry, on top of value, key and tags: the LRU's own bookkeeping, roughly. */
const ENTRY_OVERHEAD_BYTES = 64;
/** Invalidations remembered while Redis is away; past this, the namespace is flushed on return. */
const MAX_LOST_INVALIDATIONS = 10_000;
/** Keys named in one tag invalidation message; beyond that receivers rely on their tag index. */
const MAX_KEYS_PER_MESSAGE = 1_000;
const WARN_EVERY_MS = 10_000;

type Timings = Required<CacheTimings>;
const TIMING_NAMES = [
  'l1TtlMs',
  'l2TtlMs',
  'graceMs',
  'graceBackoffMs',
  'softTimeoutMs',
  'hardTimeoutMs',
] as const satisfies readonly (keyof CacheTimings)[];

function mergeTimings(base: Timings, override: CacheTimings | undefined, where: string): Timings {
  if (!override) return base;
  const merged = { ...base };
  for (const name of TIMING_NAMES) {
    const value = override[name];
    if (value === undefined) continue;
    const isTtl = name === 'l1TtlMs' || name === 'l2TtlMs';
    const mayBeInfinite = name === 'softTimeoutMs' || name === 'hardTimeoutMs';
    if (
      typeof value !== 'number' ||
      Number.isNaN(value) ||
      value < 0 ||
      (isTtl && value === 0) ||
      (!mayBeInfinite && !Number.isFinite(value))
    ) {
      throw new RangeError(
        `${where}.${name} must be a ${isTtl ? 'positive' : 'non-negative'} number of milliseconds (got ${String(value)})`,
      );
    }
    merged[name] = value;
  }
  return merged;
}

function serialise(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('cache values must be JSON-serialisable');
  return json;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A log call that speaks at most once per interval: an outage must not flood the logs. */
function throttled(logger: Logger, text: string) {
  let last = Number.NEGATIVE_INFINITY;
  return (fields: Record<string, unknown>) => {
    const now = Date.now();
    if (now - last < WARN_EVERY_MS) return;
    last = now;
    logger.warn(fields, text);
  };
}

type Settled<T> =
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown }
  | { status: 'timeout' };

/** Waits for a promise at most `ms` (Infinity: no limit), without cancelling it. */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms)
      ? setTimeout(() => resolve({ status: 'timeout' }), ms)
      : undefined;
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ status: 'fulfilled', value });
      },
      (reason: unknown) => {
        clearTimeout(timer);
        resolve({ status: 'rejected', reason });
      },
    );
  });
}

/** What one shared load answered: where the value came from and its JSON (undefined: nothing). */
interface Outcome {
  json: string | undefined;
  served: 'l2' | 'load' | StaleReason;
}

/** One in-progress read of a key in this process (single flight). */
interface Flight {
  readonly tags: readonly string[];
  /** Set when the key was invalidated meanwhile: the result is still returned, never stored. */
  abandoned: boolean;
  outcome?: Promise<Outcome>;
}

export function createCache(options: CacheOptions): Cache {
  const { namespace, logger } = options;
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new TypeError('createCache: namespace must be a non-empty string');
  }
  const defaults = mergeTimings(CACHE_DEFAULTS, options.defaults, 'defaults');
  const maxBytes = options.l1MaxBytes ?? DEFAULT_L1_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`l1MaxBytes must be a positive integer (got ${String(maxBytes)})`);
  }
  const l2TimeoutMs = options.l2TimeoutMs ?? DEFAULT_L2_TIMEOUT_MS;
  if (!(l2TimeoutMs > 0 && Number.isFinite(l2TimeoutMs))) {
    throw new RangeError(`l2TimeoutMs must be a positive number (got ${String(l2TimeoutMs)})`);
  }
  const staleIfError = options.staleIfError ?? (() => true);
  /** Tells our own bus messages apart: the sender applies its change before publishing. */
  const instanceId = randomUUID();
  let closed = false;

  // ---- L1 -------------------------------------------------------------------

  /**
   * tag → keys in L1 carrying it, kept in step with L1 by `dispose` (called on
   * eviction, expiry, delete and overwrite), so it never outgrows L1.
   */
  const tagIndex = new Map<string, Set<string>>();
  const unindex = (key: string, tags: readonly string[]) => {
    for (const tag of tags) {
      const keys = tagIndex.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) tagIndex.delete(tag);
    }
  };
  const l1 = new LRUCache<string, LocalEntry>({
    maxSize: maxBytes,
    sizeCalculation: (entry, key) => {
      let size = ENTRY_OVERHEAD_BYTES + key.length + entry.json.length;
      for (const tag of entry.tags) size += tag.length;
      return size;
    },
    dispose: (entry, key) => unindex(key, entry.tags),
  });

  const setLocal = (key: string, entry: LocalEntry) => {
    // lru-cache drops the entry itself once its grace is over; until then our
    // own freshUntil decides whether it is fresh or only a fallback.
    const ttl = Math.max(1, Math.ceil(entry.graceUntil - Date.now()));
    l1.set(key, entry, { ttl });
    // peek: an entry larger than the whole L1 is refused and must not be indexed.
    if (entry.tags.length > 0 && l1.peek(key) === entry) {
      for (const tag of entry.tags) {
        let keys = tagIndex.get(tag);
        if (!keys) {
          keys = new Set();
          tagIndex.set(tag, keys);
        }
        keys.add(key);
      }
    }
  };

  const metrics = createCacheMetrics(options.registry, () => ({
    bytes: l1.calculatedSize,
    entries: l1.size,
  }));

  // ---- single flight ----------------------------------------------------------

  const flights = new Map<string, Flight>();
  const abandon = (key: string) => {
    const flight = flights.get(key);
    if (!flight) return;
    // Callers already waiting get its result; new callers start a new load
    // that sees the change which caused the invalidation.
    flight.abandoned = true;
    flights.delete(key);
  };

  /** Applies an invalidation to this process: L1 entries and loads in progress. */
  const dropLocal = (keys: readonly string[], tags: readonly string[]) => {
    for (const key of keys) {
      l1.delete(key);
      abandon(key);
    }
    if (tags.length === 0) return;
    for (const tag of tags) {
      const tagged = tagIndex.get(tag);
      if (tagged) for (const key of [...tagged]) l1.delete(key);
    }
    const invalid = new Set(tags);
    for (const [key, flight] of [...flights]) {
      if (flight.tags.some((tag) => invalid.has(tag))) abandon(key);
    }
  };

  const clearLocal = () => {
    l1.clear();
    tagIndex.clear();
    for (const key of [...flights.keys()]) abandon(key);
  };

  // ---- L2 and the bus -------------------------------------------------------

  const warnL2 = throttled(
    logger,
    'cache: Redis (L2) failed; serving from L1 and the loader until it answers again',
  );
  const warnStale = throttled(
    logger,
    'cache: loader failed; serving expired values within their grace period',
  );
  const onL2Error = (op: L2Operation, err: unknown) => {
    metrics.l2Errors.inc({ op });
    warnL2({ op, err: message(err) });
  };
  const l2 = options.redis ? new RedisTier(options.redis, namespace, l2TimeoutMs, onL2Error) : null;

  const publish = async (change: Omit<BusMessage, 'from'>) => {
    if (!l2) return;
    // A failed publish is not retried: it fails when Redis is away, and then
    // every subscriber is disconnected too and clears its L1 on resubscribe.
    await l2.publish(JSON.stringify({ from: instanceId, ...change }));
  };

  /**
   * Deletes that did not reach Redis. Redis still holds the old values and
   * would serve them for up to l2TtlMs once it is back (a logout would not
   * revoke), so they are replayed as soon as the command client is ready again.
   */
  const lost = { keys: new Set<string>(), tags: new Set<string>(), overflow: false };
  const rememberLost = (keys: readonly string[], tags: readonly string[]) => {
    if (lost.overflow) return;
    if (lost.keys.size + lost.tags.size + keys.length + tags.length > MAX_LOST_INVALIDATIONS) {
      // Too many to track: flush the whole namespace instead, it only costs reloads.
      lost.overflow = true;
      lost.keys.clear();
      lost.tags.clear();
      return;
    }
    for (const key of keys) lost.keys.add(key);
    for (const tag of tags) lost.tags.add(tag);
  };
  let replaying = false;
  const replayLost = async () => {
    if (!l2 || closed || replaying) return;
    if (!lost.overflow && lost.keys.size === 0 && lost.tags.size === 0) return;
    replaying = true;
    const keys = [...lost.keys];
    const tags = [...lost.tags];
    const overflow = lost.overflow;
    lost.keys.clear();
    lost.tags.clear();
    lost.overflow = false;
    try {
      if (overflow) {
        if (!(await l2.flush())) {
          lost.overflow = true;
          return;
        }
        await publish({ clear: true });
        logger.info('cache: flushed L2 after losing too many invalidations while Redis was away');
        return;
      }
      const deleted = await l2.delete(keys);
      const tagged = await l2.invalidateTags(tags);
      if (!deleted) rememberLost(keys, []);
      if (tagged === undefined) rememberLost([], tags);
      await publish({ keys: [...keys, ...(tagged ?? [])].slice(0, MAX_KEYS_PER_MESSAGE), tags });
      logger.info(
        { keys: keys.length, tags: tags.length },
        'cache: replayed invalidations that Redis missed while it was away',
      );
    } finally {
      replaying = false;
    }
  };
  const onCommandReady = () => void replayLost();
  options.redis?.on('ready', onCommandReady);

  let bus: BusSubscription | null = null;
  if (l2 && options.createSubscriber) {
    bus = subscribeBus({
      subscriber: options.createSubscriber(),
      channel: l2.channel,
      logger,
      onMessage: (raw) => {
        const change = parseBusMessage(raw);
        if (!change || change.from === instanceId) return;
        metrics.busReceived.inc();
        if (change.clear) clearLocal();
        else dropLocal(change.keys ?? [], change.tags ?? []);
      },
      // Messages sent while we were not subscribed are lost: start L1 afresh.
      onSubscribed: clearLocal,
    });
  } else if (l2) {
    logger.warn(
      'cache: no createSubscriber given; L1 invalidations stay in this process and others see changes only after l1TtlMs',
    );
  }

  // ---- reads ----------------------------------------------------------------

  /** Writes a fresh value to both tiers; resolves false when Redis did not take it. */
  const store = async (
    key: string,
    json: string,
    timings: Timings,
    tags: readonly string[],
  ): Promise<boolean> => {
    const now = Date.now();
    const freshUntil = now + (l2 ? timings.l2TtlMs : timings.l1TtlMs);
    const graceUntil = freshUntil + timings.graceMs;
    setLocal(key, {
      json,
      tags,
      freshUntil: Math.min(now + timings.l1TtlMs, freshUntil),
      graceUntil,
    });
    if (!l2) return true;
    // Awaited (bounded by l2TimeoutMs, fails fast when Redis is down) so that
    // once a caller has its value, other processes find it in Redis too.
    return l2.set(key, { json, tags, freshUntil, graceUntil });
  };

  const fillFromL2 = (key: string, remote: StoredEntry, timings: Timings, now: number) =>
    setLocal(key, {
      json: remote.json,
      tags: remote.tags,
      freshUntil: Math.min(now + timings.l1TtlMs, remote.freshUntil),
      graceUntil: remote.graceUntil,
    });

  const loadAndStore = async (
    key: string,
    loader: () => Promise<unknown>,
    timings: Timings,
    flight: Flight,
    stale: StoredEntry | undefined,
  ): Promise<string | undefined> => {
    const end = metrics.loadDuration.startTimer();
    let value: unknown;
    try {
      value = await loader();
    } catch (err) {
      end({ outcome: 'error' });
      const now = Date.now();
      if (stale && stale.graceUntil > now && staleIfError(err) && !flight.abandoned && !closed) {
        // Fail-safe backoff: keep serving the stale value from L1 without
        // calling the loader again until retryAt.
        setLocal(key, {
          json: stale.json,
          tags: stale.tags,
          freshUntil: stale.freshUntil,
          graceUntil: stale.graceUntil,
          retryAt: now + timings.graceBackoffMs,
        });
        warnStale({ err: message(err) });
      }
      throw err;
    }
    end({ outcome: 'success' });
    if (value === undefined) return undefined;
    const json = serialise(value);
    if (!flight.abandoned && !closed) await store(key, json, timings, flight.tags);
    return json;
  };

  const runFlight = async (
    key: string,
    loader: () => Promise<unknown>,
    timings: Timings,
    flight: Flight,
    local: LocalEntry | undefined,
  ): Promise<Outcome> => {
    const release = () => {
      if (flights.get(key) === flight) flights.delete(key);
    };
    let loading = false;
    try {
      let stale: StoredEntry | undefined =
        local && local.graceUntil > Date.now() ? local : undefined;
      if (l2) {
        const remote = await l2.get(key);
        const now = Date.now();
        if (remote && remote.freshUntil > now) {
          if (!flight.abandoned && !closed) fillFromL2(key, remote, timings, now);
          return { json: remote.json, served: 'l2' };
        }
        // The newer of the two stale copies (a later write has a later grace end).
        if (remote && remote.graceUntil > now && (!stale || remote.graceUntil > stale.graceUntil)) {
          stale = remote;
        }
      }

      loading = true;
      const load = loadAndStore(key, loader, timings, flight, stale);
      // The flight lasts until the load settles, even when callers were
      // answered earlier (soft timeout): later callers get the same answer
      // instead of starting a second load.
      load.then(release, release);

      const hard = timings.hardTimeoutMs > 0 ? timings.hardTimeoutMs : Number.POSITIVE_INFINITY;
      if (!stale) {
        const result = await settleWithin(load, hard);
        if (result.status === 'timeout') throw new CacheLoadTimeoutError(hard);
        if (result.status === 'rejected') throw result.reason;
        return { json: result.value, served: 'load' };
      }
      const result = await settleWithin(load, Math.min(timings.softTimeoutMs, hard));
      if (result.status === 'fulfilled') return { json: result.value, served: 'load' };
      if (result.status === 'timeout') return { json: stale.json, served: 'timeout' };
      if (stale.graceUntil <= Date.now() || !staleIfError(result.reason)) throw result.reason;
      return { json: stale.json, served: 'error' };
    } finally {
      if (!loading) release();
    }
  };

  const parse = <T>(json: string): T => JSON.parse(json) as T;

  const cache: Cache = {
    async getOrLoad<T>(
      key: string,
      loader: () => Promise<T>,
      callOptions?: GetOrLoadOptions,
    ): Promise<T> {
      if (closed) return loader();
      const timings = mergeTimings(defaults, callOptions, 'getOrLoad options');
      const now = Date.now();
      const local = l1.get(key);
      if (local) {
        if (local.freshUntil > now) {
          metrics.hits.inc({ tier: 'l1' });
          return parse<T>(local.json);
        }
        if (local.retryAt !== undefined && local.retryAt > now && local.graceUntil > now) {
          metrics.misses.inc();
          metrics.staleServes.inc({ reason: 'backoff' });
          return parse<T>(local.json);
        }
      }

      let outcome = flights.get(key)?.outcome;
      if (!outcome) {
        const flight: Flight = { tags: [...(callOptions?.tags ?? [])], abandoned: false };
        flights.set(key, flight);
        outcome = runFlight(key, loader, timings, flight, local);
        flight.outcome = outcome;
      }
      const answer = await outcome;
      if (answer.served === 'l2') {
        metrics.hits.inc({ tier: 'l2' });
      } else {
        metrics.misses.inc();
        if (answer.served !== 'load') metrics.staleServes.inc({ reason: answer.served });
      }
      // A loader that resolved undefined: nothing cached, undefined handed on.
      return answer.json === undefined ? (undefined as T) : parse<T>(answer.json);
    },

    async get<T>(key: string): Promise<T | undefined> {
      if (closed) return undefined;
      const local = l1.get(key);
      if (local && local.freshUntil > Date.now()) {
        metrics.hits.inc({ tier: 'l1' });
        return parse<T>(local.json);
      }
      if (l2) {
        const remote = await l2.get(key);
        const now = Date.now();
        if (remote && remote.freshUntil > now) {
          if (!closed) fillFromL2(key, remote, defaults, now);
          metrics.hits.inc({ tier: 'l2' });
          return parse<T>(remote.json);
        }
      }
      metrics.misses.inc();
      return undefined;
    },

    async set<T>(key: string, value: T, callOptions?: GetOrLoadOptions): Promise<void> {
      if (closed) return;
      if (value === undefined) return cache.delete(key);
      const timings = mergeTimings(defaults, callOptions, 'set options');
      const json = serialise(value);
      // A load in progress read the data before this write: it must not overwrite it.
      abandon(key);
      if (!(await store(key, json, timings, [...(callOptions?.tags ?? [])]))) {
        // Redis keeps the previous value: make sure it goes once Redis is back.
        rememberLost([key], []);
      }
      await publish({ keys: [key] });
    },

    async delete(...keys: string[]): Promise<void> {
      if (closed || keys.length === 0) return;
      dropLocal(keys, []);
      if (!l2) return;
      // L2 first, then the message: a process that drops its L1 copy and
      // reads again must not find the old value in Redis.
      if (!(await l2.delete(keys))) rememberLost(keys, []);
      await publish({ keys });
    },

    /*
     * Tags are sets of keys (in Redis, a SET per tag; in process, tagIndex)
     * rather than version stamps. Invalidating deletes the entries outright, so
     * a read costs nothing extra (no tag versions to fetch and compare on every
     * hit), nothing depends on clocks agreeing across processes, and
     * `SMEMBERS <ns>:cache:t:<tag>` shows what a tag covers. The price is
     * O(keys) work per invalidation and tag sets holding keys that already
     * expired, until the set itself expires with its longest-lived entry.
     */
    async invalidateTags(...tags: string[]): Promise<void> {
      if (closed || tags.length === 0) return;
      dropLocal([], tags);
      if (!l2) return;
      const deleted = await l2.invalidateTags(tags);
      if (deleted === undefined) rememberLost([], tags);
      // The keys too, for a process whose L1 copy was stored under other tags.
      await publish({ tags, keys: (deleted ?? []).slice(0, MAX_KEYS_PER_MESSAGE) });
    },

    ready(): Promise<void> {
      return bus ? bus.ready() : Promise.resolve();
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      options.redis?.off('ready', onCommandReady);
      bus?.close();
      clearLocal();
    },
  };
  return cache;
}
