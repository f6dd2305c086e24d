import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeViewerRequest } from '@vitrine/edge/build';
import { kvsDocument } from '@vitrine/edge/kvs';
import { type RunningEdge, startEdgeServer } from '@vitrine/edge/server';
import {
  type Child,
  databaseEnv,
  exitOf,
  startOrigin,
} from '@vitrine/origin/testing/origin-process';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { type Catalog, type Product, parseCatalog } from '../src/features/catalog/catalog.ts';
import { exportCatalog } from '../src/features/catalog/export-source.ts';
import { indexSite } from '../src/features/search/indexer.ts';
import {
  buildStorefront,
  newBuildDir,
  seedGallery,
  type TestShop,
} from '../src/pages-tests/support.ts';
import { makeWork } from '../src/pages-tests/works.ts';

/*
 * The shop as a browser meets it in production, on one machine: a seeded
 * gallery on its own database schema, its catalogue exported from the running
 * origin and built into static pages with their search index, the origin
 * process rendering the session pages, and the local edge (the deployed
 * viewer-request function, the same key ring in its KeyValueStore) in front
 * of both. The browser talks to the edge only. One stack and one Chromium
 * serve the whole suite; `e2eStack()` starts them on first use and a root
 * `after` hook stops them.
 */

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Enough for every journey to claim works of its own. */
const WORKS = 30;
/** The repository root: CI keeps test-artifacts/ as an artifact. */
export const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');

export interface Stack {
  /** The edge, e.g. http://127.0.0.1:41234: the only address the browser uses. */
  url: string;
  /** The origin, for set-ups a journey is not about (works.ts, createAdmin). */
  shop: TestShop;
  browser: Browser;
  /** The catalogue of the latest build. */
  catalog(): Catalog;
  /**
   * A published work no other journey has claimed, that can be bought now
   * (in stock, or a download without a stock limit).
   */
  claimWork(kind: 'physical' | 'digital'): Promise<Product>;
  /**
   * What a deploy does after catalogue changes: the export over HTTP with the
   * build's token, `astro build` into the same folder, the search index, and
   * a new origin process for the new SSR bundle (it imports its bundle once).
   */
  rebuild(): Promise<void>;
  /** The last lines of the origin's and the edge's logs, to explain a failure. */
  logs(): string;
}

/** Why the suite cannot run here, or null when it can. */
export function skipReason(): string | null {
  if (!process.env.DATABASE_URL) {
    return 'browser journeys skipped: they need PostgreSQL (set DATABASE_URL, see the README)';
  }
  if (!existsSync(CHROMIUM)) {
    return `browser journeys skipped: no Chromium at ${CHROMIUM} (install it or set CHROMIUM_PATH)`;
  }
  return null;
}

let told = false;

/** For a `before` hook: the running stack, or the suite skipped with one message. */
export async function stackOrSkip(context: Mocha.Context): Promise<Stack> {
  const reason = skipReason();
  if (reason) {
    if (!told) console.log(`    ${reason}`);
    told = true;
    context.skip();
  }
  context.timeout(180_000);
  return e2eStack();
}

let started: Promise<Stack> | undefined;
let teardown: (() => Promise<void>) | undefined;

export function e2eStack(): Promise<Stack> {
  started ??= start();
  return started;
}

after(async function () {
  this.timeout(30_000);
  await teardown?.();
});

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

interface Availability {
  items: { id: number; state: string; available: number | null }[];
}

