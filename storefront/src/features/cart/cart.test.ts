import assert from 'node:assert/strict';
import type { Money } from '../session/format.ts';
import {
  blocksCheckout,
  type CartItem,
  lineNotice,
  parseQuantity,
  productSlugFromReferer,
} from './cart.ts';

const eur = (amountMinor: number): Money => ({ amountMinor, currency: 'EUR' });
const money = (m: Money) => `€${(m.amountMinor / 100).toFixed(2)}`;

function line(overrides: Partial<CartItem>): CartItem {
  return {
    id: 1,
    product: { id: 7, slug: 'blue-hour', title: 'Blue Hour', kind: 'physical', imageUrl: null },
    quantity: 2,
    unitPrice: eur(1000),
    addedPrice: eur(1000),
    lineTotal: eur(2000),
    available: 5,
    state: 'ok',
    ...overrides,
  };
}

describe('cart lines', () => {
  it('when a line is fine, then nothing is said and checkout is open', () => {
    assert.equal(lineNotice(line({}), money), null);
    assert.equal(blocksCheckout(line({})), false);
  });

  it('when the price went up, then both prices are named and checkout stays open', () => {
    const changed = line({ state: 'price_changed', unitPrice: eur(1200) });
    assert.equal(
      lineNotice(changed, money),
      'The price changed from €10.00 to €12.00 since you added it. You pay the new price.',
    );
    assert.equal(blocksCheckout(changed), false);
  });

  it('when the price went down, then the shopper hears the good news', () => {
    assert.match(
      lineNotice(line({ state: 'price_changed', unitPrice: eur(800) }), money) ?? '',
      /went down from €10.00 to €8.00/,
    );
  });

  it('when fewer are left than wanted, then the number left is said and checkout waits', () => {
    const short = line({ state: 'insufficient_stock', quantity: 4, available: 1 });
    assert.equal(
      lineNotice(short, money),
      'Only 1 left, fewer than the 4 you want. Lower the quantity to 1 to check out.',
    );
    assert.equal(blocksCheckout(short), true);
  });

  it('when a work sold out or left the shop, then checkout waits for its removal', () => {
    for (const state of ['sold_out', 'unavailable'] as const) {
      assert.match(lineNotice(line({ state }), money) ?? '', /Remove it to check out/);
      assert.equal(blocksCheckout(line({ state })), true);
    }
  });

  it('when a quantity is typed, then only whole numbers from 0 to 99 count', () => {
    assert.equal(parseQuantity(' 3 '), 3);
    assert.equal(parseQuantity('0'), 0);
    assert.equal(parseQuantity('99'), 99);
    for (const bad of ['100', '-1', '2.5', '', 'two', '1e2'])
      assert.equal(parseQuantity(bad), null, bad);
  });

  it('when a form comes from a product page of this shop, then its slug is known; from elsewhere, not', () => {
    const self = new URL('https://shop.example/cart/');
    assert.equal(
      productSlugFromReferer('https://shop.example/products/blue-hour/', self),
      'blue-hour',
    );
    assert.equal(productSlugFromReferer('https://evil.example/products/blue-hour/', self), null);
    assert.equal(productSlugFromReferer('https://shop.example/artists/mara/', self), null);
    assert.equal(productSlugFromReferer('not a url', self), null);
    assert.equal(productSlugFromReferer(null, self), null);
  });
});
