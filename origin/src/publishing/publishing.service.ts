import type { Config } from '../config.ts';
import { AppError, UnavailableError } from '../platform/errors.ts';
import { ATTRIBUTE_KEYS, SHOP_DEFINITIONS, type Shop } from '../seed/index.ts';
import {
  artistPath,
  categoryPath,
  factsNeeded,
  galleryPath,
  HOME_LIST_SIZE,
  productPath,
  stalePages,
} from './publishing.pages.ts';
import type {
  ArtistRow,
  ProductRow,
  PublishingRepository,
  ShopFactsRow,
  Snapshot,
} from './publishing.repository.ts';
import type {
  ChangeFeed,
  ExportArtist,
  ExportEnd,
  ExportProduct,
  ExportRecord,
  ExportShop,
} from './publishing.schemas.ts';

/** Rows per query: bounds memory whatever the size of the catalogue. */
export const DEFAULT_BATCH_SIZE = 1000;

/** NDJSON is written in chunks of about this many bytes, not one write per record. */
const CHUNK_BYTES = 64 * 1024;

/** Where product images are served from until the storage interface is wired into config. */
const MEDIA_PREFIX = '/media/';

export interface PublishingOptions {
  /** Rows fetched per query (products, artists, collections). Default 1000. */
  batchSize?: number;
  /** Seeded shop assumed when the categories match none (SEED_SHOP). */
  defaultShop?: Config['seed']['shop'];
  /** Public URL of a stored image; `/media/<key>` by default. */
  mediaUrl?: (storageKey: string) => string;
}

export interface ExportRequest {
  /** A cursor: export only what changed after it. */
  since?: string | undefined;
  /** Which kind of shop to describe in the `shop` record; detected from the categories when absent. */
  shop?: Shop | undefined;
}

/** The outbox position of a cursor, or INVALID_CURSOR (400). */
export function parseCursor(cursor: string): number {
  const value = /^(0|[1-9][0-9]{0,15})$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new AppError(
      'INVALID_CURSOR',
      `"${cursor.slice(0, 40)}" is not a change cursor. Use the \`cursor\` of a catalogue export's end record or the \`nextCursor\` of a change feed page (a whole number such as "1042").`,
      { status: 400 },
    );
  }
  return value;
}

function cursorAhead(cursor: number, head: number): AppError {
  return new AppError(
    'CURSOR_AHEAD',
    `The cursor ${cursor} is past the newest change (${head}): the catalogue was probably reset or restored. Run a full catalogue export and continue from its cursor.`,
    { status: 409, details: { head: String(head) } },
  );
}

/** PostgreSQL's lock_not_available: writers held the outbox longer than the lock timeout. */
const isLockTimeout = (err: unknown) =>
  (err as { parent?: { code?: unknown } } | null)?.parent?.code === '55P03';

/**
 * A seeded shop is recognised by its categories: the one whose definition
 * names every category in the database. Anything else is a shop of its own.
 */
export function detectShop(categoryNames: readonly string[]): Shop | null {
  if (categoryNames.length === 0) return null;
  const matches = (Object.keys(SHOP_DEFINITIONS) as Shop[]).filter((shop) => {
    const known = new Set(SHOP_DEFINITIONS[shop].categories);
    return categoryNames.every((name) => known.has(name));
  });
  return matches.length === 1 ? (matches[0] ?? null) : null;
}

function shopRecord(facts: ShopFactsRow, requested: Shop | undefined, fallback: Shop): ExportShop {
  const detected = requested ?? detectShop(facts.categoryNames);
  const definition = SHOP_DEFINITIONS[detected ?? fallback];
  return {
    type: 'shop',
    formatVersion: 1,
    kind: detected,
    name: definition.name,
    currency: facts.currency ?? definition.currency,
    makerNoun: definition.makerNoun,
    attributeKeys: [...ATTRIBUTE_KEYS[detected ?? fallback]],
  };
}

const iso = (value: Date | string) => new Date(value).toISOString();

const artistRecord = (row: ArtistRow): ExportArtist => ({
  type: 'artist',
  id: row.id,
  slug: row.slug,
  path: artistPath(row.slug),
  name: row.name,
  bio: row.bio,
  updatedAt: iso(row.updatedAt),
});

