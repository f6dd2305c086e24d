import { QueryTypes } from 'sequelize';
import type { Database } from '../../src/platform/db/database.ts';

/**
 * Every table of the test's schema with its row count and a digest of its
 * rows, so a test can prove that requests left the database exactly as it
 * was (nothing written, nothing dropped). Tables in `countOnly` are compared
 * by row count alone: their rows change on reads (a session's last-seen time).
 */
export async function fingerprint(
  db: Database,
  options: { countOnly?: readonly string[] } = {},
): Promise<Record<string, string>> {
  const tables = await db.sequelize.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    { type: QueryTypes.SELECT },
  );
  const result: Record<string, string> = {};
  for (const { name } of tables) {
    const digest = options.countOnly?.includes(name)
      ? `count(*)::text`
      : `count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')`;
    const [row] = await db.sequelize.query<{ value: string }>(
      `SELECT ${digest} AS value FROM "${name}" t`,
      { type: QueryTypes.SELECT },
    );
    result[name] = row?.value ?? '';
  }
  return result;
}
