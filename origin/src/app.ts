import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { createAccounts } from './accounts/index.ts';
import { adminRoutes } from './admin/index.ts';
import { createCart } from './cart/index.ts';
import { catalogRoutes } from './catalog/index.ts';
import { createCheckout } from './checkout/index.ts';
import type { Config } from './config.ts';
import { favoritesRoutes } from './favorites/index.ts';
import { createOrders } from './orders/index.ts';
import { PAGE_PATH, pagesHandler } from './pages/index.ts';
import { createPaymentProvider } from './payments/index.ts';
import { type Cache, createCache } from './platform/cache/index.ts';
import { type ChangeWriter, createChangeWriter } from './platform/changes.ts';
import type { Database } from './platform/db/database.ts';
import { isDatabaseUnavailable } from './platform/db/errors.ts';
import { healthRoutes, type Lifecycle } from './platform/health.ts';
import {
  type AnyRoute,
  buildOpenApiDocument,
  defineRoute,
  mountRoutes,
} from './platform/http/api.ts';
import { apiNotFound, errorMiddleware } from './platform/http/error-middleware.ts';
import { type Logger, requestLogger } from './platform/logging.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { createRedis } from './platform/redis.ts';
import { createStorage } from './platform/storage/index.ts';
import { publishingRoutes } from './publishing/index.ts';
import { studioRoutes } from './studio/index.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  /** Second cache tier; null when REDIS_URL is not set. */
  redis: Redis | null;
  /** Milliseconds since the epoch; tests move it to expire sessions. */
  clock?: () => number;
}

export interface FeatureDeps {
  config: Config;
  logger: Logger;
  db: Database;
  cache: Cache;
  /** The one path for catalogue writes: transaction + outbox + cache invalidation. */
  changes: ChangeWriter;
  clock: () => number;
}

export interface App {
  app: Express;
  /** Set `draining` to fail readiness and close keep-alive connections. */
  lifecycle: Lifecycle;
  metrics: Metrics;
  cache: Cache;
  routes: readonly AnyRoute[];
  /** Releases expired stock holds and forgets day-old idempotency keys; server.ts runs it on a timer. */
  sweep(): Promise<{ expired: number; keys: number }>;
  /** Releases what the app opened itself (the cache's bus subscriber). */
  close(): Promise<void>;
}

/** Payment webhooks are signed over their exact bytes: keep them for those routes only. */
const WEBHOOK_PATH = '/api/v1/payments/webhooks/';

const VERSION = '0.1.0';

/**
 * What the middleware below answers before a route runs, for the document:
 * the JSON body parser (400 MALFORMED_JSON, 413 BODY_TOO_LARGE, 415
 * UNSUPPORTED_ENCODING) and, on every API write but the signed webhooks, the
 * CSRF check (403 CROSS_SITE_REQUEST, CSRF_TOKEN_MISSING, CSRF_TOKEN_INVALID).
 */
export function commonErrors(route: AnyRoute): number[] {
  const statuses: number[] = [];
  if (route.body) statuses.push(400, 413, 415);
  if (
    route.method !== 'get' &&
    route.path.startsWith('/api/') &&
    !route.path.startsWith(WEBHOOK_PATH)
  )
    statuses.push(403);
  return statuses;
}

