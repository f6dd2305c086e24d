/*
 * Test support shared by the studio, admin and favourites suites: an app on
 * its own schema, users of each role signed in through the API, and direct
 * SQL for the state a test needs to arrange (held stock, paid orders).
 * Not a test file itself (mocha runs *.test.ts only).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QueryTypes } from 'sequelize';
import { Shopper } from '../../test/support/client.ts';
import { createTestDatabase, redisUrl, type TestDatabase } from '../../test/support/database.ts';
import { type Listening, listen } from '../../test/support/http.ts';
import { hashPassword } from '../accounts/index.ts';
import { type App, createApp } from '../app.ts';
import type { Role } from '../platform/db/models.ts';
import { createLogger } from '../platform/logging.ts';
import { createRedis } from '../platform/redis.ts';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const PASSWORD = 'plum-orchard-lantern';

export interface SignedInUser {
  shopper: Shopper;
  userId: number;
  /** The user's artists row, for artists. */
  artistId: number | null;
}

export interface CatalogueHarness {
  t: TestDatabase;
  http: Listening;
  built: App;
  baseUrl: string;
  /** A new user of `role`, signed in; artists get an artist profile. */
  user(role: Role): Promise<SignedInUser>;
  /** Rows of a SELECT (or of a statement with RETURNING). */
  rows<T extends object>(sql: string, bind?: unknown[]): Promise<T[]>;
  /** A product inserted directly (not through the API), e.g. another artist's published work. */
  product(options: {
    artistId?: number | null;
    status?: 'draft' | 'published' | 'archived';
    kind?: 'physical' | 'digital';
    onHand?: number | null;
    title?: string;
  }): Promise<{ id: number; slug: string }>;
  /** Topics of the outbox rows about one aggregate, oldest first. */
  topics(aggregateType: string, aggregateId: number): Promise<string[]>;
  close(): Promise<void>;
}

/** A short random suffix, so slugs never meet those of another run in a shared Redis. */
export const unique = () => randomBytes(4).toString('hex');

export async function catalogueHarness(): Promise<CatalogueHarness> {
  const t = await createTestDatabase();
  const redis: Redis | null = redisUrl ? createRedis(redisUrl, logger, 'test') : null;
  const built = createApp({ config: t.config, logger, db: t.db, redis });
  const http = await listen(built.app);
  const rows = <T extends object>(sql: string, bind: unknown[] = []) =>
    t.db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, ...(bind.length ? { bind } : {}) });
  const passwordHash = await hashPassword(PASSWORD);

  return {
    t,
    http,
    built,
    baseUrl: http.baseUrl,
    rows,
    async user(role) {
      const email = `${role}.${unique()}@example.com`;
      const [user] = await rows<{ id: number }>(
        'INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING id',
        [email, passwordHash, role],
      );
      if (!user) throw new Error('no user row');
      let artistId: number | null = null;
      if (role === 'artist') {
        const [artist] = await rows<{ id: number }>(
          'INSERT INTO artists (user_id, slug, name) VALUES ($1, $2, $3) RETURNING id',
          [user.id, `artist-${unique()}`, `Artist ${unique()}`],
        );
        artistId = artist?.id ?? null;
      }
      const shopper = new Shopper(http.baseUrl);
      const res = await shopper.signIn('login', { email, password: PASSWORD });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      return { shopper, userId: user.id, artistId };
    },
    async product({ artistId = null, status = 'published', kind = 'physical', onHand = 1, title }) {
      const name = title ?? `Work ${unique()}`;
      const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${unique()}`;
      const [row] = await rows<{ id: number; slug: string }>(
        `INSERT INTO products (slug, title, artist_id, price_minor, currency, status, kind, published_at)
         VALUES ($1, $2, $3, 12500, 'EUR', $4, $5, CASE WHEN $4 = 'published' THEN now() END)
         RETURNING id, slug`,
        [slug, name, artistId, status, kind],
      );
      if (!row) throw new Error('no product row');
      if (onHand !== null) {
        await rows(
          'INSERT INTO inventory (product_id, on_hand) VALUES ($1, $2) RETURNING product_id',
          [row.id, onHand],
        );
      }
      return row;
    },
    async topics(aggregateType, aggregateId) {
      const found = await rows<{ topic: string }>(
        'SELECT topic FROM outbox WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY id',
        [aggregateType, String(aggregateId)],
      );
      return found.map((r) => r.topic);
    },
    async close() {
      await http.close();
      await built.close();
      redis?.disconnect();
      await t.drop();
    },
  };
}

/**
 * Sends raw bytes as the request body, as a browser's `fetch(url, {body: file})`
 * does, with the shopper's cookies and CSRF token.
 */
export async function sendBytes(
  shopper: Shopper,
  path: string,
  bytes: Buffer,
  contentType: string,
): Promise<Response> {
  const token = shopper.csrf ?? (await shopper.refreshCsrf());
  return fetch(`${shopper.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-csrf-token': token,
      cookie: [...shopper.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new Uint8Array(bytes),
  });
}
