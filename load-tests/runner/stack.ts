import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareStack } from '@vitrine/edge/local-stack';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type LocalStackConfig, REPO_ROOT, RunnerError } from './config.ts';
import { writeLoadData } from './data.ts';

/*
 * The production topology on this machine, fresh for one run: a seeded
 * gallery in its own PostgreSQL schema (`lt_<random>`), its catalogue
 * exported and built into the static site with its search index, the origin
 * in production mode (NODE_ENV=production: secure __Host- cookies, the test
 * payment processor, JSON logs at info) behind the local edge, which runs the
 * deployed viewer-request function with the same key ring in its
 * KeyValueStore. Everything goes away in stop(): processes, schema, the
 * run's Redis keys, the build and temporary files.
 */

const ORIGIN = join(REPO_ROOT, 'origin');
const STOREFRONT = join(REPO_ROOT, 'storefront');
const EDGE = join(REPO_ROOT, 'edge');

export interface LocalStack {
  /** The edge: the only address k6 uses. */
  baseUrl: string;
  /** The origin, for its /metrics. */
  originUrl: string;
  pids: { origin: number; edge: number };
  /** What k6 needs to know: BASE_URL, DATA_FILE, the admin. */
  k6Env: Record<string, string>;
  schema: string;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

/** Runs `node args` to the end; its output is kept for the error message. */
function run(
  args: string[],
  env: Record<string, string>,
  options: { cwd: string; input?: string },
): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stdin.end(options.input ?? '');
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0) done(out);
      else
        fail(new RunnerError(`node ${args.join(' ')} exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
}

/** A server process whose output goes straight to a log file (the runner never reads it). */
function serve(script: string, cwd: string, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  return spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', fd, fd] });
}

async function waitFor(url: string, child: ChildProcess, what: string, logFile: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new RunnerError(`${what} exited with ${child.exitCode} while starting: see ${logFile}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new RunnerError(`${what} did not answer ${url} within 60 s: see ${logFile}`);
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const exited = once(child, 'exit');
  const timeout = sleep(20_000, 'timeout', { ref: false });
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The run's cache keys (the origin namespaces them by schema) and throttle keys stay behind otherwise. */
async function dropRedisKeys(redisUrl: string, schema: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const stream = redis.scanStream({ match: `vitrine-${schema}:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

export async function startLocalStack(
  config: LocalStackConfig,
  runDir: string,
  log: Log,
): Promise<LocalStack> {
  const schema = `lt_${randomBytes(5).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'vitrine-load-'));
  // Inside the storefront, so the SSR bundle resolves its packages from node_modules.
  const builds = join(STOREFRONT, '.data', 'load-tests');
  mkdirSync(builds, { recursive: true });
  const outDir = mkdtempSync(join(builds, 'build-'));
  const baseUrl = `http://127.0.0.1:${config.edgePort}`;
  const originUrl = `http://127.0.0.1:${config.originPort}`;
  // Login throttles live in Redis under the account and the client IP, shared by every shop on it.
  const admin = {
    email: `admin-${schema}@example.com`,
    password: randomBytes(18).toString('base64url'),
  };
  /*
   * The client addresses k6's VUs connect from: a range of the loopback /8 of
   * its own for this run. Other tests on the machine fail logins from
   * 127.0.0.1 on purpose, and a throttled 127.0.0.1 would stop this run's
   * logins; shoppers come from many addresses anyway.
   */
  const [a = 0, b = 0] = randomBytes(2);
  const net = `127.${1 + (a % 254)}.${b}`;
  const localIps = `${net}.1-${net}.254`;
  const database = {
    DATABASE_URL: config.databaseUrl,
    DATABASE_SCHEMA: schema,
    MEDIA_DIR: join(work, 'media'),
  };
  let origin: ChildProcess | undefined;
  let edge: ChildProcess | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all([stopChild(edge), stopChild(origin)]);
    await dropSchema(config.databaseUrl, schema).catch((err: Error) =>
      log(`could not drop schema ${schema}: ${err.message}`),
    );
    if (config.redisUrl) {
      await dropRedisKeys(config.redisUrl, schema).catch((err: Error) =>
        log(`could not remove the Redis keys of ${schema}: ${err.message}`),
      );
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  };

  try {
    let started = performance.now();
    const step = (what: string) => {
      const now = performance.now();
      log(`${what} (${((now - started) / 1000).toFixed(1)} s)`);
      started = now;
    };
    await run(
      [
        join(ORIGIN, 'src', 'cli', 'seed.ts'),
        '--shop',
        'gallery',
        '--products',
        String(config.products),
      ],
      database,
      { cwd: ORIGIN },
    );
    await run(
      [
        join(ORIGIN, 'src', 'cli', 'admin-create.ts'),
        '--email',
        admin.email,
        '--name',
        'Load Admin',
      ],
      database,
      { cwd: ORIGIN, input: admin.password },
    );
    step(`seeded ${config.products} works into schema ${schema}, admin ${admin.email}`);

    const catalog = join(work, 'catalog.ndjson');
    await run([join(ORIGIN, 'src', 'cli', 'catalog-export.ts'), '--out', catalog], database, {
      cwd: ORIGIN,
    });
    await run(
      [
        '--input-type=module',
        '-e',
        `import { build } from 'astro'; await build({ root: ${JSON.stringify(STOREFRONT)}, outDir: ${JSON.stringify(outDir)}, logLevel: 'error' });`,
      ],
      { CATALOG_FILE: catalog, PUBLIC_BASE_URL: baseUrl },
      { cwd: STOREFRONT },
    );
    await run(
      [
        '--input-type=module',
        '-e',
        `import { indexSite } from './src/features/search/indexer.ts'; await indexSite({ siteDir: ${JSON.stringify(join(outDir, 'client'))} });`,
      ],
      {},
      { cwd: STOREFRONT },
    );
    const dataFile = join(runDir, 'catalog.json');
    const data = writeLoadData(catalog, join(outDir, 'client'), dataFile);
    step(
      `built the storefront: ${data.products.length} product pages, ${data.galleries.length} galleries, search index`,
    );

    // Both configurations validated up front, and the edge's KeyValueStore written from the key ring.
    const stack = prepareStack({
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(config.originPort),
      EDGE_PORT: String(config.edgePort),
      PUBLIC_BASE_URL: baseUrl,
      SESSION_KEYS: `lt1:${randomBytes(32).toString('base64url')}`,
      CATALOG_EXPORT_TOKEN: randomBytes(32).toString('base64url'),
      PAYMENTS_PROVIDER: 'test',
      PAYMENTS_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
      EDGE_KVS_FILE: join(work, 'edge-kvs.json'),
      EDGE_STATIC_DIR: join(outDir, 'client'),
      EDGE_ISOLATION: config.edgeIsolation,
      ...database,
      ...(config.redisUrl ? { REDIS_URL: config.redisUrl } : {}),
    });
    const originLog = join(runDir, 'origin.log');
    origin = serve(
      'src/server.ts',
      ORIGIN,
      {
        ...stack.env,
        // Production binds every interface (a container); here loopback is enough.
        HOST: '127.0.0.1',
        LOG_LEVEL: config.originLogLevel,
        // The local edge is the one proxy in front (CloudFront + ALB are two in production).
        TRUST_PROXY: '1',
        SHUTDOWN_DELAY_MS: '0',
        STOREFRONT_SSR_ENTRY: join(outDir, 'server', 'entry.mjs'),
      },
      originLog,
    );
    await waitFor(`${originUrl}/readyz`, origin, 'the origin', originLog);
    const edgeLog = join(runDir, 'edge.log');
    edge = serve('src/server.ts', EDGE, { ...stack.env, LOG_LEVEL: config.edgeLogLevel }, edgeLog);
    await waitFor(`${baseUrl}/`, edge, 'the edge', edgeLog);
    step(
      `origin (production, LOG_LEVEL=${config.originLogLevel}, Redis ${config.redisUrl ? 'on' : 'off'}) on ${originUrl}, edge (${config.edgeIsolation}, LOG_LEVEL=${config.edgeLogLevel}) on ${baseUrl}`,
    );

    return {
      baseUrl,
      originUrl,
      pids: { origin: origin.pid ?? 0, edge: edge.pid ?? 0 },
      k6Env: {
        BASE_URL: baseUrl,
        DATA_FILE: dataFile,
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        K6_LOCAL_IPS: localIps,
      },
      schema,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
