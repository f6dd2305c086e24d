import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QueryTypes, type Transaction } from 'sequelize';
import { SHOPS } from '../config.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { buildCatalog, type Catalog, type PlannedImage } from './catalog.ts';
import { renderImage } from './images.ts';
import type { Shop } from './shops.ts';

/*
 * Writes a generated catalogue into the database and its pictures into the
 * media folder.
 *
 * Order of work, so a failure leaves nothing half-done:
 *   1. build every row in memory (pure, deterministic);
 *   2. refuse early when the catalogue tables already hold data (no --reset);
 *   3. render the pictures into a private staging folder;
 *   4. one transaction: (reset: TRUNCATE) + bulk inserts + sequence sync;
 *   5. after the commit, move the staged pictures to <mediaDir>/products.
 * A failure in 3 or 4 leaves the old rows and the old pictures untouched.
 */

export interface SeedOptions {
  /** Which kind of shop to build. */
  shop: Shop;
  /** Number of products; makers, collections and images scale with it. */
  products: number;
  /** Folder served as /media; pictures go to `<mediaDir>/products/`. */
  mediaDir: string;
  /**
   * Empty every table of the schema (except schema_migrations) and replace
   * `<mediaDir>/products` first. Without it, seeding a database that already
   * has a catalogue fails with SEED_TARGET_NOT_EMPTY.
   */
  reset?: boolean;
}

/** Counts of what was written. */
export interface SeedSummary {
  shop: Shop;
  artists: number;
  categories: number;
  collections: number;
  products: number;
  images: number;
  /** Products that can be bought: stock on hand, or not stock-tracked (unlimited downloads). */
  inStock: number;
  /** Stock-tracked products with nothing on hand. */
  outOfStock: number;
}

/** The database already holds a catalogue and `reset` was not asked for. */
export class SeedTargetNotEmptyError extends AppError {
  constructor(message: string) {
    super('SEED_TARGET_NOT_EMPTY', message, { status: 409 });
  }
}

/** Rows per INSERT: far below PostgreSQL's limits, large enough to be fast. */
const CHUNK_ROWS = 1000;
/** Picture files written at the same time. */
const WRITE_CONCURRENCY = 16;
/** Tables whose identity column the seed fills explicitly. */
const IDENTITY_TABLES = [
  'artists',
  'categories',
  'products',
  'product_images',
  'collections',
] as const;

/**
 * Seeds `db` with a deterministic catalogue for `options.shop` and writes its
 * pictures under `options.mediaDir`. The same shop and product count always
 * produce byte-identical rows (ids and timestamps included) and files.
 *
 * @throws SeedTargetNotEmptyError (SEED_TARGET_NOT_EMPTY, 409) when the catalogue
 *   tables already have rows and `reset` is not set; nothing is changed then.
 * @throws AppError SEED_INVALID_OPTIONS (400) for an unknown shop or a product
 *   count that is not a positive whole number.
 */
