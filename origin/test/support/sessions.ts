import { Registry } from 'prom-client';
import { cookieNames } from '../../src/accounts/auth.middleware.ts';
import { hashPassword } from '../../src/accounts/password.ts';
import { createSessionStore } from '../../src/accounts/sessions.ts';
import type { Config } from '../../src/config.ts';
import { createCache } from '../../src/platform/cache/index.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { Shopper } from './client.ts';

let counter = 0;

/**
 * Many signed-in shoppers fast: users inserted with one shared hash and
 * sessions made by the real session store (the same rows and cookies a login
 * makes), without paying argon2 per buyer. Each shopper has its CSRF token.
 */
export async function signedInShoppers(
  baseUrl: string,
  db: Database,
  config: Config,
  count: number,
  role: 'customer' | 'admin' = 'customer',
): Promise<Array<Shopper & { userId: number; email: string }>> {
  const passwordHash = await hashPassword('not-used-in-these-tests');
  const stamp = `${Date.now()}.${++counter}`;
  const users = await db.models.User.bulkCreate(
    Array.from({ length: count }, (_, i) => ({
      email: `buyer${i}.${stamp}@example.com`,
      passwordHash,
      role,
    })),
    { returning: true },
  );
  const cache = createCache({
    namespace: `t${stamp}`,
    redis: null,
    logger: createLogger('silent'),
    registry: new Registry(),
  });
  const sessions = createSessionStore({ db, cache, config: config.sessions, clock: Date.now });
  const name = cookieNames(config.sessions.secureCookie).session;
  const shoppers = await Promise.all(
    users.map(async (row) => {
      const user = row.get({ plain: true });
      const { cookie } = await sessions.create(
        { id: user.id, email: user.email, displayName: '', role: user.role },
        { userAgent: 'test', ip: '127.0.0.1' },
      );
      const shopper = Object.assign(new Shopper(baseUrl), { userId: user.id, email: user.email });
      shopper.cookies.set(name, cookie);
      await shopper.refreshCsrf();
      return shopper;
    }),
  );
  await cache.close();
  return shoppers;
}
