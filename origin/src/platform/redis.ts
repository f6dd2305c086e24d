import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A Redis client that fails fast while Redis is away (no offline queue, one
 * retry per command) and keeps reconnecting in the background, so callers
 * fall back to L1 and PostgreSQL instead of waiting.
 */
export function createRedis(url: string, logger: Logger, name = 'origin'): Redis {
  const client = new Redis(url, {
    connectionName: `vitrine-${name}`,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError = 0;
  client.on('error', (err: Error) => {
    // While Redis is down every retry fails; one line every 10 s is enough.
    const now = Date.now();
    if (now - lastError > 10_000) {
      lastError = now;
      logger.warn(
        { err: err.message },
        'redis unavailable; serving without the L2 cache until it returns',
      );
    }
  });
  client.on('ready', () => {
    if (lastError) logger.info('redis reconnected');
    lastError = 0;
  });
  return client;
}

/** Resolves when Redis answers PING within the timeout. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`redis did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
