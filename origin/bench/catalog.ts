/**
 * `npm run bench:catalog`: what the full origin stack costs a cached product
 * detail read, against two floors that answer the very same JSON bytes:
 *
 *   (a) a bare node:http server writing the bytes;
 *   (b) a bare Express app with one route: an lru-cache lookup and res.json;
 *   (c) the real origin, GET /api/v1/products/:slug, cache warm, through
 *       every middleware (request log at LOG_LEVEL=info, its production
 *       level; and once more at warn, to show what the log line costs).
 *
 * Each server runs in a child process of its own, one at a time, and
 * autocannon drives it from this process (64 connections, a warm-up, then
 * BENCH_DURATION_S seconds). The origin uses DATABASE_URL / REDIS_URL when
 * set (in a schema of its own, dropped afterwards), else embedded PGlite.
 *
 * Database work per request is counted two ways: the cache's loader calls
 * (every catalogue load is one query) from /metrics, and, on PostgreSQL,
 * the table scans in the benchmark's own schema from pg_stat_user_tables
 * (other databases' and schemas' traffic does not count).
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import express from 'express';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { exitOf } from '../test/support/origin-process.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = 64;
const PRODUCTS = 200;
const PATH_PREFIX = '/api/v1/products/';

// ---- child mode: the two floors -------------------------------------------------

/** Listens on an ephemeral port and tells the parent where, as one JSON line. */
function announce(server: ReturnType<typeof createServer>) {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

async function serveFloor(kind: string, bodyFile: string, slug: string) {
  const bytes = await readFile(bodyFile);
  if (kind === 'bare-http') {
    announce(
      createServer((req, res) => {
        if (req.url !== `${PATH_PREFIX}${slug}`) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': bytes.length,
        });
        res.end(bytes);
      }),
    );
    return;
  }
  // An lru-cache of parsed values, as an ideal in-process cache would hold them.
  const lru = new LRUCache<string, object>({ max: 10_000 });
  lru.set(slug, JSON.parse(bytes.toString('utf8')) as object);
  const app = express();
  app.get(`${PATH_PREFIX}:slug`, (req, res) => {
    const product = lru.get(req.params.slug);
    if (!product) {
      res.status(404).json({ error: { code: 'PRODUCT_NOT_FOUND', message: 'not found' } });
      return;
    }
    res.json(product);
  });
  announce(createServer(app));
}

// ---- parent mode ----------------------------------------------------------------

interface Child {
  proc: ChildProcessWithoutNullStreams;
  url: string;
}

async function startFloor(kind: string, bodyFile: string, slug: string): Promise<Child> {
  const proc = spawn(process.execPath, [import.meta.filename, kind, bodyFile, slug], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
  });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.once('data', (d: Buffer) => {
      resolve((JSON.parse(d.toString().split('\n')[0] ?? '') as { url: string }).url);
      proc.stdout.resume();
    });
    proc.once('exit', (code) => reject(new Error(`${kind} exited with ${code}:\n${err}`)));
  });
  return { proc, url };
}

const SERVER = path.join(import.meta.dirname, '..', 'src', 'server.ts');

