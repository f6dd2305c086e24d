/*
 * The one description of the edge. The local edge server (server.ts) and the
 * CDK stack (infra/) both read it, so the behaviours tested here are the ones
 * deployed: path pattern → origin, methods, what reaches the origin, TTLs, the
 * function association, and the KeyValueStore layout.
 *
 * Plain data only: no environment reads (infra reads its environment in bin/,
 * the edge server in config.ts).
 */

/** Origin ids as CloudFront knows them; `cf.selectRequestOriginById` names one of these. */
export const ORIGIN_IDS = {
  /** The S3 bucket holding the storefront's static build (private, behind OAC). */
  static: 'static',
  /** The origin app (ALB → ECS tasks). */
  app: 'app',
  /** A second app target for the canary share of sessions. */
  canary: 'app-canary',
  /**
   * Uploaded images: the media bucket (private, behind OAC) in production,
   * which the origin writes with STORAGE_DRIVER=s3; locally the app origin
   * serves them from MEDIA_DIR.
   */
  media: 'media',
} as const;

export type OriginId = (typeof ORIGIN_IDS)[keyof typeof ORIGIN_IDS];

/** Cookie names the origin issues in production (`__Host-`: Secure, Path=/, no Domain). */
export const COOKIES = {
  session: '__Host-vitrine_session',
  csrf: '__Host-vitrine_csrf',
  cart: '__Host-vitrine_cart',
} as const;

const APP_COOKIES = [COOKIES.session, COOKIES.csrf, COOKIES.cart];

/** TTLs in seconds, as in a CloudFront cache policy. */
export interface CacheTtl {
  min: number;
  default: number;
  max: number;
}

/** A status an origin answers, replaced by an object of the static origin (CloudFront custom error response). */
export interface ErrorPage {
  /** The origin's status (S3 answers 403 for a missing key behind OAC). */
  status: number;
  /** Key of the page served instead, from the static origin. */
  page: string;
  /** The status the viewer sees. */
  responseStatus: number;
  /** Seconds CloudFront may cache the error. */
  ttl: number;
}

export interface Behaviour {
  /** A short name used in logs, metrics and stack ids. */
  name: string;
  /**
   * CloudFront path pattern, matched against the viewer's original path,
   * case-sensitive: `*` is any run of characters, `?` one character.
   */
  pathPattern: string;
  origin: typeof ORIGIN_IDS.static | typeof ORIGIN_IDS.app | typeof ORIGIN_IDS.media;
  /** `read` = GET, HEAD (OPTIONS is not needed: the shop is same-origin); `all` = every method. */
  methods: 'read' | 'all';
  /** Cookies forwarded to the origin (an allow-list; none reach S3). */
  cookies: readonly string[];
  /** Viewer headers forwarded to the origin, lower case (an allow-list). */
  headers: readonly string[];
  /** Whether the query string reaches the origin (and the cache key). */
  queryStrings: 'all' | 'none';
  cache: CacheTtl;
  /** Whether the viewer-request function runs for this behaviour. */
  viewerRequest: boolean;
  /** Per-behaviour error mapping; API behaviours keep the origin's own error bodies. */
  errorPages: readonly ErrorPage[];
}

const NO_CACHE: CacheTtl = { min: 0, default: 0, max: 0 };
const YEAR = 31_536_000;

/** The S3 origin answers 403 for a missing key (the distribution may not list the bucket). */
const STATIC_ERRORS: readonly ErrorPage[] = [
  { status: 403, page: '/404.html', responseStatus: 404, ttl: 60 },
  { status: 404, page: '/404.html', responseStatus: 404, ttl: 60 },
];

/**
 * Headers the app needs from the viewer: content negotiation, CSRF defence,
 * idempotency, webhooks, the session list's device names. CloudFront allows 10
 * per origin request policy by default: keep it under that.
 */
const APP_HEADERS = [
  'accept',
  'content-type',
  'host',
  'idempotency-key',
  'origin',
  'sec-fetch-site',
  'stripe-signature',
  'user-agent',
  'x-csrf-token',
];

/** Session-aware pages rendered by the origin. */
const SESSION_PAGES = [
  'login',
  'register',
  'logout',
  'account',
  'cart',
  'checkout',
  'orders',
  'studio',
  'admin',
];

/**
 * Cache behaviours in CloudFront's order: the first pattern that matches the
 * original path wins; the last one is the default (`*`).
 */
