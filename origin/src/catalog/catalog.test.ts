import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { json, type Listening, listen } from '../../test/support/http.ts';
import { type App, createApp } from '../app.ts';
import { createLogger } from '../platform/logging.ts';
import { seedShop } from '../seed/index.ts';
import type { ProductSummary } from './catalog.schemas.ts';

describe('catalog read API', () => {
  let t: TestDatabase;
  let http: Listening;
  let built: App;
  let published: Array<{ slug: string }>;

  before(async () => {
    t = await createTestDatabase();
    await seedShop(t.db, { shop: 'gallery', products: 60, mediaDir: t.config.mediaDir });
    published = await t.db.sequelize.query<{ slug: string }>(
      `SELECT slug FROM products WHERE status = 'published' ORDER BY published_at DESC, id DESC`,
      { type: QueryTypes.SELECT },
    );
    built = createApp({ config: t.config, logger: createLogger('silent'), db: t.db, redis: null });
    http = await listen(built.app);
  });
  after(async () => {
    await http?.close();
    await built?.close();
    await t?.drop();
  });

  it('when paging with the cursor, then every published product comes exactly once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=7&cursor=${cursor}` : 'limit=7';
      const res = await fetch(`${http.baseUrl}/api/v1/products?${query}`);
      assert.equal(res.status, 200);
      const page = (await json(res)) as { items: ProductSummary[]; nextCursor: string | null };
      assert.ok(page.items.length <= 7);
      seen.push(...page.items.map((p) => p.slug));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    assert.deepEqual(
      seen,
      published.map((p) => p.slug),
    );
    assert.equal(pages, Math.ceil(published.length / 7));
  });

  it('when listing, then items carry price, artist, category and a first image', async () => {
    const page = await json(await fetch(`${http.baseUrl}/api/v1/products?limit=5`));
    for (const item of page.items as ProductSummary[]) {
      assert.ok(Number.isInteger(item.price.amountMinor) && item.price.amountMinor >= 0);
      assert.match(item.price.currency, /^[A-Z]{3}$/);
      assert.ok(item.artist?.slug);
      assert.ok(item.category?.slug);
      assert.match(item.image?.url ?? '', /^\/media\/products\/.+\.svg$/);
    }
  });

  it('when a product is read by slug, then it has its images, attributes and stock state', async () => {
    const slug = published[0]?.slug ?? '';
    const product = await json(await fetch(`${http.baseUrl}/api/v1/products/${slug}`));
    assert.equal(product.slug, slug);
    assert.ok(product.images.length >= 1);
    assert.equal(typeof product.attributes, 'object');
    const [inventory] = await t.db.sequelize.query<{ onHand: number }>(
      `SELECT i.on_hand AS "onHand" FROM inventory i JOIN products p ON p.id = i.product_id WHERE p.slug = :slug`,
      { type: QueryTypes.SELECT, replacements: { slug } },
    );
    assert.deepEqual(
      product.stock,
      inventory
        ? { tracked: true, available: inventory.onHand }
        : { tracked: false, available: null },
    );
  });

  it('when a product is a draft or archived, then it is not found', async () => {
    const hidden = await t.db.sequelize.query<{ slug: string }>(
      `SELECT slug FROM products WHERE status <> 'published'`,
      { type: QueryTypes.SELECT },
    );
    assert.ok(hidden.length > 0, 'the seed has unpublished products');
    for (const { slug } of hidden) {
      const res = await fetch(`${http.baseUrl}/api/v1/products/${slug}`);
      assert.equal(res.status, 404);
      assert.equal((await json(res)).error.code, 'PRODUCT_NOT_FOUND');
    }
  });

  it('when the cursor was not issued by the API, then 400 INVALID_CURSOR', async () => {
    for (const cursor of [
      'abc',
      Buffer.from('["yesterday", 1]').toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
    ]) {
      const res = await fetch(`${http.baseUrl}/api/v1/products?cursor=${cursor}`);
      assert.equal(res.status, 400, cursor);
      assert.equal((await json(res)).error.code, 'INVALID_CURSOR');
    }
  });

  it('when the slug is malformed or hostile, then 400 VALIDATION_FAILED and never a 500', async () => {
    for (const slug of ["x'%20OR%201=1--", 'UPPER', 'a'.repeat(200)]) {
      const res = await fetch(`${http.baseUrl}/api/v1/products/${slug}`);
      assert.equal(res.status, 400, slug);
      assert.equal((await json(res)).error.code, 'VALIDATION_FAILED');
    }
  });
});
