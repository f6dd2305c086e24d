import { QueryTypes } from 'sequelize';
import type { SessionUser } from '../accounts/sessions.ts';
import { productTag } from '../catalog/catalog.tags.ts';
import type { Address, Order } from '../orders/orders.schemas.ts';
import type { OrdersService } from '../orders/orders.service.ts';
import type { PaymentMethodInput, PaymentProvider } from '../payments/payments.types.ts';
import type { ChangeWriter } from '../platform/changes.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { type IdempotencyStore, requestHash } from './idempotency.ts';

export interface CheckoutInput {
  payment: PaymentMethodInput;
  shippingAddress?: Address | undefined;
  /** The total the shopper saw; when the server's differs, nothing is charged (PRICE_CHANGED). */
  expectedTotal?: { amountMinor: number; currency: string } | undefined;
}

/** What paying needs to know of an order. */
interface OrderSummary {
  id: string;
  status: string;
  totalMinor: number;
  currency: string;
  number: number;
}

export interface CheckoutResponse {
  status: number;
  body: unknown;
  /** True when this answer is the stored answer of an earlier attempt. */
  replayed: boolean;
}

interface Line {
  productId: number;
  artistId: number | null;
  title: string;
  kind: 'physical' | 'digital';
  status: string;
  priceMinor: number;
  currency: string;
  quantity: number;
  tracked: boolean;
}

export class OutOfStockError extends AppError {
  constructor(
    items: Array<{ productId: number; title: string; requested: number; available: number }>,
  ) {
    super(
      'OUT_OF_STOCK',
      items.length === 1
        ? `"${items[0]?.title}" has only ${items[0]?.available} left. Update your cart and try again.`
        : 'Some works in your cart have sold out or have fewer left than you want. Update your cart and try again.',
      { status: 409, details: { items } },
    );
  }
}

