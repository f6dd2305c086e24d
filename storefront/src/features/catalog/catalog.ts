import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ExportArtist,
  type ExportCategory,
  type ExportCollection,
  type ExportEnd,
  type ExportHome,
  type ExportProduct,
  ExportRecord,
  type ExportShop,
} from '@vitrine/origin/publishing';

/*
 * The catalogue the static pages are built from: the origin's NDJSON export
 * (origin/src/publishing/publishing.schemas.ts is the contract), validated
 * line by line and indexed once per build. Pure data: no Astro here, so the
 * build script and the tests use it too.
 */

export type Shop = ExportShop;
export type Product = ExportProduct;
export type Artist = ExportArtist;
export type Category = ExportCategory;
export type Collection = ExportCollection;

export interface Catalog {
  shop: Shop;
  home: ExportHome;
  /** The change cursor the export reflects (feed `after` for the next incremental build). */
  cursor: string;
  categories: Category[];
  artists: Artist[];
  collections: Collection[];
  products: Product[];
  productById: ReadonlyMap<number, Product>;
  artistById: ReadonlyMap<number, Artist>;
  categoryById: ReadonlyMap<number, Category>;
  collectionById: ReadonlyMap<number, Collection>;
  /** A collection's products in curated order. */
  productsOfCollection(id: number): Product[];
  /** A category's products, its subcategories' included, newest first. */
  productsOfCategory(id: number): Product[];
  /** An artist's products, newest first. */
  productsOfArtist(id: number): Product[];
  /** Direct subcategories in display order. */
  childrenOf(categoryId: number | null): Category[];
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}

const newestFirst = (a: Product, b: Product) =>
  b.publishedAt.localeCompare(a.publishedAt) || b.id - a.id;

/** Parses a full export. Throws CatalogError naming the line when a record breaks the contract. */
export function parseCatalog(text: string, source = 'catalogue export'): Catalog {
  let shop: Shop | undefined;
  let home: ExportHome | undefined;
  let end: ExportEnd | undefined;
  const categories: Category[] = [];
  const artists: Artist[] = [];
  const collections: Collection[] = [];
  const products: Product[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    if (end) throw new CatalogError(`${source}:${i + 1}: a record after the end record`);
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new CatalogError(`${source}:${i + 1}: not JSON`);
    }
    const parsed = ExportRecord.safeParse(json);
    if (!parsed.success) {
      throw new CatalogError(
        `${source}:${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid record'}`,
      );
    }
    const record = parsed.data;
    switch (record.type) {
      case 'shop':
        shop = record;
        break;
      case 'home':
        home = record;
        break;
      case 'category':
        categories.push(record);
        break;
      case 'artist':
        artists.push(record);
        break;
      case 'collection':
        collections.push(record);
        break;
      case 'product':
        products.push(record);
        break;
      case 'removed':
        throw new CatalogError(`${source}:${i + 1}: a delta export; build from a full export`);
      case 'end':
        end = record;
        break;
    }
  }
  if (!end) throw new CatalogError(`${source}: no end record; the export was cut short`);
  if (!shop || !home) throw new CatalogError(`${source}: no shop or home record`);

  const productById = new Map(products.map((p) => [p.id, p]));
  const categoryById = new Map(categories.map((c) => [c.id, c]));
  const byCollection = new Map<number, Product[]>();
  for (const c of collections) {
    byCollection.set(
      c.id,
      c.productIds.flatMap((id) => productById.get(id) ?? []),
    );
  }
  const byArtist = new Map<number, Product[]>();
  const byCategory = new Map<number, Product[]>();
  for (const p of [...products].sort(newestFirst)) {
    // Appended in place: copying the list per product is quadratic in a maker's catalogue.
    if (p.artistId !== null) {
      const list = byArtist.get(p.artistId) ?? [];
      list.push(p);
      byArtist.set(p.artistId, list);
    }
    // A product belongs to its category and every ancestor of it.
    for (let c = p.categoryId === null ? undefined : categoryById.get(p.categoryId); c; ) {
      const list = byCategory.get(c.id) ?? [];
      list.push(p);
      byCategory.set(c.id, list);
      c = c.parentId === null ? undefined : categoryById.get(c.parentId);
    }
  }
  const byPosition = <T extends { position: number; id: number }>(a: T, b: T) =>
    a.position - b.position || a.id - b.id;
  return {
    shop,
    home,
    cursor: end.cursor,
    categories: [...categories].sort(byPosition),
    artists,
    collections: [...collections].sort(byPosition),
    products,
    productById,
    artistById: new Map(artists.map((a) => [a.id, a])),
    categoryById,
    collectionById: new Map(collections.map((c) => [c.id, c])),
    productsOfCollection: (id) => byCollection.get(id) ?? [],
    productsOfCategory: (id) => byCategory.get(id) ?? [],
    productsOfArtist: (id) => byArtist.get(id) ?? [],
    childrenOf: (parentId) => categories.filter((c) => c.parentId === parentId).sort(byPosition),
  };
}

const loaded = new Map<string, Catalog>();

/** The catalogue of an export file, read once per process (every page of a build shares it). */
export function loadCatalog(file: string): Catalog {
  const path = resolve(file);
  let catalog = loaded.get(path);
  if (!catalog) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CatalogError(
        `cannot read the catalogue export ${path} (${(err as NodeJS.ErrnoException).code}): run \`npm run storefront:build\`, which exports it first`,
      );
    }
    catalog = parseCatalog(text, path);
    loaded.set(path, catalog);
  }
  return catalog;
}

/*
 * Making an Intl.NumberFormat costs about as much as rendering a small page
 * (0.3 ms), and a 10,000-product build prints hundreds of thousands of prices
 * in a handful of locale and currency pairs: one formatter per pair.
 */
const priceFormats = new Map<string, Intl.NumberFormat>();

/** Price for people: minor units in the shop's currency, e.g. "€120.00". */
export function formatPrice(amountMinor: number, currency: string, locale = 'en-GB'): string {
  const key = `${locale}\u0000${currency}`;
  let format = priceFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    priceFormats.set(key, format);
  }
  return format.format(amountMinor / 100);
}
