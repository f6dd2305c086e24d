/*
 * The number on the header's cart link, without asking the origin on every
 * page view: the count is kept in localStorage (shared by the shop's tabs,
 * which hear each other's changes through `storage` events) with the time
 * it was learnt. It is learnt from every add to cart (the API answers with
 * the cart), from `data-count` on pages the origin renders, and from
 * GET /api/v1/cart when it is missing or older than CART_COUNT_MAX_AGE_MS,
 * or on session pages, whose view reaches the origin anyway.
 */

const KEY = 'vitrine:cart-count';

/** A stored count older than this is checked against the API again. */
export const CART_COUNT_MAX_AGE_MS = 10 * 60_000;

/** Pages the origin renders, where the cart may just have changed (edits, checkout, orders). */
const CHECK_ON = ['/cart/', '/checkout/', '/orders/', '/account/'];
/** Signing in merges the guest cart, signing out hides the account's: what we know expires there. */
const EXPIRE_ON = ['/login/', '/register/', '/logout/'];

export interface StoredCount {
  count: number;
  /** When it was learnt (ms since the epoch); 0 when it must be checked on the next page. */
  at: number;
}

export function parseStoredCount(raw: string | null): StoredCount | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    const { count, at } = value as Partial<StoredCount>;
    if (!Number.isInteger(count) || (count as number) < 0 || typeof at !== 'number') return null;
    return { count: count as number, at };
  } catch {
    return null;
  }
}

export type CountPolicy = 'trust' | 'check' | 'check-and-expire';

/** Whether this page view should ask the API for the cart. */
export function countPolicy(stored: StoredCount | null, now: number, path: string): CountPolicy {
  if (EXPIRE_ON.some((prefix) => path.startsWith(prefix))) return 'check-and-expire';
  if (CHECK_ON.some((prefix) => path.startsWith(prefix))) return 'check';
  if (!stored) return 'check';
  const age = now - stored.at;
  return age >= 0 && age < CART_COUNT_MAX_AGE_MS ? 'trust' : 'check';
}

/** The badge's visible number and the words that complete the link's name ("Cart 3 items"). */
export function badgeWords(count: number): { shown: string; spoken: string } {
  if (count <= 0) return { shown: '', spoken: '' };
  return { shown: String(count), spoken: count === 1 ? ' item' : ' items' };
}

// ---- browser glue ---------------------------------------------------------------

type Listener = (count: number) => void;
const listeners = new Set<Listener>();
let listening = false;

function store(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    // Storage blocked (privacy settings): the badge then shows what this page learns.
    return null;
  }
}

export function readCartCount(): StoredCount | null {
  try {
    return parseStoredCount(store()?.getItem(KEY) ?? null);
  } catch {
    return null;
  }
}

/** Records the cart's item count; `expire` makes the next page check it again. */
export function setCartCount(count: number, expire = false): void {
  try {
    store()?.setItem(KEY, JSON.stringify({ count, at: expire ? 0 : Date.now() }));
  } catch {
    // Quota or blocked storage: the count still reaches this page's badges below.
  }
  for (const listener of listeners) listener(count);
}

/** Calls `listener` with each new count, from this tab or another; returns the unsubscribe. */
export function onCartCount(listener: Listener): () => void {
  if (!listening) {
    listening = true;
    window.addEventListener('storage', (event) => {
      if (event.key !== KEY) return;
      const stored = parseStoredCount(event.newValue);
      for (const each of listeners) each(stored?.count ?? 0);
    });
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
