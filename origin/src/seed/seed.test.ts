import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import type { Database } from '../platform/db/database.ts';
import { MIGRATIONS } from '../platform/db/migrator.ts';
import { AppError } from '../platform/errors.ts';
import { PALETTES } from './art.ts';
import { buildCatalog, collectionCount, makerCount, slugify } from './catalog.ts';
import { ean13Modules } from './illustrations.ts';
import { renderImage } from './images.ts';
import { createRandom } from './random.ts';
import { type SeedSummary, SeedTargetNotEmptyError, seedShop } from './seed.ts';
import { ATTRIBUTE_KEYS, isValidIsbn13, type Shop } from './shops.ts';

// ---------------------------------------------------------------------------
// Helpers

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

async function select<T extends object>(
  db: Database,
  sql: string,
  replacements: Record<string, unknown> = {},
) {
  return db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });
}

/**
 * A digest per table of the current schema: every row as PostgreSQL's own
 * JSON rendering, ordered by primary key. Equal digests mean equal bytes.
 */
async function tableDigests(
  db: Database,
): Promise<Record<string, { rows: number; digest: string }>> {
  const tables = await select<{ name: string; pk: string[] }>(
    db,
    `SELECT c.relname AS name,
            array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) AS pk
     FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
     WHERE i.indisprimary AND n.nspname = current_schema()
     GROUP BY c.relname ORDER BY c.relname`,
  );
  assert.ok(tables.length >= 18, `found ${tables.length} tables`);
  const out: Record<string, { rows: number; digest: string }> = {};
  for (const { name, pk } of tables) {
    const rows = await select<{ row: string }>(
      db,
      `SELECT to_jsonb(t)::text AS row FROM "${name}" t ORDER BY ${pk.map((c) => `t."${c}"`).join(', ')}`,
    );
    out[name] = { rows: rows.length, digest: sha256(rows.map((r) => r.row).join('\n')) };
  }
  return out;
}

