import assert from 'node:assert/strict';
import type { ApiResult } from '@vitrine/origin/pages';
import type { Money } from '../session/format.ts';
import { checkoutFailure, isIdempotencyKey, parseExpiry } from './checkout.ts';

const money = (m: Money) => `€${(m.amountMinor / 100).toFixed(2)}`;

function refused(status: number, error: Record<string, unknown>): ApiResult {
  return { status, ok: false, body: { error }, headers: new Headers() };
}

describe('checkout form', () => {
  it('when an expiry is typed the usual ways, then month and four-digit year come out', () => {
    assert.deepEqual(parseExpiry('04/28'), { month: 4, year: 2028 });
    assert.deepEqual(parseExpiry(' 4 / 2031 '), { month: 4, year: 2031 });
    assert.deepEqual(parseExpiry('12-29'), { month: 12, year: 2029 });
    assert.deepEqual(parseExpiry('0130'), { month: 1, year: 2030 });
  });

  it('when an expiry is not a month and year, then it is refused', () => {
    for (const bad of ['13/28', '00/28', '4/2', 'April 2028', '', '04/028']) {
      assert.equal(parseExpiry(bad), null, bad);
    }
  });

  it('when a key is posted, then only a UUID is taken as one', () => {
    assert.equal(isIdempotencyKey(crypto.randomUUID()), true);
    assert.equal(isIdempotencyKey('reuse-me'), false);
  });

  it('when the card is declined, then the reason is said once and the next attempt gets a new key', () => {
    const failure = checkoutFailure(
      refused(402, {
        code: 'PAYMENT_DECLINED',
        message:
          'The card has insufficient funds. Please use another card. No money was taken; try another card.',
        details: { declineCode: 'insufficient_funds' },
      }),
      money,
    );
    assert.equal(
      failure.message,
      'Your payment did not go through. The card does not have enough funds. No money was taken: please try another card.',
    );
    assert.equal(failure.retrySameKey, false);
  });

  it('when a decline has no words of its own here, then the API message is used', () => {
    const failure = checkoutFailure(
      refused(402, {
        code: 'PAYMENT_DECLINED',
        message:
          'The card number is not valid. Please check it. No money was taken; try another card.',
        details: { declineCode: 'invalid_card' },
      }),
      money,
    );
    assert.match(
      failure.message,
      /^Your payment did not go through\. The card number is not valid\./,
    );
  });

  it('when stock ran out, then each short work comes with what is left', () => {
    const items = [{ productId: 3, title: 'Blue Hour', requested: 2, available: 1 }];
    const failure = checkoutFailure(
      refused(409, { code: 'OUT_OF_STOCK', message: '…', details: { items } }),
      money,
    );
    assert.deepEqual(failure.shortages, items);
    assert.match(failure.message, /Nothing was charged/);
  });

  it('when prices changed, then the new total is named', () => {
    const failure = checkoutFailure(
      refused(409, {
        code: 'PRICE_CHANGED',
        message: '…',
        details: { total: { amountMinor: 12345, currency: 'EUR' } },
      }),
      money,
    );
    assert.match(failure.message, /the total is now €123\.45/);
    assert.deepEqual(failure.newTotal, { amountMinor: 12345, currency: 'EUR' });
  });

  it('when the payment service is away, then the retry keeps the key so it finishes the same order', () => {
    const failure = checkoutFailure(
      refused(503, { code: 'PAYMENT_PROVIDER_UNAVAILABLE', message: '…' }),
      money,
    );
    assert.equal(failure.retrySameKey, true);
    assert.match(failure.message, /press Pay again with the same card/);
  });

  it('when fields are invalid, then their messages land on the form fields', () => {
    const failure = checkoutFailure(
      refused(400, {
        code: 'VALIDATION_FAILED',
        message: 'The request is not valid.',
        details: {
          fields: [
            { path: 'body.shippingAddress.postalCode', message: 'is required' },
            { path: 'body.payment.cvc', message: 'must be 3 or 4 digits' },
          ],
        },
      }),
      money,
    );
    assert.deepEqual(failure.fields, {
      postalCode: 'is required',
      cardCvc: 'must be 3 or 4 digits',
    });
    assert.equal(failure.message, 'Please correct the fields marked below.');
  });
});
