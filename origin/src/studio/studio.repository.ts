import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import type { ProductKind, ProductStatus } from '../platform/db/models.ts';

/*
 * SQL of the studio and admin catalogue writes. Every function returns plain
 * rows; the ones that write take the change writer's transaction.
 */

/** Whose works a call may see: one artist's, or any (admin). */
export type Scope = { kind: 'artist'; artistId: number } | { kind: 'admin' };

export interface ArtistRef {
  id: number;
  slug: string;
  name: string;
}

/** A product row locked for update, with what the rules need. */
export interface LockedWork {
  id: number;
  slug: string;
  title: string;
  kind: ProductKind;
  status: ProductStatus;
  artistId: number | null;
}

export interface WorkRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  kind: ProductKind;
  status: ProductStatus;
  priceMinor: number;
  currency: string;
  attributes: Record<string, string | number | boolean>;
  publishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  categorySlug: string | null;
  categoryName: string | null;
  artistSlug: string | null;
  artistName: string | null;
  onHand: number | null;
  held: number | null;
}

export interface StoredVariant {
  key: string;
  width: number;
  height: number;
  contentType: string;
}

export interface ImageRecord {
  id: number;
  productId: number;
  storageKey: string;
  contentType: string;
  width: number;
  height: number;
  alt: string;
  position: number;
  variants: StoredVariant[];
}

export interface InventoryState {
  onHand: number;
  held: number;
}

export interface SaleRow {
  id: number;
  paidAt: Date;
  /** paid_at with microseconds, for the keyset cursor. */
  paidAtKey: string;
  productId: number;
  title: string;
  quantity: number;
  lineTotalMinor: number;
  currency: string;
  status: 'paid' | 'fulfilled';
}

const WORK_COLUMNS = /* sql */ `
  p.id, p.slug, p.title, p.description, p.kind, p.status, p.price_minor AS "priceMinor", p.currency,
  p.attributes, p.published_at AS "publishedAt", p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  c.slug AS "categorySlug", c.name AS "categoryName", a.slug AS "artistSlug", a.name AS "artistName",
  inv.on_hand AS "onHand", inv.held`;

const WORK_JOINS = /* sql */ `
  LEFT JOIN categories c ON c.id = p.category_id
  LEFT JOIN artists a ON a.id = p.artist_id
  LEFT JOIN inventory inv ON inv.product_id = p.id`;

const IMAGE_COLUMNS = /* sql */ `
  id, product_id AS "productId", storage_key AS "storageKey", content_type AS "contentType",
  width, height, alt, position, variants`;

/** `AND p.artist_id = $n` for an artist's scope, nothing for an admin's. */
function scopeFilter(scope: Scope, bind: unknown[]): string {
  if (scope.kind === 'admin') return '';
  bind.push(scope.artistId);
  return `AND p.artist_id = $${bind.length}`;
}

