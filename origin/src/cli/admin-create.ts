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
import { runCommand, UsageError, withDatabase } from './cli.ts';

const USAGE =
  'usage: admin:create -- --email <address> [--name "Display Name"]  (password on stdin)';

async function main(): Promise<number> {
  let values: { email?: string | undefined; name?: string | undefined };
  try {
    ({ values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const email = Email.safeParse(values.email ?? '');
  if (!email.success) throw new UsageError('--email must be an email address');
  const password = process.stdin.isTTY ? '' : (await text(process.stdin)).replace(/\r?\n$/, '');
  return withDatabase(async (db) => {
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
  });
}

await runCommand(USAGE, main);
