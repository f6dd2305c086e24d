import { z } from 'zod';
import { IdParam } from '../studio/index.ts';

export const FavoriteParams = z.object({ productId: IdParam });

export const FavoritesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor returned by a previous page')
    .optional(),
});

const Ref = z.object({ slug: z.string(), name: z.string() });

export const FavoriteProduct = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    title: z.string(),
    kind: z.enum(['physical', 'digital']),
    price: z.object({ amountMinor: z.number().int(), currency: z.string() }),
    artist: Ref.nullable(),
    image: z
      .object({
        url: z.string(),
        width: z.number().int(),
        height: z.number().int(),
        alt: z.string(),
        contentType: z.string(),
      })
      .nullable(),
    publishedAt: z.string(),
  })
  .meta({ id: 'FavoriteProduct' });

export const FavoritePage = z
  .object({
    items: z.array(
      z.object({
        addedAt: z.string().meta({ format: 'date-time' }),
        product: FavoriteProduct,
      }),
    ),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
  })
  .meta({
    id: 'FavoritePage',
    description: 'Your favourites that are on sale now, most recently added first',
  });

export type FavoritePage = z.infer<typeof FavoritePage>;
