/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

/* Small DOM helpers the islands share. */

/** The product id of an island element (`data-product-id`), or null when it is missing or bad. */
export function productIdOf(element: HTMLElement): number | null {
  const id = Number(element.dataset.productId);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * A polite live region for the element's messages. It is in the page before
 * any message is put in it, which screen readers need to announce them.
 */
export function statusRegion(host: HTMLElement): HTMLElement {
  const region = document.createElement('p');
  region.className = 'island-status';
  region.setAttribute('role', 'status');
  host.append(region);
  return region;
}

export interface Link {
  href: string;
  text: string;
}

/** Puts a message (and an optional link after it) in a status region; '' clears it. */
export function say(region: HTMLElement, text: string, tone: 'ok' | 'error', link?: Link): void {
  region.classList.toggle('error', tone === 'error');
  region.classList.toggle('ok', tone === 'ok');
  region.textContent = text;
  if (link && text) {
    const anchor = document.createElement('a');
    anchor.href = link.href;
    anchor.textContent = link.text;
    region.append(' ', anchor);
  }
}

/** The page's language for prices, as the build set it on <html>. */
export const pageLocale = () => document.documentElement.lang || 'en-GB';

/** The path of this page with its query, for the sign-in link's `next`. */
export const loginHref = () =>
  `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;
