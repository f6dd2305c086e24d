/**
 * `npm run db:migrate`               apply pending migrations
 * `npm run db:migrate -- down`       revert the last migration
 * `npm run db:migrate -- down --to 0` revert all of them
 * `npm run db:migrate -- status`     list applied and pending migrations
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createMigrator } from '../platform/db/migrator.ts';
import { createLogger } from '../platform/logging.ts';

const USAGE = 'usage: db:migrate [up | down [--to <migration name> | --to 0] | status]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { to: { type: 'string' } },
  });
  const command = positionals[0] ?? 'up';
  if (!['up', 'down', 'status'].includes(command) || positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config.database, logger);
  try {
    if (command === 'up') {
      const applied = await db.migrate();
      process.stdout.write(
        applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n',
      );
      return 0;
    }
    const migrator = createMigrator(db.sequelize);
    if (command === 'status') {
      const [executed, pending] = await Promise.all([migrator.executed(), migrator.pending()]);
      for (const m of executed) process.stdout.write(`applied  ${m.name}\n`);
      for (const m of pending) process.stdout.write(`pending  ${m.name}\n`);
      return 0;
    }
    const to = values.to === '0' ? 0 : values.to;
    const reverted = await migrator.down(to === undefined ? undefined : { to });
    process.stdout.write(
      reverted.length
        ? `reverted: ${reverted.map((m) => m.name).join(', ')}\n`
        : 'nothing to revert\n',
    );
    return 0;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error).stack ?? err)}\n`,
  );
  process.exitCode = 1;
}
