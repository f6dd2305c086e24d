import { z } from 'zod';
import { Money } from '../catalog/catalog.schemas.ts';

const addressLines = {
  name: z.string().trim().min(1, 'is required').max(120),
  line1: z.string().trim().min(1, 'is required').max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1, 'is required').max(120),
  postalCode: z.string().trim().min(1, 'is required').max(20),
};

/** An address as the shopper types it; the country code is upper-cased. */
export const AddressInput = z
  .object({
    ...addressLines,
    /** ISO 3166-1 alpha-2. */
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code like DE')
      .transform((c) => c.toUpperCase()),
  })
  .meta({ id: 'AddressInput' });

/** An address as stored and shown. */
export const Address = z
  .object({ ...addressLines, country: z.string().regex(/^[A-Z]{2}$/) })
  .meta({ id: 'Address' });

export const OrderStatus = z.enum([
  'pending_payment',
  'paid',
  'fulfilled',
  'cancelled',
  'refunded',
]);

export const OrderItem = z
  .object({
    productId: z.number().int(),
    slug: z.string().nullable(),
    title: z.string(),
    kind: z.enum(['physical', 'digital']),
    quantity: z.number().int(),
    unitPrice: Money,
    lineTotal: Money,
  })
  .meta({ id: 'OrderItem' });

export const Order = z
  .object({
    id: z.uuid(),
    number: z.number().int(),
    status: OrderStatus,
    email: z.string(),
    items: z.array(OrderItem),
    subtotal: Money,
    total: Money,
    shippingAddress: Address.nullable(),
    createdAt: z.string(),
    paidAt: z.string().nullable(),
    fulfilledAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    /** While pending: when the held stock is released if payment has not completed. */
    holdExpiresAt: z.string().nullable(),
    payment: z
      .object({
        provider: z.string(),
        status: z.enum(['pending', 'authorized', 'captured', 'failed', 'refunded', 'cancelled']),
        failureCode: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'Order' });

export const OrderIdParams = z.object({ id: z.uuid('must be an order id') });

export const OrderListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** Orders placed before this order number (the list is newest first). */
  before: z.coerce.number().int().min(1).optional(),
});

export const AdminOrderListQuery = OrderListQuery.extend({ status: OrderStatus.optional() });

export const OrderList = z
  .object({ items: z.array(Order), nextBefore: z.number().int().nullable() })
  .meta({ id: 'OrderList' });

export const Download = z
  .object({
    productId: z.number().int(),
    title: z.string(),
    url: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'Download' });

export type Order = z.infer<typeof Order>;
export type Address = z.infer<typeof Address>;
