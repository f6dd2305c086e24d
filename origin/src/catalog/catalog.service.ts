import { createHash } from 'node:crypto';
import type { Cache, GetOrLoadOptions } from '../platform/cache/index.ts';
import { NotFoundError } from '../platform/errors.ts';
import {
  type CursorOrder,
  decodeCursor,
  encodeCursor,
  fingerprint,
  type Position,
} from './catalog.cursor.ts';
import type {
  CatalogRepository,
  CollectionRow,
  ImageRow,
  ProductDetailRow,
  ProductFilters,
  ProductListRow,
  SortedRow,
} from './catalog.repository.ts';
import type {
  ArtistProfile,
  Availability,
  CategoryList,
  CollectionList,
  CollectionPage,
  CollectionSummary,
  ListProductsQuery,
  PopularList,
  ProductDetail,
  ProductPage,
  ProductRecommendations,
  ProductSummary,
  Sort,
  StockState,
} from './catalog.schemas.ts';
import { CATALOG, productTag } from './catalog.tags.ts';

/** Where product images are served from; the storage interface will own this. */
const MEDIA_PREFIX = '/media/';

/** At or below this many units, a stock-tracked product reads as `low_stock`. */
export const LOW_STOCK_THRESHOLD = 3;

/**
 * Lists filtered on stock: stock moves with every sale, and a sale does not
 * invalidate the catalogue, so such lists are refreshed more often.
 */
const STOCK_LIST_TIMINGS: GetOrLoadOptions = { l2TtlMs: 30_000 };

const imageOf = (image: ImageRow) => ({
  url: `${MEDIA_PREFIX}${image.storageKey}`,
  width: image.width,
  height: image.height,
  alt: image.alt,
  contentType: image.contentType,
});

type ImageColumns = Pick<
  ProductListRow,
  'imageKey' | 'imageWidth' | 'imageHeight' | 'imageAlt' | 'imageContentType'
>;

const firstImage = (row: ImageColumns) =>
  row.imageKey && row.imageWidth && row.imageHeight && row.imageContentType
    ? imageOf({
        storageKey: row.imageKey,
        width: row.imageWidth,
        height: row.imageHeight,
        alt: row.imageAlt ?? '',
        contentType: row.imageContentType,
      })
    : null;

function toSummary(row: ProductListRow): ProductSummary {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    kind: row.kind,
    price: { amountMinor: row.priceMinor, currency: row.currency },
    artist:
      row.artistSlug && row.artistName ? { slug: row.artistSlug, name: row.artistName } : null,
    category:
      row.categorySlug && row.categoryName
        ? { slug: row.categorySlug, name: row.categoryName }
        : null,
    image: firstImage(row),
    publishedAt: new Date(row.publishedAt).toISOString(),
  };
}

function toDetail(row: ProductDetailRow): ProductDetail {
  const tracked = row.onHand !== null;
  return {
    ...toSummary(row),
    description: row.description,
    attributes: row.attributes,
    images: row.images.map(imageOf),
    stock: {
      tracked,
      available: tracked ? Math.max(0, (row.onHand ?? 0) - (row.held ?? 0)) : null,
    },
  };
}

const toCollection = (row: CollectionRow): CollectionSummary => ({
  slug: row.slug,
  title: row.title,
  description: row.description,
  featured: row.featured,
  itemCount: row.itemCount,
  cover: firstImage(row),
});

/**
 * A response body serialised once, when it is cached, with its entity tag.
 * Every cached catalogue read is kept this way: a hit then costs one parse
 * of two strings, where an object would be parsed, serialised again and
 * hashed for Express's ETag on every request. For the product detail that
 * took the origin from about 133 to about 105 µs of CPU per request, and
 * the saving grows with the body (a 24-item page is ten times the size); see
 * bench/catalog.ts.
 */
export interface RenderedJson {
  /** A weak validator of `body`, for conditional requests (If-None-Match). */
  etag: string;
  /** The JSON text of the response. */
  body: string;
}

export function renderJson(value: unknown): RenderedJson {
  const body = JSON.stringify(value);
  const digest = createHash('sha1').update(body).digest('base64url').slice(0, 27);
  return { etag: `W/"${Buffer.byteLength(body).toString(16)}-${digest}"`, body };
}

