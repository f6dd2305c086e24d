import type {
  ExportArtist,
  ExportCategory,
  ExportCollection,
  ExportProduct,
  ExportRecord,
} from '@vitrine/origin/publishing';

/*
 * A small, valid catalogue export for tests, built record by record; each
 * test changes only what it is about.
 */

export function product(id: number, overrides: Partial<ExportProduct> = {}): ExportProduct {
  const slug = overrides.slug ?? `work-${id}`;
  return {
    type: 'product',
    id,
    slug,
    path: `/products/${slug}/`,
    title: `Work ${id}`,
    description: `About work ${id}.`,
    kind: 'physical',
    price: { amountMinor: 10_000 + id, currency: 'EUR' },
    attributes: { medium: 'Oil on canvas', year: 2020 },
    artistId: 1,
    categoryId: 1,
    images: [
      {
        url: `/media/products/${slug}-1.svg`,
        width: 800,
        height: 1000,
        alt: `Work ${id}`,
        contentType: 'image/svg+xml',
      },
    ],
    collections: [],
    favourites: 0,
    publishedAt: `2025-01-${String(id).padStart(2, '0')}T00:00:00.000Z`,
    updatedAt: `2025-02-${String(id).padStart(2, '0')}T00:00:00.000Z`,
    ...overrides,
  };
}

export const category = (
  id: number,
  parentId: number | null,
  name = `Category ${id}`,
  position = 0,
): ExportCategory => ({
  type: 'category',
  id,
  slug: `category-${id}`,
  path: `/categories/category-${id}/`,
  name,
  parentId,
  position,
});

export const artist = (id: number, name = `Artist ${id}`): ExportArtist => ({
  type: 'artist',
  id,
  slug: `artist-${id}`,
  path: `/artists/artist-${id}/`,
  name,
  bio: `${name} paints.`,
  updatedAt: '2025-03-01T00:00:00.000Z',
});

export const collection = (id: number, productIds: number[], position = 0): ExportCollection => ({
  type: 'collection',
  id,
  slug: `collection-${id}`,
  path: `/galleries/collection-${id}/`,
  title: `Collection ${id}`,
  description: 'Chosen works.',
  featured: false,
  position,
  productIds,
  updatedAt: '2025-03-02T00:00:00.000Z',
});

/** The export's lines in the documented order, ending with `end` unless cut short. */
export function exportText(
  parts: {
    categories?: ExportCategory[];
    artists?: ExportArtist[];
    collections?: ExportCollection[];
    products?: ExportProduct[];
    newProductIds?: number[];
    popularProductIds?: number[];
  } = {},
  options: { end?: boolean } = {},
): string {
  const categories = parts.categories ?? [category(1, null)];
  const artists = parts.artists ?? [artist(1)];
  const collections = parts.collections ?? [];
  const products = parts.products ?? [product(1)];
  const records: ExportRecord[] = [
    {
      type: 'shop',
      formatVersion: 1,
      kind: 'gallery',
      name: 'Test Gallery',
      currency: 'EUR',
      makerNoun: 'artist',
      attributeKeys: ['medium', 'year'],
    },
    {
      type: 'home',
      featuredCollectionIds: [],
      newProductIds: parts.newProductIds ?? products.map((p) => p.id),
      popularProductIds: parts.popularProductIds ?? [],
    },
    ...categories,
    ...artists,
    ...collections,
    ...products,
  ];
  if (options.end ?? true) {
    records.push({
      type: 'end',
      cursor: '42',
      since: null,
      counts: {
        categories: categories.length,
        artists: artists.length,
        collections: collections.length,
        products: products.length,
        removed: 0,
      },
    });
  }
  return `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
}
