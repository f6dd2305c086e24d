import type { Money } from '../session/format.ts';

/*
 * The cart as GET /api/v1/cart gives it, and what the cart and checkout
 * pages say about each line.
 */

export type LineState = 'ok' | 'price_changed' | 'insufficient_stock' | 'sold_out' | 'unavailable';

export interface CartItem {
  id: number;
  product: {
    id: number;
    slug: string;
    title: string;
    kind: 'physical' | 'digital';
    imageUrl: string | null;
  };
  quantity: number;
  unitPrice: Money;
  addedPrice: Money;
  lineTotal: Money;
  /** Units that can still be bought; null when not stock-tracked. */
  available: number | null;
  state: LineState;
}

export interface Cart {
  items: CartItem[];
  subtotal: Money | null;
  itemCount: number;
  hasIssues: boolean;
}

export const MAX_QUANTITY = 99;

/**
 * What a line's state means for the shopper, and what to do about it; null
 * when there is nothing to say. `money` formats amounts in the shop's locale.
 */
export function lineNotice(item: CartItem, money: (m: Money) => string): string | null {
  switch (item.state) {
    case 'ok':
      return null;
    case 'price_changed':
      return item.unitPrice.amountMinor < item.addedPrice.amountMinor
        ? `Good news: the price went down from ${money(item.addedPrice)} to ${money(item.unitPrice)} since you added it.`
        : `The price changed from ${money(item.addedPrice)} to ${money(item.unitPrice)} since you added it. You pay the new price.`;
    case 'insufficient_stock': {
      const left = item.available ?? 0;
      return `Only ${left} left, fewer than the ${item.quantity} you want. Lower the quantity to ${left} to check out.`;
    }
    case 'sold_out':
      return 'Sold out since you added it. Remove it to check out.';
    case 'unavailable':
      return 'No longer for sale. Remove it to check out.';
  }
}

/** Lines that stop a checkout until the shopper changes them. */
export function blocksCheckout(item: CartItem): boolean {
  return (
    item.state === 'insufficient_stock' || item.state === 'sold_out' || item.state === 'unavailable'
  );
}

/** A quantity typed into a form: a whole number 0–99 (0 removes the line), else null. */
export function parseQuantity(text: string): number | null {
  if (!/^\d{1,3}$/.test(text.trim())) return null;
  const quantity = Number(text.trim());
  return quantity <= MAX_QUANTITY ? quantity : null;
}

/**
 * The product slug of the page a form was posted from, when it is one of this
 * shop's product pages (`/products/<slug>/` on the same origin). The static
 * product page's add-to-cart form carries only the product id; its page
 * tells the cart which work it is, so the confirmation can name it.
 */
export function productSlugFromReferer(referer: string | null, self: URL): string | null {
  if (!referer) return null;
  let from: URL;
  try {
    from = new URL(referer);
  } catch {
    return null;
  }
  if (from.host !== self.host) return null;
  return from.pathname.match(/^\/products\/([a-z0-9]+(?:-[a-z0-9]+)*)\/$/)?.[1] ?? null;
}
