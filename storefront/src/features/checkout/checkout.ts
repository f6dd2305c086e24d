import type { ApiResult } from '@vitrine/origin/pages';
import type { Money } from '../session/format.ts';
import { codeOf, detailsOf } from '../session/forms.ts';
import { problemOf } from '../session/page.ts';

/*
 * The checkout form's logic: the test cards it lists, reading the expiry as
 * people type it, the Idempotency-Key it carries, and the API's refusals in
 * words with the fields they concern.
 */

/** The built-in test processor's cards (README "Test cards"). */
export const TEST_CARDS: readonly { number: string; outcome: string }[] = [
  { number: '4242 4242 4242 4242', outcome: 'paid' },
  { number: '4000 0000 0000 0002', outcome: 'declined (card declined)' },
  { number: '4000 0000 0000 9995', outcome: 'declined (insufficient funds)' },
  { number: '4000 0000 0000 0069', outcome: 'declined (expired card)' },
  {
    number: '4000 0000 0000 0119',
    outcome: 'the payment service fails once; paying again with the same card succeeds',
  },
  {
    number: '4000 0000 0000 3220',
    outcome: 'stays pending, as a bank check would; confirmed later',
  },
];

/** "04/28", "4 / 2028", "04-28", "0428" → month and four-digit year; null when not a month and year. */
export function parseExpiry(text: string): { month: number; year: number } | null {
  const match = text.trim().match(/^(\d{1,2})\s*[/\-.]?\s*(\d{2}|\d{4})$/);
  if (!match) return null;
  const month = Number(match[1]);
  const rawYear = match[2] ?? '';
  const year = rawYear.length === 2 ? 2000 + Number(rawYear) : Number(rawYear);
  if (month < 1 || month > 12) return null;
  return { month, year };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A key this page made (a UUID); anything else posted is replaced by a new one. */
export function isIdempotencyKey(value: string): boolean {
  return UUID.test(value);
}

/** Declines a shopper can act on, said once (the processor's own words repeat "another card"). */
const DECLINES: Record<string, string> = {
  card_declined: 'Your card was declined. No money was taken: please try another card.',
  insufficient_funds:
    'The card does not have enough funds. No money was taken: please try another card.',
  expired_card:
    'The card has expired. No money was taken: check the expiry date or try another card.',
};

/** Where the API's body fields live in the checkout form. */
const FORM_FIELD: Record<string, string> = {
  'payment.number': 'cardNumber',
  'payment.expMonth': 'cardExpiry',
  'payment.expYear': 'cardExpiry',
  'payment.cvc': 'cardCvc',
  'shippingAddress.name': 'name',
  'shippingAddress.line1': 'line1',
  'shippingAddress.line2': 'line2',
  'shippingAddress.city': 'city',
  'shippingAddress.postalCode': 'postalCode',
  'shippingAddress.country': 'country',
};

export interface Shortage {
  productId: number;
  title: string;
  requested: number;
  available: number;
}

export interface CheckoutFailure {
  /** The form-level message. */
  message: string;
  /** Field messages by form field name. */
  fields: Record<string, string>;
  /** Works with fewer left than wanted (OUT_OF_STOCK). */
  shortages: Shortage[];
  /** The server's total when prices changed (PRICE_CHANGED). */
  newTotal: Money | null;
  /**
   * Whether the next attempt must carry the same Idempotency-Key: only after
   * a transient failure, when the API kept the attempt open so a retry
   * resumes the same order. After a final answer the key would only replay
   * that answer, so the next attempt gets a new one.
   */
  retrySameKey: boolean;
}

/** The API's refusal of a checkout, in words a shopper can act on. */
export function checkoutFailure(result: ApiResult, money: (m: Money) => string): CheckoutFailure {
  const code = codeOf(result);
  const base = problemOf(result);
  const fields: Record<string, string> = {};
  for (const [path, message] of Object.entries(base.fields)) {
    const field = FORM_FIELD[path];
    if (field) fields[field] ??= message;
  }
  const failure: CheckoutFailure = {
    message: base.message ?? 'Something went wrong. Please try again.',
    fields,
    shortages: [],
    newTotal: null,
    retrySameKey: result.status >= 500 || code === 'IDEMPOTENCY_KEY_IN_USE',
  };
  switch (code) {
    case 'PAYMENT_DECLINED': {
      const decline = detailsOf<{ declineCode: string }>(result).declineCode;
      failure.message = `Your payment did not go through. ${
        (decline && DECLINES[decline]) ?? base.message ?? ''
      }`.trim();
      break;
    }
    case 'OUT_OF_STOCK':
      failure.shortages = detailsOf<{ items: Shortage[] }>(result).items ?? [];
      failure.message =
        'Some works in your cart sold out or have fewer left than you want. Nothing was charged. Change your cart, then check out again.';
      break;
    case 'PRICE_CHANGED': {
      const total = detailsOf<{ total: Money }>(result).total;
      failure.newTotal = total ?? null;
      failure.message = total
        ? `Prices changed while you were checking out: the total is now ${money(total)}. Nothing was charged. Check the summary and pay again.`
        : 'Prices changed while you were checking out. Nothing was charged. Check the summary and pay again.';
      break;
    }
    case 'CART_EMPTY':
      failure.message =
        'Your cart is empty. If you just placed this order in another tab, you will find it in your orders.';
      break;
    case 'SHIPPING_ADDRESS_REQUIRED':
      failure.message = 'Please give an address to send the physical works to.';
      break;
    case 'ORDER_EXPIRED':
      failure.message =
        'The time to pay for this order ran out and its works were released. Please check out again.';
      break;
    case 'PAYMENT_PROVIDER_UNAVAILABLE':
      failure.message =
        'The payment service did not answer, so nothing was charged yet. Your order is kept for you: press Pay again with the same card to finish it.';
      break;
    case 'IDEMPOTENCY_KEY_IN_USE':
      failure.message =
        'Your order is still being placed. Wait a moment, then press Pay again: you will not be charged twice.';
      break;
    case 'IDEMPOTENCY_KEY_REUSED':
      failure.message =
        'The details changed after an earlier attempt to pay. Please check them and press Pay again. An earlier attempt may be waiting in your orders.';
      break;
  }
  return failure;
}
