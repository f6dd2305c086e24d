import { ConnectionError, TimeoutError } from 'sequelize';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
/** PostgreSQL SQLSTATE classes 08 (connection) and 57P (operator intervention: shutdown). */
const PG_UNAVAILABLE = /^(08|57P0[1-3])/;

/** True when an error means the database is unreachable rather than the query being wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof ConnectionError || err instanceof TimeoutError) return true;
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as {
      code?: unknown;
      parent?: unknown;
      original?: unknown;
      cause?: unknown;
      message?: unknown;
    };
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code)))
      return true;
    if (
      typeof e.message === 'string' &&
      /Connection terminated|connection is closed/i.test(e.message)
    )
      return true;
    current = e.parent ?? e.original ?? e.cause;
  }
  return false;
}
