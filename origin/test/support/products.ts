import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import type { Database } from '../../src/platform/db/database.ts';

export interface MadeProduct {
  id: number;
  slug: string;
  title: string;
}

/**
 * A published product with the given stock (`null` = not stock-tracked), an
 * artist and one image file in `mediaDir`.
 */
export async function makeProduct(
  db: Database,
  mediaDir: string,
  options: {
    stock: number | null;
    priceMinor?: number;
    kind?: 'physical' | 'digital';
    currency?: string;
  },
): Promise<MadeProduct> {
  const suffix = randomBytes(4).toString('hex');
  const slug = `work-${suffix}`;
  const title = `Work ${suffix}`;
  const [artist] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO artists (slug, name) VALUES (:slug, :name) RETURNING id`,
    {
      type: QueryTypes.SELECT,
      replacements: { slug: `artist-${suffix}`, name: `Artist ${suffix}` },
    },
  );
  const [product] = await db.sequelize.query<{ id: number }>(
    `INSERT INTO products (slug, title, artist_id, price_minor, currency, status, kind, published_at)
     VALUES (:slug, :title, :artistId, :price, :currency, 'published', :kind, now()) RETURNING id`,
    {
      type: QueryTypes.SELECT,
      replacements: {
        slug,
        title,
        artistId: artist?.id,
        price: options.priceMinor ?? 1_000,
        currency: options.currency ?? 'EUR',
        kind: options.kind ?? 'physical',
      },
    },
  );
  if (!product) throw new Error('product insert failed');
  if (options.stock !== null) {
    await db.sequelize.query('INSERT INTO inventory (product_id, on_hand) VALUES (:id, :stock)', {
      replacements: { id: product.id, stock: options.stock },
    });
  }
  const key = `products/${slug}-1.svg`;
  await mkdir(path.join(mediaDir, 'products'), { recursive: true });
  await writeFile(
    path.join(mediaDir, key),
    `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#${suffix.slice(0, 6)}"/></svg>`,
  );
  await db.sequelize.query(
    `INSERT INTO product_images (product_id, storage_key, content_type, width, height, alt)
     VALUES (:id, :key, 'image/svg+xml', 10, 10, :alt)`,
    { replacements: { id: product.id, key, alt: title } },
  );
  return { id: product.id, slug, title };
}

export async function stockOf(
  db: Database,
  productId: number,
): Promise<{ onHand: number; held: number }> {
  const [row] = await db.sequelize.query<{ onHand: number; held: number }>(
    'SELECT on_hand AS "onHand", held FROM inventory WHERE product_id = :productId',
    { type: QueryTypes.SELECT, replacements: { productId } },
  );
  if (!row) throw new Error(`no inventory for ${productId}`);
  return row;
}
