import { randomBytes, timingSafeEqual } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import {
  type ChargeRequest,
  type ChargeResult,
  type PaymentProvider,
  PaymentUnavailableError,
  type RefundRequest,
  type WebhookEvent,
  WebhookSignatureError,
} from './payments.types.ts';
import {
  buildTestWebhook,
  type SignedTestWebhook,
  TEST_WEBHOOK_SIGNATURE_HEADER,
  TEST_WEBHOOK_TOLERANCE_S,
  testWebhookDigest,
} from './test-webhook.ts';

/*
 * The built-in test processor: behaves like a card processor, offline. Its
 * memory is the `test_payment_charges` ledger, one row per order, so every
 * instance of the origin (and every retry after a crash) sees the same
 * charge, exactly as a real processor keyed by an idempotency key would.
 */

/** What a test card does when charged. */
export interface TestCard {
  /** Card number without spaces; the storefront may show it grouped by four. */
  number: string;
  /** `unavailable_once`: the first charge of an order fails with 503, the retry is captured. */
  outcome: 'captured' | 'declined' | 'pending' | 'unavailable_once';
  /** The decline code, for declining cards. */
  code?: string;
  /** One line for a developer or a storefront hint. */
  description: string;
}

/**
 * The test processor's cards. Any expiry in the future and any 3–4 digit CVC.
 *
 * | Number              | Outcome                                                                         |
 * | ------------------- | ------------------------------------------------------------------------------- |
 * | 4242 4242 4242 4242 | captured                                                                        |
 * | 4000 0000 0000 0002 | declined `card_declined`                                                        |
 * | 4000 0000 0000 9995 | declined `insufficient_funds`                                                   |
 * | 4000 0000 0000 0069 | declined `expired_card`                                                         |
 * | 4000 0000 0000 0119 | first charge of an order: 503 `PAYMENT_PROVIDER_UNAVAILABLE`; the retry captured |
 * | 4000 0000 0000 3220 | pending (like 3-D Secure); the outcome arrives later by webhook                 |
 *
 * Input checks come first and leave no trace in the ledger, so the shopper can
 * correct them on the same order: a number failing the Luhn check, a bad
 * month or CVC → declined `invalid_card`; an expiry in the past (by the
 * injected clock) → declined `expired_card`; any other valid number →
 * declined `test_mode_live_card` (this processor never takes real cards).
 */
export const TEST_CARDS = {
  captured: {
    number: '4242424242424242',
    outcome: 'captured',
    description: 'Succeeds: the payment is captured at once.',
  },
  declined: {
    number: '4000000000000002',
    outcome: 'declined',
    code: 'card_declined',
    description: 'Declined by the issuer (card_declined).',
  },
  insufficientFunds: {
    number: '4000000000009995',
    outcome: 'declined',
    code: 'insufficient_funds',
    description: 'Declined for insufficient funds (insufficient_funds).',
  },
  expired: {
    number: '4000000000000069',
    outcome: 'declined',
    code: 'expired_card',
    description: 'Declined as expired (expired_card), whatever expiry is entered.',
  },
  transientFailure: {
    number: '4000000000000119',
    outcome: 'unavailable_once',
    description:
      'The processor fails (503) the first time an order is charged; a retry with the same Idempotency-Key succeeds.',
  },
  pending: {
    number: '4000000000003220',
    outcome: 'pending',
    description:
      'Needs authentication, like 3-D Secure: the charge stays pending until a webhook reports the outcome.',
  },
} as const satisfies Record<string, TestCard>;

const CARDS_BY_NUMBER: ReadonlyMap<string, TestCard> = new Map(
  Object.values(TEST_CARDS).map((card) => [card.number, card]),
);

/** Shopper-facing text for each decline code. */
const DECLINE_MESSAGES: Readonly<Record<string, string>> = {
  card_declined: 'The card was declined. Please use another card.',
  insufficient_funds: 'The card has insufficient funds. Please use another card.',
  expired_card: 'The card has expired. Please check the expiry date or use another card.',
  test_mode_live_card:
    'This shop takes test payments only: use a test card such as 4242 4242 4242 4242.',
};
const declineMessage = (code: string) =>
  DECLINE_MESSAGES[code] ?? 'The payment was not accepted. Please use another card.';