/** A port free right now (the origin must be told one: below info it does not log where it listens). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `node src/server.ts` as `npm start` does, its log drained unread, and waits for /healthz. */
async function startOrigin(env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
  });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  // Production writes its log to a pipe too (the container's stdout).
  proc.stdout.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`origin exited with ${proc.exitCode}:\n${err}`);
    const ok = await fetch(`${url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return { proc, url };
    await sleep(100);
  }
  await stop(proc);
  throw new Error(`origin did not answer /healthz within 120 s:\n${err}`);
}

async function stop(proc: ChildProcessWithoutNullStreams) {
  proc.kill('SIGTERM');
  await exitOf(proc);
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Warm-up, then the measured run; refuses a run with errors or non-2xx answers. */
async function measure(url: string): Promise<autocannon.Result> {
  await run({ url, connections: CONNECTIONS, duration: WARMUP_S });
  const result = await run({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  }
  return result;
}

/** Sum of a Prometheus series' samples whose line starts with `prefix`. */
function sample(metrics: string, prefix: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

interface CacheCounters {
  loads: number;
  l1: number;
  l2: number;
  misses: number;
}

async function cacheCounters(url: string): Promise<CacheCounters> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return {
    loads: sample(text, 'cache_load_duration_seconds_count'),
    l1: sample(text, 'cache_hits_total{tier="l1"}'),
    l2: sample(text, 'cache_hits_total{tier="l2"}'),
    misses: sample(text, 'cache_misses_total'),
  };
}

/** Sequential and index scans of every table in `schema` so far (PostgreSQL only). */
async function tableScans(databaseUrl: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ scans: string }>(
      `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::text AS scans
       FROM pg_stat_user_tables WHERE schemaname = $1`,
      [schema],
    );
    return Number(rows[0]?.scans ?? 0);
  } finally {
    await client.end();
  }
}

/** Seeds a schema of its own on the external server; the embedded database seeds itself. */
async function seedExternal(databaseUrl: string, schema: string, mediaDir: string) {
  const [{ loadConfig }, { openDatabase }, { createLogger }, { seedShop }] = await Promise.all([
    import('../src/config.ts'),
    import('../src/platform/db/database.ts'),
    import('../src/platform/logging.ts'),
    import('../src/seed/index.ts'),
  ]);
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    MEDIA_DIR: mediaDir,
  });
  const db = await openDatabase(config.database, createLogger('silent'));
  try {
    await db.migrate();
    await seedShop(db, { shop: 'gallery', products: PRODUCTS, mediaDir });
  } finally {
    await db.close();
  }
}

interface Row {
  name: string;
  result: autocannon.Result;
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL || null;
  const redisUrl = process.env.REDIS_URL || null;
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const work = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-catalog-'));
  const mediaDir = path.join(work, 'media');
  const bodyFile = path.join(work, 'product.json');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    SESSION_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
    SHUTDOWN_DELAY_MS: '0',
    MEDIA_DIR: mediaDir,
    SEED_PRODUCTS: String(PRODUCTS),
    EMBEDDED_DB_DIR: 'memory://',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  const rows: Row[] = [];
  let queries: {
    loads: number;
    scans: number | null;
    requests: number;
    cache: CacheCounters;
  } | null = null;
  let slug = '';
  let bodyBytes = 0;
  try {
    if (databaseUrl) {
      await seedExternal(databaseUrl, schema, mediaDir);
    } else {
      // production refuses the embedded database; the benchmark only needs production's middleware.
      env.NODE_ENV = 'development';
    }

    // (c) first: it supplies the slug and the bytes the floors answer with.
    for (const level of ['info', 'warn'] as const) {
      const origin = await startOrigin({ ...env, LOG_LEVEL: level });
      try {
        const list = (await (await fetch(`${origin.url}/api/v1/products?limit=1`)).json()) as {
          items: Array<{ slug: string }>;
        };
        slug = list.items[0]?.slug ?? '';
        if (!slug) throw new Error('the origin has no published product');
        const url = `${origin.url}${PATH_PREFIX}${slug}`;
        const body = Buffer.from(await (await fetch(url)).arrayBuffer());
        await writeFile(bodyFile, body);
        bodyBytes = body.length;

        await run({ url, connections: CONNECTIONS, duration: WARMUP_S });
        const before = await cacheCounters(origin.url);
        const scansBefore = databaseUrl ? await tableScans(databaseUrl, schema) : null;
        const result = await run({ url, connections: CONNECTIONS, duration: DURATION_S });
        if (result.errors > 0 || result.non2xx > 0) {
          throw new Error(`origin: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
        }
        const after = await cacheCounters(origin.url);
        if (level === 'info') {
          let scans: number | null = null;
          if (databaseUrl && scansBefore !== null) {
            // Backends report table statistics when idle, at most every 10 s.
            await sleep(11_000);
            scans = (await tableScans(databaseUrl, schema)) - scansBefore;
          }
          queries = {
            loads: after.loads - before.loads,
            scans,
            requests: result.requests.total,
            cache: {
              loads: after.loads - before.loads,
              l1: after.l1 - before.l1,
              l2: after.l2 - before.l2,
              misses: after.misses - before.misses,
            },
          };
        }
        rows.push({
          name:
            level === 'info'
              ? '(c) origin, full stack, LOG_LEVEL=info'
              : '(c′) origin, full stack, LOG_LEVEL=warn (no request log line)',
          result,
        });
      } finally {
        await stop(origin.proc);
      }
    }

    for (const [kind, name] of [
      ['bare-http', '(a) bare node:http, same bytes'],
      ['bare-express', '(b) bare Express, lru-cache lookup + res.json'],
    ] as const) {
      const floor = await startFloor(kind, bodyFile, slug);
      try {
        rows.unshift({ name, result: await measure(`${floor.url}${PATH_PREFIX}${slug}`) });
      } finally {
        await stop(floor.proc);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }

  // rows: (b), (a), (c), (c′) → put the floors in order.
  rows.sort((x, y) => x.name.localeCompare(y.name));
  const rps = (name: string) =>
    rows.find((r) => r.name.startsWith(name))?.result.requests.average ?? 0;
  const [a, b, c] = [rps('(a)'), rps('(b)'), rps('(c)')];
  const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(0)} %`;

  console.log(
    `\nGET ${PATH_PREFIX}${slug} (${bodyBytes} bytes of JSON), ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s each; database: ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, L2: ${redisUrl ? 'Redis' : 'off'}\n`,
  );
  console.log('| server | req/s | p50 ms | p99 ms | vs (b) | vs (a) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const { name, result } of rows) {
    const r = result.requests.average;
    console.log(
      `| ${name} | ${Math.round(r)} | ${result.latency.p50} | ${result.latency.p99} | ${pct(r, b)} | ${pct(r, a)} |`,
    );
  }
  const origin = rows.find((r) => r.name.startsWith('(c)'))?.result;
  console.log(
    `\ntargets: (c)/(b) = ${pct(c, b)} (≥ 90 %), (c)/(a) = ${pct(c, a)} (≥ 40 %), (c) p99 = ${origin?.latency.p99} ms (< 10 ms)`,
  );
  const q = queries;
  if (!q) return;
  console.log(
    `database work with a warm cache, during the ${DURATION_S} s run of (c): ${q.loads} loader calls (= queries) for ${q.requests} requests = ${(q.loads / q.requests).toFixed(6)} per request` +
      (q.scans === null
        ? ''
        : `; ${q.scans} table scans in the benchmark schema = ${(q.scans / q.requests).toFixed(6)} per request`) +
      `\ncache reads: ${q.cache.l1} L1 hits, ${q.cache.l2} L2 hits, ${q.cache.misses} misses (two reads per request: slug → id, then the product)`,
  );
}

const [mode, bodyFile, slug] = process.argv.slice(2);
if (mode === 'bare-http' || mode === 'bare-express') {
  await serveFloor(mode, bodyFile ?? '', slug ?? '');
} else {
  await main();
}
