/// <reference lib="dom" />
import { api } from './api.ts';
import { badgeWords, countPolicy, onCartCount, readCartCount, setCartCount } from './cart-count.ts';

let checking: Promise<void> | null = null;

/** One GET /api/v1/cart per page at most, when the policy asks for it. */
function checkCart(expire: boolean): Promise<void> {
  checking ??= api
    .get<{ itemCount: number }>('/api/v1/cart')
    .then((cart) => setCartCount(cart.itemCount, expire))
    // Unknown for now: the stored count stays and the next page tries again.
    .catch(() => undefined);
  return checking;
}

/**
 * `<vt-cart-badge aria-live="polite">` in the header's cart link: the number
 * of items, empty (and so not shown) at 0, completing the link's name
 * ("Cart 3 items"). A page the origin renders may give the count it knows
 * as `data-count`. The count found on arrival is put in silently; only
 * changes while the page is open (an add to cart) are announced.
 */
export class VtCartBadge extends HTMLElement {
  #unsubscribe: (() => void) | null = null;

  connectedCallback(): void {
    const policy = countPolicy(readCartCount(), Date.now(), location.pathname);
    const given = Number(this.dataset.count ?? Number.NaN);
    const known = Number.isInteger(given) && given >= 0;
    if (known) setCartCount(given, policy === 'check-and-expire');
    this.setAttribute('aria-live', 'off');
    this.#show(known ? given : (readCartCount()?.count ?? 0));
    requestAnimationFrame(() => this.setAttribute('aria-live', 'polite'));
    this.#unsubscribe = onCartCount((count) => this.#show(count));
    if (!known && policy !== 'trust') void checkCart(policy === 'check-and-expire');
  }

  disconnectedCallback(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #show(count: number): void {
    const { shown, spoken } = badgeWords(count);
    if (!shown) {
      this.replaceChildren();
      return;
    }
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = spoken;
    this.replaceChildren(shown, hidden);
  }
}
