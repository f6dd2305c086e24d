import type { Config } from '../config.ts';
import type { Database } from '../platform/db/database.ts';
import type { PaymentProvider } from './payments.types.ts';
import { createStripeProvider, type StripeApi } from './stripe-provider.ts';
import { createTestProvider } from './test-provider.ts';

export type {
  ChargeRequest,
  ChargeResult,
  PaymentMethodInput,
  PaymentProvider,
  RefundRequest,
  WebhookEvent,
} from './payments.types.ts';
export { PaymentUnavailableError, WebhookSignatureError } from './payments.types.ts';
export {
  createStripeProvider,
  type StripeApi,
  type StripeProviderOptions,
} from './stripe-provider.ts';
export {
  checkCardInput,
  createTestProvider,
  TEST_CARDS,
  type TestCard,
  type TestPaymentProvider,
  type TestProviderOptions,
} from './test-provider.ts';
export {
  buildTestWebhook,
  type SignedTestWebhook,
  signTestWebhook,
  TEST_WEBHOOK_SIGNATURE_HEADER,
  TEST_WEBHOOK_TOLERANCE_S,
  type TestWebhookInput,
} from './test-webhook.ts';

export interface PaymentProviderDeps {
  /** The test processor keeps its ledger here. */
  db: Database;
  /** Epoch milliseconds: card expiry and webhook signature age. */
  clock: () => number;
  /** Stripe only: a client to use instead of the real one (tests). */
  stripeClient?: StripeApi;
}

/** The provider `config.payments.provider` names. */
export function createPaymentProvider(
  config: Config['payments'],
  deps: PaymentProviderDeps,
): PaymentProvider {
  if (config.provider === 'stripe') {
    // loadConfig refuses PAYMENTS_PROVIDER=stripe without both keys; this
    // guards configs built by hand (tests, tools).
    if (!config.stripe) {
      throw new Error(
        'payments.provider is stripe but payments.stripe is missing: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
      );
    }
    return createStripeProvider({ ...config.stripe, clock: deps.clock }, deps.stripeClient);
  }
  return createTestProvider({
    db: deps.db,
    clock: deps.clock,
    webhookSecret: config.webhookSecret,
  });
}
