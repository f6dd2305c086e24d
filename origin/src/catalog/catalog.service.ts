import { AppError, NotFoundError } from '../platform/errors.ts';
import type {
  CatalogRepository,
  ImageRow,
  ListPosition,
  ProductListRow,
} from './catalog.repository.ts';
import type { ProductDetail, ProductPage, ProductSummary } from './catalog.schemas.ts';

/** Where product images are served from; the storage interface will own this. */
const MEDIA_PREFIX = '/media/';

const imageOf = (image: ImageRow) => ({
  url: `${MEDIA_PREFIX}${image.storageKey}`,
  width: image.width,
  height: image.height,
  alt: image.alt,
  contentType: image.contentType,
});

function toSummary(row: ProductListRow): ProductSummary {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    kind: row.kind,
    price: { amountMinor: row.priceMinor, currency: row.currency },
    artist:
      row.artistSlug && row.artistName ? { slug: row.artistSlug, name: row.artistName } : null,
    category:
      row.categorySlug && row.categoryName
        ? { slug: row.categorySlug, name: row.categoryName }
        : null,
    image:
      row.imageKey && row.imageWidth && row.imageHeight && row.imageContentType
        ? imageOf({
            storageKey: row.imageKey,
            width: row.imageWidth,
            height: row.imageHeight,
            alt: row.imageAlt ?? '',
            contentType: row.imageContentType,
          })
        : null,
    publishedAt: new Date(row.publishedAt).toISOString(),
  };
}

/** Opaque to clients: base64url of `[publishedAt ISO, id]`. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.publishedAt.toISOString(), position.id])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): ListPosition {
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
  const [at, id] = value as [unknown, unknown];
  const publishedAt = typeof at === 'string' ? new Date(at) : new Date(Number.NaN);
  if (Number.isNaN(publishedAt.getTime()) || !Number.isSafeInteger(id) || (id as number) < 1)
    throw invalid();
  return { publishedAt, id: id as number };
}

export function catalogService(repository: CatalogRepository) {
  return {
    async listProducts(query: {
      limit: number;
      cursor?: string | undefined;
    }): Promise<ProductPage> {
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = await repository.listPublished(query.limit + 1, after);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toSummary),
        nextCursor:
          rows.length > query.limit && last
            ? encodeCursor({ publishedAt: new Date(last.publishedAt), id: last.id })
            : null,
      };
    },

    async getProduct(slug: string): Promise<ProductDetail> {
      const found = await repository.findPublishedBySlug(slug);
      if (!found)
        throw new NotFoundError(
          'PRODUCT_NOT_FOUND',
          `No published product has the slug "${slug}".`,
        );
      const { row, images } = found;
      const tracked = row.onHand !== null;
      return {
        ...toSummary(row),
        description: row.description,
        attributes: row.attributes,
        images: images.map(imageOf),
        stock: {
          tracked,
          available: tracked ? Math.max(0, (row.onHand ?? 0) - (row.held ?? 0)) : null,
        },
      };
    },
  };
}

export type CatalogService = ReturnType<typeof catalogService>;
