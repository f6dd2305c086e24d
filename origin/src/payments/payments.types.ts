import { AppError } from '../platform/errors.ts';

/*
 * The provider interface checkout and orders talk to. Two implementations:
 * a built-in test processor (test card numbers, works offline) and Stripe.
 * The order id is the provider-side idempotency key everywhere, so a retried
 * checkout, a crashed process or a second instance never charges twice.
 */

export type PaymentMethodInput =
  /** Test processor only: card data never reaches the origin with a real provider. */
  | { type: 'card'; number: string; expMonth: number; expYear: number; cvc: string }
  /** Stripe: a PaymentMethod id created in the browser by Stripe.js. */
  | { type: 'stripe'; paymentMethodId: string };

export interface ChargeRequest {
  /** Our order id; also the idempotency key at the provider. */
  orderId: string;
  amountMinor: number;
  /** ISO 4217, upper case. */
  currency: string;
  method: PaymentMethodInput;
  /** Shown on the shopper's statement / in the provider dashboard. */
  description: string;
}

export type ChargeResult =
  /** Money is taken. */
  | { status: 'captured'; providerRef: string }
  /** Accepted, completes later (3-D Secure, bank transfer): a webhook tells the outcome. */
  | {
      status: 'pending';
      providerRef: string;
      /**
       * Stripe only: the PaymentIntent's client secret, for Stripe.js
       * `handleNextAction` to run 3-D Secure in the browser. Never stored or logged.
       */
      clientSecret?: string;
    }
  /** Refused by the issuer or the processor; `code` is stable (card_declined, insufficient_funds, …). */
  | { status: 'declined'; providerRef: string | null; code: string; message: string };

export interface RefundRequest {
  orderId: string;
  providerRef: string;
  amountMinor: number;
  currency: string;
}

/** A provider event that changes an order, after its signature was verified. */
export interface WebhookEvent {
  /** The provider's event id; each is applied once (payment_events). */
  id: string;
  type: 'charge.succeeded' | 'charge.failed' | 'charge.refunded';
  orderId: string;
  providerRef: string;
  /** For charge.failed: the decline code. */
  code?: string;
}

export interface PaymentProvider {
  /** Stored in payments.provider and used in the webhook path. */
  readonly name: string;
  /** Idempotent per `orderId`: the same order charged twice returns the first result. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Idempotent per `orderId`. */
  refund(request: RefundRequest): Promise<{ providerRef: string }>;
  /**
   * Verifies the signature over the raw body and parses the event. Throws
   * WebhookSignatureError when the signature is missing, wrong or too old;
   * returns null for event types that do not concern orders.
   */
  verifyWebhook(
    rawBody: Buffer,
    headers: Readonly<Record<string, string | undefined>>,
  ): WebhookEvent | null;
}

/** The processor could not be reached or failed transiently: retry with the same Idempotency-Key. */
export class PaymentUnavailableError extends AppError {
  constructor(
    message = 'The payment service is not answering. Please try again in a moment.',
    cause?: unknown,
  ) {
    super('PAYMENT_PROVIDER_UNAVAILABLE', message, {
      status: 503,
      cause,
      headers: { 'retry-after': '2' },
    });
  }
}

export class WebhookSignatureError extends AppError {
  constructor(message = 'The webhook signature is missing, invalid or too old.') {
    super('WEBHOOK_SIGNATURE_INVALID', message, { status: 400 });
  }
}
