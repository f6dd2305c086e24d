/*
 * What the shopper reads about stock and price, from GET /api/v1/availability
 * (shapes as in origin/src/catalog/catalog.schemas.ts `Availability`).
 * Pure: the elements only put these strings on the page.
 */

export interface Money {
  amountMinor: number;
  currency: string;
}

export type StockState = 'in_stock' | 'low_stock' | 'sold_out' | 'unavailable';

export interface ProductAvailability {
  id: number;
  state: StockState;
  /** Units that can be bought now; null when not stock-tracked or unavailable. */
  available: number | null;
  /** Current price; null when unavailable. */
  price: Money | null;
}

/** Most ids GET /api/v1/availability takes (MAX_AVAILABILITY_IDS in the origin). */
export const MAX_AVAILABILITY_IDS = 100;

/**
 * The request for some ids. Sorted, so the same products give the same URL
 * for every shopper and a shared cache in front of the API can answer it.
 */
export function availabilityPath(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  return `/api/v1/availability?ids=${sorted.join(',')}`;
}

export interface StockText {
  text: string;
  /** ok: can be bought; low: few left; out: cannot be bought. */
  tone: 'ok' | 'low' | 'out';
}

/** `kind` is the product's (`physical` | `digital`) when the page says so. */
export function stockText(item: ProductAvailability, kind?: string): StockText {
  switch (item.state) {
    case 'unavailable':
      return { text: 'No longer available', tone: 'out' };
    case 'sold_out':
      return { text: 'Sold out', tone: 'out' };
    case 'low_stock':
      return { text: `Only ${item.available ?? 1} left`, tone: 'low' };
    case 'in_stock':
      return { text: kind === 'digital' ? 'Available as a download' : 'In stock', tone: 'ok' };
  }
}

/** Whether the add-to-cart form should be usable. */
export const canBuy = (item: ProductAvailability) =>
  item.state === 'in_stock' || item.state === 'low_stock';

/** Digits of a formatted price ("€1,200.00" → 120000): the minor units, for whole-cent formats. */
export function minorUnitsIn(text: string): number | null {
  const digits = text.replace(/\D/g, '');
  return digits === '' ? null : Number(digits);
}

/** The price as the shop shows it; minor units follow the currency (JPY has none). */
export function formatMoney(money: Money, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amountMinor / 10 ** digits);
}

export interface PriceUpdate {
  /** The live price, formatted. */
  now: string;
  /** The printed price, to strike through: only when the price fell. */
  was: string | null;
}

/**
 * What to show when the live price differs from the one printed at build
 * time; null when it does not (or when the printed price cannot be read, so
 * an unreadable format never produces a false "now").
 */
export function priceUpdate(
  printed: string,
  live: Money | null,
  locale: string,
): PriceUpdate | null {
  const before = minorUnitsIn(printed);
  if (live === null || before === null || before === live.amountMinor) return null;
  return {
    now: formatMoney(live, locale),
    was: live.amountMinor < before ? printed.trim() : null,
  };
}
