import { QueryTypes } from 'sequelize';
import type { Database } from '../platform/db/database.ts';

/** A keyset position in the newest-first product list. */
export interface ListPosition {
  publishedAt: Date;
  id: number;
}

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

export interface ProductDetailRow extends ProductListRow {
  description: string;
  attributes: Record<string, string | number | boolean>;
  onHand: number | null;
  held: number | null;
}

export interface ImageRow {
  storageKey: string;
  width: number;
  height: number;
  alt: string;
  contentType: string;
}

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

export function catalogRepository(db: Database) {
  const { sequelize } = db;
  return {
    /** Published products, newest first, strictly after `after`; one extra row tells if more exist. */
    async listPublished(limit: number, after: ListPosition | null): Promise<ProductListRow[]> {
      const keyset = after ? 'AND (p.published_at, p.id) < (:publishedAt, :id)' : '';
      return sequelize.query<ProductListRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM products p ${SUMMARY_JOINS}
         WHERE p.status = 'published' ${keyset}
         ORDER BY p.published_at DESC, p.id DESC
         LIMIT :limit`,
        {
          type: QueryTypes.SELECT,
          replacements: { limit, publishedAt: after?.publishedAt ?? null, id: after?.id ?? null },
        },
      );
    },

    async findPublishedBySlug(
      slug: string,
    ): Promise<{ row: ProductDetailRow; images: ImageRow[] } | null> {
      const [row] = await sequelize.query<ProductDetailRow>(
        `SELECT ${SUMMARY_COLUMNS}, p.description, p.attributes, inv.on_hand AS "onHand", inv.held
         FROM products p ${SUMMARY_JOINS}
         LEFT JOIN inventory inv ON inv.product_id = p.id
         WHERE p.slug = :slug AND p.status = 'published'`,
        { type: QueryTypes.SELECT, replacements: { slug } },
      );
      if (!row) return null;
      const images = await sequelize.query<ImageRow>(
        `SELECT storage_key AS "storageKey", width, height, alt, content_type AS "contentType"
         FROM product_images WHERE product_id = :id ORDER BY position`,
        { type: QueryTypes.SELECT, replacements: { id: row.id } },
      );
      return { row, images };
    },
  };
}

export type CatalogRepository = ReturnType<typeof catalogRepository>;
