import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  appendFileSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kvsDocument, writeKvsFile } from '@vitrine/edge/kvs';
import { Registry } from 'prom-client';
import { QueryTypes } from 'sequelize';
import { cookieNames } from '../src/accounts/auth.middleware.ts';
import { mintCsrfToken } from '../src/accounts/csrf.ts';
import { hashPassword } from '../src/accounts/password.ts';
import { createSessionStore } from '../src/accounts/sessions.ts';
import { createApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { createCache } from '../src/platform/cache/index.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/logging.ts';
import { seedShop } from '../src/seed/index.ts';
import { makeProduct } from '../test/support/products.ts';
import type { Buyer, CheckoutResult } from './load.ts';
import {
  killLeftovers,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
  stopLeftoverPostgres,
} from './servers.ts';

/*
 * The whole shop on one machine, as in production but small: a private
 * PostgreSQL cluster and Redis (see servers.ts), a seeded gallery in its own
 * `ft_*` schema, two origin processes in production mode (as two ECS tasks)
 * and the local edge in front of both, balancing them as the ALB would. The
 * storefront is not built: every scenario drives the API, which is what the
 * faults reach (the static pages are served by the edge from files).
 */

export const PORTS = { originA: 3501, originB: 3502, edge: 8501, postgres: 55432, redis: 56379 };
/** One folder per run, at a fixed place so a killed run's leftovers are found and ended. */
export const RUN_DIR = join(tmpdir(), `vitrine-faults-${PORTS.edge}`);
export const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'faults');
const ORIGIN_SERVER = resolve(import.meta.dirname, '..', 'src', 'server.ts');
const EDGE_SERVER = resolve(import.meta.dirname, '..', '..', 'edge', 'src', 'server.ts');
/** What the origins wait after SIGTERM with readiness failing, and how often the edge checks it. */
export const SHUTDOWN_DELAY_MS = 2_000;
export const HEALTH_CHECK_MS = 1_000;
const SESSION_COOKIE = cookieNames(true).session;
const quiet = createLogger('silent');

export interface OriginProcess {
  name: string;
  url: string;
  logFile: string;
  /** Starts the process (again) and waits until /readyz answers 200. */
  start(): Promise<void>;
  /** SIGTERM, as ECS stops a task; resolves with how it ended and how long it took. */
  terminate(): Promise<{ code: number | null; signal: string | null; ms: number }>;
  /** SIGKILL: the task dies at once, connections and all. */
  kill(): Promise<void>;
  running(): boolean;
}

export interface Reader {
  userId: number;
  cookie: string;
}

export interface Works {
  ids: number[];
  /** Stock on hand when made, by product id. */
  initial: Map<number, number>;
}

export interface Audit {
  orders: number;
  paid: number;
  pending: number;
  cancelled: number;
  /** Orders missing their lines or payment, with totals that disagree, or paid without a capture. */
  partial: number;
  /** Buyers (one key each) with more than one order. */
  duplicates: number;
  /** Keys answered 201 whose order is not there, or not as answered. */
  lost: number;
  /** Orders whose buyer got no final answer for them (given up). */
  unanswered: number;
  /** Units: Σ |on hand − (initial − sold)| + |held − units in pending orders| over the works. */
  stockDrift: number;
  held: number;
}

export interface Stack {
  edgeUrl: string;
  a: OriginProcess;
  b: OriginProcess;
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  /** A connection of the test's own to the shop's schema, for set-ups and checks. */
  db: Database;
  config: Config;
  readers: Reader[];
  /** Published works the readers look at. */
  slugs: string[];
  artist: { cookie: string; csrf: string; workId: number; slug: string };
  makeWorks(count: number, stock: number): Promise<Works>;
  /** Buyers with a session, a CSRF token and a cart of one or two of `works`. */
  makeBuyers(count: number, works: Works, card: (i: number) => string): Promise<Buyer[]>;
  audit(works: Works, results: CheckoutResult[]): Promise<Audit>;
  /** What the origins' sweeper does, run as if `aheadMs` had passed. */
  sweepAhead(aheadMs: number): Promise<{ expired: number }>;
  /** Lines of the edge's log so far. */
  edgeLog(): Array<Record<string, unknown>>;
  /** Copies the logs to the artifacts folder (after a failure). */
  keepLogs(): void;
  close(): Promise<void>;
}