/** Every file under the media folder (relative path → SHA-256 of its bytes). */
async function mediaFiles(mediaDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const entries = await readdir(mediaDir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(
      path.relative(mediaDir, full).split(path.sep).join('/'),
      sha256(await readFile(full)),
    );
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const digestOf = (files: Map<string, string>) =>
  sha256([...files].map(([name, hash]) => `${name} ${hash}`).join('\n'));

/** Tags must nest and attributes must be quoted: a small well-formedness check. */
function assertWellFormed(svg: string, name: string): void {
  const stack: string[] = [];
  for (const [token] of svg.matchAll(/<[^>]*>/g)) {
    const tag = /^<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    assert.ok(tag, `${name}: malformed tag ${token}`);
    const [, closing, element, , selfClosing] = tag;
    if (closing)
      assert.equal(stack.pop(), element, `${name}: </${element}> closes the wrong element`);
    else if (!selfClosing) stack.push(element ?? '');
  }
  assert.deepEqual(stack, [], `${name}: unclosed ${stack.join(', ')}`);
  assert.doesNotMatch(svg, /&(?!(amp|lt|gt|quot|#39);)/, `${name}: unescaped &`);
}

/** Standalone, small and inert: no script, no handlers, nothing fetched. */
function assertSafeSvg(svg: string, name: string): void {
  assert.match(
    svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="-?[\d.]+ -?[\d.]+ [\d.]+ [\d.]+"/,
    `${name}: root element`,
  );
  assert.doesNotMatch(svg, /<script/i, `${name}: script`);
  assert.doesNotMatch(svg, /<[^>]*\son[a-z]+\s*=/i, `${name}: event attribute`);
  assert.doesNotMatch(
    svg,
    /href|<image|<foreignObject|@import/i,
    `${name}: link or embedded content`,
  );
  for (const [, target] of svg.matchAll(/url\(([^)]*)\)/g))
    assert.match(target ?? '', /^#[\w-]+$/, `${name}: url(${target})`);
  assert.ok(Buffer.byteLength(svg) < 12 * 1024, `${name}: ${Buffer.byteLength(svg)} bytes`);
  assertWellFormed(svg, name);
}

// ---------------------------------------------------------------------------

describe('seed: pure building blocks', () => {
  it('when two generators share a seed, then they draw the same values, and a fork ignores earlier draws', () => {
    const a = createRandom('same');
    const b = createRandom('same');
    const drawsA = Array.from({ length: 50 }, () => a.int(0, 1_000_000));
    const drawsB = Array.from({ length: 50 }, () => b.int(0, 1_000_000));
    assert.deepEqual(drawsA, drawsB);
    assert.ok(new Set(drawsA).size > 45, 'values vary');
    assert.notDeepEqual(
      drawsA,
      Array.from({ length: 50 }, () => createRandom('other').int(0, 1_000_000)),
    );
    const fresh = createRandom('same').fork('x');
    assert.equal(a.fork('x').next(), fresh.next());
    const picks = Array.from({ length: 200 }, () => a.pick(['p', 'q', 'r']));
    assert.deepEqual(new Set(picks), new Set(['p', 'q', 'r']));
    assert.deepEqual([...a.shuffle([1, 2, 3, 4, 5])].sort(), [1, 2, 3, 4, 5]);
  });

  it('when building a catalogue, then neither Math.random nor the clock is consulted and a rebuild is deep-equal', () => {
    const random = Math.random;
    const now = Date.now;
    const perf = performance.now;
    const forbid = () => {
      throw new Error('the seed must not use Math.random or the clock');
    };
    Math.random = forbid;
    Date.now = forbid;
    performance.now = forbid;
    try {
      for (const shop of ['gallery', 'bookstore', 'watches', 'accessories'] as const) {
        const first = buildCatalog(shop, 40);
        const svgs = first.images.map((image) => renderImage(image.spec));
        assert.deepEqual(buildCatalog(shop, 40), first, shop);
        assert.deepEqual(
          first.images.map((image) => renderImage(image.spec)),
          svgs,
          shop,
        );
      }
    } finally {
      Math.random = random;
      Date.now = now;
      performance.now = perf;
    }
  });

  it('when scaling the catalogue, then makers are about a tenth of the products (3..2000) and collections grow slowly (8 up to 500, at most 60)', () => {
    assert.equal(makerCount(200), 20);
    assert.equal(makerCount(10), 3);
    assert.equal(makerCount(1_000_000), 2000);
    assert.equal(collectionCount(200), 8);
    assert.equal(collectionCount(500), 8);
    const big = collectionCount(10_000);
    assert.ok(big > 8 && big < 40, `10,000 products: ${big} collections`);
    assert.equal(collectionCount(200_000_000), 60);
    for (let n = 40; n < 100_000; n = Math.ceil(n * 1.3)) {
      assert.ok(collectionCount(n + 1) >= collectionCount(n), `non-decreasing at ${n}`);
    }
  });

  it('when making slugs, then accents, symbols and length limits give schema-valid slugs', () => {
    assert.equal(slugify('Søren Ekström & Fils', 80), 'soren-ekstrom-and-fils');
    assert.equal(slugify('Valparaíso, Blue Hour', 80), 'valparaiso-blue-hour');
    assert.equal(slugify('***', 80), 'item');
    const long = slugify('word '.repeat(60), 120);
    assert.ok(long.length <= 120 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(long), long);
  });

  it('when checking ISBN-13s and their barcodes, then known numbers validate and a wrong check digit does not', () => {
    assert.ok(isValidIsbn13('9780306406157'));
    assert.ok(!isValidIsbn13('9780306406158'));
    assert.ok(!isValidIsbn13('978030640615'));
    // EAN-13 always has 95 modules with guard bars at both ends and the middle.
    const modules = ean13Modules('9780306406157');
    assert.equal(modules.length, 95);
    assert.equal(modules.slice(0, 3), '101');
    assert.equal(modules.slice(45, 50), '01010');
    assert.equal(modules.slice(-3), '101');
  });

  it('when a picture carries hostile text, then it is escaped and the SVG stays well-formed', () => {
    const svg = renderImage({
      kind: 'book',
      seed: 'escape',
      side: 'front',
      motif: 'circles',
      palette: PALETTES[0] ?? {
        name: 'x',
        background: { name: 'white', hex: '#ffffff' },
        inks: [],
      },
      title: 'Fish & <Chips> "Deluxe" onload=alert(1)',
      author: "O'Brien <script>",
      publisher: 'A & B',
      isbn: '9780306406157',
      blurb: 'x',
      label: 'Cover <b>& "quotes"',
    });
    assertSafeSvg(svg, 'hostile book cover');
    assert.ok(svg.includes('Fish &amp; &lt;Chips&gt;'), 'title escaped');
    assert.ok(svg.includes('O&#39;BRIEN &lt;SCRIPT&gt;'), 'author escaped');
  });
});

describe('seedShop: the default gallery (200 products)', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let summary: SeedSummary;

  before(async function () {
    this.timeout(60_000);
    [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    summary = await seedShop(a.db, { shop: 'gallery', products: 200, mediaDir: a.config.mediaDir });
    await seedShop(b.db, { shop: 'gallery', products: 200, mediaDir: b.config.mediaDir });
  });
  after(async () => {
    await a?.drop();
    await b?.drop();
  });

  it('when two fresh databases are seeded with the same options, then every table and every picture is byte-identical', async () => {
    const [tablesA, tablesB] = [await tableDigests(a.db), await tableDigests(b.db)];
    assert.equal(tablesA.products?.rows, 200);
    assert.ok((tablesA.product_images?.rows ?? 0) >= 200);
    assert.ok((tablesA.collection_items?.rows ?? 0) > 0);
    assert.deepEqual(tablesA, tablesB);

    const [filesA, filesB] = [
      await mediaFiles(a.config.mediaDir),
      await mediaFiles(b.config.mediaDir),
    ];
    assert.equal(filesA.size, summary.images);
    assert.equal(digestOf(filesA), digestOf(filesB));
    assert.deepEqual([...filesA.keys()], [...filesB.keys()]);
  });

  it('when seeded, then the summary counts what is in the database', async () => {
    const [counts] = await select<Record<string, number>>(
      a.db,
      `SELECT (SELECT count(*) FROM artists)::int AS artists, (SELECT count(*) FROM categories)::int AS categories,
              (SELECT count(*) FROM collections)::int AS collections, (SELECT count(*) FROM products)::int AS products,
              (SELECT count(*) FROM product_images)::int AS images,
              (SELECT count(*) FROM inventory WHERE on_hand = 0)::int AS "outOfStock"`,
    );
    assert.deepEqual(summary, {
      shop: 'gallery',
      ...counts,
      inStock: 200 - (counts?.outOfStock ?? 0),
    });
  });

  it('when seeded, then there are about 20 artists, 6–10 categories and about 8 collections with gap-free positions, 2–3 featured', async () => {
    assert.equal(summary.artists, 20);
    assert.ok(
      summary.categories >= 6 && summary.categories <= 10,
      `${summary.categories} categories`,
    );
    assert.equal(summary.collections, 8);

    const collections = await select<{ id: number; featured: boolean; positions: number[] }>(
      a.db,
      `SELECT c.id, c.featured, array_agg(i.position ORDER BY i.position) AS positions
       FROM collections c LEFT JOIN collection_items i ON i.collection_id = c.id
       GROUP BY c.id ORDER BY c.position`,
    );
    for (const c of collections) {
      assert.ok(
        c.positions.length >= 8 && c.positions.length <= 30,
        `collection ${c.id}: ${c.positions.length} items`,
      );
      assert.deepEqual(
        c.positions,
        c.positions.map((_, i) => i),
        `collection ${c.id} positions`,
      );
    }
    const featured = collections.filter((c) => c.featured).length;
    assert.ok(featured >= 2 && featured <= 3, `${featured} featured`);
    const [unpublishedItems] = await select<{ n: number }>(
      a.db,
      `SELECT count(*)::int AS n FROM collection_items i JOIN products p ON p.id = i.product_id WHERE p.status <> 'published'`,
    );
    assert.equal(unpublishedItems?.n, 0, 'collections show published works only');

    const [orphans] = await select<{ n: number }>(
      a.db,
      `SELECT count(*)::int AS n FROM products WHERE artist_id IS NULL OR category_id IS NULL`,
    );
    assert.equal(orphans?.n, 0, 'every product has an artist and a category');
    const [idle] = await select<{ n: number }>(
      a.db,
      `SELECT count(*)::int AS n FROM artists a WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.artist_id = a.id)`,
    );
    assert.equal(idle?.n, 0, 'every artist has work in the shop');
  });

  it('when seeded, then originals, prints and digital works mix; unlimited digital works have no inventory row; a few are sold out', async () => {
    const rows = await select<{
      kind: string;
      edition: string;
      onHand: number | null;
      held: number | null;
    }>(
      a.db,
      `SELECT p.kind, p.attributes->>'edition' AS edition, i.on_hand AS "onHand", i.held
       FROM products p LEFT JOIN inventory i ON i.product_id = p.id ORDER BY p.id`,
    );
    const originals = rows.filter((r) => r.kind === 'physical' && r.edition === '1/1');
    const prints = rows.filter((r) => r.kind === 'physical' && r.edition !== '1/1');
    const openDigital = rows.filter((r) => r.kind === 'digital' && r.edition === 'Open edition');
    const limitedDigital = rows.filter((r) => r.kind === 'digital' && r.edition !== 'Open edition');
    for (const [name, group, least] of [
      ['originals', originals, 40],
      ['prints', prints, 30],
      ['open digital', openDigital, 20],
      ['limited digital', limitedDigital, 10],
    ] as const) {
      assert.ok(group.length >= least, `${group.length} ${name}`);
    }
    for (const r of originals)
      assert.ok(r.onHand === 1 || r.onHand === 0, `original on hand ${r.onHand}`);
    for (const r of prints)
      assert.ok(
        r.onHand !== null && r.onHand <= 50 && (r.onHand >= 5 || r.onHand === 0),
        `print on hand ${r.onHand}`,
      );
    for (const r of openDigital)
      assert.equal(r.onHand, null, 'unlimited digital works are not stock-tracked');
    for (const r of limitedDigital)
      assert.ok(r.onHand !== null && r.onHand >= 0, 'limited digital editions are stock-tracked');
    for (const r of rows.filter((row) => row.onHand !== null)) {
      assert.ok((r.onHand ?? -1) >= 0);
      assert.equal(r.held, 0);
    }
    const soldOut = rows.filter((r) => r.onHand === 0).length;
    assert.ok(soldOut >= 2 && soldOut <= 15, `${soldOut} sold out`);
    assert.equal(soldOut, summary.outOfStock);

    const editions = rows.map((r) => r.edition);
    assert.ok(
      editions.every((e) => /^(1\/1|Open edition|Edition of \d+)$/.test(e)),
      'edition wording',
    );
  });

  it('when seeded, then most products are published with a date, a few are draft or archived, and all timestamps are fixed in the past', async () => {
    const rows = await select<{ status: string; n: number; undated: number }>(
      a.db,
      `SELECT status, count(*)::int AS n, count(*) FILTER (WHERE published_at IS NULL)::int AS undated
       FROM products GROUP BY status ORDER BY status`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.status, r]));
    assert.ok((by.published?.n ?? 0) >= 170, `${by.published?.n} published`);
    assert.equal(by.published?.undated, 0);
    assert.ok(
      (by.draft?.n ?? 0) >= 1 && (by.archived?.n ?? 0) >= 1,
      'some drafts and archived works',
    );
    assert.equal(by.draft?.undated, by.draft?.n, 'drafts were never published');

    const [range] = await select<{ latest: Date; earliest: Date; disordered: number }>(
      a.db,
      `SELECT max(greatest(created_at, updated_at, published_at)) AS latest, min(created_at) AS earliest,
              count(*) FILTER (WHERE updated_at < created_at OR published_at < created_at)::int AS disordered
       FROM products`,
    );
    assert.ok(
      range && new Date(range.latest) <= new Date('2026-01-01T00:00:00Z'),
      `latest ${range?.latest}`,
    );
    assert.ok(
      range && new Date(range.earliest) >= new Date('2024-12-01T00:00:00Z'),
      `earliest ${range?.earliest}`,
    );
    assert.equal(range?.disordered, 0);
  });

  it('when seeded, then each product has 1–3 pictures in order, with alt text naming the artist, and every file exists', async () => {
    const rows = await select<{
      slug: string;
      artist: string;
      images: { key: string; alt: string; position: number; width: number }[];
    }>(
      a.db,
      `SELECT p.slug, a.name AS artist,
              json_agg(json_build_object('key', i.storage_key, 'alt', i.alt, 'position', i.position, 'width', i.width) ORDER BY i.position) AS images
       FROM products p JOIN artists a ON a.id = p.artist_id JOIN product_images i ON i.product_id = p.id
       GROUP BY p.id, p.slug, a.name ORDER BY p.id`,
    );
    assert.equal(rows.length, 200, 'every product has a picture');
    const files = await mediaFiles(a.config.mediaDir);
    const counts = new Set<number>();
    for (const row of rows) {
      counts.add(row.images.length);
      assert.ok(
        row.images.length >= 1 && row.images.length <= 3,
        `${row.slug}: ${row.images.length} images`,
      );
      row.images.forEach((image, n) => {
        assert.equal(image.position, n);
        assert.equal(image.key, `products/${row.slug}-${n + 1}.svg`);
        assert.ok(files.has(image.key), `${image.key} exists`);
        assert.ok(image.alt.includes(row.artist), `alt names the artist: ${image.alt}`);
        assert.ok(image.alt.length >= 30 && image.alt.length <= 500, image.alt);
      });
      assert.match(
        row.images[0]?.alt ?? '',
        /^(Abstract composition|Geometric grid|Colour-field painting|Line drawing|Landscape) of .+ (on|under an?) .+, by .+$/,
      );
    }
    assert.deepEqual([...counts].sort(), [1, 2, 3], 'products have one, two or three pictures');
    assert.equal(
      files.size,
      [...rows].reduce((n, r) => n + r.images.length, 0),
      'no stray files',
    );
  });

  it('when the seeded SVGs are inspected, then each is standalone, small, well-formed and free of script, handlers and links', async () => {
    const dir = path.join(a.config.mediaDir, 'products');
    const names = await readdir(dir);
    assert.ok(names.length >= 200);
    for (const name of names) assertSafeSvg(await readFile(path.join(dir, name), 'utf8'), name);
  });

  it('when the application adds an artist after the seed, then the identity sequence hands out the next id', async () => {
    const artist = await a.db.models.Artist.create({
      slug: 'new-artist',
      name: 'New Artist',
      bio: '',
    });
    assert.equal(artist.get('id'), 21);
  });
});

describe('seedShop: every kind of shop', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t?.drop());

  const expectations: Record<Shop, { currency: RegExp; physical: boolean; digital: boolean }> = {
    gallery: { currency: /^EUR$/, physical: true, digital: true },
    bookstore: { currency: /^GBP$/, physical: true, digital: true },
    watches: { currency: /^(CHF|USD)$/, physical: true, digital: false },
    accessories: { currency: /^USD$/, physical: true, digital: true },
  };

  for (const shop of Object.keys(expectations) as Shop[]) {
    it(`when the ${shop} shop is seeded with 30 products, then rows, currency, attributes and pictures fit the shop`, async () => {
      const summary = await seedShop(t.db, {
        shop,
        products: 30,
        mediaDir: t.config.mediaDir,
        reset: true,
      });
      assert.equal(summary.products, 30);
      assert.equal(summary.artists, 3);
      const products = await select<{
        id: number;
        currency: string;
        kind: string;
        attributes: Record<string, unknown>;
        artistId: number | null;
      }>(
        t.db,
        `SELECT id, currency, kind, attributes, artist_id AS "artistId" FROM products ORDER BY id`,
      );
      assert.deepEqual(
        products.map((p) => p.id),
        Array.from({ length: 30 }, (_, i) => i + 1),
        'ids restart at 1',
      );
      const expected = expectations[shop];
      const currencies = new Set(products.map((p) => p.currency));
      assert.equal(currencies.size, 1);
      assert.match([...currencies][0] ?? '', expected.currency);
      assert.equal(
        products.some((p) => p.kind === 'physical'),
        expected.physical,
        'physical products',
      );
      assert.equal(
        products.some((p) => p.kind === 'digital'),
        expected.digital,
        'digital products',
      );
      for (const p of products) {
        assert.ok(p.artistId !== null);
        assert.deepEqual(
          Object.keys(p.attributes).sort(),
          [...ATTRIBUTE_KEYS[shop]].sort(),
          `attributes of product ${p.id}`,
        );
        for (const value of Object.values(p.attributes)) {
          assert.ok(
            ['string', 'number', 'boolean'].includes(typeof value),
            `attribute value ${JSON.stringify(value)}`,
          );
          if (typeof value === 'string') assert.ok(value.trim().length > 0);
        }
      }
      if (shop === 'bookstore') {
        const isbns = products.map((p) => String(p.attributes.isbn));
        for (const isbn of isbns) assert.ok(isValidIsbn13(isbn), `ISBN ${isbn}`);
        assert.equal(new Set(isbns).size, isbns.length, 'ISBNs are unique');
      }
      if (shop === 'watches') {
        for (const p of products) {
          assert.ok(
            Number.isInteger(p.attributes.caseDiameterMm) &&
              (p.attributes.caseDiameterMm as number) >= 30,
          );
          assert.ok(Number.isInteger(p.attributes.waterResistanceM));
        }
      }
      // The pictures on disk are exactly the ones the rows refer to, and safe.
      const keys = await select<{ key: string }>(
        t.db,
        'SELECT storage_key AS key FROM product_images ORDER BY storage_key',
      );
      const files = await mediaFiles(t.config.mediaDir);
      assert.deepEqual(
        [...files.keys()].sort(),
        keys.map((k) => k.key),
      );
      for (const key of keys.slice(0, 20)) {
        assertSafeSvg(await readFile(path.join(t.config.mediaDir, key.key), 'utf8'), key.key);
      }
    });
  }

  it('when 2,000 products are seeded, then it finishes well within the time budget with consistent counts', async function () {
    this.timeout(60_000);
    const started = performance.now();
    const summary = await seedShop(t.db, {
      shop: 'gallery',
      products: 2000,
      mediaDir: t.config.mediaDir,
      reset: true,
    });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
    assert.equal(summary.products, 2000);
    assert.equal(summary.artists, 200);
    assert.equal(summary.collections, collectionCount(2000));
    const [counts] = await select<{ products: number; tracked: number; images: number }>(
      t.db,
      `SELECT (SELECT count(*) FROM products)::int AS products, (SELECT count(*) FROM inventory)::int AS tracked,
              (SELECT count(*) FROM product_images)::int AS images`,
    );
    assert.deepEqual(counts, { products: 2000, tracked: counts?.tracked, images: summary.images });
    assert.ok(
      (counts?.tracked ?? 0) > 1000 && (counts?.tracked ?? 0) < 2000,
      `${counts?.tracked} tracked`,
    );
    assert.equal((await mediaFiles(t.config.mediaDir)).size, summary.images);
  });
});

describe('seedShop over an existing catalogue', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await seedShop(t.db, { shop: 'gallery', products: 30, mediaDir: t.config.mediaDir });
    await t.db.models.User.create({
      email: 'someone@example.com',
      passwordHash: 'x',
      displayName: 'Someone',
      role: 'customer',
    });
  });
  after(() => t?.drop());

  it('when seeding again without reset, then it fails with SEED_TARGET_NOT_EMPTY (409) and changes nothing', async () => {
    const tablesBefore = await tableDigests(t.db);
    const filesBefore = await mediaFiles(t.config.mediaDir);
    await assert.rejects(
      seedShop(t.db, { shop: 'bookstore', products: 10, mediaDir: t.config.mediaDir }),
      (err: unknown) => {
        assert.ok(err instanceof SeedTargetNotEmptyError && err instanceof AppError);
        assert.equal(err.code, 'SEED_TARGET_NOT_EMPTY');
        assert.equal(err.status, 409);
        assert.match(err.message, /--reset/);
        return true;
      },
    );
    assert.deepEqual(await tableDigests(t.db), tablesBefore);
    assert.deepEqual(await mediaFiles(t.config.mediaDir), filesBefore);
  });

  it('when seeding with reset, then every table but the migration log is emptied and the catalogue and pictures are replaced', async () => {
    const galleryFiles = await mediaFiles(t.config.mediaDir);
    const summary = await seedShop(t.db, {
      shop: 'watches',
      products: 12,
      mediaDir: t.config.mediaDir,
      reset: true,
    });
    assert.equal(summary.products, 12);
    const [state] = await select<{
      users: number;
      migrations: number;
      products: number;
      currencies: string[];
    }>(
      t.db,
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM schema_migrations)::int AS migrations,
              (SELECT count(*) FROM products)::int AS products, (SELECT array_agg(DISTINCT currency) FROM products) AS currencies`,
    );
    assert.deepEqual(state, {
      users: 0,
      migrations: MIGRATIONS.length,
      products: 12,
      currencies: ['CHF'],
    });
    const files = await mediaFiles(t.config.mediaDir);
    assert.equal(files.size, summary.images);
    for (const name of galleryFiles.keys()) assert.ok(!files.has(name), `${name} was removed`);
    const keys = await select<{ key: string }>(
      t.db,
      'SELECT storage_key AS key FROM product_images ORDER BY storage_key',
    );
    assert.deepEqual(
      [...files.keys()].sort(),
      keys.map((k) => k.key),
    );
  });

  it('when the options are invalid, then seeding is refused before anything is written', async () => {
    const before = await tableDigests(t.db);
    await assert.rejects(
      seedShop(t.db, {
        shop: 'bakery' as Shop,
        products: 5,
        mediaDir: t.config.mediaDir,
        reset: true,
      }),
      {
        code: 'SEED_INVALID_OPTIONS',
      },
    );
    await assert.rejects(
      seedShop(t.db, { shop: 'gallery', products: 0, mediaDir: t.config.mediaDir, reset: true }),
      {
        code: 'SEED_INVALID_OPTIONS',
      },
    );
    assert.deepEqual(await tableDigests(t.db), before);
  });
});
