import assert from 'node:assert/strict';
import { badgeWords, CART_COUNT_MAX_AGE_MS, countPolicy, parseStoredCount } from './cart-count.ts';

const now = 1_700_000_000_000;

describe('islands: cart count', () => {
  it('when the stored value is well formed, then it is read back', () => {
    assert.deepEqual(parseStoredCount(JSON.stringify({ count: 3, at: now })), {
      count: 3,
      at: now,
    });
  });

  it('when the stored value is missing or damaged, then there is none', () => {
    for (const raw of [
      null,
      '',
      '{',
      '"3"',
      '{"count":-1,"at":1}',
      '{"count":1.5,"at":1}',
      '{"count":2}',
    ]) {
      assert.equal(parseStoredCount(raw), null, String(raw));
    }
  });

  it('when a catalogue page has a recent count, then it trusts it and asks nobody', () => {
    assert.equal(countPolicy({ count: 2, at: now - 60_000 }, now, '/products/x/'), 'trust');
  });

  it('when the count is missing, old or from the future, then the page checks it', () => {
    assert.equal(countPolicy(null, now, '/'), 'check');
    assert.equal(countPolicy({ count: 2, at: now - CART_COUNT_MAX_AGE_MS }, now, '/'), 'check');
    assert.equal(countPolicy({ count: 2, at: now + 60_000 }, now, '/'), 'check');
    assert.equal(countPolicy({ count: 2, at: 0 }, now, '/'), 'check');
  });

  it('when the page is the cart or the account, then it checks even a recent count', () => {
    assert.equal(countPolicy({ count: 2, at: now }, now, '/cart/'), 'check');
    assert.equal(countPolicy({ count: 2, at: now }, now, '/account/orders/'), 'check');
  });

  it('when the page signs in or out, then the count is checked and expires for the next page', () => {
    assert.equal(countPolicy({ count: 2, at: now }, now, '/login/'), 'check-and-expire');
    assert.equal(countPolicy(null, now, '/logout/'), 'check-and-expire');
  });

  it('when the badge shows a count, then the link reads "Cart 3 items", and nothing at 0', () => {
    assert.deepEqual(badgeWords(3), { shown: '3', spoken: ' items' });
    assert.deepEqual(badgeWords(1), { shown: '1', spoken: ' item' });
    assert.deepEqual(badgeWords(0), { shown: '', spoken: '' });
  });
});
