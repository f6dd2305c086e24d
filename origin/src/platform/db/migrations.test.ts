import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import {
  createTestDatabase,
  hasExternalDatabase,
  type TestDatabase,
} from '../../../test/support/database.ts';
import { createLogger } from '../logging.ts';
import { openDatabase } from './database.ts';
import { createMigrator, MIGRATIONS } from './migrator.ts';

const TABLES = [
  'artists',
  'cart_items',
  'carts',
  'categories',
  'collection_items',
  'collections',
  'favorites',
  'idempotency_keys',
  'inventory',
  'order_items',
  'orders',
  'outbox',
  'payment_events',
  'payments',
  'product_images',
  'products',
  'sessions',
  'test_payment_charges',
  'users',
];

async function tablesOf(t: TestDatabase): Promise<string[]> {
  const rows = await t.db.sequelize.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    { type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.name);
}

/** Runs SQL that must be refused by the named constraint. */
async function refused(t: TestDatabase, sql: string, constraint: RegExp) {
  await assert.rejects(
    t.db.sequelize.transaction((transaction) => t.db.sequelize.query(sql, { transaction })),
    (err: Error & { parent?: { constraint?: string; code?: string } }) => {
      const name = err.parent?.constraint ?? '';
      assert.match(name || err.message, constraint);
      return true;
    },
  );
}

describe('migrations on PostgreSQL', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  after(() => t?.drop());

  it('when migrated up, then every table of the shop exists', async () => {
    const applied = await t.db.migrate();
    assert.deepEqual(
      applied,
      MIGRATIONS.map((m) => m.name),
    );
    assert.deepEqual(await tablesOf(t), [...TABLES, 'schema_migrations'].sort());
  });

  it('when migrated again, then nothing is applied twice', async () => {
    assert.deepEqual(await t.db.migrate(), []);
  });

  describe('the rules live in the database', () => {
    before(async () => {
      await t.db.sequelize.query(`
        INSERT INTO users (email, password_hash) VALUES ('ada@example.com', 'x');
        INSERT INTO artists (slug, name) VALUES ('ada', 'Ada');
        INSERT INTO products (slug, title, price_minor, currency, status, kind, published_at, artist_id)
          VALUES ('work', 'Work', 1000, 'EUR', 'published', 'physical', now(), 1);
        INSERT INTO inventory (product_id, on_hand) VALUES (1, 2);`);
    });

    it('when stock would go below zero, then a CHECK refuses it', () =>
      // held >= 0 too, so a negative on_hand breaks both checks; PostgreSQL names one.
      refused(
        t,
        'UPDATE inventory SET on_hand = on_hand - 3 WHERE product_id = 1',
        /inventory_(on_hand_check|held_within_stock)/,
      ));

    it('when more is held than is on hand, then the CHECK refuses it', () =>
      refused(
        t,
        'UPDATE inventory SET held = 3 WHERE product_id = 1',
        /inventory_held_within_stock/,
      ));

    it('when an email is not normalised or repeats, then it is refused', async () => {
      await refused(
        t,
        "INSERT INTO users (email, password_hash) VALUES ('Ada@Example.com', 'x')",
        /users_email_normalised/,
      );
      await refused(
        t,
        "INSERT INTO users (email, password_hash) VALUES ('ada@example.com', 'x')",
        /users_email_unique/,
      );
    });

    it('when a price is negative or the currency is not ISO 4217, then it is refused', async () => {
      await refused(t, 'UPDATE products SET price_minor = -1', /products_price_minor_check/);
      await refused(t, "UPDATE products SET currency = 'eu'", /products_currency_check/);
    });

    it('when a product is published without a date, then it is refused', () =>
      refused(t, 'UPDATE products SET published_at = NULL', /products_published_has_date/));

    it('when an order line total does not match price × quantity, then it is refused', async () => {
      await t.db.sequelize.query(`
        INSERT INTO orders (id, user_id, email, status, currency, subtotal_minor, total_minor, hold_expires_at)
        VALUES ('00000000-0000-4000-8000-000000000001', 1, 'ada@example.com', 'pending_payment', 'EUR', 2000, 2000, now())`);
      await refused(
        t,
        `INSERT INTO order_items (order_id, product_id, title, kind, unit_price_minor, quantity, line_total_minor)
         VALUES ('00000000-0000-4000-8000-000000000001', 1, 'Work', 'physical', 1000, 2, 1999)`,
        /order_items_line_total/,
      );
    });

    it('when a pending order has no hold expiry, then it is refused', () =>
      refused(
        t,
        `INSERT INTO orders (user_id, email, status, currency, subtotal_minor, total_minor)
         VALUES (1, 'ada@example.com', 'pending_payment', 'EUR', 0, 0)`,
        /orders_pending_has_hold/,
      ));

    it('when an order would get a second successful payment, then the unique index refuses it', async () => {
      const insert = (ref: string) =>
        `INSERT INTO payments (order_id, provider, provider_ref, status, amount_minor, currency)
         VALUES ('00000000-0000-4000-8000-000000000001', 'test', '${ref}', 'captured', 2000, 'EUR')`;
      await t.db.sequelize.query(insert('a'));
      await refused(t, insert('b'), /payments_one_capture_per_order/);
    });

    it('when an idempotency key would be kept less than a day, then it is refused', () =>
      refused(
        t,
        `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
         VALUES ('checkout:1', 'k', repeat('a', 64), now() + interval '1 hour')`,
        /idempotency_kept_a_day/,
      ));

    it('when an artist with products is deleted, then the foreign key refuses it', () =>
      refused(t, 'DELETE FROM artists WHERE id = 1', /products_artist_id_fkey/));
  });

  describe('reverting', () => {
    it('when migrated down, then every table is gone; when migrated up again, then it is all back', async () => {
      const migrator = createMigrator(t.db.sequelize);
      const reverted = await migrator.down({ to: 0 });
      assert.deepEqual(
        reverted.map((m) => m.name),
        [...MIGRATIONS].reverse().map((m) => m.name),
      );
      assert.deepEqual(await tablesOf(t), ['schema_migrations']);
      await t.db.migrate();
      assert.deepEqual(await tablesOf(t), [...TABLES, 'schema_migrations'].sort());
    });
  });
});

describe('migrations at a rolling deploy', () => {
  it('when three tasks migrate a new schema at once, then one applies everything and the others wait and apply nothing', async function () {
    if (!hasExternalDatabase) this.skip();
    const t = await createTestDatabase({ migrate: false });
    const others = await Promise.all(
      [1, 2].map(() => openDatabase(t.config.database, createLogger('silent'))),
    );
    try {
      const results = await Promise.all([t.db, ...others].map((db) => db.migrate()));
      const lengths = results.map((applied) => applied.length).sort((a, b) => a - b);
      assert.deepEqual(lengths, [0, 0, MIGRATIONS.length]);
      assert.deepEqual(await tablesOf(t), [...TABLES, 'schema_migrations'].sort());
    } finally {
      for (const db of others) await db.close();
      await t.drop();
    }
  });
});