export function checkoutService(deps: {
  db: Database;
  changes: ChangeWriter;
  orders: OrdersService;
  payments: PaymentProvider;
  idempotency: IdempotencyStore;
  holdMs: number;
  clock: () => number;
}) {
  const { db, changes, orders, payments, idempotency, holdMs, clock } = deps;
  const { sequelize } = db;

  /**
   * One transaction: read the cart, price it from the catalogue, hold stock
   * with conditional updates in product order, create the order with prices
   * copied, its payment and its outbox event, link the idempotency key, and
   * empty the cart. Either all of it happens or none of it.
   */
  async function placeOrder(
    user: SessionUser,
    input: CheckoutInput,
    scope: string,
    key: string,
  ): Promise<OrderSummary> {
    return changes.write(async (transaction, record) => {
      // The cart row is locked: a second checkout of the same cart waits, then finds it empty.
      const lines = await sequelize.query<Line & { cartId: string }>(
        `SELECT c.id AS "cartId", p.id AS "productId", p.artist_id AS "artistId", p.title, p.kind, p.status,
                p.price_minor AS "priceMinor", p.currency, ci.quantity, (inv.product_id IS NOT NULL) AS tracked
         FROM carts c
         JOIN cart_items ci ON ci.cart_id = c.id
         JOIN products p ON p.id = ci.product_id
         LEFT JOIN inventory inv ON inv.product_id = p.id
         WHERE c.user_id = :userId
         ORDER BY p.id
         FOR UPDATE OF c`,
        { type: QueryTypes.SELECT, transaction, replacements: { userId: user.id } },
      );
      const cartId = lines[0]?.cartId;
      if (!cartId) throw new AppError('CART_EMPTY', 'Your cart is empty.', { status: 409 });
      const unavailable = lines.filter((l) => l.status !== 'published');
      if (unavailable.length > 0) {
        throw new OutOfStockError(
          unavailable.map((l) => ({
            productId: l.productId,
            title: l.title,
            requested: l.quantity,
            available: 0,
          })),
        );
      }
      const currency = lines[0]?.currency ?? 'EUR';
      if (lines.some((l) => l.currency !== currency)) {
        throw new AppError(
          'CURRENCY_MISMATCH',
          'The works in your cart are priced in different currencies.',
          {
            status: 409,
          },
        );
      }
      const total = lines.reduce((sum, l) => sum + l.priceMinor * l.quantity, 0);
      if (
        input.expectedTotal &&
        (input.expectedTotal.amountMinor !== total || input.expectedTotal.currency !== currency)
      ) {
        throw new AppError(
          'PRICE_CHANGED',
          'Prices changed since you opened your cart. Check the new total and confirm again.',
          { status: 409, details: { total: { amountMinor: total, currency } } },
        );
      }
      if (!input.shippingAddress && lines.some((l) => l.kind === 'physical')) {
        throw new AppError(
          'SHIPPING_ADDRESS_REQUIRED',
          'Give an address to send the physical works to.',
          {
            status: 400,
          },
        );
      }

      // Take stock. The inventory rows are locked in product id order (every
      // writer does so: no deadlocks), then PostgreSQL's figures decide; the
      // CHECK constraints would refuse a negative result even if this were wrong.
      const tracked = lines.filter((l) => l.tracked);
      if (tracked.length > 0) {
        const ids = tracked.map((l) => l.productId);
        // The subquery locks the rows in product order before the update touches them.
        const taken = await sequelize.query<{ productId: number }>(
          `UPDATE inventory i SET held = i.held + v.q, updated_at = now()
           FROM (SELECT product_id FROM inventory WHERE product_id IN (:ids) ORDER BY product_id FOR UPDATE) l,
                unnest(ARRAY[:ids]::bigint[], ARRAY[:qs]::int[]) AS v(product_id, q)
           WHERE i.product_id = l.product_id AND v.product_id = l.product_id AND i.on_hand - i.held >= v.q
           RETURNING i.product_id AS "productId"`,
          {
            type: QueryTypes.SELECT,
            transaction,
            replacements: { ids, qs: tracked.map((l) => l.quantity) },
          },
        );
        if (taken.length < tracked.length) {
          const stock = await sequelize.query<{ productId: number; available: number }>(
            `SELECT product_id AS "productId", GREATEST(on_hand - held, 0) AS available
             FROM inventory WHERE product_id IN (:ids)`,
            { type: QueryTypes.SELECT, transaction, replacements: { ids } },
          );
          const gotten = new Set(taken.map((r) => r.productId));
          const available = new Map(stock.map((r) => [r.productId, r.available]));
          // Throwing rolls the transaction back: the units taken for the other lines return.
          throw new OutOfStockError(
            tracked
              .filter((l) => !gotten.has(l.productId))
              .map((l) => ({
                productId: l.productId,
                title: l.title,
                requested: l.quantity,
                available: available.get(l.productId) ?? 0,
              })),
          );
        }
      }

      // The order, its lines (prices copied), its payment, the key's link to
      // it and the emptied cart: one statement, one round trip.
      const [order] = await sequelize.query<{ id: string; number: number }>(
        `WITH o AS (
           INSERT INTO orders (user_id, email, status, currency, subtotal_minor, total_minor, shipping_address, hold_expires_at)
           VALUES (:userId, :email, 'pending_payment', :currency, :total, :total, :address, :holdExpiresAt)
           RETURNING id, number
         ), lines AS (
           INSERT INTO order_items (order_id, product_id, artist_id, title, kind, unit_price_minor, quantity, line_total_minor)
           SELECT o.id, v.product_id, v.artist_id, v.title, v.kind, v.price, v.q, v.price * v.q
           FROM o, unnest(ARRAY[:ids]::bigint[], ARRAY[:artists]::bigint[], ARRAY[:titles]::text[],
                          ARRAY[:kinds]::text[], ARRAY[:prices]::int[], ARRAY[:qs]::int[])
                   AS v(product_id, artist_id, title, kind, price, q)
         ), payment AS (
           INSERT INTO payments (order_id, provider, status, amount_minor, currency)
           SELECT o.id, :provider, 'pending', :total, :currency FROM o
         ), link AS (
           UPDATE idempotency_keys SET order_id = (SELECT id FROM o) WHERE scope = :scope AND key = :key
         ), emptied AS (
           DELETE FROM cart_items WHERE cart_id = :cartId
         )
         SELECT id, number FROM o`,
        {
          type: QueryTypes.SELECT,
          transaction,
          replacements: {
            userId: user.id,
            email: user.email,
            currency,
            total,
            address: input.shippingAddress ? JSON.stringify(input.shippingAddress) : null,
            holdExpiresAt: new Date(clock() + holdMs),
            ids: lines.map((l) => l.productId),
            artists: lines.map((l) => l.artistId),
            titles: lines.map((l) => l.title),
            kinds: lines.map((l) => l.kind),
            prices: lines.map((l) => l.priceMinor),
            qs: lines.map((l) => l.quantity),
            provider: payments.name,
            scope,
            key,
            cartId,
          },
        },
      );
      if (!order) throw new Error('order insert returned no row');
      record({
        topic: 'order.created',
        aggregateType: 'order',
        aggregateId: order.id,
        payload: {
          total,
          currency,
          items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        },
        // Held stock changes what a product page may show; lists are not affected.
        tags: tracked.map((l) => productTag(l.productId)),
      });
      return {
        id: order.id,
        status: 'pending_payment' as const,
        totalMinor: total,
        currency,
        number: order.number,
      };
    });
  }

  /** After a decline the shopper's cart is as it was, so they can try another card at once. */
  async function restoreCart(orderId: string): Promise<void> {
    await sequelize.transaction(async (transaction) => {
      const [order] = await sequelize.query<{ userId: number }>(
        'SELECT user_id AS "userId" FROM orders WHERE id = :orderId',
        {
          type: QueryTypes.SELECT,
          transaction,
          replacements: { orderId },
        },
      );
      if (!order) return;
      const [cart] = await sequelize.query<{ id: string }>(
        `INSERT INTO carts (user_id, expires_at) VALUES (:userId, now() + interval '30 days')
         ON CONFLICT (user_id) DO UPDATE SET updated_at = now() RETURNING id`,
        { type: QueryTypes.SELECT, transaction, replacements: { userId: order.userId } },
      );
      await sequelize.query(
        `INSERT INTO cart_items (cart_id, product_id, quantity, added_price_minor, added_currency)
         SELECT :cartId, oi.product_id, oi.quantity, oi.unit_price_minor, o.currency
         FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE oi.order_id = :orderId
         ON CONFLICT (cart_id, product_id) DO NOTHING`,
        { transaction, replacements: { cartId: cart?.id, orderId } },
      );
    });
  }

  /** Charges the order (idempotent at the provider by order id) and applies the outcome. */
  async function pay(
    current: OrderSummary,
    method: PaymentMethodInput,
  ): Promise<{ status: number; body: unknown }> {
    const orderId = current.id;
    if (current.status === 'pending_payment') {
      const result = await payments.charge({
        orderId,
        amountMinor: current.totalMinor,
        currency: current.currency,
        method,
        description: `Order ${current.number}`,
      });
      if (result.status === 'captured') {
        await orders.markPaid(orderId, result.providerRef);
      } else if (result.status === 'declined') {
        if ((await orders.markDeclined(orderId, result.code)).changed) await restoreCart(orderId);
        return {
          status: 402,
          body: {
            error: {
              code: 'PAYMENT_DECLINED',
              message: `${result.message} No money was taken; try another card.`,
              details: { orderId, declineCode: result.code },
            },
          },
        };
      } else {
        await sequelize.query(
          `UPDATE payments SET provider_ref = :ref, updated_at = now() WHERE order_id = :orderId AND status = 'pending'`,
          { replacements: { ref: result.providerRef, orderId } },
        );
      }
    }
    const order = await orders.view(orderId);
    if (order.status === 'cancelled' && order.payment?.status === 'failed') {
      return {
        status: 402,
        body: {
          error: {
            code: 'PAYMENT_DECLINED',
            message: 'The payment was declined. No money was taken; try another card.',
            details: { orderId, declineCode: order.payment.failureCode },
          },
        },
      };
    }
    if (order.status === 'cancelled') {
      return {
        status: 409,
        body: {
          error: {
            code: 'ORDER_EXPIRED',
            message:
              'The time to pay for this order ran out and its works were released. Please check out again.',
            details: { orderId },
          },
        },
      };
    }
    return { status: 201, body: { order } satisfies { order: Order } };
  }

  return {
    async checkout(
      user: SessionUser,
      key: string,
      input: CheckoutInput,
    ): Promise<CheckoutResponse> {
      const scope = `checkout:${user.id}`;
      const begun = await idempotency.begin(scope, key, requestHash(input));
      if (begun.kind === 'replay')
        return { status: begun.status, body: begun.body, replayed: true };
      try {
        const order =
          begun.kind === 'resume' && begun.orderId
            ? await orders.summary(begun.orderId)
            : await placeOrder(user, input, scope, key);
        const response = await pay(order, input.payment);
        await idempotency.complete(scope, key, response.status, response.body);
        return { ...response, replayed: false };
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          // A final answer (out of stock, empty cart, price changed): replay it to retries.
          const body = {
            error: {
              code: err.code,
              message: err.message,
              ...(err.details === undefined ? {} : { details: err.details }),
            },
          };
          await idempotency.complete(scope, key, err.status, body);
          return { status: err.status, body, replayed: false };
        }
        // Transient (database or payment provider away, PaymentUnavailableError):
        // nothing final to store; the key is left open so a retry resumes the order.
        await idempotency.release(scope, key).catch(() => {});
        throw err;
      }
    },
  };
}

export type CheckoutService = ReturnType<typeof checkoutService>;
