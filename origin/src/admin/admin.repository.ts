import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import type { ProductStatus } from '../platform/db/models.ts';

export interface CollectionRecord {
  id: number;
  slug: string;
  title: string;
  description: string;
  featured: boolean;
  position: number;
}

export interface CollectionItemRecord {
  productId: number;
  slug: string;
  title: string;
  status: ProductStatus;
  position: number;
}

export interface CategoryRecord {
  id: number;
  slug: string;
  name: string;
  parentSlug: string | null;
  position: number;
  productCount: number;
}

const COLLECTION_COLUMNS = 'id, slug, title, description, featured, position';

/** SQL of gallery curation and category management; plain rows out. */
export function adminRepository(db: Database) {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, bind: unknown[], transaction?: Transaction) =>
    sequelize.query<T>(sql, {
      type: QueryTypes.SELECT,
      bind,
      ...(transaction ? { transaction } : {}),
    });
  const run = (sql: string, bind: unknown[], transaction: Transaction) =>
    sequelize.query(sql, { ...(bind.length > 0 ? { bind } : {}), transaction });

  return {
    async listCollections(): Promise<Array<CollectionRecord & { itemCount: number }>> {
      return select(
        `SELECT c.id, c.slug, c.title, c.description, c.featured, c.position,
           (SELECT count(*) FROM collection_items ci WHERE ci.collection_id = c.id)::int AS "itemCount"
         FROM collections c ORDER BY c.position, c.id`,
        [],
      );
    },

    async getCollection(id: number, transaction?: Transaction): Promise<CollectionRecord | null> {
      const [row] = await select<CollectionRecord>(
        `SELECT ${COLLECTION_COLUMNS} FROM collections WHERE id = $1`,
        [id],
        transaction,
      );
      return row ?? null;
    },

    /** Locks the gallery row, so concurrent reorders of one gallery run one after the other. */
    async lockCollection(id: number, transaction: Transaction): Promise<CollectionRecord | null> {
      const [row] = await select<CollectionRecord>(
        `SELECT ${COLLECTION_COLUMNS} FROM collections WHERE id = $1 FOR UPDATE`,
        [id],
        transaction,
      );
      return row ?? null;
    },

    async itemsOf(
      collectionId: number,
      transaction?: Transaction,
    ): Promise<CollectionItemRecord[]> {
      return select(
        `SELECT ci.product_id AS "productId", p.slug, p.title, p.status, ci.position
         FROM collection_items ci JOIN products p ON p.id = ci.product_id
         WHERE ci.collection_id = $1 ORDER BY ci.position`,
        [collectionId],
        transaction,
      );
    },

    async insertCollection(
      row: Omit<CollectionRecord, 'id'>,
      transaction: Transaction,
    ): Promise<number> {
      const [inserted] = await select<{ id: number }>(
        `INSERT INTO collections (slug, title, description, featured, position)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [row.slug, row.title, row.description, row.featured, row.position],
        transaction,
      );
      if (!inserted) throw new Error('INSERT … RETURNING gave no row');
      return inserted.id;
    },

    async updateCollection(
      id: number,
      fields: Partial<Omit<CollectionRecord, 'id'>>,
      transaction: Transaction,
    ): Promise<void> {
      const bind: unknown[] = [id];
      const sets = ['updated_at = now()'];
      for (const column of ['slug', 'title', 'description', 'featured', 'position'] as const) {
        if (fields[column] === undefined) continue;
        bind.push(fields[column]);
        sets.push(`${column} = $${bind.length}`);
      }
      await run(`UPDATE collections SET ${sets.join(', ')} WHERE id = $1`, bind, transaction);
    },

    async deleteCollection(id: number, transaction: Transaction): Promise<void> {
      await run('DELETE FROM collections WHERE id = $1', [id], transaction);
    },

    /**
     * Status of each named product, share-locked so none can be unpublished
     * until the curation change commits.
     */
    async lockProductStatuses(
      ids: number[],
      transaction: Transaction,
    ): Promise<Map<number, ProductStatus>> {
      if (ids.length === 0) return new Map();
      const rows = await select<{ id: number; status: ProductStatus }>(
        'SELECT id, status FROM products WHERE id = ANY ($1::bigint[]) FOR SHARE',
        [ids],
        transaction,
      );
      return new Map(rows.map((r) => [r.id, r.status]));
    },

    /**
     * Makes the gallery hold exactly `productIds`, at positions 0…n-1. The
     * position constraint is deferred to the commit, so swaps and shifts in
     * one statement are fine; gaps cannot appear.
     */
    async replaceItems(
      collectionId: number,
      productIds: number[],
      transaction: Transaction,
    ): Promise<void> {
      await run('SET CONSTRAINTS collection_items_position_unique DEFERRED', [], transaction);
      await run(
        'DELETE FROM collection_items WHERE collection_id = $1 AND NOT (product_id = ANY ($2::bigint[]))',
        [collectionId, productIds],
        transaction,
      );
      if (productIds.length === 0) return;
      await run(
        `INSERT INTO collection_items (collection_id, product_id, position)
         SELECT $1, v.id, v.ord - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS v(id, ord)
         ON CONFLICT (collection_id, product_id) DO UPDATE SET position = EXCLUDED.position`,
        [collectionId, productIds],
        transaction,
      );
    },

    async listCategories(transaction?: Transaction): Promise<CategoryRecord[]> {
      return select(
        `SELECT c.id, c.slug, c.name, parent.slug AS "parentSlug", c.position,
           (SELECT count(*) FROM products p WHERE p.category_id = c.id)::int AS "productCount"
         FROM categories c LEFT JOIN categories parent ON parent.id = c.parent_id
         ORDER BY c.position, c.id`,
        [],
        transaction,
      );
    },

    async getCategory(id: number, transaction?: Transaction): Promise<CategoryRecord | null> {
      const [row] = await select<CategoryRecord>(
        `SELECT c.id, c.slug, c.name, parent.slug AS "parentSlug", c.position,
           (SELECT count(*) FROM products p WHERE p.category_id = c.id)::int AS "productCount"
         FROM categories c LEFT JOIN categories parent ON parent.id = c.parent_id
         WHERE c.id = $1`,
        [id],
        transaction,
      );
      return row ?? null;
    },

    /**
     * Locks the category row. A product insert or update naming the category
     * holds a key-share lock on it, so this waits for those to commit and
     * the usage counted afterwards is complete.
     */
    async lockCategory(
      id: number,
      transaction: Transaction,
    ): Promise<{ id: number; slug: string } | null> {
      const [row] = await select<{ id: number; slug: string }>(
        'SELECT id, slug FROM categories WHERE id = $1 FOR UPDATE',
        [id],
        transaction,
      );
      return row ?? null;
    },

    async categoryIdBySlug(slug: string, transaction: Transaction): Promise<number | null> {
      const [row] = await select<{ id: number }>(
        'SELECT id FROM categories WHERE slug = $1 FOR KEY SHARE',
        [slug],
        transaction,
      );
      return row?.id ?? null;
    },

    async categoryUsage(
      id: number,
      transaction: Transaction,
    ): Promise<{ products: number; subcategories: number }> {
      const [row] = await select<{ products: number; subcategories: number }>(
        `SELECT (SELECT count(*) FROM products WHERE category_id = $1)::int AS products,
                (SELECT count(*) FROM categories WHERE parent_id = $1)::int AS subcategories`,
        [id],
        transaction,
      );
      return row ?? { products: 0, subcategories: 0 };
    },

    async productIdsInCategory(id: number, transaction: Transaction): Promise<number[]> {
      const rows = await select<{ id: number }>(
        'SELECT id FROM products WHERE category_id = $1',
        [id],
        transaction,
      );
      return rows.map((r) => r.id);
    },

    async insertCategory(
      row: { slug: string; name: string; parentId: number | null; position: number },
      transaction: Transaction,
    ): Promise<number> {
      const [inserted] = await select<{ id: number }>(
        'INSERT INTO categories (slug, name, parent_id, position) VALUES ($1, $2, $3, $4) RETURNING id',
        [row.slug, row.name, row.parentId, row.position],
        transaction,
      );
      if (!inserted) throw new Error('INSERT … RETURNING gave no row');
      return inserted.id;
    },

    async updateCategory(
      id: number,
      fields: { name?: string | undefined; position?: number | undefined },
      transaction: Transaction,
    ): Promise<void> {
      await run(
        `UPDATE categories SET name = COALESCE($2, name), position = COALESCE($3, position), updated_at = now()
         WHERE id = $1`,
        [id, fields.name ?? null, fields.position ?? null],
        transaction,
      );
    },

    async deleteCategory(id: number, transaction: Transaction): Promise<void> {
      await run('DELETE FROM categories WHERE id = $1', [id], transaction);
    },
  };
}

export type AdminRepository = ReturnType<typeof adminRepository>;
