import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { QueryTypes } from 'sequelize';
import { Shopper } from '../../test/support/client.ts';
import {
  createTestDatabase,
  hasExternalDatabase,
  redisUrl,
  type TestDatabase,
} from '../../test/support/database.ts';
import { json, type Listening, listen } from '../../test/support/http.ts';
import { hashPassword } from '../accounts/index.ts';
import { type App, createApp } from '../app.ts';
import { type ChangeWriter, createChangeWriter } from '../platform/changes.ts';
import { buildOpenApiDocument } from '../platform/http/api.ts';
import { createLogger } from '../platform/logging.ts';
import { createRedis } from '../platform/redis.ts';
import { seedShop } from '../seed/index.ts';
import {
  ChangeFeed,
  ExportRecord,
  ndjson,
  publishingRepository,
  publishingService,
} from './index.ts';

const logger = createLogger('silent');

/** The slice of an OpenAPI document these tests read. */
interface OpenApi {
  paths: Record<
    string,
    { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }
  >;
}
const PASSWORD = 'plum-orchard-lantern';

interface Harness {
  t: TestDatabase;
  built: App;
  http: Listening;
  changes: ChangeWriter;
  admin: Shopper;
  customer: Shopper;
  close(): Promise<void>;
}

async function harness(seed: (t: TestDatabase) => Promise<void>): Promise<Harness> {
  const t = await createTestDatabase();
  await seed(t);
  const redis: Redis | null = redisUrl ? createRedis(redisUrl, logger, 'test') : null;
  const built = createApp({ config: t.config, logger, db: t.db, redis });
  const http = await listen(built.app);
  const email = `admin.${Date.now()}@example.com`;
  await t.db.models.User.create({
    email,
    passwordHash: await hashPassword(PASSWORD),
    role: 'admin',
  });
  const admin = new Shopper(http.baseUrl);
  assert.equal((await admin.signIn('login', { email, password: PASSWORD })).status, 200);
  const customer = new Shopper(http.baseUrl);
  const registered = await customer.signIn('register', {
    email: `customer.${Date.now()}@example.com`,
    password: PASSWORD,
  });
  assert.equal(registered.status, 201);
  return {
    t,
    built,
    http,
    changes: createChangeWriter({ db: t.db, cache: built.cache }),
    admin,
    customer,
    async close() {
      await http.close();
      await built.close();
      redis?.disconnect();
      await t.drop();
    },
  };
}

const select = <T extends object>(t: TestDatabase, sql: string, replacements = {}) =>
  t.db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });

const headOf = async (t: TestDatabase) =>
  (await select<{ head: number }>(t, 'SELECT COALESCE(max(id), 0)::int AS head FROM outbox'))[0]
    ?.head ?? 0;