export const BEHAVIOURS: readonly Behaviour[] = [
  {
    name: 'assets',
    pathPattern: '/_astro/*',
    origin: ORIGIN_IDS.static,
    methods: 'read',
    cookies: [],
    headers: [],
    queryStrings: 'none',
    // Content-hashed file names: a changed file is a new URL.
    cache: { min: YEAR, default: YEAR, max: YEAR },
    viewerRequest: false,
    errorPages: STATIC_ERRORS,
  },
  {
    name: 'api',
    pathPattern: '/api/*',
    origin: ORIGIN_IDS.app,
    methods: 'all',
    cookies: APP_COOKIES,
    // The storefront build's export token travels as a bearer token.
    headers: [...APP_HEADERS, 'authorization'],
    queryStrings: 'all',
    // CloudFront forwards Authorization only as part of a cache key, and a cache
    // key needs a policy that may cache: at most 1 s, and only when the origin
    // says so (availability's s-maxage); session cookies and the query are in that key.
    cache: { min: 0, default: 0, max: 1 },
    viewerRequest: true,
    errorPages: [],
  },
  {
    name: 'media',
    pathPattern: '/media/*',
    origin: ORIGIN_IDS.media,
    methods: 'read',
    cookies: [],
    headers: ['if-none-match'],
    queryStrings: 'none',
    // Uploaded image variants are written once under new keys.
    cache: { min: 0, default: 86_400, max: YEAR },
    viewerRequest: false,
    errorPages: [],
  },
  ...SESSION_PAGES.map(
    (page): Behaviour => ({
      name: `page-${page}`,
      pathPattern: `/${page}*`,
      origin: ORIGIN_IDS.app,
      methods: 'all',
      cookies: APP_COOKIES,
      headers: APP_HEADERS,
      queryStrings: 'all',
      cache: NO_CACHE,
      viewerRequest: true,
      errorPages: [],
    }),
  ),
  {
    name: 'catalogue',
    pathPattern: '*',
    origin: ORIGIN_IDS.static,
    methods: 'read',
    cookies: [],
    headers: [],
    queryStrings: 'none',
    // HTML is short-lived so a rebuild shows within a minute even without an invalidation.
    cache: { min: 0, default: 60, max: 300 },
    viewerRequest: true,
    errorPages: STATIC_ERRORS,
  },
];

/**
 * Cache-Control stored with each object when the static build is uploaded
 * (S3 object metadata); the first matching pattern wins.
 */
export const OBJECT_CACHE_CONTROL: readonly { pathPattern: string; cacheControl: string }[] = [
  { pathPattern: '/_astro/*', cacheControl: 'public, max-age=31536000, immutable' },
  { pathPattern: '/pagefind/*', cacheControl: 'public, max-age=300' },
  { pathPattern: '*', cacheControl: 'public, max-age=0, must-revalidate' },
];

/**
 * The response headers policy on every behaviour (CloudFront adds a header
 * only when the origin did not send it: `override: false`). The origin sets
 * its own CSP on the API and its pages; this one covers the static pages.
 * Pagefind's search runs WebAssembly, hence 'wasm-unsafe-eval' (it allows
 * compiling WebAssembly modules, not evaluating strings of script).
 */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "img-src 'self' data:",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; '),
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** What the viewer-request function decides, injected into the built file. */
export interface FunctionConfig {
  /** The session cookie the gate verifies. */
  sessionCookie: string;
  /** Where a page without a valid session is sent (`?next=` is added). */
  loginPath: string;
  /** Page prefixes that need a session: `/account` covers `/account`, `/account/…`. */
  gatedPages: readonly string[];
  /** API prefixes answered 401 at the edge without a valid session. */
  gatedApi: readonly string[];
  /** Path patterns whose behaviour targets the app (cookies kept, no index rewrite). */
  appPatterns: readonly string[];
  /** Prefixes never canonicalised (API and files). */
  rawPrefixes: readonly string[];
  /** The KeyValueStore keys the function reads. */
  kvs: { flags: string; keyPrefix: string };
  /** The second app origin for the canary share. */
  canaryOrigin: OriginId;
}

export const KVS_KEYS = {
  /** JSON flags: `{"maintenance": "off" | "app" | "all", "canary": {"percent": 0..100}}`. */
  flags: 'flags',
  /** `kid:<kid>` → the HMAC-SHA256 secret of that session key. */
  keyPrefix: 'kid:',
} as const;

export const FUNCTION_CONFIG: FunctionConfig = {
  sessionCookie: COOKIES.session,
  loginPath: '/login/',
  gatedPages: ['/account', '/cart', '/checkout', '/orders', '/studio', '/admin'],
  // Each prefix answers 401 NOT_SIGNED_IN at the origin too (tested), so the edge only saves the trip.
  gatedApi: [
    '/api/v1/admin',
    '/api/v1/studio',
    '/api/v1/orders',
    '/api/v1/favorites',
    '/api/v1/checkout',
    '/api/v1/auth/sessions',
    '/api/v1/auth/password',
  ],
  // Media counts as app-bound here (it keeps its raw path; the function does not run on it).
  appPatterns: BEHAVIOURS.filter((b) => b.origin !== ORIGIN_IDS.static).map((b) => b.pathPattern),
  rawPrefixes: ['/api/', '/_astro/', '/media/', '/pagefind/'],
  kvs: KVS_KEYS,
  canaryOrigin: ORIGIN_IDS.canary,
};

/** The viewer-request function's CloudFront name and runtime. */
export const VIEWER_REQUEST = {
  name: 'vitrine-viewer-request',
  runtime: 'cloudfront-js-2.0',
  /** Built by build.ts from function/viewer-request.js and FUNCTION_CONFIG. */
  file: 'dist/viewer-request.js',
} as const;

/** The behaviour CloudFront applies to a path: the first whose pattern matches. */
export function behaviourFor(path: string, behaviours = BEHAVIOURS): Behaviour {
  for (const b of behaviours) if (patternToRegExp(b.pathPattern).test(path)) return b;
  throw new Error(`no behaviour matches ${path}; the last behaviour must be the default (*)`);
}

const compiled = new Map<string, RegExp>();

/** CloudFront path pattern semantics: `*` any run (including `/`), `?` one character, anchored. */
export function patternToRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const withSlash = pattern.startsWith('/') || pattern === '*' ? pattern : `/${pattern}`;
    const body = withSlash
      .split('')
      .map((c) =>
        c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}/]/g, '\\$&'),
      )
      .join('');
    // No flags and ES5 classes only: the source is embedded in the CloudFront Function too.
    re = new RegExp(`^${body}$`);
    compiled.set(pattern, re);
  }
  return re;
}
