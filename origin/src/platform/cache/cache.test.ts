import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  hasRedisServer,
  type RedisServer,
  startRedisServer,
} from '../../../test/support/redis-server.ts';
import { startTcpProxy } from '../../../test/support/tcp-proxy.ts';
import { createLogger } from '../logging.ts';
import { createRedis } from '../redis.ts';
import {
  type Cache,
  CacheLoadTimeoutError,
  type CacheOptions,
  createCache,
  type GetOrLoadOptions,
} from './index.ts';

const logger = createLogger('silent');
const REDIS_URL = process.env.REDIS_URL || null;

// ---- helpers ------------------------------------------------------------------

/** Undone after each test, last first: caches close before the clients they use. */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A namespace of its own per test, so parallel runs on one Redis never meet. */
const uniqueNamespace = () => `test-cache-${randomBytes(6).toString('hex')}`;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls until `probe` returns true; resolves the elapsed milliseconds. */
async function eventually(probe: () => Promise<boolean>, timeoutMs: number, what: string) {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(5);
  }
  return performance.now() - started;
}

/** Sum of a metric's samples matching the labels (`series` picks e.g. a histogram's `_count`). */
async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
  series = name,
): Promise<number> {
  const found = registry.getSingleMetric(name);
  assert.ok(found, `metric ${name} is registered`);
  // Histograms name each series (`_bucket`, `_sum`, `_count`) in metricName.
  const values: Array<{
    value: number;
    labels: Partial<Record<string, string | number>>;
    metricName?: string;
  }> = (await found.get()).values;
  return values
    .filter(
      (v) =>
        (v.metricName ?? name) === series &&
        Object.entries(labels).every(([label, value]) => v.labels[label] === value),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/** A loader that counts its calls. */
function counting<T>(produce: (call: number) => T | Promise<T>, delayMs = 0) {
  const loader = async () => {
    loader.calls += 1;
    const call = loader.calls;
    if (delayMs > 0) await sleep(delayMs);
    return produce(call);
  };
  loader.calls = 0;
  return loader;
}

const never = async (): Promise<never> => {
  throw new Error('this loader must not be called');
};

interface Made {
  cache: Cache;
  registry: Registry;
}

function makeL1Cache(options: Partial<CacheOptions> = {}): Made {
  const registry = new Registry();
  const cache = createCache({
    namespace: uniqueNamespace(),
    redis: null,
    logger,
    registry,
    ...options,
  });
  cleanups.push(() => cache.close());
  return { cache, registry };
}

async function connect(url: string, name: string): Promise<Redis> {
  const client = createRedis(url, logger, name);
  cleanups.push(() => client.disconnect());
  if (client.status !== 'ready') await withTimeout(once(client, 'ready'), 5_000, `${name} ready`);
  return client;
}

/** Deletes what a test left in Redis under its namespace (entries live for hours of grace). */
function purgeNamespaceAfterwards(url: string, namespace: string) {
  cleanups.push(async () => {
    const client = createRedis(url, logger, 'cache-test-purge');
    try {
      await withTimeout(once(client, 'ready'), 5_000, 'purge client ready');
      const keys = await client.keys(`${namespace}:*`);
      if (keys.length > 0) await client.unlink(...keys);
    } finally {
      client.disconnect();
    }
  });
}

interface MadeL2 extends Made {
  redis: Redis;
}

/** A cache on Redis at `url`, with its bus subscribed. */
async function makeL2Cache(
  url: string,
  namespace: string,
  options: Partial<CacheOptions> = {},
): Promise<MadeL2> {
  const redis = await connect(url, 'cache-test');
  const registry = new Registry();
  const cache = createCache({
    namespace,
    redis,
    createSubscriber: () => createRedis(url, logger, 'cache-test-bus'),
    logger,
    registry,
    // Generous: a busy CI machine must not turn a slow answer into a fallback.
    l2TimeoutMs: 2_000,
    ...options,
  });
  cleanups.push(() => cache.close());
  await withTimeout(cache.ready(), 5_000, 'bus subscribed');
  return { cache, registry, redis };
}

/** Resolves once the client has lost its connection (commands now fail fast). */
async function disconnected(client: Redis) {
  await eventually(async () => client.status !== 'ready', 5_000, 'client notices Redis is gone');
}

// ---- L1 only ------------------------------------------------------------------

describe('cache: L1 in process (no Redis)', () => {
  it('when 100 concurrent getOrLoad calls miss one key, then the loader runs once and every caller gets the value', async () => {
    const { cache, registry } = makeL1Cache();
    const loader = counting(() => ({ id: 1, title: 'Nocturne' }), 20);

    const results = await Promise.all(
      Array.from({ length: 100 }, () => cache.getOrLoad('product:1', loader)),
    );

    assert.equal(loader.calls, 1);
    for (const result of results) assert.deepEqual(result, { id: 1, title: 'Nocturne' });
    assert.deepEqual(await cache.getOrLoad('product:1', never), { id: 1, title: 'Nocturne' });
    assert.equal(await metric(registry, 'cache_misses_total'), 100);
    assert.equal(await metric(registry, 'cache_hits_total', { tier: 'l1' }), 1);
    assert.equal(
      await metric(
        registry,
        'cache_load_duration_seconds',
        { outcome: 'success' },
        'cache_load_duration_seconds_count',
      ),
      1,
    );
  });

  it('when the shared load fails, then every caller gets that error and nothing is cached', async () => {
    const { cache, registry } = makeL1Cache();
    const failure = new Error('database unavailable');
    const failing = counting(() => Promise.reject(failure), 10);

    const settled = await Promise.allSettled(
      Array.from({ length: 100 }, () => cache.getOrLoad('product:2', failing)),
    );

    assert.equal(failing.calls, 1);
    for (const result of settled) {
      assert.equal(result.status, 'rejected');
      assert.equal(result.status === 'rejected' && result.reason, failure);
    }
    const working = counting(() => 'loaded');
    assert.equal(await cache.getOrLoad('product:2', working), 'loaded');
    assert.equal(working.calls, 1, 'the failure was not cached');
    assert.equal(
      await metric(
        registry,
        'cache_load_duration_seconds',
        { outcome: 'error' },
        'cache_load_duration_seconds_count',
      ),
      1,
    );
  });

  it('when a loader returns null, undefined or a Date, then null is cached, undefined is not, and the Date comes back as a string', async () => {
    const { cache } = makeL1Cache();

    const missing = counting(() => null);
    assert.equal(await cache.getOrLoad('user:404', missing), null);
    assert.equal(await cache.getOrLoad('user:404', missing), null);
    assert.equal(missing.calls, 1, 'null is a cached "not found"');

    const nothing = counting(() => undefined);
    assert.equal(await cache.getOrLoad('nothing', nothing), undefined);
    assert.equal(await cache.getOrLoad('nothing', nothing), undefined);
    assert.equal(nothing.calls, 2, 'undefined is not cached');

    const dated = await cache.getOrLoad('order:1', async () => ({ at: new Date(0) }));
    assert.deepEqual(dated, { at: '1970-01-01T00:00:00.000Z' }, 'the loading caller sees JSON too');

    // Every read is its own copy: a caller mutating its result cannot corrupt the cache.
    const first = await cache.getOrLoad('list', async () => ({ items: [1, 2] }));
    first.items.push(3);
    assert.deepEqual(await cache.getOrLoad('list', never), { items: [1, 2] });
  });

  it('when the L1 TTL has passed, then the next read loads again', async () => {
    const { cache } = makeL1Cache({ defaults: { l1TtlMs: 40 } });
    const loader = counting((call) => `v${call}`);
    assert.equal(await cache.getOrLoad('k', loader), 'v1');
    assert.equal(await cache.getOrLoad('k', loader), 'v1');
    await sleep(60);
    assert.equal(await cache.getOrLoad('k', loader), 'v2');
    assert.equal(loader.calls, 2);
  });

  it('when an entry has expired and the loader fails within grace, then the stale value is served and counted; after grace the error propagates', async () => {
    const { cache, registry } = makeL1Cache({ defaults: { l1TtlMs: 50, graceMs: 250 } });
    const failure = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    assert.equal(await cache.getOrLoad('k', async () => 'v1'), 'v1');

    await sleep(80); // expired, within grace (ends 300 ms after the write)
    assert.equal(await cache.getOrLoad('k', () => Promise.reject(failure)), 'v1');
    assert.equal(await metric(registry, 'cache_stale_serves_total', { reason: 'error' }), 1);

    await sleep(260); // grace is over
    await assert.rejects(
      cache.getOrLoad('k', () => Promise.reject(failure)),
      (err) => err === failure,
    );
  });

  it('when the loader keeps failing within grace, then it is retried at most once per backoff period and the stale value is served meanwhile', async () => {
    const { cache, registry } = makeL1Cache({
      defaults: { l1TtlMs: 20, graceMs: 10_000, graceBackoffMs: 200 },
    });
    assert.equal(await cache.getOrLoad('k', async () => 'v1'), 'v1');
    await sleep(40);

    const failing = counting(() => Promise.reject(new Error('database down')));
    const started = performance.now();
    let reads = 0;
    while (performance.now() - started < 500) {
      assert.equal(await cache.getOrLoad('k', failing), 'v1');
      reads += 1;
      await sleep(5);
    }

    // 500 ms with a 200 ms backoff: at 0, ~200 and ~400 ms, never once per read.
    assert.ok(reads > 30, `${reads} reads`);
    assert.ok(failing.calls >= 2 && failing.calls <= 4, `${failing.calls} loader calls`);
    assert.ok((await metric(registry, 'cache_stale_serves_total', { reason: 'backoff' })) > 20);

    await sleep(210); // backoff over: the next read tries the loader again, and it works
    assert.equal(await cache.getOrLoad('k', async () => 'v2'), 'v2');
  });

  it('when the loader is slower than the soft timeout and a stale value exists, then the stale value comes back at once and the background load refreshes the cache', async () => {
    const { cache, registry } = makeL1Cache({
      defaults: { l1TtlMs: 40, graceMs: 10_000, softTimeoutMs: 50 },
    });
    assert.equal(await cache.getOrLoad('k', async () => 'v1'), 'v1');
    await sleep(60);

    const slow = counting(() => 'v2', 300);
    const started = performance.now();
    assert.equal(await cache.getOrLoad('k', slow), 'v1');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 45 && elapsed < 250, `answered stale after ${elapsed.toFixed(0)} ms`);
    assert.equal(await metric(registry, 'cache_stale_serves_total', { reason: 'timeout' }), 1);

    // The refresh is still running: later callers join it instead of loading again.
    assert.equal(await cache.getOrLoad('k', never), 'v1');

    await sleep(300);
    assert.equal(await cache.getOrLoad('k', never), 'v2', 'the background load refreshed L1');
    assert.equal(slow.calls, 1);
  });

  it('when there is nothing stale and the loader outlasts the hard timeout, then CacheLoadTimeoutError, and the late value still fills the cache', async () => {
    const { cache } = makeL1Cache({ defaults: { hardTimeoutMs: 50 } });
    const slow = counting(() => 'late', 150);

    const started = performance.now();
    await assert.rejects(cache.getOrLoad('k', slow), (err) => {
      assert.ok(err instanceof CacheLoadTimeoutError);
      assert.equal(err.timeoutMs, 50);
      return true;
    });
    assert.ok(performance.now() - started < 140);

    await sleep(150);
    assert.equal(await cache.getOrLoad('k', never), 'late');
    assert.equal(slow.calls, 1);
  });

  it('when tags are invalidated or keys deleted, then exactly those entries load again', async () => {
    const { cache } = makeL1Cache();
    let loads = 0;
    const load = (key: string, tags: string[]) =>
      cache.getOrLoad(key, async () => `${key}#${++loads}`, { tags });

    const a = await load('product:1', ['product:1', 'list']);
    const b = await load('product:2', ['product:2', 'list']);
    const c = await load('page:home', []);

    await cache.invalidateTags('product:1');
    assert.notEqual(await load('product:1', ['product:1']), a);
    assert.equal(await cache.getOrLoad('product:2', never), b);

    await cache.invalidateTags('list');
    assert.equal(await cache.get('product:2'), undefined);
    assert.equal(await cache.getOrLoad('page:home', never), c);

    await cache.delete('page:home');
    assert.equal(await cache.get('page:home'), undefined);
  });

  it('when a key is deleted while its load is in flight, then that load is not cached and later callers load afresh', async () => {
    const { cache } = makeL1Cache();
    const before = cache.getOrLoad('k', async () => {
      await sleep(100);
      return 'old';
    });
    await sleep(10);
    await cache.delete('k');

    const fresh = counting(() => 'new');
    assert.equal(await cache.getOrLoad('k', fresh), 'new');
    assert.equal(fresh.calls, 1, 'did not join the load that started before the delete');
    assert.equal(await before, 'old', 'callers of the old load still get its answer');
    assert.equal(await cache.getOrLoad('k', never), 'new', 'the old load did not overwrite');
  });

  it('when L1 grows past its byte bound, then the least recently used entries are evicted and the size gauge stays within it', async () => {
    const { cache, registry } = makeL1Cache({ l1MaxBytes: 10_000 });
    for (let i = 0; i < 20; i++) {
      await cache.getOrLoad(`k${i}`, async () => 'x'.repeat(1_000));
    }

    const size = await metric(registry, 'cache_l1_size_bytes');
    assert.ok(size <= 10_000 && size > 8_000, `L1 holds ${size} bytes`);
    assert.ok((await metric(registry, 'cache_l1_entries')) < 10);
    assert.equal(await cache.getOrLoad('k19', never), 'x'.repeat(1_000), 'the newest stays');
    const reload = counting(() => 'again');
    assert.equal(await cache.getOrLoad('k0', reload), 'again', 'the oldest was evicted');
  });

  it('when set is called, then get and getOrLoad serve the value; setting undefined deletes', async () => {
    const { cache, registry } = makeL1Cache();
    assert.equal(await cache.get('k'), undefined);
    await cache.set('k', { n: 1 });
    assert.deepEqual(await cache.get('k'), { n: 1 });
    assert.deepEqual(await cache.getOrLoad('k', never), { n: 1 });
    await cache.set('k', undefined);
    assert.equal(await cache.get('k'), undefined);
    assert.equal(await metric(registry, 'cache_hits_total', { tier: 'l1' }), 2);
    assert.equal(await metric(registry, 'cache_misses_total'), 2);
  });

  it('when L2 is off, then ready() resolves at once and after close() getOrLoad still answers through the loader', async () => {
    const { cache } = makeL1Cache();
    await withTimeout(cache.ready(), 100, 'ready');
    await cache.close();
    const loader = counting(() => 'direct');
    assert.equal(await cache.getOrLoad('k', loader), 'direct');
    assert.equal(await cache.getOrLoad('k', loader), 'direct');
    assert.equal(loader.calls, 2);
  });

  it('when timings are invalid, then createCache and getOrLoad throw a RangeError', async () => {
    const registry = new Registry();
    assert.throws(
      () =>
        createCache({ namespace: 'x', redis: null, logger, registry, defaults: { l1TtlMs: 0 } }),
      RangeError,
    );
    assert.throws(
      () => createCache({ namespace: 'x', redis: null, logger, registry, l1MaxBytes: -1 }),
      RangeError,
    );
    const { cache } = makeL1Cache();
    const bad: GetOrLoadOptions = { graceMs: Number.NaN };
    await assert.rejects(
      cache.getOrLoad('k', async () => 1, bad),
      RangeError,
    );
  });
});

// ---- with Redis ---------------------------------------------------------------

describe(
  REDIS_URL
    ? 'cache: Redis as L2 and the invalidation bus'
    : 'cache: Redis as L2 and the invalidation bus (skipped: REDIS_URL is not set)',
  () => {
    before(function () {
      if (!REDIS_URL) this.skip();
    });
    /** Set by the `before` above whenever these tests run. */
    const url = () => REDIS_URL ?? '';

    let namespace: string;
    beforeEach(() => {
      namespace = uniqueNamespace();
      purgeNamespaceAfterwards(url(), namespace);
    });

    it('when instance A loaded a key, then instance B sharing Redis gets it from L2 without loading and fills its own L1', async () => {
      const a = await makeL2Cache(url(), namespace);
      const b = await makeL2Cache(url(), namespace);

      assert.deepEqual(await a.cache.getOrLoad('product:1', async () => ({ id: 1 })), { id: 1 });
      const ttl = await a.redis.pttl(`${namespace}:cache:k:product:1`);
      assert.ok(ttl > 5 * 60_000, `L2 keeps the entry for its TTL plus grace (PTTL ${ttl})`);

      assert.deepEqual(await b.cache.getOrLoad('product:1', never), { id: 1 });
      assert.deepEqual(await b.cache.getOrLoad('product:1', never), { id: 1 });
      assert.equal(await metric(b.registry, 'cache_hits_total', { tier: 'l2' }), 1);
      assert.equal(await metric(b.registry, 'cache_hits_total', { tier: 'l1' }), 1);
      assert.equal(await metric(b.registry, 'cache_misses_total'), 0);
    });

    it('when B deletes a key that A holds in L1, then A stops serving it within a second', async () => {
      const long = { defaults: { l1TtlMs: 60_000 } };
      const a = await makeL2Cache(url(), namespace, long);
      const b = await makeL2Cache(url(), namespace, long);
      assert.equal(await a.cache.getOrLoad('session:s1', async () => 'alive'), 'alive');
      assert.equal(await a.cache.getOrLoad('session:s1', async () => 'revoked'), 'alive');

      await b.cache.delete('session:s1');
      const elapsed = await eventually(
        async () => (await a.cache.getOrLoad('session:s1', async () => 'revoked')) === 'revoked',
        1_000,
        "A drops its L1 copy after B's delete",
      );

      assert.ok(elapsed < 1_000, `${elapsed.toFixed(0)} ms`);
      assert.equal(await metric(a.registry, 'cache_bus_messages_received_total'), 1);
      assert.equal(
        await metric(b.registry, 'cache_bus_messages_received_total'),
        0,
        'B ignores its own message (it applied the delete itself)',
      );
    });

    it('when B sets a key, then A drops its L1 copy and reads the new value from L2', async () => {
      const long = { defaults: { l1TtlMs: 60_000 } };
      const a = await makeL2Cache(url(), namespace, long);
      const b = await makeL2Cache(url(), namespace, long);
      assert.equal(await a.cache.getOrLoad('stock:7', async () => 3), 3);

      await b.cache.set('stock:7', 2);
      await eventually(
        async () => (await a.cache.getOrLoad('stock:7', never)) === 2,
        1_000,
        "A sees B's value",
      );
    });

    it('when a tag is invalidated on one instance, then every L1 and Redis lose the entries with that tag, and only those', async () => {
      const long = { defaults: { l1TtlMs: 60_000 } };
      const a = await makeL2Cache(url(), namespace, long);
      const b = await makeL2Cache(url(), namespace, long);
      const k = (key: string) => `${namespace}:cache:k:${key}`;

      await a.cache.getOrLoad('p1', async () => 'p1-old', { tags: ['product:1'] });
      await a.cache.getOrLoad('list', async () => 'list-old', { tags: ['product:1', 'list'] });
      await a.cache.getOrLoad('p2', async () => 'p2-old', { tags: ['product:2'] });
      assert.deepEqual((await a.redis.smembers(`${namespace}:cache:t:product:1`)).sort(), [
        k('list'),
        k('p1'),
      ]);
      // B's L1 copy comes from L2 and carries the tags with it.
      assert.equal(await b.cache.getOrLoad('list', never), 'list-old');

      await b.cache.invalidateTags('product:1');

      assert.equal(await a.redis.exists(k('p1'), k('list')), 0);
      assert.equal(await a.redis.exists(`${namespace}:cache:t:product:1`), 0);
      assert.equal(await a.redis.exists(k('p2')), 1);
      assert.equal(await b.cache.getOrLoad('list', async () => 'list-new'), 'list-new');
      await eventually(
        async () => (await a.cache.getOrLoad('p1', async () => 'p1-new')) === 'p1-new',
        1_000,
        'A drops the tagged entry',
      );
      assert.equal(await a.cache.getOrLoad('list', never), 'list-new');
      assert.equal(await a.cache.getOrLoad('p2', never), 'p2-old');
    });

    it('when an entry expired in both tiers and the loader fails, then a process with an empty L1 serves the stale value from Redis', async () => {
      const short = { defaults: { l1TtlMs: 30, l2TtlMs: 60, graceMs: 10_000 } };
      const a = await makeL2Cache(url(), namespace, short);
      assert.equal(await a.cache.getOrLoad('k', async () => 'v1'), 'v1');
      await sleep(100);

      const c = await makeL2Cache(url(), namespace, short);
      assert.equal(await c.cache.getOrLoad('k', () => Promise.reject(new Error('db down'))), 'v1');
      assert.equal(await metric(c.registry, 'cache_stale_serves_total', { reason: 'error' }), 1);
    });

    it('when Redis is unreachable, then reads are served from L1 and the loader, L2 errors are counted, and deletes made meanwhile reach Redis once it is back', async () => {
      const target = new URL(url());
      const proxy = await startTcpProxy({
        host: target.hostname,
        port: Number(target.port || 6379),
      });
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(url());
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const direct = await connect(url(), 'cache-test-direct');
      const a = await makeL2Cache(viaProxy.toString(), namespace, {
        defaults: { l1TtlMs: 50 },
      });
      const redisKey = `${namespace}:cache:k:k`;

      assert.equal(await a.cache.getOrLoad('k', async () => 'v1'), 'v1');
      assert.equal(await direct.exists(redisKey), 1);

      proxy.down();
      await disconnected(a.redis);
      assert.equal(await a.cache.getOrLoad('k', never), 'v1', 'L1 still serves');
      await sleep(60);
      assert.equal(await a.cache.getOrLoad('k', async () => 'v2'), 'v2', 'the loader serves');
      assert.equal(await a.cache.get('other'), undefined);
      await a.cache.set('other', 1);
      await a.cache.delete('k');
      assert.ok((await metric(a.registry, 'cache_l2_errors_total')) >= 3);
      assert.equal(await direct.exists(redisKey), 1, 'Redis missed the delete');

      proxy.up();
      await eventually(
        async () => (await direct.exists(redisKey)) === 0,
        5_000,
        'the lost delete is replayed when Redis is back',
      );
      await withTimeout(a.cache.ready(), 5_000, 'bus subscribed again');
      assert.equal(await a.cache.getOrLoad('k', async () => 'v3'), 'v3');
      assert.equal(await a.cache.getOrLoad('k', never), 'v3');
    });
  },
);

// ---- Redis crash and restart ---------------------------------------------------------

describe(
  hasRedisServer
    ? 'cache: Redis crash and restart (throwaway redis-server)'
    : 'cache: Redis crash and restart (skipped: redis-server is not on PATH)',
  () => {
    let server: RedisServer | null = null;
    before(async function () {
      if (!hasRedisServer) this.skip();
      server = await startRedisServer();
    });
    after(async () => {
      await server?.kill();
    });

    it('when Redis crashes and restarts, then reads never fail, the bus resubscribes by itself, L1 is cleared, and invalidations flow again', async () => {
      assert.ok(server);
      const namespace = uniqueNamespace();
      const long = { defaults: { l1TtlMs: 60_000 } };
      const a = await makeL2Cache(server.url, namespace, long);
      const b = await makeL2Cache(server.url, namespace, long);

      assert.equal(await a.cache.getOrLoad('k', async () => 'v1'), 'v1');
      await server.kill();
      await disconnected(a.redis);
      await disconnected(b.redis);

      // Redis gone: L1 and the loader answer, nothing throws.
      assert.equal(await a.cache.getOrLoad('k', never), 'v1');
      assert.equal(await a.cache.getOrLoad('z', async () => 'z1'), 'z1');
      assert.equal(await a.cache.getOrLoad('z', never), 'z1');

      await server.start();
      // Nothing done by the test: the clients reconnect and the bus resubscribes.
      await withTimeout(Promise.all([a.cache.ready(), b.cache.ready()]), 10_000, 'resubscribed');
      await eventually(
        async () => a.redis.status === 'ready' && b.redis.status === 'ready',
        10_000,
        'command clients reconnected',
      );

      // Messages sent while A was deaf are lost, so A started its L1 afresh
      // (60 s L1 TTL: only the clear on resubscribe explains a reload).
      assert.equal(await a.cache.getOrLoad('z', async () => 'z2'), 'z2');
      assert.equal(await a.cache.getOrLoad('k', async () => 'v2'), 'v2');
      assert.equal(await a.cache.getOrLoad('k', never), 'v2');
      const heardBefore = await metric(a.registry, 'cache_bus_messages_received_total');

      await b.cache.delete('k');
      const elapsed = await eventually(
        async () => (await a.cache.getOrLoad('k', async () => 'v3')) === 'v3',
        1_000,
        "A hears B's delete after the restart",
      );
      assert.ok(elapsed < 1_000, `${elapsed.toFixed(0)} ms`);
      assert.equal(await metric(a.registry, 'cache_bus_messages_received_total'), heardBefore + 1);
      assert.ok((await metric(a.registry, 'cache_l2_errors_total')) > 0);
    });
  },
);
