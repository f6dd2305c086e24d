import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Shopper } from '../../test/support/client.ts';
import { hasExternalDatabase } from '../../test/support/database.ts';
import { type Child, databaseEnv, exitOf, startOrigin } from '../../test/support/origin-process.ts';

/*
 * SECURITY.md: "Cookie `__Host-…; Secure; HttpOnly; SameSite=Lax; Path=/` in
 * production" and "helmet on every response; the API answers with
 * `default-src 'none'; frame-ancestors 'none'`; pages get a CSP with
 * `base-uri 'none'`, `object-src 'none'`, `frame-ancestors 'none'`,
 * `form-action 'self'`." Checked on the origin as it runs in production:
 * `node src/server.ts` with NODE_ENV=production, its own schema and a
 * stand-in page bundle, every cookie it sets and answers of every kind.
 */

/** A page bundle that renders a form, as the storefront's SSR entry does. */
const PAGE = `export async function handler(req, res) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Sign in</title><form method="post"><button>Go</button></form>');
}`;

const API_CSP = "default-src 'none';frame-ancestors 'none'";

/** The headers helmet puts on everything (SECURITY.md: "helmet on every response"). */
function assertHardened(res: Response, label: string): void {
  const h = res.headers;
  assert.equal(h.get('x-content-type-options'), 'nosniff', label);
  assert.equal(h.get('x-frame-options'), 'DENY', label);
  assert.match(h.get('strict-transport-security') ?? '', /max-age=\d{7,}/, label);
  assert.ok(h.get('referrer-policy'), label);
  assert.equal(h.get('cross-origin-opener-policy'), 'same-origin', label);
  assert.equal(h.get('x-powered-by'), null, label);
}

/** One Set-Cookie line holds the production rules: `__Host-`, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain. */
function assertHostCookie(line: string): void {
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
  const names = attributes.map((a) => a.split('=')[0]?.toLowerCase());
  assert.match(pair, /^__Host-vitrine_[a-z]+=/, line);
  assert.ok(names.includes('secure'), `Secure: ${line}`);
  assert.ok(names.includes('httponly'), `HttpOnly: ${line}`);
  assert.ok(
    attributes.some((a) => /^samesite=lax$/i.test(a)),
    `SameSite=Lax: ${line}`,
  );
  assert.ok(
    attributes.some((a) => a === 'Path=/'),
    `Path=/: ${line}`,
  );
  assert.ok(!names.includes('domain'), `no Domain: ${line}`);
}

describe('security: cookies and headers of the origin in production', () => {
  let origin: Child;
  let database: ReturnType<typeof databaseEnv>;
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-prod-'));

  before(async function () {
    if (!hasExternalDatabase) this.skip(); // production refuses the embedded database
    this.timeout(30_000);
    writeFileSync(join(dir, 'entry.mjs'), PAGE);
    database = databaseEnv();
    origin = await startOrigin({
      ...database.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      SESSION_KEYS: `prod1:${randomBytes(32).toString('base64url')}`,
      PUBLIC_BASE_URL: 'https://shop.example',
      PAYMENTS_PROVIDER: 'test',
      PAYMENTS_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
      MEDIA_DIR: join(dir, 'media'),
      STOREFRONT_SSR_ENTRY: join(dir, 'entry.mjs'),
      SHUTDOWN_DELAY_MS: '0',
      BODY_LIMIT_BYTES: '2048',
    });
  });
  after(async function () {
    this.timeout(30_000);
    if (origin) {
      origin.proc.kill('SIGTERM');
      await exitOf(origin.proc);
    }
    await database?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a shopper gets a pre-session, signs up, fills a guest cart and signs out, then every cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const shopper = new Shopper(origin.url);
    const seen: string[] = [];
    const keep = () => seen.push(...shopper.lastSetCookie);
    await shopper.refreshCsrf();
    keep();
    // A guest cart cookie comes with the first add, even when the work is unknown to it.
    await shopper.send('POST', '/api/v1/cart/items', { productId: 1, quantity: 1 });
    keep();
    const res = await shopper.signIn('register', {
      email: `prod-${randomBytes(4).toString('hex')}@example.com`,
      password: 'a long enough passphrase',
    });
    assert.equal(res.status, 201, await res.clone().text());
    keep();
    assert.equal((await shopper.send('POST', '/api/v1/auth/logout')).status, 204);
    keep();
    const names = new Set(seen.map((line) => line.split('=')[0]));
    for (const name of ['__Host-vitrine_csrf', '__Host-vitrine_cart', '__Host-vitrine_session']) {
      assert.ok(names.has(name), `${name} among ${[...names].join(', ')}`);
    }
    assert.ok(
      seen.some((line) => /^__Host-vitrine_session=;/.test(line)),
      'logout clears it',
    );
    for (const line of seen) assertHostCookie(line);
  });

  it('when the API answers 2xx or 4xx of any kind, then each answer carries helmet’s headers and the API CSP, and no error shows a stack', async () => {
    const shopper = new Shopper(origin.url);
    const token = await shopper.refreshCsrf();
    const png = await sharp({
      create: { width: 4, height: 4, channels: 3, background: '#123456' },
    })
      .png()
      .toBuffer();
    const answers: Array<[string, Promise<Response>]> = [
      ['200 list', fetch(`${origin.url}/api/v1/products?limit=1`)],
      ['200 csrf', shopper.get('/api/v1/auth/csrf')],
      ['400 validation', fetch(`${origin.url}/api/v1/products?limit=0`)],
      [
        '400 malformed JSON',
        shopper.send('POST', '/api/v1/cart/items', undefined, {
          headers: { 'content-type': 'application/json' },
        }),
      ],
      ['401', fetch(`${origin.url}/api/v1/auth/me`)],
      ['403 CSRF', fetch(`${origin.url}/api/v1/auth/logout`, { method: 'POST' })],
      ['404 route', fetch(`${origin.url}/api/v1/nothing-here`)],
      [
        '413',
        fetch(`${origin.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            cookie: [...shopper.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
            'x-csrf-token': token,
          },
          body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(4_096) }),
        }),
      ],
      [
        '415 upload as a stranger',
        fetch(`${origin.url}/api/v1/studio/products/1/images`, { method: 'POST', body: png }),
      ],
      ['204', shopper.send('POST', '/api/v1/auth/logout')],
      ['health', fetch(`${origin.url}/healthz`)],
      ['openapi', fetch(`${origin.url}/api/openapi.json`)],
    ];
    const statuses: number[] = [];
    for (const [label, pending] of answers) {
      const res = await pending;
      statuses.push(res.status);
      assert.equal(res.headers.get('content-security-policy'), API_CSP, label);
      assertHardened(res, label);
      if (res.status >= 400) {
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/, label);
        const body = await res.text();
        assert.doesNotMatch(body, /\bat \S+ \(|\.ts:\d+|node_modules/, `${label}: ${body}`);
      }
    }
    for (const status of [200, 204, 400, 401, 403, 404, 413])
      assert.ok(statuses.includes(status), `${status} in ${statuses}`);
  });

  it('when a session page is rendered, then it has the page CSP, no-store and helmet’s headers', async () => {
    for (const path of ['/login/', '/account/', '/cart/']) {
      const res = await fetch(`${origin.url}${path}`);
      assert.equal(res.status, 200, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of [
        "default-src 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
      ]) {
        assert.ok(csp.includes(directive), `${path}: ${directive} in ${csp}`);
      }
      assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/, path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
      assertHardened(res, path);
    }
  });
});
