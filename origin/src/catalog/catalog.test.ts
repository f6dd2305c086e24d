import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { QueryTypes } from 'sequelize';
import { createTestDatabase, redisUrl, type TestDatabase } from '../../test/support/database.ts';
import { json, type Listening, listen } from '../../test/support/http.ts';
import { type App, createApp } from '../app.ts';
import { type ChangeWriter, createChangeWriter } from '../platform/changes.ts';
import { buildOpenApiDocument } from '../platform/http/api.ts';
import { createLogger } from '../platform/logging.ts';
import { createRedis } from '../platform/redis.ts';
import { seedShop } from '../seed/index.ts';
import { fingerprint } from './catalog.cursor.ts';
import type { ProductSummary } from './catalog.schemas.ts';
import { CATALOG, productTag } from './catalog.tags.ts';

const logger = createLogger('silent');
const SORTS = ['newest', 'price_asc', 'price_desc', 'popular'] as const;
type Sort = (typeof SORTS)[number];

/*
 * The expected answers come from SQL written here independently of the
 * repository: plain joins and LIKE-free conditions, ordered by the documented
 * sort keys with the id as tie-break.
 */
const ORDER_BY: Record<Sort, string> = {
  newest: 'p.published_at DESC, p.id DESC',
  price_asc: 'p.price_minor ASC, p.id ASC',
  price_desc: 'p.price_minor DESC, p.id DESC',
  popular: 'score DESC, p.id DESC',
};

interface Page {
  items: ProductSummary[];
  nextCursor: string | null;
}

