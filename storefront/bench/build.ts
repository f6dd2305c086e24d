/*
 * `npm run bench:build -- [--schema NAME] [--products N] [--reuse] [--runs N] [--profile]`
 * (from the repository root: `npm run bench:storefront -- …`)
 *
 * What building the static shop costs at catalogue scale, against the floor
 * of Astro itself. In one run:
 *   1. seed a gallery of N products (default 10,000) into the schema NAME of
 *      DATABASE_URL (default `bench_storefront`; never the shop's own schema,
 *      since seeding empties it), pictures into this benchmark's folder; with
 *      --reuse, keep what an earlier run seeded there;
 *   2. export it with the origin's CLI;
 *   3. the real build, as `npm run storefront:build` does it, each step timed:
 *      `astro build` (static pages and the origin's SSR bundle), the Pagefind
 *      index, the JavaScript budget check and the deploy manifest;
 *   4. a trivial Astro project generated beside it: one `[slug].astro` whose
 *      getStaticPaths returns as many pages as the real build wrote, each a
 *      title and a paragraph; same Astro, same build.format and trailingSlash.
 * The target compares astro build + index with the trivial build (at most 3×).
 * Each build runs in a Node process of its own, started cold, one at a time,
 * from an empty output folder (as in CI). With --runs N the builds alternate
 * N times and the medians count.
 *
 * Prints a table and the build's JavaScript per page type, and writes the
 * figures as JSON to .data/bench/build-<schema>-<time>.json; exit code 1 when
 * the target is missed.
 * The builds stay in .data/bench/<schema>/ (the real static site in
 * dist/client, which `npm run bench:lighthouse` serves).
 *
 * Besides wall time, the CPU time (user + system) of each build's processes
 * and their peak resident memory, sampled every 100 ms from /proc (Linux; the
 * Pagefind binary included). On a shared machine wall time follows whatever
 * else runs; CPU time much less. Node's own exact peak is shown beside it.
 *
 * --profile  also writes V8 CPU profiles of both builds (node --cpu-prof) to
 *            .data/bench/<schema>/profiles/ and prints Astro's own step timings.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { findPackageJSON } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, measurePages, summarise } from '../scripts/js-budget.ts';
import { loadCatalog } from '../src/features/catalog/catalog.ts';
import { manifestOf } from '../src/features/deploy/manifest.ts';
import { indexSite } from '../src/features/search/indexer.ts';
import { CommandError, REPO_ROOT, runNode, type TreeUsage, watchTree } from './processes.ts';

const STOREFRONT = resolve(import.meta.dirname, '..');
const ORIGIN_CLI = join(REPO_ROOT, 'origin', 'src', 'cli');
const RESULTS = join(STOREFRONT, '.data', 'bench');
/** Target: the real build (astro build + search index) at most this many times the trivial one. */
const TARGET_RATIO = 3;

/** A package's installed version (pagefind's exports do not include its package.json). */
function versionOf(name: string): string {
  const file = findPackageJSON(name, import.meta.url);
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'unknown';
}

/** The steps of `npm run storefront:build` after the export, in order; the trivial build has the first only. */
const PHASES = ['astro', 'index', 'budget', 'manifest'] as const;
type PhaseName = (typeof PHASES)[number];

/** What a child build tells the parent (IPC): each step as it starts, then the result. */
type ChildMessage =
  | { kind: 'phase'; phase: PhaseName }
  | {
      kind: 'done';
      pages: number;
      indexedPages: number | null;
      seconds: Partial<Record<PhaseName, number>>;
      /** The JavaScript budget's table (scripts/js-budget.ts) of the build. */
      budgetTable: string | null;
      nodePeakRssBytes: number;
    };

const htmlPages = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html')).length;

const send = (message: ChildMessage) =>
  new Promise<void>((done, fail) =>
    process.send?.(message, undefined, {}, (err) => (err ? fail(err) : done())),
  );

// ---- child mode: one build in a fresh process -------------------------------------

