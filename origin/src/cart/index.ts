import { cookieNames } from '../accounts/index.ts';
import type { FeatureDeps } from '../app.ts';
import { cartRoutes, mergeOnSignIn } from './cart.routes.ts';
import { cartService } from './cart.service.ts';

export type { CartOwner, CartService } from './cart.service.ts';
export { hashCartToken } from './cart.service.ts';

/** The cart: routes, and the hook that merges a guest cart at sign-in. */
export function createCart({ config, db, clock }: Pick<FeatureDeps, 'config' | 'db' | 'clock'>) {
  const deps = {
    service: cartService({ db, clock }),
    names: cookieNames(config.sessions.secureCookie),
    secureCookie: config.sessions.secureCookie,
  };
  return { service: deps.service, routes: cartRoutes(deps), afterSignIn: mergeOnSignIn(deps) };
}
