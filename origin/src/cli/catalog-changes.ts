/*
 * `npm run -s catalog:changes -- --after CURSOR [--limit N] [--paths]`
 *
 * The catalogue changes after CURSOR (an export's end.cursor, or the
 * nextCursor of the previous run) and the pre-rendered pages they made stale,
 * read from the configured database. It follows the feed page by page to its
 * end and prints one JSON object on standard output:
 *
 *   {"after", "nextCursor", "fullRebuild", "paths": [...], "events": [...]}
 *
 * Keep `nextCursor` for the next deploy. With `--paths` it prints only the
 * paths, one per line (`/*` alone when the whole site must be rebuilt), ready
 * for a CDN invalidation; the next cursor then goes to standard error.
 *
 * Exit codes: 0 done, 1 failed (message, no stack), 2 bad command line.
 */
import { parseArgs } from 'node:util';
import { type ChangeFeed, publishingRepository, publishingService } from '../publishing/index.ts';
import { runCommand, UsageError, withDatabase } from './cli.ts';

const USAGE = `Usage: npm run -s catalog:changes -- --after CURSOR [--limit N] [--paths]

  --after   the cursor to continue from (an export's end.cursor or a previous nextCursor)
  --limit   events read per page, 1 to 1000 (default 500)
  --paths   print only the stale page paths, one per line ("/*" for a full rebuild)
  --help    show this help`;

interface ChangesCommand {
  after: string;
  limit: number;
  pathsOnly: boolean;
  help: boolean;
}

function parseCommand(args: readonly string[]): ChangesCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        after: { type: 'string' },
        limit: { type: 'string' },
        paths: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const help = values.help === true;
  const after = values.after as string | undefined;
  if (after === undefined && !help)
    throw new UsageError('--after is required: pass the cursor of an export or a previous run.');
  const limitText = (values.limit as string | undefined) ?? '500';
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be a whole number from 1 to 1000 (got "${limitText}").`);
  return { after: after ?? '0', limit, pathsOnly: values.paths === true, help };
}

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return withDatabase(async (db, config) => {
    const service = publishingService(publishingRepository(db), {
      defaultShop: config.seed.shop,
    });
    const paths = new Set<string>();
    const events: ChangeFeed['events'] = [];
    let fullRebuild = false;
    let cursor = command.after;
    for (;;) {
      const page = await service.changes({ after: cursor, limit: command.limit });
      for (const path of page.paths) paths.add(path);
      events.push(...page.events);
      fullRebuild ||= page.fullRebuild;
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    const sorted = [...paths].sort();
    if (command.pathsOnly) {
      process.stdout.write(fullRebuild ? '/*\n' : sorted.map((p) => `${p}\n`).join(''));
      process.stderr.write(`next cursor: ${cursor}\n`);
    } else {
      process.stdout.write(
        `${JSON.stringify({ after: command.after, nextCursor: cursor, fullRebuild, paths: sorted, events })}\n`,
      );
    }
    return 0;
  });
}

if (import.meta.main) await runCommand(USAGE, main);
