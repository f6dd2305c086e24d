/**
 * `npm run bench:checkout` (needs DATABASE_URL: a PostgreSQL server, and
 * pgbench on PATH). In one run:
 *   1. the anchor: pgbench's TPC-B on the same PostgreSQL server;
 *   2. our POST /api/v1/checkout driven at full speed, every request a
 *      different buyer with a one-work cart and a fresh Idempotency-Key;
 *   3. the same at half the rate reached in 2, for its latency;
 * then checks that nothing was oversold: for every work, units sold plus
 * units on hand equal the starting stock, and nothing is left held.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Registry } from 'prom-client';
import { QueryTypes } from 'sequelize';
import { mintCsrfToken } from '../src/accounts/csrf.ts';
import { hashPassword } from '../src/accounts/password.ts';
import { createSessionStore } from '../src/accounts/sessions.ts';
import { loadConfig } from '../src/config.ts';
import { createCache } from '../src/platform/cache/index.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/logging.ts';
import { exitOf, startOrigin } from '../test/support/origin-process.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WORKS = 20;
const STOCK = 1_000_000;

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write(
    'bench:checkout needs DATABASE_URL (a PostgreSQL server; pgbench runs against it too)\n',
  );
  process.exit(2);
}

// 1. The anchor: TPC-B in a database of its own on the same server.
const admin = new URL(databaseUrl);
const benchDb = `vitrine_pgbench_${randomBytes(3).toString('hex')}`;
const psql = (sql: string) =>
  execFileSync('psql', [databaseUrl, '-qAtc', sql], { encoding: 'utf8' });
psql(`CREATE DATABASE ${benchDb}`);
const pgbenchUrl = new URL(admin);
pgbenchUrl.pathname = `/${benchDb}`;
let tpcb = 0;
try {
  execFileSync('pgbench', ['-i', '-q', '-s', '10', pgbenchUrl.toString()], { stdio: 'ignore' });
  const out = execFileSync(
    'pgbench',
    [
      '-c',
      String(CONNECTIONS),
      '-j',
      '2',
      '-T',
      String(DURATION_S),
      '-M',
      'prepared',
      pgbenchUrl.toString(),
    ],
    { encoding: 'utf8' },
  );
  tpcb = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0);
} finally {
  psql(`DROP DATABASE IF EXISTS ${benchDb}`);
}

// 2. The shop: its own schema, its own key ring, works with deep stock.
const schema = `bench_${randomBytes(4).toString('hex')}`;
const sessionKeys = `bench:${randomBytes(32).toString('base64url')}`;
const env = {
  DATABASE_URL: databaseUrl,
  DATABASE_SCHEMA: schema,
  DATABASE_POOL_MAX: '20',
  SESSION_KEYS: sessionKeys,
  LOG_LEVEL: 'info',
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'http://127.0.0.1',
  PAYMENTS_PROVIDER: 'test',
  PAYMENTS_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
  SESSION_COOKIE_SECURE: 'true',
  TRUST_PROXY: 'loopback',
  HOST: '127.0.0.1',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  // e.g. BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the origin.
  ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
};
const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
const logger = createLogger('silent');
const db = await openDatabase(config.database, logger);
await db.migrate();
const origin = await startOrigin(env, { keepLogs: false });

interface Buyer {
  cookie: string;
  csrf: string;
}

/** Buyers with a session, a CSRF token and a one-work cart, made in bulk in the database. */
async function makeBuyers(count: number, works: number[]): Promise<Buyer[]> {
  const stamp = randomBytes(4).toString('hex');
  const passwordHash = await hashPassword('bench-not-used');
  const users = await db.sequelize.query<{ id: number; email: string }>(
    `INSERT INTO users (email, password_hash)
     SELECT 'buyer' || g || '.${stamp}@example.com', :passwordHash FROM generate_series(1, :count) g
     RETURNING id, email`,
    { type: QueryTypes.SELECT, replacements: { passwordHash, count } },
  );
  await db.sequelize.query(
    `WITH c AS (
       INSERT INTO carts (user_id, expires_at) SELECT unnest(ARRAY[:ids]::bigint[]), now() + interval '1 day' RETURNING id, user_id
     )
     INSERT INTO cart_items (cart_id, product_id, quantity, added_price_minor, added_currency)
     SELECT c.id, (ARRAY[:works]::bigint[])[1 + (c.user_id % :n)], 1, 1000, 'EUR' FROM c`,
    { replacements: { ids: users.map((u) => u.id), works, n: works.length } },
  );
  const cache = createCache({
    namespace: `bench${stamp}`,
    redis: null,
    logger,
    registry: new Registry(),
  });
  const sessions = createSessionStore({ db, cache, config: config.sessions, clock: Date.now });
  const buyers: Buyer[] = [];
  for (const user of users) {
    const made = await sessions.create(
      { id: user.id, email: user.email, displayName: '', role: 'customer' },
      { userAgent: 'bench', ip: '127.0.0.1' },
    );
    buyers.push({
      cookie: `__Host-vitrine_session=${made.cookie}`,
      csrf: mintCsrfToken(sessions.ring, `s:${made.idHash}`),
    });
  }
  await cache.close();
  return buyers;
}

