import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logging.ts';

export interface TestDatabase {
  db: Database;
  config: Config;
  /** Drops what the test created and closes connections. */
  drop(): Promise<void>;
}

/** True when the run has a real PostgreSQL server (CI), false on embedded PGlite. */
export const hasExternalDatabase = Boolean(process.env.DATABASE_URL);
export const redisUrl = process.env.REDIS_URL || null;

/**
 * Configuration for a test: the real servers from the environment when set,
 * a private schema so suites never see each other's rows, a temporary media
 * folder, and quiet logs.
 */
export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  const mediaDir = await mkdtemp(path.join(tmpdir(), 'vitrine-media-'));
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    DATABASE_SCHEMA: `t_${randomBytes(6).toString('hex')}`,
    EMBEDDED_DB_DIR: 'memory://',
    MEDIA_DIR: mediaDir,
    ...overrides,
  });
}

/** A migrated, empty database in its own schema (or its own in-memory PGlite). */
export async function createTestDatabase(
  options: { migrate?: boolean; overrides?: Record<string, string> } = {},
): Promise<TestDatabase> {
  const config = await testConfig(options.overrides);
  const db = await openDatabase(config.database, createLogger('silent'));
  if (options.migrate ?? true) await db.migrate();
  return {
    db,
    config,
    async drop() {
      if (config.database.kind === 'external') {
        await db.sequelize.query(`DROP SCHEMA IF EXISTS "${config.database.schema}" CASCADE`);
      }
      await db.close();
      await rm(config.mediaDir, { recursive: true, force: true });
    },
  };
}
