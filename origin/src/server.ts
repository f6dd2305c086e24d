import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { createLogger, type Logger } from './platform/logging.ts';
import { createRedis } from './platform/redis.ts';
import { seedShop } from './seed/index.ts';

const SWEEP_EVERY_MS = 30_000;

export interface RunningServer {
  server: Server;
  url: string;
  /** Drains and closes everything; resolves when the process may exit. */
  shutdown(reason: string): Promise<void>;
}

/** A URL fit for a log line: never the password. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function prepareDatabase(config: Config, logger: Logger): Promise<Database> {
  const db = await openDatabase(config.database, logger);
  if (config.database.kind === 'embedded') {
    logger.info(
      { dir: config.database.dir },
      'database: embedded PGlite (set DATABASE_URL to use a PostgreSQL server)',
    );
  } else {
    logger.info(
      { url: redact(config.database.url), schema: config.database.schema },
      'database: PostgreSQL',
    );
  }
  const applied = await db.migrate();
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const empty = async () =>
    (await db.models.Product.count()) === 0 && (await db.models.Artist.count()) === 0;
  if (config.database.kind === 'embedded' && (await empty())) {
    // A newcomer's first start: give them a shop to look at.
    const started = performance.now();
    const summary = await seedShop(db, { ...config.seed, mediaDir: config.mediaDir });
    logger.info(
      { ...summary, ms: Math.round(performance.now() - started) },
      'embedded database seeded',
    );
  }
  return db;
}

/** Opens dependencies, listens, and wires graceful shutdown. */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const db = await prepareDatabase(config, logger);
  let redis: Redis | null = null;
  if (config.redisUrl) {
    redis = createRedis(config.redisUrl, logger);
    logger.info({ url: redact(config.redisUrl) }, 'cache: L1 in process, L2 Redis');
  } else {
    logger.info('cache: L1 in process only (set REDIS_URL to add Redis as L2)');
  }

  if (config.sessions.ephemeralKeys) {
    logger.warn(
      'SESSION_KEYS is not set: using a key ring made at boot, so sessions end when the origin restarts',
    );
  }
  const { app, lifecycle, sweep, close: closeApp } = createApp({ config, logger, db, redis });
  // Held stock of abandoned payments goes back on sale; several instances may sweep at once.
  const sweeper = setInterval(() => {
    sweep().catch((err: unknown) => logger.warn({ err }, 'checkout sweep failed; will retry'));
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  const server = createServer(app);
  // Longer than the ALB's 60 s idle timeout, so the ALB always closes first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${port}`;

  let closing: Promise<void> | null = null;
  const shutdown = (reason: string) => {
    closing ??= (async () => {
      logger.info({ reason, ...config.shutdown }, 'shutting down: readiness now fails');
      lifecycle.draining = true;
      // Give the load balancer time to see readiness fail and stop sending.
      if (config.shutdown.delayMs > 0) await sleep(config.shutdown.delayMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; closing their connections');
        server.closeAllConnections();
      }, config.shutdown.timeoutMs);
      await closed;
      clearTimeout(deadline);
      clearInterval(sweeper);
      await closeApp();
      await redis?.quit().catch(() => redis?.disconnect());
      await db.close();
      logger.info('shutdown complete');
    })();
    return closing;
  };

  return { server, url, shutdown };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'origin failed to start');
    process.exit(1);
  });
  logger.info({ url: running.url }, `origin listening on ${running.url}`);

  const onSignal = (signal: NodeJS.Signals) => {
    // Exit before ECS's stop timeout (25 s here) even if something hangs.
    setTimeout(
      () => process.exit(1),
      config.shutdown.delayMs + config.shutdown.timeoutMs + 2_000,
    ).unref();
    running.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

if (import.meta.main) await main();
