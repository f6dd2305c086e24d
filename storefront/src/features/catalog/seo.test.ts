import assert from 'node:assert/strict';
import { parseCatalog } from './catalog.ts';
import { PAGE_SIZE } from './listing.ts';
import { productJsonLd, robotsTxt, sitemapEntries, sitemapXml } from './seo.ts';
import { artist, category, collection, exportText, product } from './testing.ts';

const site = new URL('https://shop.example/');

describe('catalogue pages: what search engines read', () => {
  it('when a product is described, then its Offer has the price in major units, the currency, InStock and absolute URLs', () => {
    const catalog = parseCatalog(
      exportText({
        categories: [category(1, null, 'Art'), category(2, 1, 'Painting')],
        products: [product(3, { categoryId: 2, price: { amountMinor: 179_000, currency: 'EUR' } })],
      }),
    );
    const ld = productJsonLd(catalog, catalog.productById.get(3) ?? product(3), site, 'About.');
    assert.equal(ld['@type'], 'Product');
    assert.equal(ld.url, 'https://shop.example/products/work-3/');
    assert.deepEqual(ld.image, ['https://shop.example/media/products/work-3-1.svg']);
    assert.equal(ld.category, 'Art > Painting');
    assert.deepEqual(ld.brand, {
      '@type': 'Brand',
      name: 'Artist 1',
      url: 'https://shop.example/artists/artist-1/',
    });
    assert.deepEqual(
      ld.offers && typeof ld.offers === 'object'
        ? { ...(ld.offers as Record<string, unknown>), seller: undefined }
        : {},
      {
        '@type': 'Offer',
        url: 'https://shop.example/products/work-3/',
        price: '1790.00',
        priceCurrency: 'EUR',
        availability: 'https://schema.org/InStock',
        itemCondition: 'https://schema.org/NewCondition',
        seller: undefined,
      },
    );
  });

  it('when the sitemap is made, then it lists every catalogue page once, long listings with their later pages, with lastmod where known', () => {
    const products = Array.from({ length: PAGE_SIZE + 1 }, (_, i) => product(i + 1));
    const catalog = parseCatalog(
      exportText({
        products,
        artists: [artist(1), artist(2)],
        collections: [collection(4, [2, 1])],
      }),
    );
    const entries = sitemapEntries(catalog);
    const paths = entries.map((e) => e.path);
    assert.equal(new Set(paths).size, paths.length, 'no page twice');
    for (const p of products) assert.ok(paths.includes(p.path), p.path);
    for (const p of [
      '/',
      '/galleries/',
      '/galleries/collection-4/',
      '/categories/',
      '/categories/category-1/',
      '/categories/category-1/2/',
      '/artists/',
      '/artists/artist-1/',
      '/artists/artist-1/2/',
      '/artists/artist-2/',
    ])
      assert.ok(paths.includes(p), p);
    assert.equal(
      entries.find((e) => e.path === '/products/work-3/')?.lastmod,
      products[2]?.updatedAt,
    );
    assert.equal(
      entries.find((e) => e.path === '/galleries/collection-4/')?.lastmod,
      '2025-03-02T00:00:00.000Z',
      'the collection changed after its products',
    );
    assert.equal(entries.find((e) => e.path === '/categories/')?.lastmod, undefined);

    const xml = sitemapXml(entries, site);
    assert.match(
      xml,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/,
    );
    assert.equal(xml.match(/<url>/g)?.length, entries.length);
    assert.ok(
      xml.includes(
        '<url><loc>https://shop.example/products/work-1/</loc><lastmod>2025-02-01T00:00:00.000Z</lastmod></url>',
      ),
    );
  });

  it('when a path holds characters XML reserves, then the sitemap escapes them', () => {
    const xml = sitemapXml([{ path: '/a?b=1&c=2' }], site);
    assert.ok(xml.includes('<loc>https://shop.example/a?b=1&amp;c=2</loc>'));
  });

  it('when robots.txt is made, then it allows the catalogue, keeps crawlers out of session pages and points at the sitemap', () => {
    const robots = robotsTxt(site);
    assert.match(robots, /^User-agent: \*\nAllow: \/\n/);
    for (const p of [
      '/account/',
      '/cart/',
      '/checkout/',
      '/orders/',
      '/studio/',
      '/admin/',
      '/login/',
      '/register/',
    ])
      assert.ok(robots.includes(`\nDisallow: ${p}\n`), p);
    assert.match(robots, /\nSitemap: https:\/\/shop.example\/sitemap.xml\n$/);
  });
});