type CardInput = Extract<ChargeRequest['method'], { type: 'card' }>;

/**
 * Checks card input as a processor would before contacting the issuer: Luhn,
 * month, expiry not past at `nowMs`, 3–4 digit CVC. Returns the decline, or
 * null when the card is well formed.
 */
export function checkCardInput(
  card: CardInput,
  nowMs: number,
): { code: 'invalid_card' | 'expired_card'; message: string } | null {
  const digits = normaliseCardNumber(card.number);
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits))
    return { code: 'invalid_card', message: 'The card number is not valid. Please check it.' };
  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12)
    return { code: 'invalid_card', message: 'The expiry month must be between 1 and 12.' };
  // Two-digit years are common on card forms: 29 means 2029.
  const year = card.expYear < 100 ? 2000 + card.expYear : card.expYear;
  if (!Number.isInteger(year) || year < 2000 || year > 2200)
    return { code: 'invalid_card', message: 'The expiry year is not valid.' };
  // A card is good through the last day of its expiry month (UTC).
  if (nowMs >= Date.UTC(year, card.expMonth, 1))
    return { code: 'expired_card', message: declineMessage('expired_card') };
  if (!/^\d{3,4}$/.test(card.cvc))
    return { code: 'invalid_card', message: 'The security code (CVC) must be 3 or 4 digits.' };
  return null;
}

/** Spaces and dashes are how people type card numbers; the digits are what counts. */
const normaliseCardNumber = (number: string) => number.replace(/[\s-]/g, '');

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

interface LedgerRow {
  orderId: string;
  providerRef: string;
  amountMinor: number;
  currency: string;
  outcome: 'captured' | 'pending' | 'declined' | 'unavailable';
  declineCode: string | null;
  refundedAt: Date | null;
}

const LEDGER_COLUMNS = /* sql */ `order_id AS "orderId", provider_ref AS "providerRef",
  amount_minor AS "amountMinor", currency, outcome, decline_code AS "declineCode",
  refunded_at AS "refundedAt"`;

