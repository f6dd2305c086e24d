import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig } from '@vitrine/origin/config';
import { type EdgeConfig, EdgeConfigError, loadEdgeConfig, REPO_ROOT } from './config.ts';
import { flagsOf, kvsDocument, readKvsFile, writeKvsFile } from './kvs.ts';

/*
 * `npm start`: the production topology on a laptop. The origin and the edge
 * share one session key ring: the origin gets it as SESSION_KEYS, the edge as
 * the KeyValueStore file, exactly as the CDK stack hands it to CloudFront.
 * Without SESSION_KEYS a development ring is made once in .data/session-keys,
 * so sessions survive restarts.
 */

const DEV_KEYS_FILE = join(REPO_ROOT, '.data', 'session-keys');
const DEV_EXPORT_TOKEN_FILE = join(REPO_ROOT, '.data', 'export-token');
const STOREFRONT = join(REPO_ROOT, 'storefront');

/** A development secret made once and kept in .data (git-ignored, mode 0600). */
function developmentSecret(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = make();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

const developmentKeys = () =>
  developmentSecret(DEV_KEYS_FILE, () => `dev1:${randomBytes(32).toString('base64url')}`);

export interface StackEnv {
  /** The environment both processes get. */
  env: NodeJS.ProcessEnv;
  edge: EdgeConfig;
  /** Where the dev key ring came from, for the log. */
  keysFrom: 'SESSION_KEYS' | typeof DEV_KEYS_FILE;
}

/** Validates both configurations up front and writes the KeyValueStore file from the key ring. */
export function prepareStack(base: NodeJS.ProcessEnv = process.env): StackEnv {
  const edge = loadEdgeConfig(base);
  const keysFrom = base.SESSION_KEYS ? 'SESSION_KEYS' : DEV_KEYS_FILE;
  const env: NodeJS.ProcessEnv = {
    ...base,
    SESSION_KEYS: base.SESSION_KEYS || developmentKeys(),
    // Lets `npm run storefront:build` read the catalogue from the running origin.
    CATALOG_EXPORT_TOKEN:
      base.CATALOG_EXPORT_TOKEN ||
      developmentSecret(DEV_EXPORT_TOKEN_FILE, () => randomBytes(32).toString('base64url')),
    PUBLIC_BASE_URL: base.PUBLIC_BASE_URL || `http://localhost:${edge.port}`,
    ORIGIN_URL: edge.appOrigins.map((u) => u.href).join(','),
    EDGE_KVS_FILE: edge.kvsFile,
  };
  const origin = loadConfig(env);
  if (!origin.sessions.secureCookie) {
    throw new EdgeConfigError(
      'SESSION_COOKIE_SECURE=false names the cookies without __Host-, and the edge (like CloudFront) forwards only the __Host- cookies. Browsers accept Secure cookies on http://localhost: leave it unset.',
    );
  }
  // Keep an operator's flags (maintenance, canary) across restarts.
  const flags = existsSync(edge.kvsFile) ? flagsOf(readKvsFile(edge.kvsFile)) : undefined;
  writeKvsFile(edge.kvsFile, kvsDocument(origin.sessions.keys, flags));
  return { env, edge, keysFrom };
}

function start(name: string, cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['src/server.ts'], { cwd, env, stdio: 'inherit' }).on(
    'error',
    (err) => {
      console.error(`${name} failed to start: ${err.message}`);
    },
  );
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  return false;
}

async function main(): Promise<void> {
  let stack: StackEnv;
  try {
    stack = prepareStack();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof EdgeConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (stack.keysFrom !== 'SESSION_KEYS') {
    console.log(
      `session keys: development ring in ${stack.keysFrom} (set SESSION_KEYS to use your own)`,
    );
  }
  const children = [
    start('origin', join(REPO_ROOT, 'origin'), stack.env),
    start('edge', join(REPO_ROOT, 'edge'), stack.env),
  ];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
    ).then(() => process.exit(code));
  };
  for (const child of children) {
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(
          `${child === children[0] ? 'origin' : 'edge'} stopped (${signal ?? `exit ${code}`}); stopping the shop`,
        );
        stop(code ?? 1);
      }
    });
  }
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));

  const originUrl = stack.edge.appOrigin.href.replace(/\/$/, '');
  const [origin] = children;
  if (!origin || !(await waitForReady(`${originUrl}/readyz`, origin, 120_000))) return;
  if (!existsSync(join(STOREFRONT, 'dist', 'client', 'index.html'))) {
    // First start: build the catalogue pages from the running origin's export.
    console.log('building the storefront from the catalogue (first start)…');
    const build = spawn(process.execPath, ['scripts/build.ts'], {
      cwd: STOREFRONT,
      env: { ...stack.env, CATALOG_EXPORT_URL: `${originUrl}/api/v1/admin/catalog/export` },
      stdio: 'inherit',
    });
    const [code] = (await once(build, 'exit')) as [number | null];
    if (code !== 0) {
      console.error('the storefront build failed (see above); the API and the edge keep running');
      return;
    }
  }
  console.log(
    `\n  The shop is open: http://localhost:${stack.edge.port}/  (edge → origin ${stack.edge.appOrigin.host})\n`,
  );
}

if (import.meta.main) await main();
