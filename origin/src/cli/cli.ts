import { type Config, ConfigError, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logging.ts';

/** A command line the command cannot run with: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Runs a command's `main` (which returns its exit code) with the same error
 * handling for every command: a usage error prints the message and the usage
 * (exit 2); a configuration or application error prints its message, no
 * stack (exit 1); anything else is a bug and prints its stack (exit 1).
 */
export async function runCommand(usage: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof AppError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

/** The configuration, the database opened on it for `work`, and closed afterwards. */
export async function withDatabase<T>(
  work: (db: Database, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.database, createLogger(config.logLevel));
  try {
    return await work(db, config);
  } finally {
    await db.close();
  }
}
