/**
 * `npm run db:migrate`               apply pending migrations
 * `npm run db:migrate -- down`       revert the last migration
 * `npm run db:migrate -- down --to 0` revert all of them
 * `npm run db:migrate -- status`     list applied and pending migrations
 */
import { parseArgs } from 'node:util';
import { createMigrator } from '../platform/db/migrator.ts';
import { runCommand, UsageError, withDatabase } from './cli.ts';

const USAGE = 'usage: db:migrate [up | down [--to <migration name> | --to 0] | status]';

async function main(): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ allowPositionals: true; options: { to: { type: 'string' } } }>
  >;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { to: { type: 'string' } } });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { positionals, values } = parsed;
  const command = positionals[0] ?? 'up';
  if (!['up', 'down', 'status'].includes(command) || positionals.length > 1) {
    throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
  return withDatabase(async (db) => {
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
  });
}

await runCommand(USAGE, main);