/** A page from `limit + 1` rows: the extra row only says that another page exists. */
function pageOf(
  rows: SortedRow[],
  limit: number,
  cursorFor: (position: Position) => string,
): { items: ProductSummary[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toSummary),
    nextCursor: rows.length > limit && last ? cursorFor({ key: last.sortKey, id: last.id }) : null,
  };
}

/** The state an island shows for a published product's stock. */
export function stockState(onHand: number | null, held: number | null): StockState {
  if (onHand === null) return 'in_stock';
  const available = onHand - (held ?? 0);
  if (available <= 0) return 'sold_out';
  return available <= LOW_STOCK_THRESHOLD ? 'low_stock' : 'in_stock';
}

export interface CatalogServiceOptions {
  /** The catalogue's queries; only published products come out of it. */
  repository: CatalogRepository;
  /** Every read but availability goes through it, tagged CATALOG or by product. */
  cache: Cache;
  /**
   * Prefix of every cache key, naming the data source (e.g. `catalog:public`):
   * two shops or test schemas sharing one Redis must not read each other's
   * catalogue.
   */
  keyPrefix: string;
}

export function catalogService({ repository, cache, keyPrefix }: CatalogServiceOptions) {
  const catalogTags = { tags: [CATALOG] };
  const key = (...parts: unknown[]) => `${keyPrefix}:${JSON.stringify(parts)}`;
  // The per-request keys of the detail, built without JSON (slugs are [a-z0-9-]).
  const idKey = (slug: string) => `${keyPrefix}:product-id:${slug}`;
  const detailKey = (id: number) => `${keyPrefix}:product:${id}`;

  /** Caches what `load` returns, rendered. */
  function rendered<T>(
    cacheKey: string,
    load: () => Promise<T>,
    options: GetOrLoadOptions,
  ): Promise<RenderedJson> {
    return cache.getOrLoad(cacheKey, async () => renderJson(await load()), options);
  }

  /** As `rendered`, for reads that may find nothing: null ("not found") is cached too. */
  function renderedOrNull<T>(
    cacheKey: string,
    load: () => Promise<T | null>,
    options: GetOrLoadOptions,
  ): Promise<RenderedJson | null> {
    return cache.getOrLoad(
      cacheKey,
      async () => {
        const value = await load();
        return value === null ? null : renderJson(value);
      },
      options,
    );
  }

  /** Loads a page of products: `filters` must already be normalised (it keys the cache and the cursor). */
  async function loadPage(
    filters: ProductFilters,
    sort: Sort,
    limit: number,
    after: Position | null,
  ): Promise<ProductPage> {
    const filtersId = fingerprint(filters);
    const rows = await repository.listProducts(filters, sort, limit + 1, after);
    return pageOf(rows, limit, (position) => encodeCursor(sort, filtersId, position));
  }

  async function publishedId(slug: string): Promise<number> {
    // Slug → id is catalogue-wide (a rename or publication changes it); the
    // detail itself is cached per product so a write to one work leaves the others.
    const id = await cache.getOrLoad(
      idKey(slug),
      () => repository.findPublishedIdBySlug(slug),
      catalogTags,
    );
    if (id === null) throw productNotFound(slug);
    return id;
  }

  /** Every cached read below answers rendered JSON (see RenderedJson) of the type it names. */
  return {
    /** A ProductPage. */
    async listProducts(query: ListProductsQuery): Promise<RenderedJson> {
      // Fixed key order and no undefined members: equal queries give equal cache keys and cursors.
      const filters: ProductFilters = {};
      if (query.collection !== undefined) filters.collection = query.collection;
      if (query.category !== undefined) filters.category = query.category;
      if (query.artist !== undefined) filters.artist = query.artist;
      if (query.q !== undefined) filters.terms = query.q;
      if (query.minPrice !== undefined) filters.minPrice = query.minPrice;
      if (query.maxPrice !== undefined) filters.maxPrice = query.maxPrice;
      if (query.inStock) filters.inStock = true;
      const { sort, limit, cursor } = query;
      const after = cursor ? decodeCursor(cursor, sort, fingerprint(filters)) : null;
      return rendered(
        key('products', sort, limit, cursor ?? null, filters),
        () => loadPage(filters, sort, limit, after),
        filters.inStock ? { ...catalogTags, ...STOCK_LIST_TIMINGS } : catalogTags,
      );
    },

    /** A ProductDetail. */
    async getProduct(slug: string): Promise<RenderedJson> {
      const id = await publishedId(slug);
      const product = await renderedOrNull(
        detailKey(id),
        async () => {
          const row = await repository.findPublishedById(id);
          return row ? toDetail(row) : null;
        },
        { tags: [productTag(id)] },
      );
      // Unpublished between the two reads.
      if (!product) throw productNotFound(slug);
      return product;
    },

    /** ProductRecommendations. */
    async recommendations(slug: string, limit: number): Promise<RenderedJson> {
      const id = await publishedId(slug);
      return rendered(
        key('recommendations', id, limit),
        async (): Promise<ProductRecommendations> => {
          const [byArtist, inCollections] = await Promise.all([
            repository.moreByArtist(id, limit),
            repository.alsoInCollections(id, limit),
          ]);
          return {
            moreByArtist: byArtist.map(toSummary),
            alsoInCollections: inCollections.map(toSummary),
          };
        },
        catalogTags,
      );
    },

    /** A CollectionList. */
    listCollections(): Promise<RenderedJson> {
      return rendered(
        key('collections'),
        async (): Promise<CollectionList> => ({
          items: (await repository.listCollections()).map(toCollection),
        }),
        catalogTags,
      );
    },

    /** A CollectionPage. */
    async getCollection(
      slug: string,
      limit: number,
      cursor: string | undefined,
    ): Promise<RenderedJson> {
      const order: CursorOrder = 'curated';
      const filtersId = fingerprint({ collection: slug });
      const after = cursor ? decodeCursor(cursor, order, filtersId) : null;
      const page = await renderedOrNull(
        key('collection', slug, limit, cursor ?? null),
        async (): Promise<CollectionPage | null> => {
          const [collection] = await repository.listCollections(slug);
          if (!collection) return null;
          const rows = await repository.collectionItems(collection.id, limit + 1, after);
          return {
            collection: toCollection(collection),
            ...pageOf(rows, limit, (position) => encodeCursor(order, filtersId, position)),
          };
        },
        catalogTags,
      );
      if (!page) {
        throw new NotFoundError(
          'COLLECTION_NOT_FOUND',
          `No collection with published works has the slug "${slug}".`,
        );
      }
      return page;
    },

    /** A CategoryList. */
    listCategories(): Promise<RenderedJson> {
      return rendered(
        key('categories'),
        async (): Promise<CategoryList> => ({ items: await repository.listCategories() }),
        catalogTags,
      );
    },

    /** An ArtistProfile. */
    async getArtist(slug: string, limit: number): Promise<RenderedJson> {
      const profile = await renderedOrNull(
        key('artist', slug, limit),
        async (): Promise<ArtistProfile | null> => {
          const artist = await repository.findArtist(slug);
          // An artist without a published work has no public page yet.
          if (!artist || artist.workCount === 0) return null;
          return {
            artist: {
              slug: artist.slug,
              name: artist.name,
              bio: artist.bio,
              workCount: artist.workCount,
            },
            // The same page as /products?artist=<slug>, so its cursor continues there.
            works: await loadPage({ artist: slug }, 'newest', limit, null),
          };
        },
        catalogTags,
      );
      if (!profile) {
        throw new NotFoundError(
          'ARTIST_NOT_FOUND',
          `No artist with published works has the slug "${slug}".`,
        );
      }
      return profile;
    },

    /** A PopularList: the first page of the popular sort. */
    popular(limit: number): Promise<RenderedJson> {
      return rendered(
        key('popular', limit),
        async (): Promise<PopularList> => ({
          items: (await loadPage({}, 'popular', limit, null)).items,
        }),
        catalogTags,
      );
    },

    /** Live stock and price, straight from the database: never cached here (the edge may, briefly). */
    async availability(ids: readonly number[]): Promise<Availability> {
      const rows = await repository.availability(ids);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return {
        items: ids.map((id) => {
          const row = byId.get(id);
          if (!row) return { id, state: 'unavailable', available: null, price: null };
          return {
            id,
            state: stockState(row.onHand, row.held),
            available: row.onHand === null ? null : Math.max(0, row.onHand - (row.held ?? 0)),
            price: { amountMinor: row.priceMinor, currency: row.currency },
          };
        }),
      };
    },
  };
}

const productNotFound = (slug: string) =>
  new NotFoundError('PRODUCT_NOT_FOUND', `No published product has the slug "${slug}".`);

export type CatalogService = ReturnType<typeof catalogService>;
