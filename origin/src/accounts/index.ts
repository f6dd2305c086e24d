import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Cache } from '../platform/cache/index.ts';
import type { Database } from '../platform/db/database.ts';
import { type AfterSignIn, accountsRoutes, csrfBinding } from './accounts.routes.ts';
import { accountsService } from './accounts.service.ts';
import { cookieNames, sessionMiddleware } from './auth.middleware.ts';
import { csrfProtection } from './csrf.ts';
import { createSessionStore } from './sessions.ts';
import { createLoginThrottle } from './throttle.ts';

export type { Auth } from './auth.middleware.ts';
export {
  type CookieNames,
  clearCookie,
  cookieNames,
  cookieOptions,
  requireRole,
  requireUser,
} from './auth.middleware.ts';
export { hashPassword } from './password.ts';
export { signSessionCookie, verifySessionCookie } from './session-cookie.ts';

export interface AccountsDeps {
  config: Config;
  db: Database;
  cache: Cache;
  redis: Redis | null;
  clock: () => number;
  /** Runs after every sign-in and registration, e.g. to merge the guest cart. */
  afterSignIn?: AfterSignIn;
}

/** Sessions, CSRF and the account routes, wired for createApp. */
export function createAccounts({ config, db, cache, redis, clock, afterSignIn }: AccountsDeps) {
  const names = cookieNames(config.sessions.secureCookie);
  const sessions = createSessionStore({ db, cache, config: config.sessions, clock });
  const service = accountsService({
    db,
    sessions,
    // Keyed like the cache: the production schema keeps the plain prefix.
    throttle: createLoginThrottle(
      redis,
      config.loginThrottle,
      config.database.schema === 'public' ? 'vitrine' : `vitrine-${config.database.schema}`,
    ),
  });
  return {
    sessions,
    /** Resolves `req.auth` from the session cookie. */
    sessionMiddleware: sessionMiddleware(sessions, names),
    /** Origin / Sec-Fetch-Site check and the X-CSRF-Token check on every write. */
    csrfMiddleware: csrfProtection({
      ring: sessions.ring,
      allowedOrigins: [new URL(config.publicBaseUrl).origin],
      bindingOf: (req) => csrfBinding(req, names),
      // Signed by the payment provider instead (mounted under /api, so no /api prefix here).
      exempt: (path) => path.startsWith('/v1/payments/webhooks/'),
    }),
    routes: accountsRoutes({
      afterSignIn: afterSignIn ?? (async () => {}),
      service,
      sessions,
      names,
      secureCookie: config.sessions.secureCookie,
    }),
  };
}
