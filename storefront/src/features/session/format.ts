import { formatPrice } from '../catalog/catalog.ts';

/** An amount as the API gives it: minor units and an ISO 4217 code. */
export interface Money {
  amountMinor: number;
  currency: string;
}

export function formatMoney(money: Money, locale: string): string {
  return formatPrice(money.amountMinor, money.currency, locale);
}

/**
 * A moment for people: "21 Nov 2025, 14:05 UTC". The origin renders for
 * shoppers anywhere and does not know their zone, so it is named.
 */
export function formatDateTime(iso: string, locale: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName: the parts are named one by one.
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** A day: "21 Nov 2025". */
export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(iso),
  );
}
