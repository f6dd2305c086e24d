/*
 * `npm run catalog:export -- [--out FILE|-] [--since CURSOR] [--shop KIND] [--batch-size N]`
 *
 * Streams the published catalogue of the configured database (DATABASE_URL,
 * else the embedded PGlite in EMBEDDED_DB_DIR) as NDJSON: one record per line
 * (shop, home, categories, artists, collections, products, then `end` with
 * the change cursor). The record schemas are in src/publishing. With
 * `--since` it writes a delta: only what changed after that cursor.
 *
 * With `--out FILE` the export goes to FILE.partial and is renamed into place
 * once complete, so FILE is never half-written. Without `--out` (or with `-`)
 * it goes to standard output; run npm with `-s` then, or npm's banner lines
 * end up in the stream. A summary (counts, time, peak memory) goes to
 * standard error.
 *
 * The embedded database is one process's: stop `npm start` before exporting
 * from it, or export over HTTP (GET /api/v1/admin/catalog/export).
 *
 * Exit codes: 0 done, 1 export failed (message, no stack), 2 bad command line.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadConfig, SHOPS } from '../config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { createLogger } from '../platform/logging.ts';
import {
  DEFAULT_BATCH_SIZE,
  type ExportEnd,
  type ExportRecord,
  ndjson,
  publishingRepository,
  publishingService,
} from '../publishing/index.ts';
import type { Shop } from '../seed/index.ts';
import { runCommand, UsageError } from './cli.ts';

const USAGE = `Usage: npm run -s catalog:export -- [--out FILE|-] [--since CURSOR] [--shop ${SHOPS.join('|')}] [--batch-size N]

  --out         file to write (default: standard output, also "-")
  --since       a cursor (an earlier export's end.cursor): write only what changed after it
  --shop        kind of shop for the shop record (default: recognised from the categories, else SEED_SHOP)
  --batch-size  rows read per query, 100 to 10000 (default ${DEFAULT_BATCH_SIZE})
  --help        show this help`;

interface ExportCommand {
  out: string | null;
  since: string | undefined;
  shop: Shop | undefined;
  batchSize: number;
  help: boolean;
}

function parseCommand(args: readonly string[]): ExportCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string', short: 'o' },
        since: { type: 'string' },
        shop: { type: 'string' },
        'batch-size': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const shop = values.shop as string | undefined;
  if (shop !== undefined && !(SHOPS as readonly string[]).includes(shop))
    throw new UsageError(`--shop must be one of ${SHOPS.join(', ')} (got "${shop}").`);
  const sizeText = (values['batch-size'] as string | undefined) ?? String(DEFAULT_BATCH_SIZE);
  const batchSize = /^\d+$/.test(sizeText) ? Number(sizeText) : Number.NaN;
  if (!Number.isSafeInteger(batchSize) || batchSize < 100 || batchSize > 10_000)
    throw new UsageError(
      `--batch-size must be a whole number from 100 to 10000 (got "${sizeText}").`,
    );
  const out = values.out as string | undefined;
  return {
    out: out === undefined || out === '-' ? null : out,
    since: values.since as string | undefined,
    shop: shop as Shop | undefined,
    batchSize,
    help: values.help === true,
  };
}

/** Passes the records through, keeping the `end` record for the summary. */
async function* watchEnd(
  records: AsyncIterable<ExportRecord>,
  seen: { end: ExportEnd | null },
): AsyncGenerator<ExportRecord> {
  for await (const record of records) {
    if (record.type === 'end') seen.end = record;
    yield record;
  }
}

/** PostgreSQL's undefined_table: the schema was never migrated. */
const isMissingTable = (err: unknown) =>
  (err as { parent?: { code?: unknown } } | null)?.parent?.code === '42P01';

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();

  const started = performance.now();
  const db = await openDatabase(config.database, createLogger(config.logLevel));
  const partial = command.out ? `${command.out}.partial` : null;
  try {
    const service = publishingService(publishingRepository(db), {
      batchSize: command.batchSize,
      defaultShop: config.seed.shop,
    });
    // Opening reads the first record: a bad cursor fails here, before any file is made.
    const records = await service.openExport({ since: command.since, shop: command.shop });
    const seen: { end: ExportEnd | null } = { end: null };
    const destination: Writable = partial ? createWriteStream(partial) : process.stdout;
    await pipeline(Readable.from(ndjson(watchEnd(records, seen))), destination);
    if (partial && command.out) await rename(partial, command.out);
    const { end } = seen;
    if (end) {
      const c = end.counts;
      const seconds = (performance.now() - started) / 1000;
      // maxRSS is in KiB.
      const peakMb = process.resourceUsage().maxRSS / 1024;
      process.stderr.write(
        `Exported ${c.products} products, ${c.artists} artists, ${c.collections} collections, ` +
          `${c.categories} categories${end.since === null ? '' : `, ${c.removed} removed since ${end.since}`}; ` +
          `cursor ${end.cursor}; ${seconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB` +
          `${command.out ? ` → ${command.out}` : ''}.\n`,
      );
    }
    return 0;
  } catch (err) {
    if (partial) await rm(partial, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0; // the reader stopped early (| head)
    if (err instanceof AppError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return 1;
    }
    if (isMissingTable(err)) {
      process.stderr.write(
        'The database has no catalogue tables: run `npm run db:migrate` (and `npm run db:seed`) first.\n',
      );
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

if (import.meta.main) await runCommand(USAGE, main);
