import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import type { Shopper } from '../../test/support/client.ts';
import { json } from '../../test/support/http.ts';
import { makeProduct } from '../../test/support/products.ts';
import { signedInShoppers } from '../../test/support/sessions.ts';

/*
 * SECURITY.md: "Prices are computed on the server; the client's totals are
 * ignored." A shopper who sends prices, totals or amounts of their own gets
 * the catalogue's price, is charged the server's total, and a total they saw
 * that is no longer true stops the checkout before anything is charged.
 */

const CARD = { type: 'card', number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' };
const ADDRESS = { name: 'Ada', line1: '1 Row', city: 'Paris', postalCode: '75001', country: 'FR' };

describe('security: prices come from the server', () => {
  let app: TestApp;
  let buyer: Shopper;
  let work: { id: number };

  before(async () => {
    app = await startTestApp();
    work = await makeProduct(app.t.db, app.t.config.mediaDir, { stock: 10, priceMinor: 12_500 });
    const [one] = await signedInShoppers(app.http.baseUrl, app.t.db, app.t.config, 1);
    if (!one) throw new Error('no buyer');
    buyer = one;
  });
  after(() => app?.close());

  const charged = async (orderId: string) => {
    const rows = await app.t.db.sequelize.query<{ amount: number }>(
      'SELECT amount_minor AS amount FROM test_payment_charges WHERE order_id = :orderId',
      { type: QueryTypes.SELECT, replacements: { orderId } },
    );
    return rows.map((r) => r.amount);
  };

  it('when the shopper sends prices, totals and amounts of their own, then the cart, the order and the charge use the catalogue’s', async () => {
    const add = await buyer.send('POST', '/api/v1/cart/items', {
      productId: work.id,
      quantity: 2,
      price: { amountMinor: 1, currency: 'EUR' },
      priceMinor: 1,
      unitPrice: 1,
    });
    assert.equal(add.status, 200);
    const cart = await json(add);
    assert.equal(cart.items[0].unitPrice.amountMinor, 12_500, JSON.stringify(cart.items[0]));
    const res = await buyer.send(
      'POST',
      '/api/v1/checkout',
      {
        payment: { ...CARD, amountMinor: 1 },
        shippingAddress: ADDRESS,
        total: { amountMinor: 1, currency: 'EUR' },
        items: [{ productId: work.id, quantity: 2, price: 1 }],
      },
      { headers: { 'idempotency-key': randomUUID() } },
    );
    assert.equal(res.status, 201, await res.clone().text());
    const { order } = await json(res);
    assert.equal(order.total.amountMinor, 25_000);
    assert.equal(order.items[0].unitPrice.amountMinor, 12_500);
    assert.deepEqual(await charged(order.id), [25_000]);
  });

  it('when the total the shopper saw is not the server’s, then 409 PRICE_CHANGED with the real total and nothing is ordered or charged', async () => {
    await buyer.send('POST', '/api/v1/cart/items', { productId: work.id, quantity: 1 });
    const orders = async () => (await json(await buyer.get('/api/v1/orders'))).items.length;
    const before = await orders();
    const res = await buyer.send(
      'POST',
      '/api/v1/checkout',
      {
        payment: CARD,
        shippingAddress: ADDRESS,
        expectedTotal: { amountMinor: 100, currency: 'EUR' },
      },
      { headers: { 'idempotency-key': randomUUID() } },
    );
    assert.equal(res.status, 409);
    const body = await json(res);
    assert.equal(body.error.code, 'PRICE_CHANGED');
    assert.deepEqual(body.error.details.total, { amountMinor: 12_500, currency: 'EUR' });
    assert.equal(await orders(), before, 'no order');
    const [{ n }] = (await app.t.db.sequelize.query(
      'SELECT count(*)::int AS n FROM test_payment_charges',
      { type: QueryTypes.SELECT },
    )) as [{ n: number }];
    assert.equal(n, 1, 'only the first test’s charge');
  });
});
