import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import { requireRole, requireUser } from '../accounts/index.ts';
import type { KeyRing } from '../accounts/session-cookie.ts';
import { type PaymentProvider, TEST_WEBHOOK_SIGNATURE_HEADER } from '../payments/index.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, NotFoundError } from '../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { signDownload, verifyDownload } from './downloads.ts';
import {
  AdminOrderListQuery,
  Download,
  Order,
  OrderIdParams,
  OrderList,
  OrderListQuery,
} from './orders.schemas.ts';
import type { OrdersService } from './orders.service.ts';

export interface OrdersRouteDeps {
  db: Database;
  orders: OrdersService;
  payments: PaymentProvider;
  ring: KeyRing;
  mediaDir: string;
  downloadTtlS: number;
  clock: () => number;
}

const privately = { 'cache-control': 'private, no-store' };

export function ordersRoutes(deps: OrdersRouteDeps): AnyRoute[] {
  const { db, orders, payments, ring, mediaDir, downloadTtlS, clock } = deps;
  const userOf = (req: { auth: { user: { id: number } } | null }) => {
    if (!req.auth) throw new AppError('NOT_SIGNED_IN', 'Sign in to do this.', { status: 401 });
    return req.auth.user.id;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/orders',
      operationId: 'listOrders',
      summary: 'Your orders, newest first',
      tags: ['orders'],
      before: [requireUser],
      query: OrderListQuery,
      response: OrderList,
      errors: [400, 401],
      handler: async ({ query }, req, res) => {
        res.set(privately);
        return orders.list({ userId: userOf(req), limit: query.limit, before: query.before });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders/:id',
      operationId: 'getOrder',
      summary: 'One of your orders',
      tags: ['orders'],
      before: [requireUser],
      params: OrderIdParams,
      response: Order,
      errors: [400, 401, 404],
      handler: async ({ params }, req, res) => {
        res.set(privately);
        return orders.viewOwn(userOf(req), params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/orders/:id/cancel',
      operationId: 'cancelOrder',
      summary:
        'Cancel before it is sent: held stock is released, or the payment refunded and the stock returned',
      tags: ['orders'],
      before: [requireUser],
      params: OrderIdParams,
      response: Order,
      errors: [400, 401, 403, 404, 409, 503],
      handler: async ({ params }, req) => orders.cancelByCustomer(userOf(req), params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders/:id/downloads',
      operationId: 'listDownloads',
      summary:
        'Download links for the digital works of a paid order; each works only for you and expires',
      tags: ['orders'],
      before: [requireUser],
      params: OrderIdParams,
      response: z.object({ items: z.array(Download) }),
      errors: [400, 401, 404, 409],
      handler: async ({ params }, req, res) => {
        res.set(privately);
        const userId = userOf(req);
        const order = await orders.viewOwn(userId, params.id);
        if (order.status !== 'paid' && order.status !== 'fulfilled') {
          throw new AppError('ORDER_NOT_PAID', 'Downloads open once the order is paid.', {
            status: 409,
          });
        }
        const exp = Math.floor(clock() / 1000) + downloadTtlS;
        return {
          items: order.items
            .filter((i) => i.kind === 'digital')
            .map((i) => ({
              productId: i.productId,
              title: i.title,
              url: `/api/v1/downloads/${signDownload(ring, { orderId: order.id, productId: i.productId, userId, exp })}`,
              expiresAt: new Date(exp * 1000).toISOString(),
            })),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/downloads/:token',
      operationId: 'download',
      summary: 'The file of a digital work you bought (a link from listDownloads)',
      tags: ['orders'],
      before: [requireUser],
      params: z.object({ token: z.string().max(512) }),
      contentType: 'application/octet-stream',
      response: z.string(),
      errors: [400, 401, 404],
      handler: async ({ params }, req, res) => {
        const userId = userOf(req);
        const claims = verifyDownload(ring, params.token, Math.floor(clock() / 1000));
        const gone = () =>
          new NotFoundError(
            'DOWNLOAD_NOT_AVAILABLE',
            'This download link is not valid for you or has expired.',
          );
        if (!claims || claims.userId !== userId) throw gone();
        const [file] = await db.sequelize.query<{ storageKey: string; slug: string }>(
          `SELECT i.storage_key AS "storageKey", p.slug FROM orders o
           JOIN order_items oi ON oi.order_id = o.id AND oi.product_id = :productId AND oi.kind = 'digital'
           JOIN products p ON p.id = oi.product_id
           JOIN product_images i ON i.product_id = p.id
           WHERE o.id = :orderId AND o.user_id = :userId AND o.status IN ('paid', 'fulfilled')
           ORDER BY i.position LIMIT 1`,
          {
            type: QueryTypes.SELECT,
            replacements: { productId: claims.productId, orderId: claims.orderId, userId },
          },
        );
        if (!file) throw gone();
        res.set(privately);
        res.attachment(`${file.slug}${path.extname(file.storageKey)}`);
        await new Promise<void>((resolve, reject) =>
          // root confines the path to the media folder whatever the key says.
          res.sendFile(file.storageKey, { root: mediaDir, dotfiles: 'deny' }, (err) =>
            err ? reject(gone()) : resolve(),
          ),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/orders',
      operationId: 'adminListOrders',
      summary: 'All orders, newest first (admins)',
      tags: ['admin'],
      before: [requireRole('admin')],
      query: AdminOrderListQuery,
      response: OrderList,
      errors: [400, 401, 403],
      handler: async ({ query }, _req, res) => {
        res.set(privately);
        return orders.list({ status: query.status, limit: query.limit, before: query.before });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/admin/orders/:id/fulfil',
      operationId: 'fulfilOrder',
      summary: 'Mark a paid order as sent (admins)',
      tags: ['admin'],
      before: [requireRole('admin')],
      params: OrderIdParams,
      response: Order,
      errors: [400, 401, 403, 404, 409],
      handler: async ({ params }) => orders.fulfil(params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/payments/webhooks/:provider',
      operationId: 'paymentWebhook',
      summary: 'Payment provider events, signature-checked; each event id is applied once',
      tags: ['payments'],
      params: z.object({ provider: z.string().regex(/^[a-z0-9_]{1,32}$/) }),
      // The event as the provider sends it; the signature over its exact bytes decides, not this shape.
      body: z.record(z.string(), z.unknown()).meta({ description: "The provider's event (JSON)" }),
      headers: z.object({
        [TEST_WEBHOOK_SIGNATURE_HEADER]: z.string().optional().meta({
          description: 'test provider: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">',
        }),
        'stripe-signature': z.string().optional().meta({ description: 'stripe provider' }),
      }),
      response: z.object({ received: z.literal(true), duplicate: z.boolean() }),
      errors: [400, 404, 503],
      handler: async ({ params }, req) => {
        if (params.provider !== payments.name) {
          throw new NotFoundError(
            'ROUTE_NOT_FOUND',
            `No webhook endpoint for "${params.provider}".`,
          );
        }
        const raw = req.rawBody;
        if (!raw)
          throw new AppError('WEBHOOK_BODY_MISSING', 'Send the event as a JSON body.', {
            status: 400,
          });
        const event = payments.verifyWebhook(
          raw,
          req.headers as Record<string, string | undefined>,
        );
        if (!event) return { received: true as const, duplicate: false };
        const seen = await db.sequelize.query(
          'SELECT 1 FROM payment_events WHERE provider = :provider AND event_id = :id',
          { type: QueryTypes.SELECT, replacements: { provider: payments.name, id: event.id } },
        );
        if (seen.length > 0) return { received: true as const, duplicate: true };
        // The transitions are conditional, so applying an event twice (two
        // deliveries racing) changes the order once; recording the id after
        // applying means an event that failed half-way is applied on redelivery.
        if (event.type === 'charge.succeeded')
          await orders.markPaid(event.orderId, event.providerRef);
        else if (event.type === 'charge.failed')
          await orders.markDeclined(event.orderId, event.code ?? 'declined');
        // charge.refunded: refunds start here (cancel), so the order is already refunded.
        await db.sequelize.query(
          `INSERT INTO payment_events (provider, event_id) VALUES (:provider, :id) ON CONFLICT DO NOTHING`,
          { replacements: { provider: payments.name, id: event.id } },
        );
        return { received: true as const, duplicate: false };
      },
    }),
  ];
}
