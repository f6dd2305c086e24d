/*
 * `npm run test:fuzz`: Schemathesis against a production-like origin.
 *
 * The origin runs as `node src/server.ts` with NODE_ENV=production on a real
 * PostgreSQL (a private `fz_…` schema, seeded with a small gallery by the
 * seed command) and Redis, with a configured SESSION_KEYS ring. Schemathesis
 * reads /api/openapi.json (generated from the route schemas) and fuzzes every
 * operation as four identities, each on the operations it can reach:
 *
 *   anonymous  every operation (an anonymous pre-session and its CSRF token)
 *   customer   all but /admin and /studio (a registered shopper with a cart line and an order)
 *   artist     /studio (an artist with a draft work and its image)
 *   admin      /admin (an admin made by `admin:create`)
 *
 * Checks: no 5xx; status codes, content types and bodies as documented;
 * input the document calls invalid is refused. Generation is deterministic
 * (`--generation-deterministic`: no seed, no example database) and bounded
 * per operation, so a run takes a minute or two.
 * Nothing is excluded: the webhook endpoint is fuzzed unsigned and must
 * answer 4xx. The origin's own log is read afterwards: any error-level line
 * (an unexpected exception, even one answered 4xx) fails the run too.
 *
 * Environment: DATABASE_URL and REDIS_URL (required), SCHEMATHESIS (the
 * binary; default .tools/schemathesis/bin/schemathesis, as `.ci/run`'s
 * ensure_schemathesis installs it), FUZZ_PORT (default 0: any free port),
 * FUZZ_MAX_EXAMPLES (default 40), FUZZ_WORKERS (default 1), FUZZ_REPORT_DIR
 * (keeps the JUnit and NDJSON reports there).
 *
 * Exit codes: 0 clean, 1 findings, 2 not runnable here (a missing tool or server).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { type Child, exitOf, startOrigin } from '../test/support/origin-process.ts';

const ORIGIN_DIR = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(ORIGIN_DIR, '..');
const FUZZ_DIR = import.meta.dirname;

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
];

interface IdentityPlan {
  name: 'anonymous' | 'customer' | 'artist' | 'admin';
  /** Schemathesis filters: which operations this identity fuzzes. */
  filters: string[];
}

const PLANS: IdentityPlan[] = [
  { name: 'anonymous', filters: [] },
  {
    name: 'customer',
    filters: ['--exclude-path-regex', '^/api/v1/(admin|studio)/'],
  },
  { name: 'artist', filters: ['--include-path-regex', '^/api/v1/studio/'] },
  { name: 'admin', filters: ['--include-path-regex', '^/api/v1/admin/'] },
];

function fail(code: number, message: string): never {
  process.stderr.write(`test:fuzz: ${message}\n`);
  process.exit(code);
}

function run(
  command: string,
  args: string[],
  options: { env: Record<string, string>; input?: string; cwd?: string; echo?: boolean },
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ORIGIN_DIR,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(options.input ?? '');
  });
}

/** A browser-like client of the API: cookies by name, the CSRF token on writes. */
class Client {
  readonly cookies = new Map<string, string>();
  csrf = '';
  readonly base: string;
  readonly ip: string;
  constructor(base: string, ip: string) {
    this.base = base;
    this.ip = ip;
  }