/** Builds the Express app. It does not listen: server.ts and the tests do. */
export function createApp(deps: AppDeps): App {
  const { config, logger, db, redis } = deps;
  const clock = deps.clock ?? Date.now;
  const lifecycle: Lifecycle = { draining: false };
  const metrics = createMetrics(() => db.poolStats());
  const redisUrl = config.redisUrl;
  const cache = createCache({
    // Shops (or test suites) sharing one Redis in different schemas must not read each other's keys.
    namespace:
      config.database.schema === 'public' ? 'vitrine' : `vitrine-${config.database.schema}`,
    redis,
    ...(redis && redisUrl
      ? { createSubscriber: () => createRedis(redisUrl, logger, 'cache-bus') }
      : {}),
    logger,
    registry: metrics.registry,
    // Stale copies stand in for an unreachable database, never for a bug.
    staleIfError: isDatabaseUnavailable,
  });
  /** What every feature's routes may use. */
  const feature: FeatureDeps = {
    config,
    logger,
    db,
    cache,
    changes: createChangeWriter({ db, cache }),
    clock,
  };
  const cart = createCart(feature);
  const accounts = createAccounts({
    config,
    db,
    cache,
    redis,
    clock,
    afterSignIn: cart.afterSignIn,
  });
  const payments = createPaymentProvider(config.payments, { db, clock });
  const orders = createOrders({ ...feature, payments, ring: accounts.sessions.ring });
  const checkout = createCheckout({ ...feature, payments, orders: orders.service });
  /** Uploaded images: the local media folder in development, S3 in production. */
  const writeOptions = { storage: createStorage(config.storage), imageLimits: config.images };

  const routes: AnyRoute[] = [
    ...healthRoutes({ db, redis, metrics, lifecycle }),
    ...accounts.routes,
    ...catalogRoutes(feature),
    ...cart.routes,
    ...checkout.routes,
    ...orders.routes,
    ...publishingRoutes(feature),
    ...studioRoutes(feature, writeOptions),
    ...adminRoutes(feature, writeOptions),
    ...favoritesRoutes(feature, writeOptions),
  ];
  let openapi: unknown;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document, generated from the route schemas',
      tags: ['operations'],
      response: z.record(z.string(), z.unknown()),
      handler: async () => {
        openapi ??= buildOpenApiDocument(
          routes,
          { title: 'Vitrine origin API', version: VERSION },
          { commonErrors },
        );
        return openapi as Record<string, unknown>;
      },
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  // CloudFront → ALB → task: req.ip is the shopper's address, not the edge's.
  app.set('trust proxy', config.trustProxy);

  app.use(requestLogger(logger));
  app.use(metrics.middleware);
  app.use((_req, res, next) => {
    // While draining, finish this request but do not keep the connection.
    if (lifecycle.draining) res.setHeader('connection', 'close');
    next();
  });
  app.use(
    helmet({
      // JSON and media only so far: nothing here may run script or be framed.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      crossOriginResourcePolicy: { policy: 'same-site' },
      // As frame-ancestors 'none' says, for browsers that only read the older header.
      xFrameOptions: { action: 'deny' },
    }),
  );
  app.use(
    express.json({
      limit: config.bodyLimitBytes,
      verify: (req, _res, buf) => {
        if (req.url?.startsWith(WEBHOOK_PATH)) (req as express.Request).rawBody = Buffer.from(buf);
      },
    }),
  );
  app.use(
    '/media',
    express.static(config.mediaDir, {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: true,
    }),
  );

  // Sessions and CSRF for the API; health and metrics never touch them.
  app.use('/api', accounts.sessionMiddleware, accounts.csrfMiddleware);
  // The session pages: the shopper's session resolved, the API in-process (its own CSRF checks).
  const mediaUrl = config.storage.driver === 's3' ? config.storage.publicUrl : null;
  app.all(
    PAGE_PATH,
    accounts.sessionMiddleware,
    pagesHandler({
      entry: config.storefrontEntry,
      bodyLimitBytes: config.bodyLimitBytes,
      mediaOrigin: mediaUrl && /^https?:\/\//.test(mediaUrl) ? new URL(mediaUrl).origin : null,
      logger,
    }),
  );

  const router = express.Router();
  mountRoutes(router, routes);
  app.use(router);
  app.use(apiNotFound);
  app.use(errorMiddleware);

  return {
    app,
    lifecycle,
    metrics,
    cache,
    routes,
    sweep: checkout.sweep,
    close: () => cache.close(),
  };
}
