import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { pick } from './catalog.js';
import { config } from './config.js';
import { apiGet, apiSend, errorCode, file, files, page } from './http.js';
import { ordersPlaced, outOfStock, soldOutSeen } from './metrics.js';

/*
 * One function per journey; each is one visit by a new browser (the jar is
 * empty at the start of an iteration). Every page view costs what the real
 * page costs: the HTML, the cart badge's one GET /api/v1/cart on the first
 * page of a visit (the count is then kept in localStorage), the one batched
 * GET /api/v1/availability of the page's islands (one per 100 products), and
 * on pages with a favourite toggle GET /api/v1/favorites (the edge answers
 * 401 itself when nobody is signed in). Images, CSS and scripts are left out:
 * hashed /_astro/ files are cached for a year by browsers and CloudFront, and
 * /media/ comes from the media bucket in production.
 */

/** Test card that pays at once (README, test cards). */
const CARD = {
  type: 'card',
  number: '4242 4242 4242 4242',
  expMonth: 12,
  expYear: 2030,
  cvc: '123',
};
const ADDRESS = {
  name: 'Load Test',
  line1: '1 Benchmark Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
const MAX_AVAILABILITY_IDS = 100;
/** A password that is long and not on the common-password list. */
export const SHOPPER_PASSWORD = 'k6 visitor: blue heron 2026';

function think() {
  if (config.thinkSeconds > 0) sleep(config.thinkSeconds);
}

function availability(ids) {
  let last = null;
  for (let i = 0; i < ids.length; i += MAX_AVAILABILITY_IDS) {
    const batch = ids.slice(i, i + MAX_AVAILABILITY_IDS);
    last = apiGet(`/api/v1/availability?ids=${batch.join(',')}`, 'availability');
  }
  return last;
}

/**
 * A page view with its islands. `first`: the visit's first page (cart badge);
 * `signedIn`: favourites answer 200 instead of the edge's 401.
 */
export function view(p, name, { first = false, signedIn = false } = {}) {
  const res = page(p.path, name);
  if (first) apiGet('/api/v1/cart', 'cart-badge');
  const live = p.ids.length > 0 ? availability(p.ids) : null;
  if (p.favourite) {
    apiGet('/api/v1/favorites?limit=100', 'favourites', signedIn ? [200] : [401]);
  }
  think();
  return { res, live };
}

/** Home → a gallery → one of its works. */
export function browse(catalog) {
  view(catalog.home(), 'home', { first: true });
  view(catalog.gallery(), 'gallery');
  view(catalog.product(), 'product');
}

const SEARCH_RESULTS_SHOWN = 12;

/**
 * /search/ with a term, then what Pagefind's runtime fetches in the browser:
 * its script and worker, the entry file, the WebAssembly core, the metadata,
 * the filter files (for the filter counts), an index chunk for the term and
 * the fragments of the first 12 results; then a click on a result.
 */
export function search(catalog) {
  const s = catalog.search();
  const term = pick(s.terms);
  view({ path: `/search/?q=${encodeURIComponent(term)}`, ids: [], favourite: false }, 'search', {
    first: true,
  });
  file('/pagefind/pagefind.js', 'pagefind-runtime');
  file('/pagefind/pagefind-entry.json', 'pagefind-entry');
  const runtime = [];
  if (s.worker) runtime.push('/pagefind/pagefind-worker.js');
  if (s.wasm) runtime.push(`/pagefind/wasm.${s.wasm}.pagefind`);
  if (s.hash) runtime.push(`/pagefind/pagefind.${s.hash}.pf_meta`);
  files(runtime, 'pagefind-core');
  files(
    (s.filters ?? []).map((f) => `/pagefind/filter/${f}`),
    'pagefind-filter',
  );
  if (s.indexes?.length) file(`/pagefind/index/${pick(s.indexes)}`, 'pagefind-index');
  const fragments = s.fragments ?? [];
  const shown = [];
  for (let i = 0; i < Math.min(SEARCH_RESULTS_SHOWN, fragments.length); i++) {
    shown.push(`/pagefind/fragment/${pick(fragments)}`);
  }
  files(shown, 'pagefind-fragment');
  think();
  view(catalog.product(), 'product');
}

/** GET /api/v1/auth/csrf: the token for the visit's (pre-)session. */
function csrfToken() {
  const res = apiGet('/api/v1/auth/csrf', 'csrf');
  return res.status === 200 ? res.json('token') : '';
}

/** POST /api/v1/cart/items; false when the API said out of stock. */
function addToCart(productId, csrf) {
  const res = apiSend('POST', '/api/v1/cart/items', { productId, quantity: 1 }, 'cart-add', {
    csrf,
    expect: [200, 201, 409],
  });
  if (res.status === 409) {
    const code = errorCode(res);
    check(res, { 'cart-add: 409 is INSUFFICIENT_STOCK': () => code === 'INSUFFICIENT_STOCK' });
    if (code === 'INSUFFICIENT_STOCK') outOfStock.add(1);
    return false;
  }
  return true;
}

/** A gallery, then two works from the buyable pool, each added to the cart. */
export function cart(catalog, data) {
  view(catalog.gallery(), 'gallery', { first: true });
  let csrf = '';
  for (let i = 0; i < 2; i++) {
    const product = pick(data.pool);
    view(product, 'product');
    csrf ||= csrfToken();
    addToCart(product.id, csrf);
  }
}

function uniqueEmail(data) {
  return `lt-${data.runId}-${exec.vu.idInTest}-${exec.vu.iterationInInstance}@example.com`;
}

/**
 * The returning shopper this VU plays, if any: setup() registers one account
 * per VU id up to RETURNING_ACCOUNTS, so no two visits share an account (and a
 * cart) at the same time.
 */
function returningAccount(data) {
  return data.accounts[exec.vu.idInTest - 1] ?? null;
}

/** Register (a new shopper) or log in (`email`: a returning one); the new session's CSRF token. */
function signIn(data, csrf, email = null) {
  const account = email
    ? { email, password: SHOPPER_PASSWORD }
    : { email: uniqueEmail(data), password: SHOPPER_PASSWORD, displayName: 'Load Test' };
  const kind = email ? 'login' : 'register';
  const res = apiSend('POST', `/api/v1/auth/${kind}`, account, kind, {
    csrf,
    expect: email ? [200] : [200, 201],
  });
  return res.status < 300 ? res.json('csrfToken') : '';
}

/** POST /api/v1/checkout with an Idempotency-Key and the paying test card. */
function placeOrder(csrf, physical) {
  const res = apiSend(
    'POST',
    '/api/v1/checkout',
    { payment: CARD, ...(physical ? { shippingAddress: ADDRESS } : {}) },
    'checkout',
    {
      csrf,
      expect: [201, 409],
      headers: {
        'idempotency-key': `k6-${exec.vu.idInTest}-${exec.scenario.iterationInTest}-${Date.now()}`,
      },
    },
  );
  if (res.status === 201) {
    ordersPlaced.add(1);
    return true;
  }
  if (res.status === 409) {
    const code = errorCode(res);
    // Only out of stock is an expected 409 here; anything else (CART_EMPTY…) fails the check.
    check(res, { 'checkout: 409 is OUT_OF_STOCK': () => code === 'OUT_OF_STOCK' });
    if (code === 'OUT_OF_STOCK') outOfStock.add(1);
  }
  return false;
}

/**
 * A work from the pool into the cart as a guest, sign in (a VU with a
 * returning shopper's account logs in half the time, every other buyer
 * registers; the guest cart merges), the checkout page, the order, then the
 * orders page and list.
 */
export function checkout(data) {
  const product = pick(data.pool);
  view(product, 'product', { first: true });
  let csrf = csrfToken();
  addToCart(product.id, csrf);
  const account = returningAccount(data);
  csrf = signIn(data, csrf, account && Math.random() < 0.5 ? account : null);
  page('/checkout/', 'checkout-page');
  think();
  placeOrder(csrf, true);
  page('/orders/', 'orders-page');
  apiGet('/api/v1/orders', 'orders');
}

/**
 * A flash-sale buyer: the scarce work's page; if its islands say sold out,
 * they leave; otherwise into the cart and straight to checkout. Buyers were
 * signed in before the drop (setup() made a session per flash VU); a VU
 * beyond those registers first, then looks at its cart.
 */
export function flashBuy(data) {
  const item = pick(data.flash);
  const cookies = data.sessions[exec.vu.idInTest - 1];
  if (cookies) {
    const jar = http.cookieJar();
    for (const [name, value] of Object.entries(cookies)) jar.set(config.baseUrl, name, value);
  }
  const { live } = view(item, 'product', { first: true, signedIn: Boolean(cookies) });
  const state = live?.status === 200 ? live.json(`items.#(id==${item.id}).state`) : null;
  if (state === 'sold_out') {
    soldOutSeen.add(1);
    return;
  }
  let csrf = csrfToken();
  if (!addToCart(item.id, csrf)) return;
  if (!cookies) {
    csrf = signIn(data, csrf);
    // Signing in merges the guest cart capped by what is left: a work that sold
    // out meanwhile is no longer in it, and the shopper sees an empty cart.
    const cart = apiGet('/api/v1/cart', 'cart');
    if (cart.status === 200 && cart.json('itemCount') === 0) {
      outOfStock.add(1);
      return;
    }
  }
  placeOrder(csrf, true);
}
