import { createHash } from 'node:crypto';
import { AppError } from '../platform/errors.ts';

/*
 * Keyset cursors. A cursor names the last row of a page by its sort key and
 * id, plus which listing it belongs to (the order and a fingerprint of the
 * filters): a cursor is only meaningful for the query that produced it, so
 * one from another sort or filter is refused instead of silently skipping or
 * repeating rows. Opaque to clients: base64url of a small JSON array.
 */

/** Which ordering a cursor walks; product sorts plus a collection's curated order. */
export type CursorOrder = 'newest' | 'price_asc' | 'price_desc' | 'popular' | 'curated';

/**
 * The sort key of the last row: a timestamp with microseconds (`newest`, as
 * PostgreSQL printed it, so no precision is lost) or a whole number (price,
 * popularity score, curated position).
 */
export type CursorKey = string | number;

export interface Position {
  key: CursorKey;
  id: number;
}

const VERSION = 1;
/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the format the repository prints sort timestamps in. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A short digest of the normalised filters a listing was asked with. */
export function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

export function encodeCursor(order: CursorOrder, filters: string, position: Position): string {
  return Buffer.from(JSON.stringify([VERSION, order, filters, position.key, position.id])).toString(
    'base64url',
  );
}

const invalid = () =>
  new AppError(
    'INVALID_CURSOR',
    'The cursor is not one this API returned; start again without a cursor.',
    { status: 400 },
  );

/** Largest value of an `integer` column (prices, positions). */
const MAX_INT4 = 2_147_483_647;

/** A real calendar instant: rejects 2025-02-30, year 0 and the like, which PostgreSQL would refuse. */
function isTimestamp(value: string): boolean {
  if (!TIMESTAMP.test(value) || value.startsWith('0000')) return false;
  const date = new Date(`${value.slice(0, 23)}Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === value.slice(0, 19);
}

/**
 * Whether the key can be bound as the order's SQL type. Cursors are not
 * signed (a forged one can only move through the same public listing), so
 * anything the database would refuse must be refused here, as a 400.
 */
function isKeyOf(order: CursorOrder, key: unknown): key is CursorKey {
  if (order === 'newest') return typeof key === 'string' && isTimestamp(key);
  if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 0) return false;
  // Popularity is a bigint sum; prices and curated positions are integer columns.
  return order === 'popular' || key <= MAX_INT4;
}

/**
 * The position a cursor names.
 * @throws AppError INVALID_CURSOR (400) when it is malformed, or was issued for another order or other filters.
 */
export function decodeCursor(cursor: string, order: CursorOrder, filters: string): Position {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 5 || value[0] !== VERSION) throw invalid();
  const [, itsOrder, itsFilters, key, id] = value as unknown[];
  if (itsOrder !== order || itsFilters !== filters) {
    throw new AppError(
      'INVALID_CURSOR',
      'This cursor belongs to a listing with another sort or other filters; start again without a cursor.',
      { status: 400 },
    );
  }
  if (!isKeyOf(order, key) || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw invalid();
  }
  return { key, id };
}
