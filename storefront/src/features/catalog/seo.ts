import type { Catalog, Category, Product } from './catalog.ts';
import { categoryTrail, listingPaths } from './listing.ts';

/*
 * What search engines read: structured data, the sitemap and robots.txt.
 * Absolute URLs throughout, from the shop's public address (PUBLIC_BASE_URL).
 */

const absolute = (path: string, site: URL) => new URL(path, site).href;

/** Price as schema.org wants it: a decimal string in major units ("1790.00"). */
export const schemaPrice = (amountMinor: number) => (amountMinor / 100).toFixed(2);

/**
 * schema.org Product with its Offer. Availability is InStock as of the build:
 * stock changes by the second and the page's island shows it live; an
 * unpublished or sold-out work is taken off by the next build.
 */
export function productJsonLd(
  catalog: Catalog,
  product: Product,
  site: URL,
  description: string,
): Record<string, unknown> {
  const url = absolute(product.path, site);
  const maker = product.artistId === null ? undefined : catalog.artistById.get(product.artistId);
  const category = categoryTrail(catalog, product.categoryId)
    .map((c) => c.name)
    .join(' > ');
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    '@id': `${url}#product`,
    name: product.title,
    description,
    url,
    sku: String(product.id),
    ...(product.images.length > 0 && { image: product.images.map((i) => absolute(i.url, site)) }),
    ...(category && { category }),
    ...(maker && {
      brand: { '@type': 'Brand', name: maker.name, url: absolute(maker.path, site) },
    }),
    offers: {
      '@type': 'Offer',
      url,
      price: schemaPrice(product.price.amountMinor),
      priceCurrency: product.price.currency,
      availability: 'https://schema.org/InStock',
      itemCondition: 'https://schema.org/NewCondition',
      seller: { '@type': 'Organization', name: catalog.shop.name },
    },
  };
}

/** schema.org BreadcrumbList of a trail of links, the page itself last. */
export function breadcrumbJsonLd(
  items: readonly { label: string; href: string }[],
  site: URL,
): Record<string, unknown> {
  return {
    '@context': 'https://schema.org',
    '@type': 'BreadcrumbList',
    itemListElement: items.map((item, i) => ({
      '@type': 'ListItem',
      position: i + 1,
      name: item.label,
      item: absolute(item.href, site),
    })),
  };
}

export interface SitemapEntry {
  path: string;
  /** ISO date-time of the last change, when the export knows it. */
  lastmod?: string | undefined;
}

const newest = (dates: Iterable<string>): string | undefined => {
  let max: string | undefined;
  for (const d of dates) if (max === undefined || d > max) max = d;
  return max;
};

/**
 * Every catalogue page, each listing with its later pages. A listing changes
 * when one of its products does, so it carries the newest `updatedAt` among
 * them (and its own, for collections and makers).
 */
export function sitemapEntries(catalog: Catalog): SitemapEntry[] {
  const lastOf = (products: readonly Product[], own?: string) =>
    newest([...products.map((p) => p.updatedAt), ...(own ? [own] : [])]);
  const listing = (path: string, products: readonly Product[], own?: string) =>
    listingPaths(path, products.length).map((p) => ({ path: p, lastmod: lastOf(products, own) }));
  const categoryEntries = (c: Category) => listing(c.path, catalog.productsOfCategory(c.id));
  return [
    { path: '/', lastmod: lastOf(catalog.products) },
    { path: '/galleries/', lastmod: newest(catalog.collections.map((c) => c.updatedAt)) },
    ...catalog.collections.flatMap((c) =>
      listing(c.path, catalog.productsOfCollection(c.id), c.updatedAt),
    ),
    { path: '/categories/' },
    ...catalog.categories.flatMap(categoryEntries),
    { path: '/artists/', lastmod: newest(catalog.artists.map((a) => a.updatedAt)) },
    ...catalog.artists.flatMap((a) => listing(a.path, catalog.productsOfArtist(a.id), a.updatedAt)),
    ...catalog.products.map((p) => ({ path: p.path, lastmod: p.updatedAt })),
  ];
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The sitemap protocol's XML (one file holds up to 50,000 URLs: a 10,000-product shop fits). */
export function sitemapXml(entries: readonly SitemapEntry[], site: URL): string {
  const urls = entries.map(
    (e) =>
      `<url><loc>${xmlEscape(absolute(e.path, site))}</loc>${e.lastmod ? `<lastmod>${e.lastmod}</lastmod>` : ''}</url>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

/** Pages that belong to one shopper's session: nothing for a search engine there. */
export const SESSION_PATHS = [
  '/account/',
  '/cart/',
  '/checkout/',
  '/orders/',
  '/studio/',
  '/admin/',
  '/login/',
  '/register/',
];

export function robotsTxt(site: URL): string {
  return [
    'User-agent: *',
    'Allow: /',
    ...SESSION_PATHS.map((p) => `Disallow: ${p}`),
    '',
    `Sitemap: ${absolute('/sitemap.xml', site)}`,
    '',
  ].join('\n');
}
