import { requireUser } from '../accounts/index.ts';
import { type AnyRoute, defineRoute } from '../platform/http/api.ts';
import { CheckoutBody, CheckoutHeaders, CheckoutResult } from './checkout.schemas.ts';
import type { CheckoutService } from './checkout.service.ts';

export function checkoutRoutes({ service }: { service: CheckoutService }): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/checkout',
      operationId: 'checkout',
      summary:
        'Place the order for the cart and pay. Needs an Idempotency-Key header: retries with the same key and body get the first answer; a different body 409 IDEMPOTENCY_KEY_REUSED; while the first still runs 409 IDEMPOTENCY_KEY_IN_USE.',
      tags: ['checkout'],
      before: [requireUser],
      body: CheckoutBody,
      headers: CheckoutHeaders,
      status: 201,
      response: CheckoutResult,
      errors: [400, 401, 402, 403, 409, 422, 503],
      handler: async ({ body, headers }, req, res) => {
        const user = req.auth?.user;
        if (!user) throw new Error('requireUser let an anonymous request through');
        const result = await service.checkout(user, headers['idempotency-key'], body);
        res.status(result.status);
        res.setHeader('cache-control', 'no-store');
        if (result.replayed) res.setHeader('idempotent-replayed', 'true');
        return result.body as never;
      },
    }),
  ];
}
