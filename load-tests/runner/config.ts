import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/*
 * The one place the runner reads process.env. Everything the k6 scripts read
 * (BASE_URL, COMPRESS, MIX, …) passes through to k6 untouched: lib/config.js
 * is where those are read.
 */

export const LOAD_TESTS = resolve(import.meta.dirname, '..');
export const REPO_ROOT = resolve(LOAD_TESTS, '..');
export const SCENARIOS = ['smoke', 'peak-day', 'flash-sale', 'stress', 'soak'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export class RunnerError extends Error {
  override name = 'RunnerError';
}

export function scenarioOf(name: string | undefined): Scenario {
  if (SCENARIOS.includes(name as Scenario)) return name as Scenario;
  throw new RunnerError(
    `which scenario? ${name ? `"${name}" is none of ` : ''}${SCENARIOS.join(', ')}`,
  );
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new RunnerError(`${name}: must be a port number, got "${raw}"`);
  }
  return n;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new RunnerError(`${name}: must be a positive integer, got "${raw}"`);
  }
  return n;
}

function level(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(raw)) {
    throw new RunnerError(`${name}: must be a pino level (info, warn, …), got "${raw}"`);
  }
  return raw;
}

/** The k6 binary: K6_BIN, else k6 on the PATH, else the one .ci/run builds into .tools/bin. */
export function findK6(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K6_BIN) return env.K6_BIN;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'k6'))) return join(dir, 'k6');
  }
  const tools = join(REPO_ROOT, '.tools', 'bin', 'k6');
  if (existsSync(tools)) return tools;
  throw new RunnerError(
    'k6 not found: install it (README, "Installing k6"), put it on the PATH or set K6_BIN',
  );
}

export interface LocalStackConfig {
  /** DATABASE_URL: PostgreSQL; the run works in its own schema `lt_<random>`, dropped afterwards. */
  databaseUrl: string;
  /** REDIS_URL: the second cache tier; unset runs the origin with L1 only. */
  redisUrl: string | null;
  /** LOAD_ORIGIN_PORT (3301) and LOAD_EDGE_PORT (8301). */
  originPort: number;
  edgePort: number;
  /** LOAD_PRODUCTS: works seeded into the gallery (200). */
  products: number;
  /** LOAD_ORIGIN_LOG_LEVEL (info, as in production) and LOAD_EDGE_LOG_LEVEL (info). */
  originLogLevel: string;
  edgeLogLevel: string;
  /** EDGE_ISOLATION passed to the edge (scope). */
  edgeIsolation: string;
  /** LOAD_SAMPLE_MS: how often the origin's /metrics and the processes' CPU are sampled (2000). */
  sampleMs: number;
}

export function loadLocalStackConfig(env: NodeJS.ProcessEnv = process.env): LocalStackConfig {
  if (!env.DATABASE_URL) {
    throw new RunnerError(
      'DATABASE_URL is required: the origin runs in production mode, which refuses the embedded database (see the README)',
    );
  }
  const isolation = env.EDGE_ISOLATION || 'scope';
  if (isolation !== 'scope' && isolation !== 'context') {
    throw new RunnerError(`EDGE_ISOLATION: must be scope or context, got "${isolation}"`);
  }
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL || null,
    originPort: port(env, 'LOAD_ORIGIN_PORT', 3301),
    edgePort: port(env, 'LOAD_EDGE_PORT', 8301),
    products: count(env, 'LOAD_PRODUCTS', 200),
    originLogLevel: level(env, 'LOAD_ORIGIN_LOG_LEVEL', 'info'),
    edgeLogLevel: level(env, 'LOAD_EDGE_LOG_LEVEL', 'info'),
    edgeIsolation: isolation,
    sampleMs: count(env, 'LOAD_SAMPLE_MS', 2000),
  };
}