function rememberPid(pid: number | undefined): void {
  if (pid) appendFileSync(join(RUN_DIR, 'pids'), `${pid}\n`);
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; alive?: () => boolean; log?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.alive && !options.alive()) {
      throw new Error(`${what}: the process exited\n${options.log ? tail(options.log) : ''}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(
    `${what}: not within ${options.timeoutMs} ms\n${options.log ? tail(options.log) : ''}`,
  );
}

function node(script: string, env: Record<string, string>, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [script], {
    cwd: resolve(script, '..', '..'),
    env: { PATH: process.env.PATH ?? '', FAULTS_RUN: RUN_DIR, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  rememberPid(child.pid);
  return child;
}

function originProcess(name: string, port: number, env: Record<string, string>): OriginProcess {
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(RUN_DIR, `origin-${name}.log`);
  let child: ChildProcess | null = null;
  const running = () => child !== null && child.exitCode === null && child.signalCode === null;
  return {
    name,
    url,
    logFile,
    running,
    async start() {
      if (running()) return;
      const proc = node(ORIGIN_SERVER, { ...env, PORT: String(port) }, logFile);
      child = proc;
      await waitFor(
        `origin ${name} ready on ${url}`,
        async () => (await fetch(`${url}/readyz`)).ok,
        {
          timeoutMs: 30_000,
          alive: () => proc.exitCode === null,
          log: logFile,
        },
      );
    },
    async terminate() {
      const proc = child;
      if (!proc || !running()) return { code: proc?.exitCode ?? null, signal: null, ms: 0 };
      const started = performance.now();
      const exited = once(proc, 'exit') as Promise<[number | null, string | null]>;
      proc.kill('SIGTERM');
      const [code, signal] = await exited;
      return { code, signal, ms: performance.now() - started };
    },
    async kill() {
      const proc = child;
      if (!proc || !running()) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts everything; on failure stops what was started and rethrows. */
export async function startStack(): Promise<Stack> {
  killLeftovers(RUN_DIR, PORTS.redis);
  stopLeftoverPostgres(RUN_DIR);
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const cleanups: Array<() => Promise<void>> = [
    async () => rmSync(RUN_DIR, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };
  try {
    return await build(cleanups, close);
  } catch (err) {
    await close();
    throw err;
  }
}

async function build(
  cleanups: Array<() => Promise<void>>,
  close: () => Promise<void>,
): Promise<Stack> {
  const postgres = await startPrivatePostgres(RUN_DIR, PORTS.postgres);
  cleanups.push(() => postgres.destroy());
  const redis = await startPrivateRedis(RUN_DIR, PORTS.redis);
  cleanups.push(() => redis.destroy());

  const edgeUrl = `http://127.0.0.1:${PORTS.edge}`;
  const mediaDir = join(RUN_DIR, 'media');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: postgres.url,
    DATABASE_SCHEMA: `ft_${randomBytes(4).toString('hex')}`,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: redis.url,
    SESSION_KEYS: `ft1:${randomBytes(32).toString('base64url')}`,
    PUBLIC_BASE_URL: edgeUrl,
    PAYMENTS_PROVIDER: 'test',
    PAYMENTS_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
    // One proxy (the local edge) in front, not CloudFront and an ALB.
    TRUST_PROXY: 'loopback',
    SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
    SHUTDOWN_TIMEOUT_MS: '10000',
    MEDIA_DIR: mediaDir,
    LOG_LEVEL: 'info',
  };
  const config = loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const db = await openDatabase(config.database, quiet);
  cleanups.push(() => db.close());
  await db.migrate();
  await seedShop(db, { shop: 'gallery', products: 40, mediaDir });

  // Sessions and tokens made with the shop's own store and key ring, without argon2 per user.
  const cache = createCache({
    namespace: 'ft',
    redis: null,
    logger: quiet,
    registry: new Registry(),
  });
  cleanups.push(() => cache.close());
  const sessions = createSessionStore({ db, cache, config: config.sessions, clock: Date.now });
  const passwordHash = await hashPassword(randomBytes(12).toString('base64url'));
  let userCount = 0;
  const users = async (count: number, role: 'customer' | 'artist') => {
    const stamp = userCount;
    userCount += count;
    const rows = await db.sequelize.query<{ id: number; email: string }>(
      `INSERT INTO users (email, password_hash, role)
       SELECT 'shopper' || (g + :stamp) || '@faults.example.com', :passwordHash, :role FROM generate_series(1, :count) g
       RETURNING id, email`,
      { type: QueryTypes.SELECT, replacements: { passwordHash, count, role, stamp } },
    );
    return Promise.all(
      rows.map(async (user) => {
        const made = await sessions.create(
          { id: user.id, email: user.email, displayName: '', role },
          { userAgent: 'fault-suite', ip: '127.0.0.1' },
        );
        return {
          userId: user.id,
          cookie: `${SESSION_COOKIE}=${made.cookie}`,
          csrf: mintCsrfToken(sessions.ring, `s:${made.idHash}`),
        };
      }),
    );
  };

  const readers = await users(16, 'customer');
  const [artistUser] = await users(1, 'artist');
  if (!artistUser) throw new Error('no artist');
  const work = await makeProduct(db, mediaDir, { stock: 1_000, priceMinor: 10_000 });
  await db.sequelize.query(
    'UPDATE artists SET user_id = :userId WHERE id = (SELECT artist_id FROM products WHERE id = :id)',
    { replacements: { userId: artistUser.userId, id: work.id } },
  );
  const slugs = (
    await db.sequelize.query<{ slug: string }>(
      `SELECT slug FROM products WHERE status = 'published' ORDER BY id LIMIT 24`,
      { type: QueryTypes.SELECT },
    )
  ).map((r) => r.slug);

  const a = originProcess('a', PORTS.originA, env);
  const b = originProcess('b', PORTS.originB, env);
  cleanups.push(async () => {
    await Promise.all([a.kill(), b.kill()]);
  });
  await Promise.all([a.start(), b.start()]);

  // The edge, as a process of its own, with both origins as its targets.
  const staticDir = join(RUN_DIR, 'static');
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Fault suite</title>');
  writeFileSync(join(staticDir, '404.html'), '<!doctype html><title>Not found</title>');
  const kvsFile = join(RUN_DIR, 'edge-kvs.json');
  writeKvsFile(kvsFile, kvsDocument(config.sessions.keys));
  const edgeLogFile = join(RUN_DIR, 'edge.log');
  const edge = node(
    EDGE_SERVER,
    {
      EDGE_PORT: String(PORTS.edge),
      EDGE_HOST: '127.0.0.1',
      ORIGIN_URL: `${a.url},${b.url}`,
      EDGE_HEALTH_CHECK_MS: String(HEALTH_CHECK_MS),
      EDGE_STATIC_DIR: staticDir,
      EDGE_KVS_FILE: kvsFile,
      LOG_LEVEL: 'info',
    },
    edgeLogFile,
  );
  cleanups.push(async () => {
    if (edge.exitCode !== null || edge.signalCode !== null) return;
    const exited = once(edge, 'exit');
    edge.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000).then(() => edge.kill('SIGKILL'))]);
  });
  await waitFor(
    `edge on ${edgeUrl}`,
    async () => (await fetch(`${edgeUrl}/api/v1/categories`)).ok,
    { timeoutMs: 30_000, alive: () => edge.exitCode === null, log: edgeLogFile },
  );

  const makeWorks = async (count: number, stock: number): Promise<Works> => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push((await makeProduct(db, mediaDir, { stock })).id);
    return { ids, initial: new Map(ids.map((id) => [id, stock])) };
  };

  const makeBuyers = async (
    count: number,
    works: Works,
    card: (i: number) => string,
  ): Promise<Buyer[]> => {
    const made = await users(count, 'customer');
    const ids = made.map((u) => u.userId);
    // One or two works per cart, one or two of each, spread over the works by user id.
    await db.sequelize.query(
      `WITH c AS (
         INSERT INTO carts (user_id, expires_at) SELECT unnest(ARRAY[:ids]::bigint[]), now() + interval '1 day'
         RETURNING id, user_id
       )
       INSERT INTO cart_items (cart_id, product_id, quantity, added_price_minor, added_currency)
       SELECT c.id, w.product_id, 1 + ((c.user_id + w.n) % 2), 1000, 'EUR'
       FROM c, LATERAL (
         SELECT (ARRAY[:works]::bigint[])[1 + ((c.user_id + n) % :k)] AS product_id, n
         FROM generate_series(0, (c.user_id % 2)::int) n
       ) w`,
      { replacements: { ids, works: works.ids, k: works.ids.length } },
    );
    return made.map((u, i) => ({ ...u, card: card(i) }));
  };

  const audit = async (works: Works, results: CheckoutResult[]): Promise<Audit> => {
    const users = results.map((r) => r.userId);
    const [counts] = await db.sequelize.query<{
      orders: number;
      paid: number;
      pending: number;
      cancelled: number;
      duplicates: number;
    }>(
      `SELECT count(*)::int AS orders,
              count(*) FILTER (WHERE status = 'paid')::int AS paid,
              count(*) FILTER (WHERE status = 'pending_payment')::int AS pending,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              (SELECT count(*)::int FROM (SELECT user_id FROM orders WHERE user_id = ANY(ARRAY[:users]::bigint[])
                GROUP BY user_id HAVING count(*) > 1) d) AS duplicates
       FROM orders WHERE user_id = ANY(ARRAY[:users]::bigint[])`,
      { type: QueryTypes.SELECT, replacements: { users } },
    );
    const [partial] = await db.sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders o
       LEFT JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(line_total_minor), 0) AS total
                          FROM order_items WHERE order_id = o.id) i ON true
       LEFT JOIN LATERAL (SELECT count(*) AS n,
                                 count(*) FILTER (WHERE status = 'captured') AS captured,
                                 count(*) FILTER (WHERE status = 'pending') AS pending
                          FROM payments WHERE order_id = o.id) p ON true
       LEFT JOIN idempotency_keys k ON k.scope = 'checkout:' || o.user_id AND k.order_id = o.id
       WHERE o.user_id = ANY(ARRAY[:users]::bigint[])
         AND (i.n = 0 OR i.total <> o.total_minor OR p.n <> 1 OR k.key IS NULL
              OR (o.status = 'paid' AND p.captured <> 1)
              OR (o.status = 'pending_payment' AND (p.pending <> 1 OR o.hold_expires_at IS NULL)))`,
      { type: QueryTypes.SELECT, replacements: { users } },
    );
    const orders = await db.sequelize.query<{ id: string; userId: number; status: string }>(
      `SELECT id, user_id AS "userId", status FROM orders WHERE user_id = ANY(ARRAY[:users]::bigint[])`,
      { type: QueryTypes.SELECT, replacements: { users } },
    );
    const byId = new Map(orders.map((o) => [o.id, o]));
    const answered = new Set(results.filter((r) => r.orderId).map((r) => r.orderId));
    const lost = results.filter((r) => {
      if (r.status !== 201) return false;
      const order = r.orderId ? byId.get(r.orderId) : undefined;
      // A pending answer may since have been paid (webhook) or expired: the order is there all the same.
      return (
        !order || order.userId !== r.userId || (r.orderStatus === 'paid' && order.status !== 'paid')
      );
    }).length;
    const unanswered = orders.filter((o) => !answered.has(o.id)).length;
    const stock = await db.sequelize.query<{
      productId: number;
      onHand: number;
      held: number;
      sold: number;
      pending: number;
    }>(
      `SELECT i.product_id AS "productId", i.on_hand AS "onHand", i.held,
              coalesce(sum(oi.quantity) FILTER (WHERE o.status IN ('paid', 'fulfilled')), 0)::int AS sold,
              coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'pending_payment'), 0)::int AS pending
       FROM inventory i
       LEFT JOIN order_items oi ON oi.product_id = i.product_id
       LEFT JOIN orders o ON o.id = oi.order_id
       WHERE i.product_id = ANY(ARRAY[:ids]::bigint[])
       GROUP BY i.product_id, i.on_hand, i.held`,
      { type: QueryTypes.SELECT, replacements: { ids: works.ids } },
    );
    let stockDrift = 0;
    let held = 0;
    for (const row of stock) {
      const initial = works.initial.get(Number(row.productId)) ?? 0;
      stockDrift += Math.abs(initial - row.sold - row.onHand) + Math.abs(row.pending - row.held);
      held += row.held;
    }
    if (stock.length !== works.ids.length) stockDrift += 1_000_000; // a work's stock row vanished
    return {
      orders: counts?.orders ?? 0,
      paid: counts?.paid ?? 0,
      pending: counts?.pending ?? 0,
      cancelled: counts?.cancelled ?? 0,
      duplicates: counts?.duplicates ?? 0,
      partial: partial?.n ?? 0,
      lost,
      unanswered,
      stockDrift,
      held,
    };
  };

  const sweepAhead = async (aheadMs: number) => {
    const app = createApp({
      config,
      logger: quiet,
      db,
      redis: null,
      clock: () => Date.now() + aheadMs,
    });
    try {
      return await app.sweep();
    } finally {
      await app.close();
    }
  };

  const edgeLog = () =>
    readFileSync(edgeLogFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

  const keepLogs = () => {
    const dir = join(ARTIFACTS, 'logs');
    mkdirSync(dir, { recursive: true });
    for (const file of [a.logFile, b.logFile, edgeLogFile, join(RUN_DIR, 'pg.log')]) {
      if (existsSync(file)) cpSync(file, join(dir, file.split('/').pop() ?? 'log'));
    }
  };

  return {
    edgeUrl,
    a,
    b,
    postgres,
    redis,
    db,
    config,
    readers,
    slugs,
    artist: { cookie: artistUser.cookie, csrf: artistUser.csrf, workId: work.id, slug: work.slug },
    makeWorks,
    makeBuyers,
    audit,
    sweepAhead,
    edgeLog,
    keepLogs,
    close,
  };
}
