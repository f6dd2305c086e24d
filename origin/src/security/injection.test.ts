import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../test/support/app.ts';
import type { Shopper } from '../../test/support/client.ts';
import { fingerprint } from '../../test/support/fingerprint.ts';
import { json } from '../../test/support/http.ts';
import { makeProduct } from '../../test/support/products.ts';
import { signedInShoppers } from '../../test/support/sessions.ts';

/*
 * SECURITY.md: "Every request body, query and param validated; bad input gets
 * a 4xx … never a 500 and never a stack trace." Here: SQL injection (and
 * search-syntax and encoding tricks) in every query and path parameter of
 * every read the OpenAPI document lists, each as the role that reaches it.
 * Each answer is a 4xx or a harmless 200; no answer leaks SQL, a stack or a
 * password hash; and the database is byte-for-byte what it was, a canary
 * table included.
 */

const PAYLOADS = [
  "' OR '1'='1",
  "1' OR 1=1--",
  '1 OR 1=1',
  "x'; DROP TABLE canary; --",
  '1; DELETE FROM users',
  "') UNION SELECT password_hash, email FROM users --",
  "1' AND pg_sleep(3)--",
  '$$; DROP TABLE canary; $$',
  '\\',
  '"',
  '%',
  '_%',
  'nocturne:* | !blue & (a <-> b)',
  'a\u0000b',
  '\u202e\u0000',
  '0x10',
  '-1',
  '1e3',
  '99999999999999999999999',
  `${'a'.repeat(2_000)}' OR '1'='1`,
];

/** What an answer must never contain: database errors, code, stacks, credentials. */
const LEAKS =
  /syntax error|SQLSTATE|sequelize|unterminated|relation "|column "|pg_sleep|at [\w.]+ \(|\.ts:\d+|\$argon2|password_?hash/i;

interface Operation {
  path: string;
  params: { name: string; in: 'query' | 'path' }[];
}

describe('security: SQL injection through every parameter of every read', () => {
  let app: TestApp;
  let customer: Shopper;
  let artist: Shopper;
  let admin: Shopper;
  let reads: Operation[];

  before(async function () {
    this.timeout(60_000);
    app = await startTestApp();
    const { db, config } = app.t;
    for (const stock of [3, 0, null]) await makeProduct(db, config.mediaDir, { stock });
    await db.sequelize.query(
      `CREATE TABLE canary (id int PRIMARY KEY, note text NOT NULL);
       INSERT INTO canary VALUES (1, 'still here')`,
    );
    const [one, two] = await signedInShoppers(app.http.baseUrl, db, config, 2);
    if (!one || !two) throw new Error('no shoppers');
    [customer, artist] = [one, two];
    const opened = await artist.send('POST', '/api/v1/studio/profile', {
      name: 'Canary Painter',
      slug: 'canary-painter',
    });
    assert.equal(opened.status, 201);
    const [boss] = await signedInShoppers(app.http.baseUrl, db, config, 1, 'admin');
    if (!boss) throw new Error('no admin');
    admin = boss;
    const doc = await json(await fetch(`${app.http.baseUrl}/api/openapi.json`));
    reads = Object.entries(doc.paths as Record<string, Record<string, { parameters?: [] }>>)
      .filter(([path, ops]) => path.startsWith('/api/v1/') && ops.get?.parameters?.length)
      .map(([path, ops]) => ({ path, params: ops.get?.parameters ?? [] }));
  });
  after(() => app?.close());

  const who = (path: string) =>
    path.startsWith('/api/v1/admin/')
      ? admin
      : path.startsWith('/api/v1/studio/')
        ? artist
        : customer;

  /** The path with every parameter but `name` filled in harmlessly, and `name` set to `value`. */
  const url = (op: Operation, name: string, value: string) => {
    const query = new URLSearchParams();
    let path = op.path;
    for (const p of op.params) {
      const v = p.name === name ? value : null;
      if (p.in === 'path')
        path = path.replace(
          `{${p.name}}`,
          encodeURIComponent(v ?? (p.name === 'slug' ? 'x-y' : '1')),
        );
      else if (v !== null) query.set(p.name, v);
      else if (p.name === 'ids') query.set('ids', '1');
      else if (p.name === 'after') query.set('after', '0');
    }
    const q = query.toString();
    return q ? `${path}?${q}` : path;
  };

  it('when SQL, search syntax or odd encodings come in any query or path parameter, then 4xx or a harmless 200, nothing leaks and the database is untouched', async function () {
    this.timeout(120_000);
    const parameters = reads.reduce((n, op) => n + op.params.length, 0);
    assert.ok(
      reads.length >= 20 && parameters >= 40,
      `${reads.length} reads, ${parameters} parameters`,
    );
    const before = await fingerprint(app.t.db, { countOnly: ['sessions'] });
    const statuses = new Map<number, number>();
    for (const op of reads) {
      for (const param of op.params) {
        for (const payload of PAYLOADS) {
          const target = url(op, param.name, payload);
          const started = performance.now();
          const res = await who(op.path).get(target);
          const body = await res.text();
          const label = `GET ${target.slice(0, 160)} → ${res.status} ${body.slice(0, 200)}`;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          assert.ok(res.status < 500, label);
          // An error may quote the value back (as JSON); only what the server adds counts.
          const added = body.split(JSON.stringify(payload).slice(1, -1)).join('');
          assert.ok(!LEAKS.test(added), label);
          assert.ok(performance.now() - started < 2_500, `${label}: slow, as if pg_sleep ran`);
          if (res.status >= 400) assert.match(JSON.parse(body).error.code, /^[A-Z][A-Z_]+$/, label);
        }
      }
    }
    assert.ok(
      (statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0,
      [...statuses].join(' '),
    );
    assert.deepEqual(await fingerprint(app.t.db, { countOnly: ['sessions'] }), before);
    const [canary] = (await app.t.db.sequelize.query('SELECT note FROM canary'))[0] as [
      { note: string },
    ];
    assert.equal(canary.note, 'still here');
  });

  it('when the text search is injected, then it finds words, not more products', async () => {
    const all = await json(await customer.get('/api/v1/products?limit=100'));
    for (const payload of ["' OR '1'='1", "x' OR 1=1 --", '1 OR 1=1']) {
      const res = await customer.get(`/api/v1/products?q=${encodeURIComponent(payload)}`);
      assert.equal(res.status, 200, payload);
      const found = await json(res);
      assert.ok(found.items.length < all.items.length || all.items.length === 0, payload);
    }
  });
});
