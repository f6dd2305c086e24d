import { randomUUID } from 'node:crypto';
import { ForeignKeyConstraintError, type Transaction, UniqueConstraintError } from 'sequelize';
import { productWriteTags } from '../catalog/catalog.tags.ts';
import type { ChangeWriter, RecordChange } from '../platform/changes.ts';
import type { Database } from '../platform/db/database.ts';
import type { ProductStatus } from '../platform/db/models.ts';
import { AppError, NotFoundError } from '../platform/errors.ts';
import type { Logger } from '../platform/logging.ts';
import type { Storage } from '../platform/storage/index.ts';
import { type ImageLimits, processImage } from './studio.images.ts';
import {
  type ArtistRef,
  type ImageRecord,
  type LockedWork,
  type Scope,
  studioRepository,
  type WorkRow,
} from './studio.repository.ts';
import type {
  CreateWorkInput,
  Stock,
  UpdateWorkInput,
  Work,
  WorkImage,
  WorkSummary,
} from './studio.schemas.ts';
import { firstFreeSlug, slugify } from './studio.slug.ts';

/** Images one work may have: plenty for details and angles, bounded against abuse. */
export const MAX_IMAGES_PER_WORK = 20;

/** Attempts at a create that lost a race for its slug to a concurrent create. */
const SLUG_ATTEMPTS = 3;

export interface WorksDeps {
  db: Database;
  changes: ChangeWriter;
  clock: () => number;
  storage: Storage;
  imageLimits: ImageLimits;
  logger: Logger;
}

/** Who made a change, for the outbox payload. */
export interface Actor {
  userId: number;
  /** Which surface: an artist in the studio or an admin. */
  via: 'studio' | 'admin';
}

const iso = (value: Date | string | null) =>
  value === null ? null : new Date(value).toISOString();

function stockOf(row: { onHand: number | null; held: number | null }): Stock {
  if (row.onHand === null) return { tracked: false, onHand: null, held: 0, available: null };
  const held = row.held ?? 0;
  return { tracked: true, onHand: row.onHand, held, available: Math.max(0, row.onHand - held) };
}

const notFound = (scope: Scope, id: number) =>
  new NotFoundError(
    'PRODUCT_NOT_FOUND',
    scope.kind === 'artist'
      ? `Your studio has no work with the id ${id}.`
      : `No product has the id ${id}.`,
  );

const categoryNotFound = (slug: string) =>
  new AppError(
    'CATEGORY_NOT_FOUND',
    `No category has the slug "${slug}"; pick one from GET /api/v1/categories.`,
    {
      status: 422,
    },
  );

const needsImage = () =>
  new AppError(
    'NEEDS_IMAGE',
    'A published work needs at least one image: upload one first (POST …/images).',
    { status: 409 },
  );

/**
 * The rules of an artist's works and of the admin's hand on any product.
 * Every write goes through the change writer: one transaction with its
 * outbox rows, and the product's cache tags invalidated after the commit.
 * Objects out of scope answer 404, never 403, so ids are not confirmed.
 */
