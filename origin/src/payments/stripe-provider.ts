import Stripe from 'stripe';
import { AppError } from '../platform/errors.ts';
import {
  type ChargeResult,
  type PaymentProvider,
  PaymentUnavailableError,
  type WebhookEvent,
  WebhookSignatureError,
} from './payments.types.ts';

/*
 * Stripe behind the PaymentProvider interface. The browser turns card details
 * into a PaymentMethod with Stripe.js; the origin only ever sees its id, so
 * raw card data never touches our servers. The order id is the idempotency
 * key of every call (Stripe keeps keys 24 hours, far longer than a checkout
 * hold), so a retried checkout, a crashed process or a second instance gets
 * Stripe's first answer back instead of a second charge.
 */

/** The slice of the Stripe client the adapter calls; tests pass a stub. */
export interface StripeApi {
  paymentIntents: {
    create(
      params: Stripe.PaymentIntentCreateParams,
      options: Stripe.RequestOptions,
    ): Promise<Stripe.PaymentIntent>;
  };
  refunds: {
    create(
      params: Stripe.RefundCreateParams,
      options: Stripe.RequestOptions,
    ): Promise<Stripe.Refund>;
    list(params: Stripe.RefundListParams): Promise<{ data: Stripe.Refund[] }>;
  };
}

export interface StripeProviderOptions {
  /** Secret API key, `sk_live_…` / `sk_test_…` (or a restricted `rk_…` key). */
  secretKey: string;
  /** Signing secret of the webhook endpoint, `whsec_…`. */
  webhookSecret: string;
  /** Epoch milliseconds; how old a webhook signature is. Default `Date.now`. */
  clock?: () => number;
}

/** How old (seconds) a signed webhook may be; Stripe's recommended default. */
const WEBHOOK_TOLERANCE_S = 300;

export function createStripeProvider(
  options: StripeProviderOptions,
  client?: StripeApi,
): PaymentProvider {
  const clock = options.clock ?? Date.now;
  const api: StripeApi =
    client ??
    new Stripe(options.secretKey, {
      // The SDK retries network failures and 409/5xx with the same idempotency key.
      maxNetworkRetries: 2,
      // Below the checkout's patience: a slow Stripe becomes a 503 the shopper may retry.
      timeout: 15_000,
      appInfo: { name: 'vitrine' },
    });

  return {
    name: 'stripe',

    async charge(request) {
      if (request.method.type !== 'stripe') {
        throw new AppError(
          'PAYMENT_METHOD_UNSUPPORTED',
          'Card details are never sent to the server with Stripe: create a PaymentMethod with Stripe.js and send its id as { type: "stripe", paymentMethodId }.',
          { status: 400 },
        );
      }
      try {
        const intent = await api.paymentIntents.create(
          {
            amount: request.amountMinor,
            currency: request.currency.toLowerCase(),
            payment_method: request.method.paymentMethodId,
            confirm: true,
            // Confirmed on the server without a return_url: methods that leave
            // the page (bank redirects) are excluded, while cards that need
            // 3-D Secure answer requires_action and the browser finishes with
            // Stripe.js handleNextAction (the client secret in the result).
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            description: request.description,
            metadata: { order_id: request.orderId },
          },
          { idempotencyKey: `charge:${request.orderId}` },
        );
        return resultOf(intent);
      } catch (err) {
        return declinedOrThrow(err);
      }
    },

    async refund(request) {
      const options = { idempotencyKey: `refund:${request.orderId}` };
      try {
        const refund = await api.refunds.create(
          {
            payment_intent: request.providerRef,
            amount: request.amountMinor,
            metadata: { order_id: request.orderId },
          },
          options,
        );
        return { providerRef: refund.id };
      } catch (err) {
        // After the idempotency key expired (24 h) a repeat is refused as
        // already refunded; the refund that did it is the answer.
        if (isStripeError(err) && err.code === 'charge_already_refunded') {
          const earlier = await api.refunds
            .list({ payment_intent: request.providerRef, limit: 10 })
            .catch(rethrowUnavailable);
          const done = earlier.data.find((r) => r.status === 'succeeded' || r.status === 'pending');
          if (done) return { providerRef: done.id };
        }
        if (isStripeError(err) && err.type === 'StripeInvalidRequestError') {
          throw new AppError(
            'REFUND_NOT_POSSIBLE',
            `Stripe refused the refund of ${request.providerRef}: ${err.message}`,
            { status: 409, cause: err },
          );
        }
        return rethrowUnavailable(err);
      }
    },

    verifyWebhook(rawBody, headers) {
      const signature = headers['stripe-signature'];
      if (!signature) {
        throw new WebhookSignatureError(
          'The stripe-signature header is missing: the webhook is not signed.',
        );
      }
      let event: Stripe.Event;
      try {
        // Stripe.webhooks verifies offline with the signing secret; receivedAt
        // is the injected clock (ms) so the five-minute window is testable.
        event = Stripe.webhooks.constructEvent(
          rawBody,
          signature,
          options.webhookSecret,
          WEBHOOK_TOLERANCE_S,
          undefined,
          clock(),
        );
      } catch (err) {
        throw new WebhookSignatureError(
          `The Stripe webhook was refused: ${err instanceof Error ? err.message : 'invalid signature'}.`,
        );
      }
      return eventOf(event);
    },
  };
}

