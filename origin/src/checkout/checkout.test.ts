import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Shopper } from '../../test/support/client.ts';
import {
  createTestDatabase,
  hasExternalDatabase,
  type TestDatabase,
} from '../../test/support/database.ts';
import { json, type Listening, listen } from '../../test/support/http.ts';
import { makeProduct, stockOf } from '../../test/support/products.ts';
import { signedInShoppers } from '../../test/support/sessions.ts';
import { startTcpProxy } from '../../test/support/tcp-proxy.ts';
import { type App, createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger } from '../platform/logging.ts';
import { LEASE_MS } from './idempotency.ts';

const logger = createLogger('silent');
const CARD = {
  type: 'card',
  number: '4242 4242 4242 4242',
  expMonth: 12,
  expYear: 2040,
  cvc: '123',
} as const;
const DECLINED = { ...CARD, number: '4000000000000002' };
const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '1 Gallery Row',
  city: 'London',
  postalCode: 'N1 1AA',
  country: 'gb',
};

type Buyer = Shopper & { userId: number; email: string };

const checkout = (
  buyer: Shopper,
  key: string,
  body: unknown = { payment: CARD, shippingAddress: ADDRESS },
) => buyer.send('POST', '/api/v1/checkout', body, { headers: { 'idempotency-key': key } });

async function addToCart(buyer: Shopper, productId: number, quantity = 1) {
  const res = await buyer.send('POST', '/api/v1/cart/items', { productId, quantity });
  assert.equal(res.status, 200, await res.clone().text());
}

async function count(
  t: TestDatabase,
  sql: string,
  replacements: Record<string, unknown> = {},
): Promise<number> {
  const [row] = await t.db.sequelize.query<{ n: number }>(sql, {
    type: QueryTypes.SELECT,
    replacements,
  });
  return row?.n ?? -1;
}

