import type { Redis } from 'ioredis';
import { type App, createApp } from '../../src/app.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { type Listening, listen } from './http.ts';

export interface TestApp {
  t: TestDatabase;
  built: App;
  http: Listening;
  /** Stops listening, closes the app and drops its schema. */
  close(): Promise<void>;
}

/** The app on a migrated schema of its own, listening on an ephemeral port, logs silent. */
export async function startTestApp(
  options: { overrides?: Record<string, string>; clock?: () => number; redis?: Redis | null } = {},
): Promise<TestApp> {
  const t = await createTestDatabase(options.overrides ? { overrides: options.overrides } : {});
  const built = createApp({
    config: t.config,
    logger: createLogger('silent'),
    db: t.db,
    redis: options.redis ?? null,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const http = await listen(built.app);
  return {
    t,
    built,
    http,
    async close() {
      await http.close();
      await built.close();
      await t.drop();
    },
  };
}
