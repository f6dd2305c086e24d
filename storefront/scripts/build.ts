/*
 * `npm run storefront:build`: the static catalogue, ready for S3.
 *   1. export the published catalogue from the origin's database (origin CLI),
 *   2. `astro build` (static pages in dist/client, the origin's SSR bundle in dist/server),
 *   3. index the pages for search (Pagefind),
 *   4. hold every catalogue page to the JavaScript budget (15 KB gzipped),
 *   5. compare the output with the previous build's: dist/deploy.json lists the
 *      files to upload and delete and the paths to invalidate, so a deploy
 *      touches only what changed (dist/changed-paths.txt: the paths alone).
 *
 *   --catalog FILE    build from an existing export instead of exporting (step 1 skipped)
 *   --previous FILE   the previous build's manifest (default .data/last-build.json; a
 *                     deploy keeps it beside the site, e.g. in the bucket)
 *   --if-changed      ask the origin's change feed first and do nothing when the
 *                     catalogue has not changed since the previous build
 *
 * The export comes over HTTP from a running origin when CATALOG_EXPORT_URL and
 * CATALOG_EXPORT_TOKEN are set (or from `npm start`'s origin on the embedded
 * database), else from the database with the origin's CLI (see export-source.ts).
 *
 * Configuration: the origin's (DATABASE_URL …) for the export, and the
 * storefront's own in astro.config.ts (PUBLIC_BASE_URL, SHOP_NAME, …).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'astro';
import { loadCatalog } from '../src/features/catalog/catalog.ts';
import {
  changedSince,
  ExportError,
  exportCatalog,
  exportSource,
} from '../src/features/catalog/export-source.ts';
import {
  diffBuilds,
  manifestOf,
  readManifest,
  writeManifest,
} from '../src/features/deploy/manifest.ts';
import { indexSite, SearchIndexError } from '../src/features/search/indexer.ts';
import { formatTable, measurePages, summarise } from './js-budget.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    catalog: { type: 'string' },
    previous: { type: 'string' },
    'if-changed': { type: 'boolean', default: false },
  },
});
const siteDir = resolve(root, 'dist/client');
const previousFile = resolve(root, values.previous ?? '.data/last-build.json');
const previous = readManifest(previousFile);

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
    if (values['if-changed'] && previous) {
      const { changed } = await changedSince(previous.cursor, source, process.env);
      if (!changed) {
        process.stderr.write(
          `storefront build: nothing changed since the previous build (cursor ${previous.cursor}); nothing to do\n`,
        );
        process.exit(0);
      }
    }
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
    siteDir,
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

const budget = step('checking the JavaScript budget');
const rows = summarise(await measurePages(siteDir));
process.stderr.write(`${formatTable(rows)}\n`);
const over = rows.filter((row) => row.over);
if (over.length > 0) {
  process.stderr.write(
    `storefront build: over the JavaScript budget: ${over.map((r) => r.type).join(', ')}\n`,
  );
  process.exit(1);
}
budget();

const diffing = step('comparing with the previous build');
const manifest = manifestOf(siteDir, loadCatalog(catalogFile).cursor);
const diff = diffBuilds(previous, manifest);
writeFileSync(
  resolve(root, 'dist/deploy.json'),
  `${JSON.stringify({ cursor: manifest.cursor, ...diff }, null, 2)}\n`,
);
writeFileSync(
  resolve(root, 'dist/changed-paths.txt'),
  diff.invalidate.map((p) => `${p}\n`).join(''),
);
writeManifest(previousFile, manifest);
process.stderr.write(
  `storefront build: ${diff.upload.length} files to upload, ${diff.remove.length} to delete, ${diff.invalidate.length} paths to invalidate (dist/deploy.json)\n`,
);
diffing();
