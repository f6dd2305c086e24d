import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import Stripe from 'stripe';
import {
  createTestDatabase,
  hasExternalDatabase,
  type TestDatabase,
} from '../../test/support/database.ts';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logging.ts';
import {
  buildTestWebhook,
  type ChargeRequest,
  type ChargeResult,
  checkCardInput,
  createPaymentProvider,
  createStripeProvider,
  createTestProvider,
  PaymentUnavailableError,
  type StripeApi,
  signTestWebhook,
  TEST_CARDS,
  type TestPaymentProvider,
  WebhookSignatureError,
} from './index.ts';

const SECRET = 'test-processor-secret-0123456789abcdef';
/** Mid-May 2026, noon UTC: card expiry is judged against this, not the wall clock. */
const START = Date.UTC(2026, 4, 15, 12);

const card = (
  number: string,
  overrides: Partial<{ expMonth: number; expYear: number; cvc: string }> = {},
) => ({ type: 'card', number, expMonth: 12, expYear: 2030, cvc: '123', ...overrides }) as const;

const chargeOf = (
  method: ChargeRequest['method'],
  overrides: Partial<ChargeRequest> = {},
): ChargeRequest => ({
  orderId: randomUUID(),
  amountMinor: 12_500,
  currency: 'EUR',
  method,
  description: 'Order 1001',
  ...overrides,
});

interface LedgerRow {
  orderId: string;
  providerRef: string;
  amountMinor: number;
  currency: string;
  cardLast4: string;
  outcome: string;
  declineCode: string | null;
  refundedAt: Date | null;
}

async function ledgerRows(db: Database, orderId: string): Promise<LedgerRow[]> {
  return db.sequelize.query<LedgerRow>(
    `SELECT order_id AS "orderId", provider_ref AS "providerRef", amount_minor AS "amountMinor",
       currency, card_last4 AS "cardLast4", outcome, decline_code AS "declineCode", refunded_at AS "refundedAt"
     FROM test_payment_charges WHERE order_id = :orderId`,
    { type: QueryTypes.SELECT, replacements: { orderId } },
  );
}

/** Asserts the error is an AppError with this code and status. */
const appError = (code: string, status: number) => (err: unknown) => {
  assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.equal(err.status, status);
  return true;
};

