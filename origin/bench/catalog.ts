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
 * autocannon drives it from this process (64 connections, BENCH_WARMUP_S
 * seconds of warm-up, default 3, then BENCH_DURATION_S seconds, default 10).
 * The origin uses DATABASE_URL / REDIS_URL when set (in a schema of its own,
 * dropped afterwards), else embedded PGlite. Besides throughput and latency,
 * the table shows each server's CPU time per request (from /proc): on a
 * shared machine throughput follows whatever else runs, CPU per request
 * much less.
 *
 * The floors are deliberately bare: (b) has no request log, no metrics, no
 * security headers and no session check, and hashes every body for its ETag
 * as Express does by default; (c) serves the detail as bytes rendered (with
 * their ETag) when they were cached, see catalog.service.ts.
 *
 * Database work per request is counted two ways: the cache's loader calls
 * (every catalogue load is one query) from /metrics, and, on PostgreSQL,
 * the scans of the catalogue's tables in the benchmark's own schema from
 * pg_stat_user_tables (other databases' and schemas' traffic does not count).
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

/**
 * CPU time (user + system) the process has used, in microseconds, from
 * /proc (Linux); null elsewhere. Throughput moves with whatever else the
 * machine runs, CPU time per request much less: both are reported.
 */
async function cpuTimeUs(pid: number | undefined): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat) in clock ticks; Linux reports 100 per second.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

interface Measured {
  result: autocannon.Result;
  /** Server CPU per request in microseconds (null when /proc is not there). */
  cpuUsPerRequest: number | null;
}

/** Warm-up, then the measured run; refuses a run with errors or non-2xx answers. */
async function measure(
  url: string,
  pid: number | undefined,
  around: { before?: () => Promise<void>; after?: () => Promise<void> } = {},
): Promise<Measured> {
  await run({ url, connections: CONNECTIONS, duration: WARMUP_S });
  await around.before?.();
  const cpuBefore = await cpuTimeUs(pid);
  const result = await run({ url, connections: CONNECTIONS, duration: DURATION_S });
  const cpuAfter = await cpuTimeUs(pid);
  await around.after?.();
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  }
  return {
    result,
    cpuUsPerRequest:
      cpuBefore === null || cpuAfter === null
        ? null
        : (cpuAfter - cpuBefore) / result.requests.total,
  };
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

/**
 * Sequential and index scans so far of the tables a catalogue read touches,
 * in `schema` only (PostgreSQL). Background work on other tables (the
 * checkout sweeper on orders and holds) does not count.
 */
const CATALOGUE_TABLES = [
  'products',
  'product_images',
  'artists',
  'categories',
  'collections',
  'collection_items',
];

async function tableScans(databaseUrl: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ scans: string }>(
      `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::text AS scans
       FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = ANY ($2)`,
      [schema, CATALOGUE_TABLES],
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

interface Row extends Measured {
  name: string;
}

interface DatabaseWork {
  /** Cache loader calls during the measured run: each catalogue load is one query. */
  loads: number;
  /** Scans of the catalogue's tables in the benchmark's schema (PostgreSQL only). */
  scans: number | null;
  requests: number;
  cache: CacheCounters;
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL || null;
  const redisUrl = process.env.REDIS_URL || null;
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const work = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-catalog-'));
  const mediaDir = path.join(work, 'media');
  const bodyFile = path.join(work, 'product.json');
  const env: Record<string, string> = {
    // development, not production: production refuses the embedded database and
    // wants payment settings, while the middleware an anonymous read goes through is the same.
    NODE_ENV: 'development',
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
  let databaseWork: DatabaseWork | null = null;
  let slug = '';
  let bodyBytes = 0;
  try {
    if (databaseUrl) await seedExternal(databaseUrl, schema, mediaDir);

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

        let before: CacheCounters = { loads: 0, l1: 0, l2: 0, misses: 0 };
        let scansBefore: number | null = null;
        let after: CacheCounters = before;
        const measured = await measure(url, origin.proc.pid, {
          before: async () => {
            if (databaseUrl) {
              // Backends report table statistics when idle, up to 10 s late: let the
              // warm-up's loads land before the count starts.
              await sleep(11_000);
              scansBefore = await tableScans(databaseUrl, schema);
            }
            before = await cacheCounters(origin.url);
          },
          after: async () => {
            after = await cacheCounters(origin.url);
          },
        });
        if (level === 'info') {
          let scans: number | null = null;
          if (databaseUrl && scansBefore !== null) {
            // Backends report table statistics when idle, at most every 10 s.
            await sleep(11_000);
            scans = (await tableScans(databaseUrl, schema)) - scansBefore;
          }
          databaseWork = {
            loads: after.loads - before.loads,
            scans,
            requests: measured.result.requests.total,
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
          ...measured,
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
        rows.push({
          name,
          ...(await measure(`${floor.url}${PATH_PREFIX}${slug}`, floor.proc.pid)),
        });
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
  report(rows, { slug, bodyBytes, databaseUrl, redisUrl }, databaseWork);
}

function report(
  rows: Row[],
  setup: { slug: string; bodyBytes: number; databaseUrl: string | null; redisUrl: string | null },
  database: DatabaseWork | null,
) {
  rows.sort((x, y) => x.name.localeCompare(y.name));
  const find = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
  const rps = (prefix: string) => find(prefix)?.result.requests.average ?? 0;
  const [a, b, c] = [rps('(a)'), rps('(b)'), rps('(c)')];
  const pct = (x: number, y: number) => `${((100 * x) / y).toFixed(0)} %`;

  console.log(
    `\nGET ${PATH_PREFIX}${setup.slug} (${setup.bodyBytes} bytes of JSON), ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s each; database: ${setup.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, L2: ${setup.redisUrl ? 'Redis' : 'off'}\n`,
  );
  console.log('| server | req/s | p50 ms | p99 ms | server CPU µs/req | vs (b) | vs (a) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { name, result, cpuUsPerRequest } of rows) {
    const r = result.requests.average;
    const cpu = cpuUsPerRequest === null ? '–' : cpuUsPerRequest.toFixed(0);
    console.log(
      `| ${name} | ${Math.round(r)} | ${result.latency.p50} | ${result.latency.p99} | ${cpu} | ${pct(r, b)} | ${pct(r, a)} |`,
    );
  }
  console.log(
    `\ntargets: (c)/(b) = ${pct(c, b)} (≥ 90 %), (c)/(a) = ${pct(c, a)} (≥ 40 %), (c) p99 = ${find('(c)')?.result.latency.p99} ms (< 10 ms)`,
  );
  if (!database) return;
  const per = (n: number) => (n / database.requests).toFixed(6);
  console.log(
    `database work with a warm cache, during the measured run of (c): ${database.loads} loader calls (one query each) for ${database.requests} requests = ${per(database.loads)} per request` +
      (database.scans === null
        ? ''
        : `; ${database.scans} scans of catalogue tables = ${per(database.scans)} per request`),
  );
  console.log(
    `cache reads: ${database.cache.l1} L1 hits, ${database.cache.l2} L2 hits, ${database.cache.misses} misses (two reads per request: slug → id, then the product)`,
  );
}

const [mode, bodyFile, slug] = process.argv.slice(2);
if (mode === 'bare-http' || mode === 'bare-express') {
  await serveFloor(mode, bodyFile ?? '', slug ?? '');
} else {
  await main();
}