function ledger(db: Database) {
  const { sequelize } = db;
  return {
    async find(orderId: string): Promise<LedgerRow | null> {
      const [row] = await sequelize.query<LedgerRow>(
        `SELECT ${LEDGER_COLUMNS} FROM test_payment_charges WHERE order_id = :orderId`,
        { type: QueryTypes.SELECT, replacements: { orderId } },
      );
      return row ?? null;
    },

    /**
     * Remembers that this order's first charge failed; true when this call is
     * the one that recorded it (so exactly one of concurrent first attempts fails).
     */
    async markUnavailable(
      row: Omit<LedgerRow, 'outcome' | 'declineCode' | 'refundedAt'> & { cardLast4: string },
      at: Date,
    ): Promise<boolean> {
      const inserted = await sequelize.query<{ orderId: string }>(
        `INSERT INTO test_payment_charges
           (order_id, provider_ref, amount_minor, currency, card_last4, outcome, created_at)
         VALUES (:orderId, :providerRef, :amountMinor, :currency, :cardLast4, 'unavailable', :at)
         ON CONFLICT (order_id) DO NOTHING
         RETURNING order_id AS "orderId"`,
        { type: QueryTypes.SELECT, replacements: { ...row, at } },
      );
      return inserted.length > 0;
    },

    /**
     * Records the outcome unless the order already has one, and returns the
     * row written (null when an earlier outcome stands). A row marked
     * `unavailable` holds no outcome (nothing was charged), so it is the one
     * row this replaces; for any other row this is INSERT … ON CONFLICT DO
     * NOTHING. PostgreSQL locks the conflicting row and re-checks the WHERE on
     * its latest version, so concurrent charges write one outcome.
     */
    async record(
      row: Omit<LedgerRow, 'refundedAt'> & { cardLast4: string },
      at: Date,
    ): Promise<LedgerRow | null> {
      const [written] = await sequelize.query<LedgerRow>(
        `INSERT INTO test_payment_charges
           (order_id, provider_ref, amount_minor, currency, card_last4, outcome, decline_code, created_at)
         VALUES (:orderId, :providerRef, :amountMinor, :currency, :cardLast4, :outcome, :declineCode, :at)
         ON CONFLICT (order_id) DO UPDATE SET
           provider_ref = EXCLUDED.provider_ref, amount_minor = EXCLUDED.amount_minor,
           currency = EXCLUDED.currency, card_last4 = EXCLUDED.card_last4,
           outcome = EXCLUDED.outcome, decline_code = EXCLUDED.decline_code,
           created_at = EXCLUDED.created_at
         WHERE test_payment_charges.outcome = 'unavailable'
         RETURNING ${LEDGER_COLUMNS}`,
        { type: QueryTypes.SELECT, replacements: { ...row, at } },
      );
      return written ?? null;
    },

    /** Marks the charge refunded (keeping the first refund time); null when it cannot be. */
    async refund(request: RefundRequest, at: Date): Promise<LedgerRow | null> {
      const [row] = await sequelize.query<LedgerRow>(
        `UPDATE test_payment_charges SET refunded_at = COALESCE(refunded_at, :at)
         WHERE order_id = :orderId AND provider_ref = :providerRef
           AND outcome IN ('captured', 'pending')
           AND amount_minor = :amountMinor AND currency = :currency
         RETURNING ${LEDGER_COLUMNS}`,
        { type: QueryTypes.SELECT, replacements: { ...request, at } },
      );
      return row ?? null;
    },

    /** Turns a pending, unrefunded charge into its final outcome; null when it is not pending. */
    async settle(
      orderId: string,
      outcome: 'captured' | 'declined',
      declineCode: string | null,
    ): Promise<LedgerRow | null> {
      const [row] = await sequelize.query<LedgerRow>(
        `UPDATE test_payment_charges SET outcome = :outcome, decline_code = :declineCode
         WHERE order_id = :orderId AND outcome = 'pending' AND refunded_at IS NULL
         RETURNING ${LEDGER_COLUMNS}`,
        { type: QueryTypes.SELECT, replacements: { orderId, outcome, declineCode } },
      );
      return row ?? null;
    },
  };
}

const ChargeShape = z.object({
  orderId: z.guid('must be the order’s uuid'),
  amountMinor: z.number().int().min(0).max(2_147_483_647),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code'),
});

/**
 * Refuses malformed fields (those given; TypeScript makes callers give what
 * they need): a caller bug, but a 400 rather than a 500 from the ledger.
 */
