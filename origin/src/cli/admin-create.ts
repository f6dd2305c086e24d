/**
 * `npm run admin:create -- --email admin@example.com` creates an admin
 * account, or promotes an existing one. The password is read from standard
 * input (never from argv, which other users can see in `ps`):
 *
 *   printf '%s' "$ADMIN_PASSWORD" | npm run admin:create -- --email admin@example.com
 *
 * Admins are made here only, never through the public API.
 */
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { Email } from '../accounts/accounts.schemas.ts';
import { hashPassword } from '../accounts/index.ts';
import { passwordProblem } from '../accounts/password.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger } from '../platform/logging.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' } },
  });
  const email = Email.safeParse(values.email ?? '');
  if (!email.success) {
    process.stderr.write(
      'usage: admin:create -- --email <address> [--name "Display Name"]  (password on stdin)\n',
    );
    return 2;
  }
  const password = process.stdin.isTTY ? '' : (await text(process.stdin)).replace(/\r?\n$/, '');
  const config = loadConfig();
  const db = await openDatabase(config.database, createLogger(config.logLevel));
  try {
    await db.migrate();
    const existing = await db.models.User.findOne({ where: { email: email.data }, raw: true });
    // An existing account may be promoted without a new password; a new one needs a good one.
    const problem = password || !existing ? passwordProblem(password, email.data) : null;
    if (problem) {
      process.stderr.write(`password ${problem} (pipe it on standard input)\n`);
      return 2;
    }
    if (existing) {
      await db.models.User.update(
        {
          role: 'admin',
          updatedAt: new Date(),
          ...(password ? { passwordHash: await hashPassword(password) } : {}),
        },
        { where: { id: existing.id } },
      );
      // Sessions cache the role; end them so the new role applies at next sign-in.
      await db.models.Session.destroy({ where: { userId: existing.id } });
      process.stdout.write(`promoted ${email.data} to admin\n`);
      return 0;
    }
    await db.models.User.create({
      email: email.data,
      passwordHash: await hashPassword(password),
      displayName: values.name ?? '',
      role: 'admin',
    });
    process.stdout.write(`created admin ${email.data}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error).message ?? err)}\n`,
  );
  process.exitCode = 1;
}
