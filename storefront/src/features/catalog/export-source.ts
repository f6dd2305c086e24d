import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/*
 * Where the build gets the catalogue export from:
 * - over HTTP from a running origin (CATALOG_EXPORT_URL with CATALOG_EXPORT_TOKEN):
 *   how a deploy pipeline reads it, and how `npm start`'s first build reads the
 *   embedded database that the running origin holds;
 * - the same locally without configuration when `npm start` runs on the
 *   embedded database (its token is in .data/export-token);
 * - otherwise straight from the database with the origin's CLI (DATABASE_URL).
 * The file is written beside as .partial and renamed once complete and ended.
 */

export class ExportError extends Error {
  override name = 'ExportError';
}

export type ExportSource =
  | { kind: 'http'; url: string; token: string }
  | { kind: 'cli'; script: string };

const REPO = resolve(import.meta.dirname, '..', '..', '..', '..');

export function exportSource(env: NodeJS.ProcessEnv): ExportSource {
  if (env.CATALOG_EXPORT_URL) {
    if (!env.CATALOG_EXPORT_TOKEN) {
      throw new ExportError(
        'CATALOG_EXPORT_URL is set but CATALOG_EXPORT_TOKEN is not: the origin needs the token',
      );
    }
    return { kind: 'http', url: env.CATALOG_EXPORT_URL, token: env.CATALOG_EXPORT_TOKEN };
  }
  const devToken = resolve(REPO, '.data', 'export-token');
  if (!env.DATABASE_URL && existsSync(devToken)) {
    return {
      kind: 'http',
      url: `http://127.0.0.1:${env.PORT || 3000}/api/v1/admin/catalog/export`,
      token: env.CATALOG_EXPORT_TOKEN || readFileSync(devToken, 'utf8').trim(),
    };
  }
  return { kind: 'cli', script: resolve(REPO, 'origin', 'src', 'cli', 'catalog-export.ts') };
}

function endsWithEnd(text: string): boolean {
  const last = text.trimEnd().split('\n').at(-1) ?? '';
  try {
    return (JSON.parse(last) as { type?: string }).type === 'end';
  } catch {
    return false;
  }
}

/** Writes the full export to `file`; throws ExportError with what to do when it cannot. */
export async function exportCatalog(
  file: string,
  source: ExportSource,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  if (source.kind === 'cli') {
    const run = spawnSync(process.execPath, [source.script, '--out', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
    if (run.status !== 0) throw new ExportError('the export failed (see above)');
    return;
  }
  let res: Response;
  try {
    res = await fetch(source.url, { headers: { authorization: `Bearer ${source.token}` } });
  } catch (err) {
    throw new ExportError(
      `cannot reach the origin at ${source.url} (${(err as Error).cause ?? (err as Error).message}): is it running?`,
    );
  }
  if (!res.ok) {
    throw new ExportError(
      `the origin answered ${res.status} to the export: ${(await res.text()).slice(0, 300)}`,
    );
  }
  const text = await res.text();
  if (!endsWithEnd(text)) {
    throw new ExportError('the export was cut short (no end record); nothing was written');
  }
  writeFileSync(partial, text);
  renameSync(partial, file);
  rmSync(partial, { force: true });
}

/**
 * Whether the catalogue changed after `cursor` (the previous build's), from
 * the origin's change feed: over HTTP with the token, or with the origin CLI.
 */
export async function changedSince(
  cursor: string,
  source: ExportSource,
  env: NodeJS.ProcessEnv,
): Promise<{ changed: boolean; paths: string[] }> {
  let feed: { nextCursor: string; events: unknown[]; paths: string[]; fullRebuild: boolean };
  if (source.kind === 'http') {
    const url = new URL(source.url.replace(/\/catalog\/export$/, '/changes'));
    url.searchParams.set('after', cursor);
    const res = await fetch(url, { headers: { authorization: `Bearer ${source.token}` } });
    if (!res.ok) throw new ExportError(`the change feed answered ${res.status}`);
    feed = (await res.json()) as typeof feed;
  } else {
    const run = spawnSync(
      process.execPath,
      [resolve(dirname(source.script), 'catalog-changes.ts'), '--after', cursor],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (run.status !== 0) throw new ExportError('the change feed failed (see above)');
    feed = JSON.parse(run.stdout) as typeof feed;
  }
  const changed = feed.events.length > 0 || feed.fullRebuild || feed.nextCursor !== cursor;
  return { changed, paths: feed.fullRebuild ? ['/*'] : feed.paths };
}
