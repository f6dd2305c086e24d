import { QueryTypes, Transaction } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import type { ProductKind } from '../platform/db/models.ts';
import type {
  FactsNeeded,
  HomeFacts,
  OutboxEvent,
  OwnerFacts,
  PageFacts,
  ProductFacts,
} from './publishing.pages.ts';

/*
 * Reads for the export and the change feed. Every read runs inside one
 * snapshot: a REPEATABLE READ, READ ONLY transaction whose view of the
 * catalogue and of the outbox is the same instant, so the cursor an export
 * ends with names exactly the changes its records already contain.
 *
 * Outbox ids are handed out when a writer inserts, but become visible when it
 * commits, and those two orders differ: a snapshot could see event 101 while
 * event 100 is still uncommitted, and a reader that moved its cursor to 101
 * would never see 100. So the snapshot is taken while holding a SHARE lock on
 * the outbox (it waits for writers in flight, whose INSERT holds ROW
 * EXCLUSIVE until they commit, and holds off new ones): every id up to the
 * head is then settled. The lock is taken inside a savepoint and released by
 * rolling back to it right after the snapshot is fixed, so catalogue writes
 * wait for milliseconds, not for the whole export.
 */

export interface RepositoryOptions {
  /** Called after each query with its name and the number of rows it fetched (tests, metrics). */
  onRows?: RowsObserver;
  /** How long a snapshot waits for catalogue writes in flight before giving up. Default 5 s. */
  lockTimeoutMs?: number;
  /**
   * How long a snapshot may sit idle (a reader that stopped reading) before
   * PostgreSQL ends its session, so a stalled client cannot pin a connection
   * and an old snapshot forever. Default 60 s. The embedded database is left
   * alone: its one session is the whole process's.
   */
  idleTimeoutMs?: number;
}

export interface CategoryRow {
  id: number;
  slug: string;
  name: string;
  parentId: number | null;
  position: number;
}

export interface ArtistRow {
  id: number;
  slug: string;
  name: string;
  bio: string;
  updatedAt: Date;
}

export interface CollectionRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  featured: boolean;
  position: number;
  productIds: number[];
  updatedAt: Date;
}

export interface ProductRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  kind: ProductKind;
  priceMinor: number;
  currency: string;
  attributes: Record<string, string | number | boolean>;
  artistId: number | null;
  categoryId: number | null;
  images: Array<{
    storageKey: string;
    width: number;
    height: number;
    alt: string;
    contentType: string;
    /** Resized WebP copies of an uploaded image (studio uploads), narrowest first; [] for seeded SVGs. */
    variants: Array<{ key: string; width: number }>;
  }>;
  collections: Array<{ id: number; position: number }>;
  favourites: number;
  publishedAt: Date;
  updatedAt: Date;
}

export interface HomeRow {
  featuredCollectionIds: number[];
  newProductIds: number[];
  popular: Array<{ id: number; favourites: number }>;
}

export interface ShopFactsRow {
  /** Names of the first categories (enough to recognise a seeded shop). */
  categoryNames: string[];
  /** The currency most published products are priced in, or null without any. */
  currency: string | null;
}

/** Receives each query's name and the number of rows it fetched. */
export type RowsObserver = (query: string, rows: number) => void;

const PRODUCT_COLUMNS = /* sql */ `
  p.id, p.slug, p.title, p.description, p.kind, p.price_minor AS "priceMinor", p.currency,
  p.attributes, p.artist_id AS "artistId", p.category_id AS "categoryId",
  p.published_at AS "publishedAt", p.updated_at AS "updatedAt",
  COALESCE((
    SELECT json_agg(json_build_object(
      'storageKey', i.storage_key, 'width', i.width, 'height', i.height,
      'alt', i.alt, 'contentType', i.content_type, 'variants', i.variants) ORDER BY i.position, i.id)
    FROM product_images i WHERE i.product_id = p.id), '[]') AS images,
  COALESCE((
    SELECT json_agg(json_build_object('id', ci.collection_id, 'position', ci.position)
      ORDER BY ci.collection_id)
    FROM collection_items ci WHERE ci.product_id = p.id), '[]') AS collections,
  (SELECT count(*) FROM favorites f WHERE f.product_id = p.id)::int AS favourites`;

