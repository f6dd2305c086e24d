/*
 * `npm run db:seed -- --shop gallery|bookstore|watches|accessories --products N [--reset]`
 *
 * Migrates the configured database (DATABASE_URL, else the embedded PGlite in
 * EMBEDDED_DB_DIR) and fills it with a deterministic catalogue; pictures go to
 * MEDIA_DIR/products. Defaults come from SEED_SHOP and SEED_PRODUCTS.
 *
 * Exit codes: 0 done, 1 configuration or seeding refused (message, no stack),
 * 2 bad command line.
 */
import { parseArgs } from 'node:util';
import { type Config, loadConfig, SHOPS } from '../config.ts';
import { type SeedSummary, SHOP_DEFINITIONS, type Shop, seedShop } from '../seed/index.ts';
import { runCommand, UsageError, withDatabase } from './cli.ts';

/** Largest catalogue the command accepts, the same bound as SEED_PRODUCTS. */
const MAX_PRODUCTS = 200_000;

const USAGE = `Usage: npm run db:seed -- [--shop ${SHOPS.join('|')}] [--products N] [--reset]

  --shop      kind of shop to build (default: SEED_SHOP, else gallery)
  --products  number of products, 1 to ${MAX_PRODUCTS} (default: SEED_PRODUCTS, else 200)
  --reset     empty every table (migrations excepted) and the product pictures first
  --help      show this help`;

export interface SeedCommand {
  shop: Shop;
  products: number;
  reset: boolean;
  help: boolean;
}

/**
 * Reads the command line. Flags not given fall back to `defaults` (from the
 * configuration). Throws UsageError naming the flag and the allowed values.
 */
export function parseSeedArgs(args: readonly string[], defaults: Config['seed']): SeedCommand {
  let values: {
    shop?: string | undefined;
    products?: string | undefined;
    reset?: boolean | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        shop: { type: 'string' },
        products: { type: 'string' },
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // parseArgs explains unknown flags and missing values well; keep its words.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }

  const shop = values.shop ?? defaults.shop;
  if (!(SHOPS as readonly string[]).includes(shop)) {
    throw new UsageError(`--shop must be one of ${SHOPS.join(', ')} (got "${shop}").`);
  }
  const productsText = values.products ?? String(defaults.products);
  const products = /^\d+$/.test(productsText) ? Number(productsText) : Number.NaN;
  if (!Number.isSafeInteger(products) || products < 1 || products > MAX_PRODUCTS) {
    throw new UsageError(
      `--products must be a whole number from 1 to ${MAX_PRODUCTS} (got "${productsText}").`,
    );
  }
  return { shop: shop as Shop, products, reset: values.reset ?? false, help: values.help ?? false };
}

/** One human line, e.g. "Seeded gallery “Galerie Lumen”: 200 products (…) in 1.4 s." */
export function formatSummary(summary: SeedSummary, seconds: number): string {
  const definition = SHOP_DEFINITIONS[summary.shop];
  return (
    `Seeded ${summary.shop} “${definition.name}”: ${summary.products} products ` +
    `(${summary.inStock} in stock, ${summary.outOfStock} out of stock), ` +
    `${summary.artists} ${definition.makerNoun}s, ${summary.categories} categories, ` +
    `${summary.collections} collections, ${summary.images} images in ${seconds.toFixed(1)} s.`
  );
}

async function main(): Promise<number> {
  const config = loadConfig();
  const command = parseSeedArgs(process.argv.slice(2), config.seed);
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = performance.now();
  const summary = await withDatabase(async (db) => {
    await db.migrate();
    return seedShop(db, {
      shop: command.shop,
      products: command.products,
      mediaDir: config.mediaDir,
      reset: command.reset,
    });
  });
  process.stdout.write(`${formatSummary(summary, (performance.now() - started) / 1000)}\n`);
  return 0;
}

if (import.meta.main) await runCommand(USAGE, main);
