import { z } from 'zod';

export const Money = z
  .object({
    amountMinor: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Amount in minor units (cents)', example: 12500 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .meta({ example: 'EUR' }),
  })
  .meta({ id: 'Money' });

export const Image = z
  .object({
    url: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    alt: z.string(),
    contentType: z.string(),
  })
  .meta({ id: 'Image' });

const Ref = z.object({ slug: z.string(), name: z.string() });

export const ProductSummary = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    title: z.string(),
    kind: z.enum(['physical', 'digital']),
    price: Money,
    artist: Ref.nullable(),
    category: Ref.nullable(),
    image: Image.nullable(),
    publishedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'ProductSummary' });

export const ProductDetail = ProductSummary.extend({
  description: z.string(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  images: z.array(Image),
  /** Stock state at the time of the read; islands ask /availability for live values. */
  stock: z.object({ tracked: z.boolean(), available: z.number().int().min(0).nullable() }),
}).meta({ id: 'ProductDetail' });

export const ProductPage = z
  .object({
    items: z.array(ProductSummary),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
  })
  .meta({ id: 'ProductPage' });

export const ListProductsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(24)
    .meta({ description: 'Items per page (1–100)' }),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
    .optional(),
});

export const ProductSlugParams = z.object({
  slug: z
    .string()
    .max(120)
    .regex(
      /^[a-z0-9]+(-[a-z0-9]+)*$/,
      'must be a product slug: lower-case letters, digits and dashes',
    ),
});

export type ProductSummary = z.infer<typeof ProductSummary>;
export type ProductDetail = z.infer<typeof ProductDetail>;
export type ProductPage = z.infer<typeof ProductPage>;