function drive(buyers: Buyer[], rate?: number): Promise<autocannon.Result> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${origin.url}/api/v1/checkout`,
        method: 'POST',
        connections: CONNECTIONS,
        amount: buyers.length,
        ...(rate ? { overallRate: rate } : {}),
        requests: [
          {
            setupRequest: (req) => {
              const buyer = buyers[next++ % buyers.length] as Buyer;
              return {
                ...req,
                headers: {
                  'content-type': 'application/json',
                  cookie: buyer.cookie,
                  'x-csrf-token': buyer.csrf,
                  'idempotency-key': randomUUID(),
                },
                body: JSON.stringify({
                  payment: {
                    type: 'card',
                    number: '4242424242424242',
                    expMonth: 12,
                    expYear: 2040,
                    cvc: '123',
                  },
                  shippingAddress: {
                    name: 'Bench',
                    line1: '1 Road',
                    city: 'Town',
                    postalCode: '1000',
                    country: 'NL',
                  },
                }),
              };
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

try {
  const works = await db.sequelize.query<{ id: number }>(
    `WITH a AS (INSERT INTO artists (slug, name) VALUES ('bench-artist', 'Bench Artist') RETURNING id),
          p AS (INSERT INTO products (slug, title, artist_id, price_minor, currency, status, kind, published_at)
                SELECT 'bench-work-' || g, 'Bench work ' || g, a.id, 1000, 'EUR', 'published', 'physical', now()
                FROM a, generate_series(1, :works) g RETURNING id)
     INSERT INTO inventory (product_id, on_hand) SELECT id, :stock FROM p RETURNING product_id AS id`,
    { type: QueryTypes.SELECT, replacements: { works: WORKS, stock: STOCK } },
  );
  const workIds = works.map((w) => w.id);

  // Full speed: as many buyers as the origin could possibly serve in the window.
  const warm = await makeBuyers(200, workIds);
  await drive(warm);
  const fast = await makeBuyers(Math.max(500, Math.ceil(tpcb * 0.6 * DURATION_S)), workIds);
  const full = await drive(fast);
  const fullRate = full.requests.average;
  const half = await makeBuyers(Math.ceil((fullRate / 2) * DURATION_S), workIds);
  const halfRun = await drive(half, Math.max(1, Math.floor(fullRate / 2)));

  const [stock] = await db.sequelize.query<{
    sold: number;
    onHand: number;
    held: number;
    negative: number;
  }>(
    `SELECT (SELECT coalesce(sum(oi.quantity), 0)::int FROM order_items oi JOIN orders o ON o.id = oi.order_id
             WHERE o.status IN ('paid', 'fulfilled')) AS sold,
            sum(on_hand)::int AS "onHand", sum(held)::int AS held,
            count(*) FILTER (WHERE on_hand < 0 OR held < 0)::int AS negative
     FROM inventory`,
    { type: QueryTypes.SELECT },
  );
  const oversold = stock ? stock.sold + stock.onHand - WORKS * STOCK : Number.NaN;

  const row = (name: string, r: autocannon.Result) =>
    `| ${name} | ${r.requests.average.toFixed(0)}/s | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} |`;
  console.log(
    `\npgbench TPC-B (scale 10, ${CONNECTIONS} clients, ${DURATION_S} s): ${tpcb.toFixed(0)} tps`,
  );
  console.log(
    `\n| checkout run (${CONNECTIONS} connections) | rate | p50 ms | p99 ms | non-2xx |\n| --- | --- | --- | --- | --- |`,
  );
  console.log(row('full speed', full));
  console.log(row(`half that rate (${Math.floor(fullRate / 2)}/s)`, halfRun));
  console.log(
    `\ncheckouts/s ÷ TPC-B tps = ${((fullRate / tpcb) * 100).toFixed(1)} % (target ≥ 20 %); ` +
      `sold ${stock?.sold}, held ${stock?.held}, negative rows ${stock?.negative}, oversold ${oversold} (must be 0)`,
  );
  if (oversold !== 0 || stock?.held !== 0 || stock?.negative !== 0) process.exitCode = 1;
} finally {
  origin.proc.kill('SIGTERM');
  await exitOf(origin.proc);
  await db.sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.close();
}
