import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { StorageSettings } from './platform/storage/index.ts';

/** Folder of the origin workspace; embedded data defaults live under it. */
const ORIGIN_DIR = path.resolve(import.meta.dirname, '..');

const SHOPS = ['gallery', 'bookstore', 'watches', 'accessories'] as const;

/** Text that must be a whole number within bounds, e.g. a port or milliseconds. */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const url = (schemes: readonly string[]) =>
  z
    .string()
    .url('must be a URL')
    .refine((value) => schemes.includes(new URL(value).protocol), {
      message: `must start with ${schemes.map((s) => `${s}//`).join(' or ')}`,
    });

const envSchema = z
  .object({
    /** `production` refuses the embedded database and demo fallbacks. */
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    /** TCP port of the origin. */
    PORT: int(0, 65535).default(3000),
    /** Interface to bind; defaults to loopback except in production (containers). */
    HOST: z.string().min(1).optional(),
    /** PostgreSQL connection string. Absent: an embedded PGlite database (not in production). */
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    /** Schema used for every table (search_path); lets tests and shops share one database. */
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
      .default('public'),
    /** Upper bound of the connection pool per process. */
    DATABASE_POOL_MAX: int(1, 200).default(10),
    /** Redis connection string for the second cache tier. Absent: L2 off. */
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    /** Folder of the embedded database when DATABASE_URL is absent. */
    EMBEDDED_DB_DIR: z
      .string()
      .min(1)
      .default(path.join(ORIGIN_DIR, '.data', 'pglite')),
    /** Folder that holds product images in development (S3 in production). */
    MEDIA_DIR: z
      .string()
      .min(1)
      .default(path.join(ORIGIN_DIR, '.data', 'media')),
    /** Lets the storefront build read the catalogue export and change feed (`Authorization: Bearer …`); at least 32 characters. */
    CATALOG_EXPORT_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    /** The storefront's SSR bundle, which renders the session pages (built by `npm run storefront:build`). */
    STOREFRONT_SSR_ENTRY: z
      .string()
      .min(1)
      .default(path.join(ORIGIN_DIR, '..', 'storefront', 'dist', 'server', 'entry.mjs')),
    /** Shop seeded into a new embedded database. */
    SEED_SHOP: z.enum(SHOPS).default('gallery'),
    /** Number of products seeded into a new embedded database. */
    SEED_PRODUCTS: int(1, 200_000).default(200),
    /** pino level: fatal, error, warn, info, debug, trace or silent. */
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Largest accepted request body, in bytes. */
    BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(100 * 1024),
    /**
     * Express `trust proxy`: a hop count, `loopback`, or a comma list of subnets.
     * CloudFront → ALB → task is 2 hops, so production defaults to 2 and the
     * client IP is the one CloudFront saw, not the edge's.
     */
    TRUST_PROXY: z
      .string()
      .regex(/^(\d{1,2}|loopback|[0-9a-fA-F.:/, ]+)$/, 'must be a hop count, loopback or subnets')
      .optional(),
    /**
     * Session signing key ring: `kid:secret` pairs separated by commas. The
     * first signs; all verify. Secrets are at least 32 characters. Required in
     * production; elsewhere a random ring is made at boot (sessions end on restart).
     */
    SESSION_KEYS: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,32}:[^,\s]{32,}(,[A-Za-z0-9_-]{1,32}:[^,\s]{32,})*$/,
        'must be kid:secret pairs separated by commas, each kid 1–32 of [A-Za-z0-9_-] and each secret at least 32 characters',
      )
      .optional(),
    /** `false` drops `Secure` and the `__Host-` prefix for plain-HTTP development. Refused in production. */
    SESSION_COOKIE_SECURE: z.enum(['true', 'false']).default('true'),
    /** A session ends after this long without a request (seconds). */
    SESSION_IDLE_TIMEOUT_S: int(60, 30 * 86_400).default(12 * 3_600),
    /** A session ends this long after login, however active (seconds). */
    SESSION_ABSOLUTE_TIMEOUT_S: int(300, 90 * 86_400).default(7 * 86_400),
    /** Public address of the shop (the CloudFront or local edge URL); writes from other origins are refused. */
    PUBLIC_BASE_URL: url(['http:', 'https:']).optional(),
    /** Failed logins per account within the window before it is throttled. */
    LOGIN_FAILURES_PER_ACCOUNT: int(1, 1_000).default(5),
    /** Failed logins per client IP within the window before it is throttled. */
    LOGIN_FAILURES_PER_IP: int(1, 100_000).default(50),
    /** Window (and block duration) of the login throttles, in seconds. */
    LOGIN_THROTTLE_WINDOW_S: int(1, 86_400).default(900),
    /** `test` (built-in processor with test cards, offline) or `stripe`. Required in production. */
    PAYMENTS_PROVIDER: z.enum(['test', 'stripe']).optional(),
    /** Secret the test processor signs its webhooks with (>= 32 characters); made at boot outside production. */
    PAYMENTS_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Stripe secret API key (`sk_live_…` / `sk_test_…`); required with PAYMENTS_PROVIDER=stripe. */
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(live|test)_[A-Za-z0-9]+$/, 'must be a Stripe secret key')
      .optional(),
    /** Stripe webhook signing secret (`whsec_…`); required with PAYMENTS_PROVIDER=stripe. */
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9]+$/, 'must be a Stripe webhook secret')
      .optional(),
    /** Where uploaded images go: `local` (MEDIA_DIR, served at /media) or `s3`. */
    STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
    /** S3 bucket for images; required with STORAGE_DRIVER=s3. */
    MEDIA_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional(),
    /** Key prefix in the bucket, so CloudFront's /media/* maps onto it. */
    MEDIA_BUCKET_PREFIX: z.string().default('media/'),
    /** URL prefix images are served from: /media, or an absolute CDN address. */
    MEDIA_PUBLIC_URL: z.string().min(1).default('/media'),
    /** Region of the media bucket; the SDK's own lookup when unset. */
    AWS_REGION: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like eu-west-1')
      .optional(),
    /** Largest image upload in bytes (413 above). */
    IMAGE_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
    /** Longest side of an uploaded image in pixels (422 above). */
    IMAGE_MAX_DIMENSION: int(16, 50_000).default(12_000),
    /** Most pixels of an uploaded image, read from its header before decoding (422 above). */
    IMAGE_MAX_PIXELS: int(256, 500_000_000).default(50_000_000),
    /** How long stock stays held for an order awaiting payment (minutes). */
    CHECKOUT_HOLD_MINUTES: int(1, 24 * 60).default(15),
    /** How long a digital download link works (seconds). */
    DOWNLOAD_LINK_TTL_S: int(60, 7 * 86_400).default(3_600),
    /** After SIGTERM, how long readiness fails while requests are still served (ms). */
    SHUTDOWN_DELAY_MS: int(0, 20_000).optional(),
    /** After that, how long in-flight requests get before connections are cut (ms). */
    SHUTDOWN_TIMEOUT_MS: int(100, 22_000).default(15_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.SESSION_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_KEYS'],
        message: 'is required in production',
      });
    }
    if (env.NODE_ENV === 'production' && !env.PUBLIC_BASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: 'is required in production',
      });
    }
    if (env.NODE_ENV === 'production' && env.SESSION_COOKIE_SECURE === 'false') {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_COOKIE_SECURE'],
        message:
          'cannot be false in production: session cookies are always Secure and __Host- prefixed there',
      });
    }
    if (env.SESSION_IDLE_TIMEOUT_S > env.SESSION_ABSOLUTE_TIMEOUT_S) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_IDLE_TIMEOUT_S'],
        message: 'must not exceed SESSION_ABSOLUTE_TIMEOUT_S',
      });
    }
    if (env.NODE_ENV === 'production' && !env.PAYMENTS_PROVIDER) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENTS_PROVIDER'],
        message:
          'is required in production: stripe for a live shop, test only for load tests and demos',
      });
    }
    if (
      env.NODE_ENV === 'production' &&
      env.PAYMENTS_PROVIDER === 'test' &&
      !env.PAYMENTS_WEBHOOK_SECRET
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENTS_WEBHOOK_SECRET'],
        message: 'is required in production',
      });
    }
    if (env.STORAGE_DRIVER === 's3' && !env.MEDIA_BUCKET) {
      ctx.addIssue({
        code: 'custom',
        path: ['MEDIA_BUCKET'],
        message: 'is required with STORAGE_DRIVER=s3',
      });
    }
    if (env.PAYMENTS_PROVIDER === 'stripe') {
      for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const) {
        if (!env[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required with PAYMENTS_PROVIDER=stripe',
          });
      }
    }
    if (env.NODE_ENV === 'production' && !env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is required in production (the embedded database is for development only)',
      });
    }
  });

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  database:
    | { kind: 'external'; url: string; schema: string; poolMax: number }
    | { kind: 'embedded'; dir: string; schema: string; poolMax: 1 };
  redisUrl: string | null;
  mediaDir: string;
  /** The storefront's SSR bundle entry (session pages). */
  storefrontEntry: string;
  /** The storefront build's token for the export and change feed; null: admins only. */
  catalogExportToken: string | null;
  seed: { shop: (typeof SHOPS)[number]; products: number };
  logLevel: string;
  bodyLimitBytes: number;
  trustProxy: number | string;
  shutdown: { delayMs: number; timeoutMs: number };
  sessions: {
    /** Signing keys by kid; `signingKid` names the one that signs. */
    keys: ReadonlyMap<string, string>;
    signingKid: string;
    /** True when the ring was generated at boot (not configured). */
    ephemeralKeys: boolean;
    secureCookie: boolean;
    idleTimeoutS: number;
    absoluteTimeoutS: number;
  };
  publicBaseUrl: string;
  loginThrottle: { perAccount: number; perIp: number; windowS: number };
  payments: {
    provider: 'test' | 'stripe';
    /** Signs and verifies the test processor's webhooks. */
    webhookSecret: string;
    stripe: { secretKey: string; webhookSecret: string } | null;
  };
  checkout: { holdMs: number; downloadLinkTtlS: number };
  storage: StorageSettings;
  images: { maxBytes: number; maxDimension: number; maxPixels: number };
}

