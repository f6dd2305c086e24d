import { QueryTypes, type Transaction } from 'sequelize';
import { productTag } from '../catalog/catalog.tags.ts';
import type { PaymentProvider } from '../payments/payments.types.ts';
import type { ChangeWriter, RecordChange } from '../platform/changes.ts';
import type { Database } from '../platform/db/database.ts';
import type { OrderStatus } from '../platform/db/models.ts';
import { AppError, NotFoundError } from '../platform/errors.ts';
import type { Address, Order } from './orders.schemas.ts';

/*
 * Order state machine. Every transition is one conditional UPDATE
 * (`WHERE status = <expected>`), so two actors racing (the synchronous
 * confirmation and a webhook, two cancels, the hold sweeper and a late
 * payment) cannot both apply it: the loser sees no row and leaves things be.
 *
 *   pending_payment ──paid──► paid ──fulfil──► fulfilled
 *         │                    │
 *         ├─declined/expired/cancelled──► cancelled   (held stock released)
 *                              └─cancel + refund──► refunded (stock returned)
 *
 * Stock: while pending, units are `held`; on payment they leave `on_hand`
 * and `held` together; a refund puts them back on hand.
 */

interface OrderRow {
  id: string;
  number: number;
  userId: number;
  email: string;
  status: OrderStatus;
  currency: string;
  subtotalMinor: number;
  totalMinor: number;
  shippingAddress: Address | null;
  holdExpiresAt: Date | null;
  createdAt: Date;
  paidAt: Date | null;
  fulfilledAt: Date | null;
  cancelledAt: Date | null;
}

interface ItemRow {
  productId: number;
  slug: string | null;
  title: string;
  kind: 'physical' | 'digital';
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
  tracked: boolean;
}

const ORDER_COLUMNS = /* sql */ `
  o.id, o.number, o.user_id AS "userId", o.email, o.status, o.currency, o.subtotal_minor AS "subtotalMinor",
  o.total_minor AS "totalMinor", o.shipping_address AS "shippingAddress", o.hold_expires_at AS "holdExpiresAt",
  o.created_at AS "createdAt", o.paid_at AS "paidAt", o.fulfilled_at AS "fulfilledAt", o.cancelled_at AS "cancelledAt"`;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const orderNotFound = () =>
  new NotFoundError('ORDER_NOT_FOUND', 'No order of yours has this id.');

export interface TransitionResult {
  /** False when another actor got there first; the order is as they left it. */
  changed: boolean;
  status: OrderStatus;
}

