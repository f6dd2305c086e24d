import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import { Shopper } from '../../test/support/client.ts';
import type { TestDatabase } from '../../test/support/database.ts';
import { json, type Listening } from '../../test/support/http.ts';
import { makeProduct } from '../../test/support/products.ts';
import { signedInShoppers } from '../../test/support/sessions.ts';
import { hashPassword } from '../accounts/password.ts';

const PASSWORD = 'plum-orchard-lantern';

interface Line {
  id: number;
  product: { id: number };
  quantity: number;
  state: string;
  unitPrice: { amountMinor: number };
  addedPrice: { amountMinor: number };
}

const lines = (cart: { items: Line[] }) =>
  cart.items.map((i) => [i.product.id, i.quantity]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));

describe('cart', () => {
  let app: TestApp;
  let t: TestDatabase;
  let http: Listening;

  before(async () => {
    app = await startTestApp();
    ({ t, http } = app);
  });
  after(() => app?.close());

  it('when a guest adds a work, then the cart lives in a __Host- cookie and prices come from the catalogue', async () => {
    const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5, priceMinor: 2_500 });
    const guest = new Shopper(http.baseUrl);
    assert.deepEqual(await json(await guest.get('/api/v1/cart')), {
      items: [],
      subtotal: null,
      itemCount: 0,
      hasIssues: false,
    });
    const res = await guest.send('POST', '/api/v1/cart/items', { productId: work.id, quantity: 2 });
    assert.equal(res.status, 200);
    assert.ok(
      guest.lastSetCookie.some((c) =>
        /^__Host-vitrine_cart=[A-Za-z0-9_-]{32}; .*HttpOnly.*Secure.*SameSite=Lax/.test(c),
      ),
    );
    const cart = await json(res);
    assert.deepEqual(cart.subtotal, { amountMinor: 5_000, currency: 'EUR' });
    assert.equal(cart.items[0].state, 'ok');
    // Adding again adds up; past the stock is refused with what is left.
    const more = await guest.send('POST', '/api/v1/cart/items', {
      productId: work.id,
      quantity: 4,
    });
    assert.equal(more.status, 409);
    const body = await json(more);
    assert.equal(body.error.code, 'INSUFFICIENT_STOCK');
    assert.deepEqual(body.error.details, { productId: work.id, quantityAvailable: 5 });
    assert.deepEqual(lines(await json(await guest.get('/api/v1/cart'))), [[work.id, 2]]);
  });

  it('when the price or the stock changes after adding, then the cart says so and charges the current price', async () => {
    const cheap = await makeProduct(t.db, t.config.mediaDir, { stock: 5, priceMinor: 1_000 });
    const scarce = await makeProduct(t.db, t.config.mediaDir, { stock: 3 });
    const guest = new Shopper(http.baseUrl);
    await guest.send('POST', '/api/v1/cart/items', { productId: cheap.id });
    await guest.send('POST', '/api/v1/cart/items', { productId: scarce.id, quantity: 3 });
    await t.db.sequelize.query('UPDATE products SET price_minor = 1200 WHERE id = :id', {
      replacements: { id: cheap.id },
    });
    await t.db.sequelize.query('UPDATE inventory SET on_hand = 1 WHERE product_id = :id', {
      replacements: { id: scarce.id },
    });
    const cart = await json(await guest.get('/api/v1/cart'));
    const byId = new Map(cart.items.map((i: Line) => [i.product.id, i]));
    const changed = byId.get(cheap.id) as Line;
    assert.equal(changed.state, 'price_changed');
    assert.equal(changed.addedPrice.amountMinor, 1_000);
    assert.equal(changed.unitPrice.amountMinor, 1_200);
    assert.equal((byId.get(scarce.id) as Line).state, 'insufficient_stock');
    assert.equal(cart.hasIssues, true);
  });

  it('when someone else’s line id is used, then 404 and their cart is untouched', async () => {
    const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5 });
    const [owner, other] = await signedInShoppers(http.baseUrl, t.db, t.config, 2);
    if (!owner || !other) throw new Error('no shoppers');
    const cart = await json(await owner.send('POST', '/api/v1/cart/items', { productId: work.id }));
    const lineId = cart.items[0].id;
    for (const res of [
      await other.send('PATCH', `/api/v1/cart/items/${lineId}`, { quantity: 3 }),
      await other.send('DELETE', `/api/v1/cart/items/${lineId}`),
    ]) {
      assert.equal(res.status, 404);
      assert.equal((await json(res)).error.code, 'CART_ITEM_NOT_FOUND');
    }
    assert.deepEqual(lines(await json(await owner.get('/api/v1/cart'))), [[work.id, 1]]);
  });

  it('when a guest signs in from two tabs at once, then the guest cart merges once: nothing lost, nothing doubled, capped by stock', async () => {
    const a = await makeProduct(t.db, t.config.mediaDir, { stock: 10 });
    const b = await makeProduct(t.db, t.config.mediaDir, { stock: 3 });
    const email = `merge.${Date.now()}@example.com`;
    await t.db.models.User.create({ email, passwordHash: await hashPassword(PASSWORD) });

    // The account already holds 1 × a and 2 × b (from another device).
    const device = new Shopper(http.baseUrl);
    await device.signIn('login', { email, password: PASSWORD });
    await device.send('POST', '/api/v1/cart/items', { productId: a.id, quantity: 1 });
    await device.send('POST', '/api/v1/cart/items', { productId: b.id, quantity: 2 });

    // As a guest: 2 × a and 2 × b (b has 3 in stock: 2 + 2 is capped at 3).
    const guest = new Shopper(http.baseUrl);
    await guest.send('POST', '/api/v1/cart/items', { productId: a.id, quantity: 2 });
    await guest.send('POST', '/api/v1/cart/items', { productId: b.id, quantity: 2 });
    const token = await guest.refreshCsrf();

    // Two tabs share the browser's cookies and submit the login together.
    const tab = () => {
      const s = new Shopper(http.baseUrl);
      for (const [k, v] of guest.cookies) s.cookies.set(k, v);
      s.csrf = token;
      return s;
    };
    const [one, two] = [tab(), tab()];
    const answers = await Promise.all([
      one.signIn('login', { email, password: PASSWORD }),
      two.signIn('login', { email, password: PASSWORD }),
    ]);
    for (const res of answers) assert.equal(res.status, 200);
    assert.ok(
      one.lastSetCookie.some((c) => /^__Host-vitrine_cart=;/.test(c)),
      'the guest cart cookie is cleared',
    );
    assert.deepEqual(
      lines(await json(await one.get('/api/v1/cart'))),
      [
        [a.id, 3],
        [b.id, 3],
      ].sort((x, y) => (x[0] ?? 0) - (y[0] ?? 0)),
    );
    const guestCarts = await t.db.sequelize.query(
      `SELECT 1 FROM carts WHERE token_hash IS NOT NULL AND id IN (SELECT cart_id FROM cart_items WHERE product_id = :a)`,
      { replacements: { a: a.id }, type: QueryTypes.SELECT },
    );
    assert.equal(guestCarts.length, 0, 'the guest cart is gone');
  });

  it('when a work is not for sale, then it cannot be added', async () => {
    const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5 });
    await t.db.sequelize.query(`UPDATE products SET status = 'archived' WHERE id = :id`, {
      replacements: { id: work.id },
    });
    const res = await new Shopper(http.baseUrl).send('POST', '/api/v1/cart/items', {
      productId: work.id,
    });
    assert.equal(res.status, 404);
    assert.equal((await json(res)).error.code, 'PRODUCT_NOT_FOUND');
  });
});