/** Every line parsed and validated against the published record schemas. */
function parseExport(text: string): ExportRecord[] {
  assert.ok(text.endsWith('\n'), 'the export ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => ExportRecord.parse(JSON.parse(line)));
}

async function exportText(h: Harness, query = ''): Promise<string> {
  const res = await h.admin.get(`/api/v1/admin/catalog/export${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  assert.match(res.headers.get('cache-control') ?? '', /no-store/);
  return res.text();
}

async function feed(h: Harness, after: number | string, limit?: number): Promise<ChangeFeed> {
  const res = await h.admin.get(
    `/api/v1/admin/changes?after=${after}${limit ? `&limit=${limit}` : ''}`,
  );
  assert.equal(res.status, 200, await res.clone().text());
  return ChangeFeed.parse(await res.json());
}

const byType = <K extends ExportRecord['type']>(records: ExportRecord[], type: K) =>
  records.filter((r): r is Extract<ExportRecord, { type: K }> => r.type === type);

describe('publishing: catalogue export and change feed', () => {
  let h: Harness;

  before(async () => {
    h = await harness(async (t) => {
      await seedShop(t.db, { shop: 'gallery', products: 80, mediaDir: t.config.mediaDir });
      // Favourites from three shoppers, so counts and the popular list are not all zero.
      const users = await Promise.all(
        [1, 2, 3].map((n) =>
          t.db.models.User.create({
            email: `fan${n}.${Date.now()}@example.com`,
            passwordHash: 'x',
          }),
        ),
      );
      const liked = await select<{ id: number }>(
        t,
        `SELECT id FROM products WHERE status = 'published' ORDER BY id LIMIT 5`,
      );
      for (const [i, user] of users.entries())
        for (const p of liked.slice(0, i + 2))
          await t.db.models.Favorite.create({ userId: user.id, productId: p.id });
    });
    // A change before the export, so its cursor is not just zero.
    await h.changes.write(async (_t, record) => {
      record({ topic: 'artist.updated', aggregateType: 'artist', aggregateId: 1, tags: [] });
    });
  });
  after(() => h?.close());

  describe('export', () => {
    it('when exported, then it holds exactly the published products with their images, collections, refs and favourites, and ends with the outbox head as cursor', async () => {
      const records = parseExport(await exportText(h));
      assert.deepEqual(
        records.map((r) => r.type).filter((type, i, all) => type !== all[i - 1]),
        ['shop', 'home', 'category', 'artist', 'collection', 'product', 'end'],
        'records come grouped, in the documented order',
      );
      const shop = byType(records, 'shop')[0];
      assert.deepEqual(
        { kind: shop?.kind, name: shop?.name, currency: shop?.currency },
        { kind: 'gallery', name: 'Galerie Lumen', currency: 'EUR' },
      );

      const products = byType(records, 'product');
      const published = await select<{ id: number }>(
        h.t,
        `SELECT id FROM products WHERE status = 'published' ORDER BY id`,
      );
      assert.ok(published.length < 80, 'the seed has drafts and archived works to leave out');
      assert.deepEqual(
        products.map((p) => p.id),
        published.map((p) => p.id),
      );

      const images = await select<{ productId: number; keys: string[] }>(
        h.t,
        `SELECT product_id AS "productId", json_agg(storage_key ORDER BY position) AS keys
         FROM product_images GROUP BY product_id`,
      );
      const imagesOf = new Map(images.map((r) => [r.productId, r.keys]));
      const favourites = await select<{ productId: number; n: number }>(
        h.t,
        'SELECT product_id AS "productId", count(*)::int AS n FROM favorites GROUP BY product_id',
      );
      const favouritesOf = new Map(favourites.map((r) => [r.productId, r.n]));
      for (const product of products) {
        assert.deepEqual(
          product.images.map((i) => i.url),
          (imagesOf.get(product.id) ?? []).map((key) => `/media/${key}`),
          `images of ${product.slug} in order`,
        );
        assert.equal(product.favourites, favouritesOf.get(product.id) ?? 0);
        assert.equal(product.path, `/products/${product.slug}/`);
      }
      assert.ok(products.some((p) => p.favourites > 0));

      const collections = byType(records, 'collection');
      const curated = await select<{ id: number; productIds: number[] }>(
        h.t,
        `SELECT c.id, COALESCE(json_agg(ci.product_id ORDER BY ci.position)
                  FILTER (WHERE p.status = 'published'), '[]') AS "productIds"
         FROM collections c
         LEFT JOIN collection_items ci ON ci.collection_id = c.id
         LEFT JOIN products p ON p.id = ci.product_id
         GROUP BY c.id ORDER BY c.id`,
      );
      assert.deepEqual(
        collections.map((c) => ({ id: c.id, productIds: c.productIds })),
        curated,
      );
      for (const product of products)
        for (const { id } of product.collections)
          assert.ok(collections.find((c) => c.id === id)?.productIds.includes(product.id));

      const artistIds = new Set(byType(records, 'artist').map((a) => a.id));
      const categoryIds = new Set(byType(records, 'category').map((c) => c.id));
      for (const product of products) {
        assert.ok(product.artistId === null || artistIds.has(product.artistId));
        assert.ok(product.categoryId === null || categoryIds.has(product.categoryId));
      }
      const home = byType(records, 'home')[0];
      for (const id of [...(home?.newProductIds ?? []), ...(home?.popularProductIds ?? [])])
        assert.ok(products.some((p) => p.id === id));

      const end = records.at(-1);
      assert.equal(end?.type, 'end');
      if (end?.type !== 'end') return;
      assert.ok((await headOf(h.t)) > 0);
      assert.equal(end.cursor, String(await headOf(h.t)));
      assert.equal(end.counts.products, published.length);
      assert.equal(end.counts.collections, collections.length);
    });

    it('when exported twice without a change in between, then the bytes are identical', async () => {
      const first = await exportText(h);
      const second = await exportText(h);
      assert.ok(first.length > 10_000);
      assert.equal(first, second);
    });

    it('when an image has stored WebP variants, then the export lists them by URL and width, and a seeded SVG has none', async () => {
      const [image] = await select<{ id: number; productId: number; storageKey: string }>(
        h.t,
        `SELECT i.id, i.product_id AS "productId", i.storage_key AS "storageKey"
         FROM product_images i JOIN products p ON p.id = i.product_id
         WHERE p.status = 'published' ORDER BY i.product_id, i.position LIMIT 1`,
      );
      assert.ok(image);
      const variants = [480, 960].map((width) => ({
        key: `works/${image.productId}/abc/w${width}.webp`,
        width,
        height: width,
        contentType: 'image/webp',
      }));
      await h.t.db.sequelize.query(
        'UPDATE product_images SET variants = :variants WHERE id = :id',
        {
          replacements: { id: image.id, variants: JSON.stringify(variants) },
        },
      );
      try {
        const products = byType(parseExport(await exportText(h)), 'product');
        const product = products.find((p) => p.id === image.productId);
        assert.deepEqual(product?.images[0]?.variants, [
          { url: `/media/works/${image.productId}/abc/w480.webp`, width: 480 },
          { url: `/media/works/${image.productId}/abc/w960.webp`, width: 960 },
        ]);
        const others = products.filter((p) => p.id !== image.productId);
        assert.ok(others.every((p) => p.images.every((i) => i.variants === undefined)));
      } finally {
        await h.t.db.sequelize.query(`UPDATE product_images SET variants = '[]' WHERE id = :id`, {
          replacements: { id: image.id },
        });
      }
    });

    it('when asked for a delta since a cursor, then only touched works come, as records or as removed', async () => {
      const since = await headOf(h.t);
      const [updated, archived] = await select<{ id: number }>(
        h.t,
        `SELECT id FROM products WHERE status = 'published' ORDER BY id DESC LIMIT 2`,
      );
      assert.ok(updated && archived);
      await h.changes.write(async (transaction, record) => {
        await h.t.db.sequelize.query(
          `UPDATE products SET price_minor = price_minor + 100 WHERE id = :id`,
          { replacements: { id: updated.id }, transaction },
        );
        await h.t.db.sequelize.query(`UPDATE products SET status = 'archived' WHERE id = :id`, {
          replacements: { id: archived.id },
          transaction,
        });
        record({
          topic: 'product.updated',
          aggregateType: 'product',
          aggregateId: updated.id,
          tags: [],
        });
        record({
          topic: 'product.archived',
          aggregateType: 'product',
          aggregateId: archived.id,
          tags: [],
        });
      });
      const records = parseExport(await exportText(h, `?since=${since}`));
      assert.deepEqual(
        byType(records, 'product').map((p) => p.id),
        [updated.id],
      );
      assert.deepEqual(byType(records, 'removed'), [
        { type: 'removed', entity: 'product', id: archived.id },
      ]);
      assert.equal(byType(records, 'artist').length, 0, 'no artist changed since');
      const end = byType(records, 'end')[0];
      assert.equal(end?.since, String(since));
      assert.equal(end?.cursor, String(await headOf(h.t)));
    });

    it('when the OpenAPI document is built, then both routes are in it, the export as NDJSON', async () => {
      // Only these routes: the whole document is app.test.ts's to check.
      const doc = buildOpenApiDocument(
        h.built.routes.filter((r) => r.tags.includes('publishing')),
        { title: 'publishing', version: '0' },
      ) as unknown as OpenApi;
      const exportOp = doc.paths['/api/v1/admin/catalog/export']?.get;
      assert.ok(exportOp?.responses['200']?.content?.['application/x-ndjson']);
      assert.ok(doc.paths['/api/v1/admin/changes']?.get?.responses['409']);
    });
  });

  describe('change feed', () => {
    /** Writes one change through the one write path and returns the feed after it. */
    async function afterWrite(
      work: Parameters<ChangeWriter['write']>[0],
    ): Promise<{ before: number; page: ChangeFeed }> {
      const before = await headOf(h.t);
      await h.changes.write(work);
      return { before, page: await feed(h, before) };
    }

    /** A published work, its owners and collections, with whether the home page shows it. */
    async function work(where: string) {
      const [row] = await select<{
        id: number;
        slug: string;
        artistSlug: string;
        categorySlug: string;
        galleries: string[] | null;
      }>(
        h.t,
        `SELECT p.id, p.slug, a.slug AS "artistSlug", c.slug AS "categorySlug",
                (SELECT json_agg(co.slug) FROM collection_items ci JOIN collections co ON co.id = ci.collection_id
                 WHERE ci.product_id = p.id) AS galleries
         FROM products p JOIN artists a ON a.id = p.artist_id JOIN categories c ON c.id = p.category_id
         WHERE ${where} ORDER BY p.id LIMIT 1`,
      );
      assert.ok(row, `a work where ${where}`);
      return row;
    }

    const NOT_ON_HOME = `p.status = 'published'
      AND EXISTS (SELECT 1 FROM collection_items ci WHERE ci.product_id = p.id)
      AND NOT EXISTS (SELECT 1 FROM collection_items ci JOIN collections co ON co.id = ci.collection_id
                      WHERE ci.product_id = p.id AND co.featured)
      AND NOT EXISTS (SELECT 1 FROM favorites f WHERE f.product_id = p.id)
      AND p.id NOT IN (SELECT id FROM products WHERE status = 'published'
                       ORDER BY published_at DESC, id DESC LIMIT 12)`;

    it('when a published work is updated, then its page, its artist, category and galleries are stale, not the home page', async () => {
      const p = await work(NOT_ON_HOME);
      const { before, page } = await afterWrite(async (transaction, record) => {
        await h.t.db.sequelize.query(`UPDATE products SET title = 'Renamed' WHERE id = :id`, {
          replacements: { id: p.id },
          transaction,
        });
        record({ topic: 'product.updated', aggregateType: 'product', aggregateId: p.id, tags: [] });
      });
      assert.deepEqual(
        page.events.map((e) => [e.topic, e.aggregateId]),
        [['product.updated', String(p.id)]],
      );
      assert.equal(page.after, String(before));
      assert.equal(page.nextCursor, String(page.events[0]?.id));
      assert.equal(page.hasMore, false);
      assert.equal(page.fullRebuild, false);
      assert.deepEqual(
        page.paths,
        [
          `/artists/${p.artistSlug}/`,
          `/categories/${p.categorySlug}/`,
          ...(p.galleries ?? []).map((g) => `/galleries/${g}/`),
          `/products/${p.slug}/`,
        ].sort(),
      );
    });

    it('when a draft is published, then its page, its listings, the home page and the sitemap are stale', async () => {
      const d = await work(`p.status = 'draft'`);
      const { page } = await afterWrite(async (transaction, record) => {
        await h.t.db.sequelize.query(
          `UPDATE products SET status = 'published', published_at = now() WHERE id = :id`,
          { replacements: { id: d.id }, transaction },
        );
        record({
          topic: 'product.published',
          aggregateType: 'product',
          aggregateId: d.id,
          tags: [],
        });
      });
      assert.deepEqual(
        page.paths,
        [
          '/',
          `/artists/${d.artistSlug}/`,
          `/categories/${d.categorySlug}/`,
          ...(d.galleries ?? []).map((g) => `/galleries/${g}/`),
          `/products/${d.slug}/`,
          '/sitemap.xml',
        ].sort(),
      );
    });

    it('when a work is renamed, then the old and the new page are both stale', async () => {
      const p = await work(NOT_ON_HOME);
      const { page } = await afterWrite(async (transaction, record) => {
        await h.t.db.sequelize.query(`UPDATE products SET slug = :slug WHERE id = :id`, {
          replacements: { id: p.id, slug: `${p.slug}-renamed` },
          transaction,
        });
        record({
          topic: 'product.updated',
          aggregateType: 'product',
          aggregateId: p.id,
          payload: { slug: `${p.slug}-renamed`, previousSlug: p.slug },
          tags: [],
        });
      });
      assert.ok(page.paths.includes(`/products/${p.slug}/`));
      assert.ok(page.paths.includes(`/products/${p.slug}-renamed/`));
      assert.ok(page.paths.includes('/sitemap.xml'));
    });

    it('when galleries are reordered, then only the gallery page is stale, plus the home page for a featured one', async () => {
      const galleries = await select<{ id: number; slug: string; featured: boolean }>(
        h.t,
        `SELECT DISTINCT ON (featured) id, slug, featured FROM collections ORDER BY featured, id`,
      );
      assert.equal(galleries.length, 2, 'the seed has featured and other galleries');
      for (const gallery of galleries) {
        const { page } = await afterWrite(async (transaction, record) => {
          // Reverse the curated order in one statement (the unique position check runs at its end).
          await h.t.db.sequelize.query(
            `UPDATE collection_items SET position = (SELECT max(position) FROM collection_items
               WHERE collection_id = :id) - position WHERE collection_id = :id`,
            { replacements: { id: gallery.id }, transaction },
          );
          record({
            topic: 'collection.reordered',
            aggregateType: 'collection',
            aggregateId: gallery.id,
            tags: [],
          });
        });
        assert.deepEqual(
          page.paths,
          gallery.featured ? ['/', `/galleries/${gallery.slug}/`] : [`/galleries/${gallery.slug}/`],
        );
      }
      const collections = byType(parseExport(await exportText(h)), 'collection');
      const reversed = await select<{ productIds: number[] }>(
        h.t,
        `SELECT json_agg(ci.product_id ORDER BY ci.position) AS "productIds" FROM collection_items ci
         JOIN products p ON p.id = ci.product_id AND p.status = 'published'
         WHERE ci.collection_id = :id`,
        { id: galleries[0]?.id },
      );
      assert.deepEqual(
        collections.find((c) => c.id === galleries[0]?.id)?.productIds,
        reversed[0]?.productIds,
        'the export follows the new order',
      );
    });

    it('when read with a small limit, then pages follow each other by cursor without gaps or repeats', async () => {
      const before = await headOf(h.t);
      const p = await work(NOT_ON_HOME);
      for (let i = 0; i < 3; i++)
        await h.changes.write(async (_t, record) => {
          record({
            topic: 'product.updated',
            aggregateType: 'product',
            aggregateId: p.id,
            tags: [],
          });
        });
      const seen: number[] = [];
      let cursor = String(before);
      for (let pages = 0; pages < 10; pages++) {
        const page = await feed(h, cursor, 2);
        seen.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor;
        if (!page.hasMore) break;
      }
      const expected = await select<{ id: number }>(
        h.t,
        'SELECT id FROM outbox WHERE id > :before ORDER BY id',
        { before },
      );
      assert.deepEqual(
        seen,
        expected.map((e) => e.id),
      );
      assert.equal(cursor, String(await headOf(h.t)));
      const empty = await feed(h, cursor);
      assert.deepEqual([empty.events, empty.paths, empty.nextCursor], [[], [], cursor]);
    });

    it('when a cursor is not a whole number, then 400 INVALID_CURSOR; past the newest change, 409 CURSOR_AHEAD', async () => {
      for (const bad of ['abc', '-1', '1.5', '01', '99999999999999999999', '']) {
        for (const path of [
          `/api/v1/admin/changes?after=${encodeURIComponent(bad)}`,
          `/api/v1/admin/catalog/export?since=${encodeURIComponent(bad)}`,
        ]) {
          const res = await h.admin.get(path);
          assert.equal(res.status, 400, `${path}: ${await res.clone().text()}`);
          assert.equal((await json(res)).error.code, 'INVALID_CURSOR', path);
        }
      }
      const ahead = (await headOf(h.t)) + 1;
      for (const path of [
        `/api/v1/admin/changes?after=${ahead}`,
        `/api/v1/admin/catalog/export?since=${ahead}`,
      ]) {
        const res = await h.admin.get(path);
        assert.equal(res.status, 409, path);
        const body = await json(res);
        assert.equal(body.error.code, 'CURSOR_AHEAD');
        assert.match(body.error.message, /full catalogue export/);
      }
    });

    it('when anonymous or a customer asks, then 401 and 403 on both routes', async () => {
      for (const path of ['/api/v1/admin/catalog/export', '/api/v1/admin/changes?after=0']) {
        const anonymous = await new Shopper(h.http.baseUrl).get(path);
        assert.equal(anonymous.status, 401, path);
        assert.equal((await json(anonymous)).error.code, 'NOT_SIGNED_IN');
        const customer = await h.customer.get(path);
        assert.equal(customer.status, 403, path);
        assert.equal((await json(customer)).error.code, 'FORBIDDEN');
      }
    });
  });
});

describe('publishing: streaming a large catalogue', () => {
  const PRODUCTS = 5_200;
  const BATCH = 500;
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
    await t.db.sequelize.query(`INSERT INTO artists (slug, name) VALUES ('maker', 'Maker')`);
    // Long descriptions make each line about 1.5 kB, so the stream is ~8 MB in all.
    await t.db.sequelize.query(
      `INSERT INTO products (slug, title, description, artist_id, price_minor, currency, status, kind, published_at)
       SELECT 'work-' || n, 'Work ' || n, repeat('A long description. ', 70), 1, n * 100, 'EUR',
              'published', 'digital', now() - n * interval '1 minute'
       FROM generate_series(1, ${PRODUCTS}) AS n`,
    );
  });
  after(() => t?.drop());

  function observed() {
    const fetched: number[] = [];
    const service = publishingService(
      publishingRepository(t.db, {
        onRows: (query, rows) => {
          if (query === 'products') fetched.push(rows);
        },
      }),
      { batchSize: BATCH },
    );
    return { fetched, service };
  }

  it('when 5,200 products are exported, then each query fetches at most one batch and all arrive', async () => {
    const { fetched, service } = observed();
    let products = 0;
    const records = await service.openExport();
    for await (const record of records) {
      if (record.type === 'product') {
        products++;
        // Lazy: the batch holding this product is the last one fetched.
        assert.equal(fetched.length, Math.ceil(products / BATCH));
      }
    }
    assert.equal(products, PRODUCTS);
    assert.ok(fetched.every((rows) => rows <= BATCH));
    assert.equal(fetched.length, Math.ceil(PRODUCTS / BATCH));
  });

  it('when the reader stops reading, then the export stops fetching; when it goes away, the snapshot is released', async () => {
    const { fetched, service } = observed();
    const stream = Readable.from(ndjson(await service.openExport()));
    let accepted = 0;
    // Takes the first chunk and never acknowledges it: a client that stopped reading.
    const stalled = new Writable({
      write(chunk: Buffer) {
        accepted += chunk.length;
      },
    });
    stream.pipe(stalled);
    await sleep(300);
    assert.ok(accepted > 0);
    assert.ok(
      fetched.length <= 4,
      `fetched ${fetched.length} of ${Math.ceil(PRODUCTS / BATCH)} batches while the reader was stalled`,
    );
    stream.destroy();
    stalled.destroy();
    for (let i = 0; i < 50 && t.db.poolStats().using > 0; i++) await sleep(20);
    assert.equal(t.db.poolStats().using, 0, 'the snapshot transaction was ended');
  });
});

describe('publishing: snapshot against writers in flight', () => {
  let t: TestDatabase;
  let changes: ChangeWriter;
  let built: App;

  before(async function () {
    // Two connections at once: the embedded database has one.
    if (!hasExternalDatabase) this.skip();
    t = await createTestDatabase();
    built = createApp({ config: t.config, logger, db: t.db, redis: null });
    changes = createChangeWriter({ db: t.db, cache: built.cache });
  });
  after(async () => {
    await built?.close();
    await t?.drop();
  });

  it('when a writer holds an outbox id uncommitted, then the export waits for it and its cursor covers it', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted: () => void = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const writer = changes.write(async (transaction, record) => {
      // Take the outbox id now and commit later, as a slow write would.
      await t.db.models.Outbox.create(
        { topic: 'product.updated', aggregateType: 'product', aggregateId: '1' },
        { transaction },
      );
      inserted();
      await held;
      record({ topic: 'product.updated', aggregateType: 'product', aggregateId: 1, tags: [] });
    });
    await insertedYet;
    const service = publishingService(publishingRepository(t.db));
    let opened = false;
    const opening = service.openExport().then((records) => {
      opened = true;
      return records;
    });
    await sleep(200);
    assert.equal(opened, false, 'the snapshot waits for the writer in flight');
    release();
    await writer;
    const records: ExportRecord[] = [];
    for await (const record of await opening) records.push(record);
    const end = records.at(-1);
    const [row] = await t.db.sequelize.query<{ head: number }>(
      'SELECT max(id)::int AS head FROM outbox',
      { type: QueryTypes.SELECT },
    );
    assert.equal(end?.type === 'end' ? end.cursor : null, String(row?.head));
  });

  it('when writers hold the outbox past the lock timeout, then 503 CATALOG_WRITES_IN_PROGRESS and nothing is left open', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted: () => void = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const writer = changes.write(async (transaction) => {
      await t.db.models.Outbox.create(
        { topic: 'product.updated', aggregateType: 'product', aggregateId: '1' },
        { transaction },
      );
      inserted();
      await held;
    });
    await insertedYet;
    const service = publishingService(publishingRepository(t.db, { lockTimeoutMs: 100 }));
    try {
      await assert.rejects(service.changes({ after: '0', limit: 10 }), {
        code: 'CATALOG_WRITES_IN_PROGRESS',
        status: 503,
      });
    } finally {
      release();
      await writer;
    }
    assert.equal(t.db.poolStats().using, 0);
  });

  it('when a reader stalls longer than the idle timeout, then the database ends the snapshot and the export fails instead of hanging', async () => {
    const service = publishingService(publishingRepository(t.db, { idleTimeoutMs: 200 }), {
      batchSize: 100,
    });
    const records = (await service.openExport())[Symbol.asyncIterator]();
    await sleep(600);
    await assert.rejects(async () => {
      for (let next = await records.next(); !next.done; next = await records.next());
    });
    for (let i = 0; i < 50 && t.db.poolStats().using > 0; i++) await sleep(20);
    // The pool replaces the ended connection: the next export works.
    let last: ExportRecord | undefined;
    for await (const record of await service.openExport()) last = record;
    assert.equal(last?.type, 'end');
  });

  it('when the snapshot is taken, then catalogue writes go on while the export is still open', async () => {
    const service = publishingService(publishingRepository(t.db));
    const records = (await service.openExport())[Symbol.asyncIterator]();
    const before = await t.db.sequelize.query<{ head: number }>(
      'SELECT COALESCE(max(id), 0)::int AS head FROM outbox',
      { type: QueryTypes.SELECT },
    );
    const write = changes.write(async (_t, record) => {
      record({ topic: 'artist.updated', aggregateType: 'artist', aggregateId: 1, tags: [] });
    });
    const outcome = await Promise.race([write.then(() => 'written'), sleep(2_000, 'blocked')]);
    assert.equal(outcome, 'written');
    let end: ExportRecord | undefined;
    for (let next = await records.next(); !next.done; next = await records.next()) end = next.value;
    assert.equal(end?.type === 'end' ? end.cursor : null, String(before[0]?.head));
  });
});