/**
 * Outbox rows after `since` may name products three ways: as the aggregate,
 * in the payload, or through a collection whose works all changed pages.
 * Non-numeric ids are skipped rather than cast, so one odd row cannot fail
 * the export.
 */
const TOUCHED_PRODUCTS = /* sql */ `
  WITH ev AS (SELECT aggregate_type, aggregate_id, payload FROM outbox WHERE id > :since),
  named AS (
    SELECT aggregate_id AS ref FROM ev WHERE aggregate_type = 'product'
    UNION SELECT payload->>'productId' FROM ev WHERE jsonb_typeof(payload->'productId') IN ('number', 'string')
    UNION SELECT jsonb_array_elements_text(payload->'productIds') FROM ev
      WHERE jsonb_typeof(payload->'productIds') = 'array'
    UNION SELECT ci.product_id::text FROM ev
      JOIN collection_items ci ON ev.aggregate_type = 'collection' AND ci.collection_id::text = ev.aggregate_id
  ),
  ids AS (SELECT DISTINCT CASE WHEN ref ~ '^[1-9][0-9]{0,15}$' THEN ref::bigint END AS id FROM named)
  SELECT id FROM ids WHERE id > :after ORDER BY id LIMIT :limit`;

const TOUCHED_ARTISTS = /* sql */ `
  WITH ids AS (
    SELECT DISTINCT CASE WHEN aggregate_id ~ '^[1-9][0-9]{0,15}$' THEN aggregate_id::bigint END AS id
    FROM outbox WHERE id > :since AND aggregate_type = 'artist'
  )
  SELECT id FROM ids WHERE id > :after ORDER BY id LIMIT :limit`;

/** One consistent view of the catalogue and the outbox; close it when done. */
export interface Snapshot {
  /** The highest outbox id in the snapshot (0 when the outbox is empty). */
  readonly head: number;
  shopFacts(): Promise<ShopFactsRow>;
  home(size: number): Promise<HomeRow>;
  categories(after: number, limit: number): Promise<CategoryRow[]>;
  artists(after: number, limit: number): Promise<ArtistRow[]>;
  artistsByIds(ids: readonly number[]): Promise<ArtistRow[]>;
  collections(after: number, limit: number): Promise<CollectionRow[]>;
  /** Published products with id > after, by id. */
  products(after: number, limit: number): Promise<ProductRow[]>;
  /** The published ones among `ids`. */
  productsByIds(ids: readonly number[]): Promise<ProductRow[]>;
  /** Ids of products named by outbox rows after `since`, ascending, > after. */
  touchedProductIds(since: number, after: number, limit: number): Promise<number[]>;
  touchedArtistIds(since: number, after: number, limit: number): Promise<number[]>;
  /** Outbox rows with id > after, by id. */
  events(after: number, limit: number): Promise<OutboxEvent[]>;
  pageFacts(needed: FactsNeeded, homeSize: number): Promise<PageFacts>;
  /** Ends the transaction; `failed` rolls back instead of committing (either way nothing was written). */
  close(failed?: boolean): Promise<void>;
}

