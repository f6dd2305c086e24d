/*
 * `npm run storefront:build`: the static catalogue, ready for S3.
 *   1. export the published catalogue from the origin's database (origin CLI),
 *   2. `astro build` (static pages in dist/client, the origin's SSR bundle in dist/server),
 *   3. index the pages for search (Pagefind),
 *   4. list what changed since the previous build (dist/changed-paths.txt), so a
 *      deploy uploads and invalidates only those paths.
 *
 *   --catalog FILE   build from an existing export instead of exporting (step 1 skipped)
 *
 * The export comes over HTTP from a running origin when CATALOG_EXPORT_URL and
 * CATALOG_EXPORT_TOKEN are set (or from `npm start`'s origin on the embedded
 * database), else from the database with the origin's CLI (see export-source.ts).
 *
 * Configuration: the origin's (DATABASE_URL …) for the export, and the
 * storefront's own in astro.config.ts (PUBLIC_BASE_URL, SHOP_NAME, …).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'astro';
import { loadCatalog } from '../src/features/catalog/catalog.ts';
import { ExportError, exportCatalog, exportSource } from '../src/features/catalog/export-source.ts';
import { indexSite, SearchIndexError } from '../src/features/search/indexer.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { catalog: { type: 'string' } } });

function step(name: string): () => void {
  const started = performance.now();
  process.stderr.write(`storefront build: ${name}…\n`);
  return () =>
    process.stderr.write(
      `storefront build: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
}

const catalogFile = resolve(
  root,
  values.catalog ?? process.env.CATALOG_FILE ?? '.data/catalog.ndjson',
);
if (!values.catalog) {
  const done = step('exporting the catalogue');
  try {
    const source = exportSource(process.env);
    process.stderr.write(
      `storefront build: from ${source.kind === 'http' ? source.url : 'the database (origin CLI)'}\n`,
    );
    await exportCatalog(catalogFile, source, process.env);
  } catch (err) {
    if (!(err instanceof ExportError)) throw err;
    process.stderr.write(`storefront build: ${err.message}; nothing was built\n`);
    process.exit(1);
  }
  done();
}

process.env.CATALOG_FILE = catalogFile;
const built = step('astro build');
await build({ root, logLevel: 'warn' });
built();

const indexing = step('indexing for search');
try {
  const index = await indexSite({
    siteDir: resolve(root, 'dist/client'),
    expectedPages: loadCatalog(catalogFile).products.length,
  });
  process.stderr.write(
    `storefront build: search index of ${index.pageCount} product pages, ${index.files} files, ${(index.bytes / 1024).toFixed(0)} KiB\n`,
  );
} catch (err) {
  if (!(err instanceof SearchIndexError)) throw err;
  process.stderr.write(`storefront build: ${err.message}\n`);
  process.exit(1);
}
indexing();
