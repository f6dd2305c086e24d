import http from 'k6/http';
import { catalogFromApi } from './catalog.js';
import { config } from './config.js';
import { SHOPPER_PASSWORD } from './journeys.js';
import { flashMismatches, flashSold, oversold } from './metrics.js';

/*
 * setup(): the buyable pool, the flash sale's scarce works and the returning
 * shoppers' accounts. teardown(): the flash sale's books, read back from the
 * API. Admin calls use an admin session (ADMIN_EMAIL / ADMIN_PASSWORD, which
 * the runner makes with `npm run admin:create`).
 */

/** Works the shopper mix buys from; with an admin, each gets deep stock so the day never sells out. */
const POOL_PHYSICAL = 16;
const POOL_DIGITAL = 8;
const DEEP_STOCK = 1_000_000;
/** Returning shoppers: one account per VU id up to this many (journeys.js, returningAccount). */
const RETURNING_ACCOUNTS = 50;

function call(method, path, body, jar, csrf) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers.origin = config.baseUrl;
    headers['sec-fetch-site'] = 'same-origin';
  }
  if (csrf) headers['x-csrf-token'] = csrf;
  const res = http.request(
    method,
    `${config.baseUrl}${path}`,
    body === undefined ? null : JSON.stringify(body),
    { headers, jar, redirects: 0, tags: { name: 'setup', kind: 'setup' } },
  );
  return res;
}

