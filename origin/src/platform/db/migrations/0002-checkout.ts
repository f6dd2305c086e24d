import type { Migration } from '../migrator.ts';

/*
 * Checkout recovery and the built-in test processor.
 *
 * idempotency_keys.order_id links a key to the order its first attempt
 * created, so a retry after a crash (or on another instance) resumes that
 * order instead of creating a second one.
 *
 * test_payment_charges is the test processor's own ledger: what a card
 * processor would remember. Keyed by order id, so charging an order twice
 * returns the first result; it lets tests count captures across processes.
 */
const UP = /* sql */ `
ALTER TABLE idempotency_keys ADD COLUMN order_id uuid REFERENCES orders ON DELETE SET NULL;

CREATE TABLE test_payment_charges (
  order_id      uuid PRIMARY KEY,
  provider_ref  text NOT NULL UNIQUE,
  amount_minor  integer NOT NULL CHECK (amount_minor >= 0),
  currency      char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  card_last4    text NOT NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
  outcome       text NOT NULL CHECK (outcome IN ('captured', 'pending', 'declined')),
  decline_code  text,
  refunded_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT test_payment_charges_declined_has_code CHECK (outcome <> 'declined' OR decline_code IS NOT NULL)
);
`;

export const checkout: Migration = {
  name: '0002-checkout',
  async up({ context: db }) {
    await db.transaction((transaction) => db.query(UP, { transaction }));
  },
  async down({ context: db }) {
    await db.transaction((transaction) =>
      db.query(
        'DROP TABLE IF EXISTS test_payment_charges; ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS order_id;',
        { transaction },
      ),
    );
  },
};
