import type { FeatureDeps } from '../app.ts';
import type { OrdersService } from '../orders/index.ts';
import type { PaymentProvider } from '../payments/payments.types.ts';
import type { Logger } from '../platform/logging.ts';
import { checkoutRoutes } from './checkout.routes.ts';
import { checkoutService } from './checkout.service.ts';
import { idempotencyStore } from './idempotency.ts';

export function createCheckout(
  deps: FeatureDeps & { payments: PaymentProvider; orders: OrdersService },
) {
  const { config, db, changes, payments, orders, clock, logger } = deps;
  const idempotency = idempotencyStore({ db, clock });
  const service = checkoutService({
    db,
    changes,
    orders,
    payments,
    idempotency,
    holdMs: config.checkout.holdMs,
    clock,
  });
  return {
    service,
    routes: checkoutRoutes({ service }),
    /** Releases the stock of orders whose hold ran out, and forgets day-old idempotency keys. */
    sweep: () => sweepOnce(orders, idempotency.sweep, logger),
  };
}

async function sweepOnce(orders: OrdersService, sweepKeys: () => Promise<number>, logger: Logger) {
  let expired = 0;
  for (const orderId of await orders.expiredHolds()) {
    if ((await orders.expire(orderId)).changed) expired++;
  }
  const keys = await sweepKeys();
  if (expired > 0 || keys > 0)
    logger.info({ expiredOrders: expired, forgottenKeys: keys }, 'checkout sweep');
  return { expired, keys };
}