export async function seedShop(db: Database, options: SeedOptions): Promise<SeedSummary> {
  if (!(SHOPS as readonly string[]).includes(options.shop)) {
    throw new AppError(
      'SEED_INVALID_OPTIONS',
      `Unknown shop "${options.shop}"; expected one of ${SHOPS.join(', ')}.`,
      { status: 400 },
    );
  }
  if (!Number.isSafeInteger(options.products) || options.products < 1) {
    throw new AppError(
      'SEED_INVALID_OPTIONS',
      `The product count must be a positive whole number, got ${options.products}.`,
      { status: 400 },
    );
  }

  const catalog = buildCatalog(options.shop, options.products);
  const reset = options.reset ?? false;
  if (!reset) await assertEmpty(db);

  await mkdir(options.mediaDir, { recursive: true });
  const staging = await mkdtemp(path.join(options.mediaDir, '.seed-staging-'));
  try {
    await writeImages(staging, catalog.images);
    await db.sequelize.transaction(async (transaction) => {
      if (reset) await truncateAll(db, transaction);
      else await assertEmpty(db, transaction);
      await insertCatalog(db, transaction, catalog);
    });
    await publishImages(staging, options.mediaDir, reset);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const outOfStock = catalog.inventory.filter((row) => row.onHand === 0).length;
  return {
    shop: options.shop,
    artists: catalog.artists.length,
    categories: catalog.categories.length,
    collections: catalog.collections.length,
    products: catalog.products.length,
    images: catalog.images.length,
    inStock: catalog.products.length - outOfStock,
    outOfStock,
  };
}

/** Refuses to seed over an existing catalogue (the ids and slugs would collide). */
async function assertEmpty(db: Database, transaction?: Transaction): Promise<void> {
  const [row] = await db.sequelize.query<{ products: number; other: boolean }>(
    `SELECT (SELECT count(*) FROM products)::int AS products,
            EXISTS (SELECT 1 FROM artists) OR EXISTS (SELECT 1 FROM categories)
              OR EXISTS (SELECT 1 FROM collections) OR EXISTS (SELECT 1 FROM product_images) AS other`,
    { type: QueryTypes.SELECT, transaction },
  );
  if (!row || (row.products === 0 && !row.other)) return;
  const what = row.products > 0 ? `${row.products} products` : 'artists, categories or collections';
  throw new SeedTargetNotEmptyError(
    `The database already holds a catalogue (${what}); pass --reset to replace it (this deletes every row but the migrations).`,
  );
}

/** Empties every table of the current schema except the migration log. */
async function truncateAll(db: Database, transaction: Transaction): Promise<void> {
  const tables = await db.sequelize.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables
     WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'
     ORDER BY tablename`,
    { type: QueryTypes.SELECT, transaction },
  );
  if (tables.length === 0) return;
  const list = tables.map((t) => `"${t.name.replaceAll('"', '""')}"`).join(', ');
  await db.sequelize.query(`TRUNCATE TABLE ${list} RESTART IDENTITY CASCADE`, { transaction });
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/**
 * Inserts rows in chunks. Each chunk travels as ONE bind parameter (a JSON
 * array) expanded server-side by jsonb_populate_recordset into the table's
 * own row type: no bind-parameter limit to respect, no per-value escaping,
 * and the same speed on PostgreSQL and PGlite. OVERRIDING SYSTEM VALUE lets
 * the seed choose the ids of GENERATED ALWAYS identity columns, which keeps
 * them identical from one run to the next.
 */
async function insertRows(
  db: Database,
  transaction: Transaction,
  table: string,
  rows: readonly object[],
  options: { identity: boolean },
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const keys = Object.keys(first);
  const columns = keys.map(snakeCase).join(', ');
  const sql =
    `INSERT INTO ${table} (${columns})${options.identity ? ' OVERRIDING SYSTEM VALUE' : ''}` +
    ` SELECT ${columns} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`;
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS).map((row) => {
      const out: Record<string, unknown> = {};
      for (const key of keys) out[snakeCase(key)] = (row as Record<string, unknown>)[key];
      return out;
    });
    // Dates serialise as ISO 8601 (UTC); attributes nest as a JSON object.
    await db.sequelize.query(sql, { bind: [JSON.stringify(chunk)], transaction });
  }
}

async function insertCatalog(
  db: Database,
  transaction: Transaction,
  catalog: Catalog,
): Promise<void> {
  await insertRows(db, transaction, 'categories', catalog.categories, { identity: true });
  await insertRows(db, transaction, 'artists', catalog.artists, { identity: true });
  await insertRows(db, transaction, 'products', catalog.products, { identity: true });
  await insertRows(db, transaction, 'inventory', catalog.inventory, { identity: false });
  await insertRows(
    db,
    transaction,
    'product_images',
    catalog.images.map((image) => image.row),
    { identity: true },
  );
  await insertRows(db, transaction, 'collections', catalog.collections, { identity: true });
  await insertRows(db, transaction, 'collection_items', catalog.collectionItems, {
    identity: false,
  });

  // The next id the application hands out must follow the seeded ones.
  const maxIds: Record<(typeof IDENTITY_TABLES)[number], number> = {
    artists: catalog.artists.length,
    categories: catalog.categories.length,
    products: catalog.products.length,
    product_images: catalog.images.length,
    collections: catalog.collections.length,
  };
  for (const table of IDENTITY_TABLES) {
    if (maxIds[table] === 0) continue;
    await db.sequelize.query(`SELECT setval(pg_get_serial_sequence(:table, 'id'), :max)`, {
      replacements: { table, max: maxIds[table] },
      transaction,
    });
  }
}

/** Renders every picture into `root/<storage key>`, a few files at a time. */
async function writeImages(root: string, images: readonly PlannedImage[]): Promise<void> {
  await mkdir(path.join(root, 'products'), { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const image = images[next++] as PlannedImage;
      await writeFile(path.join(root, image.row.storageKey), renderImage(image.spec));
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, images.length) }, worker));
}

/** Moves the staged pictures into `<mediaDir>/products` once the rows are committed. */
async function publishImages(staging: string, mediaDir: string, reset: boolean): Promise<void> {
  const from = path.join(staging, 'products');
  const to = path.join(mediaDir, 'products');
  if (reset) await rm(to, { recursive: true, force: true });
  try {
    // Renaming a folder is one atomic step (it replaces an empty one, too).
    await rename(from, to);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  // Without reset, an existing folder may hold files no row refers to (the
  // catalogue tables were empty): keep them, overwriting same-named ones.
  for (const name of await readdir(from)) await rename(path.join(from, name), path.join(to, name));
}
