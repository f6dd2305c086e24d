import { QueryTypes } from 'sequelize';
import { CATALOG } from '../catalog/catalog.tags.ts';
import type { ChangeWriter } from '../platform/changes.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, NotFoundError } from '../platform/errors.ts';
import type { Storage } from '../platform/storage/index.ts';
import type { FavoritePage } from './favorites.schemas.ts';

/**
 * Default of FavoritesDeps.popularityRefreshMs: popular lists lag favourites
 * by at most this (plus their own cache lifetime).
 */
export const DEFAULT_POPULARITY_REFRESH_MS = 30_000;

export interface FavoritesDeps {
  db: Database;
  changes: ChangeWriter;
  storage: Storage;
  clock: () => number;
  /**
   * Favourites feed popularity, which every list-like catalogue read may
   * show, and those reads all carry the CATALOG tag. Invalidating CATALOG on
   * every favourite would let a favourite storm (a popular drop, a bot)
   * empty the list caches many times a second. So a favourite invalidates
   * CATALOG at most once per this many milliseconds in each process (the
   * first one in a window does; the rest only write their outbox row). 0
   * invalidates on every favourite.
   */
  popularityRefreshMs?: number;
}

interface FavoriteRow {
  addedAt: Date;
  addedAtKey: string;
  id: number;
  slug: string;
  title: string;
  kind: 'physical' | 'digital';
  priceMinor: number;
  currency: string;
  publishedAt: Date;
  artistSlug: string | null;
  artistName: string | null;
  imageKey: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  imageAlt: string | null;
  imageContentType: string | null;
}

/** True at most once per `windowMs` (leading edge); always true for 0. */
export function throttle(windowMs: number, clock: () => number): () => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const now = clock();
    if (now - last < windowMs) return false;
    last = now;
    return true;
  };
}

const invalidCursor = () =>
  new AppError(
    'INVALID_CURSOR',
    'The cursor is not one this API returned; start again without a cursor.',
    {
      status: 400,
    },
  );

function decodeCursor(cursor: string): { addedAt: string; productId: number } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalidCursor();
  const [addedAt, productId] = value as [unknown, unknown];
  if (typeof addedAt !== 'string' || Number.isNaN(Date.parse(addedAt))) throw invalidCursor();
  if (typeof productId !== 'number' || !Number.isSafeInteger(productId) || productId < 1)
    throw invalidCursor();
  return { addedAt, productId };
}

export function favoritesService(deps: FavoritesDeps) {
  const { db, changes, storage } = deps;
  const { sequelize } = db;
  const refreshPopularity = throttle(
    deps.popularityRefreshMs ?? DEFAULT_POPULARITY_REFRESH_MS,
    deps.clock,
  );

  return {
    /** The user's favourites that are published now, most recently added first. */
    async list(
      userId: number,
      query: { limit: number; cursor?: string | undefined },
    ): Promise<FavoritePage> {
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const bind: unknown[] = [userId, query.limit + 1];
      if (after) bind.push(after.addedAt, after.productId);
      const rows = await sequelize.query<FavoriteRow>(
        `SELECT f.created_at AS "addedAt",
           to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "addedAtKey",
           p.id, p.slug, p.title, p.kind, p.price_minor AS "priceMinor", p.currency, p.published_at AS "publishedAt",
           a.slug AS "artistSlug", a.name AS "artistName",
           img.storage_key AS "imageKey", img.width AS "imageWidth", img.height AS "imageHeight",
           img.alt AS "imageAlt", img.content_type AS "imageContentType"
         FROM favorites f
         JOIN products p ON p.id = f.product_id AND p.status = 'published'
         LEFT JOIN artists a ON a.id = p.artist_id
         LEFT JOIN LATERAL (
           SELECT storage_key, width, height, alt, content_type FROM product_images i
           WHERE i.product_id = p.id ORDER BY i.position LIMIT 1
         ) img ON true
         WHERE f.user_id = $1 ${after ? 'AND (f.created_at, f.product_id) < ($3::timestamptz, $4)' : ''}
         ORDER BY f.created_at DESC, f.product_id DESC
         LIMIT $2`,
        { type: QueryTypes.SELECT, bind },
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          addedAt: new Date(r.addedAt).toISOString(),
          product: {
            id: r.id,
            slug: r.slug,
            title: r.title,
            kind: r.kind,
            price: { amountMinor: r.priceMinor, currency: r.currency },
            artist:
              r.artistSlug && r.artistName ? { slug: r.artistSlug, name: r.artistName } : null,
            image:
              r.imageKey && r.imageWidth && r.imageHeight && r.imageContentType
                ? {
                    url: storage.url(r.imageKey),
                    width: r.imageWidth,
                    height: r.imageHeight,
                    alt: r.imageAlt ?? '',
                    contentType: r.imageContentType,
                  }
                : null,
            publishedAt: new Date(r.publishedAt).toISOString(),
          },
        })),
        nextCursor:
          rows.length > query.limit && last
            ? Buffer.from(JSON.stringify([last.addedAtKey, last.id])).toString('base64url')
            : null,
      };
    },

    /** Adds a published product to the user's favourites; adding it again changes nothing. */
    async add(userId: number, productId: number): Promise<void> {
      await changes.write(async (transaction, record) => {
        const inserted = await sequelize.query<{ productId: number }>(
          `INSERT INTO favorites (user_id, product_id)
           SELECT $1, p.id FROM products p WHERE p.id = $2 AND p.status = 'published'
           ON CONFLICT (user_id, product_id) DO NOTHING
           RETURNING product_id AS "productId"`,
          { type: QueryTypes.SELECT, bind: [userId, productId], transaction },
        );
        if (inserted.length > 0) {
          record({
            topic: 'favorite.added',
            aggregateType: 'product',
            aggregateId: productId,
            payload: { userId },
            tags: refreshPopularity() ? [CATALOG] : [],
          });
          return;
        }
        const [product] = await sequelize.query<{ status: string }>(
          'SELECT status FROM products WHERE id = $1',
          { type: QueryTypes.SELECT, bind: [productId], transaction },
        );
        // Drafts and archived works answer like missing ones: nothing to favourite.
        if (product?.status !== 'published')
          throw new NotFoundError(
            'PRODUCT_NOT_FOUND',
            `No published product has the id ${productId}.`,
          );
      });
    },

    /** Removes a product from the user's favourites, whatever its status; removing it again changes nothing. */
    async remove(userId: number, productId: number): Promise<void> {
      await changes.write(async (transaction, record) => {
        const removed = await sequelize.query<{ productId: number }>(
          `DELETE FROM favorites WHERE user_id = $1 AND product_id = $2 RETURNING product_id AS "productId"`,
          { type: QueryTypes.SELECT, bind: [userId, productId], transaction },
        );
        if (removed.length === 0) return;
        record({
          topic: 'favorite.removed',
          aggregateType: 'product',
          aggregateId: productId,
          payload: { userId },
          tags: refreshPopularity() ? [CATALOG] : [],
        });
      });
    },
  };
}

export type FavoritesService = ReturnType<typeof favoritesService>;