export function studioRepository(db: Database) {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    sequelize.query<T>(sql, {
      type: QueryTypes.SELECT,
      bind,
      ...(transaction ? { transaction } : {}),
    });

  return {
    async artistOfUser(userId: number): Promise<ArtistRef | null> {
      const [row] = await select<ArtistRef>(
        'SELECT id, slug, name FROM artists WHERE user_id = $1',
        [userId],
      );
      return row ?? null;
    },

    async categoryIdBySlug(slug: string, transaction: Transaction): Promise<number | null> {
      // FOR KEY SHARE: a concurrent category delete waits for this write, then sees it.
      const [row] = await select<{ id: number }>(
        'SELECT id FROM categories WHERE slug = $1 FOR KEY SHARE',
        [slug],
        transaction,
      );
      return row?.id ?? null;
    },

    /** Slugs equal to `base` or `base-<n>`, to pick the first free one. */
    async slugsLike(base: string, transaction: Transaction): Promise<string[]> {
      const rows = await select<{ slug: string }>(
        `SELECT slug FROM products WHERE slug = $1 OR slug LIKE $2`,
        [base, `${base}-%`],
        transaction,
      );
      return rows.map((r) => r.slug);
    },

    async insertWork(
      row: {
        slug: string;
        title: string;
        description: string;
        artistId: number;
        categoryId: number | null;
        priceMinor: number;
        currency: string;
        kind: ProductKind;
        attributes: Record<string, string | number | boolean>;
      },
      transaction: Transaction,
    ): Promise<number> {
      const [inserted] = await select<{ id: number }>(
        `INSERT INTO products (slug, title, description, artist_id, category_id, price_minor, currency, kind, attributes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING id`,
        [
          row.slug,
          row.title,
          row.description,
          row.artistId,
          row.categoryId,
          row.priceMinor,
          row.currency,
          row.kind,
          JSON.stringify(row.attributes),
        ],
        transaction,
      );
      if (!inserted) throw new Error('INSERT … RETURNING gave no row');
      return inserted.id;
    },

    /** Locks the product row (FOR UPDATE) when it is in scope; null otherwise. */
    async lockWork(scope: Scope, id: number, transaction: Transaction): Promise<LockedWork | null> {
      const bind: unknown[] = [id];
      const filter = scopeFilter(scope, bind);
      const [row] = await select<LockedWork>(
        `SELECT p.id, p.slug, p.title, p.kind, p.status, p.artist_id AS "artistId"
         FROM products p WHERE p.id = $1 ${filter} FOR UPDATE`,
        bind,
        transaction,
      );
      return row ?? null;
    },

    async updateWork(
      id: number,
      fields: {
        title?: string;
        description?: string;
        priceMinor?: number;
        currency?: string;
        attributes?: Record<string, string | number | boolean>;
        categoryId?: number | null;
      },
      transaction: Transaction,
    ): Promise<void> {
      const columns: Record<keyof typeof fields, string> = {
        title: 'title',
        description: 'description',
        priceMinor: 'price_minor',
        currency: 'currency',
        attributes: 'attributes',
        categoryId: 'category_id',
      };
      const bind: unknown[] = [id];
      const sets: string[] = ['updated_at = now()'];
      for (const [name, column] of Object.entries(columns) as [keyof typeof fields, string][]) {
        const value = fields[name];
        if (value === undefined) continue;
        bind.push(name === 'attributes' ? JSON.stringify(value) : value);
        sets.push(`${column} = $${bind.length}${name === 'attributes' ? '::jsonb' : ''}`);
      }
      await sequelize.query(`UPDATE products SET ${sets.join(', ')} WHERE id = $1`, {
        bind,
        transaction,
      });
    },

    async setStatus(
      id: number,
      status: ProductStatus,
      publishedAt: Date | null,
      transaction: Transaction,
    ): Promise<void> {
      await sequelize.query(
        `UPDATE products SET status = $2, published_at = COALESCE($3, published_at), updated_at = now()
         WHERE id = $1`,
        { bind: [id, status, publishedAt], transaction },
      );
    },

    async lockInventory(
      productId: number,
      transaction: Transaction,
    ): Promise<InventoryState | null> {
      const [row] = await select<InventoryState>(
        'SELECT on_hand AS "onHand", held FROM inventory WHERE product_id = $1 FOR UPDATE',
        [productId],
        transaction,
      );
      return row ?? null;
    },

    async upsertInventory(
      productId: number,
      onHand: number,
      transaction: Transaction,
    ): Promise<void> {
      await sequelize.query(
        `INSERT INTO inventory (product_id, on_hand) VALUES ($1, $2)
         ON CONFLICT (product_id) DO UPDATE SET on_hand = EXCLUDED.on_hand, updated_at = now()`,
        { bind: [productId, onHand], transaction },
      );
    },

    async deleteInventory(productId: number, transaction: Transaction): Promise<void> {
      await sequelize.query('DELETE FROM inventory WHERE product_id = $1', {
        bind: [productId],
        transaction,
      });
    },

    async getWork(scope: Scope, id: number, transaction?: Transaction): Promise<WorkRow | null> {
      const bind: unknown[] = [id];
      const filter = scopeFilter(scope, bind);
      const [row] = await select<WorkRow>(
        `SELECT ${WORK_COLUMNS} FROM products p ${WORK_JOINS} WHERE p.id = $1 ${filter}`,
        bind,
        transaction,
      );
      return row ?? null;
    },

    /** Newest first, strictly older than `beforeId`; ask one extra row to learn if more exist. */
    async listWorks(
      scope: Scope,
      query: { status?: ProductStatus | undefined; beforeId: number | null; limit: number },
    ): Promise<WorkRow[]> {
      const bind: unknown[] = [query.limit];
      const filters = [scopeFilter(scope, bind)];
      if (query.status) {
        bind.push(query.status);
        filters.push(`AND p.status = $${bind.length}`);
      }
      if (query.beforeId !== null) {
        bind.push(query.beforeId);
        filters.push(`AND p.id < $${bind.length}`);
      }
      return select<WorkRow>(
        `SELECT ${WORK_COLUMNS} FROM products p ${WORK_JOINS}
         WHERE true ${filters.join(' ')} ORDER BY p.id DESC LIMIT $1`,
        bind,
      );
    },

    async imagesOf(productIds: number[], transaction?: Transaction): Promise<ImageRecord[]> {
      if (productIds.length === 0) return [];
      return select<ImageRecord>(
        `SELECT ${IMAGE_COLUMNS} FROM product_images
         WHERE product_id = ANY ($1::bigint[]) ORDER BY product_id, position`,
        [productIds],
        transaction,
      );
    },

    async insertImage(
      row: {
        productId: number;
        storageKey: string;
        contentType: string;
        width: number;
        height: number;
        alt: string;
        position: number;
        variants: StoredVariant[];
      },
      transaction: Transaction,
    ): Promise<ImageRecord> {
      const [inserted] = await select<ImageRecord>(
        `INSERT INTO product_images (product_id, storage_key, content_type, width, height, alt, position, variants)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING ${IMAGE_COLUMNS}`,
        [
          row.productId,
          row.storageKey,
          row.contentType,
          row.width,
          row.height,
          row.alt,
          row.position,
          JSON.stringify(row.variants),
        ],
        transaction,
      );
      if (!inserted) throw new Error('INSERT … RETURNING gave no row');
      return inserted;
    },

    async updateImageAlt(imageId: number, alt: string, transaction: Transaction): Promise<void> {
      await sequelize.query('UPDATE product_images SET alt = $2 WHERE id = $1', {
        bind: [imageId, alt],
        transaction,
      });
    },

    async deleteImage(imageId: number, transaction: Transaction): Promise<void> {
      await sequelize.query('DELETE FROM product_images WHERE id = $1', {
        bind: [imageId],
        transaction,
      });
    },

    /**
     * Gives the product's images positions 0…n-1 in the order of `imageIds`
     * (every image of the product). product_images' position constraint is
     * not deferrable and PostgreSQL checks it row by row, so a swap in one
     * UPDATE could collide midway: first move them all out of the way.
     */
    async renumberImages(
      productId: number,
      imageIds: number[],
      transaction: Transaction,
    ): Promise<void> {
      await sequelize.query(
        'UPDATE product_images SET position = position + 1000000 WHERE product_id = $1',
        { bind: [productId], transaction },
      );
      await sequelize.query(
        `UPDATE product_images i SET position = v.ord - 1
         FROM unnest($2::bigint[]) WITH ORDINALITY AS v(id, ord)
         WHERE i.id = v.id AND i.product_id = $1`,
        { bind: [productId, imageIds], transaction },
      );
    },

    /** Paid and fulfilled order lines of the artist's works, newest payment first. */
    async sales(
      artistId: number,
      limit: number,
      after: { paidAt: string; id: number } | null,
    ): Promise<SaleRow[]> {
      const bind: unknown[] = [artistId, limit];
      let keyset = '';
      if (after) {
        bind.push(after.paidAt, after.id);
        keyset = 'AND (o.paid_at, oi.id) < ($3::timestamptz, $4)';
      }
      return select<SaleRow>(
        `SELECT oi.id, o.paid_at AS "paidAt",
           to_char(o.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "paidAtKey",
           oi.product_id AS "productId", oi.title, oi.quantity, oi.line_total_minor AS "lineTotalMinor",
           o.currency, o.status
         FROM order_items oi
         JOIN orders o ON o.id = oi.order_id
         JOIN products p ON p.id = oi.product_id
         WHERE p.artist_id = $1 AND o.status IN ('paid', 'fulfilled') ${keyset}
         ORDER BY o.paid_at DESC, oi.id DESC
         LIMIT $2`,
        bind,
      );
    },

    async salesTotals(
      artistId: number,
    ): Promise<Array<{ currency: string; amountMinor: number; quantity: number }>> {
      return select(
        `SELECT o.currency, sum(oi.line_total_minor)::bigint AS "amountMinor", sum(oi.quantity)::bigint AS quantity
         FROM order_items oi
         JOIN orders o ON o.id = oi.order_id
         JOIN products p ON p.id = oi.product_id
         WHERE p.artist_id = $1 AND o.status IN ('paid', 'fulfilled')
         GROUP BY o.currency ORDER BY o.currency`,
        [artistId],
      );
    },
  };
}

export type StudioRepository = ReturnType<typeof studioRepository>;
