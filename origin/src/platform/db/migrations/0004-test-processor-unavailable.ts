import type { Migration } from '../migrator.ts';

/*
 * The test processor's transient-failure card (4000000000000119) fails the
 * first time an order is charged and succeeds on the retry. Which orders
 * already had their one failure must survive a restart and be shared by
 * every instance, so the ledger remembers it as a row with outcome
 * `unavailable`: nothing was charged, and the next charge of that order
 * replaces it with the real outcome. A new outcome value rather than a new
 * table keeps one row per order, the ledger's idempotency key.
 */
const UP = /* sql */ `
ALTER TABLE test_payment_charges DROP CONSTRAINT test_payment_charges_outcome_check;
ALTER TABLE test_payment_charges ADD CONSTRAINT test_payment_charges_outcome_check
  CHECK (outcome IN ('captured', 'pending', 'declined', 'unavailable'));
`;

const DOWN = /* sql */ `
DELETE FROM test_payment_charges WHERE outcome = 'unavailable';
ALTER TABLE test_payment_charges DROP CONSTRAINT test_payment_charges_outcome_check;
ALTER TABLE test_payment_charges ADD CONSTRAINT test_payment_charges_outcome_check
  CHECK (outcome IN ('captured', 'pending', 'declined'));
`;

export const testProcessorUnavailable: Migration = {
  name: '0004-test-processor-unavailable',
  async up({ context: db }) {
    await db.transaction((transaction) => db.query(UP, { transaction }));
  },
  async down({ context: db }) {
    await db.transaction((transaction) => db.query(DOWN, { transaction }));
  },
};