export function ordersService(deps: {
  db: Database;
  changes: ChangeWriter;
  payments: PaymentProvider;
  clock: () => number;
}) {
  const { db, changes, payments, clock } = deps;
  const { sequelize } = db;

  async function items(orderId: string, transaction?: Transaction): Promise<ItemRow[]> {
    return sequelize.query<ItemRow>(
      `SELECT oi.product_id AS "productId", p.slug, oi.title, oi.kind, oi.quantity,
              oi.unit_price_minor AS "unitPriceMinor", oi.line_total_minor AS "lineTotalMinor",
              (inv.product_id IS NOT NULL) AS tracked
       FROM order_items oi
       LEFT JOIN products p ON p.id = oi.product_id
       LEFT JOIN inventory inv ON inv.product_id = oi.product_id
       WHERE oi.order_id = :orderId
       ORDER BY oi.product_id`,
      { type: QueryTypes.SELECT, transaction, replacements: { orderId } },
    );
  }

  /** The order as the API shows it, in one query (lines and payment aggregated as JSON). */
  async function view(orderId: string, transaction?: Transaction): Promise<Order> {
    const [row] = await sequelize.query<
      OrderRow & {
        items: Array<Omit<ItemRow, 'tracked'>>;
        payment: { provider: string; status: string; failureCode: string | null } | null;
      }
    >(
      `SELECT ${ORDER_COLUMNS},
         (SELECT json_agg(json_build_object(
             'productId', oi.product_id, 'slug', p.slug, 'title', oi.title, 'kind', oi.kind, 'quantity', oi.quantity,
             'unitPriceMinor', oi.unit_price_minor, 'lineTotalMinor', oi.line_total_minor) ORDER BY oi.product_id)
          FROM order_items oi LEFT JOIN products p ON p.id = oi.product_id WHERE oi.order_id = o.id) AS items,
         (SELECT json_build_object('provider', provider, 'status', status, 'failureCode', failure_code)
          FROM payments WHERE order_id = o.id ORDER BY created_at DESC LIMIT 1) AS payment
       FROM orders o WHERE o.id = :orderId`,
      { type: QueryTypes.SELECT, transaction, replacements: { orderId } },
    );
    if (!row) throw orderNotFound();
    const money = (amountMinor: number) => ({ amountMinor, currency: row.currency });
    return {
      id: row.id,
      number: row.number,
      status: row.status,
      email: row.email,
      items: (row.items ?? []).map((i) => ({
        productId: i.productId,
        slug: i.slug,
        title: i.title,
        kind: i.kind,
        quantity: i.quantity,
        unitPrice: money(i.unitPriceMinor),
        lineTotal: money(i.lineTotalMinor),
      })),
      subtotal: money(row.subtotalMinor),
      total: money(row.totalMinor),
      shippingAddress: row.shippingAddress,
      createdAt: new Date(row.createdAt).toISOString(),
      paidAt: iso(row.paidAt),
      fulfilledAt: iso(row.fulfilledAt),
      cancelledAt: iso(row.cancelledAt),
      holdExpiresAt: row.status === 'pending_payment' ? iso(row.holdExpiresAt) : null,
      payment: row.payment
        ? {
            provider: row.payment.provider,
            status: row.payment.status as NonNullable<Order['payment']>['status'],
            failureCode: row.payment.failureCode,
          }
        : null,
    };
  }

  /** Moves the order from one status to another if, and only if, it is still in `from`. */
  async function transition(
    transaction: Transaction,
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    stamp: 'paid_at' | 'fulfilled_at' | 'cancelled_at',
  ): Promise<boolean> {
    const rows = await sequelize.query<{ id: string }>(
      `UPDATE orders SET status = :to, ${stamp} = :now, updated_at = :now
       WHERE id = :orderId AND status = :from RETURNING id`,
      {
        type: QueryTypes.SELECT,
        transaction,
        replacements: { orderId, from, to, now: new Date(clock()) },
      },
    );
    return rows.length === 1;
  }

  async function statusOf(orderId: string, transaction?: Transaction): Promise<OrderStatus> {
    const [row] = await sequelize.query<{ status: OrderStatus }>(
      'SELECT status FROM orders WHERE id = :orderId',
      {
        type: QueryTypes.SELECT,
        transaction,
        replacements: { orderId },
      },
    );
    if (!row) throw orderNotFound();
    return row.status;
  }

  /**
   * Applies a stock movement for every stock-tracked line, in product order
   * (every writer locks inventory rows in the same order: no deadlocks).
   */
  async function moveStock(
    transaction: Transaction,
    lines: ItemRow[],
    movement: 'release_hold' | 'take_held' | 'return_to_stock',
  ): Promise<void> {
    const sql = {
      release_hold: 'held = held - :q',
      take_held: 'on_hand = on_hand - :q, held = held - :q',
      return_to_stock: 'on_hand = on_hand + :q',
    }[movement];
    for (const line of lines) {
      if (!line.tracked) continue;
      await sequelize.query(
        `UPDATE inventory SET ${sql}, updated_at = now() WHERE product_id = :productId`,
        {
          transaction,
          replacements: { q: line.quantity, productId: line.productId },
        },
      );
    }
  }

  // Stock shows on product pages; lists are left to their TTL rather than emptied on every sale.
  const stockTags = (lines: ItemRow[]) =>
    lines.filter((l) => l.tracked).map((l) => productTag(l.productId));

  function recordOrder(
    record: RecordChange,
    topic: string,
    orderId: string,
    lines: ItemRow[],
    payload = {},
  ) {
    record({
      topic,
      aggregateType: 'order',
      aggregateId: orderId,
      payload,
      tags: stockTags(lines),
    });
  }

  /** Ends a pending order without payment: the hold is released. */
  async function closeUnpaid(
    orderId: string,
    topic: 'order.payment_failed' | 'order.expired' | 'order.cancelled',
    payment: { status: 'failed' | 'cancelled'; failureCode?: string | null },
  ): Promise<TransitionResult> {
    return changes.write(async (transaction, record) => {
      if (
        !(await transition(transaction, orderId, 'pending_payment', 'cancelled', 'cancelled_at'))
      ) {
        return { changed: false, status: await statusOf(orderId, transaction) };
      }
      const lines = await items(orderId, transaction);
      await moveStock(transaction, lines, 'release_hold');
      await sequelize.query(
        `UPDATE payments SET status = :status, failure_code = :failureCode, updated_at = now()
         WHERE order_id = :orderId AND status = 'pending'`,
        {
          transaction,
          replacements: {
            orderId,
            status: payment.status,
            failureCode: payment.failureCode ?? null,
          },
        },
      );
      recordOrder(
        record,
        topic,
        orderId,
        lines,
        payment.failureCode ? { failureCode: payment.failureCode } : {},
      );
      return { changed: true, status: 'cancelled' as const };
    });
  }

  return {
    view,
    items,

    /** What payment needs: status, amount and number. */
    async summary(orderId: string) {
      const [row] = await sequelize.query<{
        id: string;
        status: OrderStatus;
        totalMinor: number;
        currency: string;
        number: number;
      }>(
        'SELECT id, status, total_minor AS "totalMinor", currency, number FROM orders WHERE id = :orderId',
        { type: QueryTypes.SELECT, replacements: { orderId } },
      );
      if (!row) throw orderNotFound();
      return row;
    },

    async viewOwn(userId: number, orderId: string): Promise<Order> {
      const [row] = await sequelize.query<{ id: string }>(
        'SELECT id FROM orders WHERE id = :orderId AND user_id = :userId',
        { type: QueryTypes.SELECT, replacements: { orderId, userId } },
      );
      // Another shopper's order is "not found", never "forbidden": ids are not confirmed.
      if (!row) throw orderNotFound();
      return view(orderId);
    },

    async list(filter: {
      userId?: number;
      status?: OrderStatus;
      limit: number;
      before?: number | undefined;
    }) {
      const rows = await sequelize.query<{ id: string; number: number }>(
        `SELECT id, number FROM orders
         WHERE (CAST(:userId AS bigint) IS NULL OR user_id = :userId)
           AND (CAST(:status AS text) IS NULL OR status = :status)
           AND (CAST(:before AS bigint) IS NULL OR number < :before)
         ORDER BY number DESC LIMIT :limit`,
        {
          type: QueryTypes.SELECT,
          replacements: {
            userId: filter.userId ?? null,
            status: filter.status ?? null,
            before: filter.before ?? null,
            limit: filter.limit + 1,
          },
        },
      );
      const page = rows.slice(0, filter.limit);
      return {
        items: await Promise.all(page.map((r) => view(r.id))),
        nextBefore: rows.length > filter.limit ? (page.at(-1)?.number ?? null) : null,
      };
    },

    /**
     * Payment captured (synchronous confirmation or webhook, whichever comes
     * first): held units leave the shop. If the order was meanwhile cancelled
     * (its hold expired), the money goes back at once.
     */
    async markPaid(orderId: string, providerRef: string): Promise<TransitionResult> {
      const result = await changes.write(async (transaction, record) => {
        // The status guard and the payment's capture in one statement.
        const paid = await sequelize.query<{ id: string }>(
          `WITH o AS (
             UPDATE orders SET status = 'paid', paid_at = :now, updated_at = :now
             WHERE id = :orderId AND status = 'pending_payment' RETURNING id
           ), captured AS (
             UPDATE payments SET status = 'captured', provider_ref = :providerRef, updated_at = now()
             WHERE order_id IN (SELECT id FROM o) AND status = 'pending'
           )
           SELECT id FROM o`,
          {
            type: QueryTypes.SELECT,
            transaction,
            replacements: { orderId, providerRef, now: new Date(clock()) },
          },
        );
        if (paid.length === 0)
          return { changed: false, status: await statusOf(orderId, transaction) };
        // Move held units out, the rows locked in product order first (as every writer does).
        const locked = await sequelize.query<{ productId: number }>(
          `UPDATE inventory inv
           SET on_hand = inv.on_hand - oi.quantity, held = inv.held - oi.quantity, updated_at = now()
           FROM order_items oi,
                (SELECT i.product_id FROM inventory i JOIN order_items x ON x.product_id = i.product_id
                 WHERE x.order_id = :orderId ORDER BY i.product_id FOR UPDATE OF i) l
           WHERE oi.order_id = :orderId AND inv.product_id = oi.product_id AND l.product_id = inv.product_id
           RETURNING inv.product_id AS "productId"`,
          { type: QueryTypes.SELECT, transaction, replacements: { orderId } },
        );
        record({
          topic: 'order.paid',
          aggregateType: 'order',
          aggregateId: orderId,
          tags: locked.map((l) => productTag(l.productId)),
        });
        return { changed: true, status: 'paid' as const };
      });
      if (!result.changed && result.status === 'cancelled') {
        // Captured after the hold ran out: the stock may be sold to someone else. Give the money back.
        const [order] = await sequelize.query<{ totalMinor: number; currency: string }>(
          'SELECT total_minor AS "totalMinor", currency FROM orders WHERE id = :orderId',
          { type: QueryTypes.SELECT, replacements: { orderId } },
        );
        if (order)
          await payments.refund({
            orderId,
            providerRef,
            amountMinor: order.totalMinor,
            currency: order.currency,
          });
      }
      return result;
    },

    async markDeclined(orderId: string, failureCode: string): Promise<TransitionResult> {
      return closeUnpaid(orderId, 'order.payment_failed', { status: 'failed', failureCode });
    },

    async expire(orderId: string): Promise<TransitionResult> {
      return closeUnpaid(orderId, 'order.expired', { status: 'cancelled' });
    },

    /** Pending orders whose hold ran out, oldest first; SKIP LOCKED lets several sweepers share the work. */
    async expiredHolds(limit = 100): Promise<string[]> {
      const rows = await sequelize.query<{ id: string }>(
        `SELECT id FROM orders WHERE status = 'pending_payment' AND hold_expires_at < :now
         ORDER BY hold_expires_at LIMIT :limit`,
        { type: QueryTypes.SELECT, replacements: { now: new Date(clock()), limit } },
      );
      return rows.map((r) => r.id);
    },

    /**
     * The shopper cancels. Pending: the hold is released. Paid: the provider
     * refunds first (idempotent per order), then the stock returns, once.
     */
    async cancelByCustomer(userId: number, orderId: string): Promise<Order> {
      const [row] = await sequelize.query<{
        status: OrderStatus;
        totalMinor: number;
        currency: string;
        providerRef: string | null;
      }>(
        `SELECT o.status, o.total_minor AS "totalMinor", o.currency,
                (SELECT provider_ref FROM payments WHERE order_id = o.id AND status IN ('captured', 'refunded') LIMIT 1) AS "providerRef"
         FROM orders o WHERE o.id = :orderId AND o.user_id = :userId`,
        { type: QueryTypes.SELECT, replacements: { orderId, userId } },
      );
      if (!row) throw orderNotFound();
      if (row.status === 'fulfilled') {
        throw new AppError(
          'ORDER_ALREADY_FULFILLED',
          'This order has been sent; it can no longer be cancelled.',
          {
            status: 409,
          },
        );
      }
      if (row.status === 'pending_payment') {
        await closeUnpaid(orderId, 'order.cancelled', { status: 'cancelled' });
      } else if (row.status === 'paid' && row.providerRef) {
        await payments.refund({
          orderId,
          providerRef: row.providerRef,
          amountMinor: row.totalMinor,
          currency: row.currency,
        });
        await changes.write(async (transaction, record) => {
          if (!(await transition(transaction, orderId, 'paid', 'refunded', 'cancelled_at'))) return;
          const lines = await items(orderId, transaction);
          await moveStock(transaction, lines, 'return_to_stock');
          await sequelize.query(
            `UPDATE payments SET status = 'refunded', updated_at = now() WHERE order_id = :orderId AND status = 'captured'`,
            { transaction, replacements: { orderId } },
          );
          recordOrder(record, 'order.refunded', orderId, lines);
        });
      }
      return view(orderId);
    },

    async fulfil(orderId: string): Promise<Order> {
      const changed = await changes.write(async (transaction, record) => {
        const done = await transition(transaction, orderId, 'paid', 'fulfilled', 'fulfilled_at');
        if (done)
          record({
            topic: 'order.fulfilled',
            aggregateType: 'order',
            aggregateId: orderId,
            tags: [],
          });
        return done;
      });
      if (!changed) {
        const status = await statusOf(orderId);
        if (status !== 'fulfilled') {
          throw new AppError(
            'ORDER_NOT_PAID',
            `Only paid orders can be fulfilled; this one is ${status}.`,
            {
              status: 409,
            },
          );
        }
      }
      return view(orderId);
    },
  };
}

export type OrdersService = ReturnType<typeof ordersService>;