describe('catalog read API', () => {
  let t: TestDatabase;
  let http: Listening;
  let built: App;
  let redis: Redis | null = null;
  let changes: ChangeWriter;
  let published: Array<{ slug: string }>;
  /** Slugs of drafts and archived products; some are in collections, favourites and orders. */
  let hidden: Set<string>;
  let queries = 0;

  const sql = <T extends object>(text: string, bind: unknown[] = []) =>
    t.db.sequelize.query<T>(text, { type: QueryTypes.SELECT, bind });

  const get = (path: string) => fetch(`${http.baseUrl}${path}`);

  /** Walks every page of a listing; returns the slugs in order and the number of pages. */
  async function walk(path: string, limit: number): Promise<{ slugs: string[]; pages: number }> {
    const slugs: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    const sep = path.includes('?') ? '&' : '?';
    do {
      const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(url);
      assert.equal(res.status, 200, `${url}: ${await res.clone().text()}`);
      const page = (await json(res)) as Page;
      assert.ok(page.items.length <= limit);
      if (page.nextCursor) assert.equal(page.items.length, limit, 'only the last page is short');
      slugs.push(...page.items.map((p) => p.slug));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 500);
    return { slugs, pages };
  }

  /** Published product slugs matching `where`, in the order of `sort`. */
  async function expected(where: string, sort: Sort, bind: unknown[] = []): Promise<string[]> {
    const rows = await sql<{ slug: string }>(
      `SELECT p.slug,
         (SELECT count(*) FROM favorites f WHERE f.product_id = p.id)
         + (SELECT coalesce(sum(oi.quantity), 0) FROM order_items oi JOIN orders o ON o.id = oi.order_id
            WHERE oi.product_id = p.id AND o.status IN ('paid', 'fulfilled')) AS score
       FROM products p
       LEFT JOIN artists a ON a.id = p.artist_id
       LEFT JOIN categories c ON c.id = p.category_id
       LEFT JOIN inventory inv ON inv.product_id = p.id
       WHERE p.status = 'published' AND (${where})
       ORDER BY ${ORDER_BY[sort]}`,
      bind,
    );
    return rows.map((row) => row.slug);
  }

  before(async () => {
    t = await createTestDatabase();
    await seedShop(t.db, { shop: 'gallery', products: 120, mediaDir: t.config.mediaDir });
    // Popularity: favourites from a few shoppers and units in paid, fulfilled,
    // pending and cancelled orders (only the first two count). Drafts and
    // archived works get the most, so a leak would top the popular list.
    await t.db.sequelize.query(
      `INSERT INTO users (email, password_hash)
         SELECT 'fan' || n || '@example.com', 'x' FROM generate_series(1, 6) n;
       INSERT INTO favorites (user_id, product_id)
         SELECT u.id, p.id FROM users u
         JOIN products p ON p.id % 7 = u.id % 7 OR (p.status <> 'published' AND p.id % 3 = 0);
       INSERT INTO orders (id, user_id, email, status, currency, subtotal_minor, total_minor, paid_at, fulfilled_at, hold_expires_at)
         VALUES
         ('00000000-0000-4000-8000-000000000001', 1, 'fan1@example.com', 'paid', 'EUR', 0, 0, now(), NULL, NULL),
         ('00000000-0000-4000-8000-000000000002', 2, 'fan2@example.com', 'fulfilled', 'EUR', 0, 0, now(), now(), NULL),
         ('00000000-0000-4000-8000-000000000003', 3, 'fan3@example.com', 'pending_payment', 'EUR', 0, 0, NULL, NULL, now() + interval '1 hour'),
         ('00000000-0000-4000-8000-000000000004', 4, 'fan4@example.com', 'cancelled', 'EUR', 0, 0, NULL, NULL, NULL);
       INSERT INTO order_items (order_id, product_id, artist_id, title, kind, unit_price_minor, quantity, line_total_minor)
         SELECT o.id, p.id, p.artist_id, p.title, p.kind, 0, 1 + (p.id % 5), 0
         FROM products p
         JOIN orders o ON (p.id % 11 = 0 AND o.status IN ('paid', 'pending_payment'))
           OR (p.id % 13 = 0 AND o.status IN ('fulfilled', 'cancelled'))
           OR (p.status = 'archived' AND o.status = 'paid');`,
    );
    // A sub-category with two published works: the parent's filter includes them.
    await t.db.sequelize.query(
      `INSERT INTO categories (slug, name, parent_id, position)
         SELECT 'sub-' || slug, 'Sub ' || name, id, 99 FROM categories ORDER BY position LIMIT 1;
       UPDATE products SET category_id = (SELECT id FROM categories WHERE parent_id IS NOT NULL)
       WHERE id IN (SELECT id FROM products WHERE status = 'published' ORDER BY id LIMIT 2);
       INSERT INTO collection_items (collection_id, product_id, position)
         SELECT 1, p.id, 1000 + row_number() OVER (ORDER BY p.id) FROM products p
         WHERE p.status <> 'published'
           AND NOT EXISTS (SELECT 1 FROM collection_items ci WHERE ci.collection_id = 1 AND ci.product_id = p.id);`,
    );
    published = await sql<{ slug: string }>(
      `SELECT slug FROM products WHERE status = 'published' ORDER BY published_at DESC, id DESC`,
    );
    hidden = new Set(
      (await sql<{ slug: string }>(`SELECT slug FROM products WHERE status <> 'published'`)).map(
        (row) => row.slug,
      ),
    );
    redis = redisUrl ? createRedis(redisUrl, logger, 'catalog-test') : null;
    built = createApp({ config: t.config, logger, db: t.db, redis });
    await built.cache.ready();
    changes = createChangeWriter({ db: t.db, cache: built.cache });
    http = await listen(built.app);
    t.db.sequelize.addHook('beforeQuery', 'count-queries', () => {
      queries++;
    });
  });
  after(async () => {
    t?.db.sequelize.removeHook('beforeQuery', 'count-queries');
    await http?.close();
    await built?.close();
    if (redis && t) {
      // This run's entries (their keys name its schema), rather than leave them for hours of grace.
      const pattern = `vitrine:cache:k:catalog:${t.config.database.schema}:*`;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
    redis?.disconnect();
    await t?.drop();
  });

  describe('listing, sorting and paging', () => {
    it('when paging with the cursor, then every published product comes exactly once, newest first', async () => {
      const { slugs, pages } = await walk('/api/v1/products', 7);
      assert.deepEqual(
        slugs,
        published.map((p) => p.slug),
      );
      assert.equal(pages, Math.ceil(published.length / 7));
    });

    for (const sort of SORTS) {
      it(`when walking every page sorted ${sort}, then the products and their order match SQL`, async () => {
        const { slugs } = await walk(`/api/v1/products?sort=${sort}`, 9);
        assert.deepEqual(slugs, await expected('true', sort));
      });
    }

    it('when sorting by popularity, then favourites and paid or fulfilled units decide, and ties go to the higher id', async () => {
      const page = (await json(await get('/api/v1/products?sort=popular&limit=5'))) as Page;
      const [top] = await sql<{ slug: string; score: number }>(
        `SELECT p.slug, (SELECT count(*) FROM favorites f WHERE f.product_id = p.id)::int
           + (SELECT coalesce(sum(oi.quantity), 0) FROM order_items oi JOIN orders o ON o.id = oi.order_id
              WHERE oi.product_id = p.id AND o.status IN ('paid', 'fulfilled'))::int AS score
         FROM products p WHERE p.status = 'published' ORDER BY score DESC, p.id DESC LIMIT 1`,
      );
      assert.ok(top && top.score > 1, 'the test data gives some works a real score');
      assert.equal(page.items[0]?.slug, top.slug);
    });

    it('when publication times differ by microseconds or tie, then the newest sort pages through them without a gap or a repeat', async () => {
      const newest = published.slice(0, 4).map((p) => p.slug);
      await changes.write(async (transaction, record) => {
        // Same millisecond, different microseconds; the last two tie exactly (the id decides).
        await t.db.sequelize.query(
          `UPDATE products SET published_at = '2030-01-01T00:00:00.000001Z'::timestamptz
             + (array_position($1::text[], slug) / 2) * interval '1 microsecond'
           WHERE slug = ANY ($1::text[])`,
          { bind: [newest], transaction },
        );
        record({
          topic: 'product.updated',
          aggregateType: 'product',
          aggregateId: 0,
          tags: [CATALOG],
        });
      });
      const { slugs } = await walk('/api/v1/products', 1);
      assert.deepEqual(slugs, await expected('true', 'newest'));
      const times = await sql<{ t: string }>(
        `SELECT to_char(published_at AT TIME ZONE 'UTC', 'SS.US') AS t FROM products WHERE slug = ANY ($1::text[])`,
        [newest],
      );
      assert.deepEqual(
        new Set(times.map((row) => row.t)),
        new Set(['00.000001', '00.000002', '00.000003']),
      );
    });

    it('when listing, then items carry price, artist, category and a first image', async () => {
      const page = await json(await get('/api/v1/products?limit=5'));
      for (const item of page.items as ProductSummary[]) {
        assert.ok(Number.isInteger(item.price.amountMinor) && item.price.amountMinor >= 0);
        assert.match(item.price.currency, /^[A-Z]{3}$/);
        assert.ok(item.artist?.slug);
        assert.ok(item.category?.slug);
        assert.match(item.image?.url ?? '', /^\/media\/products\/.+\.svg$/);
      }
    });

    it('when a list is answered, then it may be cached publicly for a short while', async () => {
      const res = await get('/api/v1/products?limit=2');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
      const missing = await get('/api/v1/products/no-such-work');
      assert.equal(missing.status, 404);
      assert.doesNotMatch(missing.headers.get('cache-control') ?? '', /public/);
    });
  });

  describe('filters', () => {
    let sample: {
      collection: string;
      category: string;
      parentCategory: string;
      artist: string;
      minPrice: number;
      maxPrice: number;
    };

    before(async () => {
      const [collection] = await sql<{ slug: string }>(
        'SELECT slug FROM collections ORDER BY id LIMIT 1',
      );
      const [category] = await sql<{ slug: string }>(
        `SELECT c.slug FROM categories c JOIN products p ON p.category_id = c.id
         WHERE p.status = 'published' AND c.parent_id IS NULL
         GROUP BY c.slug ORDER BY count(*) DESC, c.slug LIMIT 1`,
      );
      const [parent] = await sql<{ slug: string }>(
        'SELECT parent.slug FROM categories c JOIN categories parent ON parent.id = c.parent_id',
      );
      const [artist] = await sql<{ slug: string }>(
        `SELECT a.slug FROM artists a JOIN products p ON p.artist_id = a.id
         WHERE p.status = 'published' GROUP BY a.slug ORDER BY count(*) DESC, a.slug LIMIT 1`,
      );
      const [prices] = await sql<{ low: number; high: number }>(
        `SELECT percentile_disc(0.25) WITHIN GROUP (ORDER BY price_minor) AS low,
                percentile_disc(0.75) WITHIN GROUP (ORDER BY price_minor) AS high
         FROM products WHERE status = 'published'`,
      );
      assert.ok(collection && category && parent && artist && prices);
      sample = {
        collection: collection.slug,
        category: category.slug,
        parentCategory: parent.slug,
        artist: artist.slug,
        minPrice: prices.low,
        maxPrice: prices.high,
      };
    });

    const inCollection = `p.id IN (SELECT ci.product_id FROM collection_items ci
      JOIN collections co ON co.id = ci.collection_id WHERE co.slug = $1)`;

    it('when filtering by each filter alone, then the pages hold exactly the matching products', async () => {
      const cases: Array<[string, string, unknown[]]> = [
        [`collection=${sample.collection}`, inCollection, [sample.collection]],
        [`category=${sample.category}`, 'c.slug = $1', [sample.category]],
        [
          `category=${sample.parentCategory}`,
          'c.slug = $1 OR c.parent_id = (SELECT id FROM categories WHERE slug = $1)',
          [sample.parentCategory],
        ],
        [`artist=${sample.artist}`, 'a.slug = $1', [sample.artist]],
        [`minPrice=${sample.minPrice}`, 'p.price_minor >= $1', [sample.minPrice]],
        [`maxPrice=${sample.maxPrice}`, 'p.price_minor <= $1', [sample.maxPrice]],
        ['inStock=true', 'inv.product_id IS NULL OR inv.on_hand - inv.held > 0', []],
        ['inStock=false', 'true', []],
      ];
      for (const [query, where, bind] of cases) {
        const want = await expected(where, 'newest', bind);
        assert.ok(want.length > 0, `${query} matches something`);
        const { slugs } = await walk(`/api/v1/products?${query}`, 5);
        assert.deepEqual(slugs, want, query);
      }
    });

    it('when the parent category is asked for, then its sub-category works are included', async () => {
      const { slugs } = await walk(`/api/v1/products?category=${sample.parentCategory}`, 50);
      const moved = await sql<{ slug: string }>(
        'SELECT p.slug FROM products p JOIN categories c ON c.id = p.category_id WHERE c.parent_id IS NOT NULL',
      );
      assert.equal(moved.length, 2);
      for (const { slug } of moved) assert.ok(slugs.includes(slug), slug);
    });

    it('when filters are combined, then every sort still pages exactly through their intersection', async () => {
      const combos: Array<[string, string, unknown[]]> = [
        [
          `category=${sample.category}&minPrice=${sample.minPrice}&maxPrice=${sample.maxPrice}&inStock=true`,
          `c.slug = $1 AND p.price_minor BETWEEN $2 AND $3
           AND (inv.product_id IS NULL OR inv.on_hand - inv.held > 0)`,
          [sample.category, sample.minPrice, sample.maxPrice],
        ],
        [
          `collection=${sample.collection}&minPrice=${sample.minPrice}`,
          `${inCollection} AND p.price_minor >= $2`,
          [sample.collection, sample.minPrice],
        ],
        [
          `artist=${sample.artist}&inStock=true`,
          'a.slug = $1 AND (inv.product_id IS NULL OR inv.on_hand - inv.held > 0)',
          [sample.artist],
        ],
      ];
      for (const [query, where, bind] of combos) {
        for (const sort of SORTS) {
          const want = await expected(where, sort, bind);
          assert.ok(want.length > 0, `${query} matches something`);
          const { slugs } = await walk(`/api/v1/products?${query}&sort=${sort}`, 3);
          assert.deepEqual(slugs, want, `${query}&sort=${sort}`);
        }
      }
    });

    it('when filtering in stock, then sold-out works are left out and untracked works stay', async () => {
      const soldOut = await sql<{ slug: string }>(
        `SELECT p.slug FROM products p JOIN inventory inv ON inv.product_id = p.id
         WHERE p.status = 'published' AND inv.on_hand - inv.held <= 0`,
      );
      const untracked = await sql<{ slug: string }>(
        `SELECT p.slug FROM products p WHERE p.status = 'published'
         AND NOT EXISTS (SELECT 1 FROM inventory inv WHERE inv.product_id = p.id)`,
      );
      assert.ok(soldOut.length > 0 && untracked.length > 0, 'the seed has both kinds');
      const { slugs } = await walk('/api/v1/products?inStock=true', 100);
      for (const { slug } of soldOut) assert.ok(!slugs.includes(slug), `${slug} is sold out`);
      for (const { slug } of untracked) assert.ok(slugs.includes(slug), `${slug} is untracked`);
    });

    it('when searching for a known title, then that work is found, also by a word prefix and in any case', async () => {
      const [work] = await sql<{ slug: string; title: string }>(
        `SELECT slug, title FROM products WHERE status = 'published' AND title ~ '^[A-Za-z]{5,}'
         ORDER BY id LIMIT 1`,
      );
      assert.ok(work);
      const word = (work.title.match(/^[A-Za-z]+/) ?? [''])[0];
      for (const q of [work.title, work.title.toUpperCase(), word.slice(0, 4)]) {
        const { slugs } = await walk(`/api/v1/products?q=${encodeURIComponent(q)}`, 100);
        assert.ok(slugs.includes(work.slug), `q=${q} finds ${work.slug}`);
      }
    });

    it('when searching for one word, then exactly the works with a word starting with it in title, description or artist name come back', async () => {
      const [row] = await sql<{ word: string }>(
        `SELECT lower(substring(title from '^[A-Za-z]{4,}')) AS word FROM products
         WHERE status = 'published' AND title ~ '^[A-Za-z]{4,}' ORDER BY id DESC LIMIT 1`,
      );
      assert.ok(row);
      const want = await expected(
        `p.title ~* ('\\m' || $1) OR p.description ~* ('\\m' || $1) OR a.name ~* ('\\m' || $1)`,
        'price_asc',
        [row.word],
      );
      const { slugs } = await walk(`/api/v1/products?q=${row.word}&sort=price_asc`, 4);
      assert.deepEqual(slugs, want);
    });

    it("when searching for an artist's name and a word of one of their titles, then both words must match", async () => {
      const [row] = await sql<{ artist: string; name: string; word: string }>(
        `SELECT a.slug AS artist, a.name, lower(substring(p.title from '^[A-Za-z]{4,}')) AS word
         FROM products p JOIN artists a ON a.id = p.artist_id
         WHERE p.status = 'published' AND p.title ~ '^[A-Za-z]{4,}' ORDER BY p.id LIMIT 1`,
      );
      assert.ok(row);
      const surname = row.name.split(/\s+/).at(-1) ?? '';
      const { slugs } = await walk(
        `/api/v1/products?q=${encodeURIComponent(`${surname} ${row.word}`)}`,
        100,
      );
      assert.ok(slugs.length > 0);
      const want = await expected(
        `(p.title ~* ('\\m' || $1) OR p.description ~* ('\\m' || $1) OR a.name ~* ('\\m' || $1))
         AND (p.title ~* ('\\m' || $2) OR p.description ~* ('\\m' || $2) OR a.name ~* ('\\m' || $2))`,
        'newest',
        [surname.toLowerCase(), row.word],
      );
      assert.deepEqual(slugs, want);
    });

    it('when a cursor comes from another sort or other filters, then 400 INVALID_CURSOR', async () => {
      const page = (await json(await get('/api/v1/products?limit=3&sort=price_asc'))) as Page;
      assert.ok(page.nextCursor);
      for (const query of [
        `sort=price_desc&cursor=${page.nextCursor}`,
        `sort=newest&cursor=${page.nextCursor}`,
        `sort=price_asc&minPrice=1&cursor=${page.nextCursor}`,
        `sort=price_asc&artist=${sample.artist}&cursor=${page.nextCursor}`,
      ]) {
        const res = await get(`/api/v1/products?limit=3&${query}`);
        assert.equal(res.status, 400, query);
        assert.equal((await json(res)).error.code, 'INVALID_CURSOR');
      }
      const same = await get(`/api/v1/products?limit=3&sort=price_asc&cursor=${page.nextCursor}`);
      assert.equal(same.status, 200);
    });

    it('when the cursor was not issued by the API, then 400 INVALID_CURSOR', async () => {
      const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      // The fingerprint of "no filters" is no secret: a forged cursor may carry the right one.
      const everything = fingerprint({});
      const valid = forged([1, 'price_asc', everything, 100, 1]);
      assert.equal((await get(`/api/v1/products?sort=price_asc&cursor=${valid}`)).status, 200);
      // Each asked with the sort it names, so only its key can be wrong.
      const cases: Array<[string, string]> = [
        ['newest', 'abc'],
        ['newest', forged(['yesterday', 1])],
        ['newest', forged([1])],
        ['newest', forged([1, 'newest', everything, '2025-02-30T00:00:00.000000Z', 1])],
        ['newest', forged([1, 'newest', everything, '0000-01-01T00:00:00.000000Z', 1])],
        ['newest', forged([1, 'newest', everything, 1_700_000_000, 1])],
        ['price_asc', forged([1, 'price_asc', everything, -1, 1])],
        ['price_asc', forged([1, 'price_asc', everything, 2_147_483_648, 1])],
        ['price_asc', forged([1, 'price_asc', everything, 1.5, 1])],
        ['price_asc', forged([1, 'price_asc', everything, 100, 0])],
        ['price_asc', forged([1, 'price_asc', everything, 100, 2 ** 53])],
        ['price_asc', forged([2, 'price_asc', everything, 100, 1])],
        ['popular', forged([1, 'popular', everything, '12', 1])],
      ];
      for (const [sort, cursor] of cases) {
        const res = await get(`/api/v1/products?sort=${sort}&cursor=${cursor}`);
        assert.equal(res.status, 400, cursor);
        assert.equal((await json(res)).error.code, 'INVALID_CURSOR');
      }
    });

    it('when a filter is hostile or out of range, then 400 VALIDATION_FAILED names it, and never a 500', async () => {
      const cases: Array<[string, string]> = [
        ["collection=x'%20OR%201=1--", 'query.collection'],
        ['category=%27%3B%20DROP%20TABLE%20products%3B--', 'query.category'],
        [`artist=${'a'.repeat(500)}`, 'query.artist'],
        ['artist=a&artist=b', 'query.artist'],
        ['artist=Upper', 'query.artist'],
        ['minPrice=-1', 'query.minPrice'],
        ['minPrice=1e3', 'query.minPrice'],
        ['minPrice=12abc', 'query.minPrice'],
        ['minPrice=', 'query.minPrice'],
        ['maxPrice=99999999999999999999', 'query.maxPrice'],
        ['maxPrice=2147483648', 'query.maxPrice'],
        ['maxPrice=NaN', 'query.maxPrice'],
        ['minPrice=500&maxPrice=100', 'query.minPrice'],
        ['sort=cheapest', 'query.sort'],
        ["sort=newest'--", 'query.sort'],
        ['inStock=yes', 'query.inStock'],
        ['limit=0', 'query.limit'],
        ['limit=101', 'query.limit'],
        ['limit=-5', 'query.limit'],
        ['limit=99999999999', 'query.limit'],
        [`q=${'a'.repeat(101)}`, 'query.q'],
        ['q=%00', 'query.q'],
        ['q=night%00', 'query.q'],
        ['q=!!!', 'query.q'],
        ['q=a%20b%20c%20d%20e%20f%20g%20h%20i', 'query.q'],
        ["cursor='%20OR%201=1", 'query.cursor'],
      ];
      for (const [query, field] of cases) {
        const res = await get(`/api/v1/products?${query}`);
        assert.equal(res.status, 400, query);
        const body = await json(res);
        assert.equal(body.error.code, 'VALIDATION_FAILED', query);
        assert.ok(
          body.error.details.fields.some((f: { path: string }) => f.path === field),
          `${query} → ${JSON.stringify(body.error.details)}`,
        );
      }
    });

    it('when the text query carries SQL or search syntax, then it is searched for as words and nothing breaks', async () => {
      for (const q of [
        "'; DROP TABLE products; --",
        "' OR 1=1 --",
        'night & !day | (x:*)',
        '%_\\',
      ]) {
        const res = await get(`/api/v1/products?q=${encodeURIComponent(q)}`);
        assert.ok(res.status === 200 || res.status === 400, `${q}: ${res.status}`);
        if (res.status === 200) {
          const page = (await json(res)) as Page;
          assert.ok(page.items.length < published.length, q);
        } else {
          assert.equal((await json(res)).error.code, 'VALIDATION_FAILED');
        }
      }
      const [count] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM products');
      assert.equal(count?.n, published.length + hidden.size);
    });
  });

  describe('products, recommendations, collections, categories, artists, popular', () => {
    it('when a product is read by slug, then it has its images, attributes and stock state', async () => {
      const slug = published[0]?.slug ?? '';
      const res = await get(`/api/v1/products/${slug}`);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
      const product = await json(res);
      assert.equal(product.slug, slug);
      assert.ok(product.images.length >= 1);
      assert.equal(typeof product.attributes, 'object');
      const [inventory] = await sql<{ onHand: number }>(
        `SELECT i.on_hand AS "onHand" FROM inventory i JOIN products p ON p.id = i.product_id WHERE p.slug = $1`,
        [slug],
      );
      assert.deepEqual(
        product.stock,
        inventory
          ? { tracked: true, available: inventory.onHand }
          : { tracked: false, available: null },
      );
    });

    it('when the slug is malformed or hostile, then 400 VALIDATION_FAILED and never a 500', async () => {
      for (const slug of ["x'%20OR%201=1--", 'UPPER', 'a'.repeat(200)]) {
        for (const path of [
          `/api/v1/products/${slug}`,
          `/api/v1/products/${slug}/recommendations`,
          `/api/v1/collections/${slug}`,
          `/api/v1/artists/${slug}`,
        ]) {
          const res = await get(path);
          assert.equal(res.status, 400, path);
          assert.equal((await json(res)).error.code, 'VALIDATION_FAILED');
        }
      }
    });

    it('when recommendations are asked for, then they are other published works by the artist and from shared galleries', async () => {
      const [work] = await sql<{ id: number; slug: string; artistSlug: string }>(
        `SELECT p.id, p.slug, a.slug AS "artistSlug" FROM products p JOIN artists a ON a.id = p.artist_id
         WHERE p.status = 'published'
           AND (SELECT count(*) FROM products o WHERE o.artist_id = p.artist_id AND o.status = 'published') > 2
           AND EXISTS (SELECT 1 FROM collection_items ci WHERE ci.product_id = p.id)
         ORDER BY p.id LIMIT 1`,
      );
      assert.ok(work);
      const res = await get(`/api/v1/products/${work.slug}/recommendations?limit=24`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
      const body = await json(res);
      const byArtist = await expected('a.slug = $1 AND p.id <> $2', 'newest', [
        work.artistSlug,
        work.id,
      ]);
      assert.deepEqual(
        body.moreByArtist.map((p: ProductSummary) => p.slug),
        byArtist.slice(0, 24),
      );
      const shared = await expected(
        `p.id <> $1 AND p.id IN (SELECT other.product_id FROM collection_items mine
           JOIN collection_items other ON other.collection_id = mine.collection_id WHERE mine.product_id = $1)`,
        'newest',
        [work.id],
      );
      assert.ok(body.alsoInCollections.length > 0);
      assert.equal(body.alsoInCollections.length, Math.min(24, shared.length));
      for (const p of body.alsoInCollections as ProductSummary[])
        assert.ok(shared.includes(p.slug));
      const missing = await get('/api/v1/products/no-such-work/recommendations');
      assert.equal(missing.status, 404);
      assert.equal((await json(missing)).error.code, 'PRODUCT_NOT_FOUND');
    });

    it('when listing collections, then featured ones come first, then by position, each with its published count', async () => {
      const res = await get('/api/v1/collections');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
      const body = await json(res);
      const want = await sql<{ slug: string; featured: boolean; itemCount: number }>(
        `SELECT co.slug, co.featured, count(*)::int AS "itemCount" FROM collections co
         JOIN collection_items ci ON ci.collection_id = co.id
         JOIN products p ON p.id = ci.product_id AND p.status = 'published'
         GROUP BY co.id ORDER BY co.featured DESC, co.position, co.id`,
      );
      assert.ok(want.some((c) => c.featured) && want.some((c) => !c.featured));
      assert.deepEqual(
        body.items.map((c: { slug: string; featured: boolean; itemCount: number }) => ({
          slug: c.slug,
          featured: c.featured,
          itemCount: c.itemCount,
        })),
        want,
      );
      for (const c of body.items) assert.match(c.cover?.url ?? '', /^\/media\/products\//);
    });

    it('when reading a collection page by page, then its published works come in curated order', async () => {
      const collections = await sql<{ slug: string; id: number }>(
        'SELECT slug, id FROM collections ORDER BY id',
      );
      for (const collection of collections) {
        const want = await sql<{ slug: string }>(
          `SELECT p.slug FROM collection_items ci JOIN products p ON p.id = ci.product_id
           WHERE ci.collection_id = $1 AND p.status = 'published' ORDER BY ci.position`,
          [collection.id],
        );
        const { slugs } = await walk(`/api/v1/collections/${collection.slug}`, 4);
        assert.deepEqual(
          slugs,
          want.map((row) => row.slug),
          collection.slug,
        );
      }
      const missing = await get('/api/v1/collections/no-such-gallery');
      assert.equal(missing.status, 404);
      assert.equal((await json(missing)).error.code, 'COLLECTION_NOT_FOUND');
    });

    it('when listing categories, then all come in display order with their published counts', async () => {
      const body = await json(await get('/api/v1/categories'));
      const want = await sql<{ slug: string; productCount: number }>(
        `SELECT c.slug, count(p.id)::int AS "productCount" FROM categories c
         LEFT JOIN products p ON p.category_id = c.id AND p.status = 'published'
         GROUP BY c.id ORDER BY c.position, c.id`,
      );
      assert.deepEqual(
        body.items.map((c: { slug: string; productCount: number }) => ({
          slug: c.slug,
          productCount: c.productCount,
        })),
        want,
      );
      const sub = body.items.find((c: { parentSlug: string | null }) => c.parentSlug !== null);
      assert.ok(sub, 'the sub-category names its parent');
    });

    it('when reading an artist, then the profile has their published works, and the cursor continues on the product list', async () => {
      const [artist] = await sql<{ slug: string; name: string }>(
        `SELECT a.slug, a.name FROM artists a JOIN products p ON p.artist_id = a.id
         WHERE p.status = 'published' GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1`,
      );
      assert.ok(artist);
      const want = await expected('a.slug = $1', 'newest', [artist.slug]);
      assert.ok(want.length > 2);
      const res = await get(`/api/v1/artists/${artist.slug}?limit=2`);
      assert.equal(res.status, 200);
      const body = await json(res);
      assert.equal(body.artist.name, artist.name);
      assert.equal(body.artist.workCount, want.length);
      const slugs = body.works.items.map((p: ProductSummary) => p.slug);
      assert.ok(body.works.nextCursor);
      const rest = await json(
        await get(
          `/api/v1/products?artist=${artist.slug}&limit=100&cursor=${body.works.nextCursor}`,
        ),
      );
      slugs.push(...rest.items.map((p: ProductSummary) => p.slug));
      assert.deepEqual(slugs, want);

      const [none] = await sql<{ slug: string }>(
        `SELECT a.slug FROM artists a WHERE NOT EXISTS
           (SELECT 1 FROM products p WHERE p.artist_id = a.id AND p.status = 'published') LIMIT 1`,
      );
      for (const slug of ['no-such-artist', ...(none ? [none.slug] : [])]) {
        const missing = await get(`/api/v1/artists/${slug}`);
        assert.equal(missing.status, 404, slug);
        assert.equal((await json(missing)).error.code, 'ARTIST_NOT_FOUND');
      }
    });

    it('when asking for popular works, then they are the top of the popular sort', async () => {
      const res = await get('/api/v1/popular?limit=10');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
      const body = await json(res);
      assert.deepEqual(
        body.items.map((p: ProductSummary) => p.slug),
        (await expected('true', 'popular')).slice(0, 10),
      );
      assert.equal((await get('/api/v1/popular?limit=49')).status, 400);
    });
  });

  describe('drafts and archived works', () => {
    it('when a product is a draft or archived, then it is not found, nor its recommendations', async () => {
      assert.ok(hidden.size > 0, 'the seed has unpublished products');
      for (const slug of hidden) {
        for (const path of [
          `/api/v1/products/${slug}`,
          `/api/v1/products/${slug}/recommendations`,
        ]) {
          const res = await get(path);
          assert.equal(res.status, 404, path);
          assert.equal((await json(res)).error.code, 'PRODUCT_NOT_FOUND');
        }
      }
    });

    it('when anything lists products, then no draft or archived work is ever among them', async () => {
      const seen = new Set<string>();
      const collect = (items: ProductSummary[]) => {
        for (const item of items) seen.add(item.slug);
      };
      for (const sort of SORTS) {
        const { slugs } = await walk(`/api/v1/products?sort=${sort}`, 100);
        for (const slug of slugs) seen.add(slug);
      }
      for (const slug of hidden) {
        const res = await json(await get(`/api/v1/products?q=${encodeURIComponent(slug)}`));
        collect(res.items);
      }
      collect((await json(await get('/api/v1/popular?limit=48'))).items);
      const collections = await sql<{ slug: string }>('SELECT slug FROM collections');
      for (const { slug } of collections) {
        const res = await get(`/api/v1/collections/${slug}?limit=100`);
        if (res.status === 200) collect((await json(res)).items);
      }
      const artists = await sql<{ slug: string }>('SELECT slug FROM artists');
      for (const { slug } of artists) {
        const res = await get(`/api/v1/artists/${slug}?limit=100`);
        if (res.status === 200) collect((await json(res)).works.items);
      }
      for (const { slug } of published.slice(0, 15)) {
        const res = await json(await get(`/api/v1/products/${slug}/recommendations?limit=24`));
        collect(res.moreByArtist);
        collect(res.alsoInCollections);
      }
      assert.ok(seen.size >= published.length);
      for (const slug of hidden) assert.ok(!seen.has(slug), `${slug} leaked`);
      const [draftInCollection] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM collection_items ci JOIN products p ON p.id = ci.product_id
         WHERE p.status <> 'published'`,
      );
      assert.ok((draftInCollection?.n ?? 0) > 0, 'the test put drafts in a collection');
    });
  });

  describe('availability', () => {
    let ids: {
      inStock: number;
      soldOut: number;
      untracked: number;
      draft: number;
      archived: number;
      low: number;
    };

    before(async () => {
      const one = async (where: string) => {
        const [row] = await sql<{ id: number }>(
          `SELECT p.id FROM products p LEFT JOIN inventory inv ON inv.product_id = p.id
           WHERE ${where} ORDER BY p.id LIMIT 1`,
        );
        assert.ok(row, where);
        return row.id;
      };
      ids = {
        inStock: await one(`p.status = 'published' AND inv.on_hand - inv.held > 3`),
        soldOut: await one(`p.status = 'published' AND inv.on_hand = 0`),
        untracked: await one(`p.status = 'published' AND inv.product_id IS NULL`),
        draft: await one(`p.status = 'draft'`),
        archived: await one(`p.status = 'archived'`),
        low: await one(
          `p.status = 'published' AND inv.on_hand - inv.held > 3 AND p.id <> (
             SELECT min(p2.id) FROM products p2 JOIN inventory i2 ON i2.product_id = p2.id
             WHERE p2.status = 'published' AND i2.on_hand - i2.held > 3)`,
        ),
      };
    });

    it('when asked for published, sold-out, untracked, unpublished and unknown ids, then each gets its live state and the edge may cache briefly', async () => {
      await sql('UPDATE inventory SET on_hand = 5, held = 3 WHERE product_id = $1', [ids.low]);
      const list = [
        ids.inStock,
        ids.soldOut,
        ids.untracked,
        ids.draft,
        ids.archived,
        999_999,
        ids.low,
        ids.inStock,
      ];
      const res = await get(`/api/v1/availability?ids=${list.join(',')}`);
      assert.equal(res.status, 200);
      assert.equal(
        res.headers.get('cache-control'),
        'public, max-age=1, s-maxage=2, stale-while-revalidate=5',
      );
      const body = await json(res);
      const [price] = await sql<{ priceMinor: number; currency: string }>(
        'SELECT price_minor AS "priceMinor", currency FROM products WHERE id = $1',
        [ids.inStock],
      );
      const [stock] = await sql<{ available: number }>(
        'SELECT on_hand - held AS available FROM inventory WHERE product_id = $1',
        [ids.inStock],
      );
      assert.deepEqual(
        body.items.map((item: { id: number }) => item.id),
        list.slice(0, -1),
        'in the order asked, each once',
      );
      const byId = new Map(body.items.map((item: { id: number }) => [item.id, item]));
      assert.deepEqual(byId.get(ids.inStock), {
        id: ids.inStock,
        state: 'in_stock',
        available: stock?.available,
        price: { amountMinor: price?.priceMinor, currency: price?.currency },
      });
      assert.equal((byId.get(ids.soldOut) as { state: string }).state, 'sold_out');
      assert.deepEqual(
        [
          (byId.get(ids.low) as { state: string }).state,
          (byId.get(ids.low) as { available: number }).available,
        ],
        ['low_stock', 2],
      );
      const untracked = byId.get(ids.untracked) as { state: string; available: null };
      assert.deepEqual([untracked.state, untracked.available], ['in_stock', null]);
      for (const id of [ids.draft, ids.archived, 999_999]) {
        assert.deepEqual(byId.get(id), { id, state: 'unavailable', available: null, price: null });
      }
    });

    it('when stock changes in the database, then the next availability answer shows it at once', async () => {
      const before = await json(await get(`/api/v1/availability?ids=${ids.inStock}`));
      await sql('UPDATE inventory SET held = on_hand WHERE product_id = $1', [ids.inStock]);
      const after = await json(await get(`/api/v1/availability?ids=${ids.inStock}`));
      await sql('UPDATE inventory SET held = 0 WHERE product_id = $1', [ids.inStock]);
      assert.equal(before.items[0].state, 'in_stock');
      assert.deepEqual([after.items[0].state, after.items[0].available], ['sold_out', 0]);
    });

    it('when the ids are missing, malformed or too many, then 400 VALIDATION_FAILED', async () => {
      for (const query of [
        '',
        'ids=',
        'ids=abc',
        'ids=1,,2',
        'ids=1;DROP%20TABLE%20products',
        'ids=0',
        'ids=-1',
        'ids=1.5',
        'ids=9999999999999999',
        `ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`,
      ]) {
        const res = await get(`/api/v1/availability?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal((await json(res)).error.code, 'VALIDATION_FAILED', query);
      }
      const hundred = await get(
        `/api/v1/availability?ids=${Array.from({ length: 100 }, (_, i) => i + 1).join(',')}`,
      );
      assert.equal(hundred.status, 200);
    });
  });

  describe('cache', () => {
    it('when the same list is asked twice, then the second answer comes without a database query', async () => {
      const path = '/api/v1/products?sort=price_desc&limit=11&inStock=true';
      queries = 0;
      const first = await json(await get(path));
      assert.ok(queries > 0, 'the first read loads');
      queries = 0;
      const second = await json(await get(path));
      assert.equal(queries, 0);
      assert.deepEqual(second, first);
      // Equal searches written differently share the entry: case, spacing, order and repeats.
      queries = 0;
      await get('/api/v1/products?q=Night%20%20sky');
      assert.ok(queries > 0);
      queries = 0;
      await get('/api/v1/products?q=sky%20NIGHT,%20night');
      assert.equal(queries, 0);
    });

    it('when every catalogue read is repeated, then none of them queries the database again', async () => {
      const [work] = published;
      const [collection] = await sql<{ slug: string }>('SELECT slug FROM collections LIMIT 1');
      const [artist] = await sql<{ slug: string }>(
        `SELECT a.slug FROM artists a JOIN products p ON p.artist_id = a.id AND p.status = 'published' LIMIT 1`,
      );
      const paths = [
        `/api/v1/products/${work?.slug}`,
        `/api/v1/products/${work?.slug}/recommendations`,
        '/api/v1/collections',
        `/api/v1/collections/${collection?.slug}`,
        '/api/v1/categories',
        `/api/v1/artists/${artist?.slug}`,
        '/api/v1/popular',
        '/api/v1/products/no-such-work',
      ];
      for (const path of paths) await get(path);
      queries = 0;
      for (const path of paths) await get(path);
      assert.equal(queries, 0);
    });

    it('when a product changes through the change writer, then the next list and detail reads show it', async () => {
      const [work] = await sql<{ id: number; slug: string; title: string }>(
        `SELECT id, slug, title FROM products WHERE status = 'published'
         ORDER BY published_at DESC, id DESC LIMIT 1`,
      );
      assert.ok(work);
      const list = async () =>
        ((await json(await get('/api/v1/products?limit=3'))) as Page).items[0]?.title;
      const detail = async () => (await json(await get(`/api/v1/products/${work.slug}`))).title;
      assert.equal(await list(), work.title);
      assert.equal(await detail(), work.title);
      const etag = (await get(`/api/v1/products/${work.slug}`)).headers.get('etag') ?? '';
      assert.match(etag, /^W\/"[0-9a-f]+-[A-Za-z0-9_-]+"$/);
      const conditional = () =>
        fetch(`${http.baseUrl}/api/v1/products/${work.slug}`, {
          // fetch marks conditional requests no-cache unless told otherwise, and no-cache must not get a 304.
          headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
        });
      const unchanged = await conditional();
      assert.equal(unchanged.status, 304, 'the client already has this version');
      assert.equal(await unchanged.text(), '');

      const renamed = `${work.title} (renamed)`;
      await changes.write(async (transaction, record) => {
        await t.db.sequelize.query('UPDATE products SET title = $1 WHERE id = $2', {
          bind: [renamed, work.id],
          transaction,
        });
        record({
          topic: 'product.updated',
          aggregateType: 'product',
          aggregateId: work.id,
          tags: [CATALOG, productTag(work.id)],
        });
      });
      assert.equal(await list(), renamed);
      assert.equal(await detail(), renamed);
      const changed = await conditional();
      assert.equal(changed.status, 200, 'the old ETag no longer matches');
      assert.notEqual(changed.headers.get('etag'), etag);

      await changes.write(async (transaction, record) => {
        await t.db.sequelize.query(`UPDATE products SET status = 'draft' WHERE id = $1`, {
          bind: [work.id],
          transaction,
        });
        record({
          topic: 'product.unpublished',
          aggregateType: 'product',
          aggregateId: work.id,
          tags: [CATALOG, productTag(work.id)],
        });
      });
      assert.equal((await get(`/api/v1/products/${work.slug}`)).status, 404);
      assert.notEqual(await list(), renamed);
    });
  });

  it('when the OpenAPI document is built, then every catalogue route, parameter and schema is in it', () => {
    // The catalogue's own part: the whole document is app.test.ts's concern.
    const doc = buildOpenApiDocument(
      built.routes.filter((route) => route.tags.includes('catalog')),
      { title: 'catalogue', version: '0' },
    ) as unknown as {
      paths: Record<string, { get?: { parameters: Array<{ name: string }> } }>;
      components: { schemas: Record<string, unknown> };
    };
    for (const path of [
      '/api/v1/products',
      '/api/v1/products/{slug}',
      '/api/v1/products/{slug}/recommendations',
      '/api/v1/availability',
      '/api/v1/collections',
      '/api/v1/collections/{slug}',
      '/api/v1/categories',
      '/api/v1/artists/{slug}',
      '/api/v1/popular',
    ]) {
      assert.ok(doc.paths[path]?.get, path);
    }
    const params = (doc.paths['/api/v1/products']?.get?.parameters ?? []).map((p) => p.name);
    for (const name of [
      'collection',
      'category',
      'artist',
      'q',
      'minPrice',
      'maxPrice',
      'inStock',
      'sort',
      'cursor',
      'limit',
    ]) {
      assert.ok(params.includes(name), name);
    }
    for (const schema of [
      'ProductPage',
      'ProductDetail',
      'Availability',
      'CollectionPage',
      'ArtistPage',
    ]) {
      assert.ok(doc.components.schemas[schema], schema);
    }
  });
});
