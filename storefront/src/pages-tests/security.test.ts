import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeViewerRequest } from '@vitrine/edge/build';
import { type RunningEdge, startEdgeServer } from '@vitrine/edge/server';
import { pino } from 'pino';
import { Browser, csrfOf, type TestShop, testShop } from './support.ts';
import { type MadeWork, makeWork } from './works.ts';

/*
 * SECURITY.md on the pages a shopper sees: state-changing form posts need the
 * form's token plus an Origin / Sec-Fetch-Site check, and every page, static
 * or origin-rendered, and the API carry their CSP and hardening headers as
 * the shopper receives them, through the edge.
 */

const PASSWORD = 'a long enough passphrase';

async function signedIn(shop: TestShop): Promise<Browser> {
  const browser = new Browser(shop.url);
  await browser.register(
    `csrf-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`,
    PASSWORD,
  );
  return browser;
}

/** Posts a form with the shopper's cookies but the provenance headers of another site. */
async function postFrom(
  browser: Browser,
  path: string,
  fields: Record<string, string | number>,
  provenance: Record<string, string>,
): Promise<number> {
  const res = await fetch(new URL(path, browser.base), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      ...provenance,
    },
    body: new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('session pages: cross-site forms', () => {
  let shop: TestShop;
  let print: MadeWork;

  before(async function () {
    this.timeout(180_000);
    shop = await testShop();
    print = await makeWork(shop, { kind: 'physical', priceMinor: 4_200, stock: 20 });
  });

  const cases: Array<[string, (shop: TestShop) => Record<string, string>]> = [
    ['another site’s Origin', () => ({ origin: 'https://evil.example' })],
    ['Origin: null', () => ({ origin: 'null' })],
    ['Sec-Fetch-Site: cross-site', (s) => ({ origin: s.url, 'sec-fetch-site': 'cross-site' })],
  ];

  for (const [what, provenance] of cases) {
    it(`when a signed-in shopper’s form is posted from ${what}, even with the right token, then nothing is added and they stay signed in`, async () => {
      const victim = await signedIn(shop);
      const cart = await victim.get('/cart/');
      const token = csrfOf((await victim.get('/logout/')).body || cart.body);
      const add = await postFrom(
        victim,
        '/cart/',
        { intent: 'add', productId: print.id, quantity: 1, csrf: token },
        provenance(shop),
      );
      assert.ok(add >= 400 || add === 200, `add answered ${add}`);
      const lines = await victim.api<{ itemCount: number }>('GET', '/api/v1/cart');
      assert.equal(lines.body.itemCount, 0, `${what}: nothing was added`);
      const out = await postFrom(victim, '/logout/', { csrf: token }, provenance(shop));
      assert.notEqual(out, 303, `${what}: the sign-out did not go through`);
      assert.equal((await victim.get('/account/')).status, 200, `${what}: still signed in`);
    });
  }

  it('when the same form comes from the shop itself with its token, then it goes through (the control)', async () => {
    const shopper = await signedIn(shop);
    const token = csrfOf((await shopper.get('/logout/')).body);
    const add = await postFrom(
      shopper,
      '/cart/',
      { intent: 'add', productId: print.id, quantity: 1, csrf: token },
      { origin: shop.url, 'sec-fetch-site': 'same-origin' },
    );
    assert.equal(add, 303);
    const lines = await shopper.api<{ itemCount: number }>('GET', '/api/v1/cart');
    assert.equal(lines.body.itemCount, 1);
  });
});

describe('pages and API through the edge: CSP and hardening headers', () => {
  let shop: TestShop;
  let edge: RunningEdge;
  const work = mkdtempSync(join(tmpdir(), 'vitrine-edge-headers-'));

  before(async function () {
    this.timeout(180_000);
    shop = await testShop();
    if (!shop.staticDir) throw new Error('the test shop names no static build');
    edge = await startEdgeServer({
      port: 0,
      host: '127.0.0.1',
      appOrigin: new URL(shop.url),
      canaryOrigin: null,
      staticDir: shop.staticDir,
      kvs: { current: () => new Map([['flags', '{"maintenance":"off","canary":{"percent":0}}']]) },
      functionFile: writeViewerRequest(join(work, 'viewer-request.js')).file,
      logger: pino({ level: 'silent' }),
    });
  });
  after(async () => {
    await edge?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${edge.url}${path}`, { redirect: 'manual' });
  const hardened = (res: Response, label: string) => {
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', label);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', label);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d{7,}/, label);
    assert.ok(res.headers.get('referrer-policy'), label);
  };
  const pageDirectives = [
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ];

  it('when a static catalogue page is served, then it has the edge’s page CSP and headers', async () => {
    for (const path of ['/', '/search/', '/404.html']) {
      const res = await get(path);
      assert.ok(
        res.status === 200 || (path === '/404.html' && res.status === 404),
        `${path} ${res.status}`,
      );
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const d of [...pageDirectives, "script-src 'self'"])
        assert.ok(csp.includes(d), `${path}: ${d} in ${csp}`);
      assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/, path);
      hardened(res, path);
    }
  });

  it('when an origin-rendered page is served, then its own page CSP reaches the shopper with no-store', async () => {
    for (const path of ['/login/', '/register/']) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const d of pageDirectives) assert.ok(csp.includes(d), `${path}: ${d} in ${csp}`);
      assert.doesNotMatch(
        csp,
        /wasm-unsafe-eval/,
        `${path}: the origin's policy, not the static one`,
      );
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
      hardened(res, path);
    }
  });

  it('when the API answers through the edge, then it keeps its own default-src none policy', async () => {
    for (const path of ['/api/v1/products?limit=1', '/api/v1/nothing', '/api/v1/auth/me']) {
      const res = await get(path);
      assert.equal(
        res.headers.get('content-security-policy'),
        "default-src 'none';frame-ancestors 'none'",
        path,
      );
      hardened(res, path);
    }
  });
});
