import assert from 'node:assert/strict';
import { addedText, messageFor, NETWORK_MESSAGE, shortfallAdd } from './messages.ts';

describe('islands: error codes in words', () => {
  it('when there was no answer, then the shopper is told to check the connection', () => {
    assert.equal(messageFor({ code: 'NETWORK', status: 0 }), NETWORK_MESSAGE);
    assert.match(NETWORK_MESSAGE, /couldn't reach the shop/);
  });

  it('when a product sold out or too few are left, then the words say so', () => {
    const stock = (quantityAvailable: number) => ({
      code: 'INSUFFICIENT_STOCK',
      status: 409,
      details: { productId: 3, quantityAvailable },
    });
    assert.equal(messageFor(stock(0)), 'Sorry, this has just sold out.');
    assert.equal(messageFor(stock(2)), 'Only 2 left.');
    assert.equal(
      messageFor({ code: 'OUT_OF_STOCK', status: 409, details: {} }),
      'Sorry, this has just sold out.',
    );
  });

  it('when the shop is away (maintenance, database, any 5xx without a code), then it asks to try again later', () => {
    assert.match(messageFor({ code: 'MAINTENANCE', status: 503 }), /being updated/);
    assert.match(
      messageFor({ code: 'DATABASE_UNAVAILABLE', status: 503 }),
      /try again in a moment/,
    );
    assert.match(messageFor({ code: 'SERVICE_UNAVAILABLE', status: 502 }), /try again in a moment/);
    assert.match(messageFor({ code: 'INTERNAL_ERROR', status: 500 }), /on our side/);
  });

  it('when throttled, then the wait comes from Retry-After', () => {
    assert.match(
      messageFor({ code: 'TOO_MANY_ATTEMPTS', status: 429, retryAfterS: 30 }),
      /wait 30 seconds/,
    );
    assert.match(
      messageFor({ code: 'TOO_MANY_REQUESTS', status: 429, retryAfterS: 300 }),
      /wait 5 minutes/,
    );
    assert.match(messageFor({ code: 'TOO_MANY_REQUESTS', status: 429 }), /wait a moment/);
  });

  it('when the session is gone or the token stale, then the words say what to do', () => {
    assert.match(messageFor({ code: 'NOT_SIGNED_IN', status: 401 }), /sign in again/);
    assert.match(messageFor({ code: 'CSRF_TOKEN_INVALID', status: 403 }), /Reload this page/);
    assert.match(messageFor({ code: 'CROSS_SITE_REQUEST', status: 403 }), /Reload this page/);
  });

  it('when the quantity is refused, then the limits are named', () => {
    assert.equal(
      messageFor({
        code: 'VALIDATION_FAILED',
        status: 400,
        details: { fields: [{ path: 'body.quantity', message: 'too big' }] },
      }),
      'Choose a quantity from 1 to 99.',
    );
    assert.equal(
      messageFor({ code: 'QUANTITY_TOO_LARGE', status: 409, details: { maxQuantity: 99 } }),
      'You can order at most 99 of one item.',
    );
  });

  it('when a code is unknown, then a 4xx says reload and nothing leaks the code', () => {
    const text = messageFor({ code: 'SOMETHING_NEW', status: 400 });
    assert.equal(text, 'This page is out of date. Reload it and try again.');
    assert.doesNotMatch(text, /SOMETHING_NEW/);
  });
});

describe('islands: adding fewer than asked', () => {
  it('when 5 are asked, 2 left and none in the cart, then 2 are added', () => {
    assert.equal(shortfallAdd(5, 2, 0), 2);
    assert.equal(addedText({ asked: 5, added: 2, left: 2 }), 'Only 2 left: 2 added to your cart.');
  });

  it('when 5 are asked, 3 left and 1 already in the cart, then 2 more are added', () => {
    assert.equal(shortfallAdd(5, 3, 1), 2);
    assert.equal(
      addedText({ asked: 5, added: 2, left: 3 }),
      'Only 3 left: 2 more added, so all 3 are in your cart.',
    );
  });

  it('when all that is left is in the cart already, then none are added and it says so', () => {
    assert.equal(shortfallAdd(1, 2, 2), 0);
    assert.equal(shortfallAdd(1, 1, 3), 0);
    assert.equal(
      addedText({ asked: 1, added: 0, left: 2 }),
      'Only 2 left, and they are all in your cart already.',
    );
    assert.equal(
      addedText({ asked: 1, added: 0, left: 1 }),
      'Only 1 left, and it is already in your cart.',
    );
  });

  it('when the shop took the quantity asked, then it is plainly added', () => {
    assert.equal(addedText({ asked: 1, added: 1, left: null }), 'Added to your cart.');
    assert.equal(addedText({ asked: 3, added: 3, left: null }), '3 added to your cart.');
    assert.equal(addedText({ asked: 1, added: 0, left: 0 }), 'Sorry, this has just sold out.');
  });
});