describe('payments: test processor', () => {
  let t: TestDatabase;
  const clock = { now: START };
  let provider: TestPaymentProvider;

  before(async () => {
    t = await createTestDatabase();
    provider = createTestProvider({ db: t.db, clock: () => clock.now, webhookSecret: SECRET });
  });
  after(() => t?.drop());
  beforeEach(() => {
    clock.now = START;
  });

  describe('test cards', () => {
    const cases: Array<[keyof typeof TEST_CARDS, ChargeResult['status'], string | null]> = [
      ['captured', 'captured', null],
      ['declined', 'declined', 'card_declined'],
      ['insufficientFunds', 'declined', 'insufficient_funds'],
      ['expired', 'declined', 'expired_card'],
      ['pending', 'pending', null],
    ];
    for (const [name, status, code] of cases) {
      const { number } = TEST_CARDS[name];
      it(`when ${number} is charged, then it is ${status}${code ? ` with ${code}` : ''} and the ledger holds that one outcome`, async () => {
        const request = chargeOf(card(number));
        const result = await provider.charge(request);
        assert.equal(result.status, status);
        assert.match(result.providerRef ?? '', /^test_ch_[0-9a-f]{24}$/);
        if (result.status === 'declined') {
          assert.equal(result.code, code);
          assert.ok(result.message.length > 10, 'a message a shopper can act on');
        }
        const rows = await ledgerRows(t.db, request.orderId);
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.outcome, status);
        assert.equal(rows[0]?.declineCode, code);
        assert.equal(rows[0]?.providerRef, result.providerRef);
        assert.equal(rows[0]?.cardLast4, number.slice(-4));
        assert.equal(rows[0]?.amountMinor, 12_500);
        assert.equal(rows[0]?.currency, 'EUR');
      });
    }

    it('when the card number is typed in groups with spaces or dashes, then it is the same card', async () => {
      for (const number of ['4242 4242 4242 4242', '4242-4242-4242-4242']) {
        const result = await provider.charge(chargeOf(card(number)));
        assert.equal(result.status, 'captured', number);
      }
    });

    it('when the test cards are listed, then each number passes the Luhn check and is unique', () => {
      const numbers = Object.values(TEST_CARDS).map((c) => c.number);
      assert.equal(new Set(numbers).size, numbers.length);
      for (const number of numbers) assert.equal(checkCardInput(card(number), START), null, number);
    });
  });

  describe('card input', () => {
    const invalid: Array<[string, ReturnType<typeof card>, string, RegExp]> = [
      ['a number failing the Luhn check', card('4242424242424241'), 'invalid_card', /card number/],
      ['a number too short', card('42424242'), 'invalid_card', /card number/],
      ['letters in the number', card('4242abcd42424242'), 'invalid_card', /card number/],
      ['month 13', card(TEST_CARDS.captured.number, { expMonth: 13 }), 'invalid_card', /month/],
      ['month 0', card(TEST_CARDS.captured.number, { expMonth: 0 }), 'invalid_card', /month/],
      ['a 2-digit CVC', card(TEST_CARDS.captured.number, { cvc: '12' }), 'invalid_card', /CVC/],
      ['a 5-digit CVC', card(TEST_CARDS.captured.number, { cvc: '12345' }), 'invalid_card', /CVC/],
      [
        'letters in the CVC',
        card(TEST_CARDS.captured.number, { cvc: '1a3' }),
        'invalid_card',
        /CVC/,
      ],
      [
        'an expiry last month',
        card(TEST_CARDS.captured.number, { expMonth: 4, expYear: 2026 }),
        'expired_card',
        /expired/,
      ],
      [
        'a two-digit year in the past',
        card(TEST_CARDS.captured.number, { expMonth: 12, expYear: 25 }),
        'expired_card',
        /expired/,
      ],
      [
        'a valid number that is no test card',
        card('5105105105105100'),
        'test_mode_live_card',
        /test card/,
      ],
    ];
    for (const [what, method, code, message] of invalid) {
      it(`when the card has ${what}, then it is declined ${code}, nothing is charged and nothing is recorded`, async () => {
        const request = chargeOf(method);
        const result = await provider.charge(request);
        assert.equal(result.status, 'declined');
        assert.ok(result.status === 'declined');
        assert.equal(result.code, code);
        assert.equal(result.providerRef, null);
        assert.match(result.message, message);
        assert.deepEqual(await ledgerRows(t.db, request.orderId), []);
      });
    }

    it('when the card expires this month (by the injected clock), then it is still good; the first of next month it is expired', async () => {
      const thisMonth = card(TEST_CARDS.captured.number, { expMonth: 5, expYear: 2026 });
      clock.now = Date.UTC(2026, 4, 31, 23, 59, 59);
      assert.equal((await provider.charge(chargeOf(thisMonth))).status, 'captured');
      clock.now = Date.UTC(2026, 5, 1);
      const result = await provider.charge(chargeOf(thisMonth));
      assert.ok(result.status === 'declined');
      assert.equal(result.code, 'expired_card');
    });

    it('when a typo is corrected on the same order, then the corrected card is charged', async () => {
      const request = chargeOf(card('4242424242424241'));
      assert.equal((await provider.charge(request)).status, 'declined');
      const result = await provider.charge({
        ...request,
        method: card(TEST_CARDS.captured.number),
      });
      assert.equal(result.status, 'captured');
    });

    it('when a Stripe payment method is sent to the test processor, then 400 PAYMENT_METHOD_UNSUPPORTED', async () => {
      await assert.rejects(
        provider.charge(chargeOf({ type: 'stripe', paymentMethodId: 'pm_card_visa' })),
        appError('PAYMENT_METHOD_UNSUPPORTED', 400),
      );
    });

    it('when the order id, amount or currency is malformed, then 400 PAYMENT_REQUEST_INVALID names the field', async () => {
      const method = card(TEST_CARDS.captured.number);
      for (const [overrides, field] of [
        [{ orderId: 'order-1' }, /orderId/],
        [{ amountMinor: -1 }, /amountMinor/],
        [{ amountMinor: 1.5 }, /amountMinor/],
        [{ currency: 'eur' }, /currency/],
      ] as const) {
        await assert.rejects(provider.charge(chargeOf(method, overrides)), (err: unknown) => {
          appError('PAYMENT_REQUEST_INVALID', 400)(err);
          assert.match((err as Error).message, field);
          return true;
        });
      }
    });
  });

  describe('idempotency per order', () => {
    it('when the same order is charged twice, then the second answer is the first one and there is one ledger row', async () => {
      const request = chargeOf(card(TEST_CARDS.captured.number));
      const first = await provider.charge(request);
      const second = await provider.charge(request);
      assert.deepEqual(second, first);
      assert.equal((await ledgerRows(t.db, request.orderId)).length, 1);
    });

    it('when a declined order is charged again with a good card, then the first answer (declined) stands', async () => {
      const request = chargeOf(card(TEST_CARDS.declined.number));
      const first = await provider.charge(request);
      const again = await provider.charge({ ...request, method: card(TEST_CARDS.captured.number) });
      assert.deepEqual(again, first);
      assert.equal((await ledgerRows(t.db, request.orderId))[0]?.outcome, 'declined');
    });

    it('when a captured order is retried with a mistyped card, then the capture is still the answer', async () => {
      const request = chargeOf(card(TEST_CARDS.captured.number));
      const first = await provider.charge(request);
      assert.deepEqual(
        await provider.charge({ ...request, method: card('4242424242424241') }),
        first,
      );
    });

    it('when the same order comes back with another amount, then 409 PAYMENT_IDEMPOTENCY_CONFLICT', async () => {
      const request = chargeOf(card(TEST_CARDS.captured.number));
      await provider.charge(request);
      await assert.rejects(
        provider.charge({ ...request, amountMinor: request.amountMinor + 1 }),
        appError('PAYMENT_IDEMPOTENCY_CONFLICT', 409),
      );
      await assert.rejects(
        provider.charge({ ...request, currency: 'USD' }),
        appError('PAYMENT_IDEMPOTENCY_CONFLICT', 409),
      );
    });

    it('when one order is charged 20 times concurrently, then all get the same capture and the ledger has one row', async () => {
      const request = chargeOf(card(TEST_CARDS.captured.number));
      const results = await Promise.all(Array.from({ length: 20 }, () => provider.charge(request)));
      const refs = new Set(results.map((r) => r.providerRef));
      assert.equal(refs.size, 1);
      assert.ok(results.every((r) => r.status === 'captured'));
      const rows = await ledgerRows(t.db, request.orderId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.providerRef, results[0]?.providerRef);
    });

    it('when two provider instances (own connections on a server) charge one order at once, then there is exactly one capture', async () => {
      // On PostgreSQL the second instance gets a pool of its own, like a second
      // task; embedded PGlite allows one connection, so both share it there.
      const second: Database = hasExternalDatabase
        ? await openDatabase(t.config.database, createLogger('silent'))
        : t.db;
      try {
        const other = createTestProvider({
          db: second,
          clock: () => clock.now,
          webhookSecret: SECRET,
        });
        const request = chargeOf(card(TEST_CARDS.captured.number));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? provider : other).charge(request)),
        );
        assert.equal(new Set(results.map((r) => r.providerRef)).size, 1);
        assert.ok(results.every((r) => r.status === 'captured'));
        assert.equal((await ledgerRows(t.db, request.orderId)).length, 1);
      } finally {
        if (second !== t.db) await second.close();
      }
    });
  });

  describe('transient failure card', () => {
    it('when 4000 0000 0000 0119 is charged the first time, then 503 PAYMENT_PROVIDER_UNAVAILABLE; the retry is captured once', async () => {
      const request = chargeOf(card(TEST_CARDS.transientFailure.number));
      await assert.rejects(provider.charge(request), (err: unknown) => {
        assert.ok(err instanceof PaymentUnavailableError);
        assert.equal(err.code, 'PAYMENT_PROVIDER_UNAVAILABLE');
        assert.equal(err.status, 503);
        assert.equal(err.headers['retry-after'], '2');
        return true;
      });
      assert.equal((await ledgerRows(t.db, request.orderId))[0]?.outcome, 'unavailable');
      const retry = await provider.charge(request);
      assert.equal(retry.status, 'captured');
      assert.deepEqual(await provider.charge(request), retry);
      const rows = await ledgerRows(t.db, request.orderId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.outcome, 'captured');
      assert.equal(rows[0]?.providerRef, retry.providerRef);
    });

    it('when its first attempts race, then exactly one fails and the others share one capture', async () => {
      const request = chargeOf(card(TEST_CARDS.transientFailure.number));
      const settled = await Promise.allSettled(
        Array.from({ length: 10 }, () => provider.charge(request)),
      );
      const failed = settled.filter((s) => s.status === 'rejected');
      assert.equal(failed.length, 1);
      assert.ok(
        failed[0]?.status === 'rejected' && failed[0].reason instanceof PaymentUnavailableError,
      );
      const refs = new Set(
        settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.providerRef] : [])),
      );
      assert.equal(refs.size, 1);
      assert.equal((await ledgerRows(t.db, request.orderId))[0]?.outcome, 'captured');
    });

    it('when the shopper retries the failed order with another test card, then that card decides', async () => {
      const request = chargeOf(card(TEST_CARDS.transientFailure.number));
      await assert.rejects(provider.charge(request), PaymentUnavailableError);
      const retry = await provider.charge({ ...request, method: card(TEST_CARDS.declined.number) });
      assert.ok(retry.status === 'declined');
      assert.equal(retry.code, 'card_declined');
    });
  });

  describe('pending charges', () => {
    it('when a 3-D Secure card is settled, then a signed charge.succeeded webhook verifies and the charge is captured', async () => {
      const request = chargeOf(card(TEST_CARDS.pending.number));
      const pending = await provider.charge(request);
      assert.equal(pending.status, 'pending');
      const webhook = await provider.settle(request.orderId, 'succeeded');
      const event = provider.verifyWebhook(Buffer.from(webhook.body), webhook.headers);
      assert.ok(event);
      assert.match(event.id, /^evt_/);
      assert.deepEqual(
        { type: event.type, orderId: event.orderId, providerRef: event.providerRef },
        { type: 'charge.succeeded', orderId: request.orderId, providerRef: pending.providerRef },
      );
      const after = await provider.charge(request);
      assert.deepEqual(after, { status: 'captured', providerRef: pending.providerRef });
    });

    it('when a pending charge fails, then charge.failed carries the code and the charge is declined; settling twice is refused', async () => {
      const request = chargeOf(card(TEST_CARDS.pending.number));
      await provider.charge(request);
      const webhook = await provider.settle(request.orderId, 'failed', {
        code: 'authentication_failed',
      });
      const event = provider.verifyWebhook(Buffer.from(webhook.body), webhook.headers);
      assert.equal(event?.type, 'charge.failed');
      assert.equal(event?.code, 'authentication_failed');
      const after = await provider.charge(request);
      assert.ok(after.status === 'declined');
      assert.equal(after.code, 'authentication_failed');
      await assert.rejects(
        provider.settle(request.orderId, 'succeeded'),
        appError('CHARGE_NOT_PENDING', 409),
      );
    });

    it('when a captured charge is settled, then 409 CHARGE_NOT_PENDING', async () => {
      const request = chargeOf(card(TEST_CARDS.captured.number));
      await provider.charge(request);
      await assert.rejects(
        provider.settle(request.orderId, 'succeeded'),
        appError('CHARGE_NOT_PENDING', 409),
      );
    });
  });

  describe('refunds', () => {
    it('when a captured charge is refunded twice, then both answer the same refund and the first refund time stays', async () => {
      const request = chargeOf(card(TEST_CARDS.captured.number));
      const charged = await provider.charge(request);
      const refund = {
        orderId: request.orderId,
        providerRef: charged.providerRef ?? '',
        amountMinor: request.amountMinor,
        currency: request.currency,
      };
      const first = await provider.refund(refund);
      assert.match(first.providerRef, /^test_re_[0-9a-f]{24}$/);
      const refundedAt = (await ledgerRows(t.db, request.orderId))[0]?.refundedAt;
      assert.deepEqual(refundedAt, new Date(START));
      clock.now = START + 60_000;
      assert.deepEqual(await provider.refund(refund), first);
      assert.deepEqual((await ledgerRows(t.db, request.orderId))[0]?.refundedAt, refundedAt);
    });

    it('when a declined charge, an unknown order or a wrong amount is refunded, then 409 REFUND_NOT_POSSIBLE', async () => {
      const declined = chargeOf(card(TEST_CARDS.declined.number));
      const result = await provider.charge(declined);
      const base = {
        orderId: declined.orderId,
        providerRef: result.providerRef ?? '',
        amountMinor: declined.amountMinor,
        currency: declined.currency,
      };
      await assert.rejects(provider.refund(base), appError('REFUND_NOT_POSSIBLE', 409));
      await assert.rejects(
        provider.refund({ ...base, orderId: randomUUID() }),
        appError('REFUND_NOT_POSSIBLE', 409),
      );
      const captured = chargeOf(card(TEST_CARDS.captured.number));
      const ok = await provider.charge(captured);
      await assert.rejects(
        provider.refund({
          orderId: captured.orderId,
          providerRef: ok.providerRef ?? '',
          amountMinor: captured.amountMinor + 1,
          currency: captured.currency,
        }),
        appError('REFUND_NOT_POSSIBLE', 409),
      );
      await assert.rejects(
        provider.refund({ ...base, orderId: captured.orderId, providerRef: 'test_ch_other' }),
        appError('REFUND_NOT_POSSIBLE', 409),
      );
      assert.equal((await ledgerRows(t.db, captured.orderId))[0]?.refundedAt, null);
    });

    it('when a refund or a settlement names a malformed order id, then 400 PAYMENT_REQUEST_INVALID', async () => {
      await assert.rejects(
        provider.refund({
          orderId: '42',
          providerRef: 'test_ch_x',
          amountMinor: 1,
          currency: 'EUR',
        }),
        appError('PAYMENT_REQUEST_INVALID', 400),
      );
      await assert.rejects(
        provider.settle('42', 'succeeded'),
        appError('PAYMENT_REQUEST_INVALID', 400),
      );
    });
  });

  describe('webhook signatures', () => {
    const event = { type: 'charge.succeeded', orderId: randomUUID(), providerRef: 'test_ch_abc' };
    const verify = (body: string, headers: Record<string, string | undefined>) =>
      provider.verifyWebhook(Buffer.from(body), headers);
    const refused = (body: string, headers: Record<string, string | undefined>, reason: RegExp) =>
      assert.throws(
        () => verify(body, headers),
        (err: unknown) => {
          assert.ok(err instanceof WebhookSignatureError);
          assert.equal(err.code, 'WEBHOOK_SIGNATURE_INVALID');
          assert.equal(err.status, 400);
          assert.match(err.message, reason);
          return true;
        },
      );

    it('when the header is t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">, then the event is accepted', () => {
      const body = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', data: event });
      const t0 = Math.floor(START / 1000);
      const v1 = createHmac('sha256', SECRET).update(`${t0}.${body}`).digest('hex');
      assert.equal(signTestWebhook(body, { secret: SECRET, timestampS: t0 }), `t=${t0},v1=${v1}`);
      assert.deepEqual(verify(body, { 'vitrine-signature': `t=${t0},v1=${v1}` }), {
        id: 'evt_1',
        type: 'charge.succeeded',
        orderId: event.orderId,
        providerRef: 'test_ch_abc',
      });
    });

    it('when the header name comes capitalised or a second (old-secret) v1 is present, then it is still accepted', () => {
      const webhook = buildTestWebhook(event, { secret: SECRET, now: START });
      const value = webhook.headers['vitrine-signature'];
      assert.ok(verify(webhook.body, { 'Vitrine-Signature': value }));
      const [t0, v1] = value.split(',');
      assert.ok(verify(webhook.body, { 'vitrine-signature': `${t0},v1=${'0'.repeat(64)},${v1}` }));
    });

    it('when the body is tampered with, then it is refused', () => {
      const webhook = buildTestWebhook(event, { secret: SECRET, now: START });
      const tampered = webhook.body.replace('charge.succeeded', 'charge.refunded');
      refused(tampered, webhook.headers, /does not match/);
    });

    it('when it was signed with another secret, then it is refused', () => {
      const webhook = buildTestWebhook(event, {
        secret: 'another-secret-0123456789abcdef0123',
        now: START,
      });
      refused(webhook.body, webhook.headers, /does not match/);
    });

    it('when it is more than five minutes old (or ahead), then it is refused; at five minutes it is accepted', () => {
      const webhook = buildTestWebhook(event, { secret: SECRET, now: START });
      clock.now = START + 300_000;
      assert.ok(verify(webhook.body, webhook.headers));
      clock.now = START + 301_000;
      refused(webhook.body, webhook.headers, /300 s/);
      clock.now = START - 301_000;
      refused(webhook.body, webhook.headers, /300 s/);
    });

    it('when the signature header is missing or garbage, then it is refused', () => {
      const webhook = buildTestWebhook(event, { secret: SECRET, now: START });
      refused(webhook.body, {}, /missing/);
      refused(webhook.body, { 'vitrine-signature': '' }, /missing/);
      for (const garbage of [
        'nonsense',
        't=abc,v1=def',
        `t=${Math.floor(START / 1000)}`,
        `v1=${'a'.repeat(64)}`,
        `t=${Math.floor(START / 1000)},v1=${'z'.repeat(64)}`,
        `t=${Math.floor(START / 1000)},v0=${'a'.repeat(64)}`,
      ]) {
        refused(webhook.body, { 'vitrine-signature': garbage }, /must read/);
      }
    });

    it('when a correctly signed body is not a well-formed event, then it is refused too', () => {
      for (const body of [
        'not json',
        JSON.stringify({ type: 'charge.succeeded', data: event }),
        JSON.stringify({ id: 'evt_2', type: 'charge.succeeded', data: { orderId: 'nope' } }),
        JSON.stringify({
          id: 'evt_3',
          type: 'charge.failed',
          data: { ...event, code: 'NO SPACES' },
        }),
      ]) {
        const header = signTestWebhook(body, { secret: SECRET, timestampS: START / 1000 });
        refused(body, { 'vitrine-signature': header }, /body|data/);
      }
    });

    it('when a signed event has a type that does not concern orders, then it is null', () => {
      const webhook = buildTestWebhook(
        { ...event, type: 'payout.paid' },
        { secret: SECRET, now: START },
      );
      assert.equal(verify(webhook.body, webhook.headers), null);
    });
  });

  describe('test-webhook.ts as a command', () => {
    const SCRIPT = path.join(import.meta.dirname, 'test-webhook.ts');
    async function run(args: string[], env: Record<string, string>) {
      const child = spawn(process.execPath, [SCRIPT, ...args], {
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const [code] = await once(child, 'exit');
      return { code: code as number, stdout, stderr };
    }

    it('when run with the origin’s secret, then it prints a curl line whose signature the processor accepts', async () => {
      clock.now = Date.now();
      const orderId = randomUUID();
      const out = await run(
        ['--type', 'charge.succeeded', '--order', orderId, '--ref', 'test_ch_cli'],
        { PAYMENTS_WEBHOOK_SECRET: SECRET, PORT: '3999' },
      );
      assert.equal(out.code, 0, out.stderr);
      assert.match(
        out.stdout,
        /^curl .*'http:\/\/localhost:3999\/api\/v1\/payments\/webhooks\/test'\n$/,
      );
      const header = /-H 'vitrine-signature: ([^']+)'/.exec(out.stdout)?.[1] ?? '';
      const body = /--data-binary '([^']+)'/.exec(out.stdout)?.[1] ?? '';
      const event = provider.verifyWebhook(Buffer.from(body), { 'vitrine-signature': header });
      assert.equal(event?.orderId, orderId);
      assert.equal(event?.type, 'charge.succeeded');
    });

    it('when run without PAYMENTS_WEBHOOK_SECRET or without arguments, then it explains and exits 2', async () => {
      const noSecret = await run(
        ['--type', 'charge.succeeded', '--order', randomUUID(), '--ref', 'x'],
        {},
      );
      assert.equal(noSecret.code, 2);
      assert.match(noSecret.stderr, /PAYMENTS_WEBHOOK_SECRET/);
      const noArgs = await run([], { PAYMENTS_WEBHOOK_SECRET: SECRET });
      assert.equal(noArgs.code, 2);
      assert.match(noArgs.stderr, /usage/);
    });
  });
});