describe('checkout', () => {
  let t: TestDatabase;
  let built: App;
  let http: Listening;
  const clock = { offset: 0 };

  before(async () => {
    t = await createTestDatabase({ overrides: { DATABASE_POOL_MAX: '20' } });
    built = createApp({
      config: t.config,
      logger,
      db: t.db,
      redis: null,
      clock: () => Date.now() + clock.offset,
    });
    http = await listen(built.app);
  });
  after(async () => {
    await http?.close();
    await built?.close();
    await t?.drop();
  });

  const buyers = (n: number): Promise<Buyer[]> => signedInShoppers(http.baseUrl, t.db, t.config, n);

  it('when 200 buyers check out the last 20 units at once, then exactly 20 are sold, stock ends at 0 and the rest hear OUT_OF_STOCK', async () => {
    const work = await makeProduct(t.db, t.config.mediaDir, { stock: 20 });
    const crowd = await buyers(200);
    for (const buyer of crowd) await addToCart(buyer, work.id);
    const answers = await Promise.all(crowd.map((b) => checkout(b, randomUUID())));
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 20, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 409).length, 180);
    for (const res of answers.filter((r) => r.status === 409)) {
      const body = await json(res);
      assert.equal(body.error.code, 'OUT_OF_STOCK');
      assert.deepEqual(body.error.details.items[0], {
        productId: work.id,
        title: work.title,
        requested: 1,
        available: 0,
      });
    }
    assert.deepEqual(await stockOf(t.db, work.id), { onHand: 0, held: 0 });
    assert.equal(
      await count(t, `SELECT count(*)::int AS n FROM order_items WHERE product_id = :id`, {
        id: work.id,
      }),
      20,
    );
    assert.equal(
      await count(
        t,
        `SELECT count(*)::int AS n FROM payments p JOIN order_items oi ON oi.order_id = p.order_id
                      WHERE oi.product_id = :id AND p.status = 'captured'`,
        { id: work.id },
      ),
      20,
    );
  });

  it('when multi-work carts cross each other’s works, then every checkout completes without a deadlock', async () => {
    const a = await makeProduct(t.db, t.config.mediaDir, { stock: 50 });
    const b = await makeProduct(t.db, t.config.mediaDir, { stock: 50 });
    const crowd = await buyers(40);
    for (const [i, buyer] of crowd.entries()) {
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      await addToCart(buyer, first.id);
      await addToCart(buyer, second.id);
    }
    const statuses = (await Promise.all(crowd.map((buyer) => checkout(buyer, randomUUID())))).map(
      (r) => r.status,
    );
    assert.deepEqual([...new Set(statuses)], [201]);
    assert.deepEqual(await stockOf(t.db, a.id), { onHand: 10, held: 0 });
    assert.deepEqual(await stockOf(t.db, b.id), { onHand: 10, held: 0 });
  });

  describe('idempotency', () => {
    it('when a checkout is retried with the same key, then the first answer comes back and nothing new is made', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5, priceMinor: 4_200 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id, 2);
      const key = randomUUID();
      const first = await checkout(buyer, key);
      assert.equal(first.status, 201);
      const firstBody = await json(first);
      assert.equal(firstBody.order.status, 'paid');
      assert.deepEqual(firstBody.order.total, { amountMinor: 8_400, currency: 'EUR' });
      const again = await checkout(buyer, key);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await json(again), firstBody);
      assert.equal(
        await count(t, 'SELECT count(*)::int AS n FROM orders WHERE user_id = :u', {
          u: buyer.userId,
        }),
        1,
      );
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 3, held: 0 });
    });

    it('when the same key comes with a different body, then 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      const key = randomUUID();
      assert.equal((await checkout(buyer, key)).status, 201);
      const other = await checkout(buyer, key, {
        payment: { ...CARD, cvc: '999' },
        shippingAddress: ADDRESS,
      });
      assert.equal(other.status, 409);
      assert.equal((await json(other)).error.code, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('when 20 requests with one key arrive together, then one order exists and every success names it', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 5 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 20 }, () => checkout(buyer, key)));
      const ids = new Set<string>();
      for (const res of answers) {
        const body = await json(res);
        if (res.status === 201) ids.add(body.order.id);
        else {
          assert.equal(res.status, 409);
          assert.equal(body.error.code, 'IDEMPOTENCY_KEY_IN_USE');
        }
      }
      assert.equal(ids.size, 1);
      assert.equal(
        await count(t, 'SELECT count(*)::int AS n FROM orders WHERE user_id = :u', {
          u: buyer.userId,
        }),
        1,
      );
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 4, held: 0 });
    });

    it('when the key is missing, then 400 names the header and nothing is ordered', async () => {
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      const res = await buyer.send('POST', '/api/v1/checkout', { payment: CARD });
      assert.equal(res.status, 400);
      assert.equal((await json(res)).error.details.fields[0].path, 'headers.idempotency-key');
    });
  });

  describe('payments', () => {
    it('when the card is declined, then 402, no money taken, stock released and the cart restored', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 3 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id, 2);
      const res = await checkout(buyer, randomUUID(), {
        payment: DECLINED,
        shippingAddress: ADDRESS,
      });
      assert.equal(res.status, 402);
      const body = await json(res);
      assert.equal(body.error.code, 'PAYMENT_DECLINED');
      assert.equal(body.error.details.declineCode, 'card_declined');
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 3, held: 0 });
      const cart = await json(await buyer.get('/api/v1/cart'));
      assert.deepEqual(
        cart.items.map((i: { product: { id: number }; quantity: number }) => [
          i.product.id,
          i.quantity,
        ]),
        [[work.id, 2]],
      );
      const order = await json(await buyer.get(`/api/v1/orders/${body.error.details.orderId}`));
      assert.equal(order.status, 'cancelled');
      assert.equal(order.payment.status, 'failed');
    });

    it('when a card completes later, then the webhook pays the order once however often it arrives or races', async () => {
      const { buildTestWebhook } = await import('../payments/test-webhook.ts');
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 4 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      const res = await checkout(buyer, randomUUID(), {
        payment: { ...CARD, number: '4000000000003220' },
        shippingAddress: ADDRESS,
      });
      assert.equal(res.status, 201);
      const pending = (await json(res)).order;
      assert.equal(pending.status, 'pending_payment');
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 4, held: 1 });
      const [ledger] = await t.db.sequelize.query<{ ref: string }>(
        'SELECT provider_ref AS ref FROM test_payment_charges WHERE order_id = :id',
        { type: QueryTypes.SELECT, replacements: { id: pending.id } },
      );
      const event = buildTestWebhook(
        {
          id: `evt_${randomUUID()}`,
          type: 'charge.succeeded',
          orderId: pending.id,
          providerRef: ledger?.ref ?? '',
        },
        { secret: t.config.payments.webhookSecret },
      );
      const deliver = () =>
        fetch(`${http.baseUrl}/api/v1/payments/webhooks/test`, {
          method: 'POST',
          headers: event.headers,
          body: event.body,
        });
      const first = await Promise.all([deliver(), deliver(), deliver()]);
      for (const r of first) assert.equal(r.status, 200);
      const replay = await json(await deliver());
      assert.deepEqual(replay, { received: true, duplicate: true });
      const order = await json(await buyer.get(`/api/v1/orders/${pending.id}`));
      assert.equal(order.status, 'paid');
      assert.equal(
        await count(
          t,
          `SELECT count(*)::int AS n FROM payments WHERE order_id = :id AND status = 'captured'`,
          { id: pending.id },
        ),
        1,
      );
      assert.equal(
        await count(
          t,
          `SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = :id AND topic = 'order.paid'`,
          { id: pending.id },
        ),
        1,
      );
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 3, held: 0 });
    });

    it('when a webhook is unsigned or tampered with, then 400 and nothing changes', async () => {
      const res = await fetch(`${http.baseUrl}/api/v1/payments/webhooks/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'vitrine-signature': 't=1,v1=00' },
        body: JSON.stringify({
          id: 'evt_1',
          type: 'charge.succeeded',
          data: { orderId: randomUUID(), providerRef: 'x' },
        }),
      });
      assert.equal(res.status, 400);
      assert.equal((await json(res)).error.code, 'WEBHOOK_SIGNATURE_INVALID');
    });
  });

  describe('holds and cancellation', () => {
    it('when a payment never completes, then the sweeper releases the hold after it expires', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 2 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      const res = await checkout(buyer, randomUUID(), {
        payment: { ...CARD, number: '4000000000003220' },
        shippingAddress: ADDRESS,
      });
      const order = (await json(res)).order;
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 2, held: 1 });
      await built.sweep();
      assert.deepEqual(
        await stockOf(t.db, work.id),
        { onHand: 2, held: 1 },
        'not before the hold runs out',
      );
      clock.offset += t.config.checkout.holdMs + 1_000;
      try {
        const swept = await built.sweep();
        assert.ok(swept.expired >= 1);
      } finally {
        clock.offset = 0;
      }
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 2, held: 0 });
      assert.equal((await json(await buyer.get(`/api/v1/orders/${order.id}`))).status, 'cancelled');
    });

    it('when a paid order is cancelled twice at once, then it is refunded once and its stock returns once', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 2 });
      const [buyer] = await buyers(1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      const order = (await json(await checkout(buyer, randomUUID()))).order;
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 1, held: 0 });
      const [a, b] = await Promise.all([
        buyer.send('POST', `/api/v1/orders/${order.id}/cancel`),
        buyer.send('POST', `/api/v1/orders/${order.id}/cancel`),
      ]);
      assert.equal(a?.status, 200);
      assert.equal(b?.status, 200);
      assert.equal((await json(a as Response)).status, 'refunded');
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 2, held: 0 });
      assert.equal(
        await count(
          t,
          `SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = :id AND topic = 'order.refunded'`,
          { id: order.id },
        ),
        1,
      );
      const [ledger] = await t.db.sequelize.query<{ refunded: boolean }>(
        'SELECT refunded_at IS NOT NULL AS refunded FROM test_payment_charges WHERE order_id = :id',
        { type: QueryTypes.SELECT, replacements: { id: order.id } },
      );
      assert.equal(ledger?.refunded, true);
    });

    it('when an order has been sent, then it cannot be cancelled', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: 2 });
      const [buyer] = await buyers(1);
      const [admin] = await signedInShoppers(http.baseUrl, t.db, t.config, 1, 'admin');
      if (!buyer || !admin) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      const order = (await json(await checkout(buyer, randomUUID()))).order;
      const fulfilled = await admin.send('POST', `/api/v1/admin/orders/${order.id}/fulfil`);
      assert.equal(fulfilled.status, 200);
      assert.equal((await json(fulfilled)).status, 'fulfilled');
      const cancel = await buyer.send('POST', `/api/v1/orders/${order.id}/cancel`);
      assert.equal(cancel.status, 409);
      assert.equal((await json(cancel)).error.code, 'ORDER_ALREADY_FULFILLED');
    });
  });

  describe('orders belong to their buyer', () => {
    it('when another shopper asks for, cancels or downloads an order, then 404 every time', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: null, kind: 'digital' });
      const [owner, stranger] = await buyers(2);
      if (!owner || !stranger) throw new Error('no buyers');
      await addToCart(owner, work.id);
      const res = await checkout(owner, randomUUID(), { payment: CARD });
      assert.equal(res.status, 201, 'a digital-only order needs no address');
      const order = (await json(res)).order;
      for (const attempt of [
        stranger.get(`/api/v1/orders/${order.id}`),
        stranger.send('POST', `/api/v1/orders/${order.id}/cancel`),
        stranger.get(`/api/v1/orders/${order.id}/downloads`),
      ]) {
        const r = await attempt;
        assert.equal(r.status, 404);
        assert.equal((await json(r)).error.code, 'ORDER_NOT_FOUND');
      }
      const mine = await json(await owner.get('/api/v1/orders'));
      assert.deepEqual(
        mine.items.map((o: { id: string }) => o.id),
        [order.id],
      );
      assert.deepEqual((await json(await stranger.get('/api/v1/orders'))).items, []);
    });

    it('when a digital work is bought, then its download link works for the buyer only, until it expires or is refunded', async () => {
      const work = await makeProduct(t.db, t.config.mediaDir, { stock: null, kind: 'digital' });
      const [owner, stranger] = await buyers(2);
      if (!owner || !stranger) throw new Error('no buyers');
      await addToCart(owner, work.id);
      const order = (await json(await checkout(owner, randomUUID(), { payment: CARD }))).order;
      const downloads = await json(await owner.get(`/api/v1/orders/${order.id}/downloads`));
      assert.equal(downloads.items.length, 1);
      const url = downloads.items[0].url as string;
      const file = await owner.get(url);
      assert.equal(file.status, 200);
      assert.match(
        file.headers.get('content-disposition') ?? '',
        /^attachment; filename="?work-[0-9a-f]+\.svg"?$/,
      );
      assert.match(await file.text(), /^<svg /);
      assert.equal((await stranger.get(url)).status, 404, 'the link names its buyer');
      clock.offset += (t.config.checkout.downloadLinkTtlS + 1) * 1000;
      try {
        assert.equal((await owner.get(url)).status, 404, 'expired');
      } finally {
        clock.offset = 0;
      }
      assert.equal((await owner.send('POST', `/api/v1/orders/${order.id}/cancel`)).status, 200);
      assert.equal((await owner.get(url)).status, 404, 'refunded');
    });
  });
});

describe('checkout: the database goes away mid-checkout', () => {
  it('when the connection drops while the order is being written, then 503 with a code, no partial order, and a retry completes once', async function () {
    if (!hasExternalDatabase) {
      // PGlite is in-process: there is no connection to cut. CI runs this against PostgreSQL.
      this.skip();
    }
    const t = await createTestDatabase();
    const target = new URL(process.env.DATABASE_URL ?? '');
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    target.host = `127.0.0.1:${proxy.port}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: target.toString(),
      DATABASE_SCHEMA: t.config.database.schema,
      MEDIA_DIR: t.config.mediaDir,
      SESSION_KEYS: `k:${'k'.repeat(40)}`,
    });
    const db = await openDatabase(config.database, logger);
    const later = { ms: 0 };
    const built = createApp({
      config,
      logger,
      db,
      redis: null,
      clock: () => Date.now() + later.ms,
    });
    const http = await listen(built.app);
    try {
      const work = await makeProduct(t.db, config.mediaDir, { stock: 3 });
      const [buyer] = await signedInShoppers(http.baseUrl, t.db, config, 1);
      if (!buyer) throw new Error('no buyer');
      await addToCart(buyer, work.id);
      let armed = true;
      // Sequelize logs each statement just before sending it: cut the line right there.
      (db.sequelize as unknown as { options: { logging: (sql: string) => void } }).options.logging =
        (sql) => {
          if (armed && sql.includes('INSERT INTO order_items')) {
            armed = false;
            proxy.down();
          }
        };
      const key = randomUUID();
      const failed = await checkout(buyer, key);
      assert.equal(failed.status, 503, await failed.clone().text());
      assert.equal((await json(failed)).error.code, 'DATABASE_UNAVAILABLE');
      proxy.up();
      // The failed attempt could not even release its lease (the database was gone), so
      // a retry waits for the lease to run out: move the clock past it instead of sleeping.
      later.ms = LEASE_MS + 1_000;
      assert.equal(
        await count(t, 'SELECT count(*)::int AS n FROM orders WHERE user_id = :u', {
          u: buyer.userId,
        }),
        0,
      );
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 3, held: 0 });
      let retried: Response | null = null;
      for (let i = 0; i < 30; i++) {
        retried = await checkout(buyer, key);
        if (retried.status !== 503) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(retried?.status, 201);
      assert.equal(
        await count(t, 'SELECT count(*)::int AS n FROM orders WHERE user_id = :u', {
          u: buyer.userId,
        }),
        1,
      );
      assert.deepEqual(await stockOf(t.db, work.id), { onHand: 2, held: 0 });
    } finally {
      await http.close();
      await built.close();
      await db.close();
      await proxy.close();
      await t.drop();
    }
  });
});
