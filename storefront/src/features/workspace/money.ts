/*
 * Prices as people type them ("120", "120.50", "120,50", "1 200.00") to the
 * API's minor units, and back. The shop counts 100 minor units to the major
 * one everywhere (formatPrice, price bands), so this does too.
 */

/** A parsed value, or what is wrong with the input in words for the form. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The API's upper bound (a PostgreSQL integer) in minor units. */
const MAX_MINOR = 2_147_483_647;

/** A price typed in the shop currency → minor units; more than zero. */
export function parsePrice(input: string): Parsed<number> {
  // Spaces (also the narrow no-break space some keyboards insert) group thousands.
  const compact = input.replace(/[\s\u00a0\u202f]/g, '');
  if (compact === '') return { ok: false, message: 'Enter a price, like 120.00.' };
  // 120, 120.5, 120,50, or with thousands grouped when a decimal part follows
  // (1,250.50 / 1.250,50). A bare "1.250" is refused: 1.25 or 1250 by mistake
  // would be a price off by a thousand.
  const plain = compact.match(/^(\d+)(?:[.,](\d{1,2}))?$/);
  const grouped = compact.match(/^(\d{1,3}(?:([.,])\d{3})+)([.,])(\d{1,2})$/);
  const whole = plain?.[1] ?? (grouped && grouped[2] !== grouped[3] ? grouped[1] : undefined);
  if (whole === undefined) {
    return {
      ok: false,
      message: 'Enter the price as a number with up to two decimals, like 120.00.',
    };
  }
  const cents = Number((plain ? (plain[2] ?? '') : (grouped?.[4] ?? '')).padEnd(2, '0'));
  const minor = Number(whole.replace(/[.,]/g, '')) * 100 + cents;
  if (minor === 0) return { ok: false, message: 'Enter a price above 0.' };
  if (minor > MAX_MINOR) return { ok: false, message: 'That price is too high for the shop.' };
  return { ok: true, value: minor };
}

/** Minor units → what the price input shows: "120.00". */
export function priceInputValue(amountMinor: number): string {
  return (amountMinor / 100).toFixed(2);
}

/** A whole number of units (stock, edition size) typed into a form. */
export function parseCount(input: string, max = 1_000_000): Parsed<number> {
  const compact = input.replace(/[\s\u00a0\u202f]/g, '');
  if (!/^\d+$/.test(compact)) return { ok: false, message: 'Enter a whole number, like 5.' };
  const value = Number(compact);
  if (value > max) return { ok: false, message: `Enter at most ${max.toLocaleString('en-GB')}.` };
  return { ok: true, value };
}

/** A signed whole number (a stock adjustment: 3 to add, -2 to remove), not 0. */
export function parseDelta(input: string): Parsed<number> {
  const compact = input.replace(/[\s\u00a0\u202f]/g, '').replace(/^\u2212/, '-');
  if (!/^[+-]?\d+$/.test(compact))
    return { ok: false, message: 'Enter a whole number: 3 to add units, -2 to remove them.' };
  const value = Number(compact);
  if (value === 0) return { ok: false, message: 'Enter how many units to add or remove (not 0).' };
  if (Math.abs(value) > 1_000_000) return { ok: false, message: 'Enter at most 1,000,000 units.' };
  return { ok: true, value };
}
