import { formatPrice } from './catalog.ts';

/*
 * Price bands for search filters: a handful of ranges a shopper thinks in.
 * Bounds in major units of the shop's currency; a price sits in the band whose
 * lower bound it reaches.
 */
const BOUNDS = [0, 50, 100, 250, 500, 1000, 2500];

export interface PriceBand {
  /** Stable key, e.g. "100-250" or "2500+": used as the search filter value. */
  key: string;
  /** Words for people, e.g. "€100 to €250". */
  label: string;
}

export function priceBandOf(amountMinor: number, currency: string): PriceBand {
  const major = amountMinor / 100;
  let i = BOUNDS.length - 1;
  while (i > 0 && major < (BOUNDS[i] ?? 0)) i--;
  const low = BOUNDS[i] ?? 0;
  const high = BOUNDS[i + 1];
  const money = (n: number) => formatPrice(n * 100, currency).replace(/\.00$/, '');
  if (high === undefined) return { key: `${low}+`, label: `${money(low)} and over` };
  if (low === 0) return { key: `0-${high}`, label: `Under ${money(high)}` };
  return { key: `${low}-${high}`, label: `${money(low)} to ${money(high)}` };
}
