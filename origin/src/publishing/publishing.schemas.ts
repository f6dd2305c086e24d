import { z } from 'zod';

/*
 * The contract between the origin and the static build: every record of the
 * catalogue export (one JSON object per NDJSON line) and the change feed.
 * This module imports nothing but zod, so the storefront build can validate
 * what it reads without loading the origin.
 *
 * Order of an export: `shop`, `home`, every `category`, every `artist`, every
 * `collection`, every `product` (each group by ascending id), then `end`. A
 * stream without the final `end` record was cut short and must be discarded.
 *
 * With `since` (a delta export): `shop`, `home`, every `category`, every
 * `collection`, then only the artists and products touched by a change after
 * `since`, each as its record or as `removed` when it no longer has a page,
 * then `end`. Apply it to the previous export: replace shop, home, categories
 * and collections; upsert artists and products; drop the removed ones.
 */

const id = z.number().int().positive();
const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/);
/** A page path of the URL scheme in publishing.pages.ts, e.g. `/products/blue-hour/`. */
const path = z.string().regex(/^\/([a-z0-9-]+\/)*$/);
const instant = z.string().meta({ format: 'date-time' });
/** An outbox position: a whole number written as a string, `"0"` before the first change. */
export const Cursor = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/)
  .meta({ id: 'ChangeCursor', example: '1042' });

export const ExportShop = z
  .object({
    type: z.literal('shop'),
    /** Version of this record format; a reader refuses a version it does not know. */
    formatVersion: z.literal(1),
    /** Which kind of demo shop the catalogue is (null when it matches none). */
    kind: z.enum(['gallery', 'bookstore', 'watches', 'accessories']).nullable(),
    name: z.string(),
    /** ISO 4217 code of the prices. */
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** What the makers are called: artist, author, watchmaker, brand. */
    makerNoun: z.string(),
    /** Product attribute keys worth showing, in display order. */
    attributeKeys: z.array(z.string()),
  })
  .meta({ id: 'ExportShop' });

export const ExportHome = z
  .object({
    type: z.literal('home'),
    /** Featured collections, in curated order. */
    featuredCollectionIds: z.array(id),
    /** The newest published products (by publication, newest first). */
    newProductIds: z.array(id),
    /** The most favourited published products (most first); only products with a favourite. */
    popularProductIds: z.array(id),
  })
  .meta({ id: 'ExportHome' });

export const ExportCategory = z
  .object({
    type: z.literal('category'),
    id,
    slug,
    path,
    name: z.string(),
    parentId: id.nullable(),
    /** Display order among its siblings. */
    position: z.number().int().min(0),
  })
  .meta({ id: 'ExportCategory' });

export const ExportArtist = z
  .object({
    type: z.literal('artist'),
    id,
    slug,
    path,
    name: z.string(),
    bio: z.string(),
    updatedAt: instant,
  })
  .meta({ id: 'ExportArtist' });

export const ExportCollection = z
  .object({
    type: z.literal('collection'),
    id,
    slug,
    path,
    title: z.string(),
    description: z.string(),
    featured: z.boolean(),
    /** Display order among collections. */
    position: z.number().int().min(0),
    /** Its published products in curated order. */
    productIds: z.array(id),
    updatedAt: instant,
  })
  .meta({ id: 'ExportCollection' });

export const ExportImage = z
  .object({
    url: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    alt: z.string(),
    contentType: z.string(),
    /**
     * Resized WebP copies of an uploaded raster image, narrowest first, for
     * `srcset`; absent when there are none (seeded SVGs are vectors).
     */
    variants: z.array(z.object({ url: z.string(), width: z.number().int().positive() })).optional(),
  })
  .meta({ id: 'ExportImage' });