async function start(): Promise<Stack> {
  const database = databaseEnv();
  const work = mkdtempSync(join(tmpdir(), 'vitrine-e2e-'));
  const outDir = newBuildDir();
  const catalogFile = join(work, 'catalog.ndjson');
  const edgeLines: string[] = [];
  let origin: Child | undefined;
  let edge: RunningEdge | undefined;
  let browser: Browser | undefined;
  teardown = async () => {
    await browser?.close();
    await edge?.close();
    if (origin) {
      origin.proc.kill('SIGTERM');
      await exitOf(origin.proc);
    }
    await database.cleanup();
    rmSync(work, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  };

  // The edge's address is the shop's public address: pages and the origin need it first.
  const base = `http://127.0.0.1:${await freePort()}`;
  const kid = 'e2e1';
  const secret = randomBytes(24).toString('hex');
  const exportToken = randomBytes(24).toString('base64url');
  const env: Record<string, string> = {
    ...database.env,
    MEDIA_DIR: join(work, 'media'),
    PUBLIC_BASE_URL: base,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  };
  const originEnv = {
    ...env,
    SESSION_KEYS: `${kid}:${secret}`,
    CATALOG_EXPORT_TOKEN: exportToken,
    STOREFRONT_SSR_ENTRY: join(outDir, 'server', 'entry.mjs'),
  };

  await seedGallery(env, WORKS);
  // Before the first build: the catalogue is exported from it, and it loads its SSR bundle on first use.
  origin = await startOrigin(originEnv);
  const shop: TestShop = {
    url: origin.url,
    env,
    logs: () => tail(origin),
  };

  const entries = new Map(
    kvsDocument(new Map([[kid, secret]])).data.map((e) => [e.key, e.value] as const),
  );
  edge = await startEdgeServer({
    port: Number(new URL(base).port),
    host: '127.0.0.1',
    appOrigin: new URL(origin.url),
    canaryOrigin: null,
    staticDir: join(outDir, 'client'),
    kvs: { current: () => entries },
    functionFile: writeViewerRequest(join(work, 'viewer-request.js')).file,
    logger: pino(
      { level: 'info' },
      {
        write: (line: string) => {
          if (edgeLines.push(line) > 200) edgeLines.shift();
        },
      },
    ),
  });
  const edgeUrl = edge.url;

  // Read afresh after each export (loadCatalog keeps the first read of a file for a build's pages).
  const readCatalog = () => parseCatalog(readFileSync(catalogFile, 'utf8'), catalogFile);
  const build = async () => {
    // Through the edge, which lets the build's bearer token through to the origin.
    await exportCatalog(
      catalogFile,
      { kind: 'http', url: `${edgeUrl}/api/v1/admin/catalog/export`, token: exportToken },
      {},
    );
    await buildStorefront(catalogFile, outDir, { PUBLIC_BASE_URL: base });
    await indexSite({
      siteDir: join(outDir, 'client'),
      expectedPages: readCatalog().products.length,
    });
  };

  await build();
  if (!readCatalog().products.some((p) => p.kind === 'digital')) {
    // The shopper journey downloads a digital work; the seed mixes them in, but not at every size.
    await makeWork(shop, { kind: 'digital', priceMinor: 1500, stock: null });
    await build();
  }

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

  let catalog = readCatalog();
  const claimed = new Set<number>();

  return {
    url: edgeUrl,
    shop,
    browser,
    catalog: () => catalog,
    async claimWork(kind) {
      const candidates = catalog.products.filter(
        (p) => p.kind === kind && !claimed.has(p.id) && p.images.length > 0,
      );
      const res = await fetch(
        `${edgeUrl}/api/v1/availability?ids=${candidates.map((p) => p.id).join(',')}`,
      );
      const { items } = (await res.json()) as Availability;
      const open = new Set(
        items
          .filter((i) => i.state === 'in_stock' && (i.available === null || i.available >= 2))
          .map((i) => i.id),
      );
      const product = candidates.find((p) => open.has(p.id));
      if (!product) throw new Error(`no ${kind} work left to claim in the test shop`);
      claimed.add(product.id);
      return product;
    },
    async rebuild() {
      await build();
      catalog = readCatalog();
      const previous = origin;
      if (previous) {
        previous.proc.kill('SIGTERM');
        await exitOf(previous.proc);
      }
      // Same port: the edge's app origin stays where it was.
      origin = await startOrigin({ ...originEnv, PORT: new URL(shop.url).port });
    },
    logs: () => `origin:\n${tail(origin)}\nedge:\n${edgeLines.slice(-40).join('')}`,
  };
}

function tail(child: Child | undefined): string {
  if (!child) return '';
  return `${child.lines
    .slice(-40)
    .map((l) => JSON.stringify(l))
    .join('\n')}\n${child.stderr().slice(-4000)}`;
}
