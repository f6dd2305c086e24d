import { QueryTypes } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import type { CursorKey, Position } from './catalog.cursor.ts';
import type { Sort } from './catalog.schemas.ts';

/*
 * Read queries of the public catalogue. Only published products ever leave
 * this file. Every value from a request travels as a bind parameter ($n),
 * never inside the SQL text; the SQL text itself is assembled only from the
 * fixed fragments below.
 */

export interface ProductListRow {
  id: number;
  slug: string;
  title: string;
  kind: 'physical' | 'digital';
  priceMinor: number;
  currency: string;
  publishedAt: Date;
  artistSlug: string | null;
  artistName: string | null;
  categorySlug: string | null;
  categoryName: string | null;
  imageKey: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  imageAlt: string | null;
  imageContentType: string | null;
}

/** A list row with the key it was sorted by, for the next page's cursor. */
export interface SortedRow extends ProductListRow {
  sortKey: CursorKey;
}

export interface ImageRow {
  storageKey: string;
  width: number;
  height: number;
  alt: string;
  contentType: string;
}

export interface ProductDetailRow extends ProductListRow {
  description: string;
  attributes: Record<string, string | number | boolean>;
  onHand: number | null;
  held: number | null;
  images: ImageRow[];
}

/** Normalised filters of a product listing; absent means no condition. */
export interface ProductFilters {
  collection?: string;
  /** The category and its sub-categories. */
  category?: string;
  artist?: string;
  /** Lower-cased words; each must prefix a word of the title, description or artist name. */
  terms?: string[];
  minPrice?: number;
  maxPrice?: number;
  /** Only products with stock available now, or not stock-tracked. */
  inStock?: boolean;
}

export interface CollectionRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  featured: boolean;
  itemCount: number;
  imageKey: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  imageAlt: string | null;
  imageContentType: string | null;
}

export interface CategoryListRow {
  slug: string;
  name: string;
  parentSlug: string | null;
  productCount: number;
}

export interface ArtistRow {
  id: number;
  slug: string;
  name: string;
  bio: string;
  workCount: number;
}

export interface AvailabilityRow {
  id: number;
  priceMinor: number;
  currency: string;
  onHand: number | null;
  held: number | null;
}

/**
 * The words a product and an artist are found by (migration
 * 0003-catalog-search): a stored column indexed by `products_search_idx`, and
 * the expression of `artists_search_idx`, which must stay identical to it.
 */
const PRODUCT_SEARCH_DOCUMENT = 'p.search_document';
const ARTIST_SEARCH_DOCUMENT = /* sql */ `to_tsvector('simple', ar.name)`;

/** Columns of ProductListRow; `p` is the product, the joins below supply the rest. */
const SUMMARY_COLUMNS = /* sql */ `
  p.id, p.slug, p.title, p.kind, p.price_minor AS "priceMinor", p.currency, p.published_at AS "publishedAt",
  a.slug AS "artistSlug", a.name AS "artistName", c.slug AS "categorySlug", c.name AS "categoryName",
  img.storage_key AS "imageKey", img.width AS "imageWidth", img.height AS "imageHeight",
  img.alt AS "imageAlt", img.content_type AS "imageContentType"`;

const SUMMARY_JOINS = /* sql */ `
  LEFT JOIN artists a ON a.id = p.artist_id
  LEFT JOIN categories c ON c.id = p.category_id
  LEFT JOIN LATERAL (
    SELECT storage_key, width, height, alt, content_type FROM product_images i
    WHERE i.product_id = p.id ORDER BY i.position LIMIT 1
  ) img ON true`;

/** Favourites plus units sold in paid or fulfilled orders, per product that has any. */
const POPULARITY = /* sql */ `
  pop AS (
    SELECT product_id, sum(n)::bigint AS score FROM (
      SELECT product_id, count(*) AS n FROM favorites GROUP BY product_id
      UNION ALL
      SELECT oi.product_id, sum(oi.quantity) AS n
      FROM order_items oi JOIN orders o ON o.id = oi.order_id
      WHERE o.status IN ('paid', 'fulfilled')
      GROUP BY oi.product_id
    ) counted GROUP BY product_id
  )`;