/** Pages of rows by ascending id until a short page says there are no more. */
async function* keyset<T extends { id: number }>(
  fetch: (after: number, limit: number) => Promise<T[]>,
  size: number,
): AsyncGenerator<T[]> {
  let after = 0;
  for (;;) {
    const rows = await fetch(after, size);
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (rows.length < size || !last) return;
    after = last.id;
  }
}

/** Keyset pages of ids, each turned into rows by `load` (which may return fewer: unpublished). */
async function* idPages<T>(
  ids: (after: number, limit: number) => Promise<number[]>,
  load: (ids: number[]) => Promise<T[]>,
  size: number,
): AsyncGenerator<{ ids: number[]; rows: T[] }> {
  let after = 0;
  for (;;) {
    const page = await ids(after, size);
    if (page.length > 0) yield { ids: page, rows: await load(page) };
    const last = page.at(-1);
    if (page.length < size || last === undefined) return;
    after = last;
  }
}

/** The records as NDJSON text: one JSON object per line, grouped into chunks for fewer writes. */
export async function* ndjson(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  let chunk = '';
  for await (const record of records) {
    chunk += `${JSON.stringify(record)}\n`;
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export function publishingService(
  repository: PublishingRepository,
  options: PublishingOptions = {},
) {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const fallbackShop = options.defaultShop ?? 'gallery';
  const mediaUrl = options.mediaUrl ?? ((key: string) => `${MEDIA_PREFIX}${key}`);

  const productRecord = (row: ProductRow): ExportProduct => ({
    type: 'product',
    id: row.id,
    slug: row.slug,
    path: productPath(row.slug),
    title: row.title,
    description: row.description,
    kind: row.kind,
    price: { amountMinor: row.priceMinor, currency: row.currency },
    attributes: row.attributes,
    artistId: row.artistId,
    categoryId: row.categoryId,
    images: row.images.map((image) => ({
      url: mediaUrl(image.storageKey),
      width: image.width,
      height: image.height,
      alt: image.alt,
      contentType: image.contentType,
      ...(image.variants.length > 0 && {
        variants: image.variants.map((v) => ({ url: mediaUrl(v.key), width: v.width })),
      }),
    })),
    collections: row.collections,
    favourites: row.favourites,
    publishedAt: iso(row.publishedAt),
    updatedAt: iso(row.updatedAt),
  });

  async function openSnapshot(): Promise<Snapshot> {
    try {
      return await repository.openSnapshot();
    } catch (err) {
      if (isLockTimeout(err))
        throw new UnavailableError(
          'CATALOG_WRITES_IN_PROGRESS',
          'Catalogue writes held the change log for too long to take a consistent snapshot. Try again in a moment.',
          err,
        );
      throw err;
    }
  }

  /** Every record of the export, read from one snapshot in keyset batches. */
  async function* records(
    snapshot: Snapshot,
    since: number | null,
    shop: Shop | undefined,
  ): AsyncGenerator<ExportRecord> {
    const counts: ExportEnd['counts'] = {
      categories: 0,
      artists: 0,
      collections: 0,
      products: 0,
      removed: 0,
    };
    yield shopRecord(await snapshot.shopFacts(), shop, fallbackShop);
    const home = await snapshot.home(HOME_LIST_SIZE);
    yield {
      type: 'home',
      featuredCollectionIds: home.featuredCollectionIds,
      newProductIds: home.newProductIds,
      popularProductIds: home.popular.map((p) => p.id),
    };

    for await (const rows of keyset(snapshot.categories, batchSize)) {
      for (const row of rows) {
        counts.categories++;
        yield { type: 'category', ...row, path: categoryPath(row.slug) };
      }
    }

    if (since === null) {
      for await (const rows of keyset(snapshot.artists, batchSize)) {
        for (const row of rows) {
          counts.artists++;
          yield artistRecord(row);
        }
      }
    } else {
      const touched = (after: number, limit: number) =>
        snapshot.touchedArtistIds(since, after, limit);
      for await (const page of idPages(touched, snapshot.artistsByIds, batchSize)) {
        const found = new Map(page.rows.map((row) => [row.id, row]));
        for (const id of page.ids) {
          const row = found.get(id);
          if (row) counts.artists++;
          else counts.removed++;
          yield row ? artistRecord(row) : { type: 'removed', entity: 'artist', id };
        }
      }
    }

    for await (const rows of keyset(snapshot.collections, batchSize)) {
      for (const row of rows) {
        counts.collections++;
        yield {
          type: 'collection',
          id: row.id,
          slug: row.slug,
          path: galleryPath(row.slug),
          title: row.title,
          description: row.description,
          featured: row.featured,
          position: row.position,
          productIds: row.productIds,
          updatedAt: iso(row.updatedAt),
        };
      }
    }

    if (since === null) {
      for await (const rows of keyset(snapshot.products, batchSize)) {
        for (const row of rows) {
          counts.products++;
          yield productRecord(row);
        }
      }
    } else {
      const touched = (after: number, limit: number) =>
        snapshot.touchedProductIds(since, after, limit);
      for await (const page of idPages(touched, snapshot.productsByIds, batchSize)) {
        const found = new Map(page.rows.map((row) => [row.id, row]));
        for (const id of page.ids) {
          const row = found.get(id);
          if (row) counts.products++;
          else counts.removed++;
          // Not published any more (or gone): its page must go.
          yield row ? productRecord(row) : { type: 'removed', entity: 'product', id };
        }
      }
    }

    yield {
      type: 'end',
      cursor: String(snapshot.head),
      since: since === null ? null : String(since),
      counts,
    };
  }

  return {
    /**
     * Starts an export. The returned iterator has already produced its first
     * record, so a bad cursor or an unavailable database is thrown here,
     * before anything is sent. The snapshot closes when the iteration ends,
     * fails or is abandoned through `return()`.
     */
    async openExport(request: ExportRequest = {}): Promise<AsyncIterable<ExportRecord>> {
      const since = request.since === undefined ? null : parseCursor(request.since);
      const snapshot = await openSnapshot();
      async function* guarded(): AsyncGenerator<ExportRecord> {
        let failed = true;
        try {
          if (since !== null && since > snapshot.head) throw cursorAhead(since, snapshot.head);
          yield* records(snapshot, since, request.shop);
          failed = false;
        } finally {
          await snapshot.close(failed).catch((err: unknown) => {
            // A failed close must not hide the error that ended the export.
            if (!failed) throw err;
          });
        }
      }
      const iterator = guarded();
      // Started, so its `finally` (which closes the snapshot) runs on return() too.
      const first = await iterator.next();
      return {
        async *[Symbol.asyncIterator]() {
          if (first.done) return;
          let completed = false;
          try {
            yield first.value;
            yield* { [Symbol.asyncIterator]: () => iterator };
            completed = true;
          } finally {
            if (!completed) await iterator.return(undefined);
          }
        },
      };
    },

    /** One page of the change feed after `after`, with the pages it made stale. */
    async changes(request: { after: string; limit: number }): Promise<ChangeFeed> {
      const after = parseCursor(request.after);
      const snapshot = await openSnapshot();
      let failed = true;
      try {
        if (after > snapshot.head) throw cursorAhead(after, snapshot.head);
        const rows = await snapshot.events(after, request.limit + 1);
        const events = rows.slice(0, request.limit);
        const facts = await snapshot.pageFacts(factsNeeded(events), HOME_LIST_SIZE);
        const { paths, fullRebuild } = stalePages(events, facts);
        failed = false;
        return {
          after: String(after),
          nextCursor: String(events.at(-1)?.id ?? after),
          hasMore: rows.length > request.limit,
          fullRebuild,
          paths,
          events: events.map((event) => ({
            id: event.id,
            topic: event.topic,
            aggregateType: event.aggregateType,
            aggregateId: event.aggregateId,
            payload: event.payload,
            createdAt: iso(event.createdAt),
          })),
        };
      } finally {
        await snapshot.close(failed).catch((err: unknown) => {
          if (!failed) throw err;
        });
      }
    },
  };
}

export type PublishingService = ReturnType<typeof publishingService>;
