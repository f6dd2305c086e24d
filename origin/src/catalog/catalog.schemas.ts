import { z } from 'zod';

// ---- shared pieces ------------------------------------------------------------

export const Money = z
  .object({
    amountMinor: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Amount in minor units (cents)', example: 12500 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .meta({ example: 'EUR' }),
  })
  .meta({ id: 'Money' });

export const Image = z
  .object({
    url: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    alt: z.string(),
    contentType: z.string(),
  })
  .meta({ id: 'Image' });

const Ref = z.object({ slug: z.string(), name: z.string() });

export const ProductSummary = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    title: z.string(),
    kind: z.enum(['physical', 'digital']),
    price: Money,
    artist: Ref.nullable(),
    category: Ref.nullable(),
    image: Image.nullable(),
    publishedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'ProductSummary' });

export const ProductDetail = ProductSummary.extend({
  description: z.string(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  images: z.array(Image),
  /** Stock state at the time of the read; islands ask /availability for live values. */
  stock: z.object({ tracked: z.boolean(), available: z.number().int().min(0).nullable() }),
}).meta({ id: 'ProductDetail' });

const nextCursor = z
  .string()
  .nullable()
  .meta({ description: 'Pass as `cursor` for the next page; null on the last' });

export const ProductPage = z
  .object({ items: z.array(ProductSummary), nextCursor })
  .meta({ id: 'ProductPage' });

// ---- request parts ---------------------------------------------------------------

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const slug = (what: string, max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(SLUG, `must be ${what} slug: lower-case letters, digits and dashes`);

/** Largest price the schema stores (`integer` column). */
const MAX_PRICE_MINOR = 2_147_483_647;
const priceBound = (what: string) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `must be a whole, non-negative number of minor units (${what})`)
    .transform(Number)
    .pipe(z.number().max(MAX_PRICE_MINOR, `must be at most ${MAX_PRICE_MINOR}`))
    .meta({ description: `${what}, in minor units (cents), inclusive` });

const limit = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
    .default(fallback)
    .meta({
      description: `Items per page (1–${max}, default ${fallback})`,
      // Read strictly as digits (no `1e2`, `0x10`), documented as the whole number it is.
      override: ({ jsonSchema }) => {
        delete jsonSchema.pattern;
        Object.assign(jsonSchema, { type: 'integer', minimum: 1, maximum: max, default: fallback });
      },
    });

const cursor = z
  .string()
  .max(300)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page, with the same filters and sort' });

/**
 * Words of a text query: letters and digits, lower-cased; everything else
 * separates words. Every word must match, so order and repeats do not matter:
 * sorted and unique, equal searches share one cache entry.
 */
export function searchTerms(text: string): string[] {
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((word) => word.length > 0);
  return [...new Set(words)].sort();
}

/** At most this many words in `q`: each adds one index condition. */
export const MAX_SEARCH_TERMS = 8;

const searchQuery = z
  .string()
  .max(100, 'must be at most 100 characters')
  // NUL and other control characters (Unicode's Cc: C0, DEL and C1) are never part of a title,
  // and PostgreSQL refuses NUL in text. Spelled as ranges so every regex dialect reading the
  // OpenAPI document (not only JavaScript's \p{…}) can use the pattern.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: it names the control characters to refuse them
  .regex(/^[^\x00-\x1F\x7F-\x9F]*$/, 'must not contain control characters')
  .transform((text) => searchTerms(text))
  .refine((terms) => terms.length > 0, 'must contain at least one letter or digit')
  .refine(
    (terms) => terms.length <= MAX_SEARCH_TERMS,
    `must have at most ${MAX_SEARCH_TERMS} words`,
  )
  .meta({
    description:
      'Words to find in the title, description or artist name; every word must match, as a word prefix',
    example: 'nocturne blue',
  });

export const SORTS = ['newest', 'price_asc', 'price_desc', 'popular'] as const;
export type Sort = (typeof SORTS)[number];

export const ListProductsQuery = z
  .object({
    collection: slug('a collection', 80).optional().meta({ description: 'Collection slug' }),
    category: slug('a category', 80)
      .optional()
      .meta({ description: 'Category slug; its sub-categories are included' }),
    artist: slug('an artist', 80).optional().meta({ description: 'Artist slug' }),
    q: searchQuery.optional(),
    minPrice: priceBound('lowest price').optional(),
    maxPrice: priceBound('highest price').optional(),
    inStock: z
      .enum(['true', 'false'], 'must be true or false')
      .transform((value) => value === 'true')
      .optional()
      .meta({
        description:
          'true: only products that can be bought now (stock available, or not stock-tracked); false or absent: all',
      }),
    sort: z
      .enum(SORTS, `must be one of ${SORTS.join(', ')}`)
      .default('newest')
      .meta({
        description:
          'newest (default), price_asc, price_desc, or popular (favourites plus units sold)',
      }),
    cursor,
    limit: limit(24, 100),
  })
  .refine(
    (query) =>
      query.minPrice === undefined ||
      query.maxPrice === undefined ||
      query.minPrice <= query.maxPrice,
    { path: ['minPrice'], message: 'must not be greater than maxPrice' },
  );
export type ListProductsQuery = z.output<typeof ListProductsQuery>;

export const ProductSlugParams = z.object({
  slug: slug('a product', 120),
});

export const RecommendationsQuery = z.object({ limit: limit(8, 24) });

export const CollectionSlugParams = z.object({ slug: slug('a collection', 80) });
export const CollectionQuery = z.object({ cursor, limit: limit(48, 100) });

export const ArtistSlugParams = z.object({ slug: slug('an artist', 80) });
export const ArtistQuery = z.object({ limit: limit(24, 100) });

export const PopularQuery = z.object({ limit: limit(12, 48) });

/** Most ids per availability request: one island page, one indexed query. */
export const MAX_AVAILABILITY_IDS = 100;

export const AvailabilityQuery = z.object({
  ids: z
    .string()
    .regex(/^\d{1,15}(,\d{1,15})*$/, 'must be product ids separated by commas, e.g. 1,2,3')
    .meta({
      // For the document, what the checks below accept: 1 to 100 ids, each 1 or more.
      pattern: `^[1-9]\\d{0,14}(,[1-9]\\d{0,14}){0,${MAX_AVAILABILITY_IDS - 1}}$`,
    })
    .transform((text) => [...new Set(text.split(',').map(Number))])
    .refine((ids) => ids.every((id) => id >= 1), 'product ids start at 1')
    .refine(
      (ids) => ids.length <= MAX_AVAILABILITY_IDS,
      `must name at most ${MAX_AVAILABILITY_IDS} products`,
    )
    .meta({ description: `Up to ${MAX_AVAILABILITY_IDS} product ids, comma-separated` }),
});

// ---- responses ------------------------------------------------------------------

export const ProductRecommendations = z
  .object({
    moreByArtist: z.array(ProductSummary),
    alsoInCollections: z
      .array(ProductSummary)
      .meta({ description: 'Works that share a curated gallery with this one' }),
  })
  .meta({ id: 'ProductRecommendations' });

export const CollectionSummary = z
  .object({
    slug: z.string(),
    title: z.string(),
    description: z.string(),
    featured: z.boolean(),
    itemCount: z.number().int().min(0).meta({ description: 'Published works in it' }),
    cover: Image.nullable().meta({ description: 'The first picture of its first work' }),
  })
  .meta({ id: 'CollectionSummary' });

export const CollectionList = z
  .object({ items: z.array(CollectionSummary) })
  .meta({ id: 'CollectionList' });

export const CollectionPage = z
  .object({
    collection: CollectionSummary,
    items: z.array(ProductSummary).meta({ description: 'Its works in curated order' }),
    nextCursor,
  })
  .meta({ id: 'CollectionPage' });

export const Category = z
  .object({
    slug: z.string(),
    name: z.string(),
    parentSlug: z.string().nullable(),
    productCount: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Published products directly in it' }),
  })
  .meta({ id: 'CategorySummary' });

export const CategoryList = z.object({ items: z.array(Category) }).meta({ id: 'CategoryList' });

export const ArtistProfile = z
  .object({
    artist: z.object({
      slug: z.string(),
      name: z.string(),
      bio: z.string(),
      workCount: z.number().int().min(0).meta({ description: 'Published works' }),
    }),
    works: ProductPage.meta({
      description:
        'Newest first; continue with GET /api/v1/products?artist=<slug>&cursor=<nextCursor>',
    }),
  })
  .meta({ id: 'ArtistPage' });

export const PopularList = z.object({ items: z.array(ProductSummary) }).meta({ id: 'PopularList' });

export const STOCK_STATES = ['in_stock', 'low_stock', 'sold_out', 'unavailable'] as const;
export type StockState = (typeof STOCK_STATES)[number];

export const Availability = z
  .object({
    items: z.array(
      z
        .object({
          id: z.number().int(),
          state: z.enum(STOCK_STATES).meta({
            description:
              'unavailable: unknown or not published; sold_out: nothing left; low_stock: a few left',
          }),
          available: z.number().int().min(0).nullable().meta({
            description: 'Units that can be bought now; null when not stock-tracked or unavailable',
          }),
          price: Money.nullable().meta({ description: 'Current price; null when unavailable' }),
        })
        .meta({ id: 'ProductAvailability' }),
    ),
  })
  .meta({ id: 'Availability' });

export type ProductSummary = z.infer<typeof ProductSummary>;
export type ProductDetail = z.infer<typeof ProductDetail>;
export type ProductPage = z.infer<typeof ProductPage>;
export type ProductRecommendations = z.infer<typeof ProductRecommendations>;
export type CollectionSummary = z.infer<typeof CollectionSummary>;
export type CollectionList = z.infer<typeof CollectionList>;
export type CollectionPage = z.infer<typeof CollectionPage>;
export type Category = z.infer<typeof Category>;
export type CategoryList = z.infer<typeof CategoryList>;
export type ArtistProfile = z.infer<typeof ArtistProfile>;
export type PopularList = z.infer<typeof PopularList>;
export type Availability = z.infer<typeof Availability>;