function mustJson(res, what) {
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${what}: ${res.status} ${String(res.body).slice(0, 300)}`);
  }
  return res.json();
}

/** A signed-in session: its jar and CSRF token. `kind` register or login. */
export function session(kind, account) {
  const jar = new http.CookieJar();
  const token = mustJson(call('GET', '/api/v1/auth/csrf', undefined, jar), 'csrf').token;
  const res = call('POST', `/api/v1/auth/${kind}`, account, jar, token);
  return { jar, csrf: mustJson(res, `${kind} ${account.email}`).csrfToken };
}

function adminSession() {
  if (!config.admin.email || !config.admin.password) return null;
  return session('login', config.admin);
}

function setStock(admin, id, onHand) {
  const res = call('PUT', `/api/v1/admin/products/${id}/stock`, { onHand }, admin.jar, admin.csrf);
  return mustJson(res, `set stock of product ${id}`).stock;
}

function liveState(ids) {
  if (ids.length === 0) return new Map();
  const res = call('GET', `/api/v1/availability?ids=${ids.join(',')}`);
  return new Map(mustJson(res, 'availability').items.map((i) => [i.id, i]));
}

function asArray(arrayLike) {
  const out = [];
  for (let i = 0; i < arrayLike.length; i++) out.push(arrayLike[i]);
  return out;
}

/**
 * The data every visit gets. `shared`: the SharedArray catalogue, or null to
 * read the catalogue from the API here. `flash`: prepare the scarce works;
 * `signedInBuyers`: sessions for that many flash buyers (by VU id).
 */
export function prepare(
  shared,
  { flash = false, accounts = RETURNING_ACCOUNTS, signedInBuyers = 0 } = {},
) {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const startedAt = new Date().toISOString();
  const source = shared ? null : catalogFromApi();
  const products = asArray((shared ?? source).products);
  const admin = adminSession();
  if (flash && !admin) {
    throw new Error(
      'flash-sale sets and checks stock through the admin API: set ADMIN_EMAIL and ADMIN_PASSWORD',
    );
  }

  const physical = products.filter((p) => p.kind === 'physical');
  const flashItems = flash ? physical.slice(-config.flash.items) : [];
  const taken = new Set(flashItems.map((p) => p.id));
  let pool = [
    ...physical.filter((p) => !taken.has(p.id)).slice(0, POOL_PHYSICAL),
    ...products.filter((p) => p.kind === 'digital').slice(0, POOL_DIGITAL),
  ];
  if (admin) {
    for (const p of pool) setStock(admin, p.id, DEEP_STOCK);
  } else {
    // Without an admin, buy only what is on sale now; selling out later is counted as out_of_stock.
    const live = liveState(pool.map((p) => p.id));
    pool = pool.filter((p) => ['in_stock', 'low_stock'].includes(live.get(p.id)?.state));
  }
  if (pool.length === 0) throw new Error('setup: no work in stock to buy');

  const scarce = flashItems.map((p) => {
    const stock = setStock(admin, p.id, config.flash.stock);
    if (stock.held !== 0) throw new Error(`setup: product ${p.id} has ${stock.held} units held`);
    return { ...p, stock: config.flash.stock };
  });

  const emails = [];
  for (let i = 0; i < Math.min(accounts, config.vus.max); i++) {
    const email = `lt-${runId}-r${i + 1}@example.com`;
    session('register', { email, password: SHOPPER_PASSWORD, displayName: 'Returning Shopper' });
    emails.push(email);
  }

  // Flash buyers waiting for the drop, signed in before it: one session per VU id.
  const sessions = [];
  for (let i = 0; i < signedInBuyers; i++) {
    const email = `lt-${runId}-f${i + 1}@example.com`;
    const { jar } = session('register', {
      email,
      password: SHOPPER_PASSWORD,
      displayName: 'Flash Buyer',
    });
    const cookies = {};
    for (const [name, values] of Object.entries(jar.cookiesForURL(config.baseUrl))) {
      if (name.includes('session')) cookies[name] = values[0];
    }
    sessions.push(cookies);
  }

  return { runId, startedAt, pool, flash: scarce, accounts: emails, sessions, catalog: source };
}

/** Every order since `since`, newest first, read through the admin API. */
function ordersSince(admin, since) {
  const orders = [];
  let before = null;
  for (;;) {
    const query = `limit=100${before ? `&before=${before}` : ''}`;
    const page = mustJson(
      call('GET', `/api/v1/admin/orders?${query}`, undefined, admin.jar),
      'admin orders',
    );
    const recent = page.items.filter((o) => o.createdAt >= since);
    orders.push(...recent);
    if (recent.length < page.items.length || !page.nextBefore) return orders;
    before = page.nextBefore;
  }
}

/**
 * The flash sale's books, from the API: for each scarce work, units in paid
 * orders (sold) and in pending ones, its stock now and what its page says.
 * Sold must equal the stock it started with (demand was far higher), nothing
 * may be held or oversold, and on hand must be what is left.
 */
export function verifyFlash(data) {
  if (data.flash.length === 0) return null;
  const admin = adminSession();
  const orders = ordersSince(admin, data.startedAt);
  const live = liveState(data.flash.map((p) => p.id));
  const report = [];
  for (const item of data.flash) {
    let sold = 0;
    let pending = 0;
    for (const order of orders) {
      for (const line of order.items) {
        if (line.productId !== item.id) continue;
        if (order.status === 'paid' || order.status === 'fulfilled') sold += line.quantity;
        if (order.status === 'pending_payment') pending += line.quantity;
      }
    }
    const stock = mustJson(
      call('GET', `/api/v1/admin/products/${item.id}`, undefined, admin.jar),
      `admin product ${item.id}`,
    ).stock;
    const over = Math.max(0, sold + pending - item.stock);
    const problems = [];
    if (sold !== item.stock) problems.push(`sold ${sold} of ${item.stock}`);
    if (pending !== 0 || stock.held !== 0) problems.push(`${stock.held} held, ${pending} pending`);
    if (stock.onHand !== item.stock - sold) problems.push(`on hand ${stock.onHand}`);
    if (live.get(item.id)?.state !== 'sold_out') problems.push(`shown ${live.get(item.id)?.state}`);
    flashSold.add(sold);
    oversold.add(over);
    flashMismatches.add(problems.length);
    const line = {
      id: item.id,
      slug: item.slug,
      stock: item.stock,
      sold,
      oversold: over,
      onHand: stock.onHand,
      held: stock.held,
      shown: live.get(item.id)?.state,
      problems,
    };
    report.push(line);
    console.log(`flash sale: ${JSON.stringify(line)}`);
  }
  return report;
}