export const ExportProduct = z
  .object({
    type: z.literal('product'),
    id,
    slug,
    path,
    title: z.string(),
    description: z.string(),
    kind: z.enum(['physical', 'digital']),
    price: z.object({
      /** Minor units (cents). */
      amountMinor: z.number().int().min(0),
      currency: z.string().regex(/^[A-Z]{3}$/),
    }),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    /** Refers to an `artist` record of the same export. */
    artistId: id.nullable(),
    /** Refers to a `category` record of the same export. */
    categoryId: id.nullable(),
    /** The main picture first. */
    images: z.array(ExportImage),
    /** Collections it belongs to, by collection id, with its position in each. */
    collections: z.array(z.object({ id, position: z.number().int().min(0) })),
    /**
     * Favourites when exported: for ranking only. The count changes by the
     * second and the change feed does not rebuild product pages for it, so a
     * page that shows it must fetch it live (an island).
     */
    favourites: z.number().int().min(0),
    publishedAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'ExportProduct' });

export const ExportRemoved = z
  .object({
    type: z.literal('removed'),
    /** What was removed (delta exports only): its page must go. */
    entity: z.enum(['product', 'artist']),
    id,
  })
  .meta({ id: 'ExportRemoved' });

export const ExportEnd = z
  .object({
    type: z.literal('end'),
    /** The outbox position the export reflects: pass it as `after` to the change feed. */
    cursor: Cursor,
    /** The `since` of a delta export; null for a full export. */
    since: Cursor.nullable(),
    counts: z.object({
      categories: z.number().int().min(0),
      artists: z.number().int().min(0),
      collections: z.number().int().min(0),
      products: z.number().int().min(0),
      removed: z.number().int().min(0),
    }),
  })
  .meta({ id: 'ExportEnd' });

/** Any one line of the export. */
export const ExportRecord = z
  .discriminatedUnion('type', [
    ExportShop,
    ExportHome,
    ExportCategory,
    ExportArtist,
    ExportCollection,
    ExportProduct,
    ExportRemoved,
    ExportEnd,
  ])
  .meta({
    id: 'ExportRecord',
    description:
      'One line of the NDJSON catalogue export. The last line is always `end`; a stream without it was cut short.',
  });

/** What parseCursor accepts (400 INVALID_CURSOR otherwise), for the document. */
const CURSOR_PATTERN = '^(0|[1-9][0-9]{0,15})$';

export const ExportQuery = z.object({
  since: z.string().max(40).optional().meta({
    description: 'A cursor: export only what changed after it (a delta export)',
    pattern: CURSOR_PATTERN,
  }),
});

export const ChangeEvent = z
  .object({
    id,
    topic: z.string().meta({ example: 'product.updated' }),
    aggregateType: z.string(),
    aggregateId: z.string(),
    payload: z.record(z.string(), z.unknown()),
    createdAt: instant,
  })
  .meta({ id: 'ChangeEvent' });

export const ChangeFeed = z
  .object({
    after: Cursor,
    /** Pass as `after` for the next page; equals `after` when nothing changed. */
    nextCursor: Cursor,
    /** More events follow `nextCursor`: ask again. */
    hasMore: z.boolean(),
    /**
     * Something changed that every page may show (the categories of the
     * navigation, or an event the feed does not know): rebuild and
     * invalidate the whole site, not only `paths`.
     */
    fullRebuild: z.boolean(),
    /** Page paths to rebuild and invalidate, sorted; see the URL scheme. */
    paths: z.array(z.string()),
    events: z.array(ChangeEvent),
  })
  .meta({ id: 'ChangeFeed' });

export const ChangesQuery = z.object({
  after: z
    .string()
    .max(40)
    .meta({ description: 'Cursor of an export or a previous page', pattern: CURSOR_PATTERN }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(200)
    .meta({ description: 'Events per page (1–1000)' }),
});

export type ExportShop = z.infer<typeof ExportShop>;
export type ExportHome = z.infer<typeof ExportHome>;
export type ExportCategory = z.infer<typeof ExportCategory>;
export type ExportArtist = z.infer<typeof ExportArtist>;
export type ExportCollection = z.infer<typeof ExportCollection>;
export type ExportImage = z.infer<typeof ExportImage>;
export type ExportProduct = z.infer<typeof ExportProduct>;
export type ExportRemoved = z.infer<typeof ExportRemoved>;
export type ExportEnd = z.infer<typeof ExportEnd>;
export type ExportRecord = z.infer<typeof ExportRecord>;
export type ChangeEvent = z.infer<typeof ChangeEvent>;
export type ChangeFeed = z.infer<typeof ChangeFeed>;
