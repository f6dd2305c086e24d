import type { Branding } from '../shop/shop.ts';
import type { Artist, Catalog, Category, Collection, Product } from './catalog.ts';

/*
 * What the catalogue pages show, worked out from the catalogue: pure
 * functions, so the pages stay markup and the rules are tested.
 */

/**
 * Products per listing page. Later pages live under the listing's path
 * (`/categories/painting/2/`), as the origin's URL scheme expects; 48 fills
 * rows of 2, 3, 4 and 6.
 */
export const PAGE_SIZE = 48;

/** Pages a listing of `count` products needs (at least one, so an empty listing still has its page). */
export const pageCount = (count: number) => Math.max(1, Math.ceil(count / PAGE_SIZE));

/** Paths of a listing's pages: its own path, then `<path>2/`, `<path>3/`… */
export function listingPaths(path: string, count: number): string[] {
  return Array.from({ length: pageCount(count) }, (_, i) => (i === 0 ? path : `${path}${i + 1}/`));
}

/** A category and its ancestors, root first: the breadcrumb trail. Stops on a cycle. */
export function categoryTrail(catalog: Catalog, categoryId: number | null): Category[] {
  const trail: Category[] = [];
  const seen = new Set<number>();
  let id = categoryId;
  while (id !== null && !seen.has(id)) {
    seen.add(id);
    const category = catalog.categoryById.get(id);
    if (!category) break;
    trail.unshift(category);
    id = category.parentId;
  }
  return trail;
}

/** Makers in the order a person looks them up: by name, accents and case ignored. */
export function makersAlphabetically(artists: readonly Artist[], locale = 'en-GB'): Artist[] {
  const collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true });
  return [...artists].sort((a, b) => collator.compare(a.name, b.name) || a.id - b.id);
}

/** The letter a maker is filed under ("Ø" under "O", digits under "#"). */
export function initialOf(name: string): string {
  const first = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .charAt(0);
  const letter = first === 'Ø' || first === 'ø' ? 'O' : first.toUpperCase();
  return /[A-Z]/.test(letter) ? letter : '#';
}

/** Up to `limit` other products by the same maker, newest first. */
export function moreByMaker(catalog: Catalog, product: Product, limit = 4): Product[] {
  if (product.artistId === null) return [];
  return catalog
    .productsOfArtist(product.artistId)
    .filter((p) => p.id !== product.id)
    .slice(0, limit);
}

/** The collections a product is in, in the shop's collection order. */
export function collectionsOf(catalog: Catalog, product: Product): Collection[] {
  const ids = new Set(product.collections.map((c) => c.id));
  return catalog.collections.filter((c) => ids.has(c.id));
}

/** Products by id in the given order, skipping ids the catalogue does not hold; at most `limit`. */
export function productsByIds(catalog: Catalog, ids: readonly number[], limit: number): Product[] {
  return ids.flatMap((id) => catalog.productById.get(id) ?? []).slice(0, limit);
}

/** The picture that stands for a collection: its first product's main image. */
export function coverOf(catalog: Catalog, collection: Collection) {
  return catalog.productsOfCollection(collection.id).find((p) => p.images[0])?.images[0];
}

/** The attributes a product page lists, in the shop's order, with their labels; unset ones left out. */
export function attributeRows(
  product: Product,
  attributes: Branding['attributes'],
): { label: string; value: string }[] {
  return attributes.flatMap(({ key, label }) => {
    const value = product.attributes[key];
    if (value === undefined || value === '') return [];
    if (typeof value === 'boolean') return [{ label, value: value ? 'Yes' : 'No' }];
    return [{ label, value: String(value) }];
  });
}

/** A description as paragraphs: blank lines separate them; single line breaks stay inside one. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);
}

/** A summary that fits a meta description: whole words, at most `max` characters, an ellipsis when cut. */
export function excerpt(text: string, max = 155): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > max / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,.;:–-]+$/, '')}…`;
}

/** "1 work", "12 works": counts in the shop's words. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? singular : plural}`;
}

/** "artist" → "Artist". */
export const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
