import { z } from 'zod';
import { Money } from '../catalog/catalog.schemas.ts';
import { AddressInput, Order } from '../orders/orders.schemas.ts';

const CardPayment = z
  .object({
    type: z.literal('card'),
    /** Test processor only. Spaces are ignored. */
    number: z
      .string()
      .transform((n) => n.replace(/[\s-]/g, ''))
      .pipe(z.string().regex(/^\d{12,19}$/, 'must be a card number of 12 to 19 digits'))
      // For the document: 12 to 19 digits, spaces and dashes between them ignored.
      .meta({ pattern: '^[ -]*([0-9][ -]*){12,19}$' }),
    expMonth: z.number().int().min(1).max(12),
    expYear: z.number().int().min(2000).max(2100),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .meta({
    id: 'CardPayment',
    description: 'Test card details (the built-in test processor only).',
  });

const StripePayment = z
  .object({
    type: z.literal('stripe'),
    paymentMethodId: z
      .string()
      .regex(/^pm_[A-Za-z0-9_]+$/, 'must be a Stripe PaymentMethod id (pm_…)'),
  })
  .meta({ id: 'StripePayment' });

export const CheckoutBody = z
  .object({
    payment: z.discriminatedUnion('type', [CardPayment, StripePayment]),
    /** Required when the cart holds a physical work. */
    shippingAddress: AddressInput.optional(),
    /** The total the shopper saw; a different server total answers 409 PRICE_CHANGED and charges nothing. */
    expectedTotal: Money.optional(),
  })
  .meta({ id: 'CheckoutRequest' });

export const CheckoutHeaders = z.object({
  'idempotency-key': z
    .string({
      error: 'is required: a new UUID per checkout attempt, the same one when retrying it',
    })
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces, e.g. a UUID')
    .meta({ description: 'A new UUID per checkout attempt; the same one when retrying it.' }),
});

export const CheckoutResult = z.object({ order: Order }).meta({ id: 'CheckoutResult' });
