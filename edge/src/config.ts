import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: default paths are relative to it, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EdgeConfig {
  /** EDGE_PORT: where the edge listens (default 8080). */
  port: number;
  /** EDGE_HOST: interface to bind (default 127.0.0.1: a development server). */
  host: string;
  /**
   * ORIGIN_URL: the app origin (default http://127.0.0.1:$PORT, PORT defaulting
   * to 3000), or several separated by commas: targets of a load balancer, as
   * the ALB's target group (round-robin, health-checked).
   */
  appOrigins: URL[];
  /** The first of appOrigins: the one `npm start` runs. */
  appOrigin: URL;
  /**
   * EDGE_HEALTH_CHECK_MS: with several app targets, how often each one's
   * /readyz is checked (default 1000; 0 = never); a failing target gets no
   * new requests until it passes again.
   */
  healthCheckMs: number;
  /** CANARY_ORIGIN_URL: the second app origin the canary share goes to (optional). */
  canaryOrigin: URL | null;
  /** EDGE_STATIC_DIR: the storefront's static build, served as the S3 origin. */
  staticDir: string;
  /** EDGE_KVS_FILE: the KeyValueStore content (CloudFront import format). */
  kvsFile: string;
  /** LOG_LEVEL: pino level for the per-request lines (default info). */
  logLevel: string;
  /**
   * EDGE_ISOLATION: `scope` (default) runs each request in a new scope of one
   * frozen vm context; `context` makes a new vm context per request (~0.4 ms more).
   */
  isolation: 'context' | 'scope';
}

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError';
}

function port(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new EdgeConfigError(`${name}: must be a port number (0–65535), got "${text}"`);
  }
  return n;
}

function milliseconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 3_600_000) {
    throw new EdgeConfigError(`${name}: must be milliseconds (0–3600000), got "${text}"`);
  }
  return n;
}

function url(name: string, text: string): URL {
  try {
    const u = new URL(text);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    return u;
  } catch {
    throw new EdgeConfigError(
      `${name}: must be an http(s) URL such as http://127.0.0.1:3000, got "${text}"`,
    );
  }
}

function isolation(text: string | undefined): 'context' | 'scope' {
  if (!text || text === 'scope') return 'scope';
  if (text === 'context') return 'context';
  throw new EdgeConfigError(`EDGE_ISOLATION: must be scope or context, got "${text}"`);
}

/** The one place the edge reads the environment. */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const originPort = port('PORT', env.PORT, 3000);
  const appOrigins = (env.ORIGIN_URL || `http://127.0.0.1:${originPort}`)
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text) => url('ORIGIN_URL', text));
  const [appOrigin] = appOrigins;
  if (!appOrigin) throw new EdgeConfigError('ORIGIN_URL: must name at least one URL');
  return {
    port: port('EDGE_PORT', env.EDGE_PORT, 8080),
    host: env.EDGE_HOST || '127.0.0.1',
    appOrigins,
    appOrigin,
    healthCheckMs: milliseconds('EDGE_HEALTH_CHECK_MS', env.EDGE_HEALTH_CHECK_MS, 1_000),
    canaryOrigin: env.CANARY_ORIGIN_URL ? url('CANARY_ORIGIN_URL', env.CANARY_ORIGIN_URL) : null,
    staticDir: resolve(REPO_ROOT, env.EDGE_STATIC_DIR || 'storefront/dist/client'),
    kvsFile: resolve(REPO_ROOT, env.EDGE_KVS_FILE || '.data/edge-kvs.json'),
    logLevel: env.LOG_LEVEL || 'info',
    isolation: isolation(env.EDGE_ISOLATION),
  };
}