type Direction = 'ASC' | 'DESC';

interface OrderSpec {
  /** The sort key over `p` (and `pop` for popularity). */
  key: string;
  direction: Direction;
  /** Type the cursor's key is bound as. */
  cast: 'timestamptz' | 'integer' | 'bigint';
  /** The key as the cursor carries it, over the page CTE's `sort_key`. */
  cursorKey: string;
}

const ORDERS: Record<Sort, OrderSpec> = {
  newest: {
    key: 'p.published_at',
    direction: 'DESC',
    cast: 'timestamptz',
    // Microseconds, as stored: a millisecond JS Date would make keyset pages skip or repeat rows.
    cursorKey: `to_char(page.sort_key AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  },
  price_asc: {
    key: 'p.price_minor',
    direction: 'ASC',
    cast: 'integer',
    cursorKey: 'page.sort_key',
  },
  price_desc: {
    key: 'p.price_minor',
    direction: 'DESC',
    cast: 'integer',
    cursorKey: 'page.sort_key',
  },
  popular: {
    key: 'coalesce(pop.score, 0)',
    direction: 'DESC',
    cast: 'bigint',
    cursorKey: 'page.sort_key',
  },
};

/** Collects bind values and hands out their placeholders. */
class Binds {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** SQL conditions on `p` for the filters (each starts with AND). */
function filterConditions(filters: ProductFilters, binds: Binds): string {
  const where: string[] = [];
  if (filters.collection !== undefined) {
    where.push(`EXISTS (
      SELECT 1 FROM collection_items ci JOIN collections co ON co.id = ci.collection_id
      WHERE ci.product_id = p.id AND co.slug = ${binds.add(filters.collection)})`);
  }
  if (filters.category !== undefined) {
    // UNION (not UNION ALL) ends the walk even if a parent cycle slipped in.
    where.push(`p.category_id IN (
      WITH RECURSIVE tree AS (
        SELECT id FROM categories WHERE slug = ${binds.add(filters.category)}
        UNION SELECT child.id FROM categories child JOIN tree ON child.parent_id = tree.id
      ) SELECT id FROM tree)`);
  }
  if (filters.artist !== undefined) {
    where.push(`p.artist_id = (SELECT id FROM artists WHERE slug = ${binds.add(filters.artist)})`);
  }
  if (filters.minPrice !== undefined) where.push(`p.price_minor >= ${binds.add(filters.minPrice)}`);
  if (filters.maxPrice !== undefined) where.push(`p.price_minor <= ${binds.add(filters.maxPrice)}`);
  if (filters.inStock) {
    where.push(`NOT EXISTS (
      SELECT 1 FROM inventory inv WHERE inv.product_id = p.id AND inv.on_hand - inv.held <= 0)`);
  }
  for (const term of filters.terms ?? []) {
    // Terms are letters and digits only (see searchTerms), so `:*` makes a
    // well-formed prefix query. ANY(ARRAY(...)) rather than IN keeps the
    // artist branch indexable, so the planner can OR two bitmap scans.
    const query = `to_tsquery('simple', ${binds.add(`${term}:*`)})`;
    where.push(`(${PRODUCT_SEARCH_DOCUMENT} @@ ${query}
      OR p.artist_id = ANY (ARRAY(SELECT ar.id FROM artists ar WHERE ${ARTIST_SEARCH_DOCUMENT} @@ ${query})))`);
  }
  return where.map((condition) => `AND ${condition}`).join('\n');
}

/**
 * The summaries of the rows a `page` CTE picks (columns `id`, `sort_key`),
 * in the page's order, each with its cursor key.
 */
function summariesOf(ctes: string, direction: Direction, cursorKey = 'page.sort_key'): string {
  return `WITH ${ctes}
    SELECT ${SUMMARY_COLUMNS}, ${cursorKey} AS "sortKey"
    FROM page JOIN products p ON p.id = page.id ${SUMMARY_JOINS}
    ORDER BY page.sort_key ${direction}, page.id ${direction}`;
}

export function catalogRepository(db: Database) {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, bind: unknown[]) =>
    sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind });

  return {
    /** One page of published products, strictly after `after`; ask one extra row to learn if more exist. */
    async listProducts(
      filters: ProductFilters,
      sort: Sort,
      limit: number,
      after: Position | null,
    ): Promise<SortedRow[]> {
      const order = ORDERS[sort];
      const binds = new Binds();
      const conditions = filterConditions(filters, binds);
      const keyset = after
        ? `AND (${order.key}, p.id) ${order.direction === 'DESC' ? '<' : '>'} (${binds.add(after.key)}::${order.cast}, ${binds.add(after.id)})`
        : '';
      const page = `page AS (
        SELECT p.id, ${order.key} AS sort_key FROM products p
        ${sort === 'popular' ? 'LEFT JOIN pop ON pop.product_id = p.id' : ''}
        WHERE p.status = 'published' ${conditions} ${keyset}
        ORDER BY ${order.key} ${order.direction}, p.id ${order.direction}
        LIMIT ${binds.add(limit)})`;
      const ctes = sort === 'popular' ? `${POPULARITY}, ${page}` : page;
      return select<SortedRow>(summariesOf(ctes, order.direction, order.cursorKey), binds.values);
    },

    /** The id of the published product with this slug, or null. */
    async findPublishedIdBySlug(slug: string): Promise<number | null> {
      const [row] = await select<{ id: number }>(
        `SELECT id FROM products WHERE slug = $1 AND status = 'published'`,
        [slug],
      );
      return row?.id ?? null;
    },

    /** A published product with all its images and its stock, or null. */
    async findPublishedById(id: number): Promise<ProductDetailRow | null> {
      const [row] = await select<ProductDetailRow>(
        `SELECT ${SUMMARY_COLUMNS}, p.description, p.attributes,
           inv.on_hand AS "onHand", inv.held,
           (SELECT coalesce(json_agg(json_build_object(
               'storageKey', pi.storage_key, 'width', pi.width, 'height', pi.height,
               'alt', pi.alt, 'contentType', pi.content_type) ORDER BY pi.position), '[]')
            FROM product_images pi WHERE pi.product_id = p.id) AS images
         FROM products p ${SUMMARY_JOINS}
         LEFT JOIN inventory inv ON inv.product_id = p.id
         WHERE p.id = $1 AND p.status = 'published'`,
        [id],
      );
      return row ?? null;
    },

    /** Newest published works by the same artist, this one excepted. */
    async moreByArtist(productId: number, limit: number): Promise<SortedRow[]> {
      return select<SortedRow>(
        summariesOf(
          `page AS (
            SELECT p.id, p.published_at AS sort_key FROM products p
            WHERE p.status = 'published' AND p.id <> $1
              AND p.artist_id = (SELECT artist_id FROM products WHERE id = $1)
            ORDER BY p.published_at DESC, p.id DESC LIMIT $2)`,
          'DESC',
        ),
        [productId, limit],
      );
    },

    /** Published works sharing a collection with this one: most shared collections first, then curated order. */
    async alsoInCollections(productId: number, limit: number): Promise<SortedRow[]> {
      return select<SortedRow>(
        summariesOf(
          `page AS (
            SELECT other.product_id AS id,
              row_number() OVER (ORDER BY count(*) DESC, min(other.position), other.product_id) AS sort_key
            FROM collection_items mine
            JOIN collection_items other
              ON other.collection_id = mine.collection_id AND other.product_id <> mine.product_id
            JOIN products p ON p.id = other.product_id AND p.status = 'published'
            WHERE mine.product_id = $1
            GROUP BY other.product_id
            ORDER BY sort_key LIMIT $2)`,
          'ASC',
        ),
        [productId, limit],
      );
    },

    /** Collections with at least one published work (all of them, or the one with `slug`): featured first, then by position. */
    async listCollections(slug?: string): Promise<CollectionRow[]> {
      return select<CollectionRow>(
        `SELECT co.id, co.slug, co.title, co.description, co.featured, stats.item_count AS "itemCount",
           cover.storage_key AS "imageKey", cover.width AS "imageWidth", cover.height AS "imageHeight",
           cover.alt AS "imageAlt", cover.content_type AS "imageContentType"
         FROM collections co
         JOIN LATERAL (
           SELECT count(*)::int AS item_count FROM collection_items ci
           JOIN products p ON p.id = ci.product_id AND p.status = 'published'
           WHERE ci.collection_id = co.id
         ) stats ON stats.item_count > 0
         LEFT JOIN LATERAL (
           SELECT i.storage_key, i.width, i.height, i.alt, i.content_type
           FROM collection_items ci
           JOIN products p ON p.id = ci.product_id AND p.status = 'published'
           JOIN LATERAL (
             SELECT * FROM product_images pi WHERE pi.product_id = p.id ORDER BY pi.position LIMIT 1
           ) i ON true
           WHERE ci.collection_id = co.id ORDER BY ci.position LIMIT 1
         ) cover ON true
         ${slug === undefined ? '' : 'WHERE co.slug = $1'}
         ORDER BY co.featured DESC, co.position, co.id`,
        slug === undefined ? [] : [slug],
      );
    },

    /** Published works of a collection in curated order, strictly after `after` (key = position). */
    async collectionItems(
      collectionId: number,
      limit: number,
      after: Position | null,
    ): Promise<SortedRow[]> {
      const binds = new Binds();
      const collection = binds.add(collectionId);
      const keyset = after
        ? `AND (ci.position, p.id) > (${binds.add(after.key)}::integer, ${binds.add(after.id)})`
        : '';
      return select<SortedRow>(
        summariesOf(
          `page AS (
            SELECT p.id, ci.position AS sort_key FROM collection_items ci
            JOIN products p ON p.id = ci.product_id AND p.status = 'published'
            WHERE ci.collection_id = ${collection} ${keyset}
            ORDER BY ci.position, p.id LIMIT ${binds.add(limit)})`,
          'ASC',
        ),
        binds.values,
      );
    },

    /** Every category in display order, with its published product count. */
    async listCategories(): Promise<CategoryListRow[]> {
      return select<CategoryListRow>(
        `SELECT c.slug, c.name, parent.slug AS "parentSlug",
           (SELECT count(*) FROM products p WHERE p.category_id = c.id AND p.status = 'published')::int
             AS "productCount"
         FROM categories c LEFT JOIN categories parent ON parent.id = c.parent_id
         ORDER BY c.position, c.id`,
        [],
      );
    },

    async findArtist(slug: string): Promise<ArtistRow | null> {
      const [row] = await select<ArtistRow>(
        `SELECT a.id, a.slug, a.name, a.bio,
           (SELECT count(*) FROM products p WHERE p.artist_id = a.id AND p.status = 'published')::int
             AS "workCount"
         FROM artists a WHERE a.slug = $1`,
        [slug],
      );
      return row ?? null;
    },

    /** Live price and stock of the published products among `ids` (one indexed query). */
    async availability(ids: readonly number[]): Promise<AvailabilityRow[]> {
      return select<AvailabilityRow>(
        `SELECT p.id, p.price_minor AS "priceMinor", p.currency, inv.on_hand AS "onHand", inv.held
         FROM products p
         -- Repeating the ids on inventory keeps both sides index lookups, whatever the table sizes.
         LEFT JOIN inventory inv ON inv.product_id = p.id AND inv.product_id = ANY ($1::bigint[])
         WHERE p.id = ANY ($1::bigint[]) AND p.status = 'published'`,
        [ids],
      );
    },
  };
}

export type CatalogRepository = ReturnType<typeof catalogRepository>;
