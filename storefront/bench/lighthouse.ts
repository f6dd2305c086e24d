/*
 * `npm run bench:lighthouse -- [--schema NAME] [--site DIR] [--runs N]
 *                              [--collection SLUG] [--product SLUG]
 *                              [--origin-port P] [--edge-port P]`
 * (from the repository root: `npm run bench:lighthouse -- …`)
 *
 * Lighthouse on the catalogue pages as a shopper gets them: the local stack
 * in its production shape (the origin process on the benchmark's schema of
 * DATABASE_URL, the edge process running the deployed viewer-request
 * function, the static build served as the S3 origin), and Chromium driven
 * by Lighthouse, mobile (Lighthouse's default: a mid-range phone on slow 4G,
 * simulated) and desktop (its desktop preset). Pages: the home page, a
 * gallery (the first featured collection) and a product page (the first of
 * that gallery with pictures and a maker).
 *
 * It serves what `npm run bench:build` built and seeded: by default the site
 * in .data/bench/<schema>/dist/client, the catalogue export and the pictures
 * beside it. Chromium: CHROMIUM_PATH, else /usr/bin/chromium. Ports are free
 * ones unless given.
 *
 * Prints performance, accessibility, best practices and SEO scores with
 * LCP, CLS and TBT per page and mode (the median run by performance when
 * --runs N > 1), names the audits behind a missed target (performance >= 98,
 * accessibility 100), and keeps each report as JSON and HTML in
 * .data/lighthouse/, with a summary JSON. Exit code 1 when a target is missed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Child, exitOf, startOrigin } from '@vitrine/origin/testing/origin-process';
import { type LaunchedChrome, launch } from 'chrome-launcher';
import lighthouse, { desktopConfig, type Result } from 'lighthouse';
import { kvsDocument, writeKvsFile } from '../../edge/src/kvs.ts';
import { type Catalog, loadCatalog } from '../src/features/catalog/catalog.ts';
import { REPO_ROOT } from './processes.ts';

const STOREFRONT = resolve(import.meta.dirname, '..');
const REPORTS = join(STOREFRONT, '.data', 'lighthouse');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TARGETS = { performance: 98, accessibility: 100 } as const;
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const MODES = ['mobile', 'desktop'] as const;
type Mode = (typeof MODES)[number];

interface Page {
  name: 'home' | 'collection' | 'product';
  path: string;
}

interface Measured {
  page: Page['name'];
  path: string;
  mode: Mode;
  /** Category scores, 0–100. */
  scores: Record<(typeof CATEGORIES)[number], number>;
  /** Largest Contentful Paint and Total Blocking Time in ms; CLS unitless. */
  lcpMs: number;
  cls: number;
  tbtMs: number;
  fcpMs: number;
  /** Lighthouse's measure of the machine's speed; below ~700 its CPU throttling overshoots. */
  benchmarkIndex: number;
  report: { json: string; html: string };
}

