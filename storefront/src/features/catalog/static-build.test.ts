import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { databaseEnv } from '@vitrine/origin/testing/origin-process';
import { build } from 'astro';
import { brandingOf } from '../shop/shop.ts';
import { loadCatalog } from './catalog.ts';
import { schemaPrice } from './seo.ts';

/*
 * The static site of each seeded shop kind, built for real: seed a private
 * schema with the origin's CLI, export it, `astro build` into a temporary
 * folder, and read the pages a shopper and a crawler would get.
 */

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');
const originCli = (name: string) => resolve(root, '../origin/src/cli', name);
const SHOPS = ['gallery', 'bookstore', 'watches', 'accessories'] as const;
const PRODUCTS = 30;

/** Environment the build reads (astro.config.ts), set per build and put back after. */
const BUILD_ENV = ['CATALOG_FILE', 'SHOP_NAME', 'SHOP_TAGLINE', 'SHOP_ACCENT'] as const;

const jsonLdOf = (html: string): Record<string, unknown>[] => {
  const script = html.match(/<script type="application\/ld\+json">(.*?)<\/script>/s)?.[1];
  assert.ok(script, 'the page has JSON-LD');
  const parsed: unknown = JSON.parse(script);
  return (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const htmlText = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('static build of each seeded shop', function () {
  this.timeout(240_000);

  before(function () {
    if (!process.env.DATABASE_URL) {
      console.warn(
        '    static build tests skipped: DATABASE_URL is not set (they seed a PostgreSQL schema)',
      );
      this.skip();
    }
  });

  for (const shop of SHOPS) {
    describe(shop, () => {
      let work: string;
      let dist: string;
      let catalogFile: string;
      const saved = new Map<string, string | undefined>();

      before(async () => {
        // Inside the project: the build's prerender chunks import packages from its node_modules.
        await mkdir(join(root, '.data'), { recursive: true });
        work = await mkdtemp(join(root, '.data', `test-build-${shop}-`));
        dist = join(work, 'dist');
        catalogFile = join(work, 'catalog.ndjson');
        const database = databaseEnv();
        const env = {
          ...process.env,
          ...database.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          MEDIA_DIR: join(work, 'media'),
        };
        try {
          await run(
            process.execPath,
            [originCli('seed.ts'), '--shop', shop, '--products', String(PRODUCTS)],
            { env },
          );
          await run(process.execPath, [originCli('catalog-export.ts'), '--out', catalogFile], {
            env,
          });
        } finally {
          await database.cleanup();
        }
        for (const key of BUILD_ENV) saved.set(key, process.env[key]);
        for (const key of BUILD_ENV) delete process.env[key];
        process.env.CATALOG_FILE = catalogFile;
        await build({ root, outDir: dist, logLevel: 'warn' });
      });

      after(async () => {
        for (const [key, value] of saved) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
        if (work) await rm(work, { recursive: true, force: true });
      });

      const page = (path: string) => readFile(join(dist, 'client', path), 'utf8');

      it('when built, then every product has its page, with JSON-LD giving its price and currency', async () => {
        const catalog = loadCatalog(catalogFile);
        assert.ok(catalog.products.length > 0, 'the seed published products');
        for (const product of catalog.products) {
          const html = await page(`products/${product.slug}/index.html`);
          const ld = jsonLdOf(html).find((d) => d['@type'] === 'Product');
          assert.ok(ld, `${product.slug}: a Product in its JSON-LD`);
          const offers = ld.offers as Record<string, unknown>;
          assert.equal(offers.price, schemaPrice(product.price.amountMinor), product.slug);
          assert.equal(offers.priceCurrency, product.price.currency);
          assert.equal(offers.availability, 'https://schema.org/InStock');
          assert.equal(ld.name, product.title);
          assert.ok(html.includes('data-pagefind-body'), `${product.slug} is marked for search`);
          assert.ok(
            html.includes(`<vt-price data-product-id="${product.id}"><span class="price">`),
            `${product.slug}: the price island`,
          );
        }
      });

      it('when built, then the pages carry the shop’s name and its attribute labels', async () => {
        const catalog = loadCatalog(catalogFile);
        const branding = brandingOf(catalog.shop);
        const home = await page('index.html');
        assert.ok(home.includes(htmlText(catalog.shop.name)), 'the shop name on the home page');
        assert.ok(branding.attributes.length > 0);
        const labels = new Set<string>();
        for (const product of catalog.products) {
          const html = await page(`products/${product.slug}/index.html`);
          for (const { key, label } of branding.attributes)
            if (
              product.attributes[key] !== undefined &&
              new RegExp(`<dt[^>]*>${escapeRegExp(htmlText(label))}</dt>`).test(html)
            )
              labels.add(label);
        }
        assert.deepEqual(
          [...labels].sort(),
          branding.attributes
            .filter(({ key }) => catalog.products.some((p) => p.attributes[key] !== undefined))
            .map((a) => a.label)
            .sort(),
        );
      });

      it('when built, then the sitemap lists every product and the listings exist, and a 404 page and robots.txt are there', async () => {
        const catalog = loadCatalog(catalogFile);
        const sitemap = await page('sitemap.xml');
        for (const product of catalog.products)
          assert.ok(sitemap.includes(`${product.path}</loc>`), `${product.path} in the sitemap`);
        for (const record of [...catalog.categories, ...catalog.collections, ...catalog.artists])
          assert.ok(existsSync(join(dist, 'client', record.path, 'index.html')), record.path);
        assert.ok(existsSync(join(dist, 'client', '404.html')));
        assert.match(await page('robots.txt'), /Disallow: \/checkout\/\n/);
        const listing = await page('galleries/index.html');
        assert.ok(!listing.includes('data-pagefind-body'), 'listings stay out of the search index');
      });
    });
  }
});
