import { type Transaction, UniqueConstraintError } from 'sequelize';
import { CATALOG, productTag } from '../catalog/catalog.tags.ts';
import type { ChangeWriter, RecordChange } from '../platform/changes.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, NotFoundError } from '../platform/errors.ts';
import {
  type AdminRepository,
  adminRepository,
  type CollectionRecord,
} from './admin.repository.ts';
import type { AdminCategory, AdminCollection } from './admin.schemas.ts';

export interface AdminDeps {
  db: Database;
  changes: ChangeWriter;
}

const collectionNotFound = (id: number) =>
  new NotFoundError('COLLECTION_NOT_FOUND', `No gallery has the id ${id}.`);
const categoryNotFound = (id: number) =>
  new NotFoundError('CATEGORY_NOT_FOUND', `No category has the id ${id}.`);
const slugTaken = (slug: string) =>
  new AppError('SLUG_TAKEN', `The address "${slug}" is taken; choose another slug.`, {
    status: 409,
  });

/** Runs `work`; a unique violation (the slug) becomes 409 SLUG_TAKEN. */
async function uniqueSlug<T>(slug: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UniqueConstraintError && slug !== undefined) throw slugTaken(slug);
    throw err;
  }
}

/**
 * Gallery curation and categories. Every write goes through the change
 * writer and invalidates CATALOG, which every list-like read carries; a
 * category rename also invalidates the detail of each product in it (the
 * detail shows the category's name).
 */