/** A Stripe client stand-in: records each call and answers what the test says. */
function stubStripe(answers: {
  intent?: () => Promise<Stripe.PaymentIntent>;
  refund?: () => Promise<Stripe.Refund>;
  refunds?: Stripe.Refund[];
}) {
  const calls: Array<{ method: string; params: unknown; options?: unknown }> = [];
  const client: StripeApi = {
    paymentIntents: {
      async create(params, options) {
        calls.push({ method: 'paymentIntents.create', params, options });
        if (!answers.intent) throw new Error('unexpected paymentIntents.create');
        return answers.intent();
      },
    },
    refunds: {
      async create(params, options) {
        calls.push({ method: 'refunds.create', params, options });
        if (!answers.refund) throw new Error('unexpected refunds.create');
        return answers.refund();
      },
      async list(params) {
        calls.push({ method: 'refunds.list', params });
        return { data: answers.refunds ?? [] };
      },
    },
  };
  return { client, calls };
}

const intent = (fields: Partial<Stripe.PaymentIntent>) =>
  ({
    id: 'pi_123',
    object: 'payment_intent',
    client_secret: 'pi_123_secret_x',
    ...fields,
  }) as Stripe.PaymentIntent;

describe('payments: Stripe adapter', () => {
  const WHSEC = 'whsec_testsecret0123456789';
  const clock = { now: START };
  const make = (stub: ReturnType<typeof stubStripe>) =>
    createStripeProvider(
      { secretKey: 'sk_test_123', webhookSecret: WHSEC, clock: () => clock.now },
      stub.client,
    );
  const stripeCharge = (overrides: Partial<ChargeRequest> = {}) =>
    chargeOf({ type: 'stripe', paymentMethodId: 'pm_card_visa' }, overrides);

  describe('charges', () => {
    it('when a charge is made, then one confirmed PaymentIntent is created with the order id as idempotency key and metadata', async () => {
      const stub = stubStripe({ intent: async () => intent({ status: 'succeeded' }) });
      const request = stripeCharge({ currency: 'EUR', amountMinor: 4_200 });
      assert.deepEqual(await make(stub).charge(request), {
        status: 'captured',
        providerRef: 'pi_123',
      });
      assert.deepEqual(stub.calls, [
        {
          method: 'paymentIntents.create',
          params: {
            amount: 4_200,
            currency: 'eur',
            payment_method: 'pm_card_visa',
            confirm: true,
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            description: 'Order 1001',
            metadata: { order_id: request.orderId },
          },
          options: { idempotencyKey: `charge:${request.orderId}` },
        },
      ]);
    });

    it('when the intent needs 3-D Secure or is processing, then the charge is pending (with the client secret for Stripe.js)', async () => {
      const action = await make(
        stubStripe({ intent: async () => intent({ status: 'requires_action' }) }),
      ).charge(stripeCharge());
      assert.deepEqual(action, {
        status: 'pending',
        providerRef: 'pi_123',
        clientSecret: 'pi_123_secret_x',
      });
      const processing = await make(
        stubStripe({ intent: async () => intent({ status: 'processing' }) }),
      ).charge(stripeCharge());
      assert.equal(processing.status, 'pending');
    });

    it('when Stripe answers a card error, then it is declined with the decline code and the intent id', async () => {
      const stub = stubStripe({
        intent: async () => {
          throw new Stripe.errors.StripeCardError({
            type: 'card_error',
            code: 'card_declined',
            decline_code: 'insufficient_funds',
            message: 'Your card has insufficient funds.',
            payment_intent: intent({ id: 'pi_declined', status: 'requires_payment_method' }),
          });
        },
      });
      assert.deepEqual(await make(stub).charge(stripeCharge()), {
        status: 'declined',
        providerRef: 'pi_declined',
        code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      });
    });

    it('when the decline is generic or the card expired, then the code is card_declined or expired_card', async () => {
      for (const [raw, code] of [
        [{ code: 'card_declined', decline_code: 'generic_decline' }, 'card_declined'],
        [{ code: 'expired_card' }, 'expired_card'],
      ] as const) {
        const stub = stubStripe({
          intent: async () => {
            throw new Stripe.errors.StripeCardError({ type: 'card_error', message: 'No.', ...raw });
          },
        });
        const result = await make(stub).charge(stripeCharge());
        assert.ok(result.status === 'declined');
        assert.equal(result.code, code);
        assert.equal(result.providerRef, null);
      }
    });

    it('when the confirmed intent comes back needing another payment method, then it is declined with its last error', async () => {
      const stub = stubStripe({
        intent: async () =>
          intent({
            status: 'requires_payment_method',
            last_payment_error: {
              type: 'card_error',
              code: 'card_declined',
              decline_code: 'stolen_card',
              message: 'Your card was declined.',
            },
          }),
      });
      const result = await make(stub).charge(stripeCharge());
      assert.ok(result.status === 'declined');
      assert.equal(result.code, 'stolen_card');
      assert.equal(result.providerRef, 'pi_123');
    });

    it('when the payment method id is unknown to Stripe, then it is declined with a shopper message, not Stripe’s', async () => {
      const stub = stubStripe({
        intent: async () => {
          throw new Stripe.errors.StripeInvalidRequestError({
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: "No such PaymentMethod: 'pm_nope'",
          });
        },
      });
      const result = await make(stub).charge(stripeCharge());
      assert.ok(result.status === 'declined');
      assert.equal(result.code, 'resource_missing');
      assert.doesNotMatch(result.message, /pm_nope/);
    });

    it('when Stripe cannot be reached, errs or rate-limits, then PaymentUnavailableError (503, retry with the same key)', async () => {
      for (const err of [
        new Stripe.errors.StripeConnectionError({ message: 'ECONNRESET' }),
        new Stripe.errors.StripeAPIError({ type: 'api_error', message: 'Internal' }),
        new Stripe.errors.StripeRateLimitError({ message: 'Too many requests' }),
      ]) {
        const stub = stubStripe({
          intent: async () => {
            throw err;
          },
        });
        await assert.rejects(make(stub).charge(stripeCharge()), (e: unknown) => {
          assert.ok(e instanceof PaymentUnavailableError, err.type);
          assert.equal(e.cause, err);
          return true;
        });
      }
    });

    it('when the key is refused, then 503 PAYMENT_PROVIDER_MISCONFIGURED that is logged as a fault', async () => {
      const stub = stubStripe({
        intent: async () => {
          throw new Stripe.errors.StripeAuthenticationError({ message: 'Invalid API Key' });
        },
      });
      await assert.rejects(make(stub).charge(stripeCharge()), (e: unknown) => {
        appError('PAYMENT_PROVIDER_MISCONFIGURED', 503)(e);
        assert.equal((e as AppError).operational, false);
        return true;
      });
    });

    it('when Stripe reports the idempotency key reused with other parameters, then 409 PAYMENT_IDEMPOTENCY_CONFLICT', async () => {
      const stub = stubStripe({
        intent: async () => {
          throw new Stripe.errors.StripeIdempotencyError({
            type: 'idempotency_error',
            message: 'Keys for idempotent requests can only be used with the same parameters',
          });
        },
      });
      await assert.rejects(
        make(stub).charge(stripeCharge()),
        appError('PAYMENT_IDEMPOTENCY_CONFLICT', 409),
      );
    });

    it('when raw card details are sent, then 400 PAYMENT_METHOD_UNSUPPORTED and nothing reaches Stripe', async () => {
      const stub = stubStripe({});
      await assert.rejects(
        make(stub).charge(chargeOf(card(TEST_CARDS.captured.number))),
        appError('PAYMENT_METHOD_UNSUPPORTED', 400),
      );
      assert.deepEqual(stub.calls, []);
    });
  });

  describe('refunds', () => {
    const refundOf = (orderId = randomUUID()) => ({
      orderId,
      providerRef: 'pi_123',
      amountMinor: 4_200,
      currency: 'EUR',
    });

    it('when a refund is made, then the Refunds API gets the intent, the amount and refund:<orderId> as idempotency key', async () => {
      const stub = stubStripe({ refund: async () => ({ id: 're_1' }) as Stripe.Refund });
      const request = refundOf();
      assert.deepEqual(await make(stub).refund(request), { providerRef: 're_1' });
      assert.deepEqual(stub.calls, [
        {
          method: 'refunds.create',
          params: {
            payment_intent: 'pi_123',
            amount: 4_200,
            metadata: { order_id: request.orderId },
          },
          options: { idempotencyKey: `refund:${request.orderId}` },
        },
      ]);
    });

    it('when the charge was already refunded (key expired), then the earlier refund is the answer', async () => {
      const stub = stubStripe({
        refund: async () => {
          throw new Stripe.errors.StripeInvalidRequestError({
            type: 'invalid_request_error',
            code: 'charge_already_refunded',
            message: 'Charge ch_1 has already been refunded.',
          });
        },
        refunds: [{ id: 're_earlier', status: 'succeeded' } as Stripe.Refund],
      });
      assert.deepEqual(await make(stub).refund(refundOf()), { providerRef: 're_earlier' });
      assert.deepEqual(stub.calls[1]?.params, { payment_intent: 'pi_123', limit: 10 });
    });

    it('when Stripe refuses the refund, then 409 REFUND_NOT_POSSIBLE; when it is down, then 503', async () => {
      const refused = stubStripe({
        refund: async () => {
          throw new Stripe.errors.StripeInvalidRequestError({
            type: 'invalid_request_error',
            code: 'amount_too_large',
            message: 'Refund amount is greater than unrefunded amount on charge.',
          });
        },
      });
      await assert.rejects(make(refused).refund(refundOf()), appError('REFUND_NOT_POSSIBLE', 409));
      const down = stubStripe({
        refund: async () => {
          throw new Stripe.errors.StripeConnectionError({ message: 'ETIMEDOUT' });
        },
      });
      await assert.rejects(make(down).refund(refundOf()), PaymentUnavailableError);
    });
  });

  describe('webhooks (real signature check, offline)', () => {
    const provider = createStripeProvider(
      { secretKey: 'sk_test_123', webhookSecret: WHSEC, clock: () => clock.now },
      stubStripe({}).client,
    );
    const orderId = randomUUID();
    const signed = (payload: object, options: { secret?: string; at?: number } = {}) => {
      const body = JSON.stringify(payload);
      const header = Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: options.secret ?? WHSEC,
        timestamp: Math.floor((options.at ?? START) / 1000),
      });
      return { body, headers: { 'stripe-signature': header } };
    };
    const eventOf = (type: string, object: object, id = 'evt_stripe_1') => ({
      id,
      object: 'event',
      type,
      data: { object },
    });
    const verify = (w: { body: string; headers: Record<string, string | undefined> }) =>
      provider.verifyWebhook(Buffer.from(w.body), w.headers);
    beforeEach(() => {
      clock.now = START;
    });

    it('when payment_intent.succeeded is signed by Stripe, then it is charge.succeeded for the order in its metadata', () => {
      const w = signed(
        eventOf('payment_intent.succeeded', {
          id: 'pi_9',
          object: 'payment_intent',
          status: 'succeeded',
          metadata: { order_id: orderId },
        }),
      );
      assert.deepEqual(verify(w), {
        id: 'evt_stripe_1',
        type: 'charge.succeeded',
        orderId,
        providerRef: 'pi_9',
      });
    });

    it('when payment_intent.payment_failed arrives, then it is charge.failed with the decline code', () => {
      const w = signed(
        eventOf('payment_intent.payment_failed', {
          id: 'pi_9',
          object: 'payment_intent',
          metadata: { order_id: orderId },
          last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' },
        }),
      );
      assert.deepEqual(verify(w), {
        id: 'evt_stripe_1',
        type: 'charge.failed',
        orderId,
        providerRef: 'pi_9',
        code: 'insufficient_funds',
      });
    });

    it('when charge.refunded arrives for a full refund, then it is charge.refunded for the intent; a partial one is null', () => {
      const charge = {
        id: 'ch_1',
        object: 'charge',
        payment_intent: 'pi_9',
        metadata: { order_id: orderId },
        refunded: true,
      };
      assert.deepEqual(verify(signed(eventOf('charge.refunded', charge))), {
        id: 'evt_stripe_1',
        type: 'charge.refunded',
        orderId,
        providerRef: 'pi_9',
      });
      assert.equal(
        verify(signed(eventOf('charge.refunded', { ...charge, refunded: false }))),
        null,
      );
    });

    it('when the event is of another type or not about one of our orders, then it is null', () => {
      assert.equal(verify(signed(eventOf('customer.created', { id: 'cus_1' }))), null);
      assert.equal(
        verify(
          signed(
            eventOf('payment_intent.succeeded', {
              id: 'pi_x',
              object: 'payment_intent',
              metadata: {},
            }),
          ),
        ),
        null,
      );
    });

    it('when the body is tampered with, the secret is wrong, it is too old or unsigned, then WebhookSignatureError', () => {
      const payload = eventOf('payment_intent.succeeded', {
        id: 'pi_9',
        metadata: { order_id: orderId },
      });
      const good = signed(payload);
      const cases: Array<[string, { body: string; headers: Record<string, string | undefined> }]> =
        [
          ['tampered', { ...good, body: good.body.replace('pi_9', 'pi_8') }],
          ['wrong secret', signed(payload, { secret: 'whsec_other0123456789' })],
          ['too old', signed(payload, { at: START - 301_000 })],
          ['missing header', { body: good.body, headers: {} }],
          ['garbage header', { body: good.body, headers: { 'stripe-signature': 'nonsense' } }],
        ];
      for (const [what, w] of cases) {
        assert.throws(
          () => verify(w),
          (err: unknown) => err instanceof WebhookSignatureError && err.status === 400,
          what,
        );
      }
      assert.ok(verify(good), 'the untouched webhook passes');
    });
  });
});

