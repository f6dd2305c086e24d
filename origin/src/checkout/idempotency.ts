import { createHash } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';

/*
 * Idempotency keys with Stripe's semantics:
 * - the first request with a key runs; its final response is stored and
 *   every retry with the same key and body gets it back, byte for byte;
 * - the same key with a different body is refused (422);
 * - a retry while the first attempt still runs is refused (409);
 * - keys are kept 24 hours.
 * A running attempt holds a short lease (`locked_until`). If its process
 * dies, the lease runs out and a retry, on any instance, takes the attempt
 * over and resumes the order it had created (`order_id`, set in the order's
 * own transaction by checkout), so a crash never
 * yields a second order for one key.
 */

/** How long an attempt may run before another may take it over. */
export const LEASE_MS = 15_000;
const KEEP_MS = 24 * 3_600_000;

export type Begin =
  | { kind: 'fresh' }
  /** A previous attempt died; carry on with the order it created, if any. */
  | { kind: 'resume'; orderId: string | null }
  | { kind: 'replay'; status: number; body: unknown };

/** Canonical JSON (sorted keys), so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const requestHash = (body: unknown) =>
  createHash('sha256').update(canonical(body)).digest('hex');

export function idempotencyStore({ db, clock }: { db: Database; clock: () => number }) {
  const { sequelize } = db;
  const now = () => new Date(clock());

  return {
    async begin(scope: string, key: string, hash: string): Promise<Begin> {
      const inserted = await sequelize.query<{ key: string }>(
        `INSERT INTO idempotency_keys (scope, key, request_hash, state, locked_until, created_at, expires_at)
         VALUES (:scope, :key, :hash, 'in_flight', :lockedUntil, :now, :expiresAt)
         ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
        {
          type: QueryTypes.SELECT,
          replacements: {
            scope,
            key,
            hash,
            now: now(),
            lockedUntil: new Date(clock() + LEASE_MS),
            expiresAt: new Date(clock() + KEEP_MS),
          },
        },
      );
      if (inserted.length === 1) return { kind: 'fresh' };

      const [row] = await sequelize.query<{
        requestHash: string;
        state: 'in_flight' | 'completed';
        responseStatus: number | null;
        responseBody: unknown;
      }>(
        `SELECT request_hash AS "requestHash", state, response_status AS "responseStatus", response_body AS "responseBody"
         FROM idempotency_keys WHERE scope = :scope AND key = :key`,
        { type: QueryTypes.SELECT, replacements: { scope, key } },
      );
      if (!row) return this.begin(scope, key, hash); // swept between the two statements
      if (row.requestHash !== hash) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used with a different request. Use a new key for a new checkout.',
          // SECURITY.md: the same key with a different body is a conflict (409).
          { status: 409 },
        );
      }
      if (row.state === 'completed' && row.responseStatus !== null) {
        return { kind: 'replay', status: row.responseStatus, body: row.responseBody };
      }
      const taken = await sequelize.query<{ orderId: string | null }>(
        `UPDATE idempotency_keys SET locked_until = :lockedUntil
         WHERE scope = :scope AND key = :key AND state = 'in_flight' AND (locked_until IS NULL OR locked_until < :now)
         RETURNING order_id AS "orderId"`,
        {
          type: QueryTypes.SELECT,
          replacements: { scope, key, now: now(), lockedUntil: new Date(clock() + LEASE_MS) },
        },
      );
      const resumed = taken[0];
      if (resumed) return { kind: 'resume', orderId: resumed.orderId };
      throw new AppError(
        'IDEMPOTENCY_KEY_IN_USE',
        'A request with this Idempotency-Key is still being processed. Retry in a moment with the same key.',
        { status: 409, headers: { 'retry-after': '1' } },
      );
    },

    /** Stores the final response: from now on every retry replays it. */
    async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
      await sequelize.query(
        `UPDATE idempotency_keys SET state = 'completed', response_status = :status, response_body = :body,
                locked_until = NULL
         WHERE scope = :scope AND key = :key`,
        { replacements: { scope, key, status, body: JSON.stringify(body) } },
      );
    },

    /** A transient failure: nothing final to store; the next retry resumes at once. */
    async release(scope: string, key: string): Promise<void> {
      await sequelize.query(
        `UPDATE idempotency_keys SET locked_until = NULL WHERE scope = :scope AND key = :key AND state = 'in_flight'`,
        { replacements: { scope, key } },
      );
    },

    /** Deletes keys past their 24 hours. */
    async sweep(): Promise<number> {
      const rows = await sequelize.query<{ key: string }>(
        'DELETE FROM idempotency_keys WHERE expires_at < :now RETURNING key',
        { type: QueryTypes.SELECT, replacements: { now: now() } },
      );
      return rows.length;
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