  async call(method: string, url: string, body?: unknown, type = 'application/json') {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip };
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = type;
    if (url === '/api/v1/checkout') headers['idempotency-key'] = randomBytes(16).toString('hex');
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers,
      ...(body === undefined
        ? {}
        : { body: body instanceof Uint8Array ? body : JSON.stringify(body) }),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value) this.cookies.set(pair.slice(0, eq), value);
      else this.cookies.delete(pair.slice(0, eq));
    }
    const text = await res.text();
    if (res.status >= 300)
      throw new Error(`setup: ${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    const parsed = text ? JSON.parse(text) : null;
    if (parsed && typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    if (parsed && url === '/api/v1/auth/csrf') this.csrf = parsed.token;
    return parsed;
  }

  async signIn(kind: 'register' | 'login', email: string, password: string) {
    await this.call('GET', '/api/v1/auth/csrf');
    return this.call('POST', `/api/v1/auth/${kind}`, { email, password, displayName: 'Fuzz' });
  }
}

interface Counts {
  operations: number;
  cases: number;
  failures: number;
  errors: number;
  seconds: number;
}

/** Reads the run's figures from Schemathesis's summary (its NDJSON report is the detail). */
function countsOf(out: string, seconds: number): Counts {
  const num = (re: RegExp) => Number(out.match(re)?.[1] ?? 0);
  return {
    operations: num(/Tested:\s+(\d+)/),
    cases: num(/(\d+) generated/),
    failures: num(/(\d+) failures?[, ]/) || num(/found (\d+) unique failures?/),
    errors: num(/(\d+) errors?[, ]/),
    seconds,
  };
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl)
    fail(2, 'set DATABASE_URL and REDIS_URL: the fuzz run needs a production-like origin');
  const schemathesis =
    process.env.SCHEMATHESIS ?? path.join(ROOT, '.tools', 'schemathesis', 'bin', 'schemathesis');
  if (!existsSync(schemathesis))
    fail(
      2,
      `no Schemathesis at ${schemathesis}: install it with .ci/run's ensure_schemathesis, or set SCHEMATHESIS`,
    );
  const maxExamples = process.env.FUZZ_MAX_EXAMPLES ?? '40';
  const workers = process.env.FUZZ_WORKERS ?? '1';

  const work = await mkdtemp(path.join(tmpdir(), 'vitrine-fuzz-'));
  const reportDir = process.env.FUZZ_REPORT_DIR ?? path.join(work, 'reports');
  await mkdir(reportDir, { recursive: true });
  const schema = `fz_${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: process.env.FUZZ_PORT ?? '0',
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_MAX: '5',
    REDIS_URL: redisUrl,
    SESSION_KEYS: `fz1:${randomBytes(32).toString('base64url')}`,
    PUBLIC_BASE_URL: 'https://shop.example',
    PAYMENTS_PROVIDER: 'test',
    PAYMENTS_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
    CATALOG_EXPORT_TOKEN: randomBytes(32).toString('base64url'),
    MEDIA_DIR: path.join(work, 'media'),
    STOREFRONT_SSR_ENTRY: path.join(work, 'no-ssr-bundle.mjs'),
    SHUTDOWN_DELAY_MS: '0',
    LOG_LEVEL: 'info',
    // The fuzzer signs in as each identity and sends them wrong current passwords: with the
    // default 5 it would lock its own accounts out within seconds. The per-IP throttle stays
    // as configured (the fuzzer's own login failures meet it: 429s are part of the run), and
    // both throttles are tested in accounts.test.ts.
    LOGIN_FAILURES_PER_ACCOUNT: '1000',
  };

  let origin: Child | null = null;
  const started = performance.now();
  try {
    // The catalogue and the admin come from the commands an operator runs.
    const seeded = await run(
      process.execPath,
      ['src/cli/seed.ts', '--shop', 'gallery', '--products', '24'],
      { env },
    );
    if (seeded.code !== 0) throw new Error(`seeding failed:\n${seeded.out}`);
    const admin = { email: 'admin@fuzz.example', password: randomBytes(12).toString('base64url') };
    const made = await run(process.execPath, ['src/cli/admin-create.ts', '--email', admin.email], {
      env,
      input: admin.password,
    });
    if (made.code !== 0) throw new Error(`admin:create failed:\n${made.out}`);

    origin = await startOrigin(env);
    const base = origin.url;
    process.stdout.write(`origin ${base} (NODE_ENV=production, schema ${schema})\n`);

    // The identities, made through the API as a shopper and an artist would.
    const customer = {
      email: 'shopper@fuzz.example',
      password: randomBytes(12).toString('base64url'),
    };
    const artist = {
      email: 'artist@fuzz.example',
      password: randomBytes(12).toString('base64url'),
    };
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    // Ids are bigint columns, which pg gives as strings.
    const rows = async (sql: string) =>
      (await db.query(sql.replaceAll('$s', `"${schema}"`))).rows.map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'id' ? Number(v) : v])),
      ) as Array<Record<string, unknown>>;
    const productRows = await rows(
      `SELECT p.id, p.slug FROM $s.products p LEFT JOIN $s.inventory i ON i.product_id = p.id
       WHERE p.status = 'published' AND p.kind = 'physical' AND i.on_hand - i.held >= 3 ORDER BY p.id`,
    );
    const [first, second] = productRows;
    if (!first || !second) throw new Error('the seeded catalogue has no two works in stock');

    const shopper = new Client(base, '198.51.100.21');
    await shopper.signIn('register', customer.email, customer.password);
    await shopper.call('POST', '/api/v1/cart/items', { productId: first.id, quantity: 1 });
    const address = {
      name: 'Fuzz Shopper',
      line1: '1 Test Street',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    };
    const paid = await shopper.call('POST', '/api/v1/checkout', {
      payment: {
        type: 'card',
        number: '4242424242424242',
        expMonth: 12,
        expYear: 2099,
        cvc: '123',
      },
      shippingAddress: address,
    });
    const cart = await shopper.call('POST', '/api/v1/cart/items', {
      productId: second.id,
      quantity: 1,
    });
    await shopper.call('PUT', `/api/v1/favorites/${first.id}`);

    const maker = new Client(base, '198.51.100.22');
    await maker.signIn('register', artist.email, artist.password);
    await maker.call('POST', '/api/v1/studio/profile', {
      name: 'Fuzz Artist',
      slug: 'fuzz-artist',
    });
    const draft = await maker.call('POST', '/api/v1/studio/products', {
      title: 'Fuzzed Work',
      price: { amountMinor: 12_500, currency: 'EUR' },
      kind: 'physical',
      stock: 2,
    });
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#c04020' },
    })
      .png()
      .toBuffer();
    const image = await maker.call(
      'POST',
      `/api/v1/studio/products/${draft.id}/images?alt=Red`,
      new Uint8Array(png),
      'image/png',
    );

    const ids = (list: Array<Record<string, unknown>>, key: string) => list.map((r) => r[key]);
    const known = {
      productIds: ids(productRows, 'id').slice(0, 8),
      productSlugs: ids(productRows, 'slug').slice(0, 8),
      collectionIds: ids(await rows('SELECT id FROM $s.collections ORDER BY id'), 'id'),
      collectionSlugs: ids(await rows('SELECT slug FROM $s.collections ORDER BY id'), 'slug'),
      categoryIds: ids(await rows('SELECT id FROM $s.categories ORDER BY id'), 'id'),
      categorySlugs: ids(await rows('SELECT slug FROM $s.categories ORDER BY id'), 'slug'),
      artistSlugs: ids(await rows('SELECT slug FROM $s.artists ORDER BY id'), 'slug'),
      orderIds: [paid.order.id],
      cartLineIds: cart.items.map((line: { id: number }) => line.id),
      studioProductIds: [draft.id],
      studioImageIds: [image.id],
      providers: ['test', 'stripe'],
    };
    await db.end();

    const identitiesFile = path.join(work, 'identities.json');
    await writeFile(
      identitiesFile,
      JSON.stringify({
        identities: { anonymous: {}, customer, artist, admin },
        known,
        cookieNames: {
          session: '__Host-vitrine_session',
          csrf: '__Host-vitrine_csrf',
          cart: '__Host-vitrine_cart',
        },
      }),
    );

    const totals: Counts[] = [];
    for (const plan of PLANS) {
      process.stdout.write(`\n==> schemathesis as ${plan.name}\n`);
      const t0 = performance.now();
      const result = await run(
        schemathesis,
        [
          'run',
          `${base}/api/openapi.json`,
          '--checks',
          process.env.FUZZ_CHECKS ?? CHECKS.join(','),
          '--max-examples',
          maxExamples,
          '--generation-deterministic',
          '--phases',
          'examples,coverage,fuzzing',
          '--workers',
          workers,
          '--request-timeout',
          '30',
          '--suppress-health-check',
          'too_slow,filter_too_much',
          '--no-color',
          '--report',
          'junit,ndjson',
          '--report-junit-path',
          path.join(reportDir, `${plan.name}.junit.xml`),
          '--report-ndjson-path',
          path.join(reportDir, `${plan.name}.ndjson`),
          ...plan.filters,
        ],
        {
          cwd: work,
          echo: true,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? work,
            SCHEMATHESIS_HOOKS: 'hooks',
            PYTHONPATH: FUZZ_DIR,
            PYTHONDONTWRITEBYTECODE: '1',
            FUZZ_BASE_URL: base,
            FUZZ_IDENTITY: plan.name,
            FUZZ_IDENTITIES: identitiesFile,
          },
        },
      );
      const counts = countsOf(result.out, (performance.now() - t0) / 1000);
      if (result.code !== 0 && counts.failures + counts.errors === 0) counts.errors = 1;
      totals.push(counts);
    }

    // The origin's view: no request may have ended in an unexpected exception.
    const faults = origin.lines.filter((l) => Number(l.level) >= 50);
    const statuses = new Map<number, number>();
    for (const line of origin.lines) {
      const status = (line.res as { statusCode?: number } | undefined)?.statusCode;
      if (typeof status === 'number') statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const serverErrors = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);

    const sum = (key: keyof Counts) => totals.reduce((n, c) => n + c[key], 0);
    process.stdout.write('\n==> fuzz summary\n');
    PLANS.forEach((plan, i) => {
      const c = totals[i] as Counts;
      process.stdout.write(
        `${plan.name.padEnd(10)} ${String(c.operations).padStart(3)} operations ${String(c.cases).padStart(6)} cases ${c.failures} failures ${c.errors} errors ${c.seconds.toFixed(1)} s\n`,
      );
    });
    process.stdout.write(
      `origin: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, c]) => `${s}×${c}`)
        .join(' ')}; ${serverErrors} server errors, ${faults.length} error log lines\n`,
    );
    for (const line of faults.slice(0, 20)) process.stdout.write(`${JSON.stringify(line)}\n`);
    process.stdout.write(
      `fuzz: ${sum('cases')} cases over ${totals[0]?.operations ?? 0} operations, ${sum('failures')} failures, ${sum('errors')} errors, ${serverErrors} server errors in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    if (sum('failures') + sum('errors') + serverErrors + faults.length > 0) process.exitCode = 1;
  } finally {
    if (origin) {
      origin.proc.kill('SIGTERM');
      await exitOf(origin.proc);
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    if (!process.env.FUZZ_REPORT_DIR) await rm(work, { recursive: true, force: true });
    else await rm(path.join(work, 'media'), { recursive: true, force: true });
  }
}

await main().catch((err: unknown) => {
  process.stderr.write(`test:fuzz: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
  process.exit(2);
});