function resultOf(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'captured', providerRef: intent.id };
    case 'processing':
    case 'requires_action':
      return {
        status: 'pending',
        providerRef: intent.id,
        ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}),
      };
    case 'requires_payment_method':
    case 'canceled': {
      const failure = intent.last_payment_error;
      const code = declineCodeOf(failure?.decline_code, failure?.code) ?? 'payment_failed';
      return {
        status: 'declined',
        providerRef: intent.id,
        code,
        message: failure?.message ?? 'The payment was not accepted. Please use another card.',
      };
    }
    default:
      // requires_confirmation / requires_capture cannot follow a confirmed,
      // automatically captured intent; an outcome would come by webhook.
      return { status: 'pending', providerRef: intent.id };
  }
}

/** Stripe's generic decline says no more than card_declined, the code we use for it. */
function declineCodeOf(
  declineCode: string | undefined,
  code: string | undefined,
): string | undefined {
  if (declineCode && declineCode !== 'generic_decline') return declineCode;
  return code || undefined;
}

const isStripeError = (err: unknown): err is Stripe.errors.StripeError =>
  err instanceof Stripe.errors.StripeError;

/** A card or request Stripe refused is a decline; an outage or a bug throws. */
function declinedOrThrow(err: unknown): ChargeResult {
  if (!isStripeError(err)) throw err;
  switch (err.type) {
    case 'StripeCardError':
      return {
        status: 'declined',
        providerRef: err.payment_intent?.id ?? null,
        code: declineCodeOf(err.decline_code, err.code) ?? 'card_declined',
        // Stripe writes card-error messages for shoppers.
        message: err.message,
      };
    case 'StripeInvalidRequestError':
      // Mostly a PaymentMethod that does not exist, was used up or belongs to
      // another account: the shopper can pick another one. Stripe's message
      // is for developers, so it stays in the log (cause), not on screen.
      return {
        status: 'declined',
        providerRef: err.payment_intent?.id ?? null,
        code: err.code ?? 'invalid_request',
        message: 'This payment method cannot be used. Please enter your card again.',
      };
    case 'StripeIdempotencyError':
      throw new AppError(
        'PAYMENT_IDEMPOTENCY_CONFLICT',
        'This order was already charged with different payment details. Place a new order to pay differently.',
        { status: 409, cause: err },
      );
    default:
      return rethrowUnavailable(err);
  }
}

function rethrowUnavailable(err: unknown): never {
  if (isStripeError(err)) {
    if (err.type === 'StripeAuthenticationError' || err.type === 'StripePermissionError') {
      // Our key is wrong or lacks a permission: an operator must act, so it is
      // not operational (logged as an error) though the shopper sees a 503.
      throw new AppError(
        'PAYMENT_PROVIDER_MISCONFIGURED',
        'Payments are not available right now. Please try again later.',
        { status: 503, operational: false, cause: err },
      );
    }
    // Connection, API (5xx), rate limit: Stripe may well answer a retry, and the
    // idempotency key makes that retry safe.
    throw new PaymentUnavailableError(undefined, err);
  }
  throw err;
}

/** Stripe events that change an order; everything else is null. */
function eventOf(event: Stripe.Event): WebhookEvent | null {
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const orderId = intent.metadata?.order_id;
      // An intent without our order id was not made by this shop (an invoice,
      // a dashboard payment): nothing to do here.
      if (!orderId) return null;
      if (event.type === 'payment_intent.succeeded')
        return { id: event.id, type: 'charge.succeeded', orderId, providerRef: intent.id };
      const failure = intent.last_payment_error;
      return {
        id: event.id,
        type: 'charge.failed',
        orderId,
        providerRef: intent.id,
        code: declineCodeOf(failure?.decline_code, failure?.code) ?? 'payment_failed',
      };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      // Stripe copies the intent's metadata onto its charge. Only a full refund
      // refunds the order; partial ones (from the dashboard) are left to people.
      const orderId = charge.metadata?.order_id;
      const intentId =
        typeof charge.payment_intent === 'string'
          ? charge.payment_intent
          : charge.payment_intent?.id;
      if (!orderId || !intentId || !charge.refunded) return null;
      return { id: event.id, type: 'charge.refunded', orderId, providerRef: intentId };
    }
    default:
      return null;
  }
}
