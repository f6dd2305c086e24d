import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import { Shopper } from '../../test/support/client.ts';
import { makeProduct } from '../../test/support/products.ts';
import { PAGE_PATH } from './pages.ts';

/*
 * The origin's side of the session pages with a stand-in SSR bundle: a module
 * exporting `handler(req, res, next, locals)` as @astrojs/node does, which
 * exercises the locals a real page gets.
 */

const STAND_IN = `
export async function handler(req, res, next, locals) {
  const { user, api } = locals.vitrine;
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/cart/' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    try {
      const added = await api.call('POST', '/api/v1/cart/items', {
        body: { productId: Number(form.get('productId')), quantity: 1 },
        ...(form.get('csrf') ? { csrf: form.get('csrf') } : {}),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: added.status, body: added.body }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err.message));
    }
    return;
  }
  if (url.pathname === '/account/') {
    const me = await api.call('GET', '/api/v1/auth/me');
    const token = await api.csrfToken();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ user, me: me.status, token }));
    return;
  }
  next();
}
`;

describe('pages', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-ssr-'));
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, STAND_IN);

  before(async () => {
    t = await startTestApp({ overrides: { STOREFRONT_SSR_ENTRY: entry } });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when paths are matched, then only the session pages go to the SSR bundle', () => {
    for (const path of ['/cart', '/cart/', '/account/orders/', '/studio/products/7/', '/login/']) {
      assert.match(path, PAGE_PATH, path);
    }
    for (const path of ['/carts/', '/api/v1/cart', '/products/cart/', '/', '/administrator']) {
      assert.doesNotMatch(path, PAGE_PATH, path);
    }
  });

  it('when a signed-in shopper opens a page, then it knows them, reads the API in-process and gets a CSP for pages', async () => {
    const shopper = new Shopper(t.http.baseUrl);
    await shopper.signIn('register', {
      email: 'page-reader@example.test',
      password: 'a long enough passphrase',
      displayName: 'Page Reader',
    });
    const res = await shopper.get('/account/');
    assert.equal(res.status, 200);
    const page = (await res.json()) as {
      user: { email: string; role: string };
      me: number;
      token: string;
    };
    assert.equal(page.user.email, 'page-reader@example.test');
    assert.equal(page.user.role, 'customer');
    assert.equal(page.me, 200);
    // The token the page renders into its forms is good for this session's writes.
    shopper.csrf = page.token;
    const product = await makeProduct(t.t.db, t.t.config.mediaDir, { stock: 1 });
    const write = await shopper.send('POST', '/api/v1/cart/items', {
      productId: product.id,
      quantity: 1,
    });
    assert.equal(write.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "base-uri 'none'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "form-action 'self'",
      "script-src 'self'",
    ]) {
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    }
    assert.equal(res.headers.get('cache-control'), 'no-store');
    // Browsers send `Origin: null` with form posts from a no-referrer page; the pages' own posts need their origin.
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  });

  it('when a form posts with the token the page gave, then the write goes through and its cookie reaches the browser', async () => {
    const product = await makeProduct(t.t.db, t.t.config.mediaDir, { stock: 3 });
    const shopper = new Shopper(t.http.baseUrl);
    const token = await shopper.refreshCsrf();
    const res = await fetch(`${t.http.baseUrl}/cart/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...shopper.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ productId: String(product.id), csrf: token }).toString(),
    });
    const page = (await res.json()) as { status: number };
    assert.equal(page.status, 200, JSON.stringify(page));
    assert.ok(
      res.headers.getSetCookie().some((c) => /vitrine_cart=/.test(c)),
      'the guest cart cookie set by the API is sent with the page',
    );
  });

  it('when a form posts without a token, then the page cannot write on its own authority', async () => {
    const product = await makeProduct(t.t.db, t.t.config.mediaDir, { stock: 3 });
    const res = await fetch(`${t.http.baseUrl}/cart/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ productId: String(product.id) }).toString(),
    });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /a write needs the form's CSRF token/);
  });

  it('when a forged token comes from another site, then the API refuses it as it would a browser', async () => {
    const product = await makeProduct(t.t.db, t.t.config.mediaDir, { stock: 3 });
    const res = await fetch(`${t.http.baseUrl}/cart/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: new URLSearchParams({ productId: String(product.id), csrf: 'forged' }).toString(),
    });
    const page = (await res.json()) as { status: number; body: { error: { code: string } } };
    assert.equal(page.status, 403);
    assert.equal(page.body.error.code, 'CROSS_SITE_REQUEST');
  });

  it('when a page form is larger than the body limit or gives no length, then 413 or 411 before the page reads it', async () => {
    const post = (
      path: string,
      body: string | ReadableStream,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${t.http.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
        ...(typeof body === 'string' ? {} : { duplex: 'half' }),
      } as RequestInit);
    const limit = t.t.config.bodyLimitBytes;
    const big = await post('/cart/', `productId=1&pad=${'x'.repeat(limit)}`);
    assert.equal(big.status, 413);
    assert.match(await big.text(), /That form is too large/);
    assert.match(big.headers.get('content-security-policy') ?? '', /form-action 'self'/);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('productId=1'));
        controller.close();
      },
    });
    assert.equal((await post('/login/', stream)).status, 411, 'a chunked form gives no length');
    // Within the limit the page gets it (and answers as the stand-in does: no token, no write).
    const small = await post('/cart/', 'productId=1');
    assert.equal(small.status, 500);
    assert.match(await small.text(), /a write needs the form's CSRF token/);
    // The studio's image forms are judged by their pages.
    assert.equal((await post('/studio/products/1/', `pad=${'x'.repeat(limit)}`)).status, 404);
  });

  it('when the SSR bundle is missing, then the pages say how to build it', async () => {
    const bare = await startTestApp({
      overrides: { STOREFRONT_SSR_ENTRY: join(dir, 'missing.mjs') },
    });
    try {
      const res = await fetch(`${bare.http.baseUrl}/cart/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run storefront:build/);
    } finally {
      await bare.close();
    }
  });

  it('when no page matches, then the request falls through to a 404', async () => {
    const res = await fetch(`${t.http.baseUrl}/admin/nowhere/`);
    assert.equal(res.status, 404);
  });
});
