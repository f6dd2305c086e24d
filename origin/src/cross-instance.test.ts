import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createTestDatabase, redisUrl, type TestDatabase } from '../test/support/database.ts';
import { json, type Listening, listen } from '../test/support/http.ts';
import { makeProduct } from '../test/support/products.ts';
import { hasRedisServer, startRedisServer } from '../test/support/redis-server.ts';
import { signedInShoppers } from '../test/support/sessions.ts';
import { type App, createApp } from './app.ts';
import type { Config } from './config.ts';
import { createLogger } from './platform/logging.ts';
import { createRedis } from './platform/redis.ts';

const logger = createLogger('silent');

interface Instance {
  built: App;
  http: Listening;
  redis: Redis;
  close(): Promise<void>;
}

/** One origin process's worth of app: its own L1, its own Redis clients, the shared database. */
async function instance(t: TestDatabase, config: Config): Promise<Instance> {
  const redis = createRedis(config.redisUrl ?? '', logger, 'test');
  const built = createApp({ config, logger, db: t.db, redis });
  const http = await listen(built.app);
  await built.cache.ready();
  return {
    built,
    http,
    redis,
    async close() {
      await http.close();
      await built.close();
      redis.disconnect();
    },
  };
}

/** Polls until the check passes; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await check()) return performance.now() - started;
    await sleep(10);
  }
  throw new Error(`not within ${ms} ms`);
}

/** An artist (with a session on `baseUrl`) who owns a published, stocked work. */
async function artistWithWork(t: TestDatabase, baseUrl: string) {
  const [artist] = await signedInShoppers(baseUrl, t.db, t.config, 1);
  if (!artist) throw new Error('no artist');
  const slug = `studio-${artist.userId}`;
  const opened = await artist.send('POST', '/api/v1/studio/profile', { name: 'Mara Lind', slug });
  assert.equal(opened.status, 201, await opened.clone().text());
  const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5, priceMinor: 10_000 });
  await t.db.sequelize.query(
    'UPDATE products SET artist_id = (SELECT id FROM artists WHERE slug = :slug) WHERE id = :id',
    { replacements: { slug, id: work.id } },
  );
  return { artist, work };
}

describe('two origin instances sharing PostgreSQL and Redis', () => {
  const liveRedis = redisUrl;

  it('when an artist changes a price on one instance, then the other serves the new price within a second', async function () {
    if (!liveRedis) {
      // Without Redis there is no second tier and no bus: each process only has its own L1.
      this.skip();
    }
    const t = await createTestDatabase();
    const a = await instance(t, t.config);
    const b = await instance(t, t.config);
    try {
      const { artist, work } = await artistWithWork(t, a.http.baseUrl);
      const read = async (on: Instance) =>
        (await json(await fetch(`${on.http.baseUrl}/api/v1/products/${work.slug}`))).price
          .amountMinor;
      assert.equal(await read(b), 10_000, 'B has the work cached in its L1 now');
      assert.equal(await read(b), 10_000);

      const changed = await artist.send('PATCH', `/api/v1/studio/products/${work.id}`, {
        price: { amountMinor: 12_500, currency: 'EUR' },
      });
      assert.equal(changed.status, 200, await changed.clone().text());
      const ms = await within(1_000, async () => (await read(b)) === 12_500);
      assert.ok(ms < 1_000, `seen on B after ${ms.toFixed(0)} ms`);
    } finally {
      await a.close();
      await b.close();
      await t.drop();
    }
  });

  it('when Redis goes away and comes back, then reads keep answering and invalidations flow again by themselves', async function () {
    if (!hasRedisServer) {
      // The outage needs a Redis of the test's own to stop; redis-server is not on PATH here.
      this.skip();
    }
    const server = await startRedisServer();
    const t = await createTestDatabase({ overrides: { REDIS_URL: server.url } });
    const a = await instance(t, t.config);
    const b = await instance(t, t.config);
    try {
      const { artist, work } = await artistWithWork(t, a.http.baseUrl);
      const detail = (on: Instance) => fetch(`${on.http.baseUrl}/api/v1/products/${work.slug}`);
      assert.equal((await detail(b)).status, 200);

      await server.kill();
      for (let i = 0; i < 20; i++) {
        const res = await detail(b);
        assert.equal(res.status, 200, 'reads answer from L1 and PostgreSQL while Redis is down');
        await sleep(25);
      }
      assert.equal((await json(await fetch(`${b.http.baseUrl}/readyz`))).status, 'degraded');

      await server.start();
      await within(
        10_000,
        async () => (await json(await fetch(`${b.http.baseUrl}/readyz`))).status === 'ready',
      );
      await within(10_000, async () => {
        await b.built.cache.ready();
        return true;
      });
      // Warm B again, then change the price on A: the bus must carry it.
      assert.equal((await json(await detail(b))).price.amountMinor, 10_000);
      const changed = await artist.send('PATCH', `/api/v1/studio/products/${work.id}`, {
        price: { amountMinor: 9_000, currency: 'EUR' },
      });
      assert.equal(changed.status, 200);
      await within(1_000, async () => (await json(await detail(b))).price.amountMinor === 9_000);
    } finally {
      await a.close();
      await b.close();
      await t.drop();
      await server.kill();
    }
  });
});
