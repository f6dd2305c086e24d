import { z } from 'zod';

/*
 * Request and response shapes of the studio (an artist's own works). The
 * admin catalogue routes reuse the work and stock shapes.
 */

/** A database id in a path: digits only (no `1e3`, `0x10` or `-1` sneaking through Number()). */
export const IdParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive whole number')
  .transform(Number);

export const WorkIdParams = z.object({ id: IdParam });
export const WorkImageParams = z.object({ id: IdParam, imageId: IdParam });

/** ISO 4217 codes this runtime knows (ICU's list), so `EUR` passes and `EUX` does not. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const MoneyInput = z
  .object({
    amountMinor: z
      .number()
      .int('must be a whole number of minor units (cents)')
      .min(0)
      .max(2_147_483_647)
      .meta({ description: 'Amount in minor units (cents)', example: 12500 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals, like EUR')
      .refine((code) => CURRENCIES.has(code), 'is not an ISO 4217 currency code')
      .meta({ example: 'EUR' }),
  })
  .meta({ id: 'MoneyInput' });

const AttributeKey = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]{0,39}$/,
    'attribute names are 1–40 letters, digits or _, starting with a letter',
  );

/** Free-form facts about a work (medium, year, ISBN…): strings, numbers or booleans, no nesting. */
export const Attributes = z
  .record(AttributeKey, z.union([z.string().max(500), z.number().finite(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= 40, 'at most 40 attributes')
  .meta({
    id: 'Attributes',
    example: { medium: 'Oil on linen', year: 2024, framed: true },
  });

const CategorySlug = z
  .string()
  .max(80)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a category slug')
  .meta({ description: 'Slug of an existing category; null for none' });

const Title = z.string().trim().min(1, 'is required').max(200);
const Description = z.string().trim().max(20_000);

/** Stock on hand (edition size still available); null = not stock-tracked (digital only). */
const OnHand = z.number().int().min(0).max(1_000_000);

export const CreateWorkBody = z
  .object({
    title: Title,
    description: Description.default(''),
    price: MoneyInput,
    kind: z.enum(['physical', 'digital']),
    attributes: Attributes.default({}),
    categorySlug: CategorySlug.nullable().default(null),
    stock: OnHand.nullable().optional().meta({
      description:
        'Units on hand (the edition size). null: not stock-tracked, digital works only. Default: 1 for a physical work (an original), null for a digital one.',
    }),
  })
  .meta({ id: 'CreateWorkRequest' });

export const UpdateWorkBody = z
  .object({
    title: Title.optional(),
    description: Description.optional(),
    price: MoneyInput.optional(),
    attributes: Attributes.optional(),
    categorySlug: CategorySlug.nullable().optional(),
  })
  .refine(
    (body) => Object.values(body).some((v) => v !== undefined),
    'name at least one field to change',
  )
  .meta({
    id: 'UpdateWorkRequest',
    description:
      'Fields to change; the slug stays as it is so links keep working, and the kind cannot change.',
  });

export const SetStockBody = z
  .object({
    onHand: OnHand.nullable().meta({
      description:
        'Units on hand, at least what is held for pending orders; null: stop tracking (digital works only)',
    }),
  })
  .meta({ id: 'SetStockRequest' });

export const ListWorksQuery = z.object({
  status: z.enum(['draft', 'published', 'archived']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(24),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'must be a nextCursor returned by a previous page')
    .optional(),
});

export const UploadImageQuery = z.object({
  alt: z.string().trim().max(500).optional().meta({
    description:
      "Text alternative for people who cannot see the image; defaults to the work's title",
  }),
});

export const UpdateImageBody = z
  .object({ alt: z.string().trim().max(500) })
  .meta({ id: 'UpdateImageRequest' });

export const ReorderImagesBody = z
  .object({
    imageIds: z
      .array(z.number().int().positive())
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, 'names an image more than once')
      .meta({ description: 'Every image of the work, in the new order; the first is the cover' }),
  })
  .meta({ id: 'ReorderImagesRequest' });

export const SalesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor returned by a previous page')
    .optional(),
});

export const Money = z
  .object({ amountMinor: z.number().int(), currency: z.string() })
  .meta({ id: 'MoneyAmount' });

export const ImageVariant = z
  .object({
    url: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    contentType: z.string(),
  })
  .meta({ id: 'ImageVariant' });

export const WorkImage = z
  .object({
    id: z.number().int(),
    url: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    alt: z.string(),
    contentType: z.string(),
    position: z.number().int().min(0),
    variants: z
      .array(ImageVariant)
      .meta({ description: 'WebP copies for srcset, narrowest first' }),
  })
  .meta({ id: 'WorkImage' });

export const Stock = z
  .object({
    tracked: z.boolean(),
    onHand: z.number().int().nullable(),
    held: z.number().int().meta({ description: 'Units held for orders awaiting payment' }),
    available: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'onHand − held; null when not tracked' }),
  })
  .meta({ id: 'Stock' });

const Ref = z.object({ slug: z.string(), name: z.string() });

export const Work = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    title: z.string(),
    description: z.string(),
    kind: z.enum(['physical', 'digital']),
    status: z.enum(['draft', 'published', 'archived']),
    price: Money,
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    category: Ref.nullable(),
    artist: Ref.nullable(),
    stock: Stock,
    images: z.array(WorkImage),
    publishedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Work' });

export const WorkSummary = Work.omit({ description: true, attributes: true, images: true })
  .extend({ cover: WorkImage.nullable(), imageCount: z.number().int() })
  .meta({ id: 'WorkSummary' });

export const WorkPage = z
  .object({
    items: z.array(WorkSummary),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
  })
  .meta({ id: 'WorkPage' });

export const WorkImages = z.object({ images: z.array(WorkImage) }).meta({ id: 'WorkImages' });

export const Sale = z
  .object({
    date: z.string().meta({ description: 'When the order was paid', format: 'date-time' }),
    productId: z.number().int(),
    title: z.string().meta({ description: 'Title at the time of sale' }),
    quantity: z.number().int(),
    amount: Money,
    status: z.enum(['paid', 'fulfilled']),
  })
  .meta({ id: 'Sale', description: 'One sold line; no buyer data' });

export const SalesPage = z
  .object({
    items: z.array(Sale),
    totals: z
      .array(
        z.object({
          currency: z.string(),
          amountMinor: z.number().int(),
          quantity: z.number().int(),
        }),
      )
      .meta({ description: 'All paid and fulfilled sales, per currency' }),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'SalesPage' });

export type Work = z.infer<typeof Work>;
export type WorkSummary = z.infer<typeof WorkSummary>;
export type WorkImage = z.infer<typeof WorkImage>;
export type Stock = z.infer<typeof Stock>;
export type CreateWorkInput = z.output<typeof CreateWorkBody>;
export type UpdateWorkInput = z.output<typeof UpdateWorkBody>;
