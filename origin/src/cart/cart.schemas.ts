import { z } from 'zod';
import { Money } from '../catalog/catalog.schemas.ts';

export const AddItemBody = z
  .object({
    productId: z.number().int().positive(),
    quantity: z.number().int().min(1).max(99).default(1),
  })
  .meta({ id: 'AddCartItemRequest' });

export const SetQuantityBody = z
  .object({ quantity: z.number().int().min(1).max(99) })
  .meta({ id: 'SetCartItemQuantityRequest' });

export const CartItemParams = z.object({ id: z.coerce.number().int().positive() });

export const CartItemState = z
  .enum(['ok', 'price_changed', 'insufficient_stock', 'sold_out', 'unavailable'])
  .meta({
    id: 'CartItemState',
    description:
      'ok; price_changed since it was added; insufficient_stock (fewer left than wanted); sold_out; unavailable (no longer sold)',
  });

export const CartItem = z
  .object({
    id: z.number().int(),
    product: z.object({
      id: z.number().int(),
      slug: z.string(),
      title: z.string(),
      kind: z.enum(['physical', 'digital']),
      imageUrl: z.string().nullable(),
    }),
    quantity: z.number().int(),
    unitPrice: Money,
    /** The price when it was added; differs from unitPrice when the price changed. */
    addedPrice: Money,
    lineTotal: Money,
    /** Units that can still be bought; null when not stock-tracked. */
    available: z.number().int().nullable(),
    state: CartItemState,
  })
  .meta({ id: 'CartItem' });

export const Cart = z
  .object({
    items: z.array(CartItem),
    /** Sum of the lines that can be bought now; null while the cart is empty. */
    subtotal: Money.nullable(),
    itemCount: z.number().int(),
    /** True when some line needs the shopper's attention before checkout. */
    hasIssues: z.boolean(),
  })
  .meta({ id: 'Cart' });

export type Cart = z.infer<typeof Cart>;
export type CartItem = z.infer<typeof CartItem>;