export function publishingRepository(db: Database, options: RepositoryOptions = {}) {
  const { sequelize } = db;
  const observe = options.onRows ?? (() => {});
  const lockTimeoutMs = Math.trunc(options.lockTimeoutMs ?? 5_000);
  const idleTimeoutMs = Math.trunc(options.idleTimeoutMs ?? 60_000);

  return {
    /**
     * Opens a snapshot. Throws Sequelize's error when the lock cannot be had
     * within `lockTimeoutMs` (PostgreSQL code 55P03); the service maps it.
     */
    async openSnapshot(): Promise<Snapshot> {
      const transaction = await sequelize.transaction({
        isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ,
      });
      const select = async <T extends object>(
        name: string,
        sql: string,
        replacements: Record<string, unknown> = {},
      ): Promise<T[]> => {
        const rows = await sequelize.query<T>(sql, {
          type: QueryTypes.SELECT,
          replacements,
          transaction,
        });
        observe(name, rows.length);
        return rows;
      };
      const run = (sql: string) => sequelize.query(sql, { transaction, type: QueryTypes.RAW });

      let head: number;
      try {
        // None of these statements fixes the snapshot; the first SELECT does, under the lock.
        await run('SET TRANSACTION READ ONLY');
        if (db.kind === 'external')
          await run(`SET LOCAL idle_in_transaction_session_timeout = ${idleTimeoutMs}`);
        await run('SAVEPOINT publishing_snapshot');
        // Inside the savepoint, so it ends with the lock.
        await run(`SET LOCAL lock_timeout = ${lockTimeoutMs}`);
        await run('LOCK TABLE outbox IN SHARE MODE');
        const [row] = await select<{ head: number }>(
          'head',
          'SELECT COALESCE(max(id), 0)::bigint AS head FROM outbox',
        );
        head = row?.head ?? 0;
        await run('ROLLBACK TO SAVEPOINT publishing_snapshot');
      } catch (err) {
        await transaction.rollback().catch(() => {});
        throw err;
      }

      const members = async (name: string, sql: string, ids: readonly number[]) => {
        const out = new Map<number, string[]>();
        if (ids.length === 0) return out;
        for (const row of await select<{ ownerId: number; slug: string }>(name, sql, { ids })) {
          const list = out.get(row.ownerId) ?? [];
          list.push(row.slug);
          out.set(row.ownerId, list);
        }
        return out;
      };

      const snapshot: Snapshot = {
        head,

        async shopFacts() {
          const names = await select<{ name: string }>(
            'shop-categories',
            'SELECT name FROM categories ORDER BY id LIMIT 200',
          );
          const [currency] = await select<{ currency: string }>(
            'shop-currency',
            `SELECT currency FROM products WHERE status = 'published'
             GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1`,
          );
          return { categoryNames: names.map((r) => r.name), currency: currency?.currency ?? null };
        },

        async home(size) {
          const featured = await select<{ id: number }>(
            'home-featured',
            'SELECT id FROM collections WHERE featured ORDER BY position, id',
          );
          const newest = await select<{ id: number }>(
            'home-new',
            `SELECT id FROM products WHERE status = 'published'
             ORDER BY published_at DESC, id DESC LIMIT :size`,
            { size },
          );
          const popular = await select<{ id: number; favourites: number }>(
            'home-popular',
            `SELECT f.product_id AS id, count(*)::int AS favourites
             FROM favorites f JOIN products p ON p.id = f.product_id AND p.status = 'published'
             GROUP BY f.product_id ORDER BY count(*) DESC, f.product_id LIMIT :size`,
            { size },
          );
          return {
            featuredCollectionIds: featured.map((r) => r.id),
            newProductIds: newest.map((r) => r.id),
            popular,
          };
        },

        categories: (after, limit) =>
          select<CategoryRow>(
            'categories',
            `SELECT id, slug, name, parent_id AS "parentId", position FROM categories
             WHERE id > :after ORDER BY id LIMIT :limit`,
            { after, limit },
          ),

        artists: (after, limit) =>
          select<ArtistRow>(
            'artists',
            `SELECT id, slug, name, bio, updated_at AS "updatedAt" FROM artists
             WHERE id > :after ORDER BY id LIMIT :limit`,
            { after, limit },
          ),

        async artistsByIds(ids) {
          if (ids.length === 0) return [];
          return select<ArtistRow>(
            'artists',
            `SELECT id, slug, name, bio, updated_at AS "updatedAt" FROM artists
             WHERE id IN (:ids) ORDER BY id`,
            { ids },
          );
        },

        collections: (after, limit) =>
          select<CollectionRow>(
            'collections',
            `SELECT c.id, c.slug, c.title, c.description, c.featured, c.position,
                    c.updated_at AS "updatedAt",
                    COALESCE((
                      SELECT json_agg(ci.product_id ORDER BY ci.position, ci.product_id)
                      FROM collection_items ci
                      JOIN products p ON p.id = ci.product_id AND p.status = 'published'
                      WHERE ci.collection_id = c.id), '[]') AS "productIds"
             FROM collections c WHERE c.id > :after ORDER BY c.id LIMIT :limit`,
            { after, limit },
          ),

        products: (after, limit) =>
          select<ProductRow>(
            'products',
            `SELECT ${PRODUCT_COLUMNS} FROM products p
             WHERE p.status = 'published' AND p.id > :after ORDER BY p.id LIMIT :limit`,
            { after, limit },
          ),

        async productsByIds(ids) {
          if (ids.length === 0) return [];
          return select<ProductRow>(
            'products',
            `SELECT ${PRODUCT_COLUMNS} FROM products p
             WHERE p.status = 'published' AND p.id IN (:ids) ORDER BY p.id`,
            { ids },
          );
        },

        async touchedProductIds(since, after, limit) {
          const rows = await select<{ id: number }>('touched-products', TOUCHED_PRODUCTS, {
            since,
            after,
            limit,
          });
          return rows.map((r) => r.id);
        },

        async touchedArtistIds(since, after, limit) {
          const rows = await select<{ id: number }>('touched-artists', TOUCHED_ARTISTS, {
            since,
            after,
            limit,
          });
          return rows.map((r) => r.id);
        },

        async events(after, limit) {
          return select<OutboxEvent>(
            'events',
            `SELECT id, topic, aggregate_type AS "aggregateType", aggregate_id AS "aggregateId",
                    payload, created_at AS "createdAt"
             FROM outbox WHERE id > :after ORDER BY id LIMIT :limit`,
            { after, limit },
          );
        },

        async pageFacts(needed, homeSize) {
          const products = new Map<number, ProductFacts>();
          if (needed.productIds.length > 0) {
            const rows = await select<ProductFacts & { id: number }>(
              'facts-products',
              `SELECT p.id, p.slug, p.status = 'published' AS published,
                      a.slug AS "artistSlug", c.slug AS "categorySlug",
                      COALESCE((
                        SELECT json_agg(json_build_object('slug', co.slug, 'featured', co.featured)
                          ORDER BY co.id)
                        FROM collection_items ci JOIN collections co ON co.id = ci.collection_id
                        WHERE ci.product_id = p.id), '[]') AS galleries,
                      (SELECT count(*) FROM favorites f WHERE f.product_id = p.id)::int AS favourites
               FROM products p
               LEFT JOIN artists a ON a.id = p.artist_id
               LEFT JOIN categories c ON c.id = p.category_id
               WHERE p.id IN (:ids)`,
              { ids: needed.productIds },
            );
            for (const { id, ...facts } of rows) products.set(id, facts);
          }

          const owners = async (
            name: string,
            table: 'artists' | 'categories' | 'collections',
            ids: readonly number[],
          ) => {
            const out = new Map<number, OwnerFacts>();
            if (ids.length === 0) return out;
            const featured = table === 'collections' ? ', featured' : '';
            const rows = await select<{ id: number; slug: string; featured?: boolean }>(
              name,
              `SELECT id, slug${featured} FROM ${table} WHERE id IN (:ids)`,
              { ids },
            );
            for (const row of rows)
              out.set(row.id, {
                slug: row.slug,
                ...(row.featured === undefined ? {} : { featured: row.featured }),
              });
            return out;
          };
          const artists = await owners('facts-artists', 'artists', needed.artistIds);
          const categories = await owners('facts-categories', 'categories', needed.categoryIds);
          const collections = await owners(
            'facts-collections',
            'collections',
            needed.collectionIds,
          );

          const artistWorks = await members(
            'facts-artist-works',
            `SELECT artist_id AS "ownerId", slug FROM products
             WHERE status = 'published' AND artist_id IN (:ids) ORDER BY id`,
            needed.artistMembers,
          );
          for (const [id, slugs] of artistWorks) {
            const artist = artists.get(id);
            if (artist) artist.productSlugs = slugs;
          }
          const collectionWorks = await members(
            'facts-collection-works',
            `SELECT ci.collection_id AS "ownerId", p.slug FROM collection_items ci
             JOIN products p ON p.id = ci.product_id AND p.status = 'published'
             WHERE ci.collection_id IN (:ids) ORDER BY ci.collection_id, ci.position`,
            needed.collectionMembers,
          );
          for (const [id, slugs] of collectionWorks) {
            const collection = collections.get(id);
            if (collection) collection.productSlugs = slugs;
          }

          const { newProductIds, popular } = await snapshot.home(homeSize);
          const home: HomeFacts = {
            productIds: new Set([...newProductIds, ...popular.map((p) => p.id)]),
            popularThreshold:
              popular.length < homeSize ? 0 : Math.min(...popular.map((p) => p.favourites)),
          };
          return { products, artists, categories, collections, home };
        },

        async close(failed = false) {
          if (failed) await transaction.rollback();
          else await transaction.commit();
        },
      };
      return snapshot;
    },
  };
}

export type PublishingRepository = ReturnType<typeof publishingRepository>;