function usage(message: string): never {
  console.error(`bench:lighthouse: ${message}`);
  process.exit(2);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/** The gallery a visitor meets first, and a product in it as its product pages usually look. */
function pickPages(catalog: Catalog, collectionSlug?: string, productSlug?: string): Page[] {
  const collection = collectionSlug
    ? catalog.collections.find((c) => c.slug === collectionSlug)
    : [
        ...catalog.home.featuredCollectionIds.flatMap((id) => catalog.collectionById.get(id) ?? []),
        ...catalog.collections,
      ].find((c) => catalog.productsOfCollection(c.id).length > 0);
  if (!collection) usage(`no collection ${collectionSlug ?? 'with products'} in the catalogue`);
  const product = productSlug
    ? catalog.products.find((p) => p.slug === productSlug)
    : [...catalog.productsOfCollection(collection.id), ...catalog.products].find(
        (p) => p.images.length > 0 && p.artistId !== null,
      );
  if (!product) usage(`no product ${productSlug ?? 'with pictures'} in the catalogue`);
  return [
    { name: 'home', path: '/' },
    { name: 'collection', path: collection.path },
    { name: 'product', path: product.path },
  ];
}

async function waitFor(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${what} did not answer ${url}`);
}

interface Stack {
  url: string;
  stop(): Promise<void>;
}

/** The origin and the edge as `npm start` runs them, on this benchmark's schema and build. */
async function startStack(options: {
  schema: string;
  siteDir: string;
  mediaDir: string;
  ssrEntry: string;
  originPort: number;
  edgePort: number;
  work: string;
}): Promise<Stack> {
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const kid = 'bench1';
  const secret = randomBytes(32).toString('base64url');
  const edgeUrl = `http://127.0.0.1:${options.edgePort}`;
  const kvsFile = join(options.work, 'edge-kvs.json');
  writeKvsFile(kvsFile, kvsDocument(new Map([[kid, secret]])));
  let origin: Child | undefined;
  let edge: ChildProcess | undefined;
  const stop = async () => {
    if (edge && edge.exitCode === null) {
      edge.kill('SIGTERM');
      await once(edge, 'exit');
    }
    if (origin) {
      origin.proc.kill('SIGTERM');
      await exitOf(origin.proc);
    }
  };
  try {
    origin = await startOrigin(
      {
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: options.schema,
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
        PORT: String(options.originPort),
        MEDIA_DIR: options.mediaDir,
        PUBLIC_BASE_URL: edgeUrl,
        SESSION_KEYS: `${kid}:${secret}`,
        STOREFRONT_SSR_ENTRY: options.ssrEntry,
      },
      { keepLogs: false },
    );
    edge = spawn(process.execPath, ['src/server.ts'], {
      cwd: join(REPO_ROOT, 'edge'),
      env: {
        PATH: process.env.PATH ?? '',
        EDGE_PORT: String(options.edgePort),
        ORIGIN_URL: origin.url,
        EDGE_STATIC_DIR: options.siteDir,
        EDGE_KVS_FILE: kvsFile,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(`${edgeUrl}/`, edge, 'the edge');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: edgeUrl, stop };
}

/**
 * A CDN serves from its cache: fetch each page and what it links to once, so
 * the local edge has read and compressed the files before Lighthouse asks.
 */
async function warm(base: string, pages: readonly Page[]): Promise<void> {
  for (const page of pages) {
    const html = await (await fetch(new URL(page.path, base))).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/[^"]+)"/g)].map((m) => m[1] ?? '');
    for (const asset of new Set(assets)) {
      if (/\.(css|js|svg|webp|avif|jpe?g|png)$/.test(asset) || asset === '/brand.css')
        await (
          await fetch(new URL(asset, base), { headers: { 'accept-encoding': 'gzip' } })
        ).blob();
    }
  }
}

async function audit(chrome: LaunchedChrome, url: string, mode: Mode) {
  const result = await lighthouse(
    url,
    {
      port: chrome.port,
      output: ['json', 'html'],
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
    },
    mode === 'desktop' ? desktopConfig : undefined,
  );
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const [json = '', html = ''] = Array.isArray(result.report) ? result.report : [result.report];
  return { lhr: result.lhr, json, html };
}

const numeric = (lhr: Result, id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
const score = (lhr: Result, id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);

/** The audits that cost a category points, worst first. */
function losses(lhr: Result, category: string): string[] {
  const refs = lhr.categories[category]?.auditRefs ?? [];
  return refs
    .filter((ref) => ref.weight > 0)
    .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
    .filter(({ audit }) => audit && audit.score !== null && audit.score < 1)
    .sort(
      (a, b) =>
        b.ref.weight * (1 - (b.audit?.score ?? 0)) - a.ref.weight * (1 - (a.audit?.score ?? 0)),
    )
    .map(
      ({ ref, audit }) =>
        `${ref.id} (score ${audit?.score}, weight ${ref.weight}${audit?.displayValue ? `, ${audit.displayValue}` : ''})`,
    );
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      schema: { type: 'string', default: 'bench_storefront' },
      site: { type: 'string' },
      runs: { type: 'string', default: '1' },
      collection: { type: 'string' },
      product: { type: 'string' },
      'origin-port': { type: 'string' },
      'edge-port': { type: 'string' },
    },
  });
  if (!process.env.DATABASE_URL) usage('DATABASE_URL is required (the origin serves the islands)');
  const schema = values.schema;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) usage(`--schema: not a schema name: "${schema}"`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) usage('--runs must be a whole number from 1');
  if (!existsSync(CHROMIUM)) usage(`no Chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH`);

  const work = join(STOREFRONT, '.data', 'bench', schema);
  const siteDir = resolve(values.site ?? join(work, 'dist', 'client'));
  const catalogFile = join(work, 'catalog.ndjson');
  if (!existsSync(join(siteDir, 'index.html')) || !existsSync(catalogFile)) {
    usage(
      `no build in ${siteDir} or no export ${catalogFile}: run \`npm run bench:storefront -- --schema ${schema}\` (repository root) first`,
    );
  }
  const pages = pickPages(loadCatalog(catalogFile), values.collection, values.product);
  const originPort = values['origin-port'] ? Number(values['origin-port']) : await freePort();
  const edgePort = values['edge-port'] ? Number(values['edge-port']) : await freePort();

  mkdirSync(REPORTS, { recursive: true });
  const stack = await startStack({
    schema,
    siteDir,
    mediaDir: join(work, 'media'),
    ssrEntry: join(siteDir, '..', 'server', 'entry.mjs'),
    originPort,
    edgePort,
    work,
  });
  let chrome: LaunchedChrome | undefined;
  const results: Measured[] = [];
  try {
    await warm(stack.url, pages);
    chrome = await launch({
      chromePath: CHROMIUM,
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage'],
      logLevel: 'silent',
    });
    for (const page of pages) {
      for (const mode of MODES) {
        const url = new URL(page.path, stack.url).href;
        const measured: Measured[] = [];
        for (let run = 1; run <= runs; run++) {
          process.stderr.write(
            `bench:lighthouse: ${page.name} (${page.path}), ${mode}, run ${run}/${runs}…\n`,
          );
          const { lhr, json, html } = await audit(chrome, url, mode);
          measured.push({
            page: page.name,
            path: page.path,
            mode,
            scores: Object.fromEntries(
              CATEGORIES.map((c) => [c, score(lhr, c)]),
            ) as Measured['scores'],
            lcpMs: numeric(lhr, 'largest-contentful-paint'),
            cls: numeric(lhr, 'cumulative-layout-shift'),
            tbtMs: numeric(lhr, 'total-blocking-time'),
            fcpMs: numeric(lhr, 'first-contentful-paint'),
            benchmarkIndex: lhr.environment.benchmarkIndex,
            report: { json, html },
          });
        }
        // The median run by performance: Lighthouse's own advice for noisy machines.
        const median = [...measured].sort((a, b) => a.scores.performance - b.scores.performance)[
          Math.floor(measured.length / 2)
        ] as Measured;
        const base = join(REPORTS, `${page.name}-${mode}`);
        writeFileSync(`${base}.report.json`, median.report.json);
        writeFileSync(`${base}.report.html`, median.report.html);
        results.push(median);
      }
    }
  } finally {
    chrome?.kill();
    await stack.stop();
  }

  const rows = results.map((r) => [
    r.page,
    r.mode,
    String(r.scores.performance),
    String(r.scores.accessibility),
    String(r.scores['best-practices']),
    String(r.scores.seo),
    `${(r.fcpMs / 1000).toFixed(2)} s`,
    `${(r.lcpMs / 1000).toFixed(2)} s`,
    r.cls.toFixed(3),
    `${Math.round(r.tbtMs)} ms`,
  ]);
  process.stdout.write(
    `\nLighthouse, ${runs > 1 ? `median of ${runs} runs` : 'one run'} per page and mode, through the local edge (${stack.url})\n\n${table(
      [['page', 'mode', 'perf', 'a11y', 'best pr.', 'SEO', 'FCP', 'LCP', 'CLS', 'TBT'], ...rows],
    )}\n\nBenchmarkIndex of this machine: ${results.map((r) => Math.round(r.benchmarkIndex)).join(', ')}\n`,
  );

  const missed: string[] = [];
  for (const r of results) {
    const lhr = JSON.parse(r.report.json) as Result;
    for (const [category, target] of Object.entries(TARGETS)) {
      if (r.scores[category as keyof typeof TARGETS] >= target) continue;
      missed.push(
        `${r.page} ${r.mode}: ${category} ${r.scores[category as keyof typeof TARGETS]} < ${target}\n    ${losses(lhr, category).slice(0, 6).join('\n    ')}`,
      );
    }
  }
  process.stdout.write(
    missed.length === 0
      ? `targets met: performance >= ${TARGETS.performance}, accessibility ${TARGETS.accessibility}\n`
      : `targets missed:\n  ${missed.join('\n  ')}\n`,
  );
  const date = new Date().toISOString();
  const summary = join(REPORTS, `summary-${date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    summary,
    `${JSON.stringify(
      {
        date,
        runs,
        schema,
        siteDir,
        targets: TARGETS,
        results: results.map(({ report: _, ...rest }) => rest),
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(
    `reports: ${REPORTS}/<page>-<mode>.report.{json,html}; summary: ${summary}\n`,
  );
  if (missed.length > 0) process.exitCode = 1;
}

await main();
