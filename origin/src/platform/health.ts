import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Database } from './db/database.ts';
import { type AnyRoute, defineRoute } from './http/api.ts';
import type { Metrics } from './metrics.ts';
import { pingRedis } from './redis.ts';

/** Shared between the server (which starts draining) and the readiness probe. */
export interface Lifecycle {
  draining: boolean;
}

const Check = z.enum(['ok', 'fail', 'off']);
const Readiness = z
  .object({
    status: z.enum(['ready', 'degraded', 'not_ready']),
    checks: z.object({ database: Check, cache: Check, draining: z.boolean() }),
  })
  .meta({ id: 'Readiness' });

export interface HealthDeps {
  db: Database;
  redis: Redis | null;
  metrics: Metrics;
  lifecycle: Lifecycle;
}

export function healthRoutes({ db, redis, metrics, lifecycle }: HealthDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'liveness',
      summary: 'Liveness: the process answers. Never checks dependencies.',
      tags: ['operations'],
      response: z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' }),
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary:
        'Readiness: the database answers and the process is not draining. Redis down is reported as degraded, not unready: the shop serves from L1 and PostgreSQL meanwhile.',
      tags: ['operations'],
      response: Readiness,
      extraResponses: { 503: Readiness },
      handler: async (_input, _req, res) => {
        const [database, cache] = await Promise.all([
          db.ping().then(
            () => 'ok' as const,
            () => 'fail' as const,
          ),
          redis
            ? pingRedis(redis).then(
                () => 'ok' as const,
                () => 'fail' as const,
              )
            : Promise.resolve('off' as const),
        ]);
        const ready = !lifecycle.draining && database === 'ok';
        // A failed readiness answers with the same document so operators see which check failed.
        res.status(ready ? 200 : 503);
        const status = !ready ? 'not_ready' : cache === 'fail' ? 'degraded' : 'ready';
        return { status, checks: { database, cache, draining: lifecycle.draining } } as const;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics of this process',
      tags: ['operations'],
      contentType: 'text/plain',
      response: z.string(),
      handler: async (_input, _req, res) => {
        res.setHeader('content-type', metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    }),
  ];
}