function assertChargeShape(
  request: Partial<Pick<ChargeRequest, 'orderId' | 'amountMinor' | 'currency'>>,
) {
  const parsed = ChargeShape.partial().safeParse(request);
  if (!parsed.success) {
    throw new AppError(
      'PAYMENT_REQUEST_INVALID',
      `The payment request is not valid: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.')} ${issue.message}`)
        .join('; ')}.`,
      { status: 400 },
    );
  }
}

const refundNotPossible = (message: string) =>
  new AppError('REFUND_NOT_POSSIBLE', message, { status: 409 });

/** The test processor: a PaymentProvider plus what a processor's dashboard would let you do. */
export interface TestPaymentProvider extends PaymentProvider {
  readonly name: 'test';
  /**
   * Completes a pending charge (a 3-D Secure card) as the shopper's bank
   * would, records the outcome in the ledger and returns the signed webhook
   * the processor sends about it. Throws AppError 409 CHARGE_NOT_PENDING when
   * the order has no pending charge.
   */
  settle(
    orderId: string,
    outcome: 'succeeded' | 'failed',
    options?: {
      /** Decline code of a failed charge; default `card_declined`. */
      code?: string;
    },
  ): Promise<SignedTestWebhook>;
}

export interface TestProviderOptions {
  /** Holds the ledger, `test_payment_charges`. */
  db: Database;
  /** Epoch milliseconds; decides card expiry and webhook signature age. */
  clock: () => number;
  /** Signs and verifies webhooks (config `payments.webhookSecret`). */
  webhookSecret: string;
}

export function createTestProvider({
  db,
  clock,
  webhookSecret,
}: TestProviderOptions): TestPaymentProvider {
  const charges = ledger(db);

  /** What the ledger holds for the order, as the processor's answer to this request. */
  function answer(row: LedgerRow, request: ChargeRequest): ChargeResult {
    // A processor refuses an idempotency key reused with other parameters;
    // answering the first result would misstate what was charged.
    if (row.amountMinor !== request.amountMinor || row.currency !== request.currency) {
      throw new AppError(
        'PAYMENT_IDEMPOTENCY_CONFLICT',
        `This order was already charged ${row.amountMinor} ${row.currency}, not ${request.amountMinor} ${request.currency}. Place a new order to pay another amount.`,
        { status: 409 },
      );
    }
    switch (row.outcome) {
      case 'captured':
        return { status: 'captured', providerRef: row.providerRef };
      case 'pending':
        return { status: 'pending', providerRef: row.providerRef };
      case 'declined': {
        const code = row.declineCode ?? 'card_declined';
        return {
          status: 'declined',
          providerRef: row.providerRef,
          code,
          message: declineMessage(code),
        };
      }
      case 'unavailable':
        throw new PaymentUnavailableError();
    }
  }

  return {
    name: 'test',

    async charge(request) {
      assertChargeShape(request);
      if (request.method.type !== 'card') {
        throw new AppError(
          'PAYMENT_METHOD_UNSUPPORTED',
          'The test processor takes test card numbers (type "card"), not Stripe payment methods.',
          { status: 400 },
        );
      }
      const problem = checkCardInput(request.method, clock());
      const number = normaliseCardNumber(request.method.number);
      const card = problem ? undefined : CARDS_BY_NUMBER.get(number);
      if (!card) {
        // The first result of an order stands whatever card comes with a retry;
        // only a new order is declined for a bad or unknown card.
        const existing = await charges.find(request.orderId);
        if (existing && existing.outcome !== 'unavailable') return answer(existing, request);
        if (problem) return { status: 'declined', providerRef: null, ...problem };
        return {
          status: 'declined',
          providerRef: null,
          code: 'test_mode_live_card',
          message: declineMessage('test_mode_live_card'),
        };
      }

      const at = new Date(clock());
      const base = {
        orderId: request.orderId,
        providerRef: `test_ch_${randomBytes(12).toString('hex')}`,
        amountMinor: request.amountMinor,
        currency: request.currency,
        cardLast4: number.slice(-4),
      };
      if (card.outcome === 'unavailable_once' && (await charges.markUnavailable(base, at))) {
        throw new PaymentUnavailableError(
          'The payment service did not answer (test card 4000 0000 0000 0119). Retry with the same Idempotency-Key.',
        );
      }
      // One statement in the common case: the row written is the answer. When
      // the order already had an outcome, that one stands: read it.
      const written = await charges.record(
        {
          ...base,
          outcome: card.outcome === 'unavailable_once' ? 'captured' : card.outcome,
          declineCode: card.code ?? null,
        },
        at,
      );
      const row = written ?? (await charges.find(request.orderId));
      if (!row) throw new PaymentUnavailableError();
      return answer(row, request);
    },

    async refund(request) {
      assertChargeShape(request);
      const refunded = await charges.refund(request, new Date(clock()));
      if (refunded) return { providerRef: refundRefOf(refunded.providerRef) };
      const row = await charges.find(request.orderId);
      if (!row || row.providerRef !== request.providerRef) {
        throw refundNotPossible(
          `There is no charge ${request.providerRef} for order ${request.orderId} to refund.`,
        );
      }
      if (row.outcome === 'declined' || row.outcome === 'unavailable') {
        throw refundNotPossible(
          `The charge ${row.providerRef} took no money (${row.outcome}), so there is nothing to refund.`,
        );
      }
      throw refundNotPossible(
        `The test processor refunds whole charges only: ${row.amountMinor} ${row.currency}, not ${request.amountMinor} ${request.currency}.`,
      );
    },

    verifyWebhook(rawBody, headers) {
      verifySignature(rawBody, headerValue(headers, TEST_WEBHOOK_SIGNATURE_HEADER), {
        secret: webhookSecret,
        nowMs: clock(),
      });
      return parseEvent(rawBody);
    },

    async settle(orderId, outcome, options = {}) {
      assertChargeShape({ orderId });
      const code = outcome === 'failed' ? (options.code ?? 'card_declined') : null;
      const row = await charges.settle(
        orderId,
        outcome === 'succeeded' ? 'captured' : 'declined',
        code,
      );
      if (!row) {
        throw new AppError(
          'CHARGE_NOT_PENDING',
          `Order ${orderId} has no pending test charge to complete.`,
          { status: 409 },
        );
      }
      return buildTestWebhook(
        {
          type: outcome === 'succeeded' ? 'charge.succeeded' : 'charge.failed',
          orderId,
          providerRef: row.providerRef,
          ...(code ? { code } : {}),
        },
        { secret: webhookSecret, now: clock() },
      );
    },
  };
}

/** The refund's id, derived from the charge's so a repeated refund answers the same. */
const refundRefOf = (chargeRef: string) => chargeRef.replace(/^test_ch_/, 'test_re_');

/** Header lookup that does not depend on the caller having lower-cased names. */
function headerValue(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * Stripe's scheme: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`. Several v1 values
 * let a sender sign with the old and the new secret during a rotation.
 */
function verifySignature(
  rawBody: Buffer,
  header: string | undefined,
  options: { secret: string; nowMs: number },
): void {
  if (!header) {
    throw new WebhookSignatureError(
      `The ${TEST_WEBHOOK_SIGNATURE_HEADER} header is missing: the webhook is not signed.`,
    );
  }
  let timestamp: string | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = value;
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value))
      signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === null || signatures.length === 0) {
    throw new WebhookSignatureError(
      `The ${TEST_WEBHOOK_SIGNATURE_HEADER} header must read t=<unix seconds>,v1=<hex HMAC-SHA256>.`,
    );
  }
  const expected = testWebhookDigest(options.secret, timestamp, rawBody);
  // Constant time, and every candidate is compared so timing says nothing about which matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  if (!matched) {
    throw new WebhookSignatureError(
      'The webhook signature does not match its body: check the signing secret and send the body unchanged.',
    );
  }
  const ageS = Math.floor(options.nowMs / 1000) - Number(timestamp);
  if (Math.abs(ageS) > TEST_WEBHOOK_TOLERANCE_S) {
    throw new WebhookSignatureError(
      `The webhook was signed ${ageS} s from now; at most ${TEST_WEBHOOK_TOLERANCE_S} s is accepted, so replays expire.`,
    );
  }
}