function parseKeyRing(text: string | undefined): {
  keys: Map<string, string>;
  signingKid: string;
  ephemeral: boolean;
} {
  if (!text) {
    return {
      keys: new Map([['boot', randomBytes(32).toString('base64url')]]),
      signingKid: 'boot',
      ephemeral: true,
    };
  }
  const pairs = text.split(',').map((pair) => {
    const i = pair.indexOf(':');
    return [pair.slice(0, i), pair.slice(i + 1)] as const;
  });
  const keys = new Map(pairs);
  if (keys.size !== pairs.length)
    throw new ConfigError(['SESSION_KEYS: each kid must appear once']);
  return { keys, signingKid: pairs[0]?.[0] ?? '', ephemeral: false };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as they do for most twelve-factor tools.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
      ),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const trust = e.TRUST_PROXY ?? (production ? '2' : 'loopback');
  const delayMs = e.SHUTDOWN_DELAY_MS ?? (production ? 5_000 : 0);
  // ECS kills the task 25 s after SIGTERM; keep 3 s of that for closing pools.
  if (delayMs + e.SHUTDOWN_TIMEOUT_MS > 22_000) {
    throw new ConfigError([
      `SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS: must add up to at most 22000 so the process exits within the 25 s stop timeout (got ${delayMs + e.SHUTDOWN_TIMEOUT_MS})`,
    ]);
  }
  const ring = parseKeyRing(e.SESSION_KEYS);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    database: e.DATABASE_URL
      ? {
          kind: 'external',
          url: e.DATABASE_URL,
          schema: e.DATABASE_SCHEMA,
          poolMax: e.DATABASE_POOL_MAX,
        }
      : { kind: 'embedded', dir: e.EMBEDDED_DB_DIR, schema: e.DATABASE_SCHEMA, poolMax: 1 },
    redisUrl: e.REDIS_URL ?? null,
    mediaDir: e.MEDIA_DIR,
    storefrontEntry: e.STOREFRONT_SSR_ENTRY,
    catalogExportToken: e.CATALOG_EXPORT_TOKEN ?? null,
    seed: { shop: e.SEED_SHOP, products: e.SEED_PRODUCTS },
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    trustProxy: /^\d+$/.test(trust) ? Number(trust) : trust,
    shutdown: { delayMs, timeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    sessions: {
      keys: ring.keys,
      signingKid: ring.signingKid,
      ephemeralKeys: ring.ephemeral,
      secureCookie: e.SESSION_COOKIE_SECURE === 'true',
      idleTimeoutS: e.SESSION_IDLE_TIMEOUT_S,
      absoluteTimeoutS: e.SESSION_ABSOLUTE_TIMEOUT_S,
    },
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT || 3000}`,
    loginThrottle: {
      perAccount: e.LOGIN_FAILURES_PER_ACCOUNT,
      perIp: e.LOGIN_FAILURES_PER_IP,
      windowS: e.LOGIN_THROTTLE_WINDOW_S,
    },
    payments: {
      provider: e.PAYMENTS_PROVIDER ?? 'test',
      webhookSecret: e.PAYMENTS_WEBHOOK_SECRET ?? randomBytes(32).toString('base64url'),
      stripe:
        e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
          ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET }
          : null,
    },
    checkout: { holdMs: e.CHECKOUT_HOLD_MINUTES * 60_000, downloadLinkTtlS: e.DOWNLOAD_LINK_TTL_S },
    storage:
      e.STORAGE_DRIVER === 's3' && e.MEDIA_BUCKET
        ? {
            driver: 's3',
            bucket: e.MEDIA_BUCKET,
            prefix: e.MEDIA_BUCKET_PREFIX,
            publicUrl: e.MEDIA_PUBLIC_URL,
            ...(e.AWS_REGION ? { region: e.AWS_REGION } : {}),
          }
        : { driver: 'local', dir: e.MEDIA_DIR, publicPath: e.MEDIA_PUBLIC_URL },
    images: {
      maxBytes: e.IMAGE_MAX_BYTES,
      maxDimension: e.IMAGE_MAX_DIMENSION,
      maxPixels: e.IMAGE_MAX_PIXELS,
    },
  };
}

export { SHOPS };