export function worksService(deps: WorksDeps) {
  const { changes, storage, imageLimits, logger, clock } = deps;
  const repo = studioRepository(deps.db);

  const toImage = (image: ImageRecord): WorkImage => ({
    id: image.id,
    url: storage.url(image.storageKey),
    width: image.width,
    height: image.height,
    alt: image.alt,
    contentType: image.contentType,
    position: image.position,
    variants: image.variants.map((v) => ({
      url: storage.url(v.key),
      width: v.width,
      height: v.height,
      contentType: v.contentType,
    })),
  });

  const baseOf = (row: WorkRow) => ({
    id: row.id,
    slug: row.slug,
    title: row.title,
    kind: row.kind,
    status: row.status,
    price: { amountMinor: row.priceMinor, currency: row.currency },
    category:
      row.categorySlug && row.categoryName
        ? { slug: row.categorySlug, name: row.categoryName }
        : null,
    artist:
      row.artistSlug && row.artistName ? { slug: row.artistSlug, name: row.artistName } : null,
    stock: stockOf(row),
    publishedAt: iso(row.publishedAt),
    createdAt: iso(row.createdAt) ?? '',
    updatedAt: iso(row.updatedAt) ?? '',
  });

  const toWork = (row: WorkRow, images: ImageRecord[]): Work => ({
    ...baseOf(row),
    description: row.description,
    attributes: row.attributes,
    images: images.map(toImage),
  });

  async function loadWork(scope: Scope, id: number, transaction?: Transaction): Promise<Work> {
    const row = await repo.getWork(scope, id, transaction);
    if (!row) throw notFound(scope, id);
    return toWork(row, await repo.imagesOf([id], transaction));
  }

  async function lock(scope: Scope, id: number, transaction: Transaction): Promise<LockedWork> {
    const work = await repo.lockWork(scope, id, transaction);
    if (!work) throw notFound(scope, id);
    return work;
  }

  async function categoryId(slug: string | null, transaction: Transaction): Promise<number | null> {
    if (slug === null) return null;
    const id = await repo.categoryIdBySlug(slug, transaction);
    if (id === null) throw categoryNotFound(slug);
    return id;
  }

  const productChange = (
    record: RecordChange,
    topic: string,
    productId: number,
    payload: Record<string, unknown>,
  ) =>
    record({
      topic,
      aggregateType: 'product',
      aggregateId: productId,
      payload,
      tags: productWriteTags(productId),
    });

  /** Moves a work to `status`; a work already there is returned as it is, with no change recorded. */
  async function moveTo(
    scope: Scope,
    id: number,
    status: ProductStatus,
    topic: string,
    actor: Actor,
    allowedFrom: readonly ProductStatus[],
  ): Promise<Work> {
    return changes.write(async (transaction, record) => {
      const work = await lock(scope, id, transaction);
      if (work.status === status || !allowedFrom.includes(work.status))
        return loadWork(scope, id, transaction);
      if (status === 'published') {
        const images = await repo.imagesOf([id], transaction);
        if (images.length === 0) throw needsImage();
      }
      await repo.setStatus(
        id,
        status,
        status === 'published' ? new Date(clock()) : null,
        transaction,
      );
      productChange(record, topic, id, {
        from: work.status,
        to: status,
        slug: work.slug,
        by: actor,
      });
      return loadWork(scope, id, transaction);
    });
  }

  /** Best effort: a stored file the database no longer names costs storage, never correctness. */
  async function deleteStored(keys: string[]) {
    const results = await Promise.allSettled(keys.map((key) => storage.delete(key)));
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected')
        logger.warn({ err: result.reason, key: keys[i] }, 'could not delete a stored image file');
    }
  }

  return {
    /** The artist profile of a signed-in user; 404 when they have not opened one. */
    async artistOf(userId: number): Promise<ArtistRef> {
      const artist = await repo.artistOfUser(userId);
      if (!artist)
        throw new NotFoundError(
          'ARTIST_PROFILE_NOT_FOUND',
          'Open an artist profile first (POST /api/v1/studio/profile).',
        );
      return artist;
    },

    async list(
      scope: Scope,
      query: { status?: ProductStatus | undefined; limit: number; cursor?: string | undefined },
    ): Promise<{ items: WorkSummary[]; nextCursor: string | null }> {
      const rows = await repo.listWorks(scope, {
        status: query.status,
        beforeId: query.cursor ? Number(query.cursor) : null,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const images = await repo.imagesOf(page.map((r) => r.id));
      const items = page.map((row) => {
        const own = images.filter((i) => i.productId === row.id);
        const [cover] = own;
        return { ...baseOf(row), cover: cover ? toImage(cover) : null, imageCount: own.length };
      });
      const last = page.at(-1);
      return { items, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
    },

    get: (scope: Scope, id: number) => loadWork(scope, id),

    /** A new draft; the slug comes from the title and is unique. */
    async create(artist: ArtistRef, input: CreateWorkInput, actor: Actor): Promise<Work> {
      const stock =
        input.stock === undefined ? (input.kind === 'physical' ? 1 : null) : input.stock;
      if (input.kind === 'physical' && stock === null) {
        throw new AppError(
          'STOCK_REQUIRED',
          'A physical work must have a stock figure (its edition size); only digital works can be untracked.',
          { status: 422 },
        );
      }
      const scope: Scope = { kind: 'artist', artistId: artist.id };
      for (let attempt = 1; ; attempt++) {
        try {
          return await changes.write(async (transaction, record) => {
            const category = await categoryId(input.categorySlug, transaction);
            const base = slugify(input.title);
            const slug = firstFreeSlug(base, await repo.slugsLike(base, transaction));
            const id = await repo.insertWork(
              {
                slug,
                title: input.title,
                description: input.description,
                artistId: artist.id,
                categoryId: category,
                priceMinor: input.price.amountMinor,
                currency: input.price.currency,
                kind: input.kind,
                attributes: input.attributes,
              },
              transaction,
            );
            if (stock !== null) await repo.upsertInventory(id, stock, transaction);
            productChange(record, 'product.created', id, {
              slug,
              artistId: artist.id,
              status: 'draft',
              by: actor,
            });
            return loadWork(scope, id, transaction);
          });
        } catch (err) {
          // Two creates with the same title at once: the loser picks the next free slug.
          if (err instanceof UniqueConstraintError && attempt < SLUG_ATTEMPTS) continue;
          if (err instanceof ForeignKeyConstraintError && input.categorySlug)
            throw categoryNotFound(input.categorySlug);
          throw err;
        }
      }
    },

    async update(scope: Scope, id: number, input: UpdateWorkInput, actor: Actor): Promise<Work> {
      try {
        return await changes.write(async (transaction, record) => {
          const work = await lock(scope, id, transaction);
          const fields = {
            ...(input.title === undefined ? {} : { title: input.title }),
            ...(input.description === undefined ? {} : { description: input.description }),
            ...(input.price === undefined
              ? {}
              : { priceMinor: input.price.amountMinor, currency: input.price.currency }),
            ...(input.attributes === undefined ? {} : { attributes: input.attributes }),
            ...(input.categorySlug === undefined
              ? {}
              : { categoryId: await categoryId(input.categorySlug, transaction) }),
          };
          await repo.updateWork(id, fields, transaction);
          const changed = Object.keys(input).filter(
            (k) => input[k as keyof UpdateWorkInput] !== undefined,
          );
          productChange(record, 'product.updated', id, {
            slug: work.slug,
            fields: changed,
            by: actor,
          });
          return loadWork(scope, id, transaction);
        });
      } catch (err) {
        if (err instanceof ForeignKeyConstraintError && input.categorySlug)
          throw categoryNotFound(input.categorySlug);
        throw err;
      }
    },

    /** Draft or archived → published; refused without an image (409 NEEDS_IMAGE). */
    publish: (scope: Scope, id: number, actor: Actor) =>
      moveTo(scope, id, 'published', 'product.published', actor, ['draft', 'archived']),

    /** Any → archived: off the shop, kept for orders and history. */
    archive: (scope: Scope, id: number, actor: Actor) =>
      moveTo(scope, id, 'archived', 'product.archived', actor, ['draft', 'published']),

    /** Published → draft: off the shop until published again. */
    unpublish: (scope: Scope, id: number, actor: Actor) =>
      moveTo(scope, id, 'draft', 'product.unpublished', actor, ['published']),

    /**
     * Sets stock on hand (absolute). `null` stops tracking (digital works
     * only). Never below what is held for orders awaiting payment: the row
     * is locked, so a checkout cannot hold units between check and write.
     */
    async setStock(scope: Scope, id: number, onHand: number | null, actor: Actor): Promise<Work> {
      return changes.write(async (transaction, record) => {
        const work = await lock(scope, id, transaction);
        const current = await repo.lockInventory(id, transaction);
        if (onHand === null) {
          if (work.kind === 'physical') {
            throw new AppError(
              'STOCK_REQUIRED',
              'A physical work must keep a stock figure; only digital works can be untracked.',
              { status: 422 },
            );
          }
          if (!current) return loadWork(scope, id, transaction);
          if (current.held > 0) {
            throw new AppError(
              'STOCK_HELD',
              `${current.held} unit(s) are held for orders awaiting payment; stop tracking once they are paid or released.`,
              { status: 409, details: { held: current.held } },
            );
          }
          await repo.deleteInventory(id, transaction);
        } else {
          if (current?.onHand === onHand) return loadWork(scope, id, transaction);
          if (current && onHand < current.held) throw belowHeld(current.held, onHand);
          await repo.upsertInventory(id, onHand, transaction);
        }
        productChange(record, 'product.stock_changed', id, {
          previous: current?.onHand ?? null,
          onHand,
          by: actor,
        });
        return loadWork(scope, id, transaction);
      });
    },

    /** Adds `delta` (negative to remove) to stock on hand, with the reason kept in the outbox event. */
    async adjustStock(
      scope: Scope,
      id: number,
      delta: number,
      reason: string,
      actor: Actor,
    ): Promise<Work> {
      return changes.write(async (transaction, record) => {
        await lock(scope, id, transaction);
        const current = await repo.lockInventory(id, transaction);
        if (!current) {
          throw new AppError(
            'STOCK_NOT_TRACKED',
            'This product is not stock-tracked; set an absolute stock figure first (PUT …/stock).',
            { status: 409 },
          );
        }
        const onHand = current.onHand + delta;
        if (onHand < current.held) throw belowHeld(current.held, onHand);
        await repo.upsertInventory(id, onHand, transaction);
        productChange(record, 'product.stock_changed', id, {
          previous: current.onHand,
          onHand,
          delta,
          reason,
          by: actor,
        });
        return loadWork(scope, id, transaction);
      });
    },

    /**
     * Checks, re-encodes and stores an uploaded image, then adds it last in
     * the work's gallery. The files are written before the row: a failure
     * afterwards deletes them again, so a row never names a missing file.
     */
    async uploadImage(
      scope: Scope,
      id: number,
      bytes: Buffer,
      alt: string | undefined,
      actor: Actor,
    ) {
      // Ownership and room first: a stranger's id must not cost an image decode.
      const before = await repo.getWork(scope, id);
      if (!before) throw notFound(scope, id);
      if ((await repo.imagesOf([id])).length >= MAX_IMAGES_PER_WORK) throw tooManyImages();
      const processed = await processImage(bytes, imageLimits);
      const folder = `works/${id}/${randomUUID().replaceAll('-', '')}`;
      const files = [processed.original, ...processed.variants].map((file) => ({
        ...file,
        key: `${folder}/${file.name}`,
      }));
      try {
        await Promise.all(files.map((f) => storage.put(f.key, f.bytes, f.contentType)));
        const image = await changes.write(async (transaction, record) => {
          const work = await lock(scope, id, transaction);
          const images = await repo.imagesOf([id], transaction);
          if (images.length >= MAX_IMAGES_PER_WORK) throw tooManyImages();
          const [original, ...variants] = files;
          if (!original) throw new Error('processImage gave no original');
          const inserted = await repo.insertImage(
            {
              productId: id,
              storageKey: original.key,
              contentType: original.contentType,
              width: original.width,
              height: original.height,
              alt: alt ?? work.title,
              position: images.reduce((max, i) => Math.max(max, i.position + 1), 0),
              variants: variants.map((v) => ({
                key: v.key,
                width: v.width,
                height: v.height,
                contentType: v.contentType,
              })),
            },
            transaction,
          );
          productChange(record, 'product.image_added', id, {
            imageId: inserted.id,
            storageKey: inserted.storageKey,
            by: actor,
          });
          return inserted;
        });
        return toImage(image);
      } catch (err) {
        await deleteStored(files.map((f) => f.key));
        throw err;
      }
    },

    async updateImage(scope: Scope, id: number, imageId: number, alt: string, actor: Actor) {
      return changes.write(async (transaction, record) => {
        await lock(scope, id, transaction);
        const image = (await repo.imagesOf([id], transaction)).find((i) => i.id === imageId);
        if (!image) throw imageNotFound(imageId);
        await repo.updateImageAlt(imageId, alt, transaction);
        productChange(record, 'product.image_updated', id, { imageId, by: actor });
        return toImage({ ...image, alt });
      });
    },

    /** Removes an image; the last image of a published work stays (409 NEEDS_IMAGE). */
    async deleteImage(scope: Scope, id: number, imageId: number, actor: Actor): Promise<void> {
      const removed = await changes.write(async (transaction, record) => {
        const work = await lock(scope, id, transaction);
        const images = await repo.imagesOf([id], transaction);
        const image = images.find((i) => i.id === imageId);
        if (!image) throw imageNotFound(imageId);
        if (work.status === 'published' && images.length === 1) throw needsImage();
        await repo.deleteImage(imageId, transaction);
        const rest = images.filter((i) => i.id !== imageId).map((i) => i.id);
        if (rest.length > 0) await repo.renumberImages(id, rest, transaction);
        productChange(record, 'product.image_removed', id, {
          imageId,
          storageKey: image.storageKey,
          by: actor,
        });
        return image;
      });
      await deleteStored([removed.storageKey, ...removed.variants.map((v) => v.key)]);
    },

    /** Sets the order of the work's images; the request names every image exactly once. */
    async reorderImages(scope: Scope, id: number, imageIds: number[], actor: Actor) {
      return changes.write(async (transaction, record) => {
        await lock(scope, id, transaction);
        const images = await repo.imagesOf([id], transaction);
        const current = new Set(images.map((i) => i.id));
        if (imageIds.length !== current.size || !imageIds.every((i) => current.has(i))) {
          throw new AppError(
            'IMAGE_LIST_MISMATCH',
            'Name every image of the work exactly once, in the new order.',
            { status: 409, details: { imageIds: images.map((i) => i.id) } },
          );
        }
        await repo.renumberImages(id, imageIds, transaction);
        productChange(record, 'product.images_reordered', id, { imageIds, by: actor });
        return { images: (await repo.imagesOf([id], transaction)).map(toImage) };
      });
    },

    /** Paid and fulfilled lines of the artist's works: what sold, when, for how much; no buyer data. */
    async sales(artistId: number, query: { limit: number; cursor?: string | undefined }) {
      const after = query.cursor ? decodeSalesCursor(query.cursor) : null;
      const rows = await repo.sales(artistId, query.limit + 1, after);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          date: iso(r.paidAt) ?? '',
          productId: r.productId,
          title: r.title,
          quantity: r.quantity,
          amount: { amountMinor: r.lineTotalMinor, currency: r.currency },
          status: r.status,
        })),
        totals: await repo.salesTotals(artistId),
        nextCursor:
          rows.length > query.limit && last
            ? Buffer.from(JSON.stringify([last.paidAtKey, last.id])).toString('base64url')
            : null,
      };
    },
  };
}

function belowHeld(held: number, onHand: number) {
  return new AppError(
    'STOCK_BELOW_HELD',
    `Stock cannot go below the ${held} unit(s) held for orders awaiting payment (asked for ${onHand}).`,
    { status: 409, details: { held, requested: onHand } },
  );
}

function tooManyImages() {
  return new AppError(
    'TOO_MANY_IMAGES',
    `A work can have at most ${MAX_IMAGES_PER_WORK} images; delete one first.`,
    { status: 409 },
  );
}

function imageNotFound(imageId: number) {
  return new NotFoundError('IMAGE_NOT_FOUND', `This work has no image with the id ${imageId}.`);
}

function decodeSalesCursor(cursor: string): { paidAt: string; id: number } {
  const invalid = () =>
    new AppError(
      'INVALID_CURSOR',
      'The cursor is not one this API returned; start again without a cursor.',
      {
        status: 400,
      },
    );
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalid();
  const [paidAt, id] = value as [unknown, unknown];
  if (typeof paidAt !== 'string' || Number.isNaN(Date.parse(paidAt))) throw invalid();
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw invalid();
  return { paidAt, id };
}

export type WorksService = ReturnType<typeof worksService>;