export function adminService({ db, changes }: AdminDeps) {
  const repo: AdminRepository = adminRepository(db);

  async function collectionView(
    row: CollectionRecord,
    transaction?: Transaction,
  ): Promise<AdminCollection> {
    return { ...row, items: await repo.itemsOf(row.id, transaction) };
  }

  async function lockCollection(id: number, transaction: Transaction) {
    const row = await repo.lockCollection(id, transaction);
    if (!row) throw collectionNotFound(id);
    return row;
  }

  const collectionChange = (
    record: RecordChange,
    topic: string,
    id: number,
    payload: Record<string, unknown>,
  ) => record({ topic, aggregateType: 'collection', aggregateId: id, payload, tags: [CATALOG] });

  /** Refuses products that do not exist or are not published, naming them. */
  async function assertPublished(ids: number[], transaction: Transaction) {
    const statuses = await repo.lockProductStatuses(ids, transaction);
    const refused = ids.filter((id) => statuses.get(id) !== 'published');
    if (refused.length > 0) {
      throw new AppError(
        'PRODUCTS_NOT_PUBLISHED',
        `Only published works can be curated; these are unknown or not published: ${refused.join(', ')}.`,
        { status: 409, details: { productIds: refused } },
      );
    }
  }

  async function categoryView(id: number, transaction?: Transaction): Promise<AdminCategory> {
    const row = await repo.getCategory(id, transaction);
    if (!row) throw categoryNotFound(id);
    return row;
  }

  return {
    async listCollections() {
      return { items: await repo.listCollections() };
    },

    async getCollection(id: number): Promise<AdminCollection> {
      const row = await repo.getCollection(id);
      if (!row) throw collectionNotFound(id);
      return collectionView(row);
    },

    async createCollection(input: Omit<CollectionRecord, 'id'>): Promise<AdminCollection> {
      return uniqueSlug(input.slug, () =>
        changes.write(async (transaction, record) => {
          const id = await repo.insertCollection(input, transaction);
          collectionChange(record, 'collection.created', id, { slug: input.slug });
          return { id, ...input, items: [] };
        }),
      );
    },

    async updateCollection(
      id: number,
      input: Partial<Omit<CollectionRecord, 'id'>>,
    ): Promise<AdminCollection> {
      return uniqueSlug(input.slug, () =>
        changes.write(async (transaction, record) => {
          const before = await lockCollection(id, transaction);
          await repo.updateCollection(id, input, transaction);
          const fields = Object.keys(input).filter(
            (k) => input[k as keyof typeof input] !== undefined,
          );
          // The old slug too: a renamed gallery's old address must stop answering.
          collectionChange(record, 'collection.updated', id, {
            slug: input.slug ?? before.slug,
            previousSlug: before.slug,
            fields,
          });
          return collectionView({ ...before, ...stripUndefined(input) }, transaction);
        }),
      );
    },

    async deleteCollection(id: number): Promise<void> {
      await changes.write(async (transaction, record) => {
        const before = await lockCollection(id, transaction);
        await repo.deleteCollection(id, transaction);
        collectionChange(record, 'collection.deleted', id, { slug: before.slug });
      });
    },

    /**
     * Replaces the gallery's works and their order in one transaction: all
     * or nothing, positions 0…n-1. Every work must be published.
     */
    async setItems(id: number, productIds: number[]): Promise<AdminCollection> {
      return changes.write(async (transaction, record) => {
        const row = await lockCollection(id, transaction);
        await assertPublished(productIds, transaction);
        await repo.replaceItems(id, productIds, transaction);
        collectionChange(record, 'collection.reordered', id, { slug: row.slug, productIds });
        return collectionView(row, transaction);
      });
    },

    /** Adds one published work at `position` (default last); the ones after it move down one. */
    async addItem(
      id: number,
      productId: number,
      position: number | undefined,
    ): Promise<AdminCollection> {
      return changes.write(async (transaction, record) => {
        const row = await lockCollection(id, transaction);
        await assertPublished([productId], transaction);
        const ids = (await repo.itemsOf(id, transaction)).map((i) => i.productId);
        if (ids.includes(productId)) {
          throw new AppError(
            'ALREADY_IN_COLLECTION',
            `Work ${productId} is already in this gallery; reorder it instead.`,
            {
              status: 409,
            },
          );
        }
        const at = Math.min(position ?? ids.length, ids.length);
        ids.splice(at, 0, productId);
        await repo.replaceItems(id, ids, transaction);
        collectionChange(record, 'collection.item_added', id, {
          slug: row.slug,
          productId,
          position: at,
        });
        return collectionView(row, transaction);
      });
    },

    /** Removes a work from the gallery (idempotent); the ones after it move up, leaving no gap. */
    async removeItem(id: number, productId: number): Promise<void> {
      await changes.write(async (transaction, record) => {
        const row = await lockCollection(id, transaction);
        const ids = (await repo.itemsOf(id, transaction)).map((i) => i.productId);
        if (!ids.includes(productId)) return;
        await repo.replaceItems(
          id,
          ids.filter((p) => p !== productId),
          transaction,
        );
        collectionChange(record, 'collection.item_removed', id, { slug: row.slug, productId });
      });
    },

    async listCategories() {
      return { items: await repo.listCategories() };
    },

    async createCategory(input: {
      slug: string;
      name: string;
      parentSlug: string | null;
      position: number;
    }): Promise<AdminCategory> {
      return uniqueSlug(input.slug, () =>
        changes.write(async (transaction, record) => {
          let parentId: number | null = null;
          if (input.parentSlug !== null) {
            parentId = await repo.categoryIdBySlug(input.parentSlug, transaction);
            if (parentId === null) {
              throw new AppError(
                'PARENT_CATEGORY_NOT_FOUND',
                `No category has the slug "${input.parentSlug}".`,
                {
                  status: 422,
                },
              );
            }
          }
          const id = await repo.insertCategory({ ...input, parentId }, transaction);
          record({
            topic: 'category.created',
            aggregateType: 'category',
            aggregateId: id,
            payload: { slug: input.slug },
            tags: [CATALOG],
          });
          return categoryView(id, transaction);
        }),
      );
    },

    /** Renames or moves a category; the slug stays so its links keep working. */
    async updateCategory(
      id: number,
      input: { name?: string | undefined; position?: number | undefined },
    ) {
      return changes.write(async (transaction, record) => {
        const row = await repo.lockCategory(id, transaction);
        if (!row) throw categoryNotFound(id);
        await repo.updateCategory(id, input, transaction);
        const products =
          input.name === undefined ? [] : await repo.productIdsInCategory(id, transaction);
        record({
          topic: 'category.updated',
          aggregateType: 'category',
          aggregateId: id,
          payload: { slug: row.slug, ...stripUndefined(input) },
          tags: [CATALOG, ...products.map(productTag)],
        });
        return categoryView(id, transaction);
      });
    },

    /** Deletes a category nothing uses; otherwise 409 CATEGORY_IN_USE with the counts. */
    async deleteCategory(id: number): Promise<void> {
      await changes.write(async (transaction, record) => {
        const row = await repo.lockCategory(id, transaction);
        if (!row) throw categoryNotFound(id);
        const usage = await repo.categoryUsage(id, transaction);
        if (usage.products > 0 || usage.subcategories > 0) {
          throw new AppError(
            'CATEGORY_IN_USE',
            `The category "${row.slug}" still has ${usage.products} product(s) and ${usage.subcategories} subcategory(ies); move them elsewhere first.`,
            { status: 409, details: usage },
          );
        }
        await repo.deleteCategory(id, transaction);
        record({
          topic: 'category.deleted',
          aggregateType: 'category',
          aggregateId: id,
          payload: { slug: row.slug },
          tags: [CATALOG],
        });
      });
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type AdminService = ReturnType<typeof adminService>;