describe('payments: createPaymentProvider', () => {
  const base: Config['payments'] = { provider: 'test', webhookSecret: SECRET, stripe: null };
  // The factory touches no database until a charge; a stand-in is enough here.
  const db = {} as Database;

  it('when the provider is test, then the test processor verifies with payments.webhookSecret', () => {
    const provider = createPaymentProvider(base, { db, clock: () => START });
    assert.equal(provider.name, 'test');
    const webhook = buildTestWebhook(
      { type: 'charge.refunded', orderId: randomUUID(), providerRef: 'test_ch_1' },
      { secret: SECRET, now: START },
    );
    assert.equal(
      provider.verifyWebhook(Buffer.from(webhook.body), webhook.headers)?.type,
      'charge.refunded',
    );
  });

  it('when the provider is stripe, then the Stripe adapter is used with its keys', async () => {
    const stub = stubStripe({ intent: async () => intent({ status: 'succeeded' }) });
    const provider = createPaymentProvider(
      {
        ...base,
        provider: 'stripe',
        stripe: { secretKey: 'sk_test_123', webhookSecret: 'whsec_abc' },
      },
      { db, clock: () => START, stripeClient: stub.client },
    );
    assert.equal(provider.name, 'stripe');
    const result = await provider.charge(chargeOf({ type: 'stripe', paymentMethodId: 'pm_1' }));
    assert.equal(result.status, 'captured');
    assert.equal(stub.calls.length, 1);
  });

  it('when stripe is chosen without its keys, then it fails at start naming them', () => {
    assert.throws(
      () => createPaymentProvider({ ...base, provider: 'stripe' }, { db, clock: () => START }),
      /STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET/,
    );
  });
});
