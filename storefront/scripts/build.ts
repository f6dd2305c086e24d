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
 * Configuration: the origin's (DATABASE_URL …) for the export, and the
 * storefront's own in astro.config.ts (PUBLIC_BASE_URL, SHOP_NAME, …).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'astro';

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
  mkdirSync(dirname(catalogFile), { recursive: true });
  const done = step('exporting the catalogue');
  const exported = spawnSync(
    process.execPath,
    [resolve(root, '../origin/src/cli/catalog-export.ts'), '--out', catalogFile],
    { stdio: ['ignore', 'inherit', 'inherit'], env: process.env },
  );
  if (exported.status !== 0) {
    process.stderr.write('storefront build: the export failed (see above); nothing was built\n');
    process.exit(1);
  }
  done();
}

process.env.CATALOG_FILE = catalogFile;
const built = step('astro build');
await build({ root, logLevel: 'warn' });
built();