const EventEnvelope = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_-]{1,200}$/),
  type: z.string().min(1).max(100),
  data: z.unknown(),
});
const EventData = z.object({
  orderId: z.guid(),
  providerRef: z.string().min(1).max(255),
  code: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/)
    .optional(),
});
const ORDER_EVENTS: ReadonlySet<string> = new Set<WebhookEvent['type']>([
  'charge.succeeded',
  'charge.failed',
  'charge.refunded',
]);
const isOrderEvent = (type: string): type is WebhookEvent['type'] => ORDER_EVENTS.has(type);

/** A signed body that still does not parse is refused the same way: it is not our event. */
function parseEvent(rawBody: Buffer): WebhookEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookSignatureError('The webhook body is not JSON.');
  }
  const envelope = EventEnvelope.safeParse(json);
  if (!envelope.success) {
    throw new WebhookSignatureError('The webhook body must be {id: "evt_…", type, data}.');
  }
  const { id, type, data } = envelope.data;
  if (!isOrderEvent(type)) return null;
  const fields = EventData.safeParse(data);
  if (!fields.success) {
    throw new WebhookSignatureError(
      'The webhook data must hold the orderId (uuid), the providerRef and, optionally, a code.',
    );
  }
  return {
    id,
    type,
    orderId: fields.data.orderId,
    providerRef: fields.data.providerRef,
    ...(fields.data.code !== undefined ? { code: fields.data.code } : {}),
  };
}
