import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as pagefind from 'pagefind';

/*
 * The search index of the static site, built by Pagefind after `astro build`.
 * Search then runs entirely in the shopper's browser against files next to
 * the pages (dist/client/pagefind/ on S3): no origin traffic, no search server.
 *
 * What is indexed is decided by the pages: product pages mark their main
 * content with `data-pagefind-body`, and once any page carries it Pagefind
 * leaves every page without it out (home, listings, the search page itself).
 * The pages also carry the filters (category, artist, price band), the sort
 * key (price in minor units) and the image shown beside a result.
 *
 * The Pagefind binary comes from the `@pagefind/<platform>` package that npm
 * installs as an optional dependency: no download at install or build time.
 */

export interface IndexOptions {
  /** The built static site: Astro's dist/client. */
  siteDir: string;
  /** Where the index is written; default `<siteDir>/pagefind` (served as /pagefind/). */
  outputPath?: string;
  /**
   * How many pages the index must hold (the catalogue's product pages). A
   * different count fails: a page type that lost `data-pagefind-body`, or a
   * site where no page has it (then Pagefind would index every page).
   */
  expectedPages?: number;
}

export interface IndexReport {
  /** Pages in the written index, all languages together. */
  pageCount: number;
  outputPath: string;
  /** Files and bytes of the index the browser may fetch (the UI bundles we never load are removed). */
  files: number;
  bytes: number;
  /** Wall time of indexing and writing. */
  seconds: number;
}

export class SearchIndexError extends Error {
  override name = 'SearchIndexError';
}

/**
 * Pagefind also writes its ready-made search UIs; the search page uses the
 * small JS API (pagefind.js) with its own markup, so these would only be
 * uploaded and never fetched.
 */
const UNUSED_UI_FILES = [
  'pagefind-ui.js',
  'pagefind-ui.css',
  'pagefind-modular-ui.js',
  'pagefind-modular-ui.css',
  'pagefind-component-ui.js',
  'pagefind-component-ui.css',
  'pagefind-highlight.js',
];

/** The written index's own count: `addDirectory` counts HTML files read, not pages kept. */
export interface PagefindEntry {
  version: string;
  languages: Record<string, { hash: string; wasm: string | null; page_count: number }>;
}

function fail(stage: string, errors: string[]): never {
  throw new SearchIndexError(`search index: ${stage} failed: ${errors.join('; ')}`);
}

async function sizeOf(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/** Indexes the built site and writes the index. Throws SearchIndexError with Pagefind's own messages. */
export async function indexSite(options: IndexOptions): Promise<IndexReport> {
  const started = performance.now();
  const siteDir = resolve(options.siteDir);
  const outputPath = resolve(options.outputPath ?? join(siteDir, 'pagefind'));
  // A previous index in the output folder would be indexed as pages and leave stale fragments.
  await rm(outputPath, { recursive: true, force: true });
  try {
    const created = await pagefind.createIndex();
    if (!created.index) fail('starting Pagefind', created.errors);
    const { index } = created;
    const added = await index.addDirectory({ path: siteDir });
    if (added.errors.length > 0) fail(`indexing ${siteDir}`, added.errors);
    const written = await index.writeFiles({ outputPath });
    if (written.errors.length > 0) fail(`writing ${outputPath}`, written.errors);
  } catch (err) {
    if (err instanceof SearchIndexError) throw err;
    throw new SearchIndexError(
      `search index: Pagefind did not run (${(err as Error).message}); is the optional dependency @pagefind/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch} installed?`,
      { cause: err },
    );
  } finally {
    await pagefind.close();
  }
  await Promise.all(UNUSED_UI_FILES.map((file) => rm(join(outputPath, file), { force: true })));

  const entry = JSON.parse(
    await readFile(join(outputPath, 'pagefind-entry.json'), 'utf8'),
  ) as PagefindEntry;
  const pageCount = Object.values(entry.languages).reduce((n, l) => n + l.page_count, 0);
  if (options.expectedPages !== undefined && pageCount !== options.expectedPages) {
    throw new SearchIndexError(
      `search index: ${pageCount} pages indexed but the catalogue has ${options.expectedPages} products: ` +
        'every product page needs data-pagefind-body on its main content, and no other page may carry it',
    );
  }
  return {
    pageCount,
    outputPath,
    ...(await sizeOf(outputPath)),
    seconds: (performance.now() - started) / 1000,
  };
}
