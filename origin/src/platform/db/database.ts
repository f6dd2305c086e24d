import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { Sequelize } from 'sequelize';
import type { Config } from '../../config.ts';
import { createMigrator } from './migrator.ts';
import { defineModels, type Models } from './models.ts';

export interface PoolStats {
  size: number;
  available: number;
  using: number;
  waiting: number;
}

export interface Database {
  readonly kind: 'external' | 'embedded';
  readonly sequelize: Sequelize;
  readonly models: Models;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** Resolves when a trivial query succeeds within the timeout. */
  ping(timeoutMs?: number): Promise<void>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/** The slice of sequelize-pool that Sequelize keeps on its connection manager. */
interface SequelizePool {
  size: number;
  available: number;
  using: number;
  waiting: number;
}

// Identity columns and counts are int8; every value here stays far below 2^53,
// so hand them out as numbers and refuse, loudly, one that would lose precision.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`int8 value ${text} exceeds the safe integer range`);
  return value;
});

interface EmbeddedServer {
  socketDir: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly) with its data in `dir`
 * and serves it on a private Unix socket, so Sequelize and pg talk to it
 * exactly as to a real server. PGlite is single-connection: pool max 1.
 */
async function startEmbedded(dir: string): Promise<EmbeddedServer> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  if (!dir.startsWith('memory://')) await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  // Unix socket paths are limited to ~100 bytes, so keep it short and private.
  const socketDir = await mkdtemp(path.join(tmpdir(), 'vitrine-pg-'));
  const server = new PGLiteSocketServer({
    db,
    path: path.join(socketDir, '.s.PGSQL.5432'),
    maxConnections: 1,
  });
  await server.start();
  return {
    socketDir,
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Opens the configured database: the external server, or the embedded one. */
export async function openDatabase(config: Config['database'], logger: Logger): Promise<Database> {
  const embedded = config.kind === 'embedded' ? await startEmbedded(config.dir) : null;
  const schema = config.schema;
  const common = {
    dialect: 'postgres' as const,
    logging: false as const,
    benchmark: false,
    // One embedded connection serialises everything, so a burst waits longer for it.
    pool: {
      max: config.poolMax,
      min: 0,
      acquire: config.kind === 'embedded' ? 60_000 : 5_000,
      idle: 10_000,
      evict: 5_000,
    },
    dialectOptions: {
      // Fail fast when the server is gone instead of queueing requests for minutes.
      connectionTimeoutMillis: 3_000,
      statement_timeout: 15_000,
      application_name: 'vitrine-origin',
    },
    hooks: {
      // Tests and multi-shop setups isolate by schema; every connection gets it.
      afterConnect: async (connection: unknown) => {
        if (schema === 'public') return;
        await (connection as { query(sql: string): Promise<unknown> }).query(
          // The schema alone: falling back to public would let a suite see another's tables.
          `SET search_path TO ${quoteIdent(schema)}`,
        );
      },
    },
    define: { underscored: true, timestamps: false },
  };
  const sequelize =
    config.kind === 'external'
      ? new Sequelize(config.url, common)
      : new Sequelize({
          ...common,
          host: embedded?.socketDir ?? '',
          port: 5432,
          username: 'postgres',
          database: 'postgres',
        });
  const models = defineModels(sequelize);

  const pool = () => (sequelize.connectionManager as unknown as { pool: SequelizePool }).pool;

  return {
    kind: config.kind,
    sequelize,
    models,
    async migrate() {
      // Tasks of a rolling deploy start together: one migrates, the others wait
      // for it on a session advisory lock held by a connection of its own (the
      // pool's may be just one). The embedded database has a single process.
      const lock =
        config.kind === 'external' ? new pg.Client({ connectionString: config.url }) : null;
      if (lock) {
        await lock.connect();
        await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`vitrine:migrate:${schema}`]);
      }
      try {
        if (schema !== 'public')
          await sequelize.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        const applied = await createMigrator(sequelize, logger).up();
        return applied.map((m) => m.name);
      } finally {
        // Ending the session releases the lock too, should the unlock fail.
        await lock?.end();
      }
    },
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`database did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([sequelize.query('SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    poolStats() {
      const p = pool();
      return { size: p.size, available: p.available, using: p.using, waiting: p.waiting };
    },
    async close() {
      await sequelize.close();
      await embedded?.stop();
    },
  };
}
