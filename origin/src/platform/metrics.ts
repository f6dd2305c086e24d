import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from './db/database.ts';

export interface Metrics {
  registry: Registry;
  /** Records request durations by route template and status. */
  middleware: RequestHandler;
}

/**
 * One registry per app (not prom-client's global one), so two apps in one
 * process, as in the cross-instance tests, do not collide.
 */
export function createMetrics(poolStats: () => PoolStats): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const pool = (name: keyof PoolStats, help: string) =>
    new Gauge({
      name: `db_pool_${name}_connections`,
      help,
      registers: [registry],
      collect() {
        this.set(poolStats()[name]);
      },
    });
  pool('size', 'Connections open in the database pool');
  pool('available', 'Idle connections in the database pool');
  pool('using', 'Connections in use');
  pool('waiting', 'Requests waiting for a connection');

  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      // The template (`/api/v1/products/:slug`), never the raw path: bounded label values.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };

  return { registry, middleware };
}
