/*
 * Words for what went wrong, from the API's stable error codes (README
 * "error codes"; origin/src/**: AppError codes; the edge's MAINTENANCE and
 * NOT_SIGNED_IN). The API's own `message` is written for developers; a
 * shopper gets these.
 */

export interface ErrorFacts {
  code: string;
  status: number;
  details?: unknown;
  retryAfterS?: number | null;
}

export const NETWORK_MESSAGE = "We couldn't reach the shop. Check your connection and try again.";

const detail = (details: unknown, key: string): unknown =>
  details !== null && typeof details === 'object'
    ? (details as Record<string, unknown>)[key]
    : undefined;

/** `details.quantityAvailable` of INSUFFICIENT_STOCK / OUT_OF_STOCK, when it is a count. */
export function quantityAvailable(details: unknown): number | null {
  const left = detail(details, 'quantityAvailable');
  return typeof left === 'number' && Number.isInteger(left) && left >= 0 ? left : null;
}

function wait(seconds: number | null | undefined): string {
  if (!seconds) return 'a moment';
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

const isQuantityProblem = (details: unknown) => {
  const fields = detail(details, 'fields');
  return (
    Array.isArray(fields) &&
    fields.some((field) => String(detail(field, 'path') ?? '').endsWith('quantity'))
  );
};

export function messageFor(error: ErrorFacts): string {
  switch (error.code) {
    case 'NETWORK':
      return NETWORK_MESSAGE;
    case 'MAINTENANCE':
      return 'The shop is being updated. Please try again in a few minutes.';
    case 'DATABASE_UNAVAILABLE':
    case 'CACHE_LOAD_TIMEOUT':
    case 'SERVICE_UNAVAILABLE':
      return "The shop can't take this right now. Please try again in a moment.";
    case 'TOO_MANY_ATTEMPTS':
    case 'TOO_MANY_REQUESTS':
      return `That was a lot of tries in a short time. Please wait ${wait(error.retryAfterS)} and try again.`;
    case 'NOT_SIGNED_IN':
      return 'Your session has ended. Please sign in again.';
    case 'CSRF_TOKEN_INVALID':
    case 'CSRF_TOKEN_MISSING':
    case 'CROSS_SITE_REQUEST':
      return 'You signed in or out in another window. Reload this page and try again.';
    case 'INSUFFICIENT_STOCK':
    case 'OUT_OF_STOCK': {
      const left = quantityAvailable(error.details);
      return left === null || left === 0 ? 'Sorry, this has just sold out.' : `Only ${left} left.`;
    }
    case 'PRODUCT_NOT_FOUND':
      return 'Sorry, this is no longer for sale.';
    case 'QUANTITY_TOO_LARGE': {
      const max = detail(error.details, 'maxQuantity');
      return `You can order at most ${typeof max === 'number' ? max : 99} of one item.`;
    }
    case 'CURRENCY_MISMATCH':
      return 'Your cart holds items priced in another currency. Check out or empty your cart first, then add this.';
    case 'VALIDATION_FAILED':
      return isQuantityProblem(error.details)
        ? 'Choose a quantity from 1 to 99.'
        : 'This page is out of date. Reload it and try again.';
  }
  if (error.status >= 500) return 'Something went wrong on our side. Please try again.';
  return 'This page is out of date. Reload it and try again.';
}

/**
 * After an add that asked for more than is left: how many to add instead
 * (all that is left beyond what the cart holds, never more than asked).
 */
export function shortfallAdd(asked: number, left: number, inCart: number): number {
  return Math.max(0, Math.min(asked, left - inCart));
}

/** The outcome of an add, in words. */
export function addedText(outcome: {
  asked: number;
  added: number;
  /** Units left when the shop refused the full quantity; null when it took it all. */
  left: number | null;
}): string {
  const { asked, added, left } = outcome;
  if (left === null || added === asked) {
    return asked === 1 ? 'Added to your cart.' : `${added} added to your cart.`;
  }
  if (left === 0) return 'Sorry, this has just sold out.';
  if (added === 0) {
    return left === 1
      ? 'Only 1 left, and it is already in your cart.'
      : `Only ${left} left, and they are all in your cart already.`;
  }
  return added === left
    ? `Only ${left} left: ${added} added to your cart.`
    : `Only ${left} left: ${added} more added, so all ${left} are in your cart.`;
}
