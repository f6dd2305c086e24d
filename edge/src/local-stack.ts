import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

function developmentKeys(): string {
  if (existsSync(DEV_KEYS_FILE)) return readFileSync(DEV_KEYS_FILE, 'utf8').trim();
  const ring = `dev1:${randomBytes(32).toString('base64url')}`;
  mkdirSync(dirname(DEV_KEYS_FILE), { recursive: true });
  writeFileSync(DEV_KEYS_FILE, `${ring}\n`, { mode: 0o600 });
  return ring;
}

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
    PUBLIC_BASE_URL: base.PUBLIC_BASE_URL || `http://localhost:${edge.port}`,
    ORIGIN_URL: edge.appOrigin.href,
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

  const ready = `${stack.edge.appOrigin.href.replace(/\/$/, '')}/readyz`;
  const [origin] = children;
  if (origin && (await waitForReady(ready, origin, 120_000))) {
    console.log(
      `\n  The shop is open: http://localhost:${stack.edge.port}/  (edge → origin ${stack.edge.appOrigin.host})\n`,
    );
  }
}

if (import.meta.main) await main();