async function childBuild(mode: string, dir: string, catalogFile: string, verbose: boolean) {
  const { build } = await import('astro');
  const logLevel = verbose ? 'info' : 'warn';
  const outDir = mode === 'trivial' ? join(dir, 'dist') : dir;
  const siteDir = mode === 'trivial' ? outDir : join(outDir, 'client');
  // Astro empties outDir first: deleting the previous 10,000 pages is not the build's cost.
  rmSync(outDir, { recursive: true, force: true });
  // Read before the clock starts: scripts/build.ts reads it for the index's count and the manifest.
  const catalog = mode === 'trivial' ? null : loadCatalog(catalogFile);
  process.env.CATALOG_FILE = catalogFile;
  const seconds: Partial<Record<PhaseName, number>> = {};
  const timed = async <T>(phase: PhaseName, work: () => Promise<T> | T): Promise<T> => {
    await send({ kind: 'phase', phase });
    const started = performance.now();
    const result = await work();
    seconds[phase] = (performance.now() - started) / 1000;
    return result;
  };

  await timed('astro', () =>
    build(mode === 'trivial' ? { root: dir, logLevel } : { root: STOREFRONT, outDir, logLevel }),
  );
  const pages = htmlPages(siteDir);
  let indexedPages: number | null = null;
  let budgetTable: string | null = null;
  if (catalog) {
    const index = await timed('index', () =>
      indexSite({ siteDir, expectedPages: catalog.products.length }),
    );
    indexedPages = index.pageCount;
    budgetTable = await timed('budget', async () =>
      formatTable(summarise(await measurePages(siteDir))),
    );
    await timed('manifest', () => manifestOf(siteDir, catalog.cursor));
  }
  return send({
    kind: 'done',
    pages,
    indexedPages,
    seconds,
    budgetTable,
    nodePeakRssBytes: process.resourceUsage().maxRSS * 1024,
  });
}

// ---- parent mode ------------------------------------------------------------------

/** The trivial project: as many pages as the real build, each a title and a paragraph. */
function writeTrivialProject(dir: string, pages: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src', 'pages'), { recursive: true });
  writeFileSync(
    join(dir, 'astro.config.mjs'),
    `// Generated by storefront/bench/build.ts: the floor the storefront build is measured against.
export default {
  output: 'static',
  trailingSlash: 'always',
  build: { format: 'directory' },
};
`,
  );
  writeFileSync(
    join(dir, 'src', 'pages', '[slug].astro'),
    `---
export function getStaticPaths() {
  return Array.from({ length: ${pages} }, (_, i) => ({
    params: { slug: \`page-\${i + 1}\` },
    props: { n: i + 1 },
  }));
}
const { n } = Astro.props;
---

<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Page {n}</title>
  </head>
  <body>
    <h1>Page {n}</h1>
    <p>This is page {n} of ${pages}, built to measure what Astro itself costs per page.</p>
  </body>
</html>
`,
  );
}

interface Phase extends TreeUsage {
  seconds: number;
}

interface Measured {
  pages: number;
  indexedPages: number | null;
  phases: Partial<Record<PhaseName, Phase>>;
  budgetTable: string | null;
  nodePeakRssBytes: number;
}

