import type { KeyRing } from '../accounts/session-cookie.ts';
import type { FeatureDeps } from '../app.ts';
import type { PaymentProvider } from '../payments/payments.types.ts';
import { ordersRoutes } from './orders.routes.ts';
import { ordersService } from './orders.service.ts';

export type { Order } from './orders.schemas.ts';
export type { OrdersService } from './orders.service.ts';

export function createOrders(deps: FeatureDeps & { payments: PaymentProvider; ring: KeyRing }) {
  const { config, db, changes, payments, ring, clock } = deps;
  const service = ordersService({ db, changes, payments, clock });
  return {
    service,
    routes: ordersRoutes({
      db,
      orders: service,
      payments,
      ring,
      mediaDir: config.mediaDir,
      downloadTtlS: config.checkout.downloadLinkTtlS,
      clock,
    }),
  };
}
