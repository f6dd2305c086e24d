import { z } from 'zod';
import { IdParam, ListWorksQuery } from '../studio/index.ts';

export const CollectionIdParams = z.object({ id: IdParam });
export const CollectionItemParams = z.object({ id: IdParam, productId: IdParam });
export const CategoryIdParams = z.object({ id: IdParam });
export const ProductIdParams = z.object({ id: IdParam });

const Slug = z
  .string()
  .trim()
  .min(2)
  .max(80)
  .regex(
    /^[a-z0-9]+(-[a-z0-9]+)*$/,
    'must be lower-case letters, digits and single dashes, like "new-arrivals"',
  );

const Position = z
  .number()
  .int()
  .min(0)
  .max(1_000_000)
  .meta({ description: 'Sort position among its siblings, ascending' });

export const CreateCollectionBody = z
  .object({
    slug: Slug,
    title: z.string().trim().min(1, 'is required').max(200),
    description: z.string().trim().max(5000).default(''),
    featured: z.boolean().default(false),
    position: Position.default(0),
  })
  .meta({ id: 'CreateCollectionRequest' });

export const UpdateCollectionBody = z
  .object({
    slug: Slug.optional(),
    title: z.string().trim().min(1, 'is required').max(200).optional(),
    description: z.string().trim().max(5000).optional(),
    featured: z.boolean().optional(),
    position: Position.optional(),
  })
  .refine(
    (body) => Object.values(body).some((v) => v !== undefined),
    'name at least one field to change',
  )
  .meta({ id: 'UpdateCollectionRequest' });

const ProductId = z.number().int().positive();

export const SetCollectionItemsBody = z
  .object({
    productIds: z
      .array(ProductId)
      .max(1000)
      .refine((ids) => new Set(ids).size === ids.length, 'names a work more than once')
      .meta({
        description: 'Every work of the gallery, in order; replaces the whole list at once',
      }),
  })
  .meta({ id: 'SetCollectionItemsRequest' });

export const AddCollectionItemBody = z
  .object({
    productId: ProductId,
    position: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Where to insert (0 = first); default last' }),
  })
  .meta({ id: 'AddCollectionItemRequest' });

export const CollectionItem = z.object({
  productId: z.number().int(),
  slug: z.string(),
  title: z.string(),
  status: z.enum(['draft', 'published', 'archived']),
  position: z.number().int(),
});

export const AdminCollection = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    title: z.string(),
    description: z.string(),
    featured: z.boolean(),
    position: z.number().int(),
    items: z.array(CollectionItem),
  })
  .meta({ id: 'AdminCollection' });

export const AdminCollectionList = z
  .object({
    items: z.array(AdminCollection.omit({ items: true }).extend({ itemCount: z.number().int() })),
  })
  .meta({ id: 'AdminCollectionList' });

export const CreateCategoryBody = z
  .object({
    slug: Slug,
    name: z.string().trim().min(1, 'is required').max(120),
    parentSlug: Slug.nullable().default(null),
    position: Position.default(0),
  })
  .meta({ id: 'CreateCategoryRequest' });

export const UpdateCategoryBody = z
  .object({
    name: z.string().trim().min(1, 'is required').max(120).optional(),
    position: Position.optional(),
  })
  .refine(
    (body) => body.name !== undefined || body.position !== undefined,
    'name at least one field to change',
  )
  .meta({
    id: 'UpdateCategoryRequest',
    description: 'The slug stays as it is so links keep working',
  });

export const AdminCategory = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    name: z.string(),
    parentSlug: z.string().nullable(),
    position: z.number().int(),
    productCount: z.number().int().meta({ description: 'Products in any status' }),
  })
  .meta({ id: 'AdminCategory' });

export const AdminCategoryList = z
  .object({ items: z.array(AdminCategory) })
  .meta({ id: 'AdminCategoryList' });

export const AdjustStockBody = z
  .object({
    delta: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((d) => d !== 0, 'must not be 0')
      .meta({ description: 'Units to add (negative to remove)' }),
    reason: z
      .string()
      .trim()
      .min(3, 'say why, in a few words')
      .max(500)
      .meta({ example: 'Stock count after the spring fair' }),
  })
  .meta({ id: 'AdjustStockRequest' });

/** Any product, any status: the same paging and filter as an artist's own list. */
export const AdminProductsQuery = ListWorksQuery;

export type AdminCollection = z.infer<typeof AdminCollection>;
export type AdminCategory = z.infer<typeof AdminCategory>;