async function measure(
  mode: 'real' | 'trivial',
  dir: string,
  catalogFile: string,
  profileDir: string | null,
): Promise<Measured> {
  const execArgv = profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir}`,
        `--cpu-prof-name=${mode}-${Date.now()}.cpuprofile`,
      ]
    : [];
  const child = fork(
    import.meta.filename,
    ['--child', mode, '--dir', dir, '--catalog', catalogFile, ...(profileDir ? ['--verbose'] : [])],
    { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const watch = watchTree(child);
  const usage = new Map<PhaseName, TreeUsage>();
  let current: PhaseName | undefined;
  let done: Extract<ChildMessage, { kind: 'done' }> | undefined;
  child.on('message', (message: ChildMessage) => {
    if (message.kind === 'phase') {
      const used = watch.mark();
      if (current) usage.set(current, used);
      current = message.phase;
    } else {
      if (current) usage.set(current, watch.mark());
      current = undefined;
      done = message;
    }
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  watch.stop();
  if (code !== 0 || !done) throw new Error(`the ${mode} build failed (exit ${code})`);
  const phases: Measured['phases'] = {};
  for (const name of PHASES) {
    const seconds = done.seconds[name];
    if (seconds !== undefined)
      phases[name] = { seconds, ...(usage.get(name) ?? { peakRssBytes: 0, cpuSeconds: 0 }) };
  }
  return {
    pages: done.pages,
    indexedPages: done.indexedPages,
    phases,
    budgetTable: done.budgetTable,
    nodePeakRssBytes: done.nodePeakRssBytes,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const high = sorted[mid] ?? 0;
  return sorted.length % 2 ? high : ((sorted[mid - 1] ?? high) + high) / 2;
}

interface Summary extends Phase {
  /** The fastest run: on a shared machine, the closest to what the work itself costs. */
  bestSeconds: number;
}

/** Medians of wall and CPU time, the fastest run, and the highest memory. */
function summary(phases: readonly Phase[]): Summary {
  return {
    seconds: median(phases.map((p) => p.seconds)),
    bestSeconds: Math.min(...phases.map((p) => p.seconds)),
    cpuSeconds: median(phases.map((p) => p.cpuSeconds)),
    peakRssBytes: Math.max(...phases.map((p) => p.peakRssBytes)),
  };
}

/** The sum of some steps of one run, memory at the highest of them. */
function sum(m: Measured, names: readonly PhaseName[]): Phase {
  const parts = names.flatMap((name) => m.phases[name] ?? []);
  return {
    seconds: parts.reduce((a, p) => a + p.seconds, 0),
    cpuSeconds: parts.reduce((a, p) => a + p.cpuSeconds, 0),
    peakRssBytes: Math.max(0, ...parts.map((p) => p.peakRssBytes)),
  };
}

const mb = (bytes: number) => (bytes > 0 ? `${Math.round(bytes / 2 ** 20)} MB` : '-');
const s = (n: number) => n.toFixed(1);
const x = (n: number) => `${n.toFixed(2)}×`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function usage(message: string): never {
  console.error(`bench:build: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string', default: 'bench_storefront' },
      products: { type: 'string', default: '10000' },
      reuse: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
    },
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) usage('DATABASE_URL is required (the catalogue is seeded into PostgreSQL)');
  const schema = values.schema;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema) || schema === 'public') {
    usage(
      `--schema must be a lower-case SQL identifier other than public (seeding empties it), got "${schema}"`,
    );
  }
  const products = Number(values.products);
  const runs = Number(values.runs);
  if (!Number.isInteger(products) || products < 1 || !Number.isInteger(runs) || runs < 1) {
    usage('--products and --runs must be whole numbers from 1');
  }

  const work = join(RESULTS, schema);
  const catalogFile = join(work, 'catalog.ndjson');
  const realDir = join(work, 'dist');
  const trivialDir = join(work, 'trivial');
  const profileDir = values.profile ? join(work, 'profiles') : null;
  mkdirSync(work, { recursive: true });
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    MEDIA_DIR: join(work, 'media'),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  };

  try {
    if (!values.reuse) {
      process.stderr.write(`bench:build: seeding ${products} gallery products into ${schema}…\n`);
      await runNode(
        join(ORIGIN_CLI, 'seed.ts'),
        ['--shop', 'gallery', '--products', String(products), '--reset'],
        env,
      );
    }
    process.stderr.write(`bench:build: exporting ${schema}…\n`);
    await runNode(join(ORIGIN_CLI, 'catalog-export.ts'), ['--out', catalogFile], env);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    console.error(
      `bench:build: ${err.message}${values.reuse ? '\n(--reuse needs a schema an earlier run seeded)' : ''}`,
    );
    process.exit(1);
  }
  const catalog = loadCatalog(catalogFile);
  if (catalog.products.length === 0) {
    console.error(`bench:build: ${schema} has no published products; run without --reuse`);
    process.exit(1);
  }

  const real: Measured[] = [];
  const trivial: Measured[] = [];
  for (let run = 1; run <= runs; run++) {
    process.stderr.write(`bench:build: run ${run}/${runs}: the storefront build…\n`);
    const measured = await measure('real', realDir, catalogFile, profileDir);
    real.push(measured);
    if (run === 1) writeTrivialProject(trivialDir, measured.pages);
    process.stderr.write(
      `bench:build: run ${run}/${runs}: the trivial build of ${measured.pages} pages…\n`,
    );
    trivial.push(await measure('trivial', trivialDir, catalogFile, profileDir));
  }

  const first = real[0] as Measured;
  const step = (name: PhaseName) => summary(real.flatMap((m) => m.phases[name] ?? []));
  const trivialAstro = summary(trivial.flatMap((m) => m.phases.astro ?? []));
  const target = summary(real.map((m) => sum(m, ['astro', 'index'])));
  const everything = summary(real.map((m) => sum(m, PHASES)));
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version },
    astro: versionOf('astro'),
    pagefind: versionOf('pagefind'),
    schema,
    products: catalog.products.length,
    seededProducts: values.reuse ? null : products,
    runs,
    pages: first.pages,
    indexedPages: first.indexedPages,
    trivial: { pages: trivial[0]?.pages ?? 0, ...trivialAstro },
    real: {
      astro: step('astro'),
      index: step('index'),
      budget: step('budget'),
      manifest: step('manifest'),
      astroAndIndex: target,
      allSteps: everything,
    },
    /** astro build + Pagefind index against the trivial build, medians of wall time: the target's measure. */
    ratio: target.seconds / trivialAstro.seconds,
    bestRatio: target.bestSeconds / trivialAstro.bestSeconds,
    cpuRatio: target.cpuSeconds / trivialAstro.cpuSeconds,
    targetRatio: TARGET_RATIO,
    nodePeakRssBytes: {
      real: Math.max(...real.map((m) => m.nodePeakRssBytes)),
      trivial: Math.max(...trivial.map((m) => m.nodePeakRssBytes)),
    },
    samples: {
      real: real.map(({ budgetTable: _, ...m }) => m),
      trivial: trivial.map(({ budgetTable: _, ...m }) => m),
    },
  };

  const row = (name: string, pages: number | null, phase: Summary, vs: boolean) => [
    name,
    pages === null ? '' : String(pages),
    s(phase.seconds),
    s(phase.bestSeconds),
    vs ? x(phase.seconds / trivialAstro.seconds) : '',
    s(phase.cpuSeconds),
    vs ? x(phase.cpuSeconds / trivialAstro.cpuSeconds) : '',
    mb(phase.peakRssBytes),
  ];
  const verdict = `${result.ratio <= TARGET_RATIO ? 'within' : 'OVER'} the target of ${TARGET_RATIO}× the trivial build (astro build + index, median wall time; fastest runs: ${x(result.bestRatio)}, CPU time: ${x(result.cpuRatio)})`;
  process.stdout.write(
    `\nStatic build of ${catalog.products.length} products (${schema}), ${runs > 1 ? `median of ${runs} runs` : 'one run'}, ${result.machine.cpus} CPUs, Astro ${result.astro}, Pagefind ${result.pagefind}\n\n${table(
      [
        ['build', 'pages', 'wall s', 'fastest', 'vs trivial', 'CPU s', 'vs trivial', 'peak RSS'],
        row('trivial Astro project', result.trivial.pages, trivialAstro, true),
        row('storefront: astro build', first.pages, result.real.astro, true),
        row('storefront: Pagefind index', first.indexedPages, result.real.index, false),
        row('storefront: astro + index', first.pages, target, true),
        row('storefront: JS budget check', first.pages, result.real.budget, false),
        row('storefront: deploy manifest', null, result.real.manifest, false),
        row('storefront: every step', first.pages, everything, true),
      ],
    )}\n\nNode's own peak RSS: storefront ${mb(result.nodePeakRssBytes.real)}, trivial ${mb(result.nodePeakRssBytes.trivial)}\n${verdict}\n\nJavaScript per page type (gzipped), this build:\n${first.budgetTable ?? ''}\n`,
  );
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `build-${schema}-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`results: ${file}\n`);
  if (profileDir) process.stdout.write(`CPU profiles: ${profileDir}\n`);
  if (result.ratio > TARGET_RATIO) process.exitCode = 1;
}

const { values: child } = parseArgs({
  strict: false,
  options: {
    child: { type: 'string' },
    dir: { type: 'string' },
    catalog: { type: 'string' },
    verbose: { type: 'boolean' },
  },
});
if (typeof child.child === 'string') {
  await childBuild(child.child, String(child.dir), String(child.catalog), child.verbose === true);
  // Astro may leave handles open after a build; the report is sent, so end here.
  process.exit(0);
} else {
  await main();
}
